"""The GHN experiment notebook, run through papermill with tiny parameters and two seeds (the default scale, five seeds, ran in ~8 min)."""
import shutil
import json
import papermill as pm
from conftest import REPO, ARTIFACTS

def test_ghn_experiment_notebook_tiny(tmp_path):
    out = ARTIFACTS/"ghn_experiment"; shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)   # a fresh run folder each time
    pm.execute_notebook(str(REPO/"nbs/experiments/40_ghn.ipynb"), str(out/"40_ghn.ipynb"), cwd=str(REPO), progress_bar=False,
                        parameters=dict(output_dir=str(tmp_path), seeds=[0, 1], max_steps=3, models_per_step=2, text_batch=2, seq_len=16,
                                        vocab_size=300, max_stories=60, d_models=[64], max_layers=2, heldout_per_family=1,
                                        hidden=16, rank=8, finetune_steps=2, record_every=1))
    m = json.loads((tmp_path/"metrics.json").read_text())
    assert m["scale"]["heldout_architectures"] == 5 and m["scale"]["heldout_pairs"] == 10 and m["scale"]["ghn_steps"] == 3
    assert [p["seed"] for p in m["per_seed"]] == [0, 1] and all(p["heldout_architectures"] == 5 for p in m["per_seed"])
    assert list(m["summary"]["overall"]) == ["random", "random (N(0,0.02))", "GHN", "graph-blind"]
    assert len(m["rows"]) == 2 * 5 * 4 * 3 and all(r["val_loss"] > 0 for r in m["rows"]) and {r["seed"] for r in m["rows"]} == {0, 1}
    c = m["comparisons"]["GHN - graph-blind @0"]
    assert c["n"] == 10 and c["lo"] <= c["mean"] <= c["hi"] and c["by_seed"]["n"] == 2 and set(c["per_seed"]) == {"0", "1"}
    assert set(m["reach"]) == {"random", "random (N(0,0.02))"} and m["reach"]["random"]["GHN"]["n"] == 10
    assert len(m["reach_rows"]["random"]) == 10 * 3 and all(r["ratio"] is None or 0 <= r["ratio"] <= 1 for r in m["reach_rows"]["random"])
    h = m["headline"]
    assert {"GHN - graph-blind @0", "GHN - graph-blind @0 lo", "GHN - random @0 hi", "GHN steps ratio vs random@2 mean"} <= set(h)
    assert all(isinstance(v, (int, float)) for v in h.values())
    assert "| random |" in m["table"] and 0 < m["unigram_ce"] < 10
    for f in ("ghn_training.png", "ghn_vs_random.png", "ghn_seeds.png"): assert (tmp_path/f).stat().st_size > 10_000
    assert json.loads((tmp_path/"config.json").read_text())["seeds"] == [0, 1]
