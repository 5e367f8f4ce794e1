"""Seed 004 (the architecture zoo for GHN training), snippet by snippet, as its README prints them.

Each test keeps the seed's text verbatim in a string and runs it with the fewest changes, each one applied by
`adapt` (which fails if the seed text no longer contains what it replaces) and explained next to it. The one
change every snippet needs: the seed's package `lmghn3.Dataloader` is `taskweaver.zoo` here.
"""
import itertools, math, re
import numpy as np
import pytest
import torch
from taskweaver.utils import UserError
from taskweaver.zoo import ModelConfigGenerator, DEFAULT_RANGES, MODEL_TYPES, build_model, count_params, model_name

IMPORT = ("from lmghn3.Dataloader import", "from taskweaver.zoo import")

def adapt(snippet: str, *changes) -> str:
    "The seed's snippet with each `(old, new)` replacement applied; a replacement that no longer matches is an error."
    for old, new in changes:
        assert old in snippet, f"the seed snippet no longer contains {old!r}"
        snippet = snippet.replace(old, new)
    return snippet

def run(snippet: str, **ns) -> dict:
    "Execute a snippet in a fresh namespace; return the namespace."
    exec(compile(snippet, "<seed 004>", "exec"), ns)
    return ns

NAME_RE = re.compile(r"^(rnn|lstm|gru|gpt-encoder|mini-gpt)-(\d{3,})-(\d+)d-(\d+)L(?:-(\d+)h-ff(\d+))?-d(\d\.\d)-t(True|False)$")

BASIC = '''from lmghn3.Dataloader import create_reasonable_model_dataloader

# Create a reasonable dataset (~17K configurations)
dataloader, configs = create_reasonable_model_dataloader(
    vocab_size=50257,
    max_seq_len=512,
    batch_size=4,
    num_workers=0,
    device="cuda",  # or "cpu"
    seed=42
)

# Use in training loop
for models, metadatas in dataloader:
    for model, metadata in zip(models, metadatas):
        print(f"Training on {metadata['name']} ({metadata['num_params']:,} params)")
        # Your GHN training code here
'''

# the loop walks 16,704 models; the tests stop after two batches
TWO_BATCHES = ("for models, metadatas in dataloader:", "for models, metadatas in itertools.islice(dataloader, 2):")

def test_basic_usage_cuda():
    "`device=\"cuda\"` as written: on a machine without CUDA, one line before any model is built; with CUDA, models on the GPU."
    code = adapt(BASIC, IMPORT, TWO_BATCHES)
    if not torch.cuda.is_available():
        with pytest.raises(UserError, match=r"device='cuda': torch .* sees no CUDA GPU on this machine"): run(code, itertools=itertools)
        return
    # with a GPU the seed's own sizes are too large to build quickly: the smallest configs only (a documented knob)
    ns = run(adapt(code, ("    seed=42\n)", "    seed=42, max_params=5_000_000\n)")), itertools=itertools)
    assert all(p.device.type == "cuda" for m in ns["models"] for p in m.parameters())

def test_basic_usage_cpu(capsys):
    "The comment's alternative, `device=\"cpu\"`: the first two batches of 4 models, built for real, match their metadata."
    # building 4 random models of up to 607M parameters per batch is minutes of CPU: `max_params` (a documented
    # parameter of the loaders) keeps the configs below 20M parameters
    code = adapt(BASIC, IMPORT, TWO_BATCHES, ('device="cuda",  # or "cpu"', 'device="cpu",'),
                 ("    seed=42\n)", "    seed=42, max_params=20_000_000\n)"))
    ns = run(code, itertools=itertools)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 8
    names = [re.match(r"Training on (\S+) \(([\d,]+) params\)$", l).groups() for l in lines]
    for (name, n), entry in zip(names[4:], ns["metadatas"]):
        assert name == entry["name"] and int(n.replace(",", "")) == entry["num_params"] <= 20_000_000
    for model, entry in zip(ns["models"], ns["metadatas"]):
        assert NAME_RE.match(entry["name"]) and next(model.parameters()).device.type == "cpu"
        assert count_params(model) == entry["num_params"]                               # the metadata counts what was built
        assert model.tok_emb.num_embeddings == 50257 and model.max_seq_len == 512
    assert len(ns["configs"]) < 16_704 and len(ns["dataloader"]) == math.ceil(len(ns["configs"]) / 4)
    # seed=42 fixes the order: the same snippet again gives the same models
    again = run(code, itertools=itertools)
    capsys.readouterr()
    assert [e["name"] for e in again["metadatas"]] == [e["name"] for e in ns["metadatas"]]

ADVANCED = '''from lmghn3.Dataloader import (
    create_reasonable_model_dataloader,
    create_full_model_dataloader,
    create_model_dataloader,
    ModelConfigGenerator
)

# Option 1: Reasonable dataset (recommended)
dataloader, configs = create_reasonable_model_dataloader(
    batch_size=4,
    seed=42
)

# Option 2: Full dataset (3M+ configurations - use with caution!)
dataloader, configs = create_full_model_dataloader(
    batch_size=2,  # Use smaller batch size for memory
    seed=42
)

# Option 3: Custom configuration
dataloader, configs = create_model_dataloader(
    batch_size=4,
    use_all_configs=False,  # True for full dataset
    seed=42
)

# Option 4: Direct generator usage
generator = ModelConfigGenerator(vocab_size=50257, max_seq_len=512, seed=42)
configs = generator.generate_reasonable_configs()  # or generate_all_configs()
'''

def test_advanced_usage():
    "The four options, run one after another as written (nothing is built: the sets are lazy)."
    code = adapt(ADVANCED, IMPORT)
    head, *options = code.split("# Option")
    ns = run(head)
    expect = [(16_704, 4, 4176), (2_427_264, 2, 1_213_632), (16_704, 4, 4176)]
    for opt, (n, bs, batches) in zip(options[:3], expect):
        exec("# Option" + opt, ns)
        assert len(ns["configs"]) == n and ns["dataloader"].batch_size == bs and len(ns["dataloader"]) == batches
    # the full set: the seed says 2,998,336, which no reading of its ranges gives (nbs/zoo/01_configs.ipynb); ours is
    # every combination of the stated ranges
    exec("# Option" + options[3], ns)
    assert ns["configs"].counts() == dict(rnn=448, lstm=448, gru=448, gpt_encoder=7680, mini_gpt=7680)
    assert len(ns["generator"].generate_all_configs()) == 2_427_264
    # the configs of the generator and of the loaders are the same sequence, in the same canonical order
    assert [ns["configs"][i]["name"] for i in (0, 448, 16_703)] == \
        ["rnn-000-64d-1L-d0.0-tTrue", "lstm-000-64d-1L-d0.0-tTrue", "mini-gpt-7679-1024d-24L-16h-ff8-d0.2-tFalse"]

def test_dataset_statistics():
    "The seed's statistics block: counts per family exactly; the parameter range and mean are the seed's when untied heads are not counted."
    from taskweaver.zoo.stats import zoo_stats
    s = zoo_stats()
    assert s["total"] == 16_704
    assert {k: v["count"] for k, v in s["families"].items()} == dict(rnn=448, lstm=448, gru=448, gpt_encoder=7680, mini_gpt=7680)
    # "Parameter range: 3.3M - 555M parameters, Average parameters: ~60M per model": the seed counts every model as if its
    # output head were tied (nbs/zoo/03_stats.ipynb); our exact counts include the separate head of untied models
    assert (s["min_params"], s["max_params"], round(s["mean_params"] / 1e6, 1)) == (3_224_768, 607_186_944, 71.6)
    cs = ModelConfigGenerator().generate_reasonable_configs()
    d = np.array([e["config"]["d_model"] for e in cs]); tied = np.array([e["config"]["tie_weights"] for e in cs])
    as_if_tied = np.where(tied, cs.param_counts(), cs.param_counts() - 50257 * d)
    assert round(as_if_tied.max() / 1e6) == 556 and round(as_if_tied.mean() / 1e6) == 60
    full = zoo_stats(full=True)
    assert full["total"] == 2_427_264 and full["min_params"] == 3_224_768

def test_parameter_ranges():
    "The seed's parameter lists are `DEFAULT_RANGES` (its intervals at step 1, dropout at step 0.1)."
    r, f = DEFAULT_RANGES["reasonable"], DEFAULT_RANGES["full"]
    widths = [64, 128, 256, 384, 512, 768, 1024]
    assert r["recurrent"] == dict(d_model=widths, n_layer=[1, 2, 3, 4, 6, 8, 12, 16], p_drop=[0.0, 0.1, 0.2, 0.3], tie_weights=[True, False])
    assert f["recurrent"]["n_layer"] == list(range(1, 33)) and f["recurrent"]["p_drop"] == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    assert r["transformer"] == dict(d_model=widths, n_layer=[2, 3, 4, 6, 8, 12, 16, 24], n_head=[2, 4, 6, 8, 12, 16],
                                    ff_ratio=[2, 3, 4, 6, 8], p_drop=[0.0, 0.1, 0.2], tie_weights=[True, False])
    assert (f["transformer"]["n_layer"], f["transformer"]["n_head"], f["transformer"]["ff_ratio"]) == \
        (list(range(2, 65)), list(range(1, 33)), list(range(1, 33)))
    # every generated config lies in the ranges, and heads divide the width
    for e in ModelConfigGenerator().generate_reasonable_configs().shuffle(0)[:500]:
        c, kind = e["config"], "recurrent" if e["model_type"] in ("rnn", "lstm", "gru") else "transformer"
        assert c["d_model"] in widths and c["n_layer"] in r[kind]["n_layer"] and c["p_drop"] in r[kind]["p_drop"]
        if kind == "transformer": assert c["n_head"] in r[kind]["n_head"] and c["d_model"] % c["n_head"] == 0 and c["d_ff"] // c["d_model"] in r[kind]["ff_ratio"]

METADATA = '''metadata = {
    "name": "gpt-encoder-001-256d-4L-8h-ff4-d0.1-tTrue",
    "model_type": "gpt_encoder",
    "config": {
        "vocab_size": 50257,
        "d_model": 256,
        "n_layer": 4,
        "n_head": 8,
        "d_ff": 1024,
        "max_seq_len": 512,
        "p_drop": 0.1,
        "tie_weights": True
    },
    "num_params": 25,847,296
}
'''

def test_model_metadata():
    "Our metadata for the seed's example config has the same keys, the same config and the seed's name form; its count is exact."
    # "25,847,296" is not Python (a dict value cannot hold commas); read as 25_847_296
    seed = run(adapt(METADATA, ("25,847,296", "25_847_296")))["metadata"]
    ours = ModelConfigGenerator().generate_gpt_encoder_configs().filter(where=lambda e: e["config"] == seed["config"])
    assert len(ours) == 1
    e = ours[0]
    assert list(e) == list(seed) and e["config"] == seed["config"] and e["model_type"] == seed["model_type"]
    # the id is the index in the canonical order (2234 here; the seed's 001 is illustrative)
    assert e["name"] == "gpt-encoder-2234-256d-4L-8h-ff4-d0.1-tTrue" == re.sub(r"-001-", "-2234-", seed["name"])
    # the seed's 25,847,296 is no count of this architecture (with or without a tied head: 16.2M / 29.0M); ours is what is built
    assert e["num_params"] == count_params(build_model("gpt_encoder", e["config"], device="meta")) == 16_156_416

EXAMPLES = """- `rnn-001-256d-4L-d0.1-tTrue`
- `lstm-045-512d-8L-d0.2-tFalse`
- `gpt-encoder-123-384d-6L-12h-ff4-d0.1-tTrue`
- `mini-gpt-456-768d-12L-16h-ff6-d0.2-tFalse`"""
FORMAT = "{model_type}-{id:03d}-{d_model}d-{n_layer}L-{n_head}h-ff{d_ff_ratio}-d{dropout:.1f}-t{tie_weights}"

def test_naming_convention():
    "Every example name has its architecture in the zoo, named in the seed's format with its canonical index as id."
    g = ModelConfigGenerator()
    for name in re.findall(r"`([^`]+)`", EXAMPLES):
        mt, _, d, L, h, ff, p, t = NAME_RE.match(name).groups()
        family = mt.replace("-", "_")
        want = dict(d_model=int(d), n_layer=int(L), p_drop=float(p), tie_weights=t == "True")
        if h: want.update(n_head=int(h), d_ff=int(ff) * int(d))
        hits = g.family(family).filter(where=lambda e: all(e["config"][k] == v for k, v in want.items()))
        assert len(hits) == 1, name
        e = hits[0]
        i = int(NAME_RE.match(e["name"]).group(2))
        assert g.family(family)[i]["name"] == e["name"]                      # the id is the position in canonical order
        assert NAME_RE.sub(lambda m: m.group(0).replace(f"-{m.group(2)}-", "-ID-", 1), e["name"]) == \
               NAME_RE.sub(lambda m: m.group(0).replace(f"-{m.group(2)}-", "-ID-", 1), name)
        if h:   # the transformer names follow the seed's format string exactly
            c = e["config"]
            assert e["name"] == FORMAT.format(model_type=mt, id=i, d_model=c["d_model"], n_layer=c["n_layer"], n_head=c["n_head"],
                                              d_ff_ratio=c["d_ff"] // c["d_model"], dropout=c["p_drop"], tie_weights=c["tie_weights"])
    # ids are stable under shuffling: the name of a config does not depend on the order it is drawn in
    cs = g.generate_reasonable_configs()
    assert {e["name"] for e in cs.shuffle(3)[:50]} == {cs[int(j)]["name"] for j in cs.shuffle(3).index[:50]}

INTEGRATION = '''from lmghn3.Dataloader import create_reasonable_model_dataloader
from your_ghn_module import GHNTrainer

# Create model dataset
dataloader, configs = create_reasonable_model_dataloader(
    batch_size=4,
    seed=42
)

# Initialize GHN trainer
ghn_trainer = GHNTrainer()

# Training loop
for epoch in range(num_epochs):
    for models, metadatas in dataloader:
        for model, metadata in zip(models, metadatas):
            # Train GHN to predict parameters for this model
            loss = ghn_trainer.train_step(model, metadata)
            print(f"Epoch {epoch}, Model {metadata['name']}, Loss: {loss:.4f}")
'''

def test_integration_with_ghn_training(capsys):
    "The seed's GHN loop with `taskweaver.ghn.GHNTrainer` (the seed's `your_ghn_module`): each step trains the GHN on that model."
    code = adapt(INTEGRATION, IMPORT, ("from your_ghn_module import GHNTrainer", "from taskweaver.ghn import GHNTrainer"),
                 # one epoch (the seed leaves num_epochs to the reader) of one batch; models on the meta device (only their
                 # structure is used) with a 2,048-token vocabulary (the GHN's tokenizer has 1,024) and below 300k parameters,
                 # so a step is a fraction of a second on a CPU
                 ("for models, metadatas in dataloader:", "for models, metadatas in itertools.islice(dataloader, 1):"),
                 ("    batch_size=4,\n    seed=42\n)", "    batch_size=4,\n    seed=42, vocab_size=2048, device=\"meta\", max_params=300_000\n)"))
    ns = run(code, itertools=itertools, num_epochs=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and all(re.match(r"Epoch 0, Model \S+, Loss: \d+\.\d{4}$", l) for l in lines)
    t = ns["ghn_trainer"]
    assert t.step == 4 and all(NAME_RE.match(l.split()[3].rstrip(",")) for l in lines)
    # the loss is the LM loss of the model under the GHN's predicted parameters: ~ln(vocab) for an untrained GHN,
    # and training on one architecture lowers it there
    from taskweaver.ghn.train import predicted_losses, windows
    meta = ns["metadatas"][0]
    probe = windows(t.train_ids, 4, 33, np.random.default_rng(1))[None]
    before = predicted_losses(t.ghn, [meta], probe, t.mask_id, train=False).item()
    for _ in range(6): t.train_step(ns["models"][0], meta)
    after = predicted_losses(t.ghn, [meta], probe, t.mask_id, train=False).item()
    assert 0 < after < before < 2 * math.log(2048)

MODIFY = '''# In generate_rnn_configs()
d_models = [64, 128, 256, 384, 512]  # Add/remove sizes
n_layers = [1, 2, 3, 4, 6, 8]        # Add/remove layer counts
dropouts = [0.0, 0.1, 0.2, 0.3]     # Add/remove dropout values
'''

def test_modifying_parameter_ranges():
    "The seed edits the lists inside `generate_rnn_configs()`; here the same lists go into the generator's ranges for `rnn` only."
    ns = run(MODIFY)
    generator = ModelConfigGenerator(vocab_size=50257, max_seq_len=512, seed=42)
    generator.ranges["reasonable"]["rnn"] = dict(d_model=ns["d_models"], n_layer=ns["n_layers"], p_drop=ns["dropouts"])
    rnn = generator.generate_rnn_configs()
    assert len(rnn) == 5 * 6 * 4 * 2
    assert {(e["config"]["d_model"], e["config"]["n_layer"], e["config"]["p_drop"]) for e in rnn} == \
        set(itertools.product(ns["d_models"], ns["n_layers"], ns["dropouts"]))
    assert generator.generate_reasonable_configs().counts() == dict(rnn=240, lstm=448, gru=448, gpt_encoder=7680, mini_gpt=7680)
    assert len(ModelConfigGenerator().generate_rnn_configs()) == 448       # another generator keeps the defaults
    generator.ranges["reasonable"]["rnn"]["d_modles"] = [64]
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['d_modles'\]"): generator.generate_rnn_configs()

# Not run: "Adding New Architecture Types" tells the reader to edit models.py, ModelConfigGenerator and
# ModelDataset.__getitem__ (source edits, no call to make); the "Performance Considerations" and "Dependencies"
# sections are prose.
