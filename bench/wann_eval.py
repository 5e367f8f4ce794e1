"""WANN evaluation speed: the six shared weights in one batched pass vs a loop over the weights by micro-batch size,
and a population scored on 1 vs 2 processes: the `wann_micro_batch` and `wann_processes` rows of bench/run.py, where the
logic lives. Prints the run's JSON with those rows only.

    python bench/wann_eval.py [--quick] [--rounds N] [--threads N] [--model ID]
"""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import run

if __name__ == "__main__":
    sys.exit(run.wrapper_main("wann_micro_batch,wann_processes", __doc__))
