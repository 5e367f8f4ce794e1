"""TaskWeaver: the experiment notebook through papermill at a tiny scale, and the CLI end to end."""
import shutil
import json, subprocess, sys
import papermill as pm
from conftest import REPO, ARTIFACTS, run, cli_main

def test_hypernet_experiment_tiny(tmp_path):
    "The held-out-task experiment on a tiny Llama (the real run uses SmolLM2; see the README)."
    from taskweaver.testutils import save_tiny
    base = save_tiny("llama", tmp_path/"tiny-llama")
    out = ARTIFACTS/"hypernet"; shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)   # a fresh run folder each time
    params = dict(model_name=str(base), steps=3, max_per_task=2, instances_per_task=20, val_size=8, n_eval=16, n_generate=4, control_generate=2,
                  max_new_tokens=3, hidden_dim=16, max_length=1024, recon=True, library_steps=1, recon_steps=2)
    other = tmp_path/"seed1"; other.mkdir()   # another seed's run: it builds the library that this run reuses (library_dir), and seed_runs pairs the two
    pm.execute_notebook(str(REPO/"nbs/experiments/10_hypernet.ipynb"), str(other/"10_hypernet.ipynb"), parameters=dict(params, output_dir=str(other), seed=1),
                        cwd=str(REPO), progress_bar=False)
    pm.execute_notebook(str(REPO/"nbs/experiments/10_hypernet.ipynb"), str(out/"10_hypernet.ipynb"),
                        parameters=dict(params, output_dir=str(out), library_dir=str(other/"library"), seed_runs=[str(other)]),
                        cwd=str(REPO), progress_bar=False)
    m = json.loads((out/"metrics.json").read_text())
    for split in ("held-out tasks", "held-out families"):
        for cond in ("definition in prompt", "no definition"):
            for k in ("base model", "multi-task LoRA", "TaskWeaver", "TaskWeaver, swapped definitions", "TaskWeaver, recon", "TaskWeaver, recon → SFT",
                      "TaskWeaver, recon → SFT, swapped definitions"):
                r, n_gen = m[split][cond][k], 4 if cond == "definition in prompt" and "swapped" not in k else 2   # controls: control_generate
                assert r["nll"] > 0 and 0 <= r["rougeL"] <= 1 and r["n_generated"] == n_gen and r["per_task"], (split, cond, k)
    assert len(m["held-out families"]["definition in prompt"]["TaskWeaver"]["per_task"]) >= 5     # winogrande and cosmosqa tasks
    rep = json.loads((out/"taskweaver/data_report.json").read_text())
    test_tasks = {t for t, s in rep["tasks"].items() if s["split"] == "test"}
    assert not any("winogrande" in t or "cosmosqa" in t for t, s in rep["tasks"].items() if s["split"] == "train")
    assert {"subtask004_mctaco_answer_generation_event_duration", "subtask029_winogrande_full_object"} <= test_tasks
    assert 0 < m["train"]["taskweaver"]["train_examples"] <= 2 * 44    # 61 tasks minus 8 held out and 9 of held-out families, 2 each
    assert max(s.get("phrasings", 0) for s in rep["tasks"].values()) >= 2   # TaskWeaver read several phrasings of a task
    preds = [json.loads(l) for l in (out/"predictions.jsonl").read_text().splitlines()]
    assert len(preds) == 2 * (5 * 4 + 9 * 2) and {"exact_match", "exact_match_norm", "rougeL", "id", "pred", "gold"} <= set(preds[0])
    assert (out/"held_out_tasks.png").exists()
    # recon=True: one library LoRA per training task (none for a test task), and the reconstruction-trained TaskWeaver starts the recon → SFT run
    lib = {d.name for d in (other/"library").iterdir() if (d/"zoo.json").exists()}
    assert lib == {t for t, s in rep["tasks"].items() if s["split"] == "train"} and not lib & test_tasks
    assert not (out/"library").exists() and json.loads((out/"config.json").read_text())["library_dir"] == str(other/"library")   # reused, not rebuilt
    assert json.loads((out/"recon_sft/hypernet_train_config.json").read_text())["init_from"] == str(out/"recon/final")
    assert 0 < m["train"]["recon"]["best_val_nll"] < 10 and any("recon-SFT" in k for k in m["headline"])
    summ = json.loads((out/"seed_summary.json").read_text())   # seed_runs: this run and the other seed, paired
    assert summ["seeds"] == [0, 1] and summ["splits"]["held-out families"]["no definition"]["differences"]["TaskWeaver, recon → SFT vs multi-task LoRA"]["nll"]["n"] == 2
    assert summ["splits"]["held-out tasks"]["definition in prompt"]["differences"]["TaskWeaver, recon → SFT vs TaskWeaver, recon → SFT, swapped definitions"]["nll"]["n"] == 2
    # label accuracy (rank classification) on the classification tasks' examples, with the definition in the prompt
    r = m["held-out tasks"]["definition in prompt"]["TaskWeaver, swapped definitions"]
    assert r["n_labelled"] > 0 and 0 <= r["label_accuracy"] <= 1 and 0 <= r["label_majority"] <= 1
    assert any("label_choices" in t for t in r["per_task"].values()) and "label_accuracy" not in m["held-out tasks"]["no definition"]["TaskWeaver"]
    assert summ["splits"]["held-out tasks"]["definition in prompt"]["differences"]["TaskWeaver vs multi-task LoRA"]["label_accuracy"]["n"] == 2
    assert 0 <= r["label_shuffled"] <= 1 and 0 <= r["label_shuffled_calibrated"] <= 1   # the floors: the same choices shuffled among each task's inputs
    assert 0 <= r["label_accuracy_calibrated"] <= 1 and summ["splits"]["held-out tasks"]["definition in prompt"]["differences"]["TaskWeaver vs multi-task LoRA"]["label_accuracy_calibrated"]["n"] == 2
    scores = [json.loads(l) for l in (out/"label_scores.jsonl").read_text().splitlines()]   # every label's NLL, per system and labelled example
    assert len(scores) == 7 * (m["held-out tasks"]["definition in prompt"]["TaskWeaver"]["n_labelled"] + m["held-out families"]["definition in prompt"]["TaskWeaver"].get("n_labelled", 0))
    assert all(len(x["nll"]) == len(x["labels"]) and x["condition"] == "definition in prompt" for x in scores)

def test_cli_train_eval_adapter(tmp_path):
    "Training through the console script (its own process); the later steps in this process (`cli_main`), which spares their imports."
    from taskweaver.testutils import save_tiny
    base = save_tiny("gpt2", tmp_path/"tiny-gpt2")
    cfg = tmp_path/"data.json"
    cfg.write_text(json.dumps([{"name": "sni", "num_samples": 40}]))
    r = run(["taskweaver", "hypernet", "train", "--model_name", str(base), "--dataset_config", str(cfg), "--max_steps", "2",
             "--batch_size", "2", "--hidden_dim", "16", "--output_dir", str(tmp_path/"tw"), "--val_size", "8", "--max_length", "256",
             "--accelerator", "cpu"])
    assert r.returncode == 0, r.stderr[-3000:]
    assert (tmp_path/"tw/final/model.safetensors").exists() and (tmp_path/"tw/final/config.json").exists()
    assert any((tmp_path/"tw/tensorboard_logs").rglob("events.out.tfevents*"))
    # a second run into the same folder without --resume refuses instead of overwriting
    r2 = cli_main(["hypernet", "train", "--model_name", str(base), "--dataset_config", str(cfg), "--max_steps", "2",
              "--output_dir", str(tmp_path/"tw"), "--accelerator", "cpu"])
    assert r2.returncode != 0 and "--resume" in r2.stderr
    r3 = cli_main(["hypernet", "eval", "--model", str(tmp_path/"tw/final"), "--dataset_config", str(cfg), "--n_eval", "8",
              "--n_generate", "2", "--max_new_tokens", "2", "--max_length", "256", "--output", str(tmp_path/"eval.json")])
    assert r3.returncode == 0, r3.stderr[-3000:]
    ev = json.loads((tmp_path/"eval.json").read_text())
    assert ev["system"]["nll"] > 0 and ev["base"]["nll"] > 0
    # any folder of task files, first N instances of each, with both controls
    tasks = tmp_path/"tasks"; tasks.mkdir()
    for n in ("task142_odd-man-out_classification_no_category", "task307_jeopardy_answer_generation_final"):   # short definitions
        (tasks/f"{n}.json").write_text((REPO/f"data/super_natural_instructions/contributor_drafts/{n}.json").read_text())
    r5 = cli_main(["hypernet", "eval", "--model", str(tmp_path/"tw/final"), "--tasks", str(tasks), "--max_instances", "3",
              "--n_generate", "4", "--max_new_tokens", "2", "--max_length", "256", "--control", "--output", str(tmp_path/"tasks.json")])
    assert r5.returncode == 0, r5.stderr[-3000:]
    ev = json.loads((tmp_path/"tasks.json").read_text())
    assert ev["n_examples"] == 6 and len(ev["system"]["per_task"]) == 2 and len(ev["system"]["predictions"]) == 4
    assert {"system", "swapped_descriptions", "base"} <= set(ev["no_definition"]) and "exact_match_norm" in ev["system"]
    r6 = cli_main(["hypernet", "eval", "--model", str(tmp_path/"tw/final"), "--tasks", str(tmp_path/"nope")])
    assert r6.returncode != 0 and "does not exist" in r6.stderr and "Traceback" not in r6.stderr
    r4 = cli_main(["hypernet", "adapter", "--model", str(tmp_path/"tw/final"), "--text", "Answer the question.",
              "--out", str(tmp_path/"adapter")])
    assert r4.returncode == 0, r4.stderr[-3000:]
    assert json.loads((tmp_path/"adapter/adapter_config.json").read_text())["peft_type"] == "LORA"

def test_cli_bad_input(tmp_path):
    r = cli_main(["hypernet", "train", "--dataset_config", str(tmp_path/"missing.json")])
    assert r.returncode != 0 and "missing.json' does not exist" in r.stderr
    r = cli_main(["hypernet", "train", "--use_default_dataset", "--lora_rank", "0"])
    assert r.returncode != 0 and "lora_rank must be a positive integer" in r.stderr
