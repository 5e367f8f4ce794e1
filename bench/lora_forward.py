"""Dynamic-LoRA forward time / plain forward time on the embedded SmolLM2 (batch 8, 128 tokens, rank 8 on q/v),
with 1 and with 8 distinct adapters in the batch, and PEFT's mixed-batch `adapter_names` with 8 adapters.
Prints one JSON object; times are medians over interleaved repeats measured in one run."""
import argparse, json, statistics, time
import torch

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default=None); ap.add_argument("--batch", type=int, default=8); ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--rank", type=int, default=8); ap.add_argument("--repeats", type=int, default=7)
    a = ap.parse_args()
    from peft import LoraConfig, get_peft_model
    from taskweaver.models import load_base_model, lora_targets
    from taskweaver.lora import inject, set_adapters, clear_adapters, random_adapter, lora_layers, remove
    torch.manual_seed(0)
    model, tok = load_base_model(a.model)
    ids = torch.randint(0, model.config.vocab_size, (a.batch, a.tokens))
    def timed(fn):
        with torch.no_grad():
            t = time.perf_counter(); fn(); return time.perf_counter() - t
    # our dynamic layers
    inject(model, rank=a.rank, alpha=16)
    ad1 = random_adapter(model, seed=1)                       # one adapter for every row
    ad8 = random_adapter(model, seed=2, batch=a.batch)        # a different adapter per row
    def plain(): clear_adapters(model); model(ids)
    def dyn1(): set_adapters(model, ad1); model(ids)
    def dyn8(): set_adapters(model, ad8); model(ids)
    # PEFT with 8 named adapters and a mixed batch
    remove(model); clear_adapters(model)
    cfg = LoraConfig(r=a.rank, lora_alpha=16, target_modules=lora_targets(model), init_lora_weights=False)
    pm = get_peft_model(model, cfg, adapter_name="a0")
    for i in range(1, 8): pm.add_adapter(f"a{i}", cfg)
    pm.eval()
    names = [f"a{i % 8}" for i in range(a.batch)]
    def peft8(): pm(input_ids=ids, adapter_names=names)
    def peft_plain():
        with pm.disable_adapter(): pm(input_ids=ids)
    # the dynamic runs need the model without PEFT wrappers: keep a second copy
    base2, _ = load_base_model(a.model); inject(base2, rank=a.rank, alpha=16)
    def plain2(): clear_adapters(base2); base2(ids)
    def dyn1b(): set_adapters(base2, ad1); base2(ids)
    def dyn8b(): set_adapters(base2, ad8); base2(ids)
    fns = dict(plain=plain2, dynamic_1=dyn1b, dynamic_8=dyn8b, peft_mixed_8=peft8, peft_disabled=peft_plain)
    for f in fns.values(): timed(f)   # warm-up
    times = {k: [] for k in fns}
    for _ in range(a.repeats):
        for k, f in fns.items(): times[k].append(timed(f))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(json.dumps(dict(benchmark="lora_forward", model=base2.config.name_or_path, batch=a.batch, tokens=a.tokens, rank=a.rank,
                          targets="q_proj,v_proj", threads=torch.get_num_threads(), repeats=a.repeats,
                          seconds={k: round(v, 4) for k, v in med.items()},
                          ratio_dynamic_1_over_plain=round(med["dynamic_1"] / med["plain"], 3),
                          ratio_dynamic_8_over_plain=round(med["dynamic_8"] / med["plain"], 3),
                          ratio_peft_mixed_8_over_plain=round(med["peft_mixed_8"] / med["plain"], 3),
                          ratio_peft_mixed_8_over_dynamic_8=round(med["peft_mixed_8"] / med["dynamic_8"], 3)), indent=2))

if __name__ == "__main__": main()
