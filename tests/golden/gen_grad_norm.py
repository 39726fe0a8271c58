"""torch.norm(x, 2) of contiguous float32 vectors of every length 1..4096 and
torch.nn.utils.clip_grad_norm_ over parameter lists, at ATen's three CPU capabilities
(ATEN_CPU_CAPABILITY=avx2, avx512, default; torch reads it at import, so each runs in its own
interpreter). Writes tests/data/grad-norm-golden.json for tests/core/test-clip-grad.c.

The values are not stored: value i of the whole stream is a float built from lowbias32(i) (the
C test computes the same bits), so the fixture holds only torch's results.

    /usr/bin/python3 tests/golden/gen_grad_norm.py
"""
import json
import os
import struct
import subprocess
import sys

import numpy as np

MAX_LEN = 4096
REPS = 3                      # vectors per length, at these binary scales:
SCALES = [-20, 0, 12]         # value exponents spread over [scale - spread/2, scale + spread/2 - 1]
SPREADS = [16, 2, 16]         # binades: 2 for values of one size (like randn's), where torch's order shows most
# clip_grad_norm_ cases: parameter counts (the stacked norms' length: mod 8 in 4..7 and >= 8
# among them), max_norm
CLIP_COUNTS = [1, 3, 4, 7, 8, 12, 13, 15, 20, 21, 28, 31, 36]
CLIP_MAX = [1.0, 1e9]
CLIP_BASE = 1 << 28          # stream index where the clip cases' values start


def lowbias32(i):
    x = np.asarray(i, dtype=np.uint64) & np.uint64(0xffffffff)
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x7feb352d)) & np.uint64(0xffffffff)
    x ^= x >> np.uint64(15)
    x = (x * np.uint64(0x846ca68b)) & np.uint64(0xffffffff)
    x ^= x >> np.uint64(16)
    return x


def values(start, n, scale, spread=16):
    """n floats from stream indices start..start+n-1: sign bit 31, exponent
    scale - spread/2 + ((h >> 23) & (spread - 1)), mantissa the low 23 bits."""
    h = lowbias32(np.arange(start, start + n, dtype=np.uint64))
    sign = (h >> np.uint64(31)) & np.uint64(1)
    ex = (np.uint64(127 + scale - spread // 2) + ((h >> np.uint64(23)) & np.uint64(spread - 1)))
    bits = (sign << np.uint64(31)) | (ex << np.uint64(23)) | (h & np.uint64(0x7fffff))
    return bits.astype(np.uint32).view(np.float32)


def fhex(v):
    return format(struct.unpack("<I", struct.pack("<f", float(v)))[0], "08x")


def clip_shapes(k, case):
    """Parameter sizes of clip case `case` with k parameters: 1..40 from the stream."""
    h = lowbias32(np.arange(CLIP_BASE - 4096 + 64 * case, CLIP_BASE - 4096 + 64 * case + k, dtype=np.uint64))
    return [int(v % 40) + 1 for v in h]


def run_capability():
    import torch
    import torch.nn as nn
    torch.set_num_threads(1)
    norms = []
    start = 0
    for n in range(1, MAX_LEN + 1):
        for r in range(REPS):
            x = torch.from_numpy(values(start, n, SCALES[r], SPREADS[r]).copy())
            start += n
            norms.append(fhex(torch.norm(x, 2).item()))
    clips = []
    start = CLIP_BASE
    for ci, k in enumerate(CLIP_COUNTS):
        for max_norm in CLIP_MAX:
            sizes = clip_shapes(k, ci)
            params = []
            for j, s in enumerate(sizes):
                p = nn.Parameter(torch.zeros(s))
                p.grad = torch.from_numpy(values(start, s, [-6, 0, 3][j % 3]).copy())
                start += s
                params.append(p)
            total = nn.utils.clip_grad_norm_(params, max_norm)
            clips.append({"sizes": sizes, "max_norm": max_norm, "total": fhex(total.item()),
                          "grads": "".join(fhex(v) for p in params for v in p.grad.tolist())})
    return {"norms": "".join(norms), "clip": clips}


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        json.dump(run_capability(), sys.stdout)
        return
    import torch
    out = {"torch": torch.__version__, "max_len": MAX_LEN, "reps": REPS, "scales": SCALES, "spreads": SPREADS,
           "clip_base": CLIP_BASE, "capabilities": {}}
    for cap in ["avx2", "avx512", "default"]:
        env = dict(os.environ, ATEN_CPU_CAPABILITY=cap, OMP_NUM_THREADS="1")
        res = subprocess.run([sys.executable, __file__, "--one"], env=env, check=True, capture_output=True)
        out["capabilities"][cap] = json.loads(res.stdout)
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "data", "grad-norm-golden.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    caps = out["capabilities"]
    def chunks(s):
        return [s[i:i + 8] for i in range(0, len(s), 8)]
    a2, a5, d = (chunks(caps[c]["norms"]) for c in ["avx2", "avx512", "default"])
    print("wrote", path, "norms per capability:", len(a2), "avx512 != avx2:", sum(x != y for x, y in zip(a2, a5)),
          "default != avx2:", sum(x != y for x, y in zip(a2, d)), file=sys.stderr)


if __name__ == "__main__":
    main()
