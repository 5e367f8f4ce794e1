"""WANN evaluation speed: the six shared weights in one batched pass vs a loop over the weights by micro-batch size,
and a population scored on 1 vs 2 processes: the `wann_micro_batch` and `wann_processes` rows of bench/run.py, where the
logic lives. Prints the run's JSON with those rows only.

    python bench/wann_eval.py [--quick] [--rounds N] [--threads N] [--model ID]
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
    argv = ["--only", "wann_micro_batch,wann_processes", "--threads", str(a.threads), "--no_write"] + (["--quick"] if a.quick else []) \
           + (["--rounds", str(a.rounds)] if a.rounds else []) + (["--model", a.model] if a.model else [])
    sys.exit(1 if any(r.get("error") for r in run.main(argv)["rows"]) else 0)
