"""Seed 002 (transformer-heads) as a user types it: each test runs one Python snippet of the seed's README verbatim.

The snippets are executed as written (`exec`) in a namespace that holds what the README leaves to the user:
`hidden_size`, `args`, `imdb_dataset`, `collator`. Offline and at test size:
- `"meta-llama/Llama-2-7b-hf"` is a tiny random 4-layer Llama placed in a Hugging Face cache under that repo id, so
  `load_headed` takes the real `from_pretrained(hub id)` path (hub offline, cache hit);
- IMDb is not vendored: 48 reviews of the vendored SST-2 sample (movie reviews, the same two labels) stand in for
  `imdb_dataset["train"]`, and the dataset's description says so;
- `args` are the default `TrainingArguments` apart from size knobs (steps, learning rate, batch size, no checkpoints),
  so `remove_unused_columns` keeps its default, True.
Not run: `pip install -e .` (the environment).
"""
import json
import pytest, torch

HEAD_CONFIG = '''
head_config = HeadConfig(
    name=f"imdb_head_3",
    layer_hook=-3,
    in_size=hidden_size,
    output_activation="linear",
    pred_for_sequence=True,
    loss_fct="cross_entropy",
    num_outputs=2,
)
'''
LOAD_HEADED = '''
model = load_headed(
    LlamaForCausalLM,
    "meta-llama/Llama-2-7b-hf",
    head_configs=[heads_config],
)
'''
TRAINER = '''
trainer = Trainer(
    model,
    args=args,
    train_dataset=imdb_dataset["train"],
    data_collator=collator,
)
'''
REPO_ID = "meta-llama/Llama-2-7b-hf"

@pytest.fixture(scope="module", autouse=True)
def one_thread():
    "Tiny models run fastest on one thread."
    n = torch.get_num_threads(); torch.set_num_threads(1); yield; torch.set_num_threads(n)

@pytest.fixture
def hub(tmp_path_factory, monkeypatch):
    "An offline Hugging Face cache that holds a tiny Llama under the seed's repo id."
    import huggingface_hub.constants as hfc
    from taskweaver.testutils import save_tiny, cache_as_hub
    root = tmp_path_factory.getbasetemp()/"seed002_hub"
    if not root.exists(): cache_as_hub(save_tiny("llama", root/"tiny", layers=4), REPO_ID, root/"cache")
    monkeypatch.setattr(hfc, "HF_HUB_CACHE", str(root/"cache")); monkeypatch.setattr(hfc, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return root

def namespace(hub) -> dict:
    "What the README's snippets expect to exist: the imports and `hidden_size` (read from the model's config)."
    from transformers import AutoConfig, LlamaForCausalLM
    from taskweaver.heads import HeadConfig, load_headed
    return dict(HeadConfig=HeadConfig, load_headed=load_headed, LlamaForCausalLM=LlamaForCausalLM,
                hidden_size=AutoConfig.from_pretrained(REPO_ID).hidden_size)

def test_head_config_snippet(hub):
    ns = namespace(hub); exec(HEAD_CONFIG, ns)
    hc = ns["head_config"]
    assert (hc.name, hc.layer_hook, hc.in_size, hc.num_outputs, hc.pred_for_sequence, hc.loss_fct, hc.output_activation) == \
           ("imdb_head_3", -3, 32, 2, True, "cross_entropy", "linear")
    assert hc.target == "imdb_head_3" and not hc.is_causal_lm and hc.num_layers == 1   # labels come in a column named after the head
    from taskweaver.heads import HeadConfig
    assert HeadConfig("imdb_head_3", 32, 2, layer_hook=-3, pred_for_sequence=True) == hc   # the package's argument order

def _load(hub) -> dict:
    torch.manual_seed(0)   # the head's initial weights
    ns = namespace(hub); exec(HEAD_CONFIG, ns)
    ns["heads_config"] = ns["head_config"]   # the README names it head_config, then passes heads_config (a typo in the seed)
    exec(LOAD_HEADED, ns)
    return ns

def test_load_headed_snippet(hub):
    import inspect
    from transformers import LlamaForCausalLM
    ns = _load(hub); model = ns["model"]
    assert list(model.heads) == ["imdb_head_3"] and model.num_layers() == 4
    assert [n for n, p in model.named_parameters() if p.requires_grad] == ["heads.imdb_head_3.layers.0.weight"]   # a linear probe; the LM is frozen
    ref = LlamaForCausalLM.from_pretrained(hub/"tiny")   # the weights behind the hub id are the cached model's
    assert all(torch.equal(v, ref.state_dict()[k]) for k, v in model.model.state_dict().items())
    ids = torch.tensor([[5, 17, 42, 9, 0, 0], [7, 8, 9, 10, 11, 12]]); am = (ids != 0).long()
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=am, imdb_head_3=torch.tensor([0, 1]))
        hs = ref.model(input_ids=ids, attention_mask=am, output_hidden_states=True).hidden_states[-3]   # layer_hook=-3: after block 1 of 4
    last = torch.stack([hs[0, 3], hs[1, 5]])   # pred_for_sequence: the last non-pad token
    assert torch.allclose(out.preds_by_head["imdb_head_3"], model.heads["imdb_head_3"](last), atol=1e-5)
    assert torch.allclose(out.loss, torch.nn.functional.cross_entropy(out.preds_by_head["imdb_head_3"], torch.tensor([0, 1])))
    assert "imdb_head_3" in inspect.signature(model.forward).parameters   # what lets HF Trainer keep the label column

def _reviews(n: int = 48):
    "SST-2 reviews from the vendored sample, balanced, tokenized, with the head's label column."
    from datasets import Dataset, DatasetDict, DatasetInfo
    from taskweaver.data import get_processor
    from taskweaver.testutils import tiny_tokenizer
    texts, labels, _ = get_processor("sst2").classification("train")
    pos = [i for i, y in enumerate(labels) if y == 1][:n // 2]; neg = [i for i, y in enumerate(labels) if y == 0][:n // 2]
    rows = [i for pair in zip(pos, neg) for i in pair]
    tok = tiny_tokenizer()
    ds = Dataset.from_dict(dict(text=[texts[i] for i in rows], imdb_head_3=[labels[i] for i in rows]),
                           info=DatasetInfo(description="SST-2 sample standing in for IMDb (IMDb is not vendored; offline)"))
    ds = ds.map(lambda b: tok(b["text"], truncation=True, max_length=32), batched=True)
    return DatasetDict(train=ds), tok

def test_trainer_snippet_with_default_training_arguments(hub, tmp_path):
    from transformers import Trainer, TrainingArguments, DataCollatorWithPadding, logging as hf_logging
    hf_logging.set_verbosity_error()
    ns = _load(hub); model = ns["model"]
    imdb_dataset, tok = _reviews()
    assert set(imdb_dataset["train"].column_names) == {"text", "imdb_head_3", "input_ids", "attention_mask"}
    base = {k: v.clone() for k, v in model.model.state_dict().items()}
    head = model.heads["imdb_head_3"].layers[0].weight.detach().clone()
    args = TrainingArguments(output_dir=str(tmp_path/"out"), max_steps=60, learning_rate=0.5, per_device_train_batch_size=16,
                             save_strategy="no", report_to=[], disable_tqdm=True)   # remove_unused_columns: the default (True)
    assert args.remove_unused_columns is True
    ns.update(Trainer=Trainer, args=args, imdb_dataset=imdb_dataset,
              collator=DataCollatorWithPadding(tok))   # transformer-heads' own collator pads the same two fields
    exec(TRAINER, ns)
    trainer = ns["trainer"]
    kept = trainer._remove_unused_columns(imdb_dataset["train"]).column_names
    assert sorted(kept) == ["attention_mask", "imdb_head_3", "input_ids"]   # the label column survives, raw text does not
    before = trainer.evaluate(imdb_dataset["train"])["eval_loss"]
    res = trainer.train()
    after = trainer.evaluate(imdb_dataset["train"])["eval_loss"]
    print(json.dumps(dict(before=before, after=after, train_loss=res.training_loss)))
    assert res.global_step == 60 and after < 0.8 * before, (before, after)   # the probe fits its training reviews
    assert all(torch.equal(v, base[k]) for k, v in model.model.state_dict().items())   # the base model stayed frozen
    assert not torch.equal(model.heads["imdb_head_3"].layers[0].weight, head)
    preds = trainer.predict(imdb_dataset["train"])
    assert preds.metrics["test_loss"] == pytest.approx(after, rel=1e-4)
