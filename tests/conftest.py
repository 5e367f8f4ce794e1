"""Shared helpers for the tests that are not natural as notebook cells: CLI, papermill, browser."""
import os, shutil, socket, subprocess, sys, time
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO/"test-artifacts"   # screenshots and executed notebooks, kept for inspection

if os.environ.get("PYTEST_XDIST_WORKER"):   # `pytest -n 2` (pytest-xdist; CI and the README run two): one core per worker, for it and what it starts
    os.environ["OMP_NUM_THREADS"] = "1"
    import torch; torch.set_num_threads(1)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run"]

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

def wait_for_port(port: int, proc=None, timeout: float = 60):
    t = time.time()
    while time.time() - t < timeout:
        if proc is not None and proc.poll() is not None: raise RuntimeError(f"server exited with {proc.returncode}")
        try: socket.create_connection(("127.0.0.1", port), timeout=1).close(); return
        except OSError: time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")

@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium through Playwright (never `playwright install`). Skipped when chromium is
    missing, unless TASKWEAVER_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("TASKWEAVER_REQUIRE_BROWSER") == "1": pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()

def block_external(page):
    "Abort every request that does not go to 127.0.0.1 (CDNs, fonts): the machine has no internet."
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
               else route.abort())

def run(cmd, **kw):
    "Run a command in the repository and return the completed process (output captured)."
    return subprocess.run(cmd, cwd=kw.pop("cwd", REPO), capture_output=True, text=True, **kw)

def cli_main(argv) -> subprocess.CompletedProcess:
    """`taskweaver argv` in this process (`taskweaver.cli.main`, as the console script calls it), for tests of what a command
    says and returns where starting a process (seconds of torch/transformers imports) is not the point: the exit status,
    stdout and stderr, with warnings added as the lines a fresh process prints (Python's default filters) and an uncaught
    exception as its traceback and status 1. The console script itself is run by at least one test per command family."""
    import contextlib, io, traceback, warnings
    from taskweaver.cli import main
    argv = [str(a) for a in argv]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings(record=True) as ws:
        warnings.resetwarnings(); warnings.simplefilter("default")
        for cat in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning): warnings.filterwarnings("ignore", category=cat)
        try: rc = main(argv)
        except SystemExit as e:
            if isinstance(e.code, str): print(e.code, file=sys.stderr)
            rc = e.code if isinstance(e.code, int) else int(e.code is not None)
        except Exception: traceback.print_exc(); rc = 1
    stderr = err.getvalue() + "".join(f"{w.filename}:{w.lineno}: {w.category.__name__}: {w.message}\n" for w in ws)
    return subprocess.CompletedProcess(["taskweaver", *argv], int(rc or 0), out.getvalue(), stderr)

from contextlib import contextmanager

@contextmanager
def serve(cmd, port: int, url: str, cwd=None, timeout: float = 60, **popen):
    "Start a server command listening on 127.0.0.1:`port`; yields `url` once the port answers; stops it and its children by PID."
    proc = subprocess.Popen(cmd, cwd=None if cwd is None else str(cwd), **popen)
    try:
        wait_for_port(port, proc, timeout)
        yield url
    finally:   # the server and what it started (kernels run in their own session, so they are not in its process group)
        from taskweaver.batch_run import kill_process_tree
        kill_process_tree([proc.pid], timeout=10)
        proc.wait(10)

@contextmanager
def voila_server(notebook, timeout: float = 120):
    """Serve one notebook with Voila on 127.0.0.1 and a free port; yields the page URL; stops the server by PID.
    Its log goes to a file in test-artifacts/ (an unread pipe fills up, and a server blocked writing its log never serves the page)."""
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS/f"voila_{Path(notebook).stem}_{port}.log", "w") as log, \
         serve([sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
                "--Voila.ip=127.0.0.1", "--ServerApp.disable_check_xsrf=True", "--VoilaConfiguration.file_allowlist=['.*']"],
               port, f"http://127.0.0.1:{port}/", cwd=Path(notebook).parent, timeout=timeout,
               stdout=log, stderr=subprocess.STDOUT) as url:
        yield url

POINTS_JS = "[...document.querySelectorAll('.js-plotly-plot .scatterlayer .point')].map(e => e.getAttribute('transform'))"

def plot_points(page) -> list:
    "Positions of every scatter point drawn in the page's plotly figures."
    return page.evaluate(f"() => {POINTS_JS}")

def wait_points_change(page, before: list, timeout: float = 60_000):
    "Wait until the plotted scatter points differ from `before` (a `plot_points` reading)."
    page.wait_for_function(f"(n) => {POINTS_JS}.join('|') !== n", arg="|".join(before), timeout=timeout)

@contextmanager
def dashboard_page(browser, notebook, timeout: float = 240, width: int = 1300, height: int = 1000):
    """A dashboard notebook served by Voila and opened in a new page of `browser` (outside requests blocked), once its
    first plotly figure is drawn; yields the page, closes it and stops the server afterwards."""
    with voila_server(notebook, timeout=timeout) as url:
        page = browser.new_page(viewport=dict(width=width, height=height)); block_external(page)
        try:
            page.goto(url, wait_until="load", timeout=timeout * 1000)
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=timeout * 1000)
            yield page
        finally:
            page.close()

@contextmanager
def http_server(directory, timeout: float = 30):
    "Serve a folder with `python -m http.server` on 127.0.0.1 and a free port; yields the base URL; stops it by PID."
    port = free_port()
    with serve([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(directory)],
               port, f"http://127.0.0.1:{port}", timeout=timeout, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as url:
        yield url

@contextmanager
def lab_server(root, timeout: float = 120):
    """JupyterLab on 127.0.0.1 and a free port, serving `root`, with its own settings and workspaces under `root`:
    no news or update check, every cell rendered (no windowing, so the tests see cells that are off-screen), and
    `window.jupyterapp` exposed so a test can ask the app for the kernel's status. Yields the base URL."""
    import json
    root = Path(root)
    settings = root/".lab-settings"
    for name, value in {"@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
                        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
                        "@jupyterlab/apputils-extension/announcements.jupyterlab-settings": {"fetchNews": "false"}}.items():
        (settings/name).parent.mkdir(parents=True, exist_ok=True); (settings/name).write_text(json.dumps(value))
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(root/".lab-workspaces")}
    port = free_port()
    with open(root/"lab.log", "w") as log, serve([sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.root_dir={root}", "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.allow_root=True",
                "--ServerApp.disable_check_xsrf=True", "--LabApp.expose_app_in_browser=True"],
               port, f"http://127.0.0.1:{port}", cwd=root, timeout=timeout, env=env,
               stdout=log, stderr=subprocess.STDOUT) as url:
        yield url
