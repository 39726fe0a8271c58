#!/usr/bin/python3
"""Golden data for RNN/LSTM/GRU, their cells and MultiheadAttention (tests/core/test-rnn.c,
tests/core/test-attention.c). Run with Debian's torch 1.13.1: /usr/bin/python3 tests/golden/gen_rnn.py

Writes tests/data/rnn/, split per layer type (golden_split.py: <Type>.json holds "meta" and that type's
cases under these section names; a new type adds one file):
  init_default — the same under ATEN_CPU_CAPABILITY=default (PS_FLAVOUR_DEFAULT)
  init     — construction draws: parameters in state_dict order (float32 bits) and probe_after
             (torch.rand(2) right after), for configurations the shared golden set lacks, plus
             MultiheadAttention's tree-wide reset (torch: only out_proj has reset_parameters).
  forward  — module(x) on unit-scale inputs: parameters, input, first output (bits). Training-mode
             dropout cases reseed right before the forward (fwd_seed) and record probe_after, so the
             C test checks the exact number of draws and the masks.
  repr     — repr(module)
  errors   — constructor arguments torch rejects, with its message
Args are given as the recipe passes them (keyword names, None for kdim/vdim)."""
import json, math, os, struct, sys
import torch
import torch.nn as nn

import golden_split

torch.set_num_threads(1)

def hexes(t):
    t = t.detach().contiguous().to(torch.float32).reshape(-1)
    return ''.join('%08x' % struct.unpack('<I', struct.pack('<f', float(v)))[0] for v in t.tolist())

def tens(t):
    return {"shape": list(t.shape), "hex": hexes(t)}

def probe():
    return hexes(torch.rand(2))

def build(type_, args):
    return getattr(nn, type_)(**args)

def state(m):
    sd = m.state_dict()
    return {"order": list(sd.keys()), "params": {k: tens(v) for k, v in sd.items()}}

cases_init, cases_fwd, cases_repr, cases_err = [], [], [], []

def add_init(type_, args, seed=0):
    torch.manual_seed(seed)
    m = build(type_, args)
    c = {"type": type_, "args": args, "seed": seed}
    c.update(state(m))
    c["probe_after"] = probe()
    cases_init.append(c)

def add_tree_reset(type_, args, seed=0, seed2=5):
    """torch.manual_seed(seed); m = ...; torch.manual_seed(seed2); reset_parameters() on every
    module of the tree that has one (the recipe's tree-wide reset)."""
    torch.manual_seed(seed)
    m = build(type_, args)
    torch.manual_seed(seed2)
    for mod in m.modules():
        if hasattr(mod, 'reset_parameters'):
            mod.reset_parameters()
    c = {"type": type_, "args": args, "seed": seed, "reset_seed": seed2, "tree_reset": True}
    c.update(state(m))
    c["probe_after"] = probe()
    cases_init.append(c)

def add_fwd(type_, args, shape, seed=0, train=True, fwd_seed=None, name=None, no_grad=False):
    """no_grad: run under torch.no_grad(), where an eval-mode batch_first MultiheadAttention takes
    torch's fused fast path (torch._native_multi_head_attention) instead of the Python slow path."""
    torch.manual_seed(seed)
    m = build(type_, args)
    m.train(train)
    x = torch.randn(*shape)
    if fwd_seed is not None:
        torch.manual_seed(fwd_seed)
    with torch.set_grad_enabled(not no_grad):
        if type_ == 'MultiheadAttention':
            out = m(x, x, x)[0]
        else:
            out = m(x)
            if isinstance(out, tuple):
                out = out[0]
    out = out.detach()
    c = {"name": name or "%s(%s) x%s" % (type_, ",".join("%s=%s" % kv for kv in args.items()), list(shape)),
         "type": type_, "args": args, "seed": seed, "train": train, "input": tens(x),
         "output": tens(out), "no_grad": no_grad}
    c.update(state(m))
    if fwd_seed is not None:
        c["fwd_seed"] = fwd_seed
        c["probe_after"] = probe()
    # How far torch's own CPU paths disagree (oneDNN LSTM, fast paths): context for tolerances.
    with torch.backends.mkldnn.flags(enabled=False):
        if fwd_seed is not None:
            torch.manual_seed(fwd_seed)
        with torch.set_grad_enabled(not no_grad):
            out2 = m(x, x, x)[0] if type_ == 'MultiheadAttention' else m(x)
        if isinstance(out2, tuple):
            out2 = out2[0]
    c["torch_mkldnn_off_maxabs"] = float((out2 - out).abs().max()) if out.numel() else 0.0
    cases_fwd.append(c)

def add_repr(type_, args):
    cases_repr.append({"type": type_, "args": args, "repr": repr(build(type_, args))})

def add_err(type_, args):
    torch.manual_seed(0)
    try:
        build(type_, args)
    except Exception as e:
        cases_err.append({"type": type_, "args": args, "exception": type(e).__name__, "message": str(e)})
        return
    raise SystemExit("expected an error for %s %s" % (type_, args))

# ---------------- init ----------------
add_init('RNN', dict(input_size=0, hidden_size=3))
add_init('RNN', dict(input_size=3, hidden_size=4, num_layers=3, nonlinearity='relu', bidirectional=True), seed=3)
add_init('LSTM', dict(input_size=3, hidden_size=6, proj_size=2, num_layers=2, bidirectional=True, bias=False), seed=1)
add_init('GRU', dict(input_size=5, hidden_size=7, batch_first=True, dropout=0.25, num_layers=2), seed=2)
add_init('RNNCell', dict(input_size=3, hidden_size=4, bias=False, nonlinearity='relu'), seed=4)
add_init('LSTMCell', dict(input_size=5, hidden_size=3, bias=False), seed=5)
add_init('GRUCell', dict(input_size=2, hidden_size=9), seed=6)
add_init('MultiheadAttention', dict(embed_dim=8, num_heads=2, add_bias_kv=True), seed=0)   # E < 16: normal cache
add_init('MultiheadAttention', dict(embed_dim=4, num_heads=2, kdim=3, vdim=5, bias=False), seed=7)
add_init('MultiheadAttention', dict(embed_dim=20, num_heads=4, add_bias_kv=True, add_zero_attn=True, batch_first=True), seed=8)
add_init('MultiheadAttention', dict(embed_dim=6, num_heads=6, kdim=6, vdim=None), seed=9)
add_init('RNNCell', dict(input_size=3, hidden_size=0), seed=10)          # stdv = 0, nothing drawn
add_init('LSTMCell', dict(input_size=0, hidden_size=2), seed=11)
add_init('MultiheadAttention', dict(embed_dim=4, num_heads=2, kdim=0), seed=12)   # empty k_proj_weight
add_tree_reset('MultiheadAttention', dict(embed_dim=8, num_heads=2, add_bias_kv=True))
add_tree_reset('MultiheadAttention', dict(embed_dim=6, num_heads=3, bias=False))
add_tree_reset('LSTM', dict(input_size=3, hidden_size=4, num_layers=2))

# ---------------- forward ----------------
add_fwd('RNN', dict(input_size=4, hidden_size=6), (5, 3, 4))
add_fwd('RNN', dict(input_size=4, hidden_size=6, num_layers=2, nonlinearity='relu'), (5, 3, 4), seed=1)
add_fwd('RNN', dict(input_size=3, hidden_size=5, bias=False, batch_first=True, bidirectional=True), (2, 7, 3), seed=2)
add_fwd('RNN', dict(input_size=4, hidden_size=6), (5, 4), seed=3)
add_fwd('RNN', dict(input_size=4, hidden_size=6, batch_first=True, num_layers=2), (5, 4), seed=3)
add_fwd('LSTM', dict(input_size=4, hidden_size=5), (6, 2, 4), seed=4)
add_fwd('LSTM', dict(input_size=4, hidden_size=5, num_layers=2, bidirectional=True, batch_first=True), (3, 6, 4), seed=5)
add_fwd('LSTM', dict(input_size=3, hidden_size=6, proj_size=2), (5, 2, 3), seed=6)
add_fwd('LSTM', dict(input_size=3, hidden_size=6, proj_size=2, num_layers=2, bidirectional=True), (4, 3, 3), seed=7)
add_fwd('LSTM', dict(input_size=4, hidden_size=5), (6, 4), seed=8)
add_fwd('LSTM', dict(input_size=4, hidden_size=5, bias=False), (4, 2, 4), seed=9)
add_fwd('LSTM', dict(input_size=32, hidden_size=40, num_layers=2), (20, 4, 32), seed=10)
add_fwd('GRU', dict(input_size=3, hidden_size=4), (5, 2, 3), seed=11)
add_fwd('GRU', dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True), (5, 2, 3), seed=12)
add_fwd('GRU', dict(input_size=3, hidden_size=4, batch_first=True, bias=False), (2, 5, 3), seed=13)
add_fwd('GRU', dict(input_size=3, hidden_size=4), (5, 3), seed=14)
add_fwd('GRU', dict(input_size=16, hidden_size=32, bidirectional=True), (30, 8, 16), seed=15)
add_fwd('RNN', dict(input_size=0, hidden_size=3), (3, 2, 0), seed=40)
add_fwd('GRU', dict(input_size=3, hidden_size=4, num_layers=2), (5, 2, 3), seed=41, train=False, no_grad=True)
# long sequences: does the recurrence amplify the ulp-level tanh/sigmoid differences?
add_fwd('LSTM', dict(input_size=8, hidden_size=16), (200, 2, 8), seed=45)
add_fwd('RNN', dict(input_size=8, hidden_size=16), (200, 2, 8), seed=46)
# dropout between layers: training mode draws (reseeded before the forward), eval mode does not
add_fwd('RNN', dict(input_size=4, hidden_size=6, num_layers=3, dropout=0.5), (5, 3, 4), seed=16, fwd_seed=123)
add_fwd('LSTM', dict(input_size=4, hidden_size=5, num_layers=2, dropout=0.3, bidirectional=True), (4, 2, 4), seed=17, fwd_seed=7)
add_fwd('GRU', dict(input_size=4, hidden_size=5, num_layers=2, dropout=0.3), (4, 2, 4), seed=18, fwd_seed=9, train=False)
# cells
add_fwd('RNNCell', dict(input_size=3, hidden_size=4), (5, 3), seed=19)
add_fwd('RNNCell', dict(input_size=3, hidden_size=4, nonlinearity='relu', bias=False), (5, 3), seed=20)
add_fwd('RNNCell', dict(input_size=3, hidden_size=4), (3,), seed=21)
add_fwd('LSTMCell', dict(input_size=3, hidden_size=4), (5, 3), seed=22)
add_fwd('LSTMCell', dict(input_size=3, hidden_size=4, bias=False), (3,), seed=23)
add_fwd('GRUCell', dict(input_size=3, hidden_size=4), (5, 3), seed=24)
add_fwd('GRUCell', dict(input_size=3, hidden_size=4), (3,), seed=25)
add_fwd('GRUCell', dict(input_size=40, hidden_size=50), (16, 40), seed=26)
# attention (self-attention: query = key = value = x)
add_fwd('MultiheadAttention', dict(embed_dim=8, num_heads=2), (5, 3, 8), seed=27)
add_fwd('MultiheadAttention', dict(embed_dim=8, num_heads=2, batch_first=True), (3, 5, 8), seed=28)
add_fwd('MultiheadAttention', dict(embed_dim=8, num_heads=2), (5, 8), seed=29)
add_fwd('MultiheadAttention', dict(embed_dim=8, num_heads=2, batch_first=True), (5, 8), seed=29)
add_fwd('MultiheadAttention', dict(embed_dim=8, num_heads=2, add_bias_kv=True), (5, 3, 8), seed=30)
add_fwd('MultiheadAttention', dict(embed_dim=8, num_heads=2, add_zero_attn=True), (5, 3, 8), seed=31)
add_fwd('MultiheadAttention', dict(embed_dim=8, num_heads=4, add_bias_kv=True, add_zero_attn=True, batch_first=True), (2, 4, 8), seed=32)
add_fwd('MultiheadAttention', dict(embed_dim=6, num_heads=3, bias=False), (4, 2, 6), seed=33)
add_fwd('MultiheadAttention', dict(embed_dim=8, num_heads=1), (7, 2, 8), seed=34)
add_fwd('MultiheadAttention', dict(embed_dim=64, num_heads=8), (20, 4, 64), seed=35)
add_fwd('MultiheadAttention', dict(embed_dim=8, num_heads=2, kdim=8, vdim=8), (5, 2, 8), seed=36)
add_fwd('MultiheadAttention', dict(embed_dim=8, num_heads=2, dropout=0.5), (5, 3, 8), seed=37, fwd_seed=11)
add_fwd('MultiheadAttention', dict(embed_dim=8, num_heads=2, dropout=0.5), (5, 3, 8), seed=38, fwd_seed=11, train=False)
add_fwd('MultiheadAttention', dict(embed_dim=16, num_heads=4, dropout=0.2, add_bias_kv=True, batch_first=True), (3, 6, 16), seed=39, fwd_seed=12)
# torch's fused fast path (eval, batch_first, no_grad); the unbatched input falls back to the slow path
add_fwd('MultiheadAttention', dict(embed_dim=8, num_heads=2, batch_first=True), (3, 5, 8), seed=42, train=False, no_grad=True)
add_fwd('MultiheadAttention', dict(embed_dim=64, num_heads=8, batch_first=True), (4, 20, 64), seed=43, train=False, no_grad=True)
add_fwd('MultiheadAttention', dict(embed_dim=6, num_heads=3, bias=False, batch_first=True), (2, 4, 6), seed=44, train=False, no_grad=True)

# ---------------- repr ----------------
for t, a in [
    ('RNN', dict(input_size=4, hidden_size=6, num_layers=2)),
    ('RNN', dict(input_size=3, hidden_size=4, nonlinearity='relu', bias=False, batch_first=True, dropout=0.5, bidirectional=True)),
    ('RNN', dict(input_size=3, hidden_size=4, dropout=0.1, num_layers=2)),
    ('RNN', dict(input_size=3, hidden_size=4, dropout=1.0, num_layers=2)),
    ('LSTM', dict(input_size=3, hidden_size=6, proj_size=2)),
    ('LSTM', dict(input_size=3, hidden_size=6, proj_size=0, num_layers=3)),
    ('GRU', dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True)),
    ('RNNCell', dict(input_size=3, hidden_size=4)),
    ('RNNCell', dict(input_size=3, hidden_size=4, bias=False, nonlinearity='relu')),
    ('LSTMCell', dict(input_size=3, hidden_size=4, bias=False)),
    ('GRUCell', dict(input_size=3, hidden_size=4)),
    ('MultiheadAttention', dict(embed_dim=8, num_heads=2)),
    ('MultiheadAttention', dict(embed_dim=8, num_heads=2, kdim=4, vdim=6, add_bias_kv=True, bias=False)),
]:
    add_repr(t, a)

# ---------------- errors (torch 1.13's own messages) ----------------
add_err('RNN', dict(input_size=4, hidden_size=6, nonlinearity='sigmoid'))
add_err('RNN', dict(input_size=4, hidden_size=6, dropout=1.5))
add_err('GRU', dict(input_size=4, hidden_size=6, dropout=-0.1))
add_err('LSTM', dict(input_size=4, hidden_size=3, proj_size=3))
add_err('LSTM', dict(input_size=4, hidden_size=3, proj_size=5))
add_err('LSTM', dict(input_size=4, hidden_size=3, proj_size=-1))
add_err('RNN', dict(input_size=-1, hidden_size=4))
add_err('LSTM', dict(input_size=-2, hidden_size=4))
add_err('RNNCell', dict(input_size=4, hidden_size=-1))
add_err('LSTMCell', dict(input_size=4, hidden_size=-1))
add_err('GRUCell', dict(input_size=-3, hidden_size=2))
add_err('MultiheadAttention', dict(embed_dim=8, num_heads=3))
add_err('MultiheadAttention', dict(embed_dim=10, num_heads=4))

# The same init cases with ATEN_CPU_CAPABILITY=default (torch's portable kernels: uniform_ without
# the fused multiply-add, normal_ with libm): run in a child interpreter, the variable is read once.
if os.environ.get("ATEN_CPU_CAPABILITY") == "default":
    json.dump(cases_init, sys.stdout)
    sys.exit(0)
import subprocess
child = subprocess.run([sys.executable, os.path.abspath(__file__)], capture_output=True, text=True, check=True,
                       env=dict(os.environ, ATEN_CPU_CAPABILITY="default"))
cases_init_default = json.loads(child.stdout)

out = {
    "meta": {"torch_version": torch.__version__, "threads": torch.get_num_threads(),
             "generator": "tests/golden/gen_rnn.py",
             "float_format": "float32 -> 8 hex digits of the IEEE-754 bit pattern, concatenated"},
    "init": cases_init, "init_default": cases_init_default, "forward": cases_fwd, "repr": cases_repr, "errors": cases_err,
}
# split per layer type (golden_split.py): tests/data/rnn/<Type>.json, each with "meta" and that type's cases
golden_split.write(out, "rnn")
print("wrote %d init, %d forward, %d repr, %d errors" % (len(cases_init), len(cases_fwd), len(cases_repr),
                                                        len(cases_err)))
for c in cases_fwd:
    if c["torch_mkldnn_off_maxabs"]:
        print("  torch mkldnn on/off differ: %-70s %.3g" % (c["name"], c["torch_mkldnn_off_maxabs"]))
