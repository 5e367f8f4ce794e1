"""The generator experiment notebook through papermill, with a tiny Llama and tiny zoos (the real run uses SmolLM2)."""
import shutil
import json
import papermill as pm
from conftest import REPO, ARTIFACTS
from taskweaver.testutils import save_tiny

def test_paramgen_experiment_notebook_tiny(tmp_path):
    out = ARTIFACTS/"paramgen"; shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)   # a fresh run folder each time
    tiny = save_tiny("llama", tmp_path/"tiny")
    params = dict(base_model=str(tiny), datasets=["arc:ARC-Challenge", "arc:ARC-Easy"], zoo_root=str(tmp_path/"zoo"),
                  zoo_checkpoints=3, zoo_warmup_steps=1, zoo_eval_n=4, n_eval=6, n_groups=1, lodo=["arc:ARC-Challenge", "arc:ARC-Easy"], seeds=[0, 1],
                  hidden_dim=16, num_hyperconv_blocks=2, max_seq_len=16, output_dim=32, gen_steps=6, gen_batch_size=4,
                  max_prompt_groups=4, output_dir=str(out))
    pm.execute_notebook(str(REPO/"nbs/experiments/50_paramgen.ipynb"), str(out/"50_paramgen.ipynb"), parameters=params,
                        cwd=str(REPO), progress_bar=False)
    m = json.loads((out/"metrics.json").read_text())
    assert set(m["zoos"]) == {"arc-challenge", "arc-easy"} and m["zoos"]["arc-challenge"]["checkpoints"] == 3
    systems = [r["system"] for r in m["in_distribution"]]
    assert systems[:3] == ["base", "arc-challenge: mean checkpoint", "arc-challenge: best checkpoint"] and "generated (group 0)" in systems
    lodo = m["lodo"]["arc-challenge"]
    assert lodo["trained_on"] == ["arc-easy"] and lodo["nearest"] == "arc-easy"
    assert [r["system"] for r in lodo["rows"]][:4] == ["base", "mean of other zoos' checkpoints", "nearest zoo (arc-easy) best checkpoint",
                                                       "nearest zoo (arc-easy) mean checkpoint"]
    assert "generated, seed 1 (mean over groups)" in [r["system"] for r in lodo["rows"]]
    mem = lodo["rows"][4]   # the zoo memory alone (one training zoo: its mean checkpoint), and the generator paired with it
    assert mem["system"] == "zoo memory alone (untrained generator)" and mem["attention"] == {"arc-easy": 1.0}
    assert abs(mem["val_nll"] - lodo["rows"][3]["val_nll"]) < 1e-4 and lodo["comparisons"]["generated - zoo memory alone"]["nll_rows"]["n"] == 12
    assert all(r["val_nll"] > 0 and len(r["nll_rows"]) == 6 for r in lodo["rows"])
    d = lodo["comparisons"]["generated - other zoos' mean"]["nll_rows"]   # paired by (seed, question): 2 seeds x 6 questions
    assert d["n"] == 12 and d["seeds"] == 2 and d["lo"] <= d["mean"] <= d["hi"] and len(d["per_seed"]) == 2
    assert set(m["goal"]) == {"arc-challenge", "arc-easy"} and m["lodo"]["arc-easy"]["nearest"] == "arc-challenge"
    assert "seeds [0, 1]" in m["scale"] and m["wall_seconds"] > 0
    assert (out/"paramgen_results.png").stat().st_size > 10_000
    assert (out/"paramgen_generator_val_loss.png").exists() and set(m["generators"]) == {"all_zoos", "without_arc-challenge_seed0", "without_arc-challenge_seed1", "without_arc-easy_seed0", "without_arc-easy_seed1"}
    g = m["generators"]["all_zoos"]
    assert g["initial_metrics"]["rel_error"] <= 1.0 and len(g["val_history"]) >= 1   # untrained = the zoo memory's lookup of each zoo's mean
    att = m["lodo"]["arc-challenge"]["memory_attention"]   # one training zoo: all attention on it, one entry per seed
    assert len(att) == 2 and all(a["arc-easy"] == 1.0 and a["temperature"] > 0 for a in att)
    assert json.loads((out/"config.json").read_text())["gen_steps"] == 6
