"""The docs site builds without quarto, with the lessons' outputs, and renders in headless Chromium."""
import json, time
import pytest
from conftest import REPO, ARTIFACTS, http_server, block_external

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    from taskweaver.docs import build_docs
    t = time.time()
    build_docs(out, root=REPO, use_quarto=False)
    assert (out/"index.html").exists()
    recs = json.loads((REPO/"_mkdocs"/"execution.json").read_text())   # what the build executed, notebook by notebook
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS/"docs_build.json").write_text(json.dumps(dict(seconds=round(time.time() - t, 1), notebooks=recs), indent=1))
    print(f"docs build: {time.time() - t:.0f} s; executing {len(recs)} notebooks took {sum(r['seconds'] for r in recs):.0f} s "
          f"in worker processes ({sum(r['cpu_seconds'] for r in recs):.0f} s of CPU)")
    # a lesson that fails here passes nbdev_test, so it is a docs-build bug; running out of time on a busy machine is not
    failed = [(r["notebook"], r["failure"]) for r in recs if r["failure"] and r["failure"]["ename"] != "TimeoutError"]
    assert not failed, failed
    assert sum(r["lesson"] for r in recs) >= 50
    with http_server(out) as url:
        yield url

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

def _module_pages():
    "Every exported module: (its page path in the site, its public names), from the notebooks' default_exp."
    import importlib, re
    out = []
    for nb in sorted((REPO/"nbs").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in nb.parts: continue
        m = re.search(r"#\|\s*default_exp\s+([\w.]+)", nb.read_text())
        if not m: continue
        mod = importlib.import_module(f"taskweaver.{m.group(1)}")
        names = [n for n in getattr(mod, "__all__", []) if not n.startswith("_") and callable(getattr(mod, n, None))]   # functions, classes
        out.append((nb.relative_to(REPO/"nbs").with_suffix("").as_posix(), m.group(1), names))
    return out

def test_every_module_has_an_api_page(site, browser):
    "One page per exported module, showing its public functions and classes (commands modules may export none)."
    pages = _module_pages()
    assert len(pages) >= 30
    page = browser.new_page(); block_external(page)
    missing = []
    for path, mod, names in pages:
        r = page.request.get(f"{site}/{path}/")
        assert r.status == 200, (path, r.status)
        text = r.text()
        missing += [f"{mod}.{n}" for n in names if n not in text]
    assert not missing, f"public names absent from their module's page: {missing[:20]}"
    page.goto(f"{site}/07a_batch_run/", wait_until="load")            # one in the browser, with its screenshot
    assert "run_batch" in page.inner_text("body") and "Running a batch" in page.title()
    page.screenshot(path=str(ARTIFACTS/"docs_batch.png"))
    page.close()

def test_navigation_and_search(site, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport=dict(width=1300, height=900)); block_external(page)
    page.goto(site + "/", wait_until="load")
    # navigation: follow the sidebar link to the batch page and come back through another link
    page.locator("nav a[href*='07_batch']").first.click()
    page.wait_for_url("**/07_batch/**")
    assert "taskweaver batch" in page.inner_text("body")
    page.locator("nav a[href*='wann/34_evaluate']").first.click(force=True)
    page.wait_for_url("**/wann/34_evaluate/**")
    # search: mkdocs-material's client-side index (no server), type a query and open the first hit
    page.locator("input.md-search__input").click()        # the header's search box (visible at desktop widths)
    page.keyboard.type("papermill")
    page.wait_for_selector(".md-search-result__item", timeout=30_000)
    hits = page.locator(".md-search-result__item")
    assert hits.count() >= 1
    page.screenshot(path=str(ARTIFACTS/"docs_search.png"))
    assert any("batch" in (hits.nth(i).inner_text().lower()) for i in range(min(hits.count(), 10)))
    page.close()

def test_lesson_pages_show_outputs_and_commands_have_entries(site, browser):
    "The build executes the lessons, so a page shows what its cells compute; the Commands section lists every command page by name."
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport=dict(width=1300, height=900)); block_external(page)
    page.goto(site + "/01_data/", wait_until="load")
    outputs = page.locator(".jp-OutputArea-output")
    assert outputs.count() >= 5
    text = "\n".join(outputs.all_inner_texts())
    assert "natural_instructions_v1" in text and "SOURCES.md" in text      # the lesson cell listing data_dir()
    page.get_by_text("natural_instructions_v1").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS/"docs_lesson_outputs.png"))
    entries = page.eval_on_selector_all("nav a[href*='commands/']", "els => els.map(e => [e.getAttribute('href'), e.textContent.trim()])")
    named = {h.rstrip("/").split("/")[-1]: t for h, t in entries}
    commands = sorted(p.stem for p in (REPO/"nbs"/"commands").glob("*.ipynb"))
    assert sorted(named) == commands, (named, commands)
    assert all(named[c] == f"taskweaver {c}" for c in commands), named          # a visible name, not an empty entry
    page.goto(site + "/commands/batch/", wait_until="load")                     # a command page: its lesson ran the command
    assert "ZeroDivisionError" in "\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())
    page.close()
