"""One benchmark runner for TaskWeaver against the libraries a user would otherwise pick.

Every row times its systems interleaved, round by round (A B C, B C A, C A B, ...), each measurement a
`torch.utils.benchmark.Timer` run of a calibrated number of calls, and reports per system the median over rounds, the
quartiles, and the ratio to the row's reference (also as the median and quartiles of the per-round ratios, which a
load change on a shared machine hits on both sides alike). The run records the machine: cores, load average before
and after every row, torch and its threads. It writes one JSON and a markdown table rendered from it:

    python bench/run.py                       # every row; the embedded SmolLM2-135M where a row is about a real LM
    python bench/run.py --quick               # tiny models and sizes (seconds; what tests/test_bench_run.py runs)
    python bench/run.py --only tokenizer,wann_six_weights --rounds 7
    python bench/run.py --list                # the rows and their goals
    python bench/run.py --markdown bench/results/run.json    # re-render run.md from a JSON (no timing)
    python bench/run.py --readme              # the README's performance section (nbs/index.ipynb) from bench/results/run.json

Outputs: `bench/results/run.json` and `bench/results/run.md` (or `--out DIR`); the JSON is also printed at the end.
To add a row, write a function `@row("name", "title", goal="...")` that takes the run context and returns a `Row`
with the callables to time (see the rows below); `ctx.time(...)` is there for rows that time several items.
"""
from __future__ import annotations
import argparse, contextlib, io, json, math, os, platform, statistics, sys, time, traceback, warnings
from dataclasses import dataclass, field
from pathlib import Path
import torch
from torch.utils.benchmark import Timer

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = "taskweaver-bench/1"

# ---------------------------------------------------------------- the registry -------------------------------------
ROWS: dict = {}

@dataclass
class RowSpec:
    name: str; title: str; fn: object; goal: str | None = None

def row(name: str, title: str, goal: str | None = None):
    "Register a benchmark row: `fn(ctx) -> Row`."
    def deco(fn):
        ROWS[name] = RowSpec(name, title, fn, goal); return fn
    return deco

@dataclass
class System:
    "A callable to time; `items` calls' worth of work per call (times are reported per item), `work` units per item."
    fn: object
    items: int = 1
    number: int | None = None             # calls per measurement; None = calibrated by a first (warm-up) call

@dataclass
class Headline:
    "A ratio of two systems' times per item, `num / den` (e.g. loop / batched = a speedup), with a goal like '>= 3'."
    label: str
    num: str
    den: str
    goal: str | None = None
    value: float | None = None            # precomputed (rows that aggregate over items set value, q1, q3 themselves)
    q1: float | None = None
    q3: float | None = None
    scale: float = 1.0                    # the ratio is num / (den × scale): e.g. den is one training step, scale the N steps of a fine-tune
    why: str | None = None                # when the goal is missed: the mechanism that bounds the ratio (printed beside the figure)

@dataclass
class Row:
    "What a row function returns: systems to time (or their precomputed `results`), the reference, headlines, setup."
    systems: dict = field(default_factory=dict)  # name -> System or callable
    reference: str | None = None                 # ratios are time(system) / time(reference)
    headlines: list = field(default_factory=list)
    work: tuple | None = None                    # (unit, amount per item), e.g. ("tokens", 256): throughput = amount / time
    setup: dict = field(default_factory=dict)    # sizes, models, anything needed to reproduce
    metrics: dict = field(default_factory=dict)  # other measured numbers (memory, sizes)
    notes: list = field(default_factory=list)
    results: dict | None = None                  # precomputed {system: summary} (then `systems` is not timed)
    after: object = None                         # called after the timed rounds (e.g. a memory measurement)
    rounds: int | None = None                    # this row's rounds, when fewer than the run's (a slow naive system)

# ---------------------------------------------------------------- timing -------------------------------------------
def _q(xs):
    "(q1, median, q3) of a list."
    if len(xs) == 1: return xs[0], xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], statistics.median(xs), q[2]

class Ctx:
    "What rows get: the mode, threads and timing settings, a cache of loaded models, and the interleaved timer."
    def __init__(self, quick: bool, threads: int, rounds: int, min_time: float, model: str | None, log=print):
        self.quick, self.threads, self.rounds, self.min_time, self.model, self.log = quick, threads, rounds, min_time, model, log
        self.cache: dict = {}

    def time(self, systems: dict, rounds: int | None = None, min_time: float | None = None) -> dict:
        "Interleaved rounds of `Timer.timeit(number)` per system; `{name: {'per_round_s': [...per item], 'number': n}}`."
        rounds, min_time = rounds or self.rounds, self.min_time if min_time is None else min_time
        systems = {k: v if isinstance(v, System) else System(v) for k, v in systems.items()}
        timers = {k: Timer("fn()", globals=dict(fn=s.fn), num_threads=self.threads) for k, s in systems.items()}
        number = {}
        for k, t in timers.items():                                # the first call: warm-up and calibration
            if systems[k].number: number[k] = systems[k].number; continue
            first = t.timeit(1).mean
            number[k] = max(1, math.ceil(min_time / max(first, 1e-9))) if first < min_time else 1
        names, out = list(systems), {k: [] for k in systems}
        for r in range(rounds):
            for k in names[r % len(names):] + names[:r % len(names)]:
                out[k].append(timers[k].timeit(number[k]).mean / systems[k].items)
        return {k: dict(per_round_s=v, number=number[k], items=systems[k].items) for k, v in out.items()}

    def cached(self, key, make):
        "`make()` once per run under `key`."
        if key not in self.cache: self.cache[key] = make()
        return self.cache[key]

    def tmpdir(self) -> str:
        "A scratch folder for this run, removed when the process exits."
        def make():
            import atexit, shutil, tempfile
            d = tempfile.mkdtemp(prefix="tw-bench-"); atexit.register(shutil.rmtree, d, True); return d
        return self.cached("tmpdir", make)

    # ---- models: the embedded SmolLM2 (or --model) by default, a tiny random Llama with --quick; each call a fresh copy
    def lm(self):
        "A fresh copy of the base LM (eval mode) and its tokenizer: the tiny random Llama with --quick, else the embedded SmolLM2 or --model."
        if self.quick:
            from taskweaver.testutils import tiny_model, tiny_tokenizer
            torch.manual_seed(0)
            return tiny_model("llama").eval(), self.cached("tiny_tok", tiny_tokenizer)
        from taskweaver.models import load_base_model
        m, tok = load_base_model(self.model)
        return m.eval(), tok

def summarize(timed: dict, reference: str | None, work: tuple | None) -> dict:
    "Median, quartiles and ratio to the reference per system (times per item)."
    out, ref = {}, timed.get(reference) if reference else None
    for k, t in timed.items():
        q1, med, q3 = _q(t["per_round_s"])
        s = dict(median_s=med, q1_s=q1, q3_s=q3, iqr_s=q3 - q1, rounds=len(t["per_round_s"]), number=t.get("number"),
                 items=t.get("items", 1), per_round_s=t["per_round_s"])
        if ref is not None:
            _, rmed, _ = _q(ref["per_round_s"])
            paired = [a / b for a, b in zip(t["per_round_s"], ref["per_round_s"])]
            p1, _, p3 = _q(paired)
            s.update(ratio_to_reference=med / rmed, ratio_q1=p1, ratio_q3=p3)
        if work: s["throughput"] = dict(unit=f"{work[0]}/s", value=work[1] / med)
        out[k] = s
    return out

def _headline(h: Headline, res: dict, goal: str | None) -> dict:
    if h.value is None:                       # the median and quartiles of the per-round ratios (both sides of a round see the same load)
        a, b = res[h.num], res[h.den]
        h.q1, h.value, h.q3 = _q([x / (y * h.scale) for x, y in zip(a["per_round_s"], b["per_round_s"])])
    g = h.goal
    met = None
    if g:
        op, v = g.split()
        met = bool(h.value >= float(v)) if op == ">=" else bool(h.value <= float(v))
    return dict(label=h.label, num=h.num, den=h.den, value=h.value, q1=h.q1, q3=h.q3, goal=g, met=met, **({"scale": h.scale} if h.scale != 1 else {}),
                **({"why": h.why} if h.why and met is False else {}))

def machine() -> dict:
    "The machine a run is on: platform, CPU, cores (all and usable), memory, torch/transformers/peft versions and torch threads."
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"): cpu = line.split(":", 1)[1].strip(); break
    mem = None
    with contextlib.suppress(Exception):
        import psutil; mem = round(psutil.virtual_memory().total / 2**30, 1)
    aff = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    import transformers, peft
    return dict(platform=platform.platform(), python=platform.python_version(), cpu=cpu, cpus=os.cpu_count(), cpus_usable=aff,
                memory_gb=mem, torch=torch.__version__, transformers=transformers.__version__, peft=peft.__version__,
                torch_threads=torch.get_num_threads(), device="cpu")

def load() -> list:
    "The load average (1, 5, 15 min)."
    return [round(x, 2) for x in os.getloadavg()]

# ---------------------------------------------------------------- the rows -----------------------------------------
def _lm_trio(ctx: Ctx, rank: int, batch: int) -> dict:
    "Three copies of the LM: plain, with TaskWeaver's per-example LoRA layers, and PEFT with 8 named adapters (shared by the LoRA rows)."
    def make():
        from peft import LoraConfig, get_peft_model
        from taskweaver.models import lora_targets
        from taskweaver.lora import inject, random_adapter
        plain, tok = ctx.lm()
        dyn, _ = ctx.lm(); inject(dyn, rank=rank, alpha=16)
        q, _ = ctx.lm()
        cfg = LoraConfig(r=rank, lora_alpha=16, target_modules=lora_targets(q), init_lora_weights=False)
        pm = get_peft_model(q, cfg, adapter_name="a0")
        for i in range(1, 8): pm.add_adapter(f"a{i}", cfg)
        pm.eval()
        return dict(plain=plain, dyn=dyn, peft=pm, tok=tok, ad1=random_adapter(dyn, seed=1), ad8=random_adapter(dyn, seed=2, batch=batch),
                    names=[f"a{i % 8}" for i in range(batch)], targets=lora_targets(plain))
    return ctx.cached(("lm_trio", rank, batch), make)

@row("lora_forward", "Per-example LoRA forward, 1 and 8 adapters in the batch", goal="≤ 1.05× plain; ≥ 2× faster than PEFT's mixed batch at 8")
def lora_forward(ctx: Ctx) -> Row:
    from taskweaver.lora import set_adapters, clear_adapters
    B, T, rank = 8, (16 if ctx.quick else 32), 8
    m = _lm_trio(ctx, rank, B)
    ids = torch.randint(0, m["plain"].config.vocab_size, (B, T), generator=torch.Generator().manual_seed(0))
    dyn = m["dyn"]
    @torch.no_grad()
    def plain(): m["plain"](ids)
    @torch.no_grad()
    def tw1(): set_adapters(dyn, m["ad1"]); dyn(ids)
    @torch.no_grad()
    def tw8(): set_adapters(dyn, m["ad8"]); dyn(ids)
    @torch.no_grad()
    def peft8(): m["peft"](input_ids=ids, adapter_names=m["names"])
    return Row(dict(plain=plain, taskweaver_1=tw1, taskweaver_8=tw8, peft_mixed_8=peft8), reference="plain", work=("tokens", B * T),
            setup=dict(model=str(m["plain"].config.name_or_path), batch=B, tokens=T, rank=rank, targets=m["targets"]),
            headlines=[Headline("TaskWeaver, 1 adapter ÷ plain (time)", "taskweaver_1", "plain", "<= 1.05"),
                       Headline("TaskWeaver, 8 adapters ÷ plain (time)", "taskweaver_8", "plain", "<= 1.05"),
                       Headline("PEFT mixed batch, 8 ÷ TaskWeaver, 8 (time)", "peft_mixed_8", "taskweaver_8", ">= 2",
                                why="TaskWeaver is not faster than the plain model, so this ratio is at most PEFT's mixed batch ÷ plain "
                                    "(peft_mixed_8 against plain in run.md); here PEFT's per-adapter sub-batches cost far less than a "
                                    "second forward pass, so no adapter method can be 2× faster than it on this machine")],
               # the goal's margin (5%) is within the round-to-round spread of a ~1 s forward on a shared machine, so this
               # row takes more rounds than the run's default (a round of its four systems is ~4 s)
               after=lambda: clear_adapters(dyn), rounds=None if ctx.quick else max(ctx.rounds, 9))

@row("lora_generate", "Mixed-adapter generation with KV cache: 8 prompts, 8 different adapters", goal="≥ 0.9× plain tokens/s")
def lora_generate(ctx: Ctx) -> Row:
    from taskweaver.lora import set_adapters, clear_adapters
    from taskweaver.hypernet import TaskWeaver
    B, N, rank = 8, (8 if ctx.quick else 16), 8
    m = _lm_trio(ctx, rank, B)
    tok = m["tok"]
    texts = ["The capital of France is", "Write a haiku about autumn leaves.", "Translate to German: good morning",
             "List three prime numbers:", "Summarize: the cat sat on the mat all day.", "Q: What is 12 times 7? A:",
             "Describe the color of the sky at dusk.", "Give a synonym for happy:"]
    enc = tok(texts, return_tensors="pt", padding=True, padding_side="left")
    ids, am = enc["input_ids"], enc["attention_mask"]
    pad = tok.pad_token_id if tok.pad_token_id is not None else m["plain"].config.eos_token_id
    kw = dict(attention_mask=am, max_new_tokens=N, min_new_tokens=N, do_sample=False, pad_token_id=pad)
    dyn, pm = m["dyn"], m["peft"]
    tw = ctx.cached(("taskweaver_gen", rank), lambda: TaskWeaver(base_model=ctx.lm()[0], tokenizer=tok, hidden_dim=256, lora_rank=rank).eval())
    @torch.no_grad()
    def plain(): return m["plain"].generate(ids, **kw)
    @torch.no_grad()
    def tw8():
        set_adapters(dyn, m["ad8"])
        try: return dyn.generate(ids, **kw)
        finally: clear_adapters(dyn)
    @torch.no_grad()
    def peft8(): return pm.generate(input_ids=ids, adapter_names=m["names"], **kw)
    @torch.no_grad()
    def tw_gen(): return tw.generate(ids, am, max_new_tokens=N, min_new_tokens=N)
    for f in (plain, tw8, peft8, tw_gen): assert f().shape[1] == ids.shape[1] + N   # every system makes exactly N new tokens
    return Row(dict(plain=plain, taskweaver_8=tw8, peft_mixed_8=peft8, taskweaver_generate=tw_gen), reference="plain",
               work=("tokens", B * N),
               setup=dict(model=str(m["plain"].config.name_or_path), prompts=B, prompt_tokens=int(ids.shape[1]), new_tokens=N, rank=rank,
                          greedy=True, kv_cache=True, taskweaver_generate="TaskWeaver.generate: adapters from the prompts (embedder=base, hidden_dim 256), then HF generate"),
               headlines=[Headline("plain ÷ TaskWeaver, 8 adapters (= tokens/s vs plain)", "plain", "taskweaver_8", ">= 0.9"),
                          Headline("plain ÷ TaskWeaver.generate (adapters from the prompts)", "plain", "taskweaver_generate"),
                          Headline("PEFT mixed batch, 8 ÷ TaskWeaver, 8 (time)", "peft_mixed_8", "taskweaver_8")], rounds=None if ctx.quick else 2)

def _peak_step_mb(step) -> float | None:
    "Peak tensor memory (MB) above the start of one call of `step`, from torch's CPU memory profiler timeline."
    import tempfile
    from torch.profiler import profile, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True, record_shapes=True, with_stack=True) as p: step()
    with tempfile.TemporaryDirectory() as d, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p.export_memory_timeline(os.path.join(d, "m.json"), device="cpu")
        _, sizes = json.loads(Path(d, "m.json").read_text())
    tot = [sum(s) for s in sizes]
    return (max(tot) - tot[0]) / 2**20 if tot else None

def sst2_batch(tok, batch: int, max_length: int) -> dict:
    "A training batch of the first `batch` SST-2 examples (prompt + completion, prompt tokens masked in the labels, task texts)."
    from taskweaver.data import get_processor
    from taskweaver.sft_data import DataCollatorWithPromptLengths
    p = get_processor("sst2", tok, max_length=max_length)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore"); ex = p.process(p.load()[:8 * batch])   # examples too long for max_length are dropped
    if len(ex["input_ids"]) < batch: raise ValueError(f"max_length={max_length} keeps {len(ex['input_ids'])} of {8 * batch} SST-2 examples; need {batch}")
    return DataCollatorWithPromptLengths(tok)([dict(input_ids=i, prompt_length=l, task_text=t) for i, l, t in
                                               zip(ex["input_ids"][:batch], ex["prompt_length"][:batch], ex["task_text"][:batch])])

@row("train_step", "Training step: TaskWeaver vs a multi-task PEFT LoRA on the same batch", goal="≤ 1.15× time, ≤ 1.1× peak memory")
def train_step(ctx: Ctx) -> Row:
    from taskweaver.hypernet_train import HypernetTrainConfig, build_system
    B, L = 4, 64
    systems, batch, info = {}, None, {}
    # TaskWeaver with each task embedder: `base` (the default: a frozen LM pass over the prompt), and `encoder` (the
    # sentence encoder over the task description, as the experiments run it), timed with every description new to
    # the text cache (each step encodes) and with the descriptions seen before (the cache answers)
    for name, method, embedder, new_text in (("taskweaver", "taskweaver", "base", False), ("taskweaver_encoder_new_text", "taskweaver", "encoder", True),
                                             ("taskweaver_encoder_cached", "taskweaver", "encoder", False), ("peft_lora", "lora", "base", False)):
        base, tok = ctx.lm()
        torch.manual_seed(0)
        cfg = HypernetTrainConfig(method=method, embedder=embedder, use_default_dataset=True)
        model = build_system(cfg, base_model=base, tokenizer=tok).train()
        if batch is None: batch = sst2_batch(tok, B, L)
        params = [q for q in model.parameters() if q.requires_grad]
        opt = torch.optim.AdamW(params, lr=cfg.train.learning_rate)
        def step(model=model, opt=opt, new_text=new_text):
            if new_text: model._text_cache.clear()
            loss = model(**batch).loss; loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
        step()                                                      # optimizer state exists before timing and profiling
        info[name] = dict(trainable_params=sum(q.numel() for q in params))
        systems[name] = step
    r = Row(systems, reference="peft_lora", work=("examples", B),
            setup=dict(model=str(base.config.name_or_path) if not ctx.quick else "tiny random llama", batch=B,
                       tokens=int(batch["input_ids"].shape[1]), data="SST-2 (prompt + completion, prompt tokens masked)",
                       taskweaver="build_system(method=taskweaver): hidden_dim 1024, embedder=base (a frozen pass over the prompt embeds the task)",
                       taskweaver_encoder="the same with embedder=encoder (all-MiniLM-L6-v2 over the task description); new_text: the text "
                                          "cache emptied before each step, cached: the descriptions were seen before",
                       peft_lora="build_system(method=lora): PEFT LoRA rank 2 on the same targets", optimizer="AdamW", trainable=info),
            headlines=[Headline("TaskWeaver step ÷ PEFT LoRA step (time)", "taskweaver", "peft_lora", "<= 1.15",
                                why="with the base LM as its task embedder (the seed's default) every step also runs the frozen LM over the "
                                    "task texts to embed them, a second forward pass the LoRA step does not have; with a sentence encoder "
                                    "as the embedder (Text-to-LoRA's choice, the next two headlines) the step meets the goal"),
                       Headline("TaskWeaver (encoder, descriptions seen before) ÷ PEFT LoRA step", "taskweaver_encoder_cached", "peft_lora", "<= 1.15"),
                       Headline("TaskWeaver (encoder, every description new) ÷ PEFT LoRA step", "taskweaver_encoder_new_text", "peft_lora", "<= 1.15")],
            rounds=None if ctx.quick else 3)
    def after():   # peak memory, outside the timed rounds
        mem = {k: _peak_step_mb(f) for k, f in systems.items()}
        r.metrics["peak_step_memory_mb"] = mem
        if mem.get("taskweaver") and mem.get("peft_lora"):
            r.headlines.append(Headline("TaskWeaver ÷ PEFT LoRA peak step memory", "taskweaver", "peft_lora", "<= 1.1",
                                        value=mem["taskweaver"] / mem["peft_lora"]))
        r.notes.append("peak memory: tensor memory above the step's start, from torch.profiler's CPU memory timeline (one step)")
    r.after = after
    return r

SENTIMENT = "Classify the sentiment of the movie review as positive or negative."

@row("adapter_vs_finetune", "An adapter for a task: TaskWeaver from the task description vs fine-tuning a PEFT LoRA for N steps",
     goal="≤ 0.01 (generation ≥ 100× faster than the fine-tune)")
def adapter_vs_finetune(ctx: Ctx) -> Row:
    "TaskWeaver's adapter from a description (alone and with the PEFT export) vs N steps of a PEFT LoRA fine-tune (one step timed)."
    from taskweaver.hypernet_train import HypernetTrainConfig, build_system, optimizer_for
    n_steps = 10 if ctx.quick else 100
    lcfg = HypernetTrainConfig(method="lora", use_default_dataset=True)                        # `hypernet train --method lora`'s defaults
    tcfg = HypernetTrainConfig(method="taskweaver", embedder="encoder", use_default_dataset=True)
    base, tok = ctx.lm()
    torch.manual_seed(0)
    tw = build_system(tcfg, base_model=base, tokenizer=tok).eval()
    out_dir = ctx.tmpdir()
    def generate():        # encode the description + one hypernetwork forward (the text cache is emptied: every call encodes)
        tw._text_cache.clear()
        with torch.no_grad(): return tw.adapters(task_texts=[SENTIMENT])
    def generate_peft():   # the same, then written as a PEFT adapter folder (safetensors + adapter_config.json)
        tw._text_cache.clear(); return tw.generate_adapter(SENTIMENT, os.path.join(out_dir, "adapter"))
    ad = generate()
    assert all(A.shape[0] == 1 for A, B in ad.values()) and Path(generate_peft(), "adapter_model.safetensors").exists()
    lbase, ltok = ctx.lm()
    torch.manual_seed(0)
    lora = build_system(lcfg, base_model=lbase, tokenizer=ltok).train()
    opt = optimizer_for(lora, lcfg)
    batch = sst2_batch(ltok, lcfg.batch_size, lcfg.max_length)
    def step():
        loss = lora(**batch).loss; loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
    step()                                                             # warm-up: the optimizer state exists before timing
    trainable = dict(peft_lora=sum(q.numel() for q in lora.parameters() if q.requires_grad), taskweaver_hypernetwork=tw.num_parameters())
    return Row(dict(taskweaver_adapter=generate, taskweaver_adapter_peft=generate_peft, peft_lora_step=System(step, number=1)),
               reference="peft_lora_step",
               setup=dict(model=str(base.config.name_or_path) if not ctx.quick else "tiny random llama", task=SENTIMENT,
                          fine_tune_steps=n_steps, batch=lcfg.batch_size, tokens=int(batch["input_ids"].shape[1]),
                          data="SST-2, one fixed batch of the first examples (prompt + completion, prompt tokens masked)",
                          peft_lora=f"build_system(method=lora): PEFT LoRA rank {lcfg.lora_rank}, alpha {lcfg.lora_alpha}, default targets; "
                                    f"optimizer_for: AdamW lr {lcfg.train.learning_rate}; one step = forward + backward + optimizer step",
                          taskweaver=f"build_system(method=taskweaver, embedder=encoder): hidden_dim {tcfg.hidden_dim}, rank {tcfg.lora_rank}; "
                                     "adapters(task_texts=[description]) = sentence-encoder pass + hypernetwork forward; "
                                     "_peft adds generate_adapter's export to a PEFT folder",
                          trainable=trainable),
               headlines=[Headline(f"TaskWeaver adapter ÷ {n_steps}-step PEFT LoRA fine-tune (time; fine-tune = {n_steps} × measured step, extrapolated)",
                                   "taskweaver_adapter", "peft_lora_step", "<= 0.01", scale=n_steps),
                          Headline(f"TaskWeaver adapter + PEFT export ÷ {n_steps}-step fine-tune (extrapolated)",
                                   "taskweaver_adapter_peft", "peft_lora_step", scale=n_steps)],
               notes=[f"the fine-tune's time is extrapolated: {n_steps} × the measured time of one step (median over rounds); "
                      "the training engine's own overhead (logging, scheduler, data loading) is not included, so the fine-tune is a lower bound",
                      "the hypernetwork is freshly initialised: its time does not depend on its weights"],
               rounds=None if ctx.quick else 2)

def smollm2_lora_state_dict(layers: int = 30, seed: int = 0) -> dict:
    "A LoRA state dict of SmolLM2's shape: rank 2 on q/v of every layer (what the prompt-to-weights zoos hold)."
    g = torch.Generator().manual_seed(seed)
    return {f"base_model.model.model.layers.{i}.self_attn.{m}.lora_{ab}.weight": torch.randn(s, generator=g)
            for i in range(layers) for m, o in (("q_proj", 576), ("v_proj", 192)) for ab, s in (("A", (2, 576)), ("B", (o, 2)))}

@row("tokenizer", "Parameter tokenizer round trip vs a plain copy of the same bytes", goal="≥ 25% of the copy's MB/s")
def tokenizer(ctx: Ctx) -> Row:
    from taskweaver.paramgen import ParamTokenizer
    sd = smollm2_lora_state_dict()
    tk = ParamTokenizer.fit(sd)
    mb = sum(v.numel() * v.element_size() for v in sd.values()) / 1e6
    t, _, sc = tk.tokenize(sd); back = tk.detokenize(t, sc)
    assert all(torch.equal(back[k], sd[k]) for k in sd), "the round trip must be exact"
    def roundtrip(): t, _, sc = tk.tokenize(sd); return tk.detokenize(t, sc)
    def copy(): return torch.cat([v.reshape(-1) for v in sd.values()]).clone()
    return Row(dict(roundtrip=roundtrip, copy=copy), reference="copy", work=("MB", mb),
               setup=dict(state_dict="SmolLM2-shaped LoRA, rank 2 on q/v, 30 layers (120 tensors)", mb=round(mb, 3),
                          tokens_used=tk.layout.n_tokens, grid=[tk.layout.max_tokens, tk.layout.token_dim],
                          copy="torch.cat of the tensors, then clone"),
               headlines=[Headline("round-trip MB/s ÷ copy MB/s", "copy", "roundtrip", ">= 0.25",
                                   why="the round trip normalises every token in float64 and checks that it inverts bit for bit, about 30 "
                                       "tensor operations on a 0.46 MB checkpoint, where the copy is one concatenation; at this size the "
                                       "per-operation overhead, not memory bandwidth, sets the time (no Python loop per parameter)")])

def searched_genomes(preset: str, generations: int, overrides: dict | None = None) -> tuple:
    "Genomes with an active block from every population of a short real search, and a batch of its training data."
    from taskweaver.wann.config import load_config
    from taskweaver.wann.run import load_task_data
    from taskweaver.wann.evolution import EvolutionEngine
    from taskweaver.wann.evaluate import collect_examples
    from taskweaver.wann.model import SharedWeightTransformer
    c = load_config(preset, overrides={"evolution.num_generations": generations, **(overrides or {})}); data = load_task_data(c); seen = {}
    eng = EvolutionEngine(c.evolution, model_config=c.model, verbose=False)
    eng.evolve(data["train"], c.task_type, callback=lambda e, r: seen.update({x.key(): x.copy() for x in e.population()}))
    active = [g for g in seen.values() if any(b["attn"] or b["ffn"] for b in SharedWeightTransformer(g).blocks)]
    return active, len(seen), collect_examples(data["train"], c.evolution.eval_batch_size), c

def per_item(ctx: Ctx, items: list, systems_of, reference: str | None, ratios: list) -> tuple:
    """Time `systems_of(item)` interleaved for every item: `(results, {(num, den): (q1, median, q3) over items of per-item ratios})`;
    each system's median and quartiles are over items of its per-item median time."""
    per, rat = {}, {r: [] for r in ratios}
    for it in items:
        med = {k: statistics.median(v["per_round_s"]) for k, v in ctx.time(systems_of(it)).items()}
        for k, v in med.items(): per.setdefault(k, []).append(v)
        for num, den in ratios: rat[(num, den)].append(med[num] / med[den])
    res = {}
    for k, v in per.items():
        q1, med, q3 = _q(v)
        res[k] = dict(median_s=med, q1_s=q1, q3_s=q3, iqr_s=q3 - q1, rounds=ctx.rounds, items=1, per_item_median_s=v,
                      spread="quartiles over items of per-item medians")
        if reference: res[k]["ratio_to_reference"] = med / statistics.median(per[reference])
    return res, {r: _q(v) for r, v in rat.items()}

WANN_ACTIVE_WHY = ("the logits are even in w, so the batched call computes the 3 distinct |w| where the loop computes 6; once a block "
                   "writes, each |w| needs its own pass through the nonlinear blocks (only the embedding and the first block's projections "
                   "are shared), so the batched call does half the loop's arithmetic and saves per-call overhead: about 2× plus that overhead")

def _wann_row(ctx: Ctx, preset: str, generations: int, overrides: dict, source: str) -> Row:
    from taskweaver.wann.config import WEIGHT_SAMPLES
    from taskweaver.wann.model import SharedWeightTransformer
    active, n_seen, batch, c = searched_genomes(preset, generations, overrides)
    ids, am, ws = batch["input_ids"], batch["attention_mask"], list(WEIGHT_SAMPLES)
    genomes = active[:4 if ctx.quick else 8]
    def systems(g):
        m = SharedWeightTransformer(g)
        with torch.no_grad():
            b, l = m(ids, am, ws), torch.cat([m(ids, am, [w]) for w in ws])
        assert torch.allclose(b, l, rtol=1e-5, atol=1e-5 * float(l.abs().max().clamp(min=1))), "batched != loop"
        @torch.no_grad()
        def batched(m=m): m(ids, am, ws)
        @torch.no_grad()
        def loop(m=m): [m(ids, am, [w]) for w in ws]
        return dict(batched=batched, loop=loop)
    res, ratios = per_item(ctx, genomes, systems, "loop", [("loop", "batched")])
    s1, sm, s3 = ratios[("loop", "batched")]
    return Row(results=res, reference="loop",
               setup=dict(search=f"{preset} preset, {generations} generations" + (f", {overrides}" if overrides else ""), source=source,
                          genomes_seen=n_seen, active_genomes=len(active), timed_genomes=len(genomes), weights=ws,
                          batch=list(ids.shape), padding=round(float(1 - am.float().mean()), 3),
                          blocks=sorted({str([(b["heads"], b["attn"], b["ffn"]) for b in SharedWeightTransformer(g).blocks]) for g in genomes})),
               headlines=[Headline("loop over the 6 weights ÷ one batched call (per genome)", "loop", "batched", ">= 3", value=sm, q1=s1, q3=s3, why=WANN_ACTIVE_WHY)],
               notes=["per genome: interleaved rounds of both systems; the headline is the median over genomes of per-genome ratios (quartiles over genomes)"])

@row("wann_six_weights", "WANN: six shared weights in one call vs a loop, active genomes of a real search (demo task)", goal="≥ 3× the loop")
def wann_six_weights(ctx: Ctx) -> Row:
    return _wann_row(ctx, "debug", 2 if ctx.quick else 3, {}, "the demo task's preset (`wann benchmark --task demo`), SST-2")

@row("wann_six_weights_small", "WANN: the same at classification_small's sizes (D=32, 64 tokens), random-init search", goal="≥ 3× the loop")
def wann_six_weights_small(ctx: Ctx) -> Row:
    ov = {"model.init": "random", "evolution.population_size": 8 if ctx.quick else 16, "evolution.eval_examples": 128 if ctx.quick else 256,
          "data.subset_size": 500 if ctx.quick else 2000, "data.test_size": 64}
    return _wann_row(ctx, "classification_small", 2 if ctx.quick else 3, ov, "classification_small preset with init=random, AG News")

def reference_wann_class():
    "`_ReferenceSharedWeightTransformer`, the lazy-residual WANN forward issue 14 replaced: the unexported reference cell of nbs/wann/32_model.ipynb."
    import numpy as np
    from torch import nn
    import torch.nn.functional as F
    from taskweaver.wann.config import ActivationRegistry
    from taskweaver.wann.genome import TransformerGenome, validate_genome
    nb = json.loads((ROOT/"nbs/wann/32_model.ipynb").read_text())
    src = next("".join(c["source"]) for c in nb["cells"] if "_ReferenceSharedWeightTransformer(nn.Module)" in "".join(c["source"]))
    ns = dict(nn=nn, F=F, torch=torch, np=np, math=math, ActivationRegistry=ActivationRegistry, TransformerGenome=TransformerGenome,
              validate_genome=validate_genome, __name__="wann_reference")
    exec(compile("\n".join(l for l in src.splitlines() if not l.startswith("#|")), "32_model.ipynb:reference", "exec"), ns)
    return ns["_ReferenceSharedWeightTransformer"]

def mutated_genomes(cfg, weights, n_out: int, n: int, kind: str, seed: int = 0) -> list:
    "`n` genomes made by the search's own `mutate` (1-5 mutations of a fresh genome): kind 'minimal' (init=minimal, no block writes) or 'active' (init=random, a block writes)."
    import numpy as np
    from dataclasses import replace
    from taskweaver.wann.genome import random_genome, mutate
    from taskweaver.wann.model import SharedWeightTransformer
    rng, out = np.random.default_rng(seed), []
    while len(out) < n:
        g = random_genome(replace(cfg, init="minimal" if kind == "minimal" else "random"), n_out, rng)
        for _ in range(int(rng.integers(1, 6))): g, _ = mutate(g, cfg, weights, rng)
        m = SharedWeightTransformer(g)
        if (kind == "minimal" and m.paths) or (kind == "active" and any(b["attn"] or b["ffn"] for b in m.blocks)): out.append(g)
    return out

def _wann_forward(ctx: Ctx, kind: str) -> Row:
    from dataclasses import replace
    from taskweaver.wann.config import load_config, WEIGHT_SAMPLES
    from taskweaver.wann.model import SharedWeightTransformer
    Ref = ctx.cached("wann_reference", reference_wann_class)
    c = load_config("classification_small"); B, T = 32, 64
    cfg = replace(c.model, max_length=max(T, c.model.max_length))
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(0, cfg.vocab_size, (B, T), generator=gen); am = torch.ones_like(ids)
    for b in range(0, B, 4): am[b, int(torch.randint(1, T, (1,), generator=gen)):] = 0
    ws = list(WEIGHT_SAMPLES)
    genomes = mutated_genomes(cfg, c.evolution.mutation_weights, 4, 3 if ctx.quick else 6, kind)
    err = []
    def systems(g):
        old, new = Ref(g, "classification"), SharedWeightTransformer(g, "classification")
        with torch.no_grad(): o, n = old(ids, am, ws), new(ids, am, ws)
        err.append(float((n - o).abs().max() / o.abs().max().clamp(min=1)))
        return dict(reference=torch.no_grad()(lambda: old(ids, am, ws)), new=torch.no_grad()(lambda: new(ids, am, ws)),
                    new_loop=torch.no_grad()(lambda: [new(ids, am, [w]) for w in ws]))
    res, rat = per_item(ctx, genomes, systems, "reference", [("reference", "new"), ("new_loop", "new")])
    assert max(err) < 1e-4, f"the new forward differs from the reference by {max(err):.2g}"
    h = lambda label, k, goal=None, why=None: Headline(label, k[0], k[1], goal, value=rat[k][1], q1=rat[k][0], q3=rat[k][2], why=why)
    return Row(results=res, reference="reference",
               setup=dict(genomes=len(genomes), kind=kind, sizes="classification_small (D=32, head_dim 8, 2 heads, 8 nodes)", batch=[B, T],
                          padding="a quarter of the rows padded to a random length", weights=ws,
                          genome_source=("init=minimal genomes after 1-5 mutations, no block writes" if kind == "minimal" else
                                         "init=random genomes after 1-5 mutations, a block writes"),
                          max_rel_diff_new_vs_reference=float(f"{max(err):.2g}"),
                          reference="_ReferenceSharedWeightTransformer (nbs/wann/32_model.ipynb's unexported reference cell: the forward before issue 14)"),
               headlines=[h("reference forward ÷ new forward (per genome)", ("reference", "new")),
                          h("loop over the 6 weights ÷ one batched call (per genome)", ("new_loop", "new"), ">= 3", WANN_ACTIVE_WHY)],
               notes=["per genome: interleaved rounds of the three systems; headlines are medians over genomes of per-genome ratios (quartiles over genomes)"])

@row("wann_forward_minimal", "WANN forward, minimal genomes (what the search starts from): new vs the reference it replaced, batched vs loop", goal="≥ 3× the loop")
def wann_forward_minimal(ctx: Ctx) -> Row:
    "New vs reference WANN forward, and batched vs loop, on minimal genomes."
    return _wann_forward(ctx, "minimal")

@row("wann_forward_active", "WANN forward, genomes with active blocks: new vs the reference it replaced, batched vs loop", goal="≥ 3× the loop")
def wann_forward_active(ctx: Ctx) -> Row:
    "New vs reference WANN forward, and batched vs loop, on genomes with active blocks."
    return _wann_forward(ctx, "active")

@row("wann_micro_batch", "WANN: six weights batched vs a loop, by micro-batch size (random-init and minimal genomes)", goal=None)
def wann_micro_batch(ctx: Ctx) -> Row:
    "Six weights batched vs a loop over them, per example, at a small and a large micro-batch, for a random-init and a minimal genome."
    from dataclasses import replace
    from taskweaver.wann.config import load_config, WEIGHT_SAMPLES
    from taskweaver.wann.genome import random_genome
    from taskweaver.wann.model import SharedWeightTransformer
    cfg = replace(load_config("classification_small").model, init="random")
    N, sizes = (64, (8, 64)) if ctx.quick else (256, (8, 256))
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(0, cfg.vocab_size, (N, cfg.max_length), generator=gen); am = torch.ones_like(ids)
    ws = list(WEIGHT_SAMPLES); systems, headlines, conns = {}, [], {}
    for init in ("random", "minimal"):
        g = random_genome(replace(cfg, init=init), 4, seed=0); m = SharedWeightTransformer(g); conns[init] = g.num_connections()
        for B in sizes:
            chunks = [(ids[s:s + B], am[s:s + B]) for s in range(0, N, B)]
            systems[f"batched_{init}_{B}"] = torch.no_grad()(lambda m=m, chunks=chunks: [m(x, y, ws) for x, y in chunks])
            systems[f"loop_{init}_{B}"] = torch.no_grad()(lambda m=m, chunks=chunks: [m(x, y, [w]) for x, y in chunks for w in ws])
            headlines.append(Headline(f"loop ÷ batched, {init}-init genome, micro-batch {B}", f"loop_{init}_{B}", f"batched_{init}_{B}"))
    return Row({k: System(v, items=N) for k, v in systems.items()}, reference=None, work=("examples", 1),
               setup=dict(examples=N, micro_batches=list(sizes), tokens=cfg.max_length, weights=ws, genome_connections=conns,
                          genomes="random_genome(seed 0) of classification_small with init=random (every mask at init_density: all blocks active) "
                                  "and init=minimal (empty blocks: embedding -> readout)"),
               headlines=headlines, notes=["times are per example: N examples scored in micro-batches of B rows, six weights each"])

@row("wann_processes", "WANN: scoring a population on 1 vs 2 processes (SharedWeightEvaluator.evaluate_population)", goal=None)
def wann_processes(ctx: Ctx) -> Row:
    "Time per genome to score a population in this process vs in a pool of 2 forked processes."
    from dataclasses import replace
    from taskweaver.wann.config import load_config
    from taskweaver.wann.genome import random_genome
    from taskweaver.wann.evaluate import SharedWeightEvaluator
    cfg = replace(load_config("classification_small").model, init="random")
    n_g, n_x = (8, 64) if ctx.quick else (16, 128)
    gen = torch.Generator().manual_seed(0)
    genomes = [random_genome(cfg, 4, seed=s) for s in range(n_g)]
    data = dict(input_ids=torch.randint(0, cfg.vocab_size, (n_x, cfg.max_length), generator=gen),
                attention_mask=torch.ones(n_x, cfg.max_length, dtype=torch.long), labels=torch.randint(0, 4, (n_x,), generator=gen))
    ev = SharedWeightEvaluator(batch_size=64)
    one = lambda: ev.evaluate_population(genomes, data, "classification", num_workers=1)
    two = lambda: ev.evaluate_population(genomes, data, "classification", num_workers=2)
    assert one() == two(), "1 and 2 processes score differently"
    return Row(dict(one_process=System(one, items=n_g, number=1), two_processes=System(two, items=n_g, number=1)), reference="one_process",
               work=("genomes", 1), setup=dict(genomes=n_g, examples_per_genome=n_x, eval_batch=64, cpus_usable=machine()["cpus_usable"],
                                               genome_source="random_genome(init=random, seed 0..) of classification_small"),
               headlines=[Headline("1 process ÷ 2 processes (time per genome)", "one_process", "two_processes")],
               notes=["2 processes are forked per call (ProcessPoolExecutor), so the pool start-up is in the time, as in the search; "
                      "on a shared machine the second core may be busy"])

@row("zoo_enumeration", "Zoo: metadata with exact parameter counts, lazy ConfigSet vs building each model on meta", goal=None)
def zoo_enumeration(ctx: Ctx) -> Row:
    import random, tracemalloc
    from taskweaver.zoo import ModelConfigGenerator, build_model, count_params, MODEL_TYPES
    def once(f):   # (result, seconds, peak traced MB) of one call under tracemalloc
        tracemalloc.start(); t = time.perf_counter(); r = f(); s = time.perf_counter() - t
        peak = tracemalloc.get_traced_memory()[1] / 2**20; tracemalloc.stop()
        return r, s, peak
    g = ModelConfigGenerator()
    full, t_build, build_peak = once(g.generate_all_configs)
    pc, t_count, peak = once(full.param_counts)
    _, t_shuffle, shuffle_peak = once(lambda: full.shuffle(42))
    n_it = 20_000 if ctx.quick else 200_000
    def walk():   # iterating keeps nothing alive: the peak does not grow with the number of configs
        for k, _ in enumerate(full):
            if k == n_it: break
    _, _, iter_peak = once(walk)
    rng = random.Random(1); idx = [rng.randrange(len(full)) for _ in range(20_000)]
    t = time.perf_counter()
    for i in idx: full[i]
    random_access_us = 1e6 * (time.perf_counter() - t) / len(idx)
    fam = {}   # one build per family, CPU (random initialisation) vs meta (shapes only), at ghn_prediction's default sizes
    for mt in MODEL_TYPES:
        c = dict(vocab_size=1000, d_model=64, n_layer=2, max_seq_len=64, p_drop=0.0, tie_weights=True) if ctx.quick else \
            dict(vocab_size=50257, d_model=256, n_layer=4, max_seq_len=512, p_drop=0.1, tie_weights=True)
        if mt in ("gpt_encoder", "mini_gpt"): c.update(n_head=4 if ctx.quick else 8, d_ff=4 * c["d_model"])
        build_model(mt, c, device="meta")
        t = time.perf_counter(); m = build_model(mt, c, device="cpu"); cpu = time.perf_counter() - t
        t = time.perf_counter(); build_model(mt, c, device="meta"); meta = time.perf_counter() - t
        fam[mt] = dict(params=count_params(m), cpu_ms=round(1e3 * cpu, 1), meta_ms=round(1e3 * meta, 2))
    n_iter, n_meta = (2000, 10) if ctx.quick else (20000, 40)
    head = full[:n_iter]
    rng = random.Random(0); sample = [full[rng.randrange(len(full))] for _ in range(n_meta)]
    def configset(): return sum(e["num_params"] for e in head)
    def meta_build(): return sum(count_params(build_model(e["model_type"], e["config"], device="meta")) for e in sample)
    assert all(count_params(build_model(e["model_type"], e["config"], device="meta")) == e["num_params"] for e in sample[:3])
    return Row(dict(configset=System(configset, n_iter), meta_build=System(meta_build, n_meta)), reference="configset", work=("configs", 1),
               setup=dict(full_set=len(full), configset_items=n_iter, meta_build_items=n_meta,
                          meta_build="a random sample of the full set, each built on the meta device and counted"),
               notes=["metrics are single measurements (tracemalloc peaks, one build per family), not interleaved rounds"],
               metrics=dict(full_set_configs=len(full), configset_build_s=round(t_build, 4), configset_build_peak_mb=round(build_peak, 3),
                            vectorised_param_counts_s=round(t_count, 3), vectorised_param_counts_peak_mb=round(peak, 1), total_params=int(pc.sum()),
                            shuffle_s=round(t_shuffle, 3), shuffle_peak_mb=round(shuffle_peak, 1), iterate_peak_mb=round(iter_peak, 3),
                            iterate_peak_configs=n_it, random_access_us=round(random_access_us, 2), build_per_family=fam),
               headlines=[Headline("meta build + count ÷ ConfigSet entry (per config)", "meta_build", "configset")])

@row("ghn_prediction", "GHN: predict a zoo model's parameters vs build (randomly initialise) it", goal=None)
def ghn_prediction(ctx: Ctx) -> Row:
    from taskweaver.zoo import MODEL_TYPES, build_model
    from taskweaver.ghn import GHN, GHNConfig
    torch.manual_seed(0)
    ghn = GHN(GHNConfig()).eval()
    cfgs = []
    for mt in MODEL_TYPES:
        c = dict(vocab_size=1000, d_model=64, n_layer=2, max_seq_len=64, p_drop=0.0, tie_weights=True) if ctx.quick else \
            dict(vocab_size=50257, d_model=256, n_layer=4, max_seq_len=512, p_drop=0.1, tie_weights=True)
        if mt in ("gpt_encoder", "mini_gpt"): c.update(n_head=4 if ctx.quick else 8, d_ff=4 * c["d_model"])
        cfgs.append((mt, c))
    @torch.no_grad()
    def predict(): return [ghn([build_model(mt, c, device="meta")])[0] for mt, c in cfgs]
    def build(): return [build_model(mt, c, device="cpu") for mt, c in cfgs]
    p, b = predict(), build()
    assert all({k: tuple(v.shape) for k, v in pp.items()} == {k: tuple(v.shape) for k, v in bb.named_parameters()} for pp, bb in zip(p, b))
    return Row(dict(ghn_predict=System(predict, len(cfgs)), build_model=System(build, len(cfgs))), reference="build_model",
               work=("architectures", 1),
               setup=dict(families=list(MODEL_TYPES), config=cfgs[0][1], ghn="GHNConfig() (untrained: the time does not depend on the weights)",
                          ghn_predict="build on meta + graph + GHN forward", build_model="build_model(device='cpu'): PyTorch's random initialisation"),
               headlines=[Headline("GHN prediction ÷ building the model (per architecture)", "ghn_predict", "build_model")],
               rounds=None if ctx.quick else 3)

TRANSFORMER_HEADS_TRIED = ("not installed here; tried transformer-heads 0.2.2 (its latest release) with transformers 5.24 on 2026-12-03: "
                           "it does not import (transformers.generation.utils.NEED_SETUP_CACHE_CLASSES_MAPPING was removed in 5.x); past that, "
                           "models with tied embeddings (SmolLM2) fail to load and its output class rejects 5.x's `cache` field")

def transformer_heads():
    "`(load_headed, HeadConfig, version)` of the `transformer-heads` library, or a one-line reason why it cannot be used here."
    import importlib.metadata as md
    try: version = md.version("transformer-heads")
    except md.PackageNotFoundError: return TRANSFORMER_HEADS_TRIED
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            from transformer_heads import load_headed
            from transformer_heads.config import HeadConfig
    except Exception as e:
        return f"transformer-heads {version} does not import with transformers {__import__('transformers').__version__}: {type(e).__name__}: {e}"
    return load_headed, HeadConfig, version

def _headed_probes(model, layers: int, num_outputs: int, folder: str):
    "The row's model as a transformer-heads `HeadedModel` with a linear probe (a sequence-classification head) on every hidden state."
    th = transformer_heads()
    if isinstance(th, str): raise RuntimeError(th)
    load_headed, HeadConfig, _ = th
    model.save_pretrained(folder)
    heads = [HeadConfig(name=f"probe_{i}", in_size=model.config.hidden_size, num_outputs=num_outputs, layer_hook=i,
                        pred_for_sequence=True, loss_fct="cross_entropy") for i in range(layers)]
    return load_headed(type(model), folder, head_configs=heads, device_map="cpu", only_inference=True).eval()

@row("heads_probes", "Probes on every layer: one forward pass vs one pass per layer (vs transformer-heads where it runs)", goal=None)
def heads_probes(ctx: Ctx) -> Row:
    from taskweaver.heads.probes import extract_features, probe_data, _backbone
    from taskweaver.heads.model import last_token_index
    model, tok = ctx.cached("heads_lm", ctx.lm)
    n, bs, ml = (8, 8, 32) if ctx.quick else (4, 4, 32)
    texts = probe_data("sst2", "validation", n=n)[0]
    bb = _backbone(model)
    enc = [tok(x, truncation=True, max_length=ml, add_special_tokens=False)["input_ids"] for x in texts]
    order = sorted(range(len(texts)), key=lambda i: len(enc[i]))
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    def make_batches(enc):   # length-sorted, right-padded batches of the tokenized texts
        out = []
        for s in range(0, len(order), bs):
            idx = order[s:s + bs]; T = max(len(enc[i]) for i in idx)
            ids = torch.full((len(idx), T), pad); mask = torch.zeros_like(ids)
            for r, i in enumerate(idx): ids[r, :len(enc[i])] = torch.tensor(enc[i]); mask[r, :len(enc[i])] = 1
            out.append((idx, ids, mask))
        return out
    batches = make_batches(enc)
    def one_pass(): return extract_features(model, tok, texts, batch_size=bs, max_length=ml)["X"]
    L = one_pass().shape[0]
    @torch.no_grad()
    def per_layer():   # the naive sweep: for every layer a full pass over the data, keeping only that layer
        X = torch.zeros(L, len(texts), model.config.hidden_size, dtype=torch.float16)
        for layer in range(L):
            for idx, ids, mask in batches:
                h = bb(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states[layer]
                X[layer, idx] = h[torch.arange(len(idx)), last_token_index(mask)].half()
        return X
    same = bool(torch.allclose(one_pass().float(), per_layer().float(), atol=1e-2))   # also the per-layer sweep's warm-up
    systems = dict(one_pass=one_pass, per_layer=System(per_layer, number=1))
    headlines, notes, setup = [Headline("per-layer passes ÷ one pass", "per_layer", "one_pass")], [], {}
    th = transformer_heads()
    if isinstance(th, str): notes.append(f"transformer-heads: not measured: {th}")
    else:
        folder = ctx.tmpdir()
        try: hm = _headed_probes(model, L, 2, os.path.join(folder, "headed"))
        except Exception as e: notes.append(f"transformer-heads: not measured: {th[2]} fails to load the model: {type(e).__name__}: {str(e)[:200]}")
        else:
            with torch.no_grad():   # its backbone holds the same weights: same last hidden state on a batch
                _, ids0, m0 = batches[0]
                ok = torch.allclose(hm.model(input_ids=ids0, attention_mask=m0).last_hidden_state, bb(input_ids=ids0, attention_mask=m0).last_hidden_state, atol=1e-4)
            @torch.no_grad()
            def headed():   # tokenize (as extract_features does), then one forward per batch: hidden states, every layer's probe head
                e = [tok(x, truncation=True, max_length=ml, add_special_tokens=False)["input_ids"] for x in texts]
                return [hm(input_ids=ids, attention_mask=mask, use_cache=False).preds_by_head for _, ids, mask in make_batches(e)]
            headed()
            systems["transformer_heads"] = headed
            headlines.append(Headline("transformer-heads (a probe head on every layer, one pass) ÷ TaskWeaver one pass", "transformer_heads", "one_pass"))
            setup["transformer_heads"] = (f"transformer-heads {th[2]}: load_headed with {L} linear heads (HeadConfig layer_hook=i, 2 outputs, "
                                          f"pred_for_sequence) over the same batches; same backbone output: {bool(ok)}")
    return Row(systems, reference="one_pass", work=("texts", n),
               setup=dict(model=str(model.config.name_or_path), layers_probed=L, texts=n, batch_size=bs, max_length=ml,
                          data="SST-2 validation", same_features=same, **setup),
               headlines=headlines, notes=notes, rounds=None if ctx.quick else 2)

# ---------------------------------------------------------------- running and rendering ----------------------------
def run_row(spec: RowSpec, ctx: Ctx) -> dict:
    "Run one row: its summaries, headlines, setup and notes (or the error), with its seconds and the load before and after."
    out = dict(name=spec.name, title=spec.title, goal=spec.goal, load_before=load())
    t0 = time.perf_counter()
    try:
        r = spec.fn(ctx)
        res = r.results if r.results is not None else summarize(ctx.time(r.systems, r.rounds), r.reference, r.work)
        if r.after is not None: r.after()
        out.update(reference=r.reference, setup=r.setup, systems=res, headlines=[_headline(h, res, h.goal) for h in r.headlines],
                   metrics=r.metrics, notes=r.notes, error=None)
    except Exception as e:
        out.update(error=f"{type(e).__name__}: {e}", traceback=traceback.format_exc(limit=8))
    out.update(seconds=round(time.perf_counter() - t0, 1), load_after=load())
    return out

def _fmt_t(s):
    return f"{s * 1e6:.0f} µs" if s < 1e-3 else f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.2f} s"

def _fmt_v(v):
    return "–" if v is None else f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"

def render_markdown(res: dict) -> str:
    "The markdown table of a run's JSON (what the README's performance section is generated from)."
    m, s = res["machine"], res["settings"]
    lines = [f"# Benchmarks ({'quick' if res['quick'] else 'default'} sizes)", "",
             f"Machine: {m['cpu']}, {m['cpus_usable']} usable cores of {m['cpus']}, {m.get('memory_gb')} GB, {m['device']}; "
             f"torch {m['torch']} ({s['threads']} thread{'s' if s['threads'] > 1 else ''}), transformers {m['transformers']}, peft {m['peft']}, Python {m['python']}. "
             f"Load average (1/5/15 min) {res['load_before']} before, {res['load_after']} after. "
             f"{s['rounds']} interleaved rounds per system, ≥ {s['min_time']} s per measurement. "
             f"`{res['command']}`, {res['created']}, {res['seconds']:.0f} s.", "",
             "| row | comparison | ratio | quartiles | goal | met |", "|---|---|---|---|---|---|"]
    for r in res["rows"]:
        if r.get("error"): lines.append(f"| {r['name']} | **failed**: {r['error'][:80]} | | | | |"); continue
        for h in r["headlines"]:
            q = f"{h['q1']:.3g}–{h['q3']:.3g}" if h.get("q1") is not None else "–"
            met = "" if h["met"] is None else ("yes" if h["met"] else "**no**")
            lines.append(f"| {r['name']} | {h['label']} | {h['value']:.3g} | {q} | {h['goal'] or ''} | {met} |")
    lines += ["", "| row | system | median | quartiles | × reference | throughput |", "|---|---|---|---|---|---|"]
    for r in res["rows"]:
        if r.get("error"): continue
        for k, v in r["systems"].items():
            ref = f"{v['ratio_to_reference']:.3g}" if "ratio_to_reference" in v else "–"
            tp = f"{_fmt_v(v['throughput']['value'])} {v['throughput']['unit']}" if "throughput" in v else ""
            per = "" if v.get("items", 1) == 1 else " per item"
            lines.append(f"| {r['name']} | {k}{' (reference)' if k == r['reference'] else ''} | {_fmt_t(v['median_s'])}{per} | "
                         f"{_fmt_t(v['q1_s'])}–{_fmt_t(v['q3_s'])} | {ref} | {tp} |")
    lines += ["", "Rows: " + "; ".join(f"`{r['name']}`: {r['title']} (load {r['load_before'][0]} → {r['load_after'][0]}, {r['seconds']:.0f} s)"
                                       for r in res["rows"]), ""]
    notes = [f"- `{r['name']}`: {n}" for r in res["rows"] for n in r.get("notes") or []]
    if notes: lines += ["Notes:", ""] + notes + [""]
    return "\n".join(lines)

README_START = "<!-- bench:start: generated from bench/results/run.json by `python bench/run.py --readme`; edit bench/run.py, not this cell -->"
README_END = "<!-- bench:end -->"
README_MARK = "<!-- bench:start"
INDEX = ROOT/"nbs"/"index.ipynb"

def render_readme(res: dict) -> str:
    "The README's performance section (a markdown cell of nbs/index.ipynb, between the bench markers) rendered from a run's JSON."
    m, s = res["machine"], res["settings"]
    lb, la = res["load_before"], res["load_after"]
    th = s["threads"]
    lines = [README_START, "## Speed against the libraries you would otherwise use", "",
             f"One run of `{res['command'].strip()}` ({'quick' if res['quick'] else 'default'} sizes), {res['created']}: "
             f"{m['cpu']}, {m['cpus_usable']} usable cores of {m['cpus']}, no GPU; torch {m['torch']} on {th} thread{'s' if th > 1 else ''}, "
             f"transformers {m['transformers']}, peft {m['peft']}. Load average (1/5/15 min) {lb} before and {la} after "
             f"(the machine is shared, so times are upper bounds; every ratio is the median of per-round ratios of interleaved rounds). "
             f"{s['rounds']} rounds per system unless a row says fewer, {res['seconds']:.0f} s in all. Every system and quartile: "
             "`bench/results/run.md`; sizes and settings: `bench/results/run.json`."
             + (" CPU only: no accelerator was available to this run, so there are no GPU or bf16 rows; `bench/gpu_smoke.py` "
                "checks every capability on a GPU." if m["device"] == "cpu" else ""), "",
             "| row | comparison | medians | ratio | goal | met |", "|---|---|---|---|---|---|"]
    notes = []
    for r in res["rows"]:
        if r.get("error"): lines.append(f"| `{r['name']}` | **failed**: {r['error'][:100]} | | | | |"); continue
        for h in r["headlines"]:
            sy = r["systems"]
            med = "; ".join(f"{k} {_fmt_t(sy[k]['median_s'])}{'' if sy[k].get('items', 1) == 1 else '/item'}" for k in dict.fromkeys([h["num"], h["den"]]))
            mem = r.get("metrics", {}).get("peak_step_memory_mb")
            if "memory" in h["label"] and mem: med = "; ".join(f"{k} {mem[k]:.0f} MB" for k in dict.fromkeys([h["num"], h["den"]]))
            if h.get("scale", 1) != 1: med += f" (× {h['scale']:g} steps)"
            met = "" if h["met"] is None else ("yes" if h["met"] else "**no**")
            goal = (h["goal"] or "").replace("<=", "≤").replace(">=", "≥")
            lines.append(f"| `{r['name']}` | {h['label']} | {med} | {h['value']:.3g} | {goal} | {met} |")
        notes += [f"`{r['name']}`: {n}" for n in r.get("notes", []) if "not measured" in n or "extrapolated" in n]
        notes += [f"`{r['name']}`, {h['label']}: goal missed ({h['value']:.3g} against {h['goal']}): {h['why']}" for h in r["headlines"] if h.get("why")]
    if notes: lines += [""] + [f"- {n}" for n in notes]
    return "\n".join(lines + ["", README_END])

def write_readme_section(json_path: str | Path = ROOT/"bench/results/run.json", index: str | Path = INDEX) -> bool:
    "Replace the bench cell of nbs/index.ipynb (the markdown cell holding the bench markers) with `render_readme`; True if it changed."
    index = Path(index)
    nb = json.loads(index.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "markdown" and README_MARK in "".join(c["source"])]
    if len(cells) != 1: raise SystemExit(f"{index} must have exactly one markdown cell with {README_MARK} ... {README_END}; found {len(cells)}")
    src = render_readme(json.loads(Path(json_path).read_text()))
    if "".join(cells[0]["source"]) == src: return False
    cells[0]["source"] = src.splitlines(keepends=True)
    index.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return True

def wrapper_main(rows: str, doc: str) -> int:
    "The command line of a thin wrapper script (`bench/wann_eval.py`, ...): its `rows` only, `--quick/--rounds/--threads/--model`, nothing written; exit 1 when a row failed."
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true"); ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--threads", type=int, default=1); ap.add_argument("--model", default=None)
    a = ap.parse_args()
    argv = ["--only", rows, "--threads", str(a.threads), "--no_write"] + (["--quick"] if a.quick else []) \
           + (["--rounds", str(a.rounds)] if a.rounds else []) + (["--model", a.model] if a.model else [])
    return 1 if any(r.get("error") for r in main(argv)["rows"]) else 0

def main(argv=None) -> dict:
    "The command line (see the module docstring); returns the run's JSON as a dict (empty for --list, --markdown, --readme)."
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny models and sizes")
    ap.add_argument("--only", default=None, help="comma-separated row names (see --list)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1: steadier ratios on a shared machine)")
    ap.add_argument("--rounds", type=int, default=None, help="interleaved rounds per row (default 4; 3 with --quick)")
    ap.add_argument("--min_time", type=float, default=None, help="seconds per measurement (default 0.2; 0.02 with --quick)")
    ap.add_argument("--model", default=None, help="base LM for the LM rows (default: the embedded SmolLM2-135M-Instruct)")
    ap.add_argument("--out", default=str(ROOT/"bench/results"), help="folder for run.json and run.md")
    ap.add_argument("--no_write", action="store_true", help="print the JSON only")
    ap.add_argument("--list", action="store_true", help="list the rows and exit")
    ap.add_argument("--markdown", metavar="JSON", default=None, help="render the markdown table of a run's JSON and exit")
    ap.add_argument("--readme", nargs="?", const=str(ROOT/"bench/results/run.json"), metavar="JSON", default=None,
                    help="write the performance section of nbs/index.ipynb from a run's JSON (default the committed run.json) and exit; "
                         "then `taskweaver docs --readme` regenerates README.md")
    a = ap.parse_args(argv)
    if a.readme:
        if not Path(a.readme).exists(): ap.error(f"--readme: no such JSON {a.readme}")
        print(f"{INDEX.relative_to(ROOT)}: {'updated' if write_readme_section(a.readme) else 'already up to date'}"); return {}
    if a.list:
        for spec in ROWS.values(): print(f"{spec.name:24s} {spec.title}" + (f"  [goal: {spec.goal}]" if spec.goal else ""))
        return {}
    if a.markdown:
        md = render_markdown(json.loads(Path(a.markdown).read_text()))
        Path(a.markdown).with_suffix(".md").write_text(md); print(md); return {}
    names = [n.strip() for n in a.only.split(",")] if a.only else list(ROWS)
    unknown = [n for n in names if n not in ROWS]
    if unknown: ap.error(f"unknown rows {unknown}; rows: {', '.join(ROWS)}")
    threads = a.threads
    torch.set_num_threads(threads)
    rounds = a.rounds or (3 if a.quick else 4)
    min_time = a.min_time if a.min_time is not None else (0.02 if a.quick else 0.2)
    log = lambda *x: print(*x, file=sys.stderr, flush=True)
    ctx = Ctx(a.quick, threads, rounds, min_time, a.model, log)
    res = dict(schema=SCHEMA, created=time.strftime("%Y-%m-%d %H:%M:%S %Z"), command="python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
               quick=a.quick, machine=machine(), settings=dict(threads=threads, rounds=rounds, min_time=min_time, model=a.model),
               load_before=load(), rows=[])
    t0 = time.perf_counter()
    for n in names:
        log(f"[bench] {n} ...")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = run_row(ROWS[n], ctx)
        res["rows"].append(r)
        log(f"[bench] {n}: {r['seconds']} s" + (f" FAILED {r['error']}" if r.get("error") else "") +
            "".join(f"\n    {h['label']}: {h['value']:.3g} (goal {h['goal']})" for h in r.get("headlines", [])))
    res.update(seconds=round(time.perf_counter() - t0, 1), load_after=load())
    s = json.dumps(res, indent=1, default=float)
    if not a.no_write:
        out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
        (out/"run.json").write_text(s + "\n"); (out/"run.md").write_text(render_markdown(res))
    print(s)
    return res

if __name__ == "__main__":
    r = main()
    sys.exit(1 if any(x.get("error") for x in r.get("rows", [])) else 0)
