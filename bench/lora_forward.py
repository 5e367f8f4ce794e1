"""Per-example LoRA forward time vs the plain model and PEFT's mixed-batch `adapter_names` (the `lora_forward` row of
bench/run.py, where the logic lives: embedded SmolLM2, batch 8 × 64 tokens, rank 8 on the default targets, 1 and 8
adapters). Prints the run's JSON with that row only.

    python bench/lora_forward.py [--repeats 4] [--model ID] [--threads N]
"""
import argparse, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import run

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=4, help="interleaved rounds"); ap.add_argument("--model", default=None)
    ap.add_argument("--threads", type=int, default=None)
    a = ap.parse_args()
    argv = ["--only", "lora_forward", "--rounds", str(a.repeats), "--no_write"] + (["--model", a.model] if a.model else []) \
           + (["--threads", str(a.threads)] if a.threads else [])
    sys.exit(1 if any(r.get("error") for r in run.main(argv)["rows"]) else 0)
