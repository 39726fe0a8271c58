#!/usr/bin/python3
"""Golden fixtures for the oneDNN paths (tests/data/onednn-golden.json): batched Conv1d/2d/3d
forward and backward, and GELU(approximate='none') forward and backward, from Debian's torch 1.13.

Run:  /usr/bin/python3 tests/golden/gen_onednn.py
The oneDNN ISA is capped at AVX2 (ONEDNN_MAX_CPU_ISA, set here before torch loads libdnnl, and set
for the tests in tests/meson.build), so every x86-64 machine with AVX2 reproduces these bits.

  {"meta": {...}, "conv": [case...], "gelu": [case...]}
conv case: nd, N, C, O, in [..], kernel, stride, padding, dilation, groups, bias, threads
           (torch.set_num_threads for that case), backend (torch._C._select_conv_backend),
           tensors x, w, b?, y, gy, gx, gw, gb? : base64 of little-endian float32
           (y = conv(x); (y * gy).sum().backward())
gelu case: shape, threads, x, y, gy, gx
"""
import base64
import json
import os
import sys

os.environ["ONEDNN_MAX_CPU_ISA"] = "AVX2"
# Slow2d cases go through OpenBLAS: the same kernel set and thread count as tests/meson.build pins
os.environ["OPENBLAS_CORETYPE"] = "Haswell"
os.environ["OPENBLAS_NUM_THREADS"] = "2"
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "onednn-golden.json")


def b64(t):
    return base64.b64encode(t.detach().contiguous().numpy().astype("<f4").tobytes()).decode()


def conv_case(nd, N, C, O, size, k, s=1, p=0, d=1, g=1, bias=True, threads=1, seed=0):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    kk = [k] * nd if isinstance(k, int) else list(k)
    x = torch.randn([N, C] + list(size), requires_grad=True)
    w = (torch.randn([O, C // g] + kk) * 0.3).requires_grad_()
    b = (torch.randn(O) * 0.5).requires_grad_() if bias else None
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nd]
    tup = lambda v: [v] * nd if isinstance(v, int) else list(v)  # noqa: E731
    y = fn(x, w, b, tup(s), tup(p), tup(d), g)
    gy = torch.randn_like(y)
    (y * gy).sum().backward()
    backend = str(torch._C._select_conv_backend(x, w, b, tup(s), tup(p), tup(d), False, [0] * nd, g))
    c = {"nd": nd, "N": N, "C": C, "O": O, "in": list(size), "kernel": kk, "stride": tup(s), "padding": tup(p),
         "dilation": tup(d), "groups": g, "bias": bias, "threads": threads,
         "backend": backend.replace("_ConvBackend.", ""),
         "x": b64(x), "w": b64(w), "y": b64(y), "gy": b64(gy), "gx": b64(x.grad), "gw": b64(w.grad)}
    if bias:
        c["b"] = b64(b)
        c["gb"] = b64(b.grad)
    return c


def gelu_case(shape, threads=1, seed=0):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    x = (torch.randn(shape) * 3)
    flat = x.view(-1)
    specials = [0.0, -0.0, 1e-30, -1e-30, 5.0, -5.0, 9.0, -9.0, 20.0, -20.0, 88.0, -88.0]
    for i, v in enumerate(specials[: flat.numel()]):
        flat[(i * 7) % flat.numel()] = v
    x.requires_grad_()
    y = F.gelu(x)
    gy = torch.randn_like(y)
    (y * gy).sum().backward()
    return {"shape": list(shape), "threads": threads, "x": b64(x), "y": b64(y), "gy": b64(gy), "gx": b64(x.grad)}


def main():
    conv = []
    # Conv2d: groups, dilation, stride, padding, bias; batch > 1 (oneDNN in torch)
    for (C, O, g) in [(3, 8, 1), (4, 8, 2), (16, 16, 4), (8, 8, 8), (8, 16, 8)]:
        for (k, s, p, d) in [(3, 1, 1, 1), (3, 2, 0, 1), (5, 1, 2, 1), (3, 1, 2, 2), ((3, 2), (2, 1), (1, 0), (2, 1))]:
            for bias in (True, False):
                conv.append(conv_case(2, 2 if C > 4 else 3, C, O, (9, 7), k, s, p, d, g, bias, seed=len(conv)))
    conv.append(conv_case(2, 8, 8, 8, (7, 6), 1, threads=1, seed=100))       # 1×1, batch 8: Slow2d at 1 thread
    conv.append(conv_case(2, 16, 8, 8, (6, 6), 1, seed=101))                     # 1×1, batch 16: Mkldnn
    conv.append(conv_case(2, 1, 4, 4, (8, 8), 3, seed=102))                      # batch 1: Slow2d
    conv.append(conv_case(2, 1, 4, 8, (8, 8), 3, g=2, seed=103))                 # batch 1, groups 2: Mkldnn
    conv.append(conv_case(2, 1, 4, 4, (8, 8), 5, seed=104))                      # batch 1, 5×5: Mkldnn
    conv.append(conv_case(2, 4, 8, 16, (8, 7), 3, p=1, threads=2, seed=105))  # two threads
    conv.append(conv_case(2, 8, 8, 8, (9, 9), 3, s=2, threads=2, seed=106))
    # Conv1d
    for (C, O, g) in [(1, 4, 1), (4, 8, 1), (8, 8, 2), (6, 6, 6)]:
        for (k, s, p, d) in [(3, 1, 1, 1), (5, 2, 2, 1), (3, 1, 0, 2), (1, 1, 0, 1)]:
            conv.append(conv_case(1, 4, C, O, (23,), k, s, p, d, g, bias=(k != 5), seed=200 + len(conv)))
    # Conv3d
    for (C, O, g) in [(1, 4, 1), (4, 8, 2)]:
        for (k, s, p, d) in [(3, 1, 1, 1), (3, 2, 0, 1), (2, 1, 1, 2)]:
            conv.append(conv_case(3, 2, C, O, (6, 7, 5), k, s, p, d, g, bias=True, seed=300 + len(conv)))
    gelu = [gelu_case(s, seed=i) for i, s in enumerate([(2,), (7,), (17,), (8, 16), (3, 5, 7), (1000,), (4097,),
                                                        (2, 3, 4, 5), (8193,)])]
    gelu.append(gelu_case((4097,), threads=2, seed=50))
    meta = {"torch": torch.__version__, "onednn_max_cpu_isa": os.environ["ONEDNN_MAX_CPU_ISA"],
            "generator": "tests/golden/gen_onednn.py"}
    with open(OUT, "w") as f:
        json.dump({"meta": meta, "conv": conv, "gelu": gelu}, f, separators=(",", ":"))
        f.write("\n")
    n = sum(len(c["y"]) for c in conv)
    print("wrote", OUT, len(conv), "conv cases,", len(gelu), "gelu cases", file=sys.stderr)
    backends = {}
    for c in conv:
        backends[c["backend"]] = backends.get(c["backend"], 0) + 1
    print(backends, n, file=sys.stderr)


if __name__ == "__main__":
    main()
