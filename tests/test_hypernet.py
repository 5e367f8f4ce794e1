"""TaskWeaver: the experiment notebook through papermill at a tiny scale, and the CLI end to end."""
import shutil
import json, subprocess, sys
import papermill as pm
from conftest import REPO, ARTIFACTS, run

def test_hypernet_experiment_tiny(tmp_path):
    "The held-out-task experiment on a tiny Llama (the real run uses SmolLM2; see the README)."
    from taskweaver.testutils import save_tiny
    base = save_tiny("llama", tmp_path/"tiny-llama")
    out = ARTIFACTS/"hypernet"; shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)   # a fresh run folder each time
    pm.execute_notebook(str(REPO/"nbs/experiments/10_hypernet.ipynb"), str(out/"10_hypernet.ipynb"),
                        parameters=dict(model_name=str(base), output_dir=str(out), steps=3, max_per_task=2, n_eval=16,
                                        n_generate=4, max_new_tokens=3, hidden_dim=16, max_length=96),
                        cwd=str(REPO), progress_bar=False)
    m = json.loads((out/"metrics.json").read_text())
    for k in ("base model", "multi-task LoRA", "TaskWeaver", "TaskWeaver, swapped descriptions"):
        assert m[k]["nll"] > 0 and 0 <= m[k]["rougeL"] <= 1 and m[k]["n_generated"] == 4, k
    assert m["train"]["taskweaver"]["train_examples"] == 2 * 34    # 42 tasks minus 8 held out, 2 each
    assert (out/"held_out_tasks.png").exists()

def test_cli_train_eval_adapter(tmp_path):
    from taskweaver.testutils import save_tiny
    base = save_tiny("gpt2", tmp_path/"tiny-gpt2")
    cfg = tmp_path/"data.json"
    cfg.write_text(json.dumps([{"name": "sni", "num_samples": 40}]))
    r = run(["taskweaver", "hypernet", "train", "--model_name", str(base), "--dataset_config", str(cfg), "--max_steps", "2",
             "--batch_size", "2", "--hidden_dim", "16", "--output_dir", str(tmp_path/"tw"), "--val_size", "8", "--max_length", "64",
             "--accelerator", "cpu"])
    assert r.returncode == 0, r.stderr[-3000:]
    assert (tmp_path/"tw/final/model.safetensors").exists() and (tmp_path/"tw/final/config.json").exists()
    assert any((tmp_path/"tw/tensorboard_logs").rglob("events.out.tfevents*"))
    # a second run into the same folder without --resume refuses instead of overwriting
    r2 = run(["taskweaver", "hypernet", "train", "--model_name", str(base), "--dataset_config", str(cfg), "--max_steps", "2",
              "--output_dir", str(tmp_path/"tw"), "--accelerator", "cpu"])
    assert r2.returncode != 0 and "--resume" in r2.stderr
    r3 = run(["taskweaver", "hypernet", "eval", "--model", str(tmp_path/"tw/final"), "--dataset_config", str(cfg), "--n_eval", "8",
              "--n_generate", "2", "--max_new_tokens", "2", "--max_length", "64", "--output", str(tmp_path/"eval.json")])
    assert r3.returncode == 0, r3.stderr[-3000:]
    ev = json.loads((tmp_path/"eval.json").read_text())
    assert ev["system"]["nll"] > 0 and ev["base"]["nll"] > 0
    r4 = run(["taskweaver", "hypernet", "adapter", "--model", str(tmp_path/"tw/final"), "--text", "Answer the question.",
              "--out", str(tmp_path/"adapter")])
    assert r4.returncode == 0, r4.stderr[-3000:]
    assert json.loads((tmp_path/"adapter/adapter_config.json").read_text())["peft_type"] == "LORA"

def test_cli_bad_input(tmp_path):
    r = run(["taskweaver", "hypernet", "train", "--dataset_config", str(tmp_path/"missing.json")])
    assert r.returncode != 0 and "missing.json' does not exist" in r.stderr
    r = run(["taskweaver", "hypernet", "train", "--use_default_dataset", "--lora_rank", "0"])
    assert r.returncode != 0 and "lora_rank must be a positive integer" in r.stderr
