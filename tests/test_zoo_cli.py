"""`taskweaver zoo stats` as a user runs it (a separate process), and bad input to `zoo` and `ghn` in this process (`cli_main`)."""
import json
from conftest import run, cli_main

def test_zoo_stats_reasonable_and_full(tmp_path):
    r = run(["taskweaver", "zoo", "stats", "--json"])
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["total"] == 16_704 and {k: v["count"] for k, v in s["families"].items()} == \
        dict(rnn=448, lstm=448, gru=448, gpt_encoder=7680, mini_gpt=7680)
    r = run(["taskweaver", "zoo", "stats", "--full", "--plot", str(tmp_path/"h.png")])
    assert r.returncode == 0, r.stderr
    assert "full set: 2,427,264 configurations" in r.stdout and (tmp_path/"h.png").stat().st_size > 10_000

def test_zoo_stats_bad_vocab():
    r = cli_main(["zoo", "stats", "--vocab-size", "0"])
    assert r.returncode != 0 and "vocab_size=0: must be an integer >= 1" in r.stderr

def test_ghn_eval_missing_run(tmp_path):
    r = cli_main(["ghn", "eval", f"GHN={tmp_path}/nope"])
    assert r.returncode != 0 and "is missing" in r.stderr
