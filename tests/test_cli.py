"""The `taskweaver` console script."""
import json
from conftest import run, cli_main

def test_help_lists_subcommands():
    r = run(["taskweaver", "--help"])
    assert r.returncode == 0, r.stderr
    assert "info" in r.stdout and "docs" in r.stdout

def test_every_subcommand_has_help():
    "In one process (the console script itself is run by the test above): a subprocess per subcommand cost minutes of imports."
    import contextlib, io, pytest
    from taskweaver.cli import SUBCOMMANDS, build_parser, main
    build_parser()   # registers every subcommand
    names = list(SUBCOMMANDS)
    assert {"info", "hypernet", "heads", "paramgen", "wann", "zoo", "ghn", "batch", "docs"} <= set(names), names
    for name in names:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), pytest.raises(SystemExit) as e: main([name, "--help"])
        assert e.value.code == 0 and "usage: taskweaver " + name in buf.getvalue(), (name, buf.getvalue()[:500])

def test_info_loads_both_default_models_offline():
    r = run(["taskweaver", "info", "--json"], env={**__import__("os").environ, "HF_HUB_OFFLINE": "1"})
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["base_model"]["name"] == "SmolLM2-135M-Instruct" and d["base_model"]["layers"] == 30
    assert 130e6 < d["base_model"]["params"] < 140e6
    assert d["text_encoder"]["dim"] == 384
    assert d["data"]["gsm8k"]["rows"] > 0 and d["data"]["natural_instructions"]["tasks"] == 48

def test_unknown_subcommand_fails_with_choices():
    r = cli_main(["frobnicate"])   # in this process: the console script is run by test_help_lists_subcommands
    assert r.returncode == 2 and "invalid choice" in r.stderr and "info" in r.stderr
