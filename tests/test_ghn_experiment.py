"""The GHN experiment notebook, run through papermill with tiny parameters (the default scale is ~20 min)."""
import shutil
import json
import papermill as pm
from conftest import REPO, ARTIFACTS

def test_ghn_experiment_notebook_tiny(tmp_path):
    out = ARTIFACTS/"ghn_experiment"; shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)   # a fresh run folder each time
    pm.execute_notebook(str(REPO/"nbs/experiments/40_ghn.ipynb"), str(out/"40_ghn.ipynb"), cwd=str(REPO), progress_bar=False,
                        parameters=dict(output_dir=str(tmp_path), max_steps=3, models_per_step=2, text_batch=2, seq_len=16,
                                        vocab_size=300, max_stories=60, d_models=[64], max_layers=2, heldout_per_family=1,
                                        hidden=16, rank=8, eval_steps=[0, 2]))
    m = json.loads((tmp_path/"metrics.json").read_text())
    assert m["scale"]["heldout_architectures"] == 5 and m["scale"]["ghn_steps"] == 3
    assert list(m["summary"]["overall"]) == ["random", "random (N(0,0.02))", "GHN", "graph-blind"]
    assert len(m["rows"]) == 5 * 4 * 2 and all(r["val_loss"] > 0 for r in m["rows"])
    assert "| random |" in m["table"] and 0 < m["unigram_ce"] < 10
    for f in ("ghn_training.png", "ghn_vs_random.png"): assert (tmp_path/f).stat().st_size > 10_000
    assert json.loads((tmp_path/"config.json").read_text())["max_steps"] == 3
