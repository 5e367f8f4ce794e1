"""The docs site builds without quarto and renders in headless Chromium."""
import subprocess, sys
import pytest
from conftest import REPO, ARTIFACTS, free_port, wait_for_port, block_external

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    from taskweaver.docs import build_docs
    build_docs(out, root=REPO, use_quarto=False)
    assert (out/"index.html").exists()
    port = free_port()
    srv = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(out)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, srv)
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.terminate(); srv.wait(10)

def test_home_and_api_page_show_signatures(site, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(); block_external(page)
    page.goto(site + "/", wait_until="load")
    page.screenshot(path=str(ARTIFACTS/"docs_home.png"), full_page=False)
    assert "TaskWeaver" in page.title()
    body = page.inner_text("body")
    assert "two commands on a fresh clone" in body.lower()
    page.goto(site + "/00_models/", wait_until="load")
    page.screenshot(path=str(ARTIFACTS/"docs_models.png"), full_page=False)
    text = page.inner_text("body")
    # the documented function and its signature, rendered by nbdev's show_doc
    assert "load_base_model" in text and "name_or_path" in text and "dtype" in text
    assert "Load a causal LM and its tokenizer" in text
    # navigation links to every module page
    hrefs = page.eval_on_selector_all("nav a", "els => els.map(e => e.getAttribute('href'))")
    for mod in ("01_data", "02_train", "09_cli"):
        assert any(h and mod in h for h in hrefs), (mod, hrefs)
    page.close()
