"""WANN evaluation speed: all shared weights in one batched pass vs a loop over weights, and genomes per second
on 1 and 2 processes. Prints one JSON object; every ratio is measured in this one run.

Two genomes: `random` (init="random": every mask at init_density 0.1, so attention and feed-forward are active
in every layer) and `minimal` (init="minimal", what the classification presets start evolution from: empty
blocks, embedding -> readout). The batched pass shares the embedding lookup, the LayerNorm statistics and the
first projections across weights while nothing has written into the residual stream; a loop recomputes them.

    python bench/wann_eval.py [--repeats 5] [--genomes 16] [--examples 128]
"""
import argparse, json, os, platform, statistics, time
import torch

def timed(fn, repeats):
    fn()   # warm-up
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--genomes", type=int, default=16)
    ap.add_argument("--examples", type=int, default=128)
    ap.add_argument("--preset", default="classification_small")
    a = ap.parse_args()
    torch.set_num_threads(1)
    from taskweaver.wann.config import load_config, WEIGHT_SAMPLES
    from taskweaver.wann.genome import random_genome
    from taskweaver.wann.model import SharedWeightTransformer
    from taskweaver.wann.evaluate import SharedWeightEvaluator
    from dataclasses import replace
    cfg = replace(load_config(a.preset).model, init="random")
    gen = torch.Generator().manual_seed(0)
    N = 1024   # examples scored per genome per generation in classification_small; timed in micro-batches of B examples
    out = dict(machine=dict(python=platform.python_version(), torch=torch.__version__, cpus=os.cpu_count(), torch_threads=1,
                            load_average=[round(x, 2) for x in os.getloadavg()]),
               preset=a.preset, weights=WEIGHT_SAMPLES, examples_per_genome=N, batched_vs_loop={})
    ids = torch.randint(0, cfg.vocab_size, (N, cfg.max_length), generator=gen); am = torch.ones_like(ids)
    for init in ("random", "minimal"):
        g = random_genome(replace(cfg, init=init), 4, seed=0); m = SharedWeightTransformer(g)
        res = out["batched_vs_loop"][init] = dict(genome_connections=g.num_connections())
        for B in (8, 16, 64, 256):
            chunks = [(ids[s:s+B], am[s:s+B]) for s in range(0, N, B)]
            with torch.no_grad():
                batched = timed(lambda: [m(x, y, weights=WEIGHT_SAMPLES) for x, y in chunks], a.repeats)
                loop = timed(lambda: [m(x, y, weights=[w]) for x, y in chunks for w in WEIGHT_SAMPLES], a.repeats)
            res[f"batch_{B}"] = dict(batched_s=round(batched, 4), loop_s=round(loop, 4), speedup=round(loop / batched, 2),
                                     batched_examples_per_s=round(N / batched, 1))
    genomes = [random_genome(cfg, 4, seed=s) for s in range(a.genomes)]
    data = dict(input_ids=torch.randint(0, cfg.vocab_size, (a.examples, cfg.max_length), generator=gen),
                attention_mask=torch.ones(a.examples, cfg.max_length, dtype=torch.long), labels=torch.randint(0, 4, (a.examples,), generator=gen))
    ev = SharedWeightEvaluator(batch_size=64)
    gps = {}
    for n in (1, 2):
        t = timed(lambda: ev.evaluate_population(genomes, data, "classification", num_workers=n), max(1, a.repeats // 2))
        gps[n] = len(genomes) / t
    out["genomes_per_second"] = {"1_process": round(gps[1], 2), "2_processes": round(gps[2], 2), "ratio": round(gps[2] / gps[1], 2),
                                 "genomes": a.genomes, "examples_per_genome": a.examples}
    print(json.dumps(out, indent=1))

if __name__ == "__main__":
    main()
