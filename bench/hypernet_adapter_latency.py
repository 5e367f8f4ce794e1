"""Adapter for a task from its description (TaskWeaver: sentence encoder + one hypernetwork forward, also with the
PEFT export) vs fine-tuning a PEFT LoRA with `hypernet train --method lora`'s settings for 100 steps (one step measured,
extrapolated): the `adapter_vs_finetune` row of bench/run.py, where the logic lives. Prints the run's JSON with that row only.

    python bench/hypernet_adapter_latency.py [--quick] [--rounds N] [--threads N] [--model ID]
"""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import run

if __name__ == "__main__":
    sys.exit(run.wrapper_main("adapter_vs_finetune", __doc__))
