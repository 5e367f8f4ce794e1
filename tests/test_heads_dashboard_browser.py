"""The probe dashboard served by Voila in headless Chromium: moving the layer slider changes the figures."""
import re
from conftest import REPO, ARTIFACTS, dashboard_page

def test_probe_dashboard_slider_changes_confusion_matrix(browser, monkeypatch, tmp_path):
    monkeypatch.setenv("TASKWEAVER_PROBE_RESULTS", str(tmp_path/"none"))   # the tiny-model demo: fast and deterministic
    ARTIFACTS.mkdir(exist_ok=True)
    with dashboard_page(browser, REPO/"nbs/dashboards/probe_dashboard.ipynb", timeout=240, width=1400) as page:
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=150_000)
        title = lambda: page.inner_text(".probe-layer")
        before = title()
        cm_before = page.eval_on_selector_all(".js-plotly-plot .gtitle", "els => els.map(e => e.textContent)")
        assert any("confusion matrix, layer" in t for t in cm_before) and any("probe accuracy per layer" in t for t in cm_before), cm_before
        widths = page.eval_on_selector_all(".js-plotly-plot", "els => els.map(e => e.getBoundingClientRect().width)")
        assert all(w > 300 for w in widths), widths   # both figures side by side, neither squeezed to nothing
        page.screenshot(path=str(ARTIFACTS/"probe_dashboard_before.png"))
        start = int(re.search(r"Layer (\d+)", before).group(1))
        handle = page.locator(".widget-slider .noUi-handle").first
        # the confusion matrix follows the layer shown in the text (both read in the page: a late key press may move it again)
        matched = """() => { const m = document.querySelector('.probe-layer').textContent.match(/Layer (\\d+)/);
            return m && [...document.querySelectorAll('.js-plotly-plot .gtitle')].some(e => e.textContent === 'confusion matrix, layer ' + m[1]); }"""
        for attempt in range(3):   # a busy machine can drop a key press, or a figure update, while the page settles
            handle.focus()
            page.keyboard.press("ArrowLeft" if start > 0 else "ArrowRight")
            try:
                page.wait_for_function("(b) => document.querySelector('.probe-layer').textContent !== b", arg=before, timeout=60_000)
                page.wait_for_function(matched, timeout=60_000)
                break
            except Exception:
                page.screenshot(path=str(ARTIFACTS/f"probe_dashboard_attempt{attempt}.png"))
                if attempt == 2: raise
        after = title()
        cm_after = page.eval_on_selector_all(".js-plotly-plot .gtitle", "els => els.map(e => e.textContent)")
        page.screenshot(path=str(ARTIFACTS/"probe_dashboard_after.png"))
        assert after != before and cm_after != cm_before, (before, after, cm_before, cm_after)
