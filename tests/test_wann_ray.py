"""The Ray path of population evaluation on a local one-CPU Ray instance (ray comes with `.[dev]` and `.[ray]`;
skipped when it is not installed)."""
import os, sys
import pytest
import torch
from conftest import REPO

ray = pytest.importorskip("ray")

from taskweaver.wann.config import ModelConfig
from taskweaver.wann.genome import random_genome
from taskweaver.wann.evaluate import SharedWeightEvaluator

@pytest.fixture
def local_ray():
    # Ray workers are new processes: they must import this checkout of taskweaver, not only an installed one.
    path = os.pathsep.join([str(REPO)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": path}})
    yield
    ray.shutdown()

def test_population_on_local_ray(local_ray):
    cfg = ModelConfig(vocab_size=40, max_length=12, embed_dim=8, head_dim=4, num_heads=1, ffn_nodes=2, init_density=0.3)
    genomes = [random_genome(cfg, 3, seed=s) for s in range(3)]
    g = torch.Generator().manual_seed(0)
    data = dict(input_ids=torch.randint(0, 40, (24, 12), generator=g), attention_mask=torch.ones(24, 12, dtype=torch.long),
                labels=torch.randint(0, 3, (24,), generator=g))
    ev = SharedWeightEvaluator(batch_size=8)
    on_ray = ev.evaluate_population(genomes, data, ray_address="local")   # joins the instance started above
    here = ev.evaluate_population(genomes, data)
    assert len(on_ray) == 3
    for a, b in zip(on_ray, here):
        assert a["connections"] == b["connections"] and a["performance"] == pytest.approx(b["performance"], abs=1e-6)
        assert a["mean_loss"] == pytest.approx(b["mean_loss"], rel=1e-5)
