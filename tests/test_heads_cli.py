"""`taskweaver heads probe` end to end on a tiny model folder."""
import json
from conftest import run, cli_main

def test_heads_probe_cli_writes_table(tmp_path):
    from taskweaver.testutils import save_tiny
    save_tiny("gpt_neox", tmp_path/"m")
    r = run(["taskweaver", "heads", "probe", "--model", str(tmp_path/"m"), "--task", "ag_news", "--output", str(tmp_path/"out"),
             "--n-train", "48", "--n-test", "24", "--cache-dir", str(tmp_path/"cache"), "--json"])
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["layers"] == [0, 1, 2] and len(d["test_accuracy"]) == 3 and d["meta"]["n_test"] == 24
    rows = (tmp_path/"out"/"probe_results.csv").read_text().splitlines()
    assert rows[0] == "task,layer,metric,split,value" and len(rows) == 1 + 3 * 2 * 2

def test_heads_probe_cli_rejects_unknown_task(tmp_path):
    r = cli_main(["heads", "probe", "--task", "imagenet", "--output_dir", str(tmp_path)])   # in this process: the test above runs the console script
    assert r.returncode == 2 and "--task='imagenet': unknown dataset; registered are" in r.stderr and "sst2" in r.stderr
