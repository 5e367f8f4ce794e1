"""Any device, any model name: evaluators take the `device` section (accelerator + precision) and run in bf16 autocast on
the CPU; an absent GPU is one line wherever a device is named; a saved system is found by hub id (here a hub cache laid
out offline by `testutils.cache_as_hub`)."""
import json, math, subprocess, sys
import pytest, torch
import huggingface_hub.constants as hfc
from taskweaver.testutils import save_tiny, cache_as_hub
from taskweaver.utils import UserError
from conftest import cli_main

pytestmark = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the behaviour of a machine without a GPU")

@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    "A tiny TaskWeaver saved as `save_pretrained` writes it, and a two-task dataset config."
    from taskweaver.hypernet import TaskWeaver
    from taskweaver.hypernet_train import two_task_toy
    d = tmp_path_factory.mktemp("dev")
    base = save_tiny("llama", d/"base")
    tw = TaskWeaver(str(base), hidden_dim=16, lora_rank=2)
    tw.save_pretrained(d/"tw"); tw.tokenizer.save_pretrained(d/"tw")
    return d, two_task_toy(d/"toy.jsonl")

def test_evaluate_saved_by_hub_id_and_in_bf16(saved, monkeypatch):
    from taskweaver.hypernet_train import evaluate_saved
    d, toy = saved
    monkeypatch.setattr(hfc, "HF_HUB_CACHE", str(d/"hub"))
    cache_as_hub(d/"tw", "me/tiny-taskweaver", d/"hub")
    kw = dict(dataset_config=str(toy), n_held_out=1, n_eval=8, n_generate=2, max_new_tokens=2)
    by_id = evaluate_saved("me/tiny-taskweaver", device=dict(accelerator="cpu"), **kw)
    by_folder = evaluate_saved(str(d/"tw"), device=dict(accelerator="cpu"), **kw)
    assert by_id["system"]["nll"] == by_folder["system"]["nll"]            # the same system, found by id
    bf16 = evaluate_saved(str(d/"tw"), device=dict(accelerator="cpu", precision="bf16-mixed"), **kw)
    a, b = by_folder["system"]["nll"], bf16["system"]["nll"]
    assert math.isfinite(b) and a != b and abs(a - b) / a < 0.02, (a, b)    # autocast ran, within bf16's precision
    with pytest.raises(UserError, match="not in the Hugging Face cache"): evaluate_saved("me/never-saved", **kw)

def test_probes_in_bf16(saved):
    "All-layer probes with features computed under bf16 autocast: finite, close to fp32, cached apart from the fp32 features."
    from taskweaver.heads.probes import probe_all_layers
    from taskweaver.models import load_base_model
    d, _ = saved
    model, tok = load_base_model(str(d/"base"))
    texts = [f"review {i}: {'great fun' if i % 2 else 'dull and slow'}" for i in range(48)]
    data = dict(train=(texts[:32], [i % 2 for i in range(32)]), test=(texts[32:], [i % 2 for i in range(32, 48)]))
    kw = dict(tokenizer=tok, cache_dir=str(d/"features"), max_iter=20)
    r32 = probe_all_layers(model, data, device=dict(accelerator="cpu"), **kw)
    r16 = probe_all_layers(model, data, device=dict(accelerator="cpu", precision="bf16-mixed"), **kw)
    assert not r16.meta["features_cached"]                                   # not the fp32 features from the cache
    a32, a16 = r32.curve("accuracy", "test")[1], r16.curve("accuracy", "test")[1]
    assert len(a16) == len(a32) and all(math.isfinite(a) for a in a16)
    assert max(abs(x - y) for x, y in zip(a16, a32)) <= 0.25, (a16, a32)   # 16 test rows: a few may flip in bf16

def test_absent_gpu_is_one_line_everywhere(saved):
    from taskweaver.hypernet import TaskWeaver
    from taskweaver.hypernet_train import evaluate_saved
    from taskweaver.models import load_base_model, load_text_encoder
    d, toy = saved
    for call in (lambda: load_base_model(str(d/"base"), device="cuda"), lambda: load_text_encoder(device="cuda:0"),
                 lambda: TaskWeaver.from_pretrained(d/"tw", device="cuda"), lambda: TaskWeaver(str(d/"base"), device="cuda"),
                 lambda: evaluate_saved(str(d/"tw"), dataset_config=str(toy), device=dict(accelerator="gpu")),
                 lambda: __import__("taskweaver.heads.probes", fromlist=["x"]).probe_all_layers(None, "sst2", device=dict(accelerator="gpu")),
                 lambda: __import__("taskweaver.paramgen.inference", fromlist=["x"]).generate_adapter(str(d/"nothing"), "hi", device="cuda")):
        with pytest.raises(UserError, match="sees no CUDA GPU on this machine; use cpu or auto$"): call()

@pytest.mark.parametrize("cmd", [
    "hypernet train --use_default_dataset --output_dir {d}/r1 --device.accelerator gpu",
    "hypernet eval --model {d}/tw --use_default_dataset --accelerator gpu",
    "ghn train --output_dir {d}/r2 --accelerator cuda",
    "paramgen collect --output_dir {d}/r3 --device.accelerator gpu",
    "heads probe --dataset sst2 --output_dir {d}/r4 --accelerator gpu",
])
def test_cli_absent_gpu(saved, cmd):
    "In this process (`cli_main`): a subprocess per case cost ~27 s of imports; the console script is run by the case below."
    d, _ = saved
    p = cli_main(cmd.format(d=d).split())
    err = p.stderr.strip().splitlines()
    assert p.returncode == 2 and len(err) == 1 and "sees no CUDA GPU on this machine" in err[0], p.stderr[-2000:]

def test_cli_absent_gpu_console_script(saved):
    "The same through the `taskweaver` console script in its own process: its whole stderr is the one line."
    d, _ = saved
    p = subprocess.run(["taskweaver", *f"hypernet train --use_default_dataset --output_dir {d}/r5 --device.accelerator gpu".split()],
                       capture_output=True, text=True, timeout=300)
    err = p.stderr.strip().splitlines()
    assert p.returncode == 2 and len(err) == 1 and "sees no CUDA GPU on this machine" in err[0], p.stderr[-2000:]
