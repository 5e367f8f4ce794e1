"""Benchmarks of the prompt-to-weights generator (JSON on stdout and in --output).

1. Tokenizer throughput: tokenize + detokenize of a SmolLM2-shaped LoRA state dict (30 layers, rank 2 on q/v), MB/s,
   and as a fraction of a plain copy of the same bytes (the `tokenizer` row of bench/run.py).
2. Time to generate one adapter (encode a prompt group, run the default-size HyperConv generator, detokenize)
   vs time to collect one zoo checkpoint by fine-tuning (LoRA training steps on the base model, batch 4):
   the ratio is what the generator saves.

    python bench/paramgen_bench.py --output bench/results/paramgen.json [--zoo runs/paramgen/zoo/arc-challenge]
"""
import argparse, json, os, platform, time
from pathlib import Path
import torch

def tokenizer_throughput(repeats: int = 5) -> dict:
    "The `tokenizer` row of bench/run.py (round trip vs a plain copy, interleaved), in this script's keys."
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent)); import run
    ctx = run.Ctx(quick=False, threads=torch.get_num_threads(), rounds=repeats, min_time=0.2, model=None)
    r = run.run_row(run.ROWS["tokenizer"], ctx)
    if r["error"]: raise RuntimeError(r["error"])
    rt, cp = r["systems"]["roundtrip"], r["systems"]["copy"]
    return dict(state_dict_mb=r["setup"]["mb"], tokens_used=r["setup"]["tokens_used"], seconds_per_roundtrip=round(rt["median_s"], 5),
                mb_per_s=round(rt["throughput"]["value"], 1), copy_mb_per_s=round(cp["throughput"]["value"], 1),
                fraction_of_copy=round(r["headlines"][0]["value"], 3))

def generate_time(repeats: int = 5) -> dict:
    from taskweaver.models import load_text_encoder
    from taskweaver.paramgen import ParamGenerator, ModelConfig, ParamTokenizer, ZooNormalizer
    enc = load_text_encoder()
    torch.manual_seed(0)
    gen = ParamGenerator(ModelConfig(), n_zoos=4).eval()   # default size: hidden 384, 512 x 384 tokens, 3 blocks, 8 basis grids, a 4-zoo memory
    gen.init_memory(torch.randn(4, 384), torch.randn(4, 512, 384))
    g = torch.Generator().manual_seed(0)
    sd = {f"l{i}.{m}.lora_{ab}.weight": torch.randn(s, generator=g) for i in range(30)
          for m, o in (("q", 576), ("v", 192)) for ab, s in (("A", (2, 576)), ("B", (o, 2)))}
    tk = ParamTokenizer.fit(sd, normalize=False); raw, mask, scales = tk.tokenize(sd)
    zn = ZooNormalizer.fit([raw[None]], mask)      # the default (target_norm: zoo) de-normalisation
    prompts = [f"Question: Which gas do plants absorb from the air? ({i})" for i in range(4)]
    def one():
        e = torch.as_tensor(enc.encode(prompts, show_progress_bar=False))[None]
        with torch.no_grad(): t = gen(e)[0]
        return tk.detokenize(zn.denormalize(t), scales)
    one()
    t0 = time.perf_counter()
    for _ in range(repeats): one()
    return dict(generator_parameters=sum(p.numel() for p in gen.parameters()), seconds_per_adapter=round((time.perf_counter() - t0) / repeats, 4))

def collect_time(steps: int = 2, steps_per_checkpoint: int = 1, batch_size: int = 4) -> dict:
    from taskweaver.models import load_base_model
    from taskweaver.paramgen import ZooConfig, build_lora_model
    from taskweaver.data import get_processor
    from taskweaver.sft_data import DataCollatorWithPromptLengths
    model, tok = load_base_model()
    pm = build_lora_model(model, ZooConfig()); pm.train()
    p = get_processor("arc", tok, max_length=192)
    ex = p.process(p.load(dataset_config="ARC-Challenge", split="train")[:batch_size * (steps + 1)])
    feats = [dict(input_ids=i, prompt_length=l) for i, l in zip(ex["input_ids"], ex["prompt_length"])]
    coll = DataCollatorWithPromptLengths(tok)
    opt = torch.optim.AdamW([q for q in pm.parameters() if q.requires_grad], lr=1e-3)
    def step(k):
        b = coll(feats[k * batch_size:(k + 1) * batch_size])
        loss = pm(input_ids=b["input_ids"], attention_mask=b["attention_mask"], labels=b["labels"]).loss
        loss.backward(); opt.step(); opt.zero_grad()
    step(0)
    t0 = time.perf_counter()
    for k in range(1, steps + 1): step(k)
    dt = (time.perf_counter() - t0) / steps
    return dict(seconds_per_step=round(dt, 3), steps_per_checkpoint=steps_per_checkpoint, batch_size=batch_size,
                seconds_per_checkpoint=round(dt * steps_per_checkpoint, 3))

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--output", default=None); ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--collect_steps", type=int, default=2, help="timed LoRA training steps of the base model")
    ap.add_argument("--steps_per_checkpoint", type=int, default=1, help="zoo steps between checkpoints (1 in our zoos)")
    ap.add_argument("--zoo", default=None, help="a collected zoo folder: also report its wall-clock seconds per checkpoint")
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    res = dict(machine=dict(platform=platform.platform(), cpus=os.cpu_count(), torch_threads=torch.get_num_threads(),
                            load_average=os.getloadavg()[0], torch=torch.__version__))
    res["tokenizer"] = tokenizer_throughput()
    res["generate"] = generate_time()
    res["collect"] = collect_time(a.collect_steps, a.steps_per_checkpoint)
    if a.zoo:
        z = json.loads((Path(a.zoo)/"zoo.json").read_text())
        res["collect"]["zoo_wallclock_seconds_per_checkpoint_incl_evals"] = round(z["seconds"] / z["n_checkpoints"], 2)
    res["collect_over_generate_ratio"] = round(res["collect"]["seconds_per_checkpoint"] / res["generate"]["seconds_per_adapter"], 1)
    s = json.dumps(res, indent=1); print(s)
    if a.output: Path(a.output).parent.mkdir(parents=True, exist_ok=True); Path(a.output).write_text(s)
