"""WANN forward speed (issue 14): `SharedWeightTransformer` against the lazy-residual reference it replaced (the
unexported reference cell of nbs/wann/32_model.ipynb), and all six weights batched against a loop, for minimal and active
genomes made by the search's own `mutate`: the `wann_forward_minimal` and `wann_forward_active` rows of bench/run.py,
where the logic lives. Prints the run's JSON with those rows only.

    python bench/wann_forward.py [--quick] [--rounds N] [--threads N] [--model ID]
"""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import run

if __name__ == "__main__":
    sys.exit(run.wrapper_main("wann_forward_minimal,wann_forward_active", __doc__))
