"""`bench/gpu_smoke.py` keeps working: here it runs its GPU path on the CPU (bf16 autocast, a tiny Llama), every
capability, and must report each one ok, finite and on the device asked for."""
import json, subprocess, sys
from pathlib import Path

def test_gpu_smoke_on_cpu(tmp_path):
    script = Path(__file__).parents[1]/"bench"/"gpu_smoke.py"
    p = subprocess.run([sys.executable, str(script), "--device", "cpu", "--precision", "bf16-mixed", "--model", "tiny", "--steps", "2",
                        "--out", str(tmp_path)], capture_output=True, text=True, timeout=900)
    out = json.loads(p.stdout[p.stdout.index("{"):])
    assert out["device"] == "cpu" and out["precision"] == "bf16-mixed"
    assert set(out["results"]) == {"hypernet", "probes", "paramgen", "ghn", "wann"}
    for name, r in out["results"].items(): assert r["ok"], (name, r.get("error"), r.get("traceback"))
    assert p.returncode == 0, p.stderr[-2000:]
    # without CUDA, the default (--device cuda) says so and runs nothing
    q = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    import torch
    if not torch.cuda.is_available(): assert q.returncode == 0 and "skipped" in json.loads(q.stdout)
