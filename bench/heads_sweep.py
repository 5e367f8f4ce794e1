"""All-layer probe features in one forward pass per batch vs one model pass per layer (the naive sweep), on the
embedded SmolLM2 (or --model): the `heads_probes` row of bench/run.py, where the logic lives (SST-2 validation texts,
last-token hidden state of every layer, interleaved rounds). Prints the run's JSON with that row only.

    python bench/heads_sweep.py [--model ID] [--threads N] [--rounds 3] [--output FILE]
"""
import argparse, json, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import run

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None); ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3); ap.add_argument("--output", default=None, help="also write the JSON here")
    a = ap.parse_args()
    argv = ["--only", "heads_probes", "--rounds", str(a.rounds), "--threads", str(a.threads), "--no_write"] + (["--model", a.model] if a.model else [])
    res = run.main(argv)
    if a.output: Path(a.output).parent.mkdir(parents=True, exist_ok=True); Path(a.output).write_text(json.dumps(res, indent=1, default=float))
    sys.exit(1 if any(r.get("error") for r in res["rows"]) else 0)
