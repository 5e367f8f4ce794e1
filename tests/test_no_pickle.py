"""No code from pickles: the package reads torch files in exactly one place (`taskweaver.utils.load_torch_file`,
`weights_only=True`) and never calls pickle's loaders; training state is safetensors + JSON."""
import re
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent/"taskweaver"

def _code():
    for p in sorted(PKG.rglob("*.py")):
        if p.name == "_modidx.py": continue
        for i, line in enumerate(p.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if code.strip(): yield p.relative_to(PKG.parent), i, code

def test_every_torch_load_is_weights_only():
    loads = [(f, i, c) for f, i, c in _code() if "torch.load(" in c]
    assert loads, "expected the one torch.load in taskweaver/utils.py"
    bad = [(str(f), i, c.strip()) for f, i, c in loads if "weights_only=True" not in c]
    assert not bad, f"torch.load without weights_only=True: {bad}"
    assert {str(f) for f, _, _ in loads} == {"taskweaver/utils.py"}, f"torch.load outside utils.load_torch_file: {loads}"

def test_no_unpickling_anywhere():
    pat = re.compile(r"\b(pickle|cPickle|dill|joblib|cloudpickle)\.(load|loads|Unpickler)\b|weights_only\s*=\s*False|torch\.save\(")
    bad = [(str(f), i, c.strip()) for f, i, c in _code() if pat.search(c)]
    assert not bad, f"pickle loaders or torch.save in the package: {bad}"
