"""How far each test task's definition is from the training tasks' definitions, and whether TaskWeaver reads it more when it
is nearer: per test task (the 8 held-out tasks and the 9 held-out family tasks), the highest cosine similarity of its
definition to a training task's (all-MiniLM-L6-v2, the encoder TaskWeaver reads descriptions with), against what another
task's definition costs TaskWeaver there (control minus TaskWeaver NLL, mean over the 3 seeds, from the `*_taskweaver_control_s*`
files of this folder) and TaskWeaver's lead over the LoRA (LoRA minus TaskWeaver NLL, from `*_lora_s*` and `*_taskweaver_s*`).
`python similarity.py [folder of run.sh outputs]`; the training tasks are those of ../hypernet_ablations_3seeds/tasks11's
seed 0 (trained plus unused: the 43 of the table's runs)."""
import json, os, gzip
from sys import argv
import numpy as np
from scipy.stats import spearmanr
from taskweaver.data import data_path
from taskweaver.models import load_text_encoder
from taskweaver.processors import task_family, task_phrasings
HERE = os.path.dirname(os.path.abspath(__file__))
D = argv[1] if len(argv) > 1 else HERE
def load(name):
    for f in (f"{D}/{name}.json", f"{D}/{name}.json.gz"):
        if os.path.exists(f): return json.load(gzip.open(f) if f.endswith(".gz") else open(f))
files = {f.stem: f for folder in (data_path("natural_instructions_v1", "tasks"), data_path("super_natural_instructions", "contributor_drafts"))
         for f in sorted(folder.glob("*.json"))}
defs = {t: task_phrasings(json.loads(f.read_text(encoding="utf-8")), t)[0] for t, f in files.items()}   # the first phrasing is the Definition
split = json.load(open(f"{HERE}/../hypernet_ablations_3seeds/tasks11/tasks_seed0.json"))
train = sorted(split["train"] + split["unused"])
enc = load_text_encoder(None)
E = dict(zip(defs, enc.encode(list(defs.values()), normalize_embeddings=True, show_progress_bar=False)))
T = np.stack([E[t] for t in train])
rows = []
for name in ("heldtasks", "heldfam"):
    tw = [load(f"{name}_taskweaver_s{s}")["system"]["per_task"] for s in range(3)]
    lora = [load(f"{name}_lora_s{s}")["system"]["per_task"] for s in range(3)]
    ctl = [load(f"{name}_taskweaver_control_s{s}") for s in range(3)]
    for t in tw[0]:
        sims = T @ E[t]
        j = int(sims.argmax())
        cost = np.mean([c["swapped_descriptions"]["per_task"][t]["nll"] - c["system"]["per_task"][t]["nll"] for c in ctl])
        lead = np.mean([l[t]["nll"] - w[t]["nll"] for l, w in zip(lora, tw)])
        rows.append(dict(split=name, task=t, family=task_family(t), nearest=train[j], sim=float(sims[j]), control_cost=float(cost), lead=float(lead)))
print(f"{len(train)} training tasks; per test task: nearest training definition (cosine), control cost and lead over the LoRA (NLL, mean of 3 seeds)")
for r in sorted(rows, key=lambda r: -r["sim"]):
    print(f"  {r['split']:9s} {r['task'][:46]:46s} {r['sim']:.3f} {r['nearest'][:40]:40s} control {r['control_cost']:+.3f}  lead {r['lead']:+.3f}")
for name in ("heldtasks", "heldfam"):
    s = [r["sim"] for r in rows if r["split"] == name]
    print(f"{name}: nearest-definition cosine mean {np.mean(s):.3f} (range {min(s):.3f}-{max(s):.3f})")
sim, cost, lead = (np.array([r[k] for r in rows]) for k in ("sim", "control_cost", "lead"))
for label, y in (("control cost", cost), ("lead over the LoRA", lead)):
    rho = spearmanr(sim, y)
    print(f"Spearman, nearest-definition cosine vs {label}, all {len(rows)} test tasks: rho {rho.statistic:+.3f} (p {rho.pvalue:.3f})")
json.dump(rows, open(f"{HERE}/similarity.json", "w"), indent=1)
