"""GPU smoke test: every capability for a few steps on one accelerator in one precision (default: CUDA, bf16-mixed).

Runs, each in its own run folder under --out: hypernet train + generate, all-layer probes, paramgen train + generate,
GHN train + parameter prediction, WANN shared-weight evaluation. Checks that every loss and output is finite and that
the trained modules and their outputs live on the requested device. Prints one JSON object: the machine, then per
capability `ok`, the device its tensors were on, and times: `train_s_per_step` is a fit's wall time over its steps
(setup, evaluation and checkpoints included: an upper bound at a few steps), the other times are medians of 3 repeats. Exit status 1 when a capability failed, 0 when all passed; without CUDA and `--device cuda` it
prints `{"skipped": ...}` and exits 0.

    python bench/gpu_smoke.py                                 # on a GPU machine
    python bench/gpu_smoke.py --device cpu --model tiny       # the same path on the CPU (bf16 autocast), for CI
"""
import argparse, json, math, os, platform, statistics, sys, tempfile, time, traceback
from pathlib import Path
import torch


def _finite(x) -> bool:
    if torch.is_tensor(x): return bool(torch.isfinite(x.float()).all())
    if isinstance(x, dict): return all(_finite(v) for v in x.values())
    if isinstance(x, (list, tuple)): return all(_finite(v) for v in x)
    return not isinstance(x, float) or math.isfinite(x)


def _sync():
    if torch.cuda.is_available(): torch.cuda.synchronize()


def _timed(fn, repeats: int = 3) -> tuple:
    "`(last result, median seconds)` of `fn()` over `repeats` calls (after one warm-up call)."
    out = fn(); times = []
    for _ in range(repeats):
        _sync(); t = time.perf_counter(); out = fn(); _sync(); times.append(time.perf_counter() - t)
    return out, statistics.median(times)


def _on(module_or_tensor, device: torch.device) -> str:
    m = module_or_tensor   # a module's first parameter, or first buffer (WANN models have no parameters)
    t = m if torch.is_tensor(m) else next(iter([*m.parameters(), *m.buffers()]))
    if t.device.type != device.type: raise AssertionError(f"on {t.device}, expected {device}")
    return str(t.device)


def hypernet(ctx) -> dict:
    from taskweaver.hypernet_train import HypernetTrainConfig, train_hypernet
    from taskweaver.hypernet import TaskWeaver
    out = ctx.out/"hypernet"
    cfg = HypernetTrainConfig.from_dict(dict(model_name=ctx.model, output_dir=str(out), use_default_dataset=True, batch_size=4,
                                             hidden_dim=64, val_size=8, max_per_task=64, max_length=128,
                                             train=dict(max_steps=ctx.steps, progress=False), device=ctx.section))
    res = train_hypernet(cfg)
    assert _finite(res["metrics"]), res["metrics"]
    tw = TaskWeaver.from_pretrained(res["final"], device=ctx.device)
    ids = tw.tokenizer("Question: what is 2 + 3?\nAnswer:", return_tensors="pt").to(ctx.device)
    def gen():
        with torch.no_grad(), ctx.autocast(): return tw.generate(ids["input_ids"], ids["attention_mask"], max_new_tokens=8, do_sample=False)
    toks, gen_s = _timed(gen)
    with torch.no_grad(), ctx.autocast(): logits = tw(input_ids=ids["input_ids"], attention_mask=ids["attention_mask"]).logits
    assert _finite(logits)
    return dict(device=_on(tw.hypernet, ctx.device), output_device=_on(toks, ctx.device), train_s_per_step=res["seconds"] / ctx.steps,
                generate_8_tokens_s=gen_s, final_loss=res["metrics"]["train/loss"])


def probes(ctx) -> dict:
    from taskweaver.heads.probes import probe_all_layers
    model, tok = ctx.base()
    t = time.perf_counter()
    res = probe_all_layers(model, "sst2", tokenizer=tok, n_train=64, n_test=32, batch_size=16, max_length=64, max_iter=20,
                           cache_dir=str(ctx.out/"features"), device=ctx.section)
    seconds = time.perf_counter() - t
    layers, accs = res.curve("accuracy", "test")
    assert accs and all(math.isfinite(a) for a in accs)
    return dict(device=_on(model, ctx.device), layers=len(accs), best_test_acc=max(accs), seconds_all_layers=seconds)


def paramgen(ctx) -> dict:
    from taskweaver.paramgen.train import synthetic_zoo, train_generator
    from taskweaver.paramgen.generator import GeneratorConfig
    from taskweaver.paramgen.inference import generate_adapter
    from safetensors.torch import load_file
    zoo = synthetic_zoo(ctx.out/"zoo", n=6)
    small = ctx.tiny   # on a CPU (bf16 emulated: slow) a small generator and 8 prompt groups; on a GPU the default sizes
    cfg = GeneratorConfig.from_dict(dict(data=dict(checkpoint_dir=str(zoo), batch_size=4, **(dict(max_prompt_groups=8) if small else {})),
                                         model=dict(hidden_dim=64, max_seq_len=128) if small else {},
                                         training=dict(max_steps=ctx.steps, progress=False), device=ctx.section))
    summary = train_generator(cfg, output_dir=ctx.out/"paramgen", progress=False, log=lambda *a: None)
    assert _finite(summary["final_metrics"]), summary["final_metrics"]
    (g, gen_s) = _timed(lambda: generate_adapter(summary["final_model"], ["Which gas do plants absorb?"] * 4,
                                                 output=str(ctx.out/"generated.safetensors"), device=ctx.section))
    sd = load_file(g["output"])
    assert sd and _finite(sd)
    return dict(train_s_per_step=summary["seconds"] / ctx.steps, generate_s=g["generate_seconds"], generated_tensors=len(sd),
                final_metrics=summary["final_metrics"])


def ghn(ctx) -> dict:
    from taskweaver.ghn.train import GHNTrainConfig, train_ghn
    from taskweaver.ghn.model import load_ghn
    out = ctx.out/"ghn"
    cfg = GHNTrainConfig.from_dict(dict(output_dir=str(out), max_stories=80, d_models=[64], max_layers=2, heldout_per_family=1,
                                        models_per_step=2, text_batch=4, train=dict(max_steps=ctx.steps, eval_every=ctx.steps, progress=False),
                                        device=ctx.section))
    res = train_ghn(cfg)
    assert _finite(res.get("metrics", {})), res
    g = load_ghn(out, device=ctx.device)
    return dict(device=_on(g, ctx.device), train_s_per_step=res["seconds"] / ctx.steps,
                val_loss=res.get("metrics", {}).get("eval/val_loss"))


def wann(ctx) -> dict:
    from taskweaver.wann.config import ModelConfig
    from taskweaver.wann.data import create_custom_classification_dataset
    from taskweaver.wann.evaluate import SharedWeightEvaluator
    from taskweaver.wann.genome import random_genome
    texts = [f"review {i}: {'great fun' if i % 2 else 'dull and slow'}" for i in range(256)]
    train, test, n_cls = create_custom_classification_dataset(texts, [i % 2 for i in range(256)], vocab_size=200, max_length=32)
    ev = SharedWeightEvaluator(device=ctx.section)
    g = random_genome(ModelConfig(vocab_size=200, max_length=32, embed_dim=64, num_layers=2, num_heads=4), n_cls, seed=0,
                      task_type="classification")
    model = ev.instantiate_from_genome(g)
    r, s = _timed(lambda: ev.evaluate(model, test))
    assert _finite([v for v in r.values() if isinstance(v, float)])
    return dict(device=_on(model, ctx.device), six_weight_eval_s=s, mean_performance=r.get("mean_performance"))


CAPABILITIES = dict(hypernet=hypernet, probes=probes, paramgen=paramgen, ghn=ghn, wann=wann)


class Ctx:
    def __init__(self, a, out: Path):
        from taskweaver.utils import eval_device, autocast
        self.out, self.steps = out, a.steps
        self.section = dict(accelerator=a.device, precision=a.precision)
        self.device, amp, _ = eval_device(self.section)
        self.autocast = lambda: autocast(self.device, amp)
        self.tiny = a.model == "tiny"
        if self.tiny:   # a tiny random Llama in a local folder: the same code path, seconds on a CPU
            from taskweaver.testutils import save_tiny
            self.model = str(save_tiny("llama", out/"tiny-llama"))
        else: self.model = a.model
        self._base = None
    def base(self):
        from taskweaver.models import load_base_model
        if self._base is None: self._base = load_base_model(self.model, device=self.device)
        return self._base


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda", help="accelerator: cuda (default), cpu, mps")
    ap.add_argument("--precision", default="bf16-mixed", help="Lightning precision name (default bf16-mixed)")
    ap.add_argument("--model", default=None, help="base LM: HF id or folder; default the embedded SmolLM2; 'tiny' = a tiny random Llama")
    ap.add_argument("--steps", type=int, default=3, help="training steps per capability")
    ap.add_argument("--only", default=None, help="comma-separated capabilities: " + ", ".join(CAPABILITIES))
    ap.add_argument("--out", default=None, help="folder for the runs (default: a temporary folder)")
    a = ap.parse_args(argv)
    machine = dict(python=platform.python_version(), torch=torch.__version__, cuda=torch.version.cuda, cpus=os.cpu_count(),
                   threads=torch.get_num_threads(), load=os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
                   gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)
    if a.device in ("cuda", "gpu") and not torch.cuda.is_available():
        print(json.dumps(dict(machine=machine, skipped=f"no CUDA device (torch {torch.__version__}); pass --device cpu to run the same path on the CPU")))
        return 0
    names = [n.strip() for n in a.only.split(",")] if a.only else list(CAPABILITIES)
    bad = [n for n in names if n not in CAPABILITIES]
    if bad: ap.error(f"--only {','.join(bad)}: allowed are {', '.join(CAPABILITIES)}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(a.out) if a.out else Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        ctx = Ctx(a, out)
        results = {}
        for n in names:
            t = time.perf_counter()
            try: results[n] = dict(ok=True, **CAPABILITIES[n](ctx))
            except Exception as e:
                results[n] = dict(ok=False, error=f"{type(e).__name__}: {e}", traceback=traceback.format_exc()[-2000:])
            results[n]["seconds"] = round(time.perf_counter() - t, 2)
            if ctx.device.type == "cuda": results[n]["peak_memory_gb"] = round(torch.cuda.max_memory_allocated() / 2**30, 3); torch.cuda.reset_peak_memory_stats()
    print(json.dumps(dict(machine=machine, device=str(ctx.device), precision=a.precision, steps=a.steps, results=results), indent=1, default=str))
    return 0 if all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
