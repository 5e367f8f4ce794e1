"""`taskweaver batch` end to end: a failing notebook does not stop the others, the summary and the HTML index
record it, the analysis notebook collects the rest, the index's links resolve in headless Chromium; Ray when installed."""
import json, os, shutil, sys
import pytest
from conftest import REPO, ARTIFACTS, run, cli_main, http_server, block_external
from taskweaver.batch import make_test_notebook

@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("batch")
    nbs = [make_test_notebook(d/"nbs/train_a.ipynb", body="import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt\n"
                              "plt.plot([1, 2, steps]); plt.savefig(out/'curve.png')"),
           make_test_notebook(d/"nbs/train_b.ipynb", body="raise RuntimeError(f'diverged after {steps} steps')"),
           REPO/"nbs/experiments/90_analysis.ipynb"]
    r = run(["taskweaver", "batch", *map(str, nbs), "-p", "train_a.steps", "5", "-p", "steps", "3",
             "--jobs", "2", "--output", str(d/"runs/demo")], cwd=d)
    return d/"runs/demo", r

def test_cli_reports_the_failure_and_runs_the_rest(batch_dir):
    out, r = batch_dir
    assert r.returncode == 1, r.stdout + r.stderr
    assert "RuntimeError: diverged after 3 steps" in r.stdout
    assert f"Summary: {out}/summary.json" in r.stdout.strip().splitlines()[-1]
    s = json.loads((out/"summary.json").read_text())
    st = {x["stem"]: x for x in s["runs"]}
    assert [x["stem"] for x in s["runs"]][-1] == "90_analysis"            # the collector ran last
    assert {k: v["status"] for k, v in st.items()} == {"train_a": "ok", "train_b": "failed", "90_analysis": "ok"}
    assert st["train_a"]["metrics"] == {"steps": 5} and st["train_a"]["parameters"]["steps"] == 5
    assert st["train_b"]["error"]["cell_index"] == 3 and "raise RuntimeError" in st["train_b"]["error"]["source"]
    assert st["90_analysis"]["metrics"]["runs"] == 1                       # train_a's metrics.json (train_b wrote none)
    assert (out/"90_analysis/analysis.png").stat().st_size > 5_000
    assert (out/"train_b/train_b.ipynb").exists()                         # the executed copy with the error is kept

def test_resume_skips_what_succeeded(batch_dir):
    out, _ = batch_dir
    nbs = json.loads((out/"summary.json").read_text())["runs"]
    r = cli_main(["batch", *[x["notebook"] for x in nbs], "-p", "train_a.steps", "5",   # in this process: the fixture ran the console script
                  "-p", "steps", "3", "--output", str(out), "--resume"])
    assert r.returncode == 1
    lines = {l.split()[0]: l for l in r.stdout.splitlines() if l.split() and l.split()[0] in ("train_a", "train_b", "90_analysis")}
    assert "(resumed)" in lines["train_a"] and "(resumed)" not in lines["train_b"] and "(resumed)" not in lines["90_analysis"]
    r = cli_main(["batch", nbs[0]["notebook"], "--output", str(out)])     # in this process: only the refusal is checked
    assert r.returncode == 2 and "--resume" in r.stderr                    # never overwrites a batch silently

def test_index_in_browser_links_resolve_and_failure_is_marked(batch_dir, browser):
    out, _ = batch_dir
    ARTIFACTS.mkdir(exist_ok=True)
    with http_server(out) as url:
        page = browser.new_page(viewport=dict(width=1300, height=900)); block_external(page)
        page.goto(url + "/index.html", wait_until="load")
        page.screenshot(path=str(ARTIFACTS/"batch_index.png"), full_page=True)
        assert "2 ok, 1 failed" in page.inner_text("h1 + p")
        failed = page.locator("tr.failed")
        assert failed.count() == 1 and "train_b" in failed.inner_text() and "RuntimeError" in failed.inner_text()
        assert page.locator("tr.ok").count() == 2
        hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
        assert "train_a/train_a.html" in hrefs and "train_a/curve.png" in hrefs and "summary.json" in hrefs
        for h in hrefs:
            resp = page.request.get(f"{url}/{h}")
            assert resp.status == 200, (h, resp.status)
        page.click("tr#train_a a:text('notebook')")                         # the rendered notebook opens
        page.wait_for_load_state("load")
        assert "metrics.json" in page.inner_text("body")
        page.screenshot(path=str(ARTIFACTS/"batch_notebook_page.png"))
        page.close()

def test_ray_local_cluster(tmp_path):
    pytest.importorskip("ray")
    nb = make_test_notebook(tmp_path/"nbs/a.ipynb")
    r = run(["taskweaver", "batch", str(nb), "-p", "steps", "4", "--ray", "local",
             "--output", str(tmp_path/"runs/ray")], cwd=tmp_path, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    s = json.loads((tmp_path/"runs/ray/summary.json").read_text())
    assert s["ray"] == "local" and s["runs"][0]["status"] == "ok" and s["runs"][0]["metrics"] == {"steps": 4}

def test_sigterm_stops_workers_and_kernels(tmp_path):
    "A batch killed with SIGTERM (or Ctrl-C) leaves no worker or kernel behind, marks what did not finish, exits 130."
    import signal, subprocess, time, psutil
    nbs = [make_test_notebook(tmp_path/f"nbs/{n}.ipynb", body="time.sleep(600)") for n in ("slow_a", "slow_b")]
    p = subprocess.Popen(["taskweaver", "batch", *map(str, nbs), "--jobs", "2", "--output", str(tmp_path/"runs/x")],
                         cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, kernels = time.time() + 240, []
        while time.time() < deadline and len(kernels) < 2:        # wait until both notebooks' kernels are running
            time.sleep(1)
            kids = psutil.Process(p.pid).children(recursive=True)
            kernels = [k for k in kids if "ipykernel" in " ".join(k.cmdline())]
        assert len(kernels) == 2, [k.cmdline() for k in kids]
        tree = [k.pid for k in kids]
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None: p.kill()
    assert p.returncode == 130, out + err
    assert "interrupted" in err and "--resume" in err
    time.sleep(0.5)
    alive = [pid for pid in tree if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert alive == [], f"left running: {alive}"
    s = json.loads((tmp_path/"runs/x/summary.json").read_text())
    assert s["interrupted"] and [r["status"] for r in s["runs"]] == ["interrupted", "interrupted"]
    assert "2 not finished" in (tmp_path/"runs/x/index.html").read_text()

def test_kill9_takes_workers_and_kernels_along_and_locks(tmp_path):
    "`kill -9` of a batch: its workers and kernels die within seconds; while it runs a second batch into its folder is refused; a resumed batch is not rewritten by stale workers."
    import signal, subprocess, time, psutil
    nbs = [make_test_notebook(tmp_path/f"nbs/{n}.ipynb", body="time.sleep(600)") for n in ("slow_a", "slow_b")]
    out = tmp_path/"runs/x"
    p = subprocess.Popen(["taskweaver", "batch", *map(str, nbs), "--jobs", "2", "--output", str(out)],
                         cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def is_kernel(k):
            try: return k is not None and "ipykernel" in " ".join(k.cmdline())
            except psutil.Error: return False   # gone meanwhile
        def parent(k):
            try: return k.parent()
            except psutil.Error: return None
        deadline, kernels = time.time() + 240, []
        while time.time() < deadline and len(kernels) < 2:
            time.sleep(1)
            kids = psutil.Process(p.pid).children(recursive=True)
            # a kernel's own child keeps the kernel's command line between fork and exec (seen on a loaded machine): count kernels, not their forks
            kernels = [k for k in kids if is_kernel(k) and not is_kernel(parent(k))]
        assert len(kernels) == 2, [k.cmdline() for k in kids]
        tree = [k.pid for k in kids]
        r = cli_main(["batch", str(nbs[0]), "--output", str(out), "--resume"])   # the folder is in use (asked from this process)
        assert r.returncode == 2 and f"is in use by pid {p.pid}" in r.stderr, r.stderr[-2000:]
        os.kill(p.pid, signal.SIGKILL); p.wait(timeout=30)
        deadline = time.time() + 30
        while time.time() < deadline and any(psutil.pid_exists(x) and psutil.Process(x).status() != psutil.STATUS_ZOMBIE for x in tree):
            time.sleep(0.5)
    finally:
        if p.poll() is None: p.kill()
    alive = [x for x in tree if psutil.pid_exists(x) and psutil.Process(x).status() != psutil.STATUS_ZOMBIE]
    assert alive == [], f"left running after kill -9: {alive}"
    # the dead batch's lock is taken over; a fast notebook resumes and its row stays as this batch wrote it
    fast = make_test_notebook(tmp_path/"nbs/slow_a.ipynb", body="pass")
    r = cli_main(["batch", str(fast), "--output", str(out), "--resume"])   # from this process: the killed one is gone
    assert r.returncode == 0, r.stdout + r.stderr
    s = json.loads((out/"summary.json").read_text())
    assert {x["stem"]: x["status"] for x in s["runs"]}["slow_a"] == "ok"
    assert "slow_b" in {x["stem"] for x in s["runs"]}   # the row of the notebook this batch did not run is kept
    assert json.loads((out/"slow_a/status.json").read_text())["status"] == "ok"
