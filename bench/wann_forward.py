"""WANN forward speed (issue 14): the nanoGPT-style `SharedWeightTransformer` against the lazy-residual implementation
it replaced (`_ReferenceSharedWeightTransformer`, the unexported reference cell of nbs/wann/32_model.ipynb), and all shared weights in one batched pass
against a loop over the weights. Prints one JSON object.

Genomes have the sizes of the classification_small preset (D=32, head_dim 8, 2 heads, 8 nodes, 64 tokens) and are
made by the search's own `mutate` with the preset's operator weights:
  minimal  fresh init="minimal" genomes after 1-5 mutations, kept while no block writes (what the search starts from)
  active   fresh init="random" genomes after 1-5 mutations, kept when a block writes (attention and/or feed-forward)
The batch has B examples of T tokens, a quarter of them padded to a random length. Each forward is timed with
torch.utils.benchmark.Timer on one thread (as the search's workers run) under no_grad; the three systems (old, new,
new with a loop over weights) are interleaved round by round, in a rotating order. Per genome the median over rounds
counts; the JSON gives medians over genomes of times (ms) and of per-genome ratios. Before timing, every genome's
new logits are checked against the old ones (max |new - old| / max(1, max |old|) is reported).

    python bench/wann_forward.py [--genomes 20] [--batch 32] [--tokens 64] [--rounds 7] [--task classification]
"""
from __future__ import annotations
import argparse, json, math, os, platform, statistics
from dataclasses import replace
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F
from torch.utils.benchmark import Timer
from taskweaver.wann.config import ActivationRegistry, load_config, WEIGHT_SAMPLES
from taskweaver.wann.genome import TransformerGenome, validate_genome, random_genome, mutate
from taskweaver.wann.model import SharedWeightTransformer

# ---- the implementation before issue 14: the unexported reference cell of nbs/wann/32_model.ipynb (one copy, there) ----
def _reference_class():
    "Execute the notebook's reference cell (marked by its code-summary) and return `_ReferenceSharedWeightTransformer`."
    from pathlib import Path
    nb = json.loads((Path(__file__).resolve().parents[1]/"nbs/wann/32_model.ipynb").read_text())
    src = next("".join(c["source"]) for c in nb["cells"] if "_ReferenceSharedWeightTransformer(nn.Module)" in "".join(c["source"]))
    ns = dict(nn=nn, F=F, torch=torch, np=np, math=math, ActivationRegistry=ActivationRegistry, TransformerGenome=TransformerGenome,
              validate_genome=validate_genome, __name__="wann_reference")
    exec(compile("\n".join(l for l in src.splitlines() if not l.startswith("#|")), "32_model.ipynb:reference", "exec"), ns)
    return ns["_ReferenceSharedWeightTransformer"]

_ReferenceSharedWeightTransformer = _reference_class()

def sample_genomes(cfg, weights, n_out, n, seed=0):
    "`n` minimal and `n` active genomes, each a fresh genome after 1-5 mutations."
    rng, out = np.random.default_rng(seed), dict(minimal=[], active=[])
    while min(map(len, out.values())) < n:
        init = "minimal" if len(out["minimal"]) < n else "random"
        g = random_genome(replace(cfg, init=init), n_out, rng)
        for _ in range(int(rng.integers(1, 6))): g, _ = mutate(g, cfg, weights, rng)
        m = SharedWeightTransformer(g)
        kind = "minimal" if m.paths else "active" if any(b["attn"] or b["ffn"] for b in m.blocks) else None
        if init == "minimal" and kind == "minimal" or init == "random" and kind == "active":
            if len(out[kind]) < n: out[kind].append(g)
    return out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--genomes", type=int, default=20)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--min_time", type=float, default=0.05, help="seconds per timed measurement")
    ap.add_argument("--task", default="classification", choices=["classification", "generation"])
    a = ap.parse_args()
    torch.set_num_threads(1)
    c = load_config("classification_small"); cfg = replace(c.model, max_length=max(a.tokens, c.model.max_length))
    n_out = 4 if a.task == "classification" else cfg.vocab_size
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(0, cfg.vocab_size, (a.batch, a.tokens), generator=gen)
    am = torch.ones_like(ids)
    for b in range(0, a.batch, 4): am[b, int(torch.randint(1, a.tokens, (1,), generator=gen)):] = 0
    ws = list(WEIGHT_SAMPLES)
    res = dict(machine=dict(python=platform.python_version(), torch=torch.__version__, cpus=os.cpu_count(), torch_threads=1,
                            load_average=[round(x, 2) for x in os.getloadavg()]),
               task=a.task, batch=a.batch, tokens=a.tokens, weights=ws, rounds=a.rounds)
    for kind, genomes in sample_genomes(cfg, c.evolution.mutation_weights, n_out, a.genomes).items():
        per = dict(old=[], new=[], new_loop=[]); err = 0.0
        for g in genomes:
            old, new = _ReferenceSharedWeightTransformer(g, a.task), SharedWeightTransformer(g, a.task)
            with torch.no_grad():
                o, n = old(ids, am, ws), new(ids, am, ws)
            err = max(err, float((n - o).abs().max() / o.abs().max().clamp(min=1)))
            stmts = dict(old="old(ids, am, ws)", new="new(ids, am, ws)", new_loop="[new(ids, am, [w]) for w in ws]")
            timers = {k: Timer(s, setup="torch.set_grad_enabled(False)", globals=dict(torch=torch, old=old, new=new, ids=ids, am=am, ws=ws))
                      for k, s in stmts.items()}
            number = {k: max(1, math.ceil(a.min_time / t.timeit(2).mean)) for k, t in timers.items()}   # also the warm-up
            times = {k: [] for k in timers}
            for r in range(a.rounds):
                order = list(timers)[r % 3:] + list(timers)[:r % 3]
                for k in order: times[k].append(timers[k].timeit(number[k]).mean)
            for k in per: per[k].append(statistics.median(times[k]))
        med = lambda xs: round(statistics.median(xs), 3)
        res[kind] = dict(genomes=len(genomes), connections_median=int(statistics.median(g.num_connections() for g in genomes)),
                         layers=sorted({len(g.layers) for g in genomes}), max_rel_diff_new_vs_old=float(f"{err:.2g}"),
                         ms_old=med([t * 1e3 for t in per["old"]]), ms_new=med([t * 1e3 for t in per["new"]]),
                         ms_new_loop_over_weights=med([t * 1e3 for t in per["new_loop"]]),
                         speedup_new_vs_old=med([o / n for o, n in zip(per["old"], per["new"])]),
                         speedup_batched_vs_loop=med([l / n for l, n in zip(per["new_loop"], per["new"])]),
                         ratio_new_vs_old_range=[round(min(o / n for o, n in zip(per["old"], per["new"])), 2),
                                                 round(max(o / n for o, n in zip(per["old"], per["new"])), 2)])
    print(json.dumps(res, indent=1))

if __name__ == "__main__":
    main()
