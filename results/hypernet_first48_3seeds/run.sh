#!/bin/bash
# Every seed's multi-task LoRA, TaskWeaver and recon -> SFT (the runs of results/hypernet_recon_3seeds/) scored on the first 48 instances of each
# held-out task (8 tasks: TASKS) and of each held-out family task (9 Winogrande and CosmosQA tasks: FAMILIES), the same examples for
# every seed: NLL and label accuracy, no generation; the base model is scored once (seed 0's LoRA call). Summarise with summarize.py.
# RUNS: the folder holding recon_s0..2 (each from `taskweaver batch 10_hypernet --preset full -p seed N -p threads 2 -p recon true ...`);
# TASKS / FAMILIES: folders with those task files, copied from ../shared/data (natural_instructions_v1/tasks, super_natural_instructions/contributor_drafts).
RUNS=${RUNS:-/work/runs}; TASKS=${TASKS:-/work/heldtasks}; FAMILIES=${FAMILIES:-/work/heldfam}; OUT=${OUT:-$(dirname "$0")}
for split in heldtasks heldfam; do
  folder=$TASKS; [ $split = heldfam ] && folder=$FAMILIES
  for s in 0 1 2; do for sys in lora taskweaver; do
    B="--no-base"; [ "$s$sys" = "0lora" ] && B="--base"
    taskweaver hypernet eval --model $RUNS/recon_s$s/10_hypernet/$sys/final --tasks $folder --max_instances 48 \
      --n_generate 0 --max_length 320 --seed $s $B --output $OUT/${split}_${sys}_s$s.json
  done; done
done
# TaskWeaver and recon -> SFT with their swapped-definition control (and the no-definition forms) on both fixed sets;
# recon -> SFT's own NLL is the "system" entry of its control file
for sys in taskweaver recon_sft; do for split in heldfam heldtasks; do
  folder=$TASKS; [ $split = heldfam ] && folder=$FAMILIES
  for s in 0 1 2; do
    taskweaver hypernet eval --model $RUNS/recon_s$s/10_hypernet/$sys/final --tasks $folder --max_instances 48 \
      --n_generate 0 --max_length 320 --seed $s --no-base --control --output $OUT/${split}_${sys}_control_s$s.json
  done
done; done
# The multi-task LoRA with no definition in the prompt on both fixed sets (its --control run: "system" repeats its own row above,
# "no_definition" is the new one), so every system's no-definition form is paired on the same examples (summarize.py's last section)
for split in heldtasks heldfam; do
  folder=$TASKS; [ $split = heldfam ] && folder=$FAMILIES
  for s in 0 1 2; do
    taskweaver hypernet eval --model $RUNS/recon_s$s/10_hypernet/lora/final --tasks $folder --max_instances 48 \
      --n_generate 0 --max_length 320 --seed $s --no-base --control --output $OUT/${split}_lora_control_s$s.json
  done
done
