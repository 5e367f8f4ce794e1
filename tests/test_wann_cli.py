"""`taskweaver wann benchmark` end to end at the debug preset."""
import json
from conftest import run, cli_main

def test_wann_benchmark_classification_debug(tmp_path):
    r = run(["taskweaver", "wann", "benchmark", "--task", "classification", "--preset", "debug", "--output", str(tmp_path), "--quiet"])
    assert r.returncode == 0, r.stderr[-3000:]
    s = json.loads((tmp_path/"summary.json").read_text())
    assert s["dataset"] == "sst2" and len(s["heldout_per_weight"]) == 6 and s["baseline"]["max_steps"] == 20
    assert "held-out mean" in r.stdout and "gradient baseline" in r.stdout
    names = {p.name for p in (tmp_path/"benchmark").iterdir()}
    assert {"report.json", "report.md", "weight_sensitivity.png", "weight_sensitivity.html", "pareto_front.png", "evolution_progress.html"} <= names

def test_wann_benchmark_generation_debug_and_resume(tmp_path):
    args = ["taskweaver", "wann", "benchmark", "--task", "generation", "--preset", "debug", "--output", str(tmp_path), "--quiet", "--no-baseline"]
    r = run(args)
    assert r.returncode == 0, r.stderr[-3000:]
    s = json.loads((tmp_path/"summary.json").read_text())
    assert s["dataset"] == "tiny_stories" and s["task_type"] == "generation" and len(s["heldout_perplexity"]) == 6
    assert s["sample"]["continuation"] is not None
    r = cli_main(args[1:] + ["--generations", "3"])   # in this process (the console script ran above); the folder holds a finished run: refused, nothing changes
    assert r.returncode == 2 and "already holds a wann run (finished" in r.stderr and "--resume" in r.stderr, r.stderr[-2000:]
    assert json.loads((tmp_path/"summary.json").read_text())["generations"] == 2
    r = cli_main(args[1:] + ["--generations", "3", "--resume"])   # resumes the checkpointed 2-generation search and runs one more
    assert r.returncode == 0, r.stderr[-3000:]
    assert json.loads((tmp_path/"summary.json").read_text())["generations"] == 3
    assert len(json.loads((tmp_path/"history.json").read_text())) == 3

def test_wann_benchmark_bad_input():
    r = cli_main(["wann", "benchmark", "--preset", "tiny"])   # in this process: the benchmark tests above run the console script
    assert r.returncode == 2 and "unknown preset 'tiny'; available presets: debug, classification_small" in r.stderr
    r = cli_main(["wann", "benchmark", "--task", "translation"])
    assert r.returncode == 2 and "invalid choice: 'translation'" in r.stderr
    r = cli_main(["wann", "benchmark", "--preset", "debug", "--population", "1"])
    assert r.returncode == 2 and "population_size=1: must be >= 2" in r.stderr
