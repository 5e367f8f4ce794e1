"""Zoo benchmark: exact parameter counts of the full set (time and peak memory), iteration, shuffle, random
access, and one build per family on CPU vs meta: the `zoo_enumeration` row of bench/run.py, where the logic lives. Prints the run's JSON with that row only.

    python bench/zoo_bench.py [--quick] [--rounds N] [--threads N] [--model ID]
"""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import run

if __name__ == "__main__":
    sys.exit(run.wrapper_main("zoo_enumeration", __doc__))
