"""Adapter for a task from its description (TaskWeaver: sentence encoder + one hypernetwork forward, also with the
PEFT export) vs fine-tuning a PEFT LoRA with `hypernet train --method lora`'s settings for 100 steps (one step measured,
extrapolated): the `adapter_vs_finetune` row of bench/run.py, where the logic lives. Prints the run's JSON with that row only.

    python bench/hypernet_adapter_latency.py [--quick] [--rounds N] [--threads N] [--model ID]
"""
import argparse, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import run

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true"); ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--threads", type=int, default=1); ap.add_argument("--model", default=None)
    a = ap.parse_args()
    argv = ["--only", "adapter_vs_finetune", "--threads", str(a.threads), "--no_write"] + (["--quick"] if a.quick else []) \
           + (["--rounds", str(a.rounds)] if a.rounds else []) + (["--model", a.model] if a.model else [])
    sys.exit(1 if any(r.get("error") for r in run.main(argv)["rows"]) else 0)
