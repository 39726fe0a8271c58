#!/usr/bin/python3
"""Fixtures for the torch.save reader (src/doc/ps-torch-file.c), written by real torch 1.13.

Run with /usr/bin/python3 (torch 1.13.1). Writes tests/data/pt/:
  valid/*.pt …        written by torch.save itself (zip and legacy formats, protocol 4, whole
                      modules, views and tied weights, every dtype, shards, TorchScript, an
                      interrupted save)
  malicious/*.pt      hand-built attacks, one per class of ../shared/PT-FORMAT.md §8 and more
  manifest.json       per file: expected outcome; for readable files every tensor as torch.load
                      gives it: dtype, shape, alias, and the sha256 of its values converted the way
                      Paramscope decodes them (float32 for float/bool/8/16-bit types, int64 for
                      int32/int64), C order, little-endian
  series/             one checkpoint per epoch of a small MLP trained with torch (timeline material)
The C tests never need torch.
"""
import hashlib
import io
import json
import os
import shutil
import struct
import zipfile
import zlib

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "pt")
VALID = os.path.join(OUT, "valid")
BAD = os.path.join(OUT, "malicious")
SERIES = os.path.join(OUT, "series")

manifest = {}


def decoded(t):
    if t.dtype in (torch.int32, torch.int64):
        return t.detach().long().contiguous()
    return t.detach().float().contiguous()


def tensor_record(t):
    d = decoded(t)
    raw = d.numpy().tobytes()
    return {
        "dtype": {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
                  torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
                  torch.uint8: "U8", torch.bool: "BOOL", torch.complex64: "C64",
                  torch.complex128: "C128"}[t.dtype],
        "shape": list(t.shape),
        "sha256": hashlib.sha256(raw).hexdigest() if not t.is_complex() else None,
        "first": [repr(float(x)) for x in d.reshape(-1)[:4].tolist()] if not t.is_complex() else [],
    }


def flatten(obj, path, out, seen):
    """Names as ps-torch-file.c gives them: dict keys / indices joined with '.'."""
    if isinstance(obj, torch.Tensor):
        out[path or "tensor"] = obj
    elif isinstance(obj, dict):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        for k, v in obj.items():
            flatten(v, f"{path}.{k}" if path else str(k), out, seen)
    elif isinstance(obj, (list, tuple)):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        for i, v in enumerate(obj):
            flatten(v, f"{path}.{i}" if path else str(i), out, seen)


def expect_valid(rel, obj=None, tensors=None, aliases=None, metadata=None, prefix=None, open_anyway=False,
                 note=""):
    """Records what torch.load gives for file `rel` (loaded back here)."""
    path = os.path.join(OUT, rel)
    if tensors is None:
        loaded = torch.load(path) if obj is None else obj
        tensors = {}
        flatten(loaded, "", tensors, set())
    manifest[rel] = {
        "outcome": "ok", "open_anyway": open_anyway, "note": note,
        "tensors": {n: tensor_record(t) for n, t in tensors.items()},
        "aliases": aliases or {}, "metadata": metadata or {}, "state_dict_prefix": prefix,
    }


def expect_error(rel, error, stage="open", note="", strict_error=None):
    manifest[rel] = {"outcome": "error", "stage": stage, "error": error, "note": note}
    if strict_error:
        manifest[rel]["strict_error"] = strict_error


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 6)
        self.bn = nn.BatchNorm1d(6)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(6, 3)

    def forward(self, x):
        return self.fc2(self.act(self.bn(self.fc1(x))))


def train_steps(model, opt, n=2):
    g = torch.Generator().manual_seed(1)
    for _ in range(n):
        x = torch.randn(8, 4, generator=g)
        y = torch.randint(0, 3, (8,), generator=g)
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return float(loss)


def gen_valid():
    os.makedirs(VALID, exist_ok=True)
    torch.manual_seed(0)
    lin = nn.Linear(3, 2)
    torch.save(lin.state_dict(), os.path.join(VALID, "linear_state_dict.pt"))
    expect_valid("valid/linear_state_dict.pt", prefix="")

    torch.manual_seed(1)
    m = MLP()
    sgd = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    loss = train_steps(m, sgd)
    ck = {"epoch": 3, "model": m.state_dict(), "optimizer": sgd.state_dict(), "loss": loss, "note": "sgd run"}
    torch.save(ck, os.path.join(VALID, "checkpoint_sgd.pt"))
    expect_valid("valid/checkpoint_sgd.pt", prefix="model.",
                 metadata={"epoch": "3", "note": "'sgd run'", "optimizer.param_groups.0.lr": "0.1",
                           "optimizer.param_groups.0.momentum": "0.9", "loss": repr(loss)})
    manifest["valid/checkpoint_sgd.pt"]["param_of"] = {
        "optimizer.state.0.momentum_buffer": "model.fc1.weight",
        "optimizer.state.2.momentum_buffer": "model.bn.weight",
        "optimizer.state.5.momentum_buffer": "model.fc2.bias"}

    torch.manual_seed(2)
    m = MLP()
    adam = torch.optim.Adam(m.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.StepLR(adam, step_size=2, gamma=0.5)
    loss = train_steps(m, adam, 3)
    sched.step()
    ck = {"epoch": 7, "step": 21, "model_state_dict": m.state_dict(), "optimizer_state_dict": adam.state_dict(),
          "scheduler": sched.state_dict(), "loss": loss}
    torch.save(ck, os.path.join(VALID, "checkpoint_adam.pt"))
    expect_valid("valid/checkpoint_adam.pt", prefix="model_state_dict.",
                 metadata={"epoch": "7", "step": "21", "optimizer_state_dict.param_groups.0.betas": "(0.9, 0.999)"})
    manifest["valid/checkpoint_adam.pt"]["param_of"] = {
        "optimizer_state_dict.state.1.exp_avg": "model_state_dict.fc1.bias",
        "optimizer_state_dict.state.1.step": "model_state_dict.fc1.bias"}

    # DataParallel-style keys inside {'state_dict': …}
    sd = {"module." + k: v for k, v in lin.state_dict().items()}
    torch.save({"state_dict": sd, "epoch": 1}, os.path.join(VALID, "module_prefix.pt"))
    expect_valid("valid/module_prefix.pt", prefix="state_dict.module.")

    # every dtype, with NaN, ±Inf, −0 and subnormals
    f = torch.tensor([1.5, float("nan"), float("inf"), -float("inf"), -0.0, 1e-45, 3.4e38, -2.5])
    dt = {
        "f32": f.clone(),
        "f64": torch.tensor([0.1, float("nan"), -0.0, 5e-324, 1e300, float("inf")], dtype=torch.float64),
        "f16": torch.tensor([1.0, float("nan"), float("inf"), -0.0, 6e-8, 65504.0], dtype=torch.float16),
        "bf16": f.to(torch.bfloat16),
        "i64": torch.tensor([0, -1, 2**62, -2**63, 2**63 - 1], dtype=torch.int64),
        "i32": torch.tensor([0, -1, 2**31 - 1, -2**31], dtype=torch.int32),
        "i16": torch.tensor([0, -1, 32767, -32768], dtype=torch.int16),
        "i8": torch.tensor([0, -1, 127, -128], dtype=torch.int8),
        "u8": torch.tensor([0, 1, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "c64": torch.tensor([1 + 2j, -3j], dtype=torch.complex64),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
        "param": nn.Parameter(torch.arange(6.0).reshape(2, 3)),
    }
    torch.save(dt, os.path.join(VALID, "dtypes.pt"))
    expect_valid("valid/dtypes.pt")
    torch.save(dt, os.path.join(VALID, "dtypes_legacy.pt"), _use_new_zipfile_serialization=False)
    expect_valid("valid/dtypes_legacy.pt")

    # views, strides, offsets and sharing
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    big = torch.arange(1000, dtype=torch.float32)
    alias = torch.randn(3)
    views = {"base": base, "row": base[1], "slice": base[1:3, 2:5], "t": base.t(), "expand": torch.ones(1).expand(5),
             "step": base[:, ::2], "alias1": alias, "alias2": alias, "part_of_1000": big[10:12]}
    torch.save(views, os.path.join(VALID, "views_and_sharing.pt"))
    expect_valid("valid/views_and_sharing.pt", aliases={"alias2": "alias1"})
    torch.save(views, os.path.join(VALID, "views_legacy.pt"), _use_new_zipfile_serialization=False)
    expect_valid("valid/views_legacy.pt", aliases={"alias2": "alias1"})

    # tied weights: a state dict detaches, so two tensors on one storage with one geometry
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(5, 3)
            self.out = nn.Linear(3, 5, bias=False)
            self.out.weight = self.emb.weight
    torch.manual_seed(3)
    torch.save(Tied().state_dict(), os.path.join(VALID, "tied_weights_state_dict.pt"))
    expect_valid("valid/tied_weights_state_dict.pt", aliases={"out.weight": "emb.weight"}, prefix="")

    # whole pickled module: refused strictly, shown inertly when opening anyway
    torch.manual_seed(4)
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.BatchNorm1d(3))
    torch.save(seq, os.path.join(VALID, "whole_module.pt"))
    expect_valid("valid/whole_module.pt", tensors=dict(seq.state_dict()), open_anyway=True)
    manifest["valid/whole_module.pt"]["strict_error"] = "forbidden global torch.nn.modules.container.Sequential"
    torch.save(seq, os.path.join(VALID, "whole_module_legacy.pt"), _use_new_zipfile_serialization=False)
    expect_valid("valid/whole_module_legacy.pt", tensors=dict(seq.state_dict()), open_anyway=True)
    manifest["valid/whole_module_legacy.pt"]["strict_error"] = "forbidden global torch.nn.modules.container.Sequential"

    torch.save(lin.state_dict(), os.path.join(VALID, "linear_legacy.pt"), _use_new_zipfile_serialization=False)
    expect_valid("valid/linear_legacy.pt", prefix="")
    torch.save({"w": torch.randn(2, 2), "lr": 0.5}, os.path.join(VALID, "protocol4.pt"), pickle_protocol=4)
    expect_valid("valid/protocol4.pt", metadata={"lr": "0.5"})
    torch.save(lin.state_dict(), os.path.join(VALID, "pytorch_model.bin"))
    expect_valid("valid/pytorch_model.bin", prefix="")

    # a big state dict: LONG_BINPUT past 256 memo entries, batches of 1000 SETITEMS
    bigsd = {f"layer{i}.weight": torch.full((2,), float(i)) for i in range(1100)}
    torch.save(bigsd, os.path.join(VALID, "big_state_dict.pt"))
    expect_valid("valid/big_state_dict.pt", prefix="")

    # HF-style shards + index
    sh = os.path.join(VALID, "sharded")
    os.makedirs(sh, exist_ok=True)
    torch.manual_seed(5)
    full = MLP().state_dict()
    names = list(full)
    parts = [names[:4], names[4:]]
    wm = {}
    total = 0
    for i, part in enumerate(parts):
        fn = f"pytorch_model-{i + 1:05d}-of-00002.bin"
        torch.save({k: full[k] for k in part}, os.path.join(sh, fn))
        for k in part:
            wm[k] = fn
            total += full[k].numel() * full[k].element_size()
    with open(os.path.join(sh, "pytorch_model.bin.index.json"), "w") as fp:
        json.dump({"metadata": {"total_size": total}, "weight_map": wm}, fp, indent=2)
    expect_valid("valid/sharded/pytorch_model.bin.index.json", tensors=dict(full), prefix="")

    # zip64 extra fields in every central entry (hand-built; torch.load reads it)
    buf = io.BytesIO()
    torch.save({"a": torch.arange(5.0), "b": torch.ones(2, 2, dtype=torch.float64)}, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        recs = [(i.filename.encode(), z.read(i.filename)) for i in z.infolist()]
    with open(os.path.join(VALID, "zip64_extras.pt"), "wb") as f:
        f.write(zip64_zip(recs))
    expect_valid("valid/zip64_extras.pt")

    # TorchScript: refused
    torch.jit.save(torch.jit.script(nn.Linear(2, 2)), os.path.join(VALID, "torchscript_module.pt"))
    expect_error("valid/torchscript_module.pt", "TorchScript archive")

    # a failed torch.save leaves a zip with only its version record
    p = os.path.join(VALID, "interrupted_save.pt")
    try:
        torch.save({"a": torch.zeros(2, dtype=torch.complex32)}, p)
    except Exception:
        pass
    with zipfile.ZipFile(p) as z:
        assert [i.filename for i in z.infolist()] == ["interrupted_save/version"], z.namelist()
    expect_error("valid/interrupted_save.pt", "torch.save did not finish")


# ---- hand-built attacks -----------------------------------------------------------------------

def zip_bytes(records, junk=b"", overlap=False, crc_fix=None, methods=None):
    """A stored zip like torch's (no alignment padding). records: [(name bytes, data bytes)]."""
    out = bytearray(junk)
    cd = bytearray()
    offsets = []
    for i, (name, data) in enumerate(records):
        method = (methods or {}).get(name, 0)
        payload = zlib.compress(data)[2:-4] if method == 8 else data
        crc = zlib.crc32(data) if crc_fix is None or name not in crc_fix else crc_fix[name]
        off = len(out)
        if overlap and i == len(records) - 1:
            off = offsets[-1]     # the last record's central entry points at the previous record
        else:
            out += struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, method, 0, 0, crc, len(payload), len(data),
                               len(name), 0) + name + payload
        offsets.append(off)
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, method, 0, 0, crc, len(payload), len(data),
                          len(name), 0, 0, 0, 0, 0, off) + name
    cd_off = len(out)
    out += cd
    out += struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, len(records), len(records), len(cd), cd_off, 0)
    return bytes(out)


def overlap_zip(pk):
    """archive/version's local header and data lie inside archive/data/0's data."""
    vname, v = b"archive/version", b"3\n"
    inner = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 0, 0, 0, zlib.crc32(v), 2, 2, len(vname), 0) + vname + v
    recs = [(b"archive/data.pkl", pk), (b"archive/data/0", FLOATS6 + inner)]
    out, cd, offs = bytearray(), bytearray(), []
    for name, data in recs:
        offs.append(len(out))
        out += struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 0, 0, 0, zlib.crc32(data), len(data), len(data),
                           len(name), 0) + name + data
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, 0, 0, 0, zlib.crc32(data), len(data),
                          len(data), len(name), 0, 0, 0, 0, 0, offs[-1]) + name
    inner_off = offs[1] + 30 + len(recs[1][0]) + 24
    cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, 0, 0, 0, zlib.crc32(v), 2, 2, len(vname),
                      0, 0, 0, 0, 0, inner_off) + vname
    cd_off = len(out)
    out += cd + struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 3, 3, len(cd), cd_off, 0)
    return bytes(out)


def zip64_zip(records):
    """Every central entry with 0xFFFFFFFF sizes and offset and a zip64 extra field, and zip64 end
    records with 0xFFFF/0xFFFFFFFF markers in the classic end record (what torch writes past 4 GiB
    and 65535 records, at a small size)."""
    out, cd = bytearray(), bytearray()
    for name, data in records:
        off = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034b50, 45, 0, 0, 0, 0, zlib.crc32(data), 0, 0, len(name), 0) + name + data
        extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), off)
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 45, 45, 0, 0, 0, 0, zlib.crc32(data), 0xFFFFFFFF,
                          0xFFFFFFFF, len(name), len(extra), 0, 0, 0, 0, 0xFFFFFFFF) + name + extra
    cd_off = len(out)
    out += cd
    e64 = len(out)
    n = len(records)
    out += struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 45, 45, 0, 0, n, n, len(cd), cd_off)
    out += struct.pack("<IIQI", 0x07064b50, 0, e64, 1)
    out += struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return bytes(out)


class P:
    """A tiny pickle assembler."""
    def __init__(self, proto=2):
        self.b = bytearray(b"\x80" + bytes([proto]))

    def op(self, *bs):
        for x in bs:
            self.b += x if isinstance(x, (bytes, bytearray)) else bytes([x])
        return self

    def s(self, text):
        e = text.encode()
        return self.op(b"X", struct.pack("<I", len(e)), e)

    def i(self, v):
        if 0 <= v < 256:
            return self.op(b"K", bytes([v]))
        if -2**31 <= v < 2**31:
            return self.op(b"J", struct.pack("<i", v))
        n = (v.bit_length() + 8) // 8
        return self.op(b"\x8a", bytes([n]), v.to_bytes(n, "little", signed=True))

    def g(self, module, name):
        return self.op(b"c", f"{module}\n{name}\n".encode())

    def tuple_(self, *items):
        self.op(b"(")
        for it in items:
            it(self)
        return self.op(b"t")

    def tensor(self, key, numel, offset, size, stride, cls="FloatStorage"):
        self.g("torch._utils", "_rebuild_tensor_v2")
        self.op(b"(")
        self.op(b"(").s("storage").g("torch", cls).s(key).s("cpu").i(numel).op(b"t").op(b"Q")
        self.i(offset)
        self.op(b"(")
        for x in size:
            self.i(x)
        self.op(b"t(")
        for x in stride:
            self.i(x)
        self.op(b"t")
        self.op(b"\x89")
        self.g("collections", "OrderedDict").op(b")R")
        return self.op(b"tR")

    def stop(self):
        return bytes(self.op(b".").b)


def torch_zip(pickle_bytes, storages, folder=b"archive", extra=None, version=b"3\n", **kw):
    recs = [(folder + b"/data.pkl", pickle_bytes)]
    for k, data in storages:
        recs.append((folder + b"/data/" + k, data))
    recs += extra or []
    if version is not None:
        recs.append((folder + b"/version", version))
    return zip_bytes(recs, **kw)


def one_tensor_dict(key="0", numel=6, offset=0, size=(6,), stride=(1,), cls="FloatStorage", name="w"):
    p = P().op(b"}").s(name)
    p.tensor(key, numel, offset, size, stride, cls)
    return p.op(b"s").stop()


FLOATS6 = struct.pack("<6f", 1, 2, 3, 4, 5, 6)


def bad(name, data, error, stage="open", note="", strict_error=None):
    with open(os.path.join(BAD, name), "wb") as f:
        f.write(data)
    expect_error("malicious/" + name, error, stage, note, strict_error)


def legacy_bytes(obj_pickle, keys, storages, sysinfo=None, header_numel=None):
    magic = bytes([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e])
    proto = bytes([0x80, 0x02, 0x4d, 0xe9, 0x03, 0x2e])
    si = sysinfo or P().op(b"}(").s("protocol_version").i(1001).s("little_endian").op(b"\x88u").stop()
    kp = P().op(b"](")
    for k in keys:
        kp.s(k)
    kp = kp.op(b"e").stop()
    out = bytearray(magic + proto + si + obj_pickle + kp)
    for k, data, numel in storages:
        out += struct.pack("<q", numel if header_numel is None else header_numel) + data
    return bytes(out)


def legacy_tensor_pickle(key="1000", numel=6):
    p = P().op(b"}").s("w")
    p.g("torch._utils", "_rebuild_tensor_v2").op(b"(")
    p.op(b"(").s("storage").g("torch", "FloatStorage").s(key).s("cpu").i(numel).op(b"Nt").op(b"Q")
    p.i(0).op(b"(").i(numel).op(b"t(").i(1).op(b"t\x89").g("collections", "OrderedDict").op(b")R").op(b"tR")
    return p.op(b"s").stop()


def gen_malicious():
    os.makedirs(BAD, exist_ok=True)
    rce = P().g("os", "system").s("echo pwned").op(b"\x85R").stop()
    bad("rce_os_system.pt", torch_zip(rce, []), "forbidden global os.system")
    p = P().g("collections", "OrderedDict").op(b")R").s("w")
    p.tensor("0", 6, 0, (6,), (1,))
    p.op(b"s").s("x").g("os", "system").s("echo pwned").op(b"\x85Rs")
    bad("rce_hidden_in_state_dict.pt", torch_zip(p.stop(), [(b"0", FLOATS6)]), "forbidden global os.system")
    p4 = P(4).op(b"\x8c\x08builtins\x8c\x04exec\x93").op(b"\x8c\x0bprint('hi')\x85R").stop()
    bad("rce_stack_global_protocol4.pt", torch_zip(p4, []), "forbidden global builtins.exec")
    bad("rce_stack_global_open_anyway.pt", torch_zip(p4, []), "never allowed", note="open_anyway")
    manifest["malicious/rce_stack_global_open_anyway.pt"]["open_anyway"] = True
    bad("rce_eval_reduce.pt", torch_zip(P().g("__builtin__", "eval").s("1").op(b"\x85R").stop(), []),
        "forbidden global __builtin__.eval")
    bad("newobj_popen.pt", torch_zip(P().g("subprocess", "Popen").op(b")\x81").stop(), []),
        "forbidden global subprocess.Popen")
    bad("inst_opcode.pt", torch_zip(b"\x80\x02(ios\nsystem\n.", []), "unsupported opcode")
    si = P().g("os", "system").s("echo pwned").op(b"\x85R").stop()
    bad("legacy_rce_in_sysinfo.pt", legacy_bytes(legacy_tensor_pickle(), ["1000"], [("1000", FLOATS6, 6)],
                                                 sysinfo=si), "forbidden global os.system")
    # T3: a storage claiming more than its record
    bad("numel_exceeds_record.pt", torch_zip(one_tensor_dict(numel=2**28, size=(2**28,)), [(b"0", FLOATS6)]),
        "but its record holds 24")
    bad("view_out_of_bounds.pt", torch_zip(one_tensor_dict(size=(100,)), [(b"0", FLOATS6)]),
        "view reaches element 99 of storage '0', which has 6")
    bad("size_overflow.pt", torch_zip(one_tensor_dict(size=(2**40, 2**40), stride=(1, 1)), [(b"0", FLOATS6)]),
        "tensor size overflows int64")
    bad("negative_stride.pt", torch_zip(one_tensor_dict(size=(3,), stride=(-1,), offset=2), [(b"0", FLOATS6)]),
        "negative stride")
    bad("negative_offset.pt", torch_zip(one_tensor_dict(size=(3,), offset=-1), [(b"0", FLOATS6)]),
        "negative storage offset")
    p = P().op(b"}").s("a")
    p.tensor("0", 6, 0, (6,), (1,))
    p.op(b"s").s("b")
    p.tensor("0", 3, 0, (3,), (1,), cls="LongStorage")
    bad("dtype_confusion_same_key.pt", torch_zip(p.op(b"s").stop(), [(b"0", FLOATS6)]),
        "storage key '0' used as FloatStorage of 6 and as LongStorage of 3")
    pk = one_tensor_dict()
    bad("duplicate_record_names.pt", zip_bytes([(b"archive/data.pkl", pk), (b"archive/data/0", FLOATS6),
                                                (b"archive/data/0", FLOATS6), (b"archive/version", b"3\n")]),
        "duplicate record name \"archive/data/0\"")
    bad("nul_in_record_name.pt", torch_zip(pk, [(b"0", FLOATS6)], extra=[(b"archive/data/0\x00x", b"")]),
        "control byte 0x00")
    bad("overlapping_records.pt", overlap_zip(pk), "overlap")
    bomb = b"\0" * (20 << 20)
    bad("deflate_bomb.pt", torch_zip(one_tensor_dict(numel=len(bomb) // 4, size=(len(bomb) // 4,)), [(b"0", bomb)],
                                     methods={b"archive/data/0": 8}), "is compressed (method 8)")
    bad("crc_mismatch.pt", torch_zip(pk, [(b"0", FLOATS6)], crc_fix={b"archive/data/0": zlib.crc32(FLOATS6) ^ 1}),
        "CRC-32 mismatch", stage="load")
    bad("crc_mismatch_data_pkl.pt", torch_zip(pk, [(b"0", FLOATS6)], crc_fix={b"archive/data.pkl": 7}),
        "CRC-32 mismatch")
    bad("memo_huge_index.pt", torch_zip(P().op(b"}r\xf0\xff\xff\xff").stop(), []), "memo index 4294967280 past")
    deep = P()
    for _ in range(50000):
        deep.op(b"]")
    for _ in range(49999):
        deep.op(b"a")
    bad("deep_nesting.pt", torch_zip(deep.stop(), []), "nested deeper than 256")
    d2 = P().op(b"}q\x00").s("t")
    d2.tensor("0", 6, 0, (6,), (1,))
    d2.op(b"s")
    d2.op(b"(").s("dag")
    d2.op(b"h\x00h\x00\x86q\x01")          # t1 = (d, d)
    for k in range(2, 81):                   # t_k = (t_k-1, t_k-1), the previous one still on the stack
        d2.op(b"h", bytes([k - 1]), b"\x86q", bytes([k]))
    d2.op(b"u")
    with open(os.path.join(BAD, "memo_dag_2pow79.pt"), "wb") as f:
        f.write(torch_zip(d2.stop(), [(b"0", FLOATS6)]))
    manifest["malicious/memo_dag_2pow79.pt"] = {
        "outcome": "ok", "open_anyway": False, "note": "80 tuples, 2^79 paths: listed once",
        "tensors": {"t": tensor_record(torch.tensor([1., 2, 3, 4, 5, 6]))}, "aliases": {}, "metadata": {},
        "state_dict_prefix": None}
    st = P()
    st.tensor("0", 6, 0, (6,), (1,))
    st.i(0).i(77).op(b"s")
    bad("setitem_on_tensor.pt", torch_zip(st.stop(), [(b"0", FLOATS6)]), "SETITEM(S) onto a tensor")
    # stride 0, 2^62 elements: listed; reading it is refused (allocation limit), nothing crashes
    bad("stride0_huge_view.pt", torch_zip(one_tensor_dict(size=(2**62,), stride=(0,)), [(b"0", FLOATS6)]),
        "overflows", stage="load")
    bad("legacy_storage_not_listed.pt", legacy_bytes(legacy_tensor_pickle(), [], []),
        "missing from the storage-key list")
    bad("legacy_header_mismatch.pt", legacy_bytes(legacy_tensor_pickle(), ["1000"], [("1000", FLOATS6, 6)],
                                                  header_numel=5), "the header says 5 elements, the pickle 6")
    bad("legacy_trailing.pt", legacy_bytes(legacy_tensor_pickle(), ["1000"], [("1000", FLOATS6 + b"xx", 6)]),
        "2 bytes after the last storage")
    bad("legacy_truncated.pt", legacy_bytes(legacy_tensor_pickle(), ["1000"], [("1000", FLOATS6[:10], 6)]),
        "truncated")
    # container and zip rules
    bad("junk_prefix.pt", b"\0" * 64 + torch_zip(pk, [(b"0", FLOATS6)]), "not a PyTorch file")
    good = torch_zip(pk, [(b"0", FLOATS6)])
    bad("truncated.pt", good[:len(good) - 30], "no end-of-central-directory record")
    bad("no_folder.pt", zip_bytes([(b"data.pkl", pk), (b"version", b"3\n")]), "not in a folder")
    bad("mixed_folders.pt", zip_bytes([(b"a/data.pkl", pk), (b"a/data/0", FLOATS6), (b"b/version", b"3\n")]),
        "outside the archive's folder")
    bad("version_99.pt", torch_zip(pk, [(b"0", FLOATS6)], version=b"99\n"), "unsupported serialization version")
    bad("no_version.pt", torch_zip(pk, [(b"0", FLOATS6)], version=None), "no archive/version record")
    bad("missing_storage_record.pt", torch_zip(pk, []), "has no record archive/data/0")
    bad("bytes_after_stop.pt", torch_zip(pk + b"N.", [(b"0", FLOATS6)]), "2 bytes after STOP")
    bad("missing_stop.pt", torch_zip(pk[:-1], [(b"0", FLOATS6)]), "ends without STOP")
    bad("stack_underflow.pt", torch_zip(b"\x80\x02a.", []), "stack underflow")
    bad("binunicode_4gib.pt", torch_zip(b"\x80\x02X\xff\xff\xff\xff.", []), "more bytes but the pickle ends")
    bad("invalid_utf8.pt", torch_zip(b"\x80\x02X\x02\x00\x00\x00\xc3\x28.", []), "not valid UTF-8")
    bad("append_on_dict.pt", torch_zip(b"\x80\x02}K\x01a.", []), "APPEND onto a dict")
    bad("unknown_storage_class.pt", torch_zip(one_tensor_dict(cls="FooStorage"), [(b"0", FLOATS6)]),
        "forbidden global torch.FooStorage")
    bad("long1_offset.pt", torch_zip(one_tensor_dict(offset=2**80), [(b"0", FLOATS6)]),
        "storage offset is a int too large")
    bad("rank_mismatch.pt", torch_zip(one_tensor_dict(size=(2, 3), stride=(3,)), [(b"0", FLOATS6)]),
        "size has 2 dimensions but stride 1")
    bad("path_key.pt", torch_zip(one_tensor_dict(key="../../../../etc/passwd"), [(b"0", FLOATS6)]),
        "has no record archive/data/../../../../etc/passwd")
    bad("not_torch.pt", b"hello world, not a checkpoint", "not a PyTorch file")
    bad("big_memo_get.pt", torch_zip(b"\x80\x02h\x05.", []), "memo index 5 not set")
    bad("reduce_on_token.pt", torch_zip(P().g("argparse", "Namespace").op(b")R").stop(), []),
        "forbidden global argparse.Namespace")
    bad("reduce_token_open_anyway.pt", torch_zip(P().g("argparse", "Namespace").op(b")R").stop(), []),
        "which is never called")
    manifest["malicious/reduce_token_open_anyway.pt"]["open_anyway"] = True


def gen_series():
    """A real training run: a small MLP on a toy problem, torch.save per epoch."""
    os.makedirs(SERIES, exist_ok=True)
    torch.manual_seed(10)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    g = torch.Generator().manual_seed(11)
    x = torch.randn(256, 2, generator=g)
    y = ((x[:, 0] * x[:, 1]) > 0).long()
    norms = {}
    for epoch in range(6):
        if epoch > 0:
            for i in range(0, 256, 32):
                loss = nn.functional.cross_entropy(model(x[i:i + 32]), y[i:i + 32])
                opt.zero_grad()
                loss.backward()
                opt.step()
        with torch.no_grad():
            loss = float(nn.functional.cross_entropy(model(x), y))
        fn = f"epoch_{epoch:03d}.pt"
        torch.save({"epoch": epoch, "model": model.state_dict(), "optimizer": opt.state_dict(), "loss": loss},
                   os.path.join(SERIES, fn))
        norms[fn] = {k: float(v.double().norm()) for k, v in model.state_dict().items()}
        expect_valid("series/" + fn, prefix="model.", metadata={"epoch": str(epoch)})
    with open(os.path.join(SERIES, "norms.json"), "w") as f:
        json.dump(norms, f, indent=1, sort_keys=True)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    gen_valid()
    gen_malicious()
    gen_series()
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    n_bad = sum(1 for k in manifest if k.startswith("malicious/"))
    print(f"{len(manifest)} files, {n_bad} malicious")


if __name__ == "__main__":
    main()
