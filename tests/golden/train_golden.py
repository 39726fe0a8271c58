"""What the training golden scripts (gen_train.py, gen_train_seq.py, gen_train_conv.py, gen_backward.py,
gen_scenarios.py, random_train_recipes.py, gen_attn_batch_first.py, gen_attn_mask.py) share: how their
JSON encodes float32 tensors ({"shape", "hex": [8-hex-digit bit patterns]}) and doubles (16 hex
digits); the loss case they record (loss_fn(x, t) and, for scalar losses, x.grad after
loss.backward()); the toy data sets; Paramscope's Sequential; the train op's loop in torch; and
running exported scripts through run_export.py."""
import json
import os
import struct
import subprocess
import sys

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


CENTERS = torch.tensor([[-2.0, -1.0], [2.0, -1.0], [0.0, 2.0]])


def toy(typ, n):
    """The dataset op's torch code for the toy sets (docs/recipe-format.md)."""
    if typ == "xor":
        X = torch.rand(n, 2) * 2 - 1
        y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).long()
        X = X + 0.1 * torch.randn(n, 2)
    elif typ == "circles":
        X = torch.randn(n, 2)
        y = (X.pow(2).sum(1) < 1).long()
    else:
        y = torch.randint(0, 3, (n,))
        X = CENTERS[y] + 0.4 * torch.randn(n, 2)
    return X, y


class Seq(nn.Sequential):
    """nn.Sequential that passes on [0] of a tuple (an RNN's output), as Paramscope's Sequential."""
    def forward(self, x):
        for m in self:
            x = m(x)
            if isinstance(x, tuple):
                x = x[0]
        return x


def batches(loader, steps):
    """The batches of `steps` optimizer steps: epochs of the loader, cut after the last step (no
    batch is drawn after it, so the generator's state afterwards is the train op's)."""
    step = 0
    while step < steps:
        for b in loader:
            yield b
            step += 1
            if step >= steps:
                return


def train_record(model, optim, loss_fn, loader, steps, record, clip=None):
    """The train op in torch: `steps` optimizer steps (zero_grad, loss_fn(model(x), y), backward,
    clip_grad_norm_(clip) when given, step); returns [record(loss) after each step]."""
    rec = []
    for xb, yb in batches(loader, steps):
        optim.zero_grad()
        l = loss_fn(model(xb), yb)
        l.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optim.step()
        rec.append(record(l))
    return rec


def run_exports(runs):
    """Runs each (recipe, script, result) through run_export.py with this Python, and fails naming
    the script when the exported script itself failed."""
    here = os.path.dirname(os.path.abspath(__file__))
    for recipe, script, result in runs:
        subprocess.run([sys.executable, os.path.join(here, "run_export.py"), recipe, script, result], check=True)
        with open(result) as f:
            err = json.load(f)["error"]
        if err is not None:
            raise SystemExit("%s: the exported script failed: %s" % (os.path.basename(script), err))
        print("ran", script, file=sys.stderr)


def attention_case(args, shape, seed, g, fwd_seed=None, train=True, **call):
    """A MultiheadAttention self-attention backward case (gen_train_seq.py "attention",
    gen_attn_mask.py "cases"): manual_seed(seed); Sequential(Embedding(10, E), mha) names the
    parameters; mha's parameters += 0.3 · randn (g; sharper softmax rows than the default init);
    x = randint(0, 10, shape[:-1], g); manual_seed(fwd_seed) when given; h = emb(x);
    y = mha(h, h, h, **call)[0]; y.backward(gy = randn(y.shape, g)). Returns the case without
    "fwd_seed" (the caller adds its own keys, then that)."""
    torch.manual_seed(seed)
    E = args["embed_dim"]
    emb = nn.Embedding(10, E)
    mha = nn.MultiheadAttention(**args)
    m = nn.Sequential(emb, mha)
    m.train(train)
    with torch.no_grad():
        for p in mha.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.3)
    x = torch.randint(0, 10, shape[:-1], generator=g)
    if fwd_seed is not None:
        torch.manual_seed(fwd_seed)
    h = emb(x)
    y = mha(h, h, h, **call)[0]
    gy = torch.randn(*y.shape, generator=g)
    y.backward(gy)
    return {"type": "MultiheadAttention", "args": args, "emb_dim": E, "train": train, "xi": x.flatten().tolist(),
            "xshape": list(x.shape), "gy": tens(gy), "y": tens(y),
            "params": {k: tens(v) for k, v in m.state_dict().items()},
            "grads": {k: tens(v.grad) for k, v in m.named_parameters()}}
