"""Experiment notebooks run through papermill with small parameters (the full-scale runs are `taskweaver batch`)."""
import shutil
import json
import papermill as pm
from conftest import REPO, ARTIFACTS

def test_workbench_notebook_loads_real_models_and_answers(tmp_path):
    "The ~60 s CI check on the real embedded SmolLM2: load it offline and generate an answer."
    out = ARTIFACTS/"workbench"; shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)   # a fresh run folder each time
    pm.execute_notebook(str(REPO/"nbs/experiments/00_workbench.ipynb"), str(out/"00_workbench.ipynb"),
                        parameters=dict(output_dir=str(out), max_new_tokens=10), cwd=str(REPO), progress_bar=False)
    m = json.loads((out/"metrics.json").read_text())
    assert m["base_model"] == "SmolLM2-135M-Instruct"
    assert "paris" in m["answer"].lower(), m["answer"]
    assert m["n_task_definitions"] == 61          # 48 NI v1 + 13 SNI-draft tasks
    assert (out/"task_similarity.png").stat().st_size > 10_000
    assert json.loads((out/"config.json").read_text())["max_new_tokens"] == 10
