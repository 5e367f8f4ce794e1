"""The WANN experiment notebook through papermill with tiny parameters (the default scale is in the notebook)."""
import json
import papermill as pm
from conftest import REPO, ARTIFACTS

def test_wann_experiment_notebook_tiny(tmp_path):
    out = ARTIFACTS/"wann_experiment"; out.mkdir(parents=True, exist_ok=True)
    pm.execute_notebook(str(REPO/"nbs/experiments/30_wann_classification.ipynb"), str(out/"30_wann_classification.ipynb"),
                        parameters=dict(output_dir=str(tmp_path), num_generations=2, population_size=4, eval_examples=64,
                                        subset_size=200, test_size=100, baseline_steps=20),
                        cwd=str(REPO), progress_bar=False)
    m = json.loads((tmp_path/"metrics.json").read_text())
    assert set(m) == {"ag_news", "sst2", "headline"} and set(m["headline"]) == {f"{d} {k}" for d in ("ag_news", "sst2") for k in ("mean", "max", "baseline")}
    for ds in ("ag_news", "sst2"):
        s = m[ds]
        assert len(s["heldout_per_weight"]) == 6 and s["test_rows"] == 100 and s["generations"] == 2
        assert 0 <= s["heldout_mean"] <= s["heldout_max"] <= 1 and 0 <= s["ensemble"] <= 1
        assert 0 <= s["baseline"]["accuracy"] <= 1 and s["baseline"]["max_steps"] == 20
        assert (tmp_path/ds/"benchmark"/"report.md").exists() and (tmp_path/ds/"evolution"/"evolution_state.safetensors").exists()
    for f in ("heldout_accuracy.png", "evolution_progress.png"): assert (tmp_path/f).stat().st_size > 10_000
    assert json.loads((tmp_path/"config.json").read_text())["overrides"]["evolution.num_generations"] == 2
