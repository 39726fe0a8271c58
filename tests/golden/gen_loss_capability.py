#!/usr/bin/python3
"""Every loss and reduction as torch 1.13 computes it at each of ATen's CPU capabilities: AVX2 (what
torch runs on a CPU with AVX2; a recipe's default flavour), AVX512 (ATEN_CPU_CAPABILITY=avx512) and
DEFAULT (the portable build: a CPU without AVX2, or ATEN_CPU_CAPABILITY=default; a recipe's
"flavour": "default"). For tests/core/test-loss.c run as test-loss-capability and
test-loss-capability-avx512 (tests/meson.build).

The DEFAULT build's Vectorized<float> is vec_base.h's generic 8-lane one: exp/log are std::exp/std::log
(glibc), there is no fused multiply-add, and vec::reduce_all adds the lanes in order — so log_softmax,
its backward (CrossEntropyLoss), BCEWithLogitsLoss and sigmoid differ from the AVX2 build. The AVX512
build has 16 lanes. Row lengths below, at and above the lanes, and tails of every length, are covered.

    ONEDNN_MAX_CPU_ISA=AVX2 OMP_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 \\
      /usr/bin/python3 tests/golden/gen_loss_capability.py

torch reads ATEN_CPU_CAPABILITY when it is imported, so each capability runs in its own interpreter
(this script with --capability CAP FILE, which prints its results for the inputs in FILE; the
inputs are made once, by --inputs at AVX2: randn and softmax themselves differ between capabilities). AVX512 needs a CPU with AVX-512.
Writes tests/data/loss-golden-capabilities/<LossType>.json (golden_split.py: one file a loss type,
"capabilities" in _shared.json), together
  {"meta": {...}, "capabilities": ["avx2", "avx512", "default"],
   "losses": [{"type", "args", "x", "t" | "ti", "results": {cap: {"loss", "grad"?}}}]}
with the inputs as train_golden.loss_case writes them (float32 bit patterns) and each result of more
than 16 values as {"shape", "sha256"} of its little-endian float32 bytes; "grad" (x.grad after
loss.backward()) for the scalar reductions.
"""
import hashlib
import json
import os
import struct
import subprocess
import sys

import golden_split

CAPS = ("avx2", "avx512", "default")
SHOWN = {"avx2": "AVX2", "avx512": "AVX512", "default": "NO AVX"}   # torch.__config__.show()'s words
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "loss-golden-capabilities")


def inputs():
    """The cases' inputs, made once (at AVX2: randn fills and softmax differ between capabilities)."""
    import torch
    from train_golden import tens
    g = torch.Generator().manual_seed(4242)
    out = []

    def case(typ, args, x, t):
        c = {"type": typ, "args": args, "x": tens(x)}
        if t.dtype == torch.int64:
            c["ti"] = t.tolist()
        else:
            c["t"] = tens(t)
        out.append(c)
    # rows shorter than 8 lanes, one vector and a partial one, 2 and 5 vectors (AVX512: 16 lanes)
    for (N, C) in [(7, 3), (8, 9), (12, 10), (5, 17), (3, 40), (10, 2)]:
        for red in ["mean", "sum", "none"]:
            x = torch.randn(N, C, generator=g) * 3.0
            t = torch.randint(0, C, (N,), generator=g)
            w = (torch.rand(C, generator=g) * 1.5 + 0.5).tolist()
            case("CrossEntropyLoss", {"reduction": red}, x, t)
            case("CrossEntropyLoss", {"reduction": red, "weight": w}, x, t)
            case("CrossEntropyLoss", {"reduction": red, "label_smoothing": 0.15}, x, t)
            case("CrossEntropyLoss", {"reduction": red, "label_smoothing": 0.2, "weight": w}, x, t)
            ti = t.clone()
            ti[::3] = 1
            case("CrossEntropyLoss", {"reduction": red, "ignore_index": 1}, x, ti)
            p = torch.softmax(torch.randn(N, C, generator=g), 1)
            case("CrossEntropyLoss", {"reduction": red}, x, p)
            case("CrossEntropyLoss", {"reduction": red, "label_smoothing": 0.1, "weight": w}, x, p)
            case("NLLLoss", {"reduction": red}, torch.log_softmax(x, 1), t)
            case("NLLLoss", {"reduction": red, "weight": w}, torch.log_softmax(x, 1), t)
            x = torch.randn(N, C, generator=g) * 2.0
            tt = torch.randn(N, C, generator=g) * 2.0
            for typ, extra in [("MSELoss", {}), ("L1Loss", {}), ("SmoothL1Loss", {}), ("SmoothL1Loss", {"beta": 0.6}),
                               ("HuberLoss", {}), ("HuberLoss", {"delta": 0.7})]:
                case(typ, dict(extra, reduction=red), x, tt)
            tb = torch.rand(N, C, generator=g)
            pw = (torch.rand(C, generator=g) * 2.5 + 0.5).tolist()
            case("BCEWithLogitsLoss", {"reduction": red}, x, tb)
            case("BCEWithLogitsLoss", {"reduction": red, "pos_weight": pw}, x, tb)
            case("BCELoss", {"reduction": red}, torch.sigmoid(x), tb)
    return out


def tensor(t):
    import torch
    b = b"".join(struct.pack("<I", int(h, 16)) for h in t["hex"])
    return torch.tensor(struct.unpack("<%df" % len(t["hex"]), b), dtype=torch.float32).reshape(t["shape"])


def losses(cases):
    """loss_fn(x, t) and x.grad after loss.backward() (scalar reductions) for each case, at this
    interpreter's capability."""
    import torch
    from train_golden import loss_case
    out = []
    for c in cases:
        t = torch.tensor(c["ti"], dtype=torch.int64) if "ti" in c else tensor(c["t"])
        loss_case(out, c["type"], c["args"], tensor(c["x"]), t)
        assert out[-1]["x"] == c["x"]
    return out


def hashed(t):
    """A result of more than 16 values as {"shape", "sha256"} of its little-endian float32 bytes."""
    if len(t["hex"]) <= 16:
        return t
    b = b"".join(struct.pack("<I", int(h, 16)) for h in t["hex"])
    return {"shape": t["shape"], "sha256": hashlib.sha256(b).hexdigest()}


def child(cap, path):
    import torch
    torch.set_num_threads(1)
    assert "CPU capability usage: %s\n" % SHOWN[cap] in torch.__config__.show(), \
        "torch does not run at %s here (AVX512 needs a CPU with AVX-512)" % cap
    with open(path) as f:
        cases = json.load(f)
    json.dump({"torch": torch.__version__, "losses": losses(cases)}, sys.stdout)


def main():
    import tempfile
    env = dict(os.environ)
    env.pop("ATEN_CPU_CAPABILITY", None)
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--inputs"], env=env, capture_output=True,
                       text=True, check=True)
    runs = {}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        f.write(p.stdout)
        f.flush()
        for cap in CAPS:
            env = dict(os.environ)
            env.pop("ATEN_CPU_CAPABILITY", None)
            if cap != "avx2":
                env["ATEN_CPU_CAPABILITY"] = cap
            p = subprocess.run([sys.executable, os.path.abspath(__file__), "--capability", cap, f.name], env=env,
                               capture_output=True, text=True, check=True)
            runs[cap] = json.loads(p.stdout)
    cases = []
    for i, base in enumerate(runs["avx2"]["losses"]):
        c = {k: base[k] for k in ("type", "args", "x", "t", "ti") if k in base}
        c["results"] = {}
        for cap in CAPS:
            other = runs[cap]["losses"][i]
            assert all(other.get(k) == c.get(k) for k in ("type", "args", "x", "t", "ti")), "inputs differ"
            c["results"][cap] = {k: hashed(other[k]) for k in ("loss", "grad") if k in other}
        cases.append(c)
    # one file per loss type (golden_split.py; the capabilities in _shared.json)
    golden_split.write({"meta": {"torch_version": runs["avx2"]["torch"], "generator": "tests/golden/gen_loss_capability.py"},
                        "capabilities": list(CAPS), "losses": cases}, "loss-golden-capabilities")
    differ = {cap: sum(1 for c in cases if c["results"][cap] != c["results"]["avx2"]) for cap in CAPS[1:]}
    print("wrote %d cases to %s; cases whose results differ from AVX2's: %s"
          % (len(cases), OUT, differ), file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--inputs":
        json.dump(inputs(), sys.stdout)
    elif len(sys.argv) == 4 and sys.argv[1] == "--capability":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
