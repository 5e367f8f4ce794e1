"""`taskweaver paramgen`: the seed-001 pipeline end to end on a tiny Llama (collect → test → analyze → train → generate → eval)."""
import io, json, contextlib
from pathlib import Path
import torch
from safetensors.torch import load_file
from conftest import run
from taskweaver.cli import main
from taskweaver.testutils import save_tiny, tiny_model

def cli(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err): rc = main(list(args))
    return rc, out.getvalue() + err.getvalue()

def test_paramgen_pipeline_on_a_tiny_llama(tmp_path):
    tiny = save_tiny("llama", tmp_path/"tiny")
    zoo = tmp_path/"zoo"
    rc, out = cli("paramgen", "collect", "--base_model", str(tiny), "--output_dir", str(zoo), "--n_checkpoints", "3",
                  "--steps_per_checkpoint", "1", "--n_train", "16", "--eval_n", "4", "--batch_size", "2", "--max_length", "96")
    assert rc == 0, out
    assert "3 checkpoints in" in out and "val_nll" in out
    ck = zoo/"checkpoints"
    assert sorted(p.name for p in ck.glob("*.safetensors")) == [f"checkpoint_00{i}.safetensors" for i in range(3)]
    # test: round trip of a zoo checkpoint is exact (through the console script)
    r = run(["taskweaver", "paramgen", "test", "--checkpoint_file", str(ck/"checkpoint_002.safetensors"), "--max_tokens", "16", "--token_dim", "32"])
    assert r.returncode == 0 and "max error: 0.0 (bitwise equal: True)" in r.stdout, r.stdout + r.stderr
    # analyze, with a truncated checkpoint reported by name
    (ck/"checkpoint_003.safetensors").write_bytes(b"\x00" * 7)
    rc, out = cli("paramgen", "analyze", "--checkpoint_dir", str(ck))
    assert rc == 0 and "unreadable: {'checkpoint_003.safetensors'" in out and "3 checkpoints" in out, out
    # train with a seed-style YAML (dry run first: nothing written)
    cfg = tmp_path/"gen.yaml"
    cfg.write_text(f"""model:
  hidden_dim: 32
  max_seq_len: 16
  output_dim: 32
  num_hyperconv_blocks: 2
training:
  max_epochs: 1
  learning_rate: 1e-3
data:
  checkpoint_dir: {ck}
  batch_size: 4
  max_prompt_groups: 6
logging:
  experiment_dir: {tmp_path/'experiments'}
""")
    rc, out = cli("paramgen", "train", "--config", str(cfg), "--dry_run")
    assert rc == 0 and '"dry_run": true' in out and not (tmp_path/"experiments").exists(), out
    rc, out = cli("paramgen", "train", "--config", str(cfg))
    assert rc == 0, out
    exp = next((tmp_path/"experiments").glob("lora_generator_*"))
    assert {"checkpoints", "tensorboard_logs", "results", "config.yaml"} <= {p.name for p in exp.iterdir()}
    assert (exp/"checkpoints/last.ckpt").exists() and list((exp/"checkpoints").glob("epoch=*-val_loss=*.ckpt"))
    assert "relative error" in out and "MAE" in out
    final = exp/"results/final_model"
    # generate: safetensors + a PEFT adapter that PeftModel.from_pretrained loads
    pf = tmp_path/"prompts.txt"; pf.write_text("Question: What is photosynthesis?\nQuestion: Why is the sky blue?\n")
    rc, out = cli("paramgen", "generate", "--model", str(final), "--prompt_file", str(pf), "--output", str(tmp_path/"gen/generated_params.safetensors"))
    assert rc == 0, out
    sd = load_file(tmp_path/"gen/generated_params.safetensors")
    from peft import PeftModel
    pm = PeftModel.from_pretrained(tiny_model("llama"), tmp_path/"gen/generated_params")
    k = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"
    assert torch.equal(pm.state_dict()[k.replace(".weight", ".default.weight")], sd[k])
    # eval: base, mean and best checkpoint, generated adapters, same harness
    rc, out = cli("paramgen", "eval", "--checkpoint_dir", str(ck), "--generator", str(final), "--base_model", str(tiny),
                  "--n", "4", "--n_groups", "1", "--output", str(tmp_path/"eval.json"))
    assert rc == 0, out
    rows = json.loads((tmp_path/"eval.json").read_text())["rows"]
    assert [r["system"] for r in rows][:3] == ["base", "zoo: mean checkpoint", "zoo: best checkpoint"]
    assert rows[3]["system"] == "generated (group 0)" and all(r["val_nll"] > 0 for r in rows)

def test_paramgen_bad_input(tmp_path):
    from taskweaver.paramgen.train import synthetic_zoo
    z1 = synthetic_zoo(tmp_path/"z1", 2)
    z2 = synthetic_zoo(tmp_path/"z2", 2, rank=4)           # mixed ranks across zoos
    cfg = tmp_path/"c.yaml"
    cfg.write_text(f"model: {{hidden_dim: 16, max_seq_len: 32, output_dim: 32}}\ndata: {{checkpoint_dir: [{z1}, {z2}], max_prompt_groups: 4}}\n")
    rc, out = cli("paramgen", "train", "--config", str(cfg), "--dry_run")
    assert rc == 2 and "shapes differ from the layout (mixed LoRA ranks?)" in out and "checkpoint_000.safetensors" in out, out
    rc, out = cli("paramgen", "test", "--checkpoint_file", str(z1/"checkpoint_000.safetensors"), "--max_tokens", "4", "--token_dim", "32")
    assert rc == 2 and "needs 14 tokens of 32 numbers but max_tokens=4" in out, out
    rc, out = cli("paramgen", "generate", "--model", str(tmp_path), "--prompt", "  ")
    assert rc == 2 and "empty" in out, out
    cfg.write_text("training: {lr: 3}\n")
    rc, out = cli("paramgen", "train", "--config", str(cfg))
    assert rc == 2 and "training: unknown key(s) 'lr'; allowed are output_dir, max_steps, learning_rate" in out, out
