"""The experiment notebooks in JupyterLab, in headless Chromium: each opens with all its cells, and the WANN
experiment, run from Lab's Run menu at a tiny scale, ends with a live Pareto widget whose slider changes the figure."""
import json, shutil
import nbformat
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook
from conftest import REPO, ARTIFACTS, lab_server, block_external, plot_points, wait_points_change

EXPERIMENTS = sorted((REPO/"nbs/experiments").glob("*.ipynb"))
TINY_WANN = dict(datasets=["ag_news"], num_generations=2, population_size=4, eval_examples=64, subset_size=200,
                 test_size=100, baseline_steps=20)

PANEL = """(path) => [...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === path)"""
KERNEL = f"(path) => {{ const w = ({PANEL})(path); return w && w.sessionContext.session && w.sessionContext.session.kernel; }}"
KERNEL_IDLE = f"(path) => {{ const k = ({KERNEL})(path); return !!k && k.status === 'idle'; }}"
ERRORS = f"""(path) => {{ const out = [];        // the error outputs in the notebook's model, as 'ename: evalue'
    for (const c of ({PANEL})(path).model.cells) if (c.type === 'code')
        for (let i = 0; i < c.outputs.length; i++) {{ const o = c.outputs.get(i).toJSON();
            if (o.output_type === 'error') out.push(o.ename + ': ' + o.evalue); }}
    return out; }}"""

def _open(page, url, name, timeout=180_000):
    "Open a notebook in Lab (a fresh workspace: the only tab) and wait for its cells and an idle kernel."
    page.goto(f"{url}/lab/tree/{name}?reset", wait_until="load", timeout=timeout)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout)
    page.wait_for_function(KERNEL_IDLE, arg=name, timeout=timeout)

def test_experiment_notebooks_open_in_jupyterlab(browser, tmp_path):
    "Every experiment notebook opens in Lab with all its cells rendered and a running Python kernel."
    for nb in EXPERIMENTS: shutil.copy(nb, tmp_path/nb.name)    # Lab autosaves: never point it at the sources
    ARTIFACTS.mkdir(exist_ok=True)
    with lab_server(tmp_path) as url:
        page = browser.new_page(viewport=dict(width=1300, height=900)); block_external(page)
        for nb in EXPERIMENTS:
            _open(page, url, nb.name)
            n = len(nbformat.read(nb, as_version=4).cells)
            page.wait_for_function(f"() => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell').length === {n}",
                                   timeout=60_000)
            kernel = page.evaluate(f"(p) => ({KERNEL})(p).name", nb.name)
            assert kernel == "python3", (nb.name, kernel)
            assert page.locator(".jp-Dialog").count() == 0, f"{nb.name}: an error dialog opened"
        page.screenshot(path=str(ARTIFACTS/"jupyterlab_experiment_open.png"))
        page.close()

def test_wann_experiment_runs_in_jupyterlab_with_a_live_widget(browser, tmp_path):
    "Run All from Lab's menu on the WANN experiment (tiny parameters injected as papermill would); slide the generation."
    src = REPO/"nbs/experiments/30_wann_classification.ipynb"
    nb = parameterize_notebook(load_notebook_node(str(src)), {**TINY_WANN, "output_dir": str(tmp_path/"out")})
    nbformat.write(nb, tmp_path/src.name)
    ARTIFACTS.mkdir(exist_ok=True)
    with lab_server(tmp_path) as url:
        page = browser.new_page(viewport=dict(width=1300, height=1000)); block_external(page)
        _open(page, url, src.name)
        page.click(".lm-MenuBar-itemLabel:text-is('Run')")
        page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
        title = page.locator(".wann-pareto-title")
        title.wait_for(state="attached", timeout=600_000)
        page.wait_for_function(KERNEL_IDLE, arg=src.name, timeout=600_000)
        assert page.evaluate(ERRORS, src.name) == []
        metrics = json.loads((tmp_path/"out/metrics.json").read_text())
        assert set(metrics["headline"]) == {"ag_news mean", "ag_news max", "ag_news baseline"}
        title.scroll_into_view_if_needed()
        page.wait_for_selector(".js-plotly-plot .scatterlayer .point", timeout=60_000)
        before, pts_before = title.inner_text(), plot_points(page)
        assert before.startswith("Generation 2"), before
        page.screenshot(path=str(ARTIFACTS/"jupyterlab_wann_before.png"))
        page.locator(".widget-slider .noUi-handle").first.focus()
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("() => document.querySelector('.wann-pareto-title').textContent.startsWith('Generation 1')", timeout=60_000)
        wait_points_change(page, pts_before)
        page.screenshot(path=str(ARTIFACTS/"jupyterlab_wann_after.png"))
        page.close()
