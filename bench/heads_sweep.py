"""All-layer probe features in one forward pass per batch vs one model pass per layer (the naive sweep), on the
embedded SmolLM2 (or --model). Both extract the last-token hidden state of every layer for the same SST-2 texts;
the naive sweep runs the full model once per layer and keeps only that layer. The one-pass time is the median of
repeats interleaved with the naive sweep (robust to load changes on a shared machine). Prints one JSON object."""
import argparse, json, platform, statistics, time
import torch

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default=None, help="HF id or folder; default: embedded SmolLM2-135M-Instruct")
    ap.add_argument("--n", type=int, default=32, help="SST-2 texts"); ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-length", type=int, default=64); ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--output", default=None, help="also write the JSON here")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from taskweaver.models import load_base_model
    from taskweaver.heads.probes import extract_features, probe_data, _backbone
    from taskweaver.heads.model import last_token_index
    model, tok = load_base_model(a.model)
    texts = probe_data("sst2", "validation", n=a.n)[0]
    extract_features(model, tok, texts[:2], batch_size=2, max_length=a.max_length)   # warm-up
    one_times = []
    def one_pass():
        t = time.perf_counter()
        X = extract_features(model, tok, texts, batch_size=a.batch_size, max_length=a.max_length)["X"]   # no cache
        one_times.append(time.perf_counter() - t)
        return X
    one = one_pass()
    # naive: for each layer, a full pass over the data keeping only that layer (same batching, same order)
    bb, L = _backbone(model), one.shape[0]
    enc = [tok(x, truncation=True, max_length=a.max_length, add_special_tokens=False)["input_ids"] for x in texts]
    order = sorted(range(len(texts)), key=lambda i: len(enc[i]))
    batches = []
    for s in range(0, len(order), a.batch_size):
        idx = order[s:s + a.batch_size]; T = max(len(enc[i]) for i in idx)
        ids = torch.full((len(idx), T), tok.pad_token_id); mask = torch.zeros_like(ids)
        for r, i in enumerate(idx): ids[r, :len(enc[i])] = torch.tensor(enc[i]); mask[r, :len(enc[i])] = 1
        batches.append((idx, ids, mask))
    naive = torch.zeros_like(one)
    t_naive = 0.0
    with torch.no_grad():
        for layer in range(L):
            t = time.perf_counter()
            for idx, ids, mask in batches:
                h = bb(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states[layer]
                naive[layer, idx] = h[torch.arange(len(idx)), last_token_index(mask)].half()
            t_naive += time.perf_counter() - t
            if layer % 8 == 7: one_pass()   # interleaved repeats: a shared machine's load hits both timings alike
    t_one = statistics.median(one_times)
    out = dict(bench="heads_sweep", model=model.config.name_or_path, layers_probed=L, texts=len(texts), batch_size=a.batch_size,
               max_length=a.max_length, threads=a.threads, one_pass_seconds=round(t_one, 3), one_pass_repeats=[round(x, 2) for x in one_times], per_layer_passes_seconds=round(t_naive, 3),
               ratio=round(t_naive / t_one, 2), same_features=bool(torch.allclose(one.float(), naive.float(), atol=1e-2)),
               machine=platform.machine(), torch=torch.__version__)
    print(json.dumps(out))
    if a.output:
        from pathlib import Path
        Path(a.output).parent.mkdir(parents=True, exist_ok=True); Path(a.output).write_text(json.dumps(out, indent=2))

if __name__ == "__main__":
    main()
