"""Every architecture of `testutils.TEST_ARCHS`, on a tiny random model built offline from its config: (a) LoRA injection
and PEFT export parity, (b) one TaskWeaver training step, (c) probe heads on a middle layer, (d) a paramgen tokenize
round trip of the architecture's LoRA tensors. Plus: every default of ours (architectures PEFT's mapping lacks) resolves."""
import json, tempfile
from pathlib import Path
import pytest, torch
from transformers.pytorch_utils import Conv1D
from taskweaver.testutils import TEST_ARCHS, tiny_model, tiny_tokenizer
from taskweaver.models import lora_targets, layer_index, DEFAULT_LORA_TARGETS, LORA_TARGETS_NOT_IN_PEFT
from taskweaver.lora import inject, set_adapters, random_adapter, export_peft, layer_adapter

TOL = 1e-5    # max |logits(ours) - logits(PEFT)| in float32; the random adapter itself moves logits by more than DELTA
DELTA = 1e-3

@pytest.fixture(scope="module")
def batch():
    "The tiny tokenizer and two prompts cut to one length: `(tok, ids [2, T], attention_mask)`."
    tok = tiny_tokenizer()
    rows = [tok(t)["input_ids"] for t in ("Question: What is 2 + 2? Answer: 4", "Review: a gripping, funny and moving film.")]
    ids = torch.tensor([r[:min(map(len, rows))] for r in rows])
    return tok, ids, torch.ones_like(ids)

@pytest.mark.parametrize("arch", TEST_ARCHS)
def test_lora_injection_and_peft_export(arch, batch, tmp_path):
    "No adapter and a zero adapter give the base model exactly; each row's random adapter, exported, gives PEFT's logits."
    from peft import PeftModel
    _, ids, _ = batch
    base = tiny_model(arch); ref, expected = base(ids).logits, lora_targets(base)
    m = tiny_model(arch); layers = inject(m, rank=2, alpha=16)
    assert list(layers) == expected and {layer_index(n) for n in layers} == {0, 1}
    assert torch.equal(m(ids).logits, ref)                                            # fresh: no adapter set
    zero = {n: (A, torch.zeros_like(B)) for n, (A, B) in random_adapter(m, std=0.5, batch=2).items()}
    set_adapters(m, zero); assert torch.equal(m(ids).logits, ref)                     # B = 0: the base model
    set_adapters(m, random_adapter(m, std=0.3, seed=1, batch=2)); ours = m(ids).logits   # one adapter per row
    conv = isinstance(next(iter(layers.values())).base, Conv1D)
    for i in range(2): export_peft(layer_adapter(m, i), f"tiny-{arch}", tmp_path/f"row{i}", alpha=16, fan_in_fan_out=conv)
    pm = PeftModel.from_pretrained(base, tmp_path/"row0", adapter_name="row0")
    pm.load_adapter(tmp_path/"row1", adapter_name="row1")
    for i in range(2):
        pm.set_adapter(f"row{i}"); theirs = pm(ids[i:i+1]).logits[0]
        assert (ours[i] - theirs).abs().max() <= TOL, (arch, i, float((ours[i] - theirs).abs().max()))
        assert (ours[i] - ref[i]).abs().max() > DELTA, arch
    cfg = json.loads((tmp_path/"row0"/"adapter_config.json").read_text())
    assert cfg["fan_in_fan_out"] == (arch == "gpt2") and sorted(cfg["target_modules"]) == sorted(layers)

@pytest.mark.parametrize("arch", TEST_ARCHS)
def test_taskweaver_training_step(arch, batch):
    "A TaskWeaver (prompt embedder: the base LM's own hidden states) around the tiny model: finite loss, one step moves the hypernetwork only."
    from taskweaver.hypernet import TaskWeaver
    tok, ids, mask = batch
    tw = TaskWeaver(base_model=tiny_model(arch), tokenizer=tok, hidden_dim=16, lora_rank=2).train()
    before = {k: v.clone() for k, v in tw.hypernet.state_dict().items()}
    opt = torch.optim.AdamW(tw.hypernet.parameters(), lr=1e-2)
    loss = tw(ids, attention_mask=mask, labels=ids).loss
    assert torch.isfinite(loss), arch
    loss.backward(); opt.step()
    assert all(p.grad is None for p in tw.base.parameters())                          # the base LM stays frozen
    changed = [k for k, v in tw.hypernet.state_dict().items() if not torch.equal(v, before[k])]
    assert any(k.startswith("head_B.") for k in changed) and any(k.startswith("trunk.") for k in changed), changed
    with torch.no_grad(): after = tw(ids, attention_mask=mask, labels=ids).loss
    assert torch.isfinite(after) and after != loss                                    # the generated adapters changed

@pytest.mark.parametrize("arch", TEST_ARCHS)
def test_probe_heads(arch, batch):
    "A sequence probe and a token probe on the middle layer (hidden_states[1] of 2 blocks): shapes, finite loss, one step trains the heads only."
    from taskweaver.heads import HeadConfig, load_headed
    _, ids, mask = batch
    H = tiny_model(arch).config.hidden_size
    hm = load_headed(None, tiny_model(arch), head_configs=[HeadConfig("probe", H, 3, layer_hook=1, pred_for_sequence=True),
                                                           HeadConfig("tags", H, 5, layer_hook=1)])
    out = hm(input_ids=ids, attention_mask=mask, probe=torch.tensor([0, 2]), tags=torch.randint(0, 5, ids.shape))
    assert out.preds_by_head["probe"].shape == (2, 3) and out.preds_by_head["tags"].shape == (*ids.shape, 5)
    assert torch.isfinite(out.loss), arch
    before = {k: v.clone() for k, v in hm.heads.state_dict().items()}
    opt = torch.optim.AdamW([p for p in hm.parameters() if p.requires_grad], lr=1e-2)
    out.loss.backward(); opt.step()
    assert all(not torch.equal(v, before[k]) for k, v in hm.heads.state_dict().items())
    assert all(p.grad is None for p in hm.model.parameters())                         # freeze_base_model=True

@pytest.mark.parametrize("arch", TEST_ARCHS)
def test_paramgen_roundtrip(arch, tmp_path):
    "The zoo's PEFT LoRA of the architecture (default targets) has the keys of our export; its tensors tokenize and come back bit for bit."
    from peft import get_peft_model_state_dict
    from taskweaver.paramgen.zoo import ZooConfig, build_lora_model
    from taskweaver.paramgen.tokenizer import ParamTokenizer
    from taskweaver.utils import read_safetensors
    zoo = get_peft_model_state_dict(build_lora_model(tiny_model(arch), ZooConfig(rank=2)))
    m = tiny_model(arch); inject(m, rank=2)
    ours = read_safetensors(export_peft(random_adapter(m, std=0.3, seed=2), f"tiny-{arch}", tmp_path)/"adapter_model.safetensors")[0]
    assert sorted(zoo) == sorted(ours) and all(zoo[k].shape == ours[k].shape for k in zoo), (sorted(zoo)[:2], sorted(ours)[:2])
    g = torch.Generator().manual_seed(0)
    sd = {k: torch.randn(v.shape, generator=g) * 0.1 for k, v in zoo.items()}      # a trained-looking LoRA (PEFT starts with B = 0)
    for state in (sd, ours):
        tk = ParamTokenizer.fit(state, max_tokens=128, token_dim=64)
        tokens, mask, scales = tk.tokenize(state)
        assert tokens.shape == (128, 64) and int(mask.sum()) == sum(v.numel() for v in state.values())
        back = tk.detokenize(tokens, scales)
        assert back.keys() == state.keys() and all(torch.equal(back[k], state[k]) for k in state), arch

@pytest.mark.parametrize("model_type", sorted(LORA_TARGETS_NOT_IN_PEFT))
def test_our_defaults_resolve(model_type):
    "Each default of ours is for an architecture PEFT lacks, and names linear modules of every block of a tiny model of it."
    assert DEFAULT_LORA_TARGETS.source(model_type) == "taskweaver"
    t = lora_targets(tiny_model(model_type))
    assert {n.split(".")[-1] for n in t} == set(LORA_TARGETS_NOT_IN_PEFT[model_type]) and {layer_index(n) for n in t} == {0, 1}
