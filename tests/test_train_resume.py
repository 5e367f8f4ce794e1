"""The training engine survives a real SIGKILL: the resumed run ends with the same weights as a straight run."""
import os, signal, subprocess, sys, time
from pathlib import Path
import torch
from safetensors.torch import save_file, load_file
from taskweaver.utils import load_state

SCRIPT = """
import sys, torch
from taskweaver.testutils import train_toy
model, res = train_toy(sys.argv[1], max_steps=40, step_sleep=float(sys.argv[2]))
from safetensors.torch import save_file
save_file({'w': model.lin.weight.detach()}, sys.argv[1] + '/final.safetensors')
"""

def _run(out, sleep=0.0):
    return subprocess.Popen([sys.executable, "-c", SCRIPT, str(out), str(sleep)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

def test_sigkill_then_resume_matches_straight_run(tmp_path):
    a = _run(tmp_path/"a"); out = a.communicate(timeout=300)[0].decode(); assert a.returncode == 0, out[-2000:]
    b = _run(tmp_path/"b", sleep=0.15)
    last = tmp_path/"b/checkpoints/last.ckpt"
    t = time.time()
    while time.time() - t < 120:   # kill once a checkpoint from the middle of the run exists
        if last.exists():
            try:
                if load_state(last)["step"] >= 10: break
            except Exception: pass   # cannot happen with atomic writes, but never mind a race with os.replace
        time.sleep(0.05)
    os.kill(b.pid, signal.SIGKILL); b.wait()
    killed_at = load_state(last)["step"]
    assert 10 <= killed_at < 40, killed_at
    assert not (tmp_path/"b/final.safetensors").exists()
    c = _run(tmp_path/"b"); out = c.communicate(timeout=300)[0].decode(); assert c.returncode == 0, out[-2000:]
    assert f"resumed from" in out
    wa, wb = load_file(tmp_path/"a/final.safetensors")["w"], load_file(tmp_path/"b/final.safetensors")["w"]
    assert torch.equal(wa, wb), (wa, wb)
    assert not list((tmp_path/"b/checkpoints").glob(".*tmp*"))   # no temp files left behind
