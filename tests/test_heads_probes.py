"""Probe parity with scikit-learn, and HF Trainer compatibility of the headed model (tiny models, seconds)."""
import torch

def test_probe_accuracy_matches_sklearn_within_one_point():
    from taskweaver.heads.probes import extract_features, probe_data, sklearn_parity
    from taskweaver.testutils import tiny_model, tiny_tokenizer
    m, tok = tiny_model("llama", layers=3), tiny_tokenizer()
    for ds, (tr, te) in {"sst2": ("train", "validation"), "ag_news": ("train", "test")}.items():
        xtr, ytr, _ = probe_data(ds, tr, 160); xte, yte, _ = probe_data(ds, te, 80)
        Ftr, Fte = extract_features(m, tok, xtr)["X"], extract_features(m, tok, xte)["X"]
        for layer in range(Ftr.shape[0]):
            p = sklearn_parity(Ftr[layer], ytr, Fte[layer], yte)
            assert abs(p["ours"] - p["sklearn"]) <= 0.01 + 1e-9, (ds, layer, p)

def test_headed_model_trains_with_hf_trainer(tmp_path):
    from transformers import Trainer, TrainingArguments
    from taskweaver.heads import HeadConfig, HeadedModel
    from taskweaver.testutils import tiny_model
    torch.manual_seed(0)
    model = HeadedModel(tiny_model("gpt2"), [HeadConfig("cls", 32, 3, pred_for_sequence=True), HeadConfig("lm", 32, None, is_causal_lm=True)])
    for p in model.model.parameters(): p.requires_grad_(False)
    ids = torch.randint(3, 384, (16, 8))
    data = [dict(input_ids=ids[i], attention_mask=torch.ones(8, dtype=torch.long), cls=torch.tensor(i % 3), lm=ids[i]) for i in range(16)]
    w0 = model.heads["cls"].layers[0].weight.detach().clone()
    args = TrainingArguments(output_dir=str(tmp_path), per_device_train_batch_size=4, max_steps=3, learning_rate=1e-2, report_to=[],
                             remove_unused_columns=False, use_cpu=True, save_strategy="no", logging_steps=1)
    out = Trainer(model=model, args=args, train_dataset=data).train()
    assert out.global_step == 3 and torch.isfinite(torch.tensor(out.training_loss))
    assert not torch.equal(w0, model.heads["cls"].layers[0].weight)
