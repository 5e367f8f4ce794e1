"""`bench/run.py --quick` on a couple of rows: the JSON has the schema the README's table is rendered from, every
ratio is finite, and the markdown renders. No speed is asserted (speed targets live in the benchmark's own goals)."""
import json, math, os, subprocess, sys, time
from pathlib import Path
import pytest

ROOT = Path(__file__).parents[1]
RUN = ROOT/"bench"/"run.py"
ROWS = "tokenizer,wann_six_weights"

@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    t = time.time()
    p = subprocess.run([sys.executable, str(RUN), "--quick", "--threads", "1", "--only", ROWS, "--out", str(out)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    return out, json.loads(p.stdout), time.time() - t

def test_quick_rows_run_fast(quick_run):
    assert quick_run[2] < 60, f"the quick preset of two rows took {quick_run[2]:.0f} s"

def test_json_schema(quick_run):
    out, res, _ = quick_run
    assert json.loads((out/"run.json").read_text()) == res                    # the printed JSON is the written one
    assert res["schema"] == "taskweaver-bench/1" and res["quick"] is True
    m = res["machine"]
    for k in ("cpu", "cpus", "cpus_usable", "torch", "torch_threads", "python"): assert k in m, k
    assert len(res["load_before"]) == 3 and len(res["load_after"]) == 3
    assert res["settings"]["threads"] == 1 and res["settings"]["rounds"] >= 2
    assert [r["name"] for r in res["rows"]] == ROWS.split(",")
    for r in res["rows"]:
        assert r["error"] is None, r.get("traceback")
        assert r["reference"] in r["systems"] and len(r["systems"]) >= 2
        assert r["headlines"] and all(h["goal"] for h in r["headlines"])
        for name, s in r["systems"].items():
            for k in ("median_s", "q1_s", "q3_s", "ratio_to_reference"): assert math.isfinite(s[k]) and s[k] >= 0, (r["name"], name, k)
            assert s["q1_s"] <= s["median_s"] <= s["q3_s"]
        for h in r["headlines"]:
            assert math.isfinite(h["value"]) and h["value"] > 0 and isinstance(h["met"], bool), h
        assert len(r["load_before"]) == 3 and r["seconds"] >= 0
    tok = res["rows"][0]
    assert set(tok["systems"]) == {"roundtrip", "copy"} and tok["systems"]["copy"]["throughput"]["unit"] == "MB/s"
    wann = res["rows"][1]
    assert wann["setup"]["timed_genomes"] >= 1 and wann["setup"]["active_genomes"] >= wann["setup"]["timed_genomes"]

def test_markdown(quick_run):
    out, res, _ = quick_run
    md = (out/"run.md").read_text()
    assert md.startswith("# Benchmarks (quick sizes)") and "| tokenizer | round-trip MB/s ÷ copy MB/s |" in md
    assert str(res["load_before"]) in md                                        # the machine's load is stated
    sys.path.insert(0, str(ROOT/"bench"))
    try:
        import run
        assert run.render_markdown(res) == md                                    # the README table is a function of the JSON
    finally: sys.path.remove(str(ROOT/"bench"))
    p = subprocess.run([sys.executable, str(RUN), "--markdown", str(out/"run.json")], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert p.returncode == 0 and p.stdout.strip() == md.strip()

def test_list_and_unknown_row():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, str(RUN), "--list"], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0 and "lora_generate" in p.stdout and "train_step" in p.stdout
    p = subprocess.run([sys.executable, str(RUN), "--only", "nope"], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode != 0 and "unknown rows ['nope']" in p.stderr

def test_readme_section_is_the_committed_run():
    "The performance section of nbs/index.ipynb (hence the README) is `render_readme` of the committed run.json, and --readme is idempotent."
    import shutil, tempfile
    sys.path.insert(0, str(ROOT/"bench"))
    try:
        import run
        nb = json.loads(run.INDEX.read_text(encoding="utf-8"))
        cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown" and run.README_MARK in "".join(c["source"])]
        want = run.render_readme(json.loads((ROOT/"bench/results/run.json").read_text()))
        assert cells == [want], "nbs/index.ipynb's bench section differs from bench/results/run.json: run `python bench/run.py --readme`"
        assert want.startswith(run.README_START) and want.endswith(run.README_END)
        with tempfile.TemporaryDirectory() as d:
            idx = Path(d)/"index.ipynb"; shutil.copy(run.INDEX, idx)
            assert run.write_readme_section(ROOT/"bench/results/run.json", idx) is False     # committed: already up to date
            assert idx.read_bytes() == run.INDEX.read_bytes()
            stale = idx.read_text(encoding="utf-8").replace("## Speed against", "## Old speed against", 1)
            idx.write_text(stale, encoding="utf-8")
            assert run.write_readme_section(ROOT/"bench/results/run.json", idx) is True
            assert idx.read_bytes() == run.INDEX.read_bytes()                                  # rewritten exactly as committed
            assert run.write_readme_section(ROOT/"bench/results/run.json", idx) is False     # a second run changes nothing
    finally: sys.path.remove(str(ROOT/"bench"))
