"""TaskWeaver's standing against the multi-task LoRA when it trains on fewer tasks or on fewer phrasings, beside the 3 seeds
of ../hypernet_recon_3seeds (43 training tasks, every phrasing; same settings otherwise).
`tasks11/`, `tasks22/`: `-p train_tasks 11` or `22` (both systems train on 11 or 22 of the 43 tasks, a sample drawn with the seed);
`definition_only/`: `-p phrasings definition` (TaskWeaver reads only each task's definition; the LoRA does not read phrasings
and is the 43-task one). `python summarize.py > summary.txt` in this folder; it also draws `task_count.png` (the leads by
number of training tasks) and fits, per seed, each lead's slope per doubling of the training tasks."""
import json, os
from taskweaver.utils import paired_interval
HERE = os.path.dirname(os.path.abspath(__file__))
RUNS = {"43 tasks, all phrasings": f"{HERE}/../hypernet_recon_3seeds", "11 tasks": f"{HERE}/tasks11", "22 tasks": f"{HERE}/tasks22", "definitions only": f"{HERE}/definition_only"}
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

# the task-count curve: each lead at 11, 22 and 43 training tasks; per seed, its least-squares slope per doubling of the tasks
import numpy as np
COUNTS = {11: "11 tasks", 22: "22 tasks", 43: REF}
if all(n in M for n in COUNTS.values()):
    import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    x = np.log2(list(COUNTS))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    print("\n== slope per doubling of the training tasks (least squares over 11, 22, 43 tasks, one per seed): mean [95% t interval] (per seed)")
    for ax, split in zip(axes, ("held-out tasks", "held-out families")):
        for k, (label, cond, metric, a, b, sign) in enumerate(p for p in PAIRS if p[2] == "nll"):
            lead = np.array([[sign * (m[split][cond][b][metric] - m[split][cond][a][metric]) for m in M[n]] for n in COUNTS.values()])   # [counts, seeds]
            slopes = [float(np.polyfit(x, lead[:, s], 1)[0]) for s in range(lead.shape[1])]
            print(f"  {split:17s} {label:50s} {fmt(paired_interval(slopes))} {per_seed(slopes)}")
            ci = [paired_interval(list(v)) for v in lead]
            mean = np.array([c["mean"] for c in ci])
            ax.errorbar([n * 2 ** (0.04 * (k - 1.5)) for n in COUNTS], mean, yerr=[mean - [c["lo"] for c in ci], [c["hi"] for c in ci] - mean], capsize=3, marker="o", label=label)
        ax.axhline(0, color="grey", lw=0.8); ax.set_xscale("log", base=2); ax.set_xticks(list(COUNTS), [str(n) for n in COUNTS])
        ax.set_title(split); ax.set_xlabel("training tasks")
    axes[0].set_ylabel("NLL lead of TaskWeaver (nats; > 0 = better)")
    axes[1].legend(fontsize=7, loc="lower left")
    fig.suptitle("TaskWeaver's lead by number of training tasks (3 seeds, 95% t intervals)", fontsize=10)
    fig.tight_layout(); fig.savefig(f"{HERE}/task_count.png", dpi=110)
