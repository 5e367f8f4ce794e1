"""The `taskweaver` console script."""
import json
from conftest import run

def test_help_lists_subcommands():
    r = run(["taskweaver", "--help"])
    assert r.returncode == 0, r.stderr
    assert "info" in r.stdout and "docs" in r.stdout

def test_every_subcommand_has_help():
    from taskweaver.cli import SUBCOMMANDS
    for name in SUBCOMMANDS:
        r = run(["taskweaver", name, "--help"])
        assert r.returncode == 0 and "usage: taskweaver " + name in r.stdout, (name, r.stderr)

def test_info_loads_both_default_models_offline():
    r = run(["taskweaver", "info", "--json"], env={**__import__("os").environ, "HF_HUB_OFFLINE": "1"})
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["base_model"]["name"] == "SmolLM2-135M-Instruct" and d["base_model"]["layers"] == 30
    assert 130e6 < d["base_model"]["params"] < 140e6
    assert d["text_encoder"]["dim"] == 384
    assert d["data"]["gsm8k"]["rows"] > 0 and d["data"]["natural_instructions"]["tasks"] == 48

def test_unknown_subcommand_fails_with_choices():
    r = run(["taskweaver", "frobnicate"])
    assert r.returncode == 2 and "invalid choice" in r.stderr and "info" in r.stderr
