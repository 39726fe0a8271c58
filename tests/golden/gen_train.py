#!/usr/bin/python3
"""Golden data for training: losses, layer backwards, optimizers, schedulers, data, end-to-end runs.

Run with Debian's torch 1.13.1 (OpenBLAS as tests/meson.build pins it):
  OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tests/golden/gen_train.py
Writes tests/data/train-golden/<Type>.json (golden_split.py: one file a loss, optimizer, scheduler or
toy data set type; loader cases and runs in _shared.json); with ATEN_CPU_CAPABILITY=avx512 (same line) only the runs, to
tests/data/train-golden-avx512.json. float32 tensors are {"shape", "hex": [8-hex-digit bit patterns]},
doubles 16-hex-digit strings (as the other golden files).

Sections:
  losses     {"type", "args", "x", "t" (tensor, or "ti": int list), "loss", "grad"?}: loss_fn(x, t) and,
             for scalar losses, x.grad after loss.backward()
  optim      {"type", "args", "params": [tensor], "grads": [[tensor per param] per step],
             "steps": [{"params": [...], "state": [{name: tensor or number}] }]}: the optimizer on
             leaf tensors whose .grad is set to the stored gradients before each step
  sched      {"type", "args", "opt": {"type", "args"}, "lrs": [double hex], "momentum": [...]}: lr after
             construction, then after each scheduler.step() (optimizer.step() before each)
  loader     {"seed", "n", "batch_size", "shuffle", "drop_last", "epochs", "batches": [[idx]], "probe"}:
             manual_seed(seed); for each epoch the batches of DataLoader(TensorDataset(arange(n))), then
             probe = torch.randint(0, 2**31, (2,)) (checks the draw count)
  toy        {"type", "n", "seed", "x", "y", "probe"}
  runs       end-to-end: {"name", "seed", "data", "n", "model": [layer specs], "loss", "opt", "sched"?,
             "batch_size", "shuffle", "drop_last", "steps", "clip"?, "record": [{"loss", "params":
             {path: tensor}, "grads": {path: tensor}}]} (see run() below for the exact torch code)
"""
import json
import math
import os
import warnings

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

import golden_split  # noqa: E402
from train_golden import dhex, loss_case, tens, toy

warnings.simplefilter("ignore")
torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "train-golden")


g = torch.Generator().manual_seed(1234)


def randn(*shape, scale=1.0):
    return torch.randn(*shape, generator=g) * scale


# ---------------- losses ----------------
LOSSES = []


for (N, C) in [(1, 2), (7, 3), (8, 9), (32, 10), (33, 17), (100, 5)]:
    for red in ["mean", "sum", "none"]:
        for typ in ["CrossEntropyLoss", "NLLLoss"]:
            x = randn(N, C, scale=3.0)
            if typ == "NLLLoss":
                x = torch.log_softmax(x, 1)
            t = torch.randint(0, C, (N,), generator=g)
            loss_case(LOSSES, typ, {"reduction": red}, x, t)
        x = randn(N, C, scale=2.0)
        tt = randn(N, C, scale=2.0)
        for typ, extra in [("MSELoss", {}), ("L1Loss", {}), ("SmoothL1Loss", {}), ("SmoothL1Loss", {"beta": 0.5}),
                           ("HuberLoss", {}), ("HuberLoss", {"delta": 0.7})]:
            loss_case(LOSSES, typ, dict(extra, reduction=red), x, tt)
        tb = torch.rand(N, C, generator=g)
        loss_case(LOSSES, "BCEWithLogitsLoss", {"reduction": red}, x, tb)
        loss_case(LOSSES, "BCEWithLogitsLoss", {"reduction": red, "pos_weight": (torch.rand(C, generator=g) * 3).tolist()}, x, tb)
        loss_case(LOSSES, "BCELoss", {"reduction": red}, torch.sigmoid(x), tb)
    # weights, ignore_index
    x = randn(N, C, scale=3.0)
    t = torch.randint(0, C, (N,), generator=g)
    if N > 2:
        t[1] = -100
        t[N - 1] = 1 if C > 1 else 0
    w = (torch.rand(C, generator=g) + 0.5).tolist()
    for red in ["mean", "sum"]:
        loss_case(LOSSES, "CrossEntropyLoss", {"reduction": red, "weight": w}, x, t)
        loss_case(LOSSES, "CrossEntropyLoss", {"reduction": red}, x, t)
        loss_case(LOSSES, "NLLLoss", {"reduction": red, "weight": w}, torch.log_softmax(x, 1), t)
        t2 = t.clone()
        t2[t2 == -100] = 0
        t2[0] = C - 1
        loss_case(LOSSES, "CrossEntropyLoss", {"reduction": red, "ignore_index": C - 1}, x, t2)

# ---------------- optimizers ----------------
OPTIM = []
OPT_CONFIGS = [
    ("SGD", {"lr": 0.1}), ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.001}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "maximize": True}),
    ("Adam", {}), ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "maximize": True}),
    ("AdamW", {}), ("AdamW", {"lr": 0.02, "amsgrad": True, "weight_decay": 0.1}),
    ("RMSprop", {}), ("RMSprop", {"lr": 0.005, "alpha": 0.9, "centered": True, "momentum": 0.5, "weight_decay": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "eps": 1e-6, "maximize": True}),
    ("Adagrad", {}), ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.01, "initial_accumulator_value": 0.1,
                                 "eps": 1e-8}),
]
for typ, args in OPT_CONFIGS:
    ps = [randn(15), randn(37, scale=0.5), randn(4, 25, scale=0.1)]
    params = [p.clone().requires_grad_(True) for p in ps]
    opt = getattr(torch.optim, typ)(params, **args)
    grads, steps = [], []
    for s in range(8):
        gs = [randn(*p.shape, scale=10 ** (s % 4 - 2)) for p in params]
        for gg in gs:
            gg[0] = 0.0
        for p, gg in zip(params, gs):
            p.grad = gg.clone()
        opt.step()
        st = []
        for p in params:
            d = {}
            for k, v in opt.state[p].items():
                if v is None:
                    continue
                d[k] = tens(v) if torch.is_tensor(v) and v.dim() > 0 else float(v)
            st.append(d)
        grads.append([tens(x) for x in gs])
        steps.append({"params": [tens(p) for p in params], "state": st})
    OPTIM.append({"type": typ, "args": {k: list(v) if isinstance(v, tuple) else v for k, v in args.items()},
                  "params": [tens(p) for p in ps], "grads": grads, "steps": steps})

# ---------------- schedulers ----------------
SCHED = []
SCHED_CONFIGS = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}, ("SGD", {"lr": 0.1, "momentum": 0.9})),
    ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}, ("SGD", {"lr": 0.1})),
    ("ExponentialLR", {"gamma": 0.93}, ("Adam", {"lr": 0.01})),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}, ("SGD", {"lr": 0.1})),
    ("CosineAnnealingLR", {"T_max": 10}, ("Adam", {"lr": 0.003})),
    ("LinearLR", {"start_factor": 0.25, "end_factor": 0.9, "total_iters": 6}, ("SGD", {"lr": 0.1})),
    ("LinearLR", {}, ("AdamW", {"lr": 0.01})),
    ("OneCycleLR", {"max_lr": 0.5, "total_steps": 25}, ("SGD", {"lr": 0.1, "momentum": 0.9})),
    ("OneCycleLR", {"max_lr": 0.01, "epochs": 3, "steps_per_epoch": 8, "pct_start": 0.4, "anneal_strategy": "linear",
                    "three_phase": True, "div_factor": 10.0, "final_div_factor": 100.0}, ("Adam", {"lr": 0.001})),
    ("OneCycleLR", {"max_lr": 0.2, "total_steps": 12, "cycle_momentum": False}, ("RMSprop", {"lr": 0.01})),
]
for typ, args, (otyp, oargs) in SCHED_CONFIGS:
    p = torch.zeros(3, requires_grad=True)
    opt = getattr(torch.optim, otyp)([p], **oargs)
    sch = getattr(torch.optim.lr_scheduler, typ)(opt, **args)

    def mom():
        gr = opt.param_groups[0]
        return gr["betas"][0] if "betas" in gr else gr.get("momentum", 0.0)
    lrs, moms = [dhex(opt.param_groups[0]["lr"])], [dhex(mom())]
    n = 24 if typ == "OneCycleLR" and "epochs" in args else (25 if typ == "OneCycleLR" and args.get("total_steps") == 25 else 12 if typ == "OneCycleLR" else 30)
    for s in range(n):
        p.grad = torch.zeros(3)
        opt.step()
        sch.step()
        lrs.append(dhex(opt.param_groups[0]["lr"]))
        moms.append(dhex(mom()))
    SCHED.append({"type": typ, "args": args, "opt": {"type": otyp, "args": oargs}, "lrs": lrs, "momentum": moms})

# ---------------- DataLoader order ----------------
LOADER = []
for seed, n, bs, sh, dl in [(0, 10, 3, True, False), (0, 10, 3, True, True), (0, 10, 3, False, False),
                            (1, 200, 32, True, False), (7, 65, 64, True, True), (3, 1, 1, True, False)]:
    torch.manual_seed(seed)
    loader = DataLoader(TensorDataset(torch.arange(n)), batch_size=bs, shuffle=sh, drop_last=dl)
    batches = []
    for e in range(2):
        for (b,) in loader:
            batches.append(b.tolist())
    LOADER.append({"seed": seed, "n": n, "batch_size": bs, "shuffle": sh, "drop_last": dl, "epochs": 2,
                   "batches": batches, "probe": torch.randint(0, 2 ** 31, (2,)).tolist()})

# ---------------- toy data ----------------
TOY = []
for typ in ["xor", "circles", "blobs"]:
    for seed, n in [(0, 50), (5, 17)]:
        torch.manual_seed(seed)
        X, y = toy(typ, n)
        TOY.append({"type": typ, "n": n, "seed": seed, "x": tens(X), "y": y.tolist(),
                    "probe": torch.randint(0, 2 ** 31, (2,)).tolist()})

# ---------------- end-to-end runs ----------------
RUNS = []


def build(spec, n_in, n_out):
    """spec: list of ("Linear", out|None) / ("Tanh",) / ("ReLU",) / ("Sigmoid",) / ("LeakyReLU", slope) /
    ("Dropout", p) / ("Shared", index of an earlier layer) — the same module placed again."""
    mods, dims = [], n_in
    for item in spec:
        k = item[0]
        if k == "Linear":
            o = item[1] if item[1] is not None else n_out
            mods.append(nn.Linear(dims, o))
            dims = o
        elif k == "Shared":
            mods.append(mods[item[1]])
        elif k == "LeakyReLU":
            mods.append(nn.LeakyReLU(item[1]))
        elif k == "Dropout":
            mods.append(nn.Dropout(item[1]))
        else:
            mods.append(getattr(nn, k)())
    return nn.Sequential(*mods)


def clip_json(v):
    """A recipe number: NaN and infinities as the strings "nan", "inf", "-inf"."""
    if v is None or math.isfinite(v):
        return v
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def run(name, seed, data, spec, loss, opt, steps, bs=32, n=200, shuffle=True, drop_last=False, sched=None,
        clip=None, every=1):
    torch.manual_seed(seed)
    X, y = toy(data, n)
    n_classes = int(y.max()) + 1
    if loss[0] in ("BCEWithLogitsLoss", "MSELoss"):
        target = y.float().unsqueeze(1)
        n_out = 1
    else:
        target = y
        n_out = n_classes
    model = build(spec, 2, n_out)
    optim = getattr(torch.optim, opt[0])(model.parameters(), **opt[1])
    sch = getattr(torch.optim.lr_scheduler, sched[0])(optim, **sched[1]) if sched else None
    loss_fn = getattr(nn, loss[0])(**loss[1])
    loader = DataLoader(TensorDataset(X, target), batch_size=bs, shuffle=shuffle, drop_last=drop_last)
    rec = []
    step = 0
    while step < steps:
        for xb, yb in loader:
            optim.zero_grad()
            out = model(xb)
            l = loss_fn(out, yb)
            l.backward()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            optim.step()
            if sch is not None:
                sch.step()
            step += 1
            if step % every == 0:
                rec.append({"loss": tens(l), "lr": dhex(optim.param_groups[0]["lr"]),
                            "params": {k: tens(v) for k, v in model.named_parameters()},
                            "grads": {k: tens(v.grad) for k, v in model.named_parameters()}})
            if step >= steps:
                break
    RUNS.append({"name": name, "seed": seed, "data": data, "n": n, "model": spec, "loss": list(loss),
                 "opt": list(opt), "sched": list(sched) if sched else None, "batch_size": bs, "shuffle": shuffle,
                 "drop_last": drop_last, "steps": steps, "clip": clip_json(clip), "every": every, "record": rec,
                 "probe": torch.randint(0, 2 ** 31, (2,)).tolist()})


CE = ("CrossEntropyLoss", {})
for data in ["xor", "circles", "blobs"]:
    for act in ["Tanh", "ReLU"]:
        run(f"{data}-{act}-sgd", 0, data, [("Linear", 16), (act,), ("Linear", None)], CE,
            ("SGD", {"lr": 0.1, "momentum": 0.9}), 20)
        run(f"{data}-{act}-adam", 1, data, [("Linear", 16), (act,), ("Linear", None)], CE, ("Adam", {"lr": 0.01}), 20)
run("xor-h1-adamw", 2, "xor", [("Linear", 1), ("Tanh",), ("Linear", None)], CE, ("AdamW", {"lr": 0.02}), 15)
run("blobs-h7-rmsprop", 3, "blobs", [("Linear", 7), ("Sigmoid",), ("Linear", None)], CE,
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}), 15, drop_last=True)
run("circles-deep-adagrad", 4, "circles", [("Linear", 32), ("LeakyReLU", 0.1), ("Linear", 32), ("Tanh",),
                                            ("Linear", None)], CE, ("Adagrad", {"lr": 0.05, "lr_decay": 0.01}), 15)
run("xor-shared", 5, "xor", [("Linear", 8), ("Tanh",), ("Linear", 8), ("Tanh",), ("Shared", 2), ("Tanh",),
                             ("Shared", 2), ("Tanh",), ("Linear", None)], CE, ("SGD", {"lr": 0.1}), 12)
run("xor-dropout", 6, "xor", [("Linear", 16), ("ReLU",), ("Dropout", 0.3), ("Linear", None)], CE,
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}), 15)
run("circles-bce", 7, "circles", [("Linear", 16), ("Tanh",), ("Linear", None)], ("BCEWithLogitsLoss", {}),
    ("Adam", {"lr": 0.01}), 15)
run("xor-mse-sum", 8, "xor", [("Linear", 16), ("Tanh",), ("Linear", None)], ("MSELoss", {"reduction": "sum"}),
    ("SGD", {"lr": 0.01}), 10, shuffle=False)
run("blobs-sched-clip", 9, "blobs", [("Linear", 16), ("ReLU",), ("Linear", None)], CE,
    ("SGD", {"lr": 0.5, "momentum": 0.9}), 20, sched=("OneCycleLR", {"max_lr": 0.5, "total_steps": 20}), clip=0.5)
run("xor-every3", 10, "xor", [("Linear", 16), ("Tanh",), ("Linear", None)], CE, ("Adam", {"lr": 0.01}), 21,
    sched=("StepLR", {"step_size": 5, "gamma": 0.5}), every=3, bs=50)
# clip_grad_norm_ checks nothing in torch 1.13: max_norm 0 zeroes the gradients, a negative one flips
# them, NaN makes them (and then the parameters) NaN, inf leaves them as they are
for i, (clip, opt) in enumerate([(0.0, ("SGD", {"lr": 0.1, "momentum": 0.9})), (-0.5, ("SGD", {"lr": 0.1})),
                                 (float("nan"), ("Adam", {"lr": 0.01})), (float("inf"), ("SGD", {"lr": 0.1}))]):
    run(f"xor-clip-{clip_json(clip)}", 11 + i, "xor", [("Linear", 8), ("Tanh",), ("Linear", None)], CE, opt, 4,
        bs=50, clip=clip)

if os.environ.get("ATEN_CPU_CAPABILITY") == "avx512":
    # the runs as torch computes them at its AVX512 capability (16-lane sums, log_softmax rows,
    # sigmoid blocks of 32): tests/meson.build's test-train-recipe-avx512 replays them there
    OUT = os.path.join(os.path.dirname(OUT), "train-golden-avx512.json")
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "capability": "avx512", "runs": RUNS}, f, separators=(",", ":"))
    print("wrote", OUT, os.path.getsize(OUT), "bytes;", len(RUNS), "runs")
    raise SystemExit(0)
# one file per loss, optimizer, scheduler and toy data set type; loader and runs in _shared.json
golden_split.write({"torch": torch.__version__, "losses": LOSSES, "optim": OPTIM, "sched": SCHED, "loader": LOADER,
                    "toy": TOY, "runs": RUNS}, "train-golden")
print("wrote", OUT + "/", len(LOSSES), "losses,", len(OPTIM), "optim,", len(SCHED),
      "sched,", len(LOADER), "loader,", len(TOY), "toy,", len(RUNS), "runs")
