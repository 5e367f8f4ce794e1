"""Zoo benchmark: time and peak memory (tracemalloc) to count the full set exactly, random access, model build per family.
Prints one JSON object. Usage: python bench/zoo_bench.py [--quick]"""
import argparse, json, platform, random, sys, time, tracemalloc
import torch
from taskweaver.zoo import ModelConfigGenerator, build_model, count_params, MODEL_TYPES

def timed(f):
    "Run f once under tracemalloc: (result, seconds, peak MB)."
    tracemalloc.start(); t = time.perf_counter(); r = f(); s = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] / 2**20; tracemalloc.stop()
    return r, s, peak

def main(quick: bool = False):
    torch.set_num_threads(1)
    g = ModelConfigGenerator()
    out = dict(machine=f"{platform.node()} ({platform.processor() or platform.machine()}, {torch.get_num_threads()} torch thread)",
               python=platform.python_version(), torch=torch.__version__)
    full, s, peak = timed(g.generate_all_configs)
    out["full_set"] = dict(configs=len(full), build_seconds=round(s, 4), build_peak_mb=round(peak, 3))
    pc, s, peak = timed(full.param_counts)
    out["full_set"].update(vectorised_count_seconds=round(s, 3), vectorised_count_peak_mb=round(peak, 1), total_params=int(pc.sum()))
    n = 200_000 if quick else len(full)
    def iterate():   # every config decoded to its metadata dict (name, config, analytic num_params), one at a time
        tot = 0
        for e in (full[:n] if quick else full): tot += e["num_params"]
        return tot
    t = time.perf_counter(); tot = iterate(); s = time.perf_counter() - t   # no tracemalloc: it slows Python loops ~3x
    assert n < len(full) or tot == int(pc.sum()), "per-config analytic counts disagree with the vectorised ones"
    out["full_set"].update(iterated_configs=n, iterate_seconds=round(s, 2), per_config_us=round(1e6 * s / n, 2))
    tracemalloc.start(); sub = 200_000   # iteration keeps nothing alive, so its peak does not grow with n
    for k, e in enumerate(full):
        if k == sub: break
    out["full_set"]["iterate_peak_mb_first_200k"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 3); tracemalloc.stop()
    sh, s, peak = timed(lambda: full.shuffle(42))
    out["full_set"].update(shuffle_seconds=round(s, 3), shuffle_peak_mb=round(peak, 1))
    rng = random.Random(0); idx = [rng.randrange(len(full)) for _ in range(20_000)]
    t = time.perf_counter()
    for i in idx: full[i]
    out["random_access_us"] = round(1e6 * (time.perf_counter() - t) / len(idx), 2)
    build = {}
    build_model("rnn", dict(vocab_size=10, d_model=8, n_layer=1, max_seq_len=8, p_drop=0.0, tie_weights=True), device="meta")  # warm-up
    for mt in MODEL_TYPES:
        c = dict(vocab_size=50257, d_model=256, n_layer=4, max_seq_len=512, p_drop=0.1, tie_weights=True)
        if mt in ("gpt_encoder", "mini_gpt"): c.update(n_head=8, d_ff=1024)
        reps = 3
        t = time.perf_counter()
        for _ in range(reps): m = build_model(mt, c, device="cpu")
        cpu = (time.perf_counter() - t) / reps
        t = time.perf_counter()
        for _ in range(reps): mm = build_model(mt, c, device="meta")
        meta = (time.perf_counter() - t) / reps
        build[mt] = dict(params=count_params(m), cpu_ms=round(1e3 * cpu, 1), meta_ms=round(1e3 * meta, 2))
    out["build_256d_4L_vocab50257"] = build
    return out

if __name__ == "__main__":
    ap = argparse.ArgumentParser(); ap.add_argument("--quick", action="store_true", help="iterate only 200k configs")
    print(json.dumps(main(ap.parse_args().quick)))
