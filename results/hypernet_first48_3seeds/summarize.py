"TaskWeaver and recon -> SFT vs multi-task LoRA on the first 48 instances of every held-out task and held-out family task, the same examples for all 3 seeds, and each hypernetwork against its swapped-definition control: `python summarize.py [folder of run.sh outputs]`."
import json, os, numpy as np
from taskweaver.utils import paired_interval
import gzip
from sys import argv
D = argv[1] if len(argv) > 1 else "."
fmt = lambda d: f"{d['mean']:+.3f}" + ("" if d["lo"] is None else f" [{d['lo']:+.3f}, {d['hi']:+.3f}]")
def load(name):
    "One `hypernet eval --output` file of this folder (plain or gzipped), or None."
    for f in (f"{D}/{name}.json", f"{D}/{name}.json.gz"):
        if os.path.exists(f): return json.load(gzip.open(f) if f.endswith(".gz") else open(f))

SYSTEMS = dict(lora="{split}_lora_s{s}", taskweaver="{split}_taskweaver_s{s}", recon_sft="{split}_recon_sft_control_s{s}")   # recon -> SFT: from its control run
for split in ("heldtasks", "heldfam"):
    R = {}
    for s in range(3):
        for sys, name in SYSTEMS.items():
            r = load(name.format(split=split, s=s))
            if r:
                R[(sys, s)] = r["system"]
                if "base" in r: R[("base", 0)] = r["base"]
    if not R: continue
    print(f"== {split}: n_examples {next(iter(R.values()))['n_nll']}, labelled {next(iter(R.values())).get('n_labelled')}")
    for sys in ("base", *SYSTEMS):
        ss = [s for s in range(3) if (sys, s) in R]
        if not ss: continue
        g = lambda m: [R[(sys, s)].get(m) for s in ss]
        print(f"  {sys:10s} seeds {ss} nll {[round(x, 3) for x in g('nll')]} task-mean {[round(x, 3) for x in g('nll_task_mean')]}",
              *(f"{m} {[round(x, 3) for x in g(m)]}" for m in ("label_accuracy", "label_shuffled", "label_accuracy_calibrated", "label_shuffled_calibrated") if None not in g(m)),
              f"majority {R[(sys, ss[0])].get('label_majority')}")
    for first, second in (("taskweaver", "lora"), ("recon_sft", "lora"), ("recon_sft", "taskweaver")):
        ss = [s for s in range(3) if (first, s) in R and (second, s) in R]
        if not ss: continue
        a, b = [R[(first, s)] for s in ss], [R[(second, s)] for s in ss]
        print(f"  {first} vs {second} (positive = {first} better), seeds {ss}:",
              "nll", fmt(paired_interval([x["nll"] for x in b], [x["nll"] for x in a])), [round(y["nll"] - x["nll"], 3) for x, y in zip(a, b)],
              "| task-mean", fmt(paired_interval([x["nll_task_mean"] for x in b], [x["nll_task_mean"] for x in a])),
              *(f"| {m} {fmt(paired_interval([x[m] for x in a], [x[m] for x in b]))}" for m in ("label_accuracy", "label_accuracy_calibrated") if a[0].get(m) is not None))
        wins = {t: [round(y["per_task"][t]["nll"] - x["per_task"][t]["nll"], 3) for x, y in zip(a, b)] for t in a[0]["per_task"]}
        for t, w in wins.items(): print(f"     {t[:50]:50s} {second} - {first} nll per seed {w}")
    for sys in SYSTEMS:
        ss = [s for s in range(3) if (sys, s) in R]
        if not ss or R[(sys, ss[0])].get("label_accuracy") is None: continue
        print(f"  {sys} reads the input: calibrated - its shuffled floor", fmt(paired_interval([R[(sys, s)]["label_accuracy_calibrated"] for s in ss], [R[(sys, s)]["label_shuffled_calibrated"] for s in ss])),
              "| raw - floor", fmt(paired_interval([R[(sys, s)]["label_accuracy"] for s in ss], [R[(sys, s)]["label_shuffled"] for s in ss])))
    for t in R[("lora", 0)]["per_task"]:
        if "label_choices" in R[("lora", 0)]["per_task"][t]:
            for sys in SYSTEMS:
                if any((sys, s) in R for s in range(3)):
                    print("    ", t[:40], f"{sys:10s}", [R[(sys, s)]["per_task"][t]["label_choices"] for s in range(3) if (sys, s) in R])

# each hypernetwork against its swapped-definition control (another task's definition; and with no definition in the prompt)
for split, sys in (("heldfam", "taskweaver"), ("heldfam", "recon_sft"), ("heldtasks", "taskweaver"), ("heldtasks", "recon_sft")):
    R = {s: r for s in range(3) if (r := load(f"{split}_{sys}_control_s{s}"))}
    ss = sorted(R)
    if not ss: continue
    print(f"== {split}, {sys} vs its swapped-definition control, the same {R[ss[0]]['system']['n_nll']} examples, seeds", ss)
    for cond, get in (("definition in prompt", lambda r, k: r[k]), ("no definition", lambda r, k: r["no_definition"][k])):
        a, b = [get(R[s], "system") for s in ss], [get(R[s], "swapped_descriptions") for s in ss]
        print(f"  {cond}: NLL {sys} {[round(x['nll'], 3) for x in a]}, control {[round(x['nll'], 3) for x in b]};",
              f"control minus {sys}", fmt(paired_interval([x["nll"] for x in b], [x["nll"] for x in a])), [round(y["nll"] - x["nll"], 3) for x, y in zip(a, b)],
              "| task mean", fmt(paired_interval([x["nll_task_mean"] for x in b], [x["nll_task_mean"] for x in a])))
        for t in a[0]["per_task"]:
            print(f"     {t[:50]:50s} control - {sys} per seed {[round(y['per_task'][t]['nll'] - x['per_task'][t]['nll'], 3) for x, y in zip(a, b)]}")

# every system with no definition in the prompt, paired on the same examples: each hypernetwork's control run against the LoRA's
for split in ("heldtasks", "heldfam"):
    L = {s: r for s in range(3) if (r := load(f"{split}_lora_control_s{s}"))}
    if not L: continue
    same = [abs(L[s]["system"]["nll"] - load(f"{split}_lora_s{s}")["system"]["nll"]) < 1e-6 for s in sorted(L)]
    print(f"== {split}, no definition in the prompt, vs the multi-task LoRA (its definition-in-prompt NLL equals its own run's: {all(same)})")
    print(f"  lora: NLL {[round(L[s]['no_definition']['system']['nll'], 3) for s in sorted(L)]}",
          *(f"{m} {[round(L[s]['no_definition']['system'][m], 3) for s in sorted(L)]}" for m in ("label_accuracy", "label_accuracy_calibrated", "label_majority")
            if L[min(L)]["no_definition"]["system"].get(m) is not None))
    for sys in ("taskweaver", "recon_sft"):
        H = {s: r for s in range(3) if (r := load(f"{split}_{sys}_control_s{s}"))}
        ss = sorted(set(L) & set(H))
        if not ss: continue
        a, b = [H[s]["no_definition"]["system"] for s in ss], [L[s]["no_definition"]["system"] for s in ss]
        print(f"  {sys} vs lora (positive = {sys} better), seeds {ss}: NLL {sys} {[round(x['nll'], 3) for x in a]};",
              "nll", fmt(paired_interval([x["nll"] for x in b], [x["nll"] for x in a])), [round(y["nll"] - x["nll"], 3) for x, y in zip(a, b)],
              "| task-mean", fmt(paired_interval([x["nll_task_mean"] for x in b], [x["nll_task_mean"] for x in a])),
              *(f"| {m} {[round(x[m], 3) for x in a]} {fmt(paired_interval([x[m] for x in a], [x[m] for x in b]))}"
                for m in ("label_accuracy", "label_accuracy_calibrated") if a[0].get(m) is not None))
        for t in a[0]["per_task"]:
            line = [round(y["per_task"][t]["nll"] - x["per_task"][t]["nll"], 3) for x, y in zip(a, b)]
            if "label_accuracy" in a[0]["per_task"][t]:
                line = f"{line}; label accuracy {sys} {[round(x['per_task'][t]['label_accuracy'], 3) for x in a]}, lora {[round(y['per_task'][t]['label_accuracy'], 3) for y in b]}"
            print(f"     {t[:50]:50s} lora - {sys} nll per seed {line}")
