"""Multi-process training through the engine: 2 CPU processes (DDP over gloo, Fabric's own launcher) reach the weights
of 1 process with the same global batch, and a 2-process run resumes from the checkpoint the engine wrote."""
import json, subprocess, sys, textwrap
from safetensors import safe_open

SCRIPT = textwrap.dedent('''
    import sys, json, torch
    from taskweaver.train import TrainConfig, FabricTrainer
    from taskweaver.utils import DeviceConfig
    from taskweaver.testutils import ToyRegression, toy_regression_data
    out, devices, batch, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.manual_seed(0); model = ToyRegression()
    cfg = TrainConfig(output_dir=out, max_steps=steps, learning_rate=0.05, lr_schedule="constant", warmup_steps=0,
                      progress=False, seed=0, ckpt_every=1)
    dev = DeviceConfig(accelerator="cpu", devices=devices, strategy="ddp" if devices > 1 else "auto")
    trainer = FabricTrainer(cfg, dev)
    collate = lambda rows: dict(x=torch.stack([r["x"] for r in rows]), y=torch.stack([r["y"] for r in rows]))
    res = trainer.fit(model, toy_regression_data(), batch_size=batch, collate_fn=collate)
    rank = trainer.fabric.global_rank
    # each rank writes its own result file: both ranks share one stdout pipe, where a long buffered write can be split
    with open(f"{out}.rank{rank}.json", "w") as f:
        json.dump(dict(rank=rank, world=trainer.fabric.world_size, step=res["step"],
                       w=torch.cat([model.lin.weight.view(-1), model.lin.bias]).tolist()), f)
''')

def run(tmp_path, out, devices, batch, steps):
    script = tmp_path/"ddp_toy.py"; script.write_text(SCRIPT)
    # Fabric's launcher starts rank 1 by re-running this same command line
    p = subprocess.run([sys.executable, str(script), str(tmp_path/out), str(devices), str(batch), str(steps)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    rows = [json.loads((tmp_path/f"{out}.rank{r}.json").read_text()) for r in range(devices)
            if (tmp_path/f"{out}.rank{r}.json").exists()]
    for r in range(devices): (tmp_path/f"{out}.rank{r}.json").unlink(missing_ok=True)   # a rerun must write its own
    assert sorted(r["rank"] for r in rows) == list(range(devices)) and {r["world"] for r in rows} == {devices}, rows
    return rows, p.stdout

def close(a, b, tol=1e-5): return max(abs(x - y) for x, y in zip(a, b)) <= tol

def test_two_processes_match_one_and_resume(tmp_path):
    # one process, global batch 8, 10 steps
    (one,), _ = run(tmp_path, "one", 1, 8, 10)
    # two processes, 4 rows each (the same 8 rows per step: the sampler deals one permutation across ranks), 5 steps ...
    half, _ = run(tmp_path, "two", 2, 4, 5)
    assert half[0]["w"] == half[1]["w"] and not close(half[0]["w"], one["w"])   # ranks agree; not yet at step 10
    ckpt = tmp_path/"two"/"checkpoints"/"last.ckpt"
    with safe_open(str(ckpt), "pt") as f: assert f.metadata()["format"] == "taskweaver-state-1"   # the engine's format, no pickle
    # ... then resumed by the engine (fabric.load of what fabric.save wrote) to 10 steps: the weights of the 1-process run
    rows, out = run(tmp_path, "two", 2, 4, 10)
    assert "resumed from" in out and all(r["step"] == 10 for r in rows)
    for r in rows: assert close(r["w"], one["w"]), (r["w"], one["w"])   # float sums in another order: 1e-5 is ample

def test_cli_launch_with_two_processes(tmp_path):
    "A command launched on 2 processes (Fabric re-runs it for rank 1): rank 0 claims the run folder, rank 1 joins it, one report."
    out = tmp_path/"ghn"
    p = subprocess.run(["taskweaver", "ghn", "train", "--output_dir", str(out), "--device.accelerator", "cpu", "--device.devices", "2",
                        "--device.strategy", "ddp", "--train.max_steps", "2", "--max_stories", "60", "--d_models", "64",
                        "--heldout_per_family", "1"], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout.count("trained GHN") == 1, p.stdout                      # rank 1 works quietly
    rec = json.loads((out/"run.json").read_text())
    assert rec["status"] == "finished" and rec["resumes"] == 0                # one run, not refused by its own second process
    assert not (out/".taskweaver.lock").exists() and (out/"model.safetensors").exists()
