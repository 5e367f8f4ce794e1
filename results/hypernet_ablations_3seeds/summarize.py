"""TaskWeaver's standing against the multi-task LoRA when it trains on fewer tasks or on fewer phrasings, beside the 3 seeds
of ../hypernet_recon_3seeds (43 training tasks, every phrasing; same settings otherwise).
`tasks11/`: `-p train_tasks 11` (both systems train on 11 of the 43 tasks, a sample drawn with the seed);
`definition_only/`: `-p phrasings definition` (TaskWeaver reads only each task's definition; the LoRA does not read phrasings
and is the 43-task one). `python summarize.py > summary.txt` in this folder."""
import json, os
from taskweaver.utils import paired_interval
HERE = os.path.dirname(os.path.abspath(__file__))
RUNS = {"43 tasks, all phrasings": f"{HERE}/../hypernet_recon_3seeds", "11 tasks": f"{HERE}/tasks11", "definitions only": f"{HERE}/definition_only"}
fmt = lambda d: f"{d['mean']:+.3f} [{d['lo']:+.3f}, {d['hi']:+.3f}]"
per_seed = lambda xs: "(" + ", ".join(f"{x:+.3f}" for x in xs) + ")"
M = {n: [json.load(open(f"{d}/metrics_seed{s}.json")) for s in range(3)] for n, d in RUNS.items() if os.path.exists(f"{d}/metrics_seed2.json")}
REF = "43 tasks, all phrasings"
TW, LORA, SWAP = "TaskWeaver", "multi-task LoRA", "TaskWeaver, swapped definitions"
# (label, prompt form, metric, first, second, sign): the lead of `first` over `second`, positive = first better (NLL: lower is better)
PAIRS = [("TaskWeaver vs LoRA, NLL", "definition in prompt", "nll", TW, LORA, 1),
         ("TaskWeaver vs LoRA, ROUGE-L", "definition in prompt", "rougeL", TW, LORA, -1),
         ("TaskWeaver vs LoRA, NLL, no definition in prompt", "no definition", "nll", TW, LORA, 1),
         ("TaskWeaver vs another task's definition, NLL", "definition in prompt", "nll", TW, SWAP, 1),
         ("same, no definition in prompt", "no definition", "nll", TW, SWAP, 1)]
print("training examples per seed:", {n: [m["train"]["taskweaver"]["train_examples"] for m in ms] for n, ms in M.items()})
for split in ("held-out tasks", "held-out families"):
    print(f"\n== {split}: mean [95% t interval over 3 seeds] (per seed); positive = the first system better")
    for sys in (LORA, TW):
        nll = {n: [m[split]["definition in prompt"][sys]["nll"] for m in ms] for n, ms in M.items()}
        print(f"  {sys} NLL: " + "; ".join(f"{n} {sum(v) / 3:.3f} {per_seed(v)}" for n, v in nll.items()))
    for label, cond, metric, a, b, sign in PAIRS:
        lead = {n: [sign * (m[split][cond][b][metric] - m[split][cond][a][metric]) for m in ms] for n, ms in M.items()}
        print(f"  {label}")
        for n, v in lead.items():
            vs = "" if n == REF else f"   {REF} minus this: {fmt(paired_interval(lead[REF], v))}"
            print(f"    {n:24s} {fmt(paired_interval(v))} {per_seed(v)}{vs}")
