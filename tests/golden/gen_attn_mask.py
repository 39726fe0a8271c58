#!/usr/bin/python3
"""Golden data for MultiheadAttention's masks (tests/core/test-attn-mask.c).

Run with Debian's torch 1.13.1 (OpenBLAS as tests/meson.build pins it):
  OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tests/golden/gen_attn_mask.py
Writes tests/data/attn-mask-golden.json:
  cases   as gen_train_seq.py's "attention" section (Sequential(Embedding(10, E), mha) names the
          parameters; h = emb(x); y = mha(h, h, h, key_padding_mask=kpm, attn_mask=am,
          need_weights=nw, average_attn_weights=aw)[0]; y.backward(gy)) plus "attn_mask" /
          "key_padding_mask": {"dtype": "bool"|"float32"|"int64", "shape", "values"} (floats as
          hex bit patterns, "values" as numbers otherwise), "need_weights", "average_attn_weights"
  errors  {"args", "xshape", "attn_mask"?, "key_padding_mask"?, "message"}: what torch raises
"""
import json
import os
import struct
import warnings

import torch
import torch.nn as nn

from train_golden import attention_case, tens

warnings.simplefilter("ignore")
torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "attn-mask-golden.json")
g = torch.Generator().manual_seed(2468)


def mask_json(m):
    if m is None:
        return None
    if m.dtype == torch.bool:
        return {"dtype": "bool", "shape": list(m.shape), "values": [int(v) for v in m.flatten().tolist()]}
    if m.dtype == torch.int64:
        return {"dtype": "int64", "shape": list(m.shape), "values": m.flatten().tolist()}
    t = tens(m)
    return {"dtype": "float32", "shape": t["shape"], "hex": t["hex"]}


def bool_mask(*shape, p=0.3):
    m = torch.rand(*shape, generator=g) < p
    return m


def float_mask(*shape, p=0.3):
    m = torch.randn(*shape, generator=g)
    m[torch.rand(*shape, generator=g) < p] = float("-inf")
    return m


CASES = []
ERRORS = []


def case(args, shape, am=None, kpm=None, fwd_seed=None, train=True, nw=True, aw=True):
    c = attention_case(args, shape, len(CASES) + 500, g, fwd_seed, train, key_padding_mask=kpm, attn_mask=am,
                       need_weights=nw, average_attn_weights=aw)
    c.update({"need_weights": nw, "average_attn_weights": aw})
    if am is not None:
        c["attn_mask"] = mask_json(am)
    if kpm is not None:
        c["key_padding_mask"] = mask_json(kpm)
    if fwd_seed is not None:
        c["fwd_seed"] = fwd_seed
    CASES.append(c)


def causal(L, S=None):
    S = S or L
    return torch.ones(L, S, dtype=torch.bool).triu(1)


# (L, N, E) unless batch_first; unbatched (L, E)
A = {"embed_dim": 8, "num_heads": 2}
case(A, (5, 3, 8), am=causal(5))                                     # 2-D bool (causal)
case(A, (5, 3, 8), am=float_mask(5, 5))                              # 2-D float with -inf
case(A, (5, 3, 8), am=torch.randn(5, 5, generator=g))                # 2-D float, no -inf
case(A, (5, 3, 8), am=bool_mask(6, 5, 5, p=0.25))                    # 3-D bool (N·H, L, S)
case(A, (5, 3, 8), am=float_mask(6, 5, 5, p=0.2))                    # 3-D float
kp = torch.zeros(3, 5, dtype=torch.bool); kp[0, 4] = True; kp[1, 3:] = True
case(A, (5, 3, 8), kpm=kp)                                           # key_padding_mask bool
case(A, (5, 3, 8), kpm=torch.randn(3, 5, generator=g))               # key_padding_mask float (added)
case(A, (5, 3, 8), am=causal(5), kpm=kp)                             # bool ∨ bool
case(A, (5, 3, 8), am=float_mask(5, 5, p=0.1), kpm=kp)               # float.masked_fill(bool)
case(A, (5, 3, 8), am=causal(5), kpm=torch.randn(3, 5, generator=g))  # bool ∨ float (nonzero)
case(A, (5, 3, 8), am=causal(5), kpm=kp, nw=False)
case(A, (5, 3, 8), am=float_mask(5, 5), nw=True, aw=False)
case({"embed_dim": 8, "num_heads": 2, "batch_first": True}, (3, 5, 8), am=causal(5), kpm=kp)
case(A, (5, 8), am=causal(5), kpm=torch.tensor([False, False, False, True, True]))   # unbatched
case(A, (5, 8), am=bool_mask(2, 5, 5))                               # unbatched, 3-D (H, L, S)
case({"embed_dim": 16, "num_heads": 4}, (12, 3, 16), am=causal(12), kpm=bool_mask(3, 12, p=0.2))  # sgemm
case({"embed_dim": 24, "num_heads": 2}, (9, 2, 24), am=float_mask(9, 9, p=0.2))   # softmax lanes + tail
case({"embed_dim": 8, "num_heads": 2, "add_bias_kv": True}, (5, 3, 8), am=causal(5), kpm=kp)
case({"embed_dim": 8, "num_heads": 2, "add_zero_attn": True}, (5, 3, 8), am=float_mask(5, 5), kpm=kp)
case({"embed_dim": 8, "num_heads": 4, "add_bias_kv": True, "add_zero_attn": True, "batch_first": True}, (3, 4, 8),
     am=bool_mask(12, 4, 4), kpm=torch.randn(3, 4, generator=g))
case({"embed_dim": 8, "num_heads": 2, "dropout": 0.3}, (6, 3, 8), am=causal(6), kpm=bool_mask(3, 6, p=0.2),
     fwd_seed=21)
case(A, (5, 3, 8), am=causal(5), kpm=kp, train=False)
# float attn_mask.masked_fill(float key_padding_mask): torch 1.13 reads each float's lowest byte as the
# mask (0: keep, 1: -inf, else an error): 1.0000001 (bits 3f800001) masks, 1.0 and 0.5 do not
low1 = struct.unpack("<f", struct.pack("<I", 0x3f800001))[0]
kf = torch.zeros(3, 5); kf[0, 2] = low1; kf[1, 0] = 1.0; kf[2, 4] = low1; kf[2, 1] = 0.5
case(A, (5, 3, 8), am=float_mask(5, 5, p=0.1), kpm=kf)
full = torch.zeros(3, 5, dtype=torch.bool); full[1] = True                  # a fully masked row: NaN
case(A, (5, 3, 8), kpm=full)


def error(args, shape, am=None, kpm=None):
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(**args)
    x = torch.randn(*shape)
    try:
        mha(x, x, x, key_padding_mask=kpm, attn_mask=am)
    except Exception as e:   # AssertionError, RuntimeError
        ERRORS.append({"args": args, "xshape": list(shape), "attn_mask": mask_json(am),
                       "key_padding_mask": mask_json(kpm), "message": str(e)})
        return
    raise SystemExit("no error for %r" % ((args, shape, am, kpm),))


error(A, (5, 3, 8), kpm=torch.zeros(3, 5, dtype=torch.int64))
error(A, (5, 3, 8), am=torch.zeros(5, 5, dtype=torch.int64))
error(A, (5, 3, 8), am=torch.zeros(4, 5))
error(A, (5, 3, 8), am=torch.zeros(5, 5, 5, dtype=torch.bool))
error(A, (5, 3, 8), am=torch.zeros(1, 5, 5))
error(A, (5, 3, 8), am=torch.zeros(1, 1, 5, 5))
error(A, (5, 3, 8), kpm=torch.zeros(3, 4, dtype=torch.bool))
error(A, (5, 3, 8), kpm=torch.zeros(5, dtype=torch.bool))
error(A, (5, 3, 8), kpm=torch.zeros(5, 3, dtype=torch.bool))
error(A, (5, 3, 8), am=torch.zeros(5, 5), kpm=torch.randn(3, 5, generator=g))   # masked_fill reads floats' low bytes
error(A, (5, 8), kpm=torch.zeros(1, 5, dtype=torch.bool))
error(A, (5, 8), kpm=torch.zeros(4, dtype=torch.bool))
error(A, (5, 8), am=torch.zeros(3, 5, 5))
error(A, (5, 8), am=torch.zeros(5, 4))
error({"embed_dim": 8, "num_heads": 2, "add_bias_kv": True}, (5, 3, 8), kpm=torch.zeros(3, 5, dtype=torch.bool).T)
error({"embed_dim": 8, "num_heads": 2, "add_bias_kv": True}, (5, 3, 8), am=torch.zeros(5, 6))

# The data of tests/data/attn-mask/train.recipe.json (a train op with fixed masks): 20 sequences of
# 6 tokens of width 8 and their targets, as .npy files (a separate generator: the stream above stays)
import numpy
gd = torch.Generator().manual_seed(97)
DATA = os.path.join(os.path.dirname(OUT), "attn-mask")
Xd = torch.randn(20, 6, 8, generator=gd)
Yd = torch.tanh(Xd.flip(1).cumsum(1) * 0.3)
numpy.save(os.path.join(DATA, "train.X.npy"), Xd.numpy())
numpy.save(os.path.join(DATA, "train.Y.npy"), Yd.numpy())

with open(OUT, "w") as f:
    json.dump({"cases": CASES, "errors": ERRORS}, f, separators=(",", ":"))
    f.write("\n")
print("wrote", OUT, len(CASES), "cases", len(ERRORS), "errors")
for e in ERRORS:
    print(" ", e["message"])
