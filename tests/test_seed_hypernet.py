"""Seed 000 (the TaskWeaver hypernetwork), snippet by snippet, as its README prints them.

Each snippet is kept verbatim in a string. Shell lines run through `taskweaver.cli.main` in this process (the seed's
`python train.py` is `taskweaver hypernet train`); Python snippets run with `exec`. Where a snippet cannot run as
written here, `adapt` applies the fewest replacements, each explained next to it and each failing if the seed text no
longer contains what it replaces. The recurring one: no model hub is reachable, so `EleutherAI/pythia-*` is a tiny
random GPT-NeoX saved to a folder (same architecture family, same `query_key_value` projections).
"""
import json, os, re, shlex
from pathlib import Path
import pytest
import torch
from taskweaver.cli import main
from taskweaver.testutils import save_tiny
from taskweaver.utils import UserError

REPO = Path(__file__).resolve().parent.parent

def adapt(snippet: str, *changes) -> str:
    "The seed's snippet with each `(old, new)` replacement applied; a replacement that no longer matches is an error."
    for old, new in changes:
        assert old in snippet, f"the seed snippet no longer contains {old!r}"
        snippet = snippet.replace(old, new)
    return snippet

def shell_args(line: str) -> list:
    "A shell command line as argv (backslash-newline continuations joined, as the shell does)."
    return shlex.split(line.replace("\\\n", " "))

def run(snippet: str, ns: dict | None = None) -> dict:
    "Execute a Python snippet in `ns` (a fresh namespace by default); return the namespace."
    ns = {} if ns is None else ns
    exec(compile(snippet, "<seed 000>", "exec"), ns)
    return ns

def train(argv: list, capsys) -> tuple:
    "`taskweaver hypernet train ARGV` in this process: (exit code, stdout, stderr)."
    rc = main(["hypernet", "train"] + argv)
    out = capsys.readouterr()
    return rc, out.out, out.err

TRAINING_ARGUMENTS = """python train.py \\
  --model_name EleutherAI/pythia-70M-deduped \\
  --hidden_dim 1024 \\
  --lora_rank 2 \\
  --lora_alpha 16 \\
  --lora_target_layers query_key_value \\
  --batch_size 16 \\
  --learning_rate 5e-5 \\
  --num_epochs 3 \\
  --output_dir ./output \\
  --tensorboard_dir ./runs"""

@pytest.fixture(scope="module")
def work(tmp_path_factory):
    "A working folder (the seed's `src/hypernet`) holding a tiny stand-in for pythia-70M-deduped."
    d = tmp_path_factory.mktemp("seed000")
    save_tiny("gpt_neox", d/"pythia-70m")
    return d

@pytest.fixture(scope="module")
def trained(work):
    "The seed's training-arguments command, run in `work` (2 steps on the default dataset)."
    argv = shell_args(TRAINING_ARGUMENTS)[2:]
    argv[argv.index("EleutherAI/pythia-70M-deduped")] = str(work/"pythia-70m")
    # the seed's line names no dataset; the seed's own default run adds --use_default_dataset (see test_basic_training).
    # --max_steps 2 instead of 3 epochs; --accelerator cpu so a GPU machine runs the same test
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        rc = main(["hypernet", "train"] + argv + ["--use_default_dataset", "--max_steps", "2", "--accelerator", "cpu"])
    assert rc in (0, None)
    return work

def test_installation():
    "`pip install torch transformers datasets einops tensorboard python-dotenv`: what TaskWeaver uses of it is installed; einops and python-dotenv are not needed."
    line = "pip install torch transformers datasets einops tensorboard python-dotenv"
    pkgs = shell_args(line)[2:]
    import importlib.util
    for p in ("torch", "transformers", "datasets", "tensorboard"):
        assert p in pkgs and importlib.util.find_spec(p) is not None, p
    src = "\n".join(p.read_text() for p in (REPO/"taskweaver").rglob("*.py"))
    assert not re.search(r"^\s*(import|from) (einops|dotenv)\b", src, re.M)    # nothing imports the other two

def test_training_arguments_need_a_dataset(work, capsys):
    "The seed's line as written names no dataset: one line says which flag to add (its default run passes --use_default_dataset)."
    argv = shell_args(TRAINING_ARGUMENTS)[2:]
    argv[argv.index("EleutherAI/pythia-70M-deduped")] = str(work/"pythia-70m")
    rc, out, err = train(argv + ["--output_dir", str(work/"no-dataset")], capsys)
    assert rc == 2 and err.strip() == "taskweaver hypernet: error: give --dataset_config FILE or --use_default_dataset"
    assert not (work/"no-dataset").exists()

def test_training_arguments(trained):
    "Every flag of the seed's line reaches the run: the saved system and the stored settings."
    cfg = json.loads((trained/"output/final/config.json").read_text())
    assert (cfg["hidden_dim"], cfg["lora_rank"], cfg["lora_alpha"]) == (1024, 2, 16)
    assert cfg["base_model_name_or_path"] == str(trained/"pythia-70m")
    assert sorted(cfg["module_shapes"]) == [f"gpt_neox.layers.{i}.attention.query_key_value" for i in range(2)]
    run_cfg = json.loads((trained/"output/hypernet_train_config.json").read_text())
    assert (run_cfg["batch_size"], run_cfg["num_epochs"], run_cfg["lora_target_layers"]) == (16, 3, "query_key_value")
    assert (run_cfg["train"]["learning_rate"], run_cfg["train"]["tensorboard_dir"]) == (5e-5, "./runs")
    res = json.loads((trained/"output/run.json").read_text())
    assert res["kind"] == "hypernet" and (trained/"output/checkpoints/last.ckpt").exists()

def test_monitoring_training(trained):
    "`tensorboard --logdir ./runs`: the event files are there and hold the training and validation losses."
    args = shell_args("tensorboard --logdir ./runs")
    logdir = trained/args[args.index("--logdir") + 1]
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    (events,) = list(logdir.rglob("events.out.tfevents*"))
    acc = EventAccumulator(str(events)); acc.Reload()
    loss = acc.Scalars("train/loss")
    assert [e.step for e in loss] == [2] or [e.step for e in loss] == [1, 2]
    assert all(0 < e.value < 20 for e in loss) and 0 < acc.Scalars("eval/val_loss")[-1].value < 20

BASIC_TRAINING = """cd src/hypernet
python train.py --use_default_dataset"""

def test_basic_training(trained):
    "`python train.py --use_default_dataset`: the seed's defaults, on GSM8K (the run above used this flag and the default data)."
    from taskweaver.cli import build_parser
    from taskweaver.commands.hypernet import train_config_from_args
    argv = shell_args(BASIC_TRAINING.splitlines()[1])[2:]
    c = train_config_from_args(build_parser().parse_args(["hypernet", "train"] + argv))
    assert c.use_default_dataset and c.dataset_config is None and c.model_name is None    # None = the embedded SmolLM2
    assert (c.hidden_dim, c.lora_rank, c.lora_alpha, c.batch_size, c.num_epochs, c.train.learning_rate, c.output_dir) == \
        (1024, 2, 16, 16, 3, 5e-5, "./output")
    from taskweaver.sft_data import create_dataset
    ds = create_dataset(use_default_dataset=True)
    assert set(ds["source"]) == {"gsm8k"}
    res = json.loads((trained/"output/run.json").read_text())
    stored = json.loads((trained/"output/hypernet_train_config.json").read_text())
    assert stored["use_default_dataset"] and stored["val_size"] == 64
    assert (trained/"output/final/model.safetensors").exists() and res["kind"] == "hypernet"

CUSTOM = "python train.py --dataset_config configs/multi_dataset_config.json"

def test_training_with_custom_configuration(work, capsys, monkeypatch):
    "`--dataset_config configs/multi_dataset_config.json` (shipped): all four datasets, every example used once (or reported as too long)."
    monkeypatch.chdir(REPO)   # the seed runs from the folder holding configs/
    out = work/"multi"
    # a tiny model and one step (the seed's sizes are the defaults: SmolLM2, 3 epochs)
    rc, stdout, err = train(shell_args(CUSTOM)[2:] + ["--model_name", str(work/"pythia-70m"), "--max_steps", "1", "--hidden_dim", "16",
                                                      "--batch_size", "2", "--val_size", "8", "--max_length", "512",
                                                      "--accelerator", "cpu", "--output_dir", str(out), "--no-progress"], capsys)
    assert rc in (0, None), err[-2000:]
    res = json.loads(stdout[stdout.index("{"):])
    from taskweaver.sft_data import create_dataset, load_dataset_config
    entries = load_dataset_config("configs/multi_dataset_config.json")
    assert [e.name for e in entries] == ["gsm8k", "arc", "natural_instructions", "sni"]
    ds = create_dataset("configs/multi_dataset_config.json")
    assert set(ds["source"]) == {"gsm8k", "arc", "natural_instructions", "sni"}
    assert res["train_examples"] + res["val_examples"] + res["examples_dropped"] == len(ds) and res["val_examples"] == 8 and res["step"] == 1
    rep = json.loads((out/"data_report.json").read_text())     # what did not fit max_length, per task
    assert rep["dropped"] == res["examples_dropped"] and rep["examples"] == len(ds)
    # the single-dataset file the seed ships beside it
    (one,) = load_dataset_config("configs/dataset_config.json")
    assert (one.name, one.dataset_path, one.split, one.num_samples) == ("gsm8k", None, "train", 1000)

SAVING = """# Save the hypernetwork (stores config and weights, but not the base LM)
hypernet.save_pretrained('./my_trained_model')
tokenizer.save_pretrained('./my_trained_model')
"""

LOADING = """from hypernetwork import TaskWeaver
from transformers import AutoTokenizer

# Load the TaskWeaver model (automatically loads the base LM using transformers)
hypernet = TaskWeaver.from_pretrained('./my_trained_model')

# Load tokenizer
tokenizer = AutoTokenizer.from_pretrained('./my_trained_model')

# Optionally specify a different device
hypernet = TaskWeaver.from_pretrained('./my_trained_model', device='cuda')

# Or override the base model name
hypernet = TaskWeaver.from_pretrained(
    './my_trained_model',
    model_name='EleutherAI/pythia-160M-deduped'
)
"""

GENERATING = """# Prepare input
prompt = "What is 2 + 2?"
inputs = tokenizer(prompt, return_tensors='pt')

# Generate with task-adapted model
outputs = hypernet.generate(
    input_ids=inputs['input_ids'],
    attention_mask=inputs['attention_mask'],
    max_length=100,
    temperature=0.7
)

# Decode output
generated_text = tokenizer.decode(outputs[0], skip_special_tokens=True)
print(generated_text)
"""

@pytest.fixture(scope="module")
def saved(trained):
    "The trained system saved as the seed saves it, into `./my_trained_model`."
    from taskweaver.hypernet import TaskWeaver
    from transformers import AutoTokenizer
    ns = dict(hypernet=TaskWeaver.from_pretrained(trained/"output/final"), tokenizer=AutoTokenizer.from_pretrained(trained/"output/final"))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(trained)
        run(SAVING, ns)
    return trained, ns

def test_saving(saved):
    "`save_pretrained`: config.json with the base LM's name, and the hypernetwork's weights only (safetensors, not the seed's pytorch_model.bin)."
    work, ns = saved
    d = work/"my_trained_model"
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {p.name for p in d.iterdir()} and not (d/"pytorch_model.bin").exists()
    assert json.loads((d/"config.json").read_text())["model_name"] == str(work/"pythia-70m")
    from safetensors.torch import load_file
    w = load_file(d/"model.safetensors")
    assert w.keys() == ns["hypernet"].hypernet.state_dict().keys()            # no base-LM tensor
    assert sum(v.numel() for v in w.values()) == ns["hypernet"].num_parameters()

def test_loading(saved, capsys):
    "The loading snippet: the same weights and tokenizer; `device='cuda'` is one line without a GPU; `model_name` swaps the base LM."
    work, ns = saved
    save_tiny("gpt_neox", work/"pythia-160m", seed=1)   # the same shapes as the 70m stand-in, other weights
    code = adapt(LOADING, ("from hypernetwork import TaskWeaver", "from taskweaver.hypernet import TaskWeaver"))
    imports, load, load_tok, on_cuda, other_base = re.split(r"\n(?=# )", code)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        got = run(imports + load + load_tok)
        a, b = got["hypernet"].hypernet.state_dict(), ns["hypernet"].hypernet.state_dict()
        assert all(torch.equal(a[k], b[k]) for k in b)
        assert got["tokenizer"]("What is 2 + 2?")["input_ids"] == ns["tokenizer"]("What is 2 + 2?")["input_ids"]
        if torch.cuda.is_available():
            run(on_cuda, got)
            assert got["hypernet"].device.type == "cuda"
        else:   # no GPU here: one line, raised before the base LM is loaded
            with pytest.raises(UserError, match=r"^device='cuda': torch .* sees no CUDA GPU on this machine"): run(on_cuda, got)
        # offline, the hub id as written is one clear error; then the local stand-in of the same shapes
        with pytest.raises(UserError, match="is neither a local folder nor in the Hugging Face cache, and no model hub is reachable"): run(other_base, got)
        run(adapt(other_base, ("EleutherAI/pythia-160M-deduped", str(work/"pythia-160m"))), got)
    h = got["hypernet"]
    assert h.config.model_name == str(work/"pythia-160m")
    from transformers import AutoModelForCausalLM
    other = AutoModelForCausalLM.from_pretrained(work/"pythia-160m")
    assert torch.equal(h.base.gpt_neox.embed_in.weight, other.gpt_neox.embed_in.weight)
    assert all(torch.equal(h.hypernet.state_dict()[k], b[k]) for k in b)    # the same hypernetwork on the new base LM

def test_generating(saved, capsys):
    "The generation snippet: sampled text that continues the prompt; greedy decoding matches the model's own forward pass."
    work, ns = saved
    capsys.readouterr()
    torch.manual_seed(0)
    out = run(GENERATING, ns)
    ids, outputs = out["inputs"]["input_ids"], out["outputs"]
    assert outputs.shape[0] == 1 and ids.shape[1] < outputs.shape[1] <= 100
    assert torch.equal(outputs[0, :ids.shape[1]], ids[0])
    assert out["generated_text"].startswith("What is 2 + 2?") and capsys.readouterr().out.strip() == out["generated_text"].strip()
    # greedy generation (KV cache, adapters computed once from the prompt) = argmax of forward passes with the same adapters
    h = ns["hypernet"]
    g = h.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=5, do_sample=False)
    cur = ids
    with torch.no_grad():
        for _ in range(5):
            nxt = h(cur, prompt_lengths=torch.tensor([ids.shape[1]])).logits[:, -1].argmax(-1, keepdim=True)
            cur = torch.cat([cur, nxt], 1)
    assert torch.equal(g, cur)

NEW_PROCESSOR = """class MyDatasetProcessor(DatasetProcessor):
    def process(self, examples: Dict) -> Dict:
        prompts = []
        completions = []

        # Extract prompts and completions from examples
        for example in examples:
            prompts.append(example['input_field'])
            completions.append(example['output_field'])

        return self._prepare_examples(prompts, completions)
"""
REGISTER = "creator.register_processor('my_dataset', MyDatasetProcessor(tokenizer))"
NEW_CONFIG = """[
  {
    "name": "my_dataset",
    "dataset_path": "path/to/dataset",
    "dataset_config": "config_name",
    "num_samples": 1000
  }
]"""

def test_adding_new_datasets(tmp_path, monkeypatch):
    "A processor written as the seed writes one, registered on a creator, reads the configured file into tokenized examples."
    from taskweaver.testutils import tiny_tokenizer
    from taskweaver.sft_data import DatasetCreator
    monkeypatch.chdir(tmp_path)
    (tmp_path/"path/to").mkdir(parents=True)
    rows = [dict(input_field=f"What is {i} + {i}?", output_field=str(2 * i)) for i in range(5)]
    (tmp_path/"path/to/dataset.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    tokenizer = tiny_tokenizer()
    # the snippet uses DatasetProcessor and typing.Dict without importing them
    ns = run("from typing import Dict\nfrom taskweaver.data import DatasetProcessor\n" + NEW_PROCESSOR, dict(tokenizer=tokenizer))
    # the seed registers inside create_dataset(); ours is a creator's registry (or taskweaver.data.register_processor)
    ns["creator"] = DatasetCreator(tokenizer)
    run(REGISTER, ns)
    proc = ns["creator"].processors["my_dataset"]   # built with the tokenizer: it wraps prompts in the tokenizer's chat template
    # a local file stands in for the placeholder path: a JSONL file (a folder is not read, see the report)
    config = json.loads(adapt(NEW_CONFIG, ('"path/to/dataset"', '"path/to/dataset.jsonl"')))
    with pytest.warns(UserWarning, match="num_samples=1000 is larger than the 5 rows available"):
        ds = ns["creator"].create(config)
    assert len(ds) == 5 and set(ds["task"]) == {"my_dataset"} and set(ds["source"]) == {"my_dataset"}
    by_prompt = {r["prompt"]: r for r in ds}
    for r in rows:
        ex = by_prompt[r["input_field"]]
        p = tokenizer(proc.format_prompt(r["input_field"]), add_special_tokens=False)["input_ids"]
        assert r["input_field"] in tokenizer.decode(p) and "<s>user" in tokenizer.decode(p)
        assert ex["completion"] == r["output_field"] and ex["prompt_length"] == len(p) and ex["input_ids"][:len(p)] == p
        assert tokenizer.decode(ex["input_ids"][len(p):], skip_special_tokens=True).strip() == r["output_field"]

CONFIG_FORMAT = """[
  {
    "name": "processor_name",        // Registered processor name
    "dataset_path": "dataset/path",  // HuggingFace dataset path
    "dataset_config": "config",      // Dataset configuration (optional)
    "split": "train",                // Dataset split (optional)
    "num_samples": 1000              // Number of samples (optional)
  }
]"""

def test_dataset_configuration_format(tmp_path):
    "The format block as a file, `//` comments and all: every field is read; its placeholder name is one clear error."
    from taskweaver.sft_data import load_dataset_config, create_dataset
    f = tmp_path/"dataset_config.json"; f.write_text(CONFIG_FORMAT)
    (c,) = load_dataset_config(f)
    assert (c.name, c.dataset_path, c.dataset_config, c.split, c.num_samples) == ("processor_name", "dataset/path", "config", "train", 1000)
    with pytest.raises(UserError, match=r"unknown dataset 'processor_name'; registered are .*gsm8k"): create_dataset(f)
    f.write_text(adapt(CONFIG_FORMAT, ('"processor_name"', '"gsm8k"'), ('"dataset/path"', "null"), ('"config"', '"main"'), ("1000", "3")))
    assert set(create_dataset(f)["source"]) == {"gsm8k"} and len(create_dataset(f)) == 3

def test_architecture_data_flow(saved):
    "Prompt → frozen LM → embedding → hypernetwork → per-example LoRA weights → DynamicLoraLinear layers → adapted LM."
    from taskweaver.lora import DynamicLoraLinear
    work, ns = saved
    h, tok = ns["hypernet"], ns["tokenizer"]
    layers = [m for m in h.base.modules() if isinstance(m, DynamicLoraLinear)]
    assert len(layers) == 2 and not any(p.requires_grad for p in h.base.parameters())       # the LM is frozen
    assert {id(p) for p in h.parameters() if p.requires_grad} == {id(p) for p in h.hypernet.parameters()}
    b = tok(["What is 2 + 2?", "Name a colour."], return_tensors="pt", padding=True)
    ad = h.adapters(b["input_ids"], b["attention_mask"])
    A, B = ad["gpt_neox.layers.0.attention.query_key_value"]
    assert A.shape == (2, 2, 32) and B.shape == (2, 96, 2) and not torch.equal(A[0], A[1])    # one adapter per example
