"""What the training golden scripts (gen_train.py, gen_train_seq.py) share: how their JSON encodes
float32 tensors ({"shape", "hex": [8-hex-digit bit patterns]}) and doubles (16 hex digits), and
the loss case they record (loss_fn(x, t) and, for scalar losses, x.grad after loss.backward())."""
import struct

import torch
import torch.nn as nn


def tens(t):
    t = t.detach().contiguous().to(torch.float32)
    return {"shape": list(t.shape),
            "hex": [format(struct.unpack("<I", struct.pack("<f", v))[0], "08x") for v in t.flatten().tolist()]}


def dhex(v):
    return format(struct.unpack("<Q", struct.pack("<d", float(v)))[0], "016x")


def loss_case(cases, typ, args, x, t):
    """Appends {"type", "args", "x", "t" (tensor) or "ti" (int list), "loss", "grad"?} to cases."""
    x = x.clone().requires_grad_(True)
    fn = getattr(nn, typ)(**{k: (torch.tensor(v) if k in ("weight", "pos_weight") else v) for k, v in args.items()})
    out = fn(x, t)
    c = {"type": typ, "args": args, "x": tens(x)}
    if t.dtype == torch.int64:
        c["ti"] = t.tolist()
    else:
        c["t"] = tens(t)
    c["loss"] = tens(out)
    if out.dim() == 0:
        out.backward()
        c["grad"] = tens(x.grad)
    cases.append(c)
