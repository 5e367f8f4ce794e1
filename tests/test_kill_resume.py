"""kill -9 in the middle of a run, then `--resume`: every trainer (hypernet, heads, paramgen zoo and generator, GHN) and the
WANN search end exactly where an uninterrupted run ends, bit for bit. Tiny settings; TASKWEAVER_STEP_DELAY slows the
steps down so the kill lands between two checkpoints. The uninterrupted reference run of a command goes in this process
(no start-up of its own); the run that is killed and the resumed run are processes of their own, as a user's are."""
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest
from safetensors.torch import load_file
from taskweaver.utils import load_state
from conftest import cli_main

def _spawn(argv, delay=0.0, cwd=None):
    env = dict(os.environ, TASKWEAVER_STEP_DELAY=str(delay))
    return subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

def _finish(p, timeout=600):
    out = p.communicate(timeout=timeout)[0]
    assert p.returncode == 0, out[-3000:]
    return out

def _kill_when(p, ready, timeout=300):
    "SIGKILL `p` as soon as `ready()` is true (a checkpoint from the middle of the run exists)."
    t = time.time()
    while time.time() - t < timeout:
        try:
            if ready(): break
        except Exception: pass   # a file being replaced (atomic writes never leave half a file, but a reader may race the rename)
        assert p.poll() is None, f"finished before the kill: {p.stdout.read()[-2000:]}"
        time.sleep(0.05)
    os.kill(p.pid, signal.SIGKILL); p.wait()

def _step(path): return load_state(path)["step"] if Path(path).exists() else -1

def _same_tensors(a, b):
    ta, tb = load_file(str(a)), load_file(str(b))
    assert ta.keys() == tb.keys()
    bad = [k for k in ta if not (ta[k] == tb[k]).all()]
    assert not bad, f"differ after resume: {bad[:5]}"

def _straight_killed_resumed(cmd, out_a, out_b, ready, delay=0.3, resume_flag="--resume"):
    """The uninterrupted run in this process (`cli_main`: the same command without a process start-up), the run that is
    killed and the resumed run each in a process of their own, as a user runs them."""
    assert cmd(out_a)[0] == "taskweaver"
    r = cli_main(cmd(out_a)[1:])
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    p = _spawn(cmd(out_b), delay)
    _kill_when(p, lambda: ready(out_b))
    r = cli_main(cmd(out_b)[1:])   # without --resume: refused, the killed run is kept
    assert r.returncode == 2 and "--resume" in r.stderr, r.stderr[-2000:]
    out = _finish(_spawn(cmd(out_b) + [resume_flag]))
    assert "resumed from" in out, out[-2000:]   # it continued from the checkpoint, it did not start again
    return out

@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from taskweaver.testutils import save_tiny
    from taskweaver.hypernet_train import two_task_toy
    d = tmp_path_factory.mktemp("kill")
    save_tiny("llama", d/"tiny")
    return dict(d=d, model=d/"tiny", data=two_task_toy(d/"toy.jsonl"))

def test_hypernet(tiny, tmp_path):
    cmd = lambda out: ["taskweaver", "hypernet", "train", "--model_name", str(tiny["model"]), "--dataset_config", str(tiny["data"]),
                       "--max_steps", "8", "--batch_size", "4", "--hidden_dim", "8", "--val_size", "4", "--max_length", "64",
                       "--accelerator", "cpu", "--output_dir", str(out)]
    _straight_killed_resumed(cmd, tmp_path/"a", tmp_path/"b", lambda o: 2 <= _step(o/"checkpoints/last.ckpt") < 8)
    _same_tensors(tmp_path/"a/final/model.safetensors", tmp_path/"b/final/model.safetensors")

def test_ghn(tmp_path):
    (tmp_path/"c.json").write_text(json.dumps(dict(d_models=[64], max_layers=2, ckpt_every=2)))
    cmd = lambda out: ["taskweaver", "ghn", "train", "--config", str(tmp_path/"c.json"), "--output-dir", str(out), "--max-steps", "8",
                       "--vocab-size", "300", "--max-stories", "60", "--seq-len", "16", "--text-batch", "2", "--models-per-step", "2",
                       "--hidden", "16", "--rank", "8", "--heldout-per-family", "1", "--eval-every", "4", "--no-progress"]
    _straight_killed_resumed(cmd, tmp_path/"a", tmp_path/"b", lambda o: 2 <= _step(o/"checkpoints/last.ckpt") < 8)
    _same_tensors(tmp_path/"a/model.safetensors", tmp_path/"b/model.safetensors")

def test_paramgen_zoo_and_generator(tiny, tmp_path):
    zoo = lambda out: ["taskweaver", "paramgen", "collect", "--base_model", str(tiny["model"]), "--dataset", "arc", "--n_checkpoints", "6",
                       "--steps_per_checkpoint", "1", "--n_train", "16", "--eval_n", "4", "--eval_every", "3", "--batch_size", "2",
                       "--max_length", "96", "--output_dir", str(out)]
    _straight_killed_resumed(zoo, tmp_path/"za", tmp_path/"zb", lambda o: (o/"checkpoints/checkpoint_001.safetensors").exists(), delay=0.5)
    for i in range(6): _same_tensors(tmp_path/f"za/checkpoints/checkpoint_{i:03d}.safetensors", tmp_path/f"zb/checkpoints/checkpoint_{i:03d}.safetensors")
    (tmp_path/"gen.yaml").write_text(f"""model: {{hidden_dim: 32, max_seq_len: 16, output_dim: 32, num_hyperconv_blocks: 2}}
training: {{max_steps: 8, learning_rate: 1e-3, eval_every: 2}}
data: {{checkpoint_dir: {tmp_path/'za/checkpoints'}, batch_size: 2, max_prompt_groups: 4}}
""")
    gen = lambda out: ["taskweaver", "paramgen", "train", "--config", str(tmp_path/"gen.yaml"), "--output_dir", str(out)]
    _straight_killed_resumed(gen, tmp_path/"ga", tmp_path/"gb", lambda o: 2 <= _step(o/"checkpoints/last.ckpt") < 8)
    _same_tensors(tmp_path/"ga/results/final_model/model.safetensors", tmp_path/"gb/results/final_model/model.safetensors")

HEADS = """
import sys, torch
from taskweaver.testutils import tiny_model, tiny_tokenizer
from taskweaver.heads import HeadConfig, HeadedModel
from taskweaver.train import TrainConfig, FabricTrainer
from taskweaver.runs import open_run
out, resume = sys.argv[1], sys.argv[2] == "1"
tok = tiny_tokenizer(); torch.manual_seed(0)
model = HeadedModel(tiny_model("llama"), [HeadConfig("sent", 32, 2, layer_hook=-1, loss_fct="cross_entropy", target="label", is_causal_lm=False, pred_for_sequence=True)])
for p in model.model.parameters(): p.requires_grad_(False)
texts = [f"review {i}: {'good' if i % 2 else 'bad'} film" for i in range(32)]
rows = [dict(input_ids=torch.tensor(tok(t)["input_ids"][:12] + [0] * (12 - len(tok(t)["input_ids"][:12]))), label=torch.tensor(i % 2)) for i, t in enumerate(texts)]
coll = lambda rs: dict(input_ids=torch.stack([r["input_ids"] for r in rs]), attention_mask=(torch.stack([r["input_ids"] for r in rs]) != 0).long(), label=torch.stack([r["label"] for r in rs]))
cfg = TrainConfig(output_dir=out, max_steps=8, learning_rate=1e-2, ckpt_every=2, progress=False, loggers=[])
with open_run(out, "heads", cfg.to_dict(), resume=resume) as run:
    FabricTrainer(cfg).fit(model, rows, collate_fn=coll, batch_size=4, resume=run.resumed)
    model.save_pretrained(out + "/final")
"""

def test_heads(tmp_path):
    (tmp_path/"heads.py").write_text(HEADS)
    def cmd(out): return [sys.executable, str(tmp_path/"heads.py"), str(out), "0"]
    _finish(_spawn(cmd(tmp_path/"a")))
    p = _spawn(cmd(tmp_path/"b"), 0.5)
    _kill_when(p, lambda: 2 <= _step(tmp_path/"b/checkpoints/last.ckpt") < 8)
    assert "resumed from" in _finish(_spawn([sys.executable, str(tmp_path/"heads.py"), str(tmp_path/"b"), "1"]))
    _same_tensors(tmp_path/"a/final/model.safetensors", tmp_path/"b/final/model.safetensors")   # the heads, in the one artifact format

def test_wann(tmp_path):
    cmd = lambda out: ["taskweaver", "wann", "benchmark", "--preset", "debug", "--generations", "5", "--output", str(out), "--no-baseline"]
    def ready(o):
        f = o/"evolution/evolution_state.safetensors"
        return f.exists() and 2 <= load_state(f)["generation"] < 5
    _straight_killed_resumed(cmd, tmp_path/"a", tmp_path/"b", ready, delay=1.0)
    a, b = (json.loads((tmp_path/x/"best_genome.json").read_text()) for x in "ab")
    assert a == b
    strip = lambda h: [{k: v for k, v in r.items() if k != "seconds"} for r in h]
    assert strip(json.loads((tmp_path/"a/history.json").read_text())) == strip(json.loads((tmp_path/"b/history.json").read_text()))
