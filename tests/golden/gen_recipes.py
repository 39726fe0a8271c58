#!/usr/bin/python3
"""The example recipes (examples/*.json) written as the PyTorch code they stand for, run with
torch 1.13: writes tests/data/recipes-torch.json with the sha256 of every state_dict entry and
forward output (raw little-endian bytes), so test-timeline checks a replay bit for bit.

Run with Debian's torch: /usr/bin/python3 tests/golden/gen_recipes.py
"""
import hashlib, json, os, warnings
import torch
import torch.nn as nn

warnings.filterwarnings("ignore")
torch.set_num_threads(2)


def digest(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""),
            "sha256": hashlib.sha256(t.numpy().tobytes()).hexdigest()}


def record(model, outputs):
    return {"state_dict": {k: digest(v) for k, v in model.state_dict().items()},
            "state_dict_order": list(model.state_dict().keys()),
            "outputs": {k: digest(v) for k, v in outputs.items()}}


cases = {}

torch.manual_seed(0)
fc = nn.Linear(10, 5)
cases["article-1-construction.json"] = record(fc, {})

torch.manual_seed(0)
l1, l2 = nn.Linear(10, 5), nn.Linear(5, 2)
m = nn.Sequential()
m.add_module("linear1", l1)
m.add_module("linear2", l2)
for mod in m.modules():
    if type(mod).__name__ == "Linear":
        nn.init.xavier_uniform_(mod.weight)
        nn.init.zeros_(mod.bias)
y = m(torch.randn(1, 10))
cases["article-2-custom-init.json"] = record(m, {"y": y})

torch.manual_seed(0)
lz, eg = nn.LazyLinear(5), nn.Linear(10, 5)
d = nn.ModuleDict({"lazy": lz, "eager": eg})
y = lz(torch.randn(2, 10))
cases["lazy.json"] = record(d, {"y": y})

torch.manual_seed(42)
fc1, act, hid, head = nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 16), nn.Linear(16, 3)
mlp = nn.Sequential(fc1, act, hid, act, hid, act, head)
for mod in mlp.modules():
    if type(mod).__name__ == "Linear":
        nn.init.kaiming_normal_(mod.weight, nonlinearity="relu")
        nn.init.zeros_(mod.bias)
nn.init.xavier_uniform_(mlp[6].weight)
mlp.eval()
y = mlp(torch.randn(8, 4))
cases["demo.json"] = record(mlp, {"logits": y})

torch.manual_seed(0)
names = ["default", "xavier_u", "xavier_n", "kaiming_n", "orthogonal", "trunc"]
L = {k: nn.Linear(64, 64) for k in names}
d = nn.ModuleDict({"default": L["default"], "xavier_uniform": L["xavier_u"], "xavier_normal": L["xavier_n"],
                   "kaiming_normal": L["kaiming_n"], "orthogonal": L["orthogonal"], "trunc_normal": L["trunc"]})
nn.init.xavier_uniform_(L["xavier_u"].weight)
nn.init.xavier_normal_(L["xavier_n"].weight)
nn.init.kaiming_normal_(L["kaiming_n"].weight, nonlinearity="relu")
nn.init.orthogonal_(L["orthogonal"].weight)
nn.init.trunc_normal_(L["trunc"].weight, std=0.02)
cases["init-schemes.json"] = record(d, {})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "recipes-torch.json")
with open(out, "w") as f:
    json.dump({"meta": {"torch": torch.__version__, "threads": torch.get_num_threads()}, "cases": cases}, f, indent=1)
    f.write("\n")
print("wrote", out)
