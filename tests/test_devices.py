"""Any device, any model name: evaluators take the `device` section (accelerator + precision) and run in bf16 autocast on
the CPU; an absent GPU is one line wherever a device is named; a saved system is found by hub id (here a hub cache laid
out offline by `testutils.cache_as_hub`)."""
import json, math, subprocess, sys
import pytest, torch
import huggingface_hub.constants as hfc
from taskweaver.testutils import save_tiny, cache_as_hub
from taskweaver.utils import UserError

pytestmark = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the behaviour of a machine without a GPU")

@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    "A tiny TaskWeaver saved as `save_pretrained` writes it, and a two-task dataset config."
    from taskweaver.hypernet import TaskWeaver
    from taskweaver.hypernet_train import two_task_toy
    d = tmp_path_factory.mktemp("dev")
    base = save_tiny("llama", d/"base")
    tw = TaskWeaver(str(base), hidden_dim=16, lora_rank=2)
    tw.save_pretrained(d/"tw"); tw.tokenizer.save_pretrained(d/"tw")
    return d, two_task_toy(d/"toy.jsonl")

def test_evaluate_saved_by_hub_id_and_in_bf16(saved, monkeypatch):
    from taskweaver.hypernet_train import evaluate_saved
    d, toy = saved
    monkeypatch.setattr(hfc, "HF_HUB_CACHE", str(d/"hub"))
    cache_as_hub(d/"tw", "me/tiny-taskweaver", d/"hub")
    kw = dict(dataset_config=str(toy), n_held_out=1, n_eval=8, n_generate=2, max_new_tokens=2)
    by_id = evaluate_saved("me/tiny-taskweaver", device=dict(accelerator="cpu"), **kw)
    by_folder = evaluate_saved(str(d/"tw"), device=dict(accelerator="cpu"), **kw)
    assert by_id["system"]["nll"] == by_folder["system"]["nll"]            # the same system, found by id
    bf16 = evaluate_saved(str(d/"tw"), device=dict(accelerator="cpu", precision="bf16-mixed"), **kw)
    a, b = by_folder["system"]["nll"], bf16["system"]["nll"]
    assert math.isfinite(b) and a != b and abs(a - b) / a < 0.02, (a, b)    # autocast ran, within bf16's precision
    with pytest.raises(UserError, match="not in the Hugging Face cache"): evaluate_saved("me/never-saved", **kw)

def test_absent_gpu_is_one_line_everywhere(saved):
    from taskweaver.hypernet import TaskWeaver
    from taskweaver.hypernet_train import evaluate_saved
    from taskweaver.models import load_base_model, load_text_encoder
    d, toy = saved
    for call in (lambda: load_base_model(str(d/"base"), device="cuda"), lambda: load_text_encoder(device="cuda:0"),
                 lambda: TaskWeaver.from_pretrained(d/"tw", device="cuda"), lambda: TaskWeaver(str(d/"base"), device="cuda"),
                 lambda: evaluate_saved(str(d/"tw"), dataset_config=str(toy), device=dict(accelerator="gpu"))):
        with pytest.raises(UserError, match="sees no CUDA GPU on this machine; use cpu or auto$"): call()

@pytest.mark.parametrize("cmd", [
    "hypernet train --use_default_dataset --output_dir {d}/r1 --device.accelerator gpu",
    "hypernet eval --model {d}/tw --use_default_dataset --accelerator gpu",
    "ghn train --output_dir {d}/r2 --accelerator cuda",
    "paramgen train --config {d}/missing.yaml --device.accelerator gpu",
])
def test_cli_absent_gpu(saved, cmd):
    d, _ = saved
    p = subprocess.run(["taskweaver", *cmd.format(d=d).split()], capture_output=True, text=True, timeout=300)
    err = p.stderr.strip().splitlines()
    assert p.returncode == 2 and len(err) == 1 and "sees no CUDA GPU on this machine" in err[0], p.stderr[-2000:]
