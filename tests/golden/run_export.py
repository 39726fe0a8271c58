#!/usr/bin/python3
"""Runs a script exported by Paramscope (paramscope-cli to-pytorch) and writes what it computed.

Usage: /usr/bin/python3 tests/golden/run_export.py RECIPE.json SCRIPT.py RESULT.json

The exported script is what a user gets: it has no test code. This runner executes it as
`python3 SCRIPT.py` would (as __main__, from its own file), then reads its results from outside:
  state        every recipe module's state_dict(keep_vars=True), keys "<id>.<key>" — the variable
               of each id is the one its "# Step N" block assigns (N = the module op's number)
  outputs      the script's `outputs` dict
  error        the first failing step (the "# Step N" block of the failing line of the script),
               the exception's type and message, or null
  probe_after  torch.rand(2) afterwards, as float32 bit patterns
Tensors are {shape, dtype, sha256 of the raw little-endian bytes} (null for an uninitialized lazy
parameter). tests/golden/gen_parity.py writes NAME.export.json with it; tests/doc/test-export-pytorch.c
compares those with the torch replay of the recipe. torch is imported by the script itself, after
any environment it sets (ATEN_CPU_CAPABILITY for the "default" kernel flavour).
"""
import hashlib
import json
import re
import sys
import traceback

STEP = re.compile(r"^# Step (\d+)$")
ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*) = ")


def step_lines(source):
    """{op number: [lines of its "# Step N" block]}"""
    blocks, current = {}, None
    for line in source.splitlines():
        m = STEP.match(line)
        if m:
            current = int(m.group(1))
            blocks[current] = []
        elif current is not None:
            blocks[current].append(line)
    return blocks


def variables(recipe, blocks):
    """recipe id -> the variable its module op's block assigns"""
    ids = {}
    for n, op in enumerate(recipe["ops"], 1):
        if op.get("op") != "module":
            continue
        for line in blocks.get(n, []):
            m = ASSIGN.match(line)
            if m:
                ids[op["id"]] = m.group(1)
                break
    return ids


def failing_step(source, path, tb):
    lineno = 0
    for frame, line in traceback.walk_tb(tb):
        if frame.f_code.co_filename == path:
            lineno = line   # the outermost frame in the script: a line of the replay
            break
    step = 0
    for i, text in enumerate(source.splitlines()[:lineno]):
        m = STEP.match(text)
        if m:
            step = int(m.group(1))
    return step


def main():
    recipe_path, path, out = sys.argv[1:4]
    with open(recipe_path) as f:
        recipe = json.load(f)
    with open(path) as f:
        source = f.read()
    ns = {"__name__": "__main__", "__file__": path}
    error = None
    try:
        exec(compile(source, path, "exec"), ns)
    except Exception as e:  # noqa: BLE001 — the script's own failure is a result
        message = e.args[0] if isinstance(e, KeyError) and len(e.args) == 1 else str(e)
        error = {"step": failing_step(source, path, e.__traceback__), "type": type(e).__name__,
                 "message": message}
    import torch
    from torch import nn

    def digest(t):
        if isinstance(t, nn.parameter.UninitializedTensorMixin):
            return None
        t = t.detach().contiguous()
        return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""),
                "sha256": hashlib.sha256(t.numpy().tobytes()).hexdigest()}

    state = {}
    for rid, var in variables(recipe, step_lines(source)).items():
        m = ns.get(var)
        if isinstance(m, nn.Module):
            for k, v in m.state_dict(keep_vars=True).items():
                state[rid + "." + k] = digest(v)
    probe = ["%08x" % (b & 0xFFFFFFFF) for b in torch.rand(2).view(torch.int32).tolist()]
    result = {"state": state, "outputs": {k: digest(v) for k, v in ns.get("outputs", {}).items()},
              "error": error, "probe_after": probe}
    with open(out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
