"""WANN on any device: the `device` section (accelerator, devices, strategy, precision) reaches the evaluation and the
gradient baseline; every tensor is made on the model's device; an absent device is one line; bf16-mixed on CPU."""
import math
import pytest
import torch
from taskweaver.utils import DeviceConfig, UserError
from taskweaver.wann import (ModelConfig, SharedWeightEvaluator, SharedWeightTransformer, EvolutionEngine, load_config, random_genome,
                             create_custom_classification_dataset, StandardTransformer)
from taskweaver.wann.data import synthetic_classification
from taskweaver.wann.benchmark import evaluate_standard, train_gradient_baseline
from taskweaver.wann.config import BaselineConfig

# bf16 keeps 8 bits of mantissa (relative rounding 2**-8 ≈ 0.4%); through a few layers and a log-softmax the
# per-weight mean cross-entropy moves by well under 2%. Accuracy can flip only on near-ties: at most 5 points here.
LOSS_RTOL, ACC_ATOL = 0.02, 0.05


@pytest.fixture(scope="module")
def data():
    texts, labels = synthetic_classification(160, 2)
    tr, te, k = create_custom_classification_dataset(texts, labels, vocab_size=60, max_length=16, test_texts=texts[:64], test_labels=labels[:64])
    return tr, te, k


def genomes(k, vocab=60):
    "Genomes whose attention and feed-forward blocks all write (random init), for both tasks."
    cfg = ModelConfig(vocab_size=vocab, max_length=16, embed_dim=16, head_dim=4, num_heads=2, ffn_nodes=6, num_layers=2, init_density=0.3)
    return ([random_genome(cfg, k, seed=s, task_type="classification") for s in range(3)] +
            [random_genome(cfg, vocab, seed=s, task_type="generation") for s in range(2)])


def test_bf16_mixed_on_cpu_is_finite_and_close_to_fp32(data, monkeypatch):
    _, te, k = data
    fp32 = SharedWeightEvaluator()
    bf16 = SharedWeightEvaluator(device=DeviceConfig("cpu", precision="bf16-mixed"))
    seen = []   # the autocast state inside every forward pass
    fwd = SharedWeightTransformer.forward
    def spy(self, *a, **kw):
        seen.append((torch.is_autocast_enabled("cpu"), torch.get_autocast_dtype("cpu"))); return fwd(self, *a, **kw)
    monkeypatch.setattr(SharedWeightTransformer, "forward", spy)
    differs = False
    for g in genomes(k):
        seen.clear(); r16 = bf16.evaluate(g, te)
        assert seen and all(s == (True, torch.bfloat16) for s in seen)        # every batch ran under bf16 autocast
        seen.clear(); r32 = fp32.evaluate(g, te)
        assert seen and not any(on for on, _ in seen)                         # and fp32 without
        for key in ("performance", "loss"): assert all(math.isfinite(x) for x in r16[key]), (g.task_type, r16[key])
        for l16, l32 in zip(r16["loss"], r32["loss"]): assert math.isclose(l16, l32, rel_tol=LOSS_RTOL), (g.task_type, l16, l32)
        for a16, a32 in zip(r16["performance"], r32["performance"]): assert abs(a16 - a32) <= ACC_ATOL, (g.task_type, a16, a32)
        differs |= r16["loss"] != r32["loss"]
    assert differs   # bf16 rounding did change the numbers a little: the comparison above is not fp32 against itself
    e = bf16.ensemble_evaluate(genomes(k)[0], te)
    assert 0 <= e["ensemble_accuracy"] <= 1 and len(e["individual_accuracies"]) == 6


def test_bf16_true_converts_the_model(data):
    _, te, k = data
    ev = SharedWeightEvaluator(device=DeviceConfig("cpu", precision="bf16-true"))
    g = genomes(k)[0]
    m = ev.instantiate_from_genome(g)
    assert m.emb.dtype == torch.bfloat16 and m(torch.randint(0, 60, (2, 16)), weights=[1.0]).dtype == torch.bfloat16
    r, r32 = ev.evaluate(g, te), SharedWeightEvaluator().evaluate(g, te)
    assert all(math.isfinite(x) for x in r["loss"]) and all(abs(a - b) <= 0.1 for a, b in zip(r["performance"], r32["performance"]))


def test_every_tensor_is_made_on_the_models_device(data):
    "Under a `meta` default device a tensor made without naming its device lands on meta and fails against the CPU model."
    tr, te, k = data
    ev = SharedWeightEvaluator(batch_size=32)
    gs = genomes(k)
    want = [ev.evaluate(g, te) for g in gs]
    cls_model = StandardTransformer(60, 16, 16, 1, 2, k); gen_model = StandardTransformer(60, 16, 16, 1, 2, 60, "generation")
    std = [evaluate_standard(cls_model, te), evaluate_standard(gen_model, te)]
    lm = ev.instantiate_from_genome(gs[-1]); prompt = te.dataset.input_ids[:2, :4]
    out = lm.generate(prompt, 5)
    with torch.device("meta"):
        got = [ev.evaluate(g, te) for g in gs]
        got_ens = ev.ensemble_evaluate(gs[0], te)
        got_pop = ev.evaluate_population(gs[:3], te, "classification")
        got_std = [evaluate_standard(cls_model, te), evaluate_standard(gen_model, te)]
        got_gen = lm.generate(prompt, 5)
    assert [r["performance"] for r in got] == [r["performance"] for r in want]
    assert [r["mean"] for r in got_pop] == [r["mean"] for r in want[:3]] and 0 <= got_ens["ensemble_accuracy"] <= 1
    assert torch.equal(got_gen, out)
    # nn.TransformerEncoder leaves its fused fast path while a torch-function mode is active: equal up to float rounding
    for a, b in zip(got_std, std): assert math.isclose(a["loss"], b["loss"], rel_tol=1e-5) and a["accuracy"] == b["accuracy"]


def test_the_config_device_and_model_sections_reach_the_evaluator():
    cfg = load_config("debug", overrides={"device": {"precision": "bf16-mixed"}, "model": {"layer_norm": False}})
    ev = SharedWeightEvaluator()
    EvolutionEngine(cfg.evolution, ev, verbose=False)   # the seed's form: only the evolution section is passed
    assert (ev.device.precision, ev.autocast_dtype, ev.layer_norm) == ("bf16-mixed", torch.bfloat16, False)
    # a setting given to both the evaluator and the config, with different values, is one error naming both
    with pytest.raises(UserError, match=r"SharedWeightEvaluator\(device=DeviceConfig\(accelerator='cpu'.*precision='32-true'\)\) but the engine's config has device=DeviceConfig\(.*precision='bf16-mixed'\)"):
        EvolutionEngine(cfg.evolution, SharedWeightEvaluator(device=DeviceConfig("cpu")), verbose=False)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU: nothing is absent")
def test_an_absent_device_is_one_line():
    for make in (lambda: SharedWeightEvaluator(device="cuda"),
                 lambda: EvolutionEngine(load_config("debug", overrides={"device.accelerator": "gpu"}).evolution, verbose=False)):
        with pytest.raises(UserError) as e: make()
        assert "sees no CUDA GPU on this machine; use cpu or auto" in str(e.value) and len(str(e.value).splitlines()) == 1


def test_gradient_baseline_takes_the_device_section(data, tmp_path):
    "The baseline trains through Fabric with the section's precision and is evaluated under the same autocast."
    tr, te, k = data
    mc = ModelConfig(vocab_size=60, max_length=16, embed_dim=16, head_dim=4, num_heads=2)
    dev = DeviceConfig("cpu", precision="bf16-mixed")
    model, r = train_gradient_baseline(tr, te, "classification", mc, k, BaselineConfig(max_steps=4, batch_size=16), tmp_path/"b", device=dev)
    assert math.isfinite(r["loss"]) and 0 <= r["accuracy"] <= 1 and r["max_steps"] == 4
    assert next(model.parameters()).device.type == "cpu" and next(model.parameters()).dtype == torch.float32   # mixed: fp32 weights
    r32 = evaluate_standard(model, te)
    assert math.isclose(r["loss"], r32["loss"], rel_tol=LOSS_RTOL)
