#!/usr/bin/python3
"""Fixtures for the file-format readers (safetensors, .npy, .npz), written by real torch / numpy.

Run with /usr/bin/python3 (torch 1.13.1, numpy). Writes tests/data/formats/:
  expected.json       for every good fixture and tensor: stored dtype, shape and the decoded
                      values as torch/numpy convert them (float32 bit patterns or int64 values)
  *.safetensors       written here byte by byte following the format spec (the safetensors
                      package is not installed); values from torch
  sharded/            model.safetensors.index.json + two shards
  *.npy, *.npz        written by numpy (np.save, np.lib.format.write_array, np.savez[_compressed])
  bad/                malformed files; bad/manifest.json maps each to the error text expected
The C tests never need torch.
"""
import io
import json
import os
import struct
import sys
import zipfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "formats")
BAD = os.path.join(OUT, "bad")

expected = {}      # fixture file -> {tensor name -> {...}}
manifest = []      # [{file, error}]


def f32_bits(t):
    """float32 bit patterns of a torch float32 tensor, flattened in C order."""
    a = t.detach().contiguous().numpy().astype(np.float32, copy=False).reshape(-1)
    return [int(x) for x in a.view(np.uint32)]


def record(fixture, name, stored, tensor):
    """tensor: the value as torch decodes it (float32 or int64)."""
    e = {"dtype": stored, "shape": list(tensor.shape)}
    if tensor.dtype == torch.int64:
        e["int64"] = [int(x) for x in tensor.reshape(-1).tolist()]
    else:
        assert tensor.dtype == torch.float32
        e["f32_bits"] = f32_bits(tensor)
    expected.setdefault(fixture, {})[name] = e


ST_DTYPES = {
    torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
    torch.int8: "I8", torch.int16: "I16", torch.int32: "I32", torch.int64: "I64",
    torch.uint8: "U8", torch.bool: "BOOL",
}


def tensor_bytes(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:   # numpy has no bfloat16: go through the raw int16 bits
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    a = t.numpy()
    return a.astype(a.dtype.newbyteorder("<")).tobytes()


def safetensors_bytes(tensors, metadata=None, pad_to=8, order=None):
    """The spec's layout: u64 LE header length, JSON header, data. `tensors`: name -> torch tensor."""
    names = order if order is not None else sorted(tensors)
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    data = b""
    for n in names:
        b = tensor_bytes(tensors[n])
        header[n] = {"dtype": ST_DTYPES[tensors[n].dtype], "shape": list(tensors[n].shape),
                     "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    h = json.dumps(header, separators=(",", ":")).encode()
    if pad_to:
        h += b" " * (-len(h) % pad_to)
    return struct.pack("<Q", len(h)) + h + data


def raw_safetensors(header_text, data=b"", length=None):
    h = header_text.encode() if isinstance(header_text, str) else header_text
    n = len(h) if length is None else length
    return struct.pack("<Q", n) + h + data


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def decoded(t):
    """What Paramscope decodes a stored tensor to, computed by torch: float types, bool and
    integers of <= 16 bits -> float32; int32/int64 -> int64."""
    if t.dtype in (torch.int32, torch.int64):
        return t.to(torch.int64)
    return t.to(torch.float32)


def gen_safetensors():
    g = torch.Generator().manual_seed(1234)
    base = torch.randn(3, 5, generator=g) * 3
    special = torch.tensor([0.0, -0.0, float("inf"), float("-inf"), float("nan"), 1e-8, 6e-5,
                            65504.0, 1e5, 3.0e38, 1.4e-45, -2.5])
    t = {
        "f32.matrix": base,
        "f32.special": special,
        "f16.matrix": base.half(),
        "f16.special": special.half(),      # overflow -> inf, subnormals, nan
        "bf16.matrix": base.bfloat16(),
        "bf16.special": special.bfloat16(),
        "f64.values": (torch.randn(4, 2, 3, generator=g, dtype=torch.float64) * 1e3),
        "f64.rounding": torch.tensor([1.0000000596046448, 0.1, 1e300, -1e-300, 3.4028235677973366e38],
                                     dtype=torch.float64),
        "i8": torch.tensor([-128, -1, 0, 1, 127], dtype=torch.int8),
        "i16": torch.tensor([[-32768, 32767], [5, -6]], dtype=torch.int16),
        "i32": torch.tensor([-2147483648, 2147483647, 16777217], dtype=torch.int32),
        "i64": torch.tensor([-(2 ** 63), 2 ** 63 - 1, 9007199254740993], dtype=torch.int64),
        "u8": torch.tensor([0, 1, 200, 255], dtype=torch.uint8),
        "bool": torch.tensor([[True, False, True]], dtype=torch.bool),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 4),
        "model.layer.0.weight": torch.randn(2, 2, generator=g),
    }
    meta = {"format": "pt", "note": "written by gen_formats.py"}
    # pad_to=None: an odd header length leaves every tensor misaligned in the file.
    data = safetensors_bytes(t, meta, pad_to=None)
    assert (struct.unpack("<Q", data[:8])[0] + 8) % 4 != 0
    write(os.path.join(OUT, "all_dtypes.safetensors"), data)
    for n, v in t.items():
        record("all_dtypes.safetensors", n, ST_DTYPES[v.dtype], decoded(v))

    # Sharded checkpoint, as transformers writes it.
    s1 = {"embed.weight": torch.randn(4, 3, generator=g), "layers.0.weight": torch.randn(3, 3, generator=g)}
    s2 = {"layers.1.weight": torch.randn(3, 3, generator=g).half(), "head.bias": torch.randn(2, generator=g)}
    shard_names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    wm = {}
    total = 0
    for fname, tensors in zip(shard_names, (s1, s2)):
        write(os.path.join(OUT, "sharded", fname), safetensors_bytes(tensors, {"format": "pt"}))
        for n, v in tensors.items():
            wm[n] = fname
            total += v.numel() * v.element_size()
            record("sharded/model.safetensors.index.json", n, ST_DTYPES[v.dtype], decoded(v))
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(wm.items()))}
    write(os.path.join(OUT, "sharded", "model.safetensors.index.json"),
          json.dumps(index, indent=2).encode())

    # All 65536 half values and their float32 conversion by torch, for an exhaustive check.
    allh = torch.arange(65536, dtype=torch.int32).to(torch.int16).view(torch.float16)
    np.save(os.path.join(OUT, "f16_all.npy"), allh.numpy())
    np.save(os.path.join(OUT, "f16_all_as_f32.npy"), allh.float().numpy())


def gen_unsigned_safetensors():
    """U16/U32/U64 (no torch 1.13 dtype: written from numpy) and a float8 tensor (listed only)."""
    arrays = {"u16": np.array([0, 1, 65535], dtype="<u2"), "u32": np.array([[4294967295, 7]], dtype="<u4"),
              "u64": np.array([0, 2 ** 63 - 1], dtype="<u8")}
    header, data = {}, b""
    for n, a in arrays.items():
        b = a.tobytes()
        header[n] = {"dtype": {"u2": "U16", "u4": "U32", "u8": "U64"}[a.dtype.str[1:]],
                     "shape": list(a.shape), "data_offsets": [len(data), len(data) + len(b)]}
        data += b
        t = torch.from_numpy(a.astype(np.int64)) if a.dtype.itemsize >= 4 else torch.from_numpy(a.astype(np.float32))
        record("unsigned.safetensors", n, header[n]["dtype"], t)
    header["f8"] = {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [len(data), len(data) + 2]}
    data += b"\x38\xb8"
    big = np.array([2 ** 63], dtype="<u8").tobytes()
    header["u64.too_big"] = {"dtype": "U64", "shape": [1], "data_offsets": [len(data), len(data) + 8]}
    data += big
    write(os.path.join(OUT, "unsigned.safetensors"), raw_safetensors(json.dumps(header), data))


def bad_st(name, data, error):
    write(os.path.join(BAD, name), data)
    manifest.append({"file": name, "format": "safetensors", "error": error})


def gen_bad_safetensors():
    f4 = struct.pack("<2f", 1.0, 2.0)
    ok_entry = '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}'
    bad_st("st_truncated.safetensors", b"\x10\x00\x00", "too short for the 8-byte header length")
    bad_st("st_header_too_large.safetensors", struct.pack("<Q", 100_000_001) + b"{}",
           "exceeds the limit of 100000000 bytes")
    bad_st("st_header_past_end.safetensors", raw_safetensors("{}", length=1000), "runs past the end of the file")
    bad_st("st_header_empty.safetensors", raw_safetensors(""), "does not start with '{'")
    bad_st("st_header_array.safetensors", raw_safetensors("[]"), "does not start with '{'")
    bad_st("st_header_garbage.safetensors", raw_safetensors('{"a":}'), "not valid JSON")
    bad_st("st_header_trailing_text.safetensors", raw_safetensors("{" + ok_entry + "} x", f4),
           "not valid JSON")
    bad_st("st_overlap.safetensors",
           raw_safetensors('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
                           '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', f4 + f4[:4]),
           'tensor "b": data_offsets begin at 4, overlapping tensor "a"')
    bad_st("st_hole.safetensors",
           raw_safetensors('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
                           '"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}', f4 * 2 + f4[:4]),
           'tensor "b": data_offsets begin at 12, leaving a hole of 4 bytes')
    bad_st("st_hole_at_start.safetensors",
           raw_safetensors('{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', f4 + f4[:4]),
           "leaving a hole of 4 bytes after the start of the data")
    bad_st("st_data_past_end.safetensors", raw_safetensors("{" + ok_entry + "}", f4[:4]),
           'tensor "a": data_offsets [0, 8] run past the end of the data')
    bad_st("st_trailing_bytes.safetensors", raw_safetensors("{" + ok_entry + "}", f4 + b"xyz"),
           "3 bytes after the last tensor's data are not covered")
    bad_st("st_wrong_byte_count.safetensors",
           raw_safetensors('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', f4),
           'tensor "a": data_offsets [0, 8] hold 8 bytes but shape [3] of F32 needs 12 bytes')
    bad_st("st_duplicate_tensor.safetensors",
           raw_safetensors("{" + ok_entry + "," + ok_entry.replace("0,8", "8,16") + "}", f4 * 2),
           'duplicate key "a"')
    bad_st("st_duplicate_escaped.safetensors",
           raw_safetensors("{" + ok_entry + "," + ok_entry.replace('"a"', '"\\u0061"').replace("0,8", "8,16") + "}",
                           f4 * 2), 'duplicate key "a"')
    bad_st("st_duplicate_field.safetensors",
           raw_safetensors('{"a":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}}', f4),
           'tensor "a": duplicate key "dtype"')
    bad_st("st_duplicate_metadata_key.safetensors",
           raw_safetensors('{"__metadata__":{"k":"1","k":"2"},' + ok_entry + "}", f4),
           '__metadata__: duplicate key "k"')
    bad_st("st_metadata_not_string.safetensors",
           raw_safetensors('{"__metadata__":{"k":1},' + ok_entry + "}", f4),
           '__metadata__ value of "k" is not a string')
    bad_st("st_metadata_nested.safetensors",
           raw_safetensors('{"__metadata__":{"k":{"x":"y"}},' + ok_entry + "}", f4),
           '__metadata__ value of "k" is not a string')
    bad_st("st_metadata_not_object.safetensors",
           raw_safetensors('{"__metadata__":["k"],' + ok_entry + "}", f4), "__metadata__ is not a JSON object")
    bad_st("st_shape_overflow.safetensors",
           raw_safetensors('{"a":{"dtype":"F32","shape":[4611686018427387904,4611686018427387904],'
                           '"data_offsets":[0,8]}}', f4), 'tensor "a": the number of elements of shape')
    bad_st("st_bytes_overflow.safetensors",
           raw_safetensors('{"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]}}', f4),
           'tensor "a": the byte size of shape [4611686018427387904] overflows')
    bad_st("st_offset_out_of_range.safetensors",
           raw_safetensors('{"a":{"dtype":"F32","shape":[2],"data_offsets":[-18446744073709551615,9]}}', f4),
           "is not a valid 64-bit integer")
    bad_st("st_negative_offset.safetensors",
           raw_safetensors('{"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}', f4),
           'tensor "a": data_offsets are not non-negative integers')
    bad_st("st_offsets_reversed.safetensors",
           raw_safetensors('{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}', f4),
           "end before they begin")
    bad_st("st_negative_dim.safetensors",
           raw_safetensors('{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}', f4),
           'tensor "a": shape element 0 is not a non-negative integer')
    bad_st("st_float_dim.safetensors",
           raw_safetensors('{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}', f4),
           'tensor "a": shape element 0 is not a non-negative integer')
    bad_st("st_extra_field.safetensors",
           raw_safetensors('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}', f4),
           'tensor "a": unexpected key "x"')
    bad_st("st_missing_field.safetensors",
           raw_safetensors('{"a":{"dtype":"F32","shape":[2]}}', f4), 'tensor "a": missing "data_offsets"')
    bad_st("st_unknown_dtype.safetensors",
           raw_safetensors('{"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}', f4),
           'tensor "a": unknown dtype "F33"')
    bad_st("st_entry_not_object.safetensors", raw_safetensors('{"a":[1,2]}'), 'tensor "a": entry is not a JSON object')
    bad_st("st_three_offsets.safetensors",
           raw_safetensors('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}', f4),
           "data_offsets is not an array of two integers")
    bad_st("st_too_many_dims.safetensors",
           raw_safetensors('{"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,2],"data_offsets":[0,8]}}', f4),
           'tensor "a": more than 8 dimensions; at most 8 are supported')
    bad_st("st_deep_nesting.safetensors", raw_safetensors("{" + '"a":' + "[" * 5000 + "]" * 5000 + "}"),
           "header is not valid JSON: JSON nesting deeper than 32 levels")
    bad_st("st_invalid_utf8.safetensors",
           raw_safetensors(b'{"\xff":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', f4), "invalid UTF-8")
    bad_st("st_nul_in_header.safetensors",
           raw_safetensors(b'{"a\x00":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', f4), "invalid UTF-8 or NUL")
    bad_st("st_alias_to_missing.safetensors",
           raw_safetensors('{"__metadata__":{"paramscope.aliases":"{\\"b\\":\\"zz\\"}"},' + ok_entry + "}", f4),
           'alias "b" refers to "zz", which is not a stored tensor')


def gen_npy():
    g = torch.Generator().manual_seed(99)
    m = (torch.randn(3, 4, generator=g) * 10).numpy()
    cube = (torch.randn(2, 3, 4, generator=g)).numpy().astype(np.float64)
    fixtures = {
        "v1_f4.npy": (m, None),
        "v2_f4.npy": (m, (2, 0)),
        "v3_f8.npy": (cube, (3, 0)),
        "be_f8.npy": (cube.astype(">f8"), None),
        "be_i4.npy": (np.array([[1, -2, 3], [2147483647, -2147483648, 0]], dtype=">i4"), None),
        "be_u2.npy": (np.array([0, 1, 65535, 256], dtype=">u2"), None),
        "fortran_f4.npy": (np.asfortranarray(m), None),
        "fortran_3d_i8.npy": (np.asfortranarray(np.arange(24, dtype=np.int64).reshape(2, 3, 4) - 7), None),
        "fortran_be_f2.npy": (np.asfortranarray(m.astype(">f2")), None),
        "f2.npy": (np.array([1.5, -0.0, 65504, 1e-7, np.inf, np.nan], dtype="<f2"), None),
        "i1.npy": (np.array([-128, 127, 0], dtype="i1"), None),
        "i2.npy": (np.array([-32768, 32767], dtype="<i2"), None),
        "i8.npy": (np.array([-(2 ** 63), 2 ** 63 - 1], dtype="<i8"), None),
        "u1.npy": (np.array([[0, 255], [7, 8]], dtype="u1"), None),
        "u4.npy": (np.array([0, 4294967295], dtype="<u4"), None),
        "u8.npy": (np.array([0, 2 ** 63 - 1], dtype="<u8"), None),
        "b1.npy": (np.array([True, False, True, True]), None),
        "scalar_f4.npy": (np.array(3.25, dtype=np.float32), None),
        "empty_f4.npy": (np.zeros((0, 3), dtype=np.float32), None),
    }
    for fname, (a, version) in fixtures.items():
        path = os.path.join(OUT, fname)
        if version is None:
            np.save(path, a)
        else:
            with open(path, "wb") as f:
                np.lib.format.write_array(f, a, version=version)
        back = np.load(path)
        assert back.dtype == a.dtype and back.shape == a.shape
        descr = np.lib.format.dtype_to_descr(a.dtype)
        c = a.copy(order="C")   # (np.ascontiguousarray makes 0-d arrays 1-d)
        if a.dtype.kind in "iu" and a.dtype.itemsize >= 4:
            t = torch.from_numpy(c.astype(np.int64))
        else:
            t = torch.from_numpy(c.astype(np.float32))
        record(fname, "", descr, t)
    # Reference bytes for the writer: what np.save writes for these float32 / int64 arrays.
    np.save(os.path.join(OUT, "ref_write_f4.npy"), m)
    np.save(os.path.join(OUT, "ref_write_i8_1d.npy"), np.arange(5, dtype=np.int64) - 2)
    np.save(os.path.join(OUT, "ref_write_scalar.npy"), np.array(1.0, dtype=np.float32))

    # npz, stored and deflated.
    arrays = {"weight": m, "bias": np.arange(4, dtype=np.float32), "steps": np.array([3], dtype=np.int64),
              "layer/nested": cube}
    np.savez(os.path.join(OUT, "stored.npz"), **arrays)
    np.savez_compressed(os.path.join(OUT, "deflated.npz"), **arrays)
    for fname in ("stored.npz", "deflated.npz"):
        for n, a in arrays.items():
            descr = np.lib.format.dtype_to_descr(a.dtype)
            t = torch.from_numpy(a.astype(np.int64) if a.dtype == np.int64 else a.astype(np.float32))
            record(fname, n, descr, t)


def npy_raw(header_dict_text, data=b"", version=(1, 0), hlen=None):
    h = header_dict_text.encode()
    n = len(h) if hlen is None else hlen
    if version[0] == 1:
        pre = b"\x93NUMPY" + bytes(version) + struct.pack("<H", n)
    else:
        pre = b"\x93NUMPY" + bytes(version) + struct.pack("<I", n)
    return pre + h + data


def bad_npy(name, data, error):
    write(os.path.join(BAD, name), data)
    manifest.append({"file": name, "format": "npy", "error": error})


def gen_bad_npy():
    d = struct.pack("<2f", 1, 2)
    ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n"
    assert np.load(io.BytesIO(npy_raw(ok, d))).tolist() == [1, 2]
    bad_npy("npy_bad_magic.npy", b"\x93NUMPX\x01\x00" + ok.encode() + d, "bad magic")
    bad_npy("npy_short.npy", b"\x93NUM", "bad magic")
    bad_npy("npy_bad_version.npy", npy_raw(ok, d, version=(4, 0)), "unsupported format version 4.0")
    bad_npy("npy_bad_minor.npy", npy_raw(ok, d, version=(1, 1)), "unsupported format version 1.1")
    bad_npy("npy_header_too_large.npy", npy_raw(ok + " " * 10001, d, version=(2, 0)),
            "header of %d bytes exceeds the limit of 10000" % (len(ok) + 10001))
    bad_npy("npy_header_truncated.npy", npy_raw(ok, b"", hlen=200), "truncated header")
    bad_npy("npy_object.npy", npy_raw("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }\n", d),
            "object arrays (dtype '|O') are not supported")
    bad_npy("npy_structured.npy",
            npy_raw("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }\n", d),
            "structured dtypes are not supported")
    bad_npy("npy_complex.npy", npy_raw("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }\n", d),
            "dtype '<c8' is not supported")
    bad_npy("npy_extra_key.npy",
            npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1, }\n", d),
            "unexpected key 'x'")
    bad_npy("npy_missing_key.npy", npy_raw("{'descr': '<f4', 'shape': (2,), }\n", d),
            "missing key 'fortran_order'")
    bad_npy("npy_duplicate_key.npy",
            npy_raw("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", d),
            "duplicate key 'descr'")
    bad_npy("npy_shape_not_tuple.npy", npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }\n", d),
            "is not a tuple")
    bad_npy("npy_shape_overflow.npy",
            npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904), }\n", d),
            "the number of elements of shape")
    bad_npy("npy_shape_huge_dim.npy",
            npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }\n", d),
            "too large")
    bad_npy("npy_too_many_dims.npy",
            npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,2), }\n", d),
            "more than 8 dimensions")
    bad_npy("npy_truncated_data.npy", npy_raw(ok, d[:6]), "6 bytes of data where shape and dtype '<f4' need 8 (truncated")
    bad_npy("npy_trailing_data.npy", npy_raw(ok, d + b"\0"), "(trailing bytes)")
    bad_npy("npy_fortran_bad.npy", npy_raw("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }\n", d),
            "fortran_order is not True or False")
    bad_npy("npy_not_dict.npy", npy_raw("['descr']\n", d), "not a dict literal")
    bad_npy("npy_text_after.npy", npy_raw(ok.strip() + " x\n", d), "unexpected text after the dict")


def bad_npz(name, data, error):
    write(os.path.join(BAD, name), data)
    manifest.append({"file": name, "format": "npz", "error": error})


def patch_zip_sizes(data, member, new_size):
    """Rewrite the declared uncompressed size of `member` in its local header and central record."""
    b = bytearray(data)
    name = member.encode()
    i = b.find(b"PK\x03\x04")
    while i >= 0:
        nlen = struct.unpack_from("<H", b, i + 26)[0]
        if bytes(b[i + 30:i + 30 + nlen]) == name:
            struct.pack_into("<I", b, i + 22, new_size)
        i = b.find(b"PK\x03\x04", i + 4)
    i = b.find(b"PK\x01\x02")
    while i >= 0:
        nlen = struct.unpack_from("<H", b, i + 28)[0]
        if bytes(b[i + 46:i + 46 + nlen]) == name:
            struct.pack_into("<I", b, i + 24, new_size)
        i = b.find(b"PK\x01\x02", i + 4)
    return bytes(b)


def zip_bytes(members, compression=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as z:
        for n, d in members:
            info = zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0))   # reproducible bytes
            info.compress_type = compression
            z.writestr(info, d)
    return buf.getvalue()


def npy_bytes(a):
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def gen_bad_npz():
    small = npy_bytes(np.zeros(2, dtype=np.float32))
    # A zip bomb: 64 MiB of zeros deflate to ~64 KiB; the header claims shape (2,).
    bomb_payload = small + b"\0" * (64 << 20)
    bad_npz("npz_bomb_size_mismatch.npz", zip_bytes([("x.npy", bomb_payload)]),
            "member x.npy declares %d uncompressed bytes but its .npy header implies %d"
            % (len(bomb_payload), len(small)))
    # Declared size patched to ~4 GiB; the header and the real data are small.
    z = zip_bytes([("y.npy", small)])
    bad_npz("npz_declared_huge.npz", patch_zip_sizes(z, "y.npy", 0xFFFFFFF0),
            "member y.npy declares 4294967280 uncompressed bytes but its .npy header implies %d" % len(small))
    # Header consistent with the declared size, but the deflate stream delivers less.
    z = zip_bytes([("w.npy", small)])
    bad_npz("npz_declared_short.npz", patch_zip_sizes(z, "w.npy", len(small) - 4),
            "member w.npy declares %d uncompressed bytes but its .npy header implies %d"
            % (len(small) - 4, len(small)))
    corrupt = bytearray(zip_bytes([("c.npy", npy_bytes(np.arange(1000, dtype=np.float32)))],
                                  compression=zipfile.ZIP_STORED))
    i = corrupt.find(b"\x00\x00\x80\x3f")   # the float 1.0 in the data
    corrupt[i + 3] = 0x40
    bad_npz("npz_crc_error.npz", bytes(corrupt), "CRC error")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bad_npz("npz_duplicate_member.npz", zip_bytes([("a.npy", small), ("a.npy", small)]),
                "two members with the same name")
    bad_npz("npz_object_member.npz",
            zip_bytes([("o.npy", npy_raw("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }\n", b"x" * 8))]),
            "member o.npy: .npy: object arrays")
    bad_npz("npz_bzip2.npz", zip_bytes([("b.npy", small)], compression=zipfile.ZIP_BZIP2),
            "unsupported compression method")
    bad_npz("npz_not_zip.npz", b"this is not a zip file at all", "not a valid zip archive")


def main():
    os.makedirs(BAD, exist_ok=True)
    gen_safetensors()
    gen_bad_safetensors()
    gen_unsigned_safetensors()
    gen_npy()
    gen_bad_npy()
    gen_bad_npz()
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({"generator": "tests/golden/gen_formats.py", "torch": torch.__version__,
                   "numpy": np.__version__, "fixtures": expected}, f, indent=1, sort_keys=True)
    with open(os.path.join(BAD, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
