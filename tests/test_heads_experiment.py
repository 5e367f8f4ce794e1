"""The probe experiment notebook on the real embedded SmolLM2, with tiny parameters (papermill)."""
import shutil
import json
import papermill as pm
from conftest import REPO, ARTIFACTS

def test_probe_experiment_runs_on_smollm2(tmp_path):
    out = ARTIFACTS/"probes"; shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)   # a fresh run folder each time
    pm.execute_notebook(str(REPO/"nbs/experiments/20_probes.ipynb"), str(out/"20_probes.ipynb"),
                        parameters=dict(output_dir=str(out), n_train=24, n_test=16, nt_train=3, nt_test=2, top_k=8,
                                        max_length=32, threads=2, cache_dir=str(tmp_path/"cache")),
                        cwd=str(REPO), progress_bar=False)
    m = json.loads((out/"metrics.json").read_text())
    assert m["model"] == "SmolLM2-135M-Instruct" and m["num_layers"] == 30
    for task in ("sst2", "ag_news", "wikitext"):
        assert len(m[task]["test_accuracy_by_layer"]) == 31, task
        assert 0 <= m[task]["best_test_accuracy"] <= 1
    assert m["sst2"]["n_test"] == 16
    assert (out/"probe_curves.png").stat().st_size > 10_000 and (out/"next_token_curve.png").stat().st_size > 5_000
    assert json.loads((out/"config.json").read_text())["n_train"] == 24
