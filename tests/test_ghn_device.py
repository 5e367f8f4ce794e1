"""The GHN on any device: training and evaluation honour the `device` section (accelerator, precision).

On a CPU machine this trains a tiny GHN for a few steps in `bf16-mixed` and in `32-true`, evaluates both runs with
a device section, and checks that an absent accelerator is one line before anything is written. The CUDA tests run
only where torch sees a GPU.
"""
import json, math
from dataclasses import replace
import pytest
import torch
from taskweaver.cli import main
from taskweaver.utils import UserError, DeviceConfig
from taskweaver.ghn import GHNTrainConfig, GHNTrainer, train_ghn, evaluate_starts, load_ghn
from taskweaver.zoo import build_model

TINY = dict(vocab_size=300, max_stories=60, seq_len=16, text_batch=2, models_per_step=2, d_models=[64], max_layers=2,
            heldout_per_family=1, hidden=16, rank=8, train=dict(max_steps=3, eval_every=3, progress=False))
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

def tiny(output_dir, **device) -> GHNTrainConfig:
    return GHNTrainConfig.from_dict(dict(TINY, output_dir=str(output_dir), device=device))

@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    "The same 3-step run on the CPU in fp32 and in bf16-mixed."
    d = tmp_path_factory.mktemp("ghn_device")
    res = {p: train_ghn(tiny(d/p, accelerator="cpu", precision=p)) for p in ("32-true", "bf16-mixed")}
    return d, res

def test_bf16_mixed_training_on_cpu(runs):
    "bf16-mixed trains on a CPU: finite losses close to fp32's but not equal to them (the precision is in effect), an fp32 GHN saved."
    d, res = runs
    f32, b16 = (res[p]["metrics"] for p in ("32-true", "bf16-mixed"))
    for m in (f32, b16): assert math.isfinite(m["train/loss"]) and math.isfinite(m["eval/val_loss"]) and 0 < m["train/loss"] < 10
    assert b16["train/loss"] != f32["train/loss"] and abs(b16["train/loss"] - f32["train/loss"]) < 0.1
    assert abs(b16["eval/val_loss"] - f32["eval/val_loss"]) < 0.1
    assert json.loads((d/"bf16-mixed/train_config.json").read_text())["precision"] == "bf16-mixed"
    ghn = load_ghn(d/"bf16-mixed")
    assert all(p.dtype == torch.float32 and torch.isfinite(p).all() for p in ghn.parameters())

def test_evaluate_starts_with_a_device_section(runs):
    "evaluate_starts takes the device section: fp32 on the CPU equals the default there; bf16-mixed gives finite, close losses."
    d, _ = runs
    ghns = {"GHN bf16": d/"bf16-mixed"}
    kw = dict(steps=(0, 1), max_heldout=1)
    f32 = evaluate_starts(ghns, device=DeviceConfig(accelerator="cpu"), **kw)
    b16 = evaluate_starts(ghns, device=dict(accelerator="cpu", precision="bf16-mixed"), **kw)
    assert len(f32) == len(b16) == 3 * 2 and all(math.isfinite(r["val_loss"]) and r["val_loss"] > 0 for r in b16)
    key = lambda r: (r["name"], r["start"], r["step"])
    pairs = {key(r): r["val_loss"] for r in f32}
    assert max(abs(pairs[key(r)] - r["val_loss"]) / pairs[key(r)] for r in b16) < 0.05
    if not torch.cuda.is_available():   # auto = the CPU here: the same numbers
        assert [r["val_loss"] for r in evaluate_starts(ghns, **kw)] == [r["val_loss"] for r in f32]

def test_cli_eval_with_device_flags(runs, capsys):
    "`taskweaver ghn eval ... --accelerator cpu --precision bf16-mixed` writes finite rows."
    d, _ = runs
    rc = main(["ghn", "eval", f"GHN={d/'bf16-mixed'}", "--steps", "0", "--max-heldout", "1", "--accelerator", "cpu",
               "--precision", "bf16-mixed", "--out", str(d/"eval.json")])
    assert rc == 0 and "| GHN |" in capsys.readouterr().out
    rows = json.loads((d/"eval.json").read_text())["rows"]
    assert len(rows) == 3 and all(math.isfinite(r["val_loss"]) for r in rows)

@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_absent_accelerator_is_one_line(tmp_path, runs, capsys):
    "A GPU asked for on a machine without one: one line from train_ghn (nothing written), evaluate_starts, GHNTrainer and the CLI."
    d, _ = runs
    with pytest.raises(UserError, match=r"^accelerator='cuda': torch .* sees no CUDA GPU on this machine; use cpu or auto$"):
        train_ghn(tiny(tmp_path/"g", accelerator="cuda"))
    assert not (tmp_path/"g").exists()
    with pytest.raises(UserError, match="sees no CUDA GPU"): evaluate_starts({"GHN": d/"32-true"}, device=dict(accelerator="gpu"))
    with pytest.raises(UserError, match="sees no CUDA GPU"): GHNTrainer(tiny(tmp_path/"t", accelerator="cuda"))
    with pytest.raises(UserError, match="sees no CUDA GPU"): load_ghn(d/"32-true", device="cuda")
    assert main(["ghn", "train", "--output_dir", str(tmp_path/"c"), "--accelerator", "cuda"]) == 2
    assert capsys.readouterr().err.strip().startswith("taskweaver ghn: error: accelerator='cuda': torch")
    with pytest.raises(UserError, match="evaluate_starts runs on one device: devices=2"):
        evaluate_starts({"GHN": d/"32-true"}, device=dict(accelerator="cpu", devices=2))

@cuda
def test_cuda_bf16_training_and_evaluation(tmp_path):
    "On a GPU: the GHN, its predicted parameters and the windows live on the GPU; bf16 losses are finite; evaluation runs there."
    res = train_ghn(tiny(tmp_path/"g", accelerator="cuda", precision="bf16-mixed"))
    assert math.isfinite(res["metrics"]["train/loss"]) and math.isfinite(res["metrics"]["eval/val_loss"])
    t = GHNTrainer(tiny(tmp_path/"t", accelerator="cuda", precision="bf16-mixed"))
    m = build_model("mini_gpt", dict(vocab_size=300, d_model=64, n_layer=2, n_head=4, d_ff=128, max_seq_len=16, p_drop=0.0, tie_weights=True), device="meta")
    assert math.isfinite(t.train_step(m))
    assert next(t.ghn.parameters()).device.type == "cuda"
    with t.fabric.autocast(): p = t.module([m])[0]
    assert all(v.device.type == "cuda" for v in p.values()) and p["blocks.0.fc1.weight"].dtype == torch.bfloat16
    rows = evaluate_starts({"GHN": tmp_path/"g"}, steps=(0, 1), max_heldout=1, device=dict(accelerator="cuda", precision="bf16-mixed"))
    assert len(rows) == 3 * 2 and all(math.isfinite(r["val_loss"]) for r in rows)
