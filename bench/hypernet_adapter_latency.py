"""Adapter generation latency (one task text -> adapter, TaskWeaver with the sentence-encoder embedder) vs the time
to train a LoRA for the same task (`--lora_steps` optimizer steps on the embedded SmolLM2, batch 4), as a ratio.
Prints one JSON object."""
import argparse, json, statistics, time, tempfile
import torch

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default=None); ap.add_argument("--hidden_dim", type=int, default=256)
    ap.add_argument("--lora_steps", type=int, default=100, help="steps a per-task LoRA would train (the time is extrapolated from measured steps)")
    ap.add_argument("--measure_steps", type=int, default=5); ap.add_argument("--max_length", type=int, default=128)
    a = ap.parse_args()
    from taskweaver.models import load_base_model
    from taskweaver.hypernet import TaskWeaver
    from taskweaver.hypernet_train import StaticLoRA
    from taskweaver.data import get_processor
    from taskweaver.sft_data import DataCollatorWithPromptLengths
    text = "Classify the sentiment of the movie review as positive or negative."
    tw = TaskWeaver(a.model, hidden_dim=a.hidden_dim, embedder="encoder")
    with tempfile.TemporaryDirectory() as d:
        tw.generate_adapter(text + " (warm-up)", d)
        lat_mem, lat_disk = [], []
        for i in range(5):
            t = time.perf_counter()
            with torch.no_grad(): ad = tw.adapters(task_texts=[f"{text} #{i}"])
            lat_mem.append(time.perf_counter() - t)
            t = time.perf_counter(); tw.generate_adapter(f"{text} ##{i}", f"{d}/a{i}"); lat_disk.append(time.perf_counter() - t)
    base, tok = load_base_model(a.model)
    lora = StaticLoRA(base, tok, rank=2, alpha=16)
    p = get_processor("sst2", tok, max_length=a.max_length)
    rows = p.process(p.load()[:4 * (a.measure_steps + 1)])
    feats = [dict(input_ids=x, prompt_length=l) for x, l in zip(rows["input_ids"], rows["prompt_length"])]
    coll = DataCollatorWithPromptLengths(tok)
    opt = torch.optim.AdamW([q for q in lora.parameters() if q.requires_grad], lr=1e-4)
    steps = []
    for s in range(a.measure_steps + 1):
        b = coll(feats[4 * s: 4 * s + 4])
        t = time.perf_counter()
        loss = lora(b["input_ids"], b["attention_mask"], labels=b["labels"]).loss
        loss.backward(); opt.step(); opt.zero_grad()
        if s: steps.append(time.perf_counter() - t)   # the first step is a warm-up
    step = statistics.median(steps)
    gen = statistics.median(lat_mem)
    print(json.dumps(dict(benchmark="hypernet_adapter_latency", model=base.config.name_or_path, hidden_dim=a.hidden_dim,
                          threads=torch.get_num_threads(), adapter_generation_seconds=round(gen, 4),
                          adapter_generation_and_peft_export_seconds=round(statistics.median(lat_disk), 4),
                          lora_train_step_seconds=round(step, 3), lora_steps=a.lora_steps,
                          lora_train_seconds=round(step * a.lora_steps, 1),
                          ratio_lora_training_over_generation=round(step * a.lora_steps / gen, 1)), indent=2))

if __name__ == "__main__": main()
