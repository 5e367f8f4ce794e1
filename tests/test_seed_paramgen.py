"""Seed 001 (LoRA parameter generator) as a user types it: each test runs one snippet of the seed's README verbatim.

The seed's scripts are one command here (see `nbs/commands/paramgen.ipynb`): `python scripts/prepare_data.py
prepare|analyze|test` is `taskweaver paramgen prepare|analyze|test`, `python train_generator.py` is
`taskweaver paramgen train`, `python inference.py` is `taskweaver paramgen generate`; `seed()` swaps the program
name and runs the rest of the snippet unchanged (in-process, through `taskweaver.cli.main`, in a workspace laid out
as the seed's: `data_to_lora/`, `runs/arc-challenge_lora_20250721_005053/checkpoints`, `config/`). Sizes are tiny
through the config's documented knobs: a tiny random Llama's LoRA zoo saved by a real Hugging Face `Trainer`
(`checkpoint-N/` folders), and a generator with `hidden_dim: 32`, `max_seq_len: 16`, `output_dim: 32`, 30 steps.
Not run: the `pip install` lines (the environment, not the workbench), `swanlab login` (needs the network; SwanLab
logging is tested with the logger), and the `your_checkpoint_dir` analyze line (the same command as step 2's, with a
placeholder path).
"""
import contextlib, io, json, os, re, shlex, shutil, time
from pathlib import Path
import pytest, torch
from safetensors.torch import load_file
from taskweaver.cli import main
from taskweaver.data import data_path
from taskweaver.testutils import tiny_model, tiny_tokenizer

SCRIPTS = {"python scripts/prepare_data.py": "paramgen", "python train_generator.py": "paramgen train",
           "python inference.py": "paramgen generate"}
ZOO = "runs/arc-challenge_lora_20250721_005053/checkpoints"
N_CKPT = 12   # checkpoint-1 … checkpoint-12: a name sort would put checkpoint-10 before checkpoint-2

def seed(snippet: str, cwd) -> tuple:
    "Run one command of the seed's README (backslash continuations and all) as `taskweaver ...` in `cwd`; `(rc, output)`."
    cmd = snippet.replace("\\\n", " ").strip()
    prog = next(p for p in SCRIPTS if cmd.startswith(p))
    args = SCRIPTS[prog].split() + shlex.split(cmd[len(prog):])
    out, old = io.StringIO(), os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out): rc = main(args)
    finally: os.chdir(old)
    return rc, out.getvalue()

def _hf_trainer_zoo(root: Path):
    "A LoRA zoo as the seed's data_to_lora project leaves it: HF Trainer + PEFT on a tiny Llama, a checkpoint-N/ folder per step."
    from datasets import Dataset
    from peft import LoraConfig, get_peft_model
    from transformers import Trainer, TrainingArguments, DataCollatorForLanguageModeling, logging as hf_logging
    hf_logging.set_verbosity_error()
    tok = tiny_tokenizer(); torch.manual_seed(0)
    model = get_peft_model(tiny_model("llama"), LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
    texts = [json.loads(l)["question"]["stem"] for l in data_path("arc", "ARC-Challenge-Train.jsonl").read_text().splitlines()[:64]]
    ds = Dataset.from_dict(dict(text=texts)).map(lambda b: tok(b["text"], truncation=True, max_length=48), batched=True, remove_columns=["text"])
    args = TrainingArguments(output_dir=str(root/ZOO), max_steps=N_CKPT, save_steps=1, learning_rate=1e-2, per_device_train_batch_size=4,
                             logging_steps=1, report_to=[], disable_tqdm=True, save_only_model=True)
    Trainer(model, args=args, train_dataset=ds, data_collator=DataCollatorForLanguageModeling(tok, mlm=False)).train()

TINY_CONFIG = f"""# the seed's config/generator_config.yaml at test size (model sizes, 30 steps, validation every 10)
model:
  text_encoder_name: "all-MiniLM-L6-v2"
  hidden_dim: 32
  max_seq_len: 16
  num_hyperconv_blocks: 2
  output_dim: 32
  freeze_text_encoder: true
training:
  max_epochs: 1
  max_steps: 30
  eval_every: 10
  learning_rate: 3e-3
  weight_decay: 0.01
  mse_weight: 1.0
  l1_weight: 0.1
  optimizer_type: "adamw"
  scheduler_type: "cosine"
data:
  checkpoint_dir: "{ZOO}"
  batch_size: 8
  samples_per_prompt: 4
  max_checkpoints: 50
  cache_tokenized: true
  train_prompts: Lora_Gen/data/train_prompts.jsonl
  val_prompts: Lora_Gen/data/val_prompts.jsonl
  max_prompt_groups: 8
"""

@pytest.fixture(scope="module", autouse=True)
def one_thread():
    "Tiny models run fastest on one thread (and leave the other core to the rest of the machine)."
    n = torch.get_num_threads(); torch.set_num_threads(1); yield; torch.set_num_threads(n)

@pytest.fixture(scope="module")
def ws(tmp_path_factory, one_thread):
    "The seed's workspace: the formatted ARC file, a Trainer zoo under runs/, and config/generator_config.yaml."
    root = tmp_path_factory.mktemp("seed001")
    src = root/"data_to_lora/cs/arc-challenge/arc-challenge_train_formatted.jsonl"; src.parent.mkdir(parents=True)
    src.write_text("".join(data_path("arc", "ARC-Challenge-Train.jsonl").read_text().splitlines(keepends=True)[:120]))
    _hf_trainer_zoo(root)
    (root/"config").mkdir(); (root/"config/generator_config.yaml").write_text(TINY_CONFIG)
    return root

@pytest.fixture(scope="module")
def prepared(ws):
    "The seed's step 2 (prompt groups into Lora_Gen/data); its output."
    rc, out = seed(PREPARE, ws)
    assert rc == 0, out
    return out

@pytest.fixture(scope="module")
def trained(ws, prepared):
    "The seed's step 3 with `--checkpoint_dir`: the experiment folder and the output."
    rc, out = seed(TRAIN_CKPT_DIR, ws)
    assert rc == 0, out
    return ws/re.search(r"experiment folder: (\S+)", out).group(1), out

# --- 2. 数据准备 (data preparation) ---------------------------------------------------------------------------------
PREPARE = """python scripts/prepare_data.py prepare \\
    --source data_to_lora/cs/arc-challenge/arc-challenge_train_formatted.jsonl \\
    --output_dir Lora_Gen/data \\
    --samples_per_prompt 4 \\
    --test_ratio 0.1"""

def test_prepare(ws, prepared):
    out = prepared
    assert "120 prompts → 27 train / 3 val groups in Lora_Gen/data" in out, out
    rows = [json.loads(l) for f in ("train", "val") for l in (ws/f"Lora_Gen/data/{f}_prompts.jsonl").read_text().splitlines()]
    prompts = [p for r in rows for p in r["prompts"]]
    assert len(rows) == 30 and all(len(r["prompts"]) == 4 for r in rows)
    assert len(set(prompts)) == len(prompts) == 120   # non-overlapping groups
    stems = {json.loads(l)["question"]["stem"] for l in (ws/"data_to_lora/cs/arc-challenge/arc-challenge_train_formatted.jsonl").read_text().splitlines()}
    assert set(prompts) == stems   # the questions, without answers

# 案例1 (case 1), step 1: the same command with the defaults for --samples_per_prompt and --test_ratio
CASE1_PREPARE = """python scripts/prepare_data.py prepare \\
    --source data_to_lora/cs/arc-challenge/arc-challenge_train_formatted.jsonl \\
    --output_dir Lora_Gen/data"""

def test_prepare_case1_defaults(ws, prepared, tmp_path):   # compares with the prepared workspace
    shutil.copytree(ws/"data_to_lora", tmp_path/"data_to_lora")   # its own workspace: Lora_Gen/data is taken in ws
    rc, out = seed(CASE1_PREPARE, tmp_path)
    assert rc == 0 and "120 prompts → 27 train / 3 val groups" in out, out
    assert (tmp_path/"Lora_Gen/data/train_prompts.jsonl").read_text() == (ws/"Lora_Gen/data/train_prompts.jsonl").read_text()   # same seed, same groups

ANALYZE = """python scripts/prepare_data.py analyze \\
    --checkpoint_dir runs/arc-challenge_lora_20250721_005053/checkpoints"""

def test_analyze_reads_trainer_checkpoint_folders(ws):
    rc, out = seed(ANALYZE, ws)
    assert rc == 0, out
    assert f"{N_CKPT} checkpoints in runs/arc-challenge_lora_20250721_005053/checkpoints, 8 tensors, 448 numbers" in out, out
    assert "order: checkpoint-1 (step 1), checkpoint-2 (step 2), checkpoint-3 (step 3), ..., checkpoint-11 (step 11), checkpoint-12 (step 12)" in out, out
    assert (ws/ZOO/"analysis.png").stat().st_size > 5000
    rc, js = seed(ANALYZE.replace("analyze", "analyze --json", 1), ws)
    a = json.loads(js[:js.rindex("plot:")])
    assert [c["step"] for c in a["checkpoints"]] == list(range(1, N_CKPT + 1))
    state = json.loads((ws/ZOO/f"checkpoint-{N_CKPT}/trainer_state.json").read_text())
    assert a["checkpoints"][-1]["loss"] == [h["loss"] for h in state["log_history"] if "loss" in h][-1]   # the loss Trainer logged
    from peft import PeftModel
    pm = PeftModel.from_pretrained(tiny_model("llama"), ws/ZOO/f"checkpoint-{N_CKPT}")   # what analyze read is what PEFT loads
    k = "base_model.model.model.layers.1.self_attn.v_proj.lora_B.default.weight"
    m = next(x for x in a["modules"] if x["module"] == k.replace(".default", ""))
    assert abs(m["norm"] - float(pm.state_dict()[k].norm())) < 1e-5 and m["mean_drift"] > 0

# --- 工具脚本: 测试tokenization (test the tokenization) ----------------------------------------------------------------
TEST = """python scripts/prepare_data.py test \\
    --checkpoint_file your_checkpoint.ckpt \\
    --max_tokens 512 \\
    --token_dim 384"""
TEST_TROUBLESHOOTING = "python scripts/prepare_data.py test --checkpoint_file your_file.ckpt"   # 故障排除 2: Checkpoint加载失败

@pytest.mark.parametrize("snippet, name", [(TEST, "your_checkpoint.ckpt"), (TEST_TROUBLESHOOTING, "your_file.ckpt")])
def test_tokenization_round_trip(ws, snippet, name):
    from taskweaver.paramgen.zoo import load_checkpoint
    sd, _ = load_checkpoint(ws/ZOO/"checkpoint-5")
    torch.save({"state_dict": {f"model.{k}": v for k, v in sd.items()}, "epoch": 5, "global_step": 5}, ws/name)   # a Lightning .ckpt
    rc, out = seed(snippet, ws)
    assert rc == 0, out
    assert f"{name}: 8 tensors, 448 numbers in 8/512 tokens of 384" in out and "max error: 0.0 (bitwise equal: True)" in out, out

# --- 3. 训练模型 (training) -------------------------------------------------------------------------------------------
DRY_RUN = "python train_generator.py --config config/generator_config.yaml --dry_run"
TRAIN = "python train_generator.py --config config/generator_config.yaml"
TRAIN_CKPT_DIR = """python train_generator.py \\
    --config config/generator_config.yaml \\
    --checkpoint_dir runs/arc-challenge_lora_20250721_005053/checkpoints"""

def _experiments(ws): return sorted((ws/"experiments").glob("lora_generator_*")) if (ws/"experiments").exists() else []

def test_train_dry_run(ws, prepared):
    before = _experiments(ws)
    rc, out = seed(DRY_RUN, ws)
    assert rc == 0, out
    s = json.loads(out[out.index("{"):])
    assert s["dry_run"] and s["pairs"] == N_CKPT * 27 and s["zoos"][0]["checkpoints"] == N_CKPT and s["first_loss"] > 0
    assert _experiments(ws) == before   # a dry run writes nothing

def test_train(ws, trained):
    exp, out = trained
    assert re.fullmatch(r"lora_generator_\d{8}_\d{6}", exp.name) and exp.parent == ws/"experiments"
    assert {"checkpoints", "tensorboard_logs", "results", "config.yaml"} <= {p.name for p in exp.iterdir()}   # the seed's layout
    assert (exp/"checkpoints/last.ckpt").exists() and list((exp/"checkpoints").glob("epoch=*-val_loss=*.ckpt"))
    s = json.loads((exp/"results/summary.json").read_text())
    assert [h["step"] for h in s["val_history"]] == [10, 20, 30] and s["pairs"] == N_CKPT * 27
    # one zoo: every prompt group pairs with every checkpoint, so the best a generator can do is the zoo's mean, which is
    # where the untrained one starts (zero residual); training must keep it there on held-out prompts, not drift away
    fin, ini = s["final_metrics"]["eval/val_loss"], s["initial_metrics"]["val_loss"]
    assert 0 < fin < 1.1 * ini, (fin, ini)
    assert (exp/"results/final_model/model.safetensors").exists() and not list(exp.rglob("*.pt"))
    if exp.name == time.strftime("lora_generator_%Y%m%d_%H%M%S"): time.sleep(1.1)   # the next run gets its own folder
    rc, out = seed(TRAIN, ws)   # the same run, with the zoo named by the config (its data.checkpoint_dir)
    assert rc == 0, out
    other = ws/re.search(r"experiment folder: (\S+)", out).group(1)
    assert other != exp
    a, b = (load_file(e/"results/final_model/model.safetensors") for e in (exp, other))
    assert all(torch.equal(a[k], b[k]) for k in a)   # seeded: both forms train the same generator

# --- 4. 模型推理 (inference) ------------------------------------------------------------------------------------------
ONE_PROMPT = """python inference.py \\
    --model experiments/lora_generator_xxx/results/final_model/generator_model.pt \\
    --prompt "Question: What is the capital of France?\""""
BATCH = """python inference.py \\
    --model experiments/lora_generator_xxx/results/final_model/generator_model.pt \\
    --prompt_file test_prompts.txt \\
    --output results/generated_params.pt"""
CASE1_INFERENCE = """python inference.py \\
    --model experiments/lora_generator_xxx/results/final_model/generator_model.pt \\
    --prompt "Question: What is photosynthesis?\""""

def _check_adapter(ws, params, adapter):
    "The generated LoRA loads into PEFT with exactly its weights, and lies near the zoo it learnt from."
    from peft import PeftModel
    from taskweaver.paramgen.zoo import load_zoo
    sd = load_file(params)
    pm = PeftModel.from_pretrained(tiny_model("llama"), adapter)
    for k, v in sd.items(): assert torch.equal(pm.state_dict()[k.replace(".weight", ".default.weight")], v)
    zoo = [z[1] for z in load_zoo(ws/ZOO)[0]]
    mean = {k: sum(z[k] for z in zoo) / len(zoo) for k in sd}
    assert {k: v.shape for k, v in sd.items()} == {k: v.shape for k, v in zoo[0].items()}
    rel = sum(float((sd[k] - mean[k]).norm()) for k in sd) / sum(float(mean[k].norm()) for k in sd)
    assert rel < 0.5, rel   # all-zero parameters would be 1.0

@pytest.mark.parametrize("snippet", [ONE_PROMPT, CASE1_INFERENCE], ids=["capital_of_france", "case1_photosynthesis"])
def test_inference_one_prompt(ws, trained, snippet):
    exp = trained[0].name   # "lora_generator_xxx" is the seed's placeholder for the experiment's timestamp
    for p in ("generated_params.safetensors", "generated_params"): shutil.rmtree(ws/p, ignore_errors=True) if (ws/p).is_dir() else (ws/p).unlink(missing_ok=True)
    rc, out = seed(snippet.replace("lora_generator_xxx", exp), ws)
    assert rc == 0, out
    assert f"generator: experiments/{exp}/results/final_model (what --model experiments/{exp}/results/final_model/generator_model.pt names)" in out, out
    assert "wrote parameters: generated_params.safetensors\n" in out and "wrote PEFT adapter: generated_params\n" in out, out
    assert re.search(r"zoo memory attention \(which training zoos the prompts are like\): \S+ 1\.000\n", out), out   # one training zoo
    _check_adapter(ws, ws/"generated_params.safetensors", ws/"generated_params")
    assert not (ws/f"experiments/{exp}/results/final_model/generator_model.pt").exists()

def test_inference_batch_pt_output(ws, trained):
    exp = trained[0].name
    (ws/"test_prompts.txt").write_text("Question: What is the capital of France?\nQuestion: Which gas do plants absorb?\n"
                                       "Question: Why is the sky blue?\nQuestion: What makes ice float?\nQuestion: How do magnets work?\n")
    rc, out = seed(BATCH.replace("lora_generator_xxx", exp), ws)
    assert rc == 0, out
    assert "from 5 prompt(s)" in out
    assert ("wrote parameters: results/generated_params.safetensors (safetensors; --output results/generated_params.pt asked for a .pt name)"
            in out), out
    assert not (ws/"results/generated_params.pt").exists() and (ws/"results/generated_params.safetensors").exists()
    _check_adapter(ws, ws/"results/generated_params.safetensors", ws/"results/generated_params")
    rc, out = seed(BATCH.replace("lora_generator_xxx", exp), ws)   # a second run does not overwrite silently
    assert rc == 2 and "results/generated_params.safetensors already exists; pass --overwrite" in out, out

def test_inference_placeholder_path_says_what_exists(ws, trained):
    rc, out = seed(ONE_PROMPT, ws)   # verbatim: lora_generator_xxx does not exist
    assert rc == 2, out
    assert "experiments/lora_generator_xxx/results/final_model holds no saved generator" in out
    assert f"experiments/{trained[0].name}/results/final_model" in out, out   # the saved generators are listed

# --- 损失函数 (loss), 配置说明 (config), 团队协作 (team), 案例2 (custom config) -----------------------------------------------
LOSS = """
# MSE Loss (主要损失)
mse_loss = F.mse_loss(generated_params, target_params)

# L1 Loss (稀疏性正则化)
l1_loss = F.l1_loss(generated_params, target_params)

# 总损失
total_loss = mse_weight * mse_loss + l1_weight * l1_loss
"""

def test_loss_snippet_is_the_training_loss():
    import torch.nn.functional as F
    from taskweaver.paramgen.train import masked_losses
    g = torch.Generator().manual_seed(0)
    ns = dict(F=F, generated_params=torch.randn(2, 16, 32, generator=g), target_params=torch.randn(2, 16, 32, generator=g), mse_weight=1.0, l1_weight=0.1)
    exec(LOSS, ns)
    ours, m = masked_losses(ns["generated_params"], ns["target_params"], torch.ones(16, 32, dtype=torch.bool), 1.0, 0.1)
    assert torch.allclose(ours, ns["total_loss"]) and torch.allclose(m["mse"], ns["mse_loss"]) and torch.allclose(m["l1"], ns["l1_loss"])

CONFIG_SNIPPETS = """
model:
  text_encoder_name: "all-MiniLM-L6-v2"  # Sentence-BERT模型
  hidden_dim: 384                         # 隐藏层维度
  max_seq_len: 512                        # 最大序列长度
  num_hyperconv_blocks: 3                 # HyperConv块数量
  output_dim: 384                         # 输出维度
  freeze_text_encoder: true               # 冻结文本编码器
training:
  max_epochs: 100
  learning_rate: 1e-4
  weight_decay: 0.01
  mse_weight: 1.0
  l1_weight: 0.1
  optimizer_type: "adamw"
  scheduler_type: "cosine"
data:
  checkpoint_dir: "runs/arc-challenge_lora_20250721_005053/checkpoints"
  batch_size: 8
  samples_per_prompt: 4
  max_checkpoints: 50
  cache_tokenized: true
"""
TEAM = """
# 修改配置文件
logging:
  swanlab:
    project: "team-lora-experiments"    # 团队项目名
    workspace: "your-team-workspace"    # 团队工作区
"""
CASE3 = """
# team_config.yaml
logging:
  swanlab:
    project: "lora-research-2025"
    workspace: "ai-lab"
    experiment_name: "hyperconv-v1"
"""

def test_config_snippets_read_as_written(tmp_path, monkeypatch):
    from conftest import REPO
    from taskweaver.paramgen.generator import GeneratorConfig
    (tmp_path/"seed.yaml").write_text(CONFIG_SNIPPETS)
    c = GeneratorConfig.from_yaml(tmp_path/"seed.yaml")
    assert (c.model.text_encoder_name, c.model.hidden_dim, c.model.max_seq_len, c.model.num_hyperconv_blocks, c.model.output_dim,
            c.model.freeze_text_encoder) == ("all-MiniLM-L6-v2", 384, 512, 3, 384, True)
    t = c.training
    assert (t.max_epochs, t.learning_rate, t.weight_decay, t.mse_weight, t.l1_weight, t.optimizer_type, t.lr_schedule) == (100, 1e-4, 0.01, 1.0, 0.1, "adamw", "cosine")
    assert (c.data.checkpoint_dir, c.data.batch_size, c.data.samples_per_prompt, c.data.max_checkpoints, c.data.cache_tokenized) == (ZOO, 8, 4, 50, True)
    shipped = GeneratorConfig.from_yaml(REPO/"config/generator_config.yaml")   # the shipped default has the seed's values
    assert shipped.model == c.model
    assert {k: getattr(shipped.training, k) for k in ("max_epochs", "learning_rate", "weight_decay", "mse_weight", "l1_weight", "optimizer_type", "lr_schedule")} == \
           {k: getattr(t, k) for k in ("max_epochs", "learning_rate", "weight_decay", "mse_weight", "l1_weight", "optimizer_type", "lr_schedule")}
    # SwanLab keys (团队协作 and 案例3) are read; whether a run logs to SwanLab is tested with the SwanLab logger
    for text, want in ((TEAM, dict(project="team-lora-experiments", workspace="your-team-workspace")),
                       (CASE3, dict(project="lora-research-2025", workspace="ai-lab", experiment_name="hyperconv-v1"))):
        (tmp_path/"team_config.yaml").write_text(text)
        assert GeneratorConfig.from_yaml(tmp_path/"team_config.yaml").swanlab_kwargs() == want
    monkeypatch.setenv("SWANLAB_PROJECT", "team-lora-experiments"); monkeypatch.setenv("SWANLAB_WORKSPACE", "your-team-workspace")
    assert shipped.swanlab_kwargs() == dict(project="team-lora-experiments", workspace="your-team-workspace")   # export SWANLAB_...

CASE2_COPY = "cp config/generator_config.yaml config/my_config.yaml"
BATCH_TRAIN = """for config in config/*.yaml; do
    echo "训练配置: $config"
    python train_generator.py --config $config
done"""

def test_custom_config_and_batch_loop(ws, prepared):
    import subprocess
    subprocess.run(CASE2_COPY, shell=True, cwd=ws, check=True)
    # the loop trains once per config file; here each iteration runs its command with --dry_run (test_train trains for real)
    body = re.search(r"do\n(.*)\ndone", BATCH_TRAIN, re.S).group(1)
    echo, cmd = [l.strip() for l in body.splitlines()]
    seen = []
    for config in sorted(str(p.relative_to(ws)) for p in (ws/"config").glob("*.yaml")):
        seen.append(echo.removeprefix("echo ").strip('"').replace("$config", config))
        rc, out = seed(cmd.replace("$config", config) + " --dry_run", ws)
        assert rc == 0 and '"dry_run": true' in out, out
    assert seen == ["训练配置: config/generator_config.yaml", "训练配置: config/my_config.yaml"]
