"""The WANN dashboards served by Voila in headless Chromium: moving a slider changes the figure."""
from conftest import REPO, ARTIFACTS, dashboard_page, plot_points, wait_points_change


def test_wann_sensitivity_dashboard_slider_moves_marker(browser, monkeypatch):
    monkeypatch.delenv("TASKWEAVER_WANN_RUN", raising=False)   # the quick debug-preset search on SST-2
    ARTIFACTS.mkdir(exist_ok=True)
    with dashboard_page(browser, REPO/"nbs/dashboards/wann_sensitivity.ipynb") as page:
        page.wait_for_selector(".wann-sens-info", timeout=60_000)
        before, pts_before = page.inner_text(".wann-sens-info"), plot_points(page)
        assert before.startswith("w = 1.00: accuracy"), before
        page.screenshot(path=str(ARTIFACTS/"wann_sensitivity_before.png"))
        handle = page.locator(".widget-slider .noUi-handle").first
        handle.focus()
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("(b) => document.querySelector('.wann-sens-info').textContent !== b", arg=before, timeout=60_000)
        wait_points_change(page, pts_before)
        after = page.inner_text(".wann-sens-info")
        page.screenshot(path=str(ARTIFACTS/"wann_sensitivity_after.png"))
        assert after.startswith("w = 0.95: accuracy"), after   # one slider step (0.05) to the left
        assert plot_points(page) != pts_before

def test_wann_pareto_dashboard_generation_slider_and_click(browser, monkeypatch):
    monkeypatch.delenv("TASKWEAVER_WANN_RUN", raising=False)
    ARTIFACTS.mkdir(exist_ok=True)
    with dashboard_page(browser, REPO/"nbs/dashboards/wann_pareto.ipynb") as page:
        page.wait_for_selector(".wann-pareto-title", timeout=60_000)
        before, pts_before = page.inner_text(".wann-pareto-title"), plot_points(page)
        assert before.startswith("Generation 4"), before
        page.screenshot(path=str(ARTIFACTS/"wann_pareto_before.png"))
        page.locator(".widget-slider .noUi-handle").first.focus()
        for _ in range(3): page.keyboard.press("ArrowLeft")
        page.wait_for_function("() => document.querySelector('.wann-pareto-title').textContent.startsWith('Generation 1')", timeout=60_000)
        wait_points_change(page, pts_before)
        assert plot_points(page) != pts_before
        page.locator(".js-plotly-plot .scatterlayer .point").first.click(force=True)
        page.wait_for_function("() => document.querySelector('.wann-pareto-detail').textContent.includes('connections')", timeout=60_000)
        assert "total" in page.inner_text(".wann-pareto-detail")
        page.screenshot(path=str(ARTIFACTS/"wann_pareto_after.png"))
