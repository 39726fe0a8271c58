#!/usr/bin/python3
"""torch_recipe.py — replay a Paramscope recipe with real PyTorch 1.13.1, faithfully.

Run with Debian's /usr/bin/python3 (torch 1.13.1). This is the reference the C replay is compared
against (tests/doc/test-parity.c), so it interprets every op the way a user typing the equivalent
Python would, with no shortcuts:

  module           getattr(nn, type)(**args); containers nn.Sequential / nn.ModuleList /
                   nn.ModuleDict; "class" → a real nn.Module subclass made with type() whose forward
                   runs its children in order (over _modules, which does not deduplicate)
  attach / detach  parent.add_module(name, child) / delattr(parent, name); attach's "index"
                   then moves the new child to that position in parent._modules
  rename / move    rebuild parent._modules (the OrderedDict print(), state_dict() and forward
                   iterate) in place with the key renamed / the child at its new position
  init             getattr(nn.init, fn)(tensor, **args)
  init_modules     for mod in target.modules(): if isinstance(mod, nn.<match>) (a user class: by name): init weight, bias
  reset_parameters target.reset_parameters() if it has one, else every module in target.modules()
                   that has one (MultiheadAttention has none: only its out_proj is reset)
  manual_seed      torch.manual_seed(seed)
  mode             target.train(train)
  forward          x = <input>; y = target(x) (MHA: target(x, x, x); Bilinear: target(x, x));
                   a tuple result keeps its first element

Result (JSON), see result_for_recipe():
  {"torch": version, "flavour": "avx2"|"default",
   "tensors": [ {shape, dtype, hex|int} ... ]          one entry per distinct value (deduplicated)
   "steps": [ {"step": N, "state": {"<id>.<key>": tensor index | -1 (uninitialized)},
               "approx": [keys whose value came out of a forward pass]} ... ],
   "outputs": {name: tensor index}, "output_steps": {name: N},
   "error": null | {"step": N, "type": "RuntimeError", "message": "..."},
   "probe_after": [hex, hex]      torch.rand(2) after the last successful op (a failed op is
                                  dropped: the generator is restored to its state before it)
   "probe_after_raw": [hex, hex]  torch.rand(2) after the failing op as torch left it (present
                                  only when the failing op drew before raising)}

"state" holds, for every recipe id in creation order, that module's state_dict() with keys prefixed
by the id ("model.0.weight"), so steps before the root exists are checked too. float32 values are
8-hex-digit IEEE bit patterns, int64 values are ints (tests/data/torch-1.13-golden.json's format).

Usage: torch_recipe.py RECIPE.json [-o OUT.json]   (prints the result when -o is omitted)
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import warnings

# oneDNN (torch's convolution backend for batched inputs, and GELU) is capped at AVX2, as
# tests/meson.build caps it for the C replay: then those values are bit-exact on every x86-64
# machine with AVX2 (ONEDNN-PARITY.md). Set before torch loads libdnnl; subprocesses inherit it.
os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")
# oneDNN's bits also depend on the intra-op thread count: one, as tests/meson.build sets it (torch
# reads OMP_NUM_THREADS when it loads)
os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch  # noqa: E402
from torch import nn  # noqa: E402

warnings.filterwarnings("ignore")  # LazyModule's "heavy development" warning, kaiming zero-size …

# the recipe versions this replay knows (version 3 adds the training ops: gen_train.py; version 4
# the scale op)
VERSIONS = (1, 2, 4)
ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")


class RecipeError(Exception):
    """The recipe itself is malformed (not something torch raised)."""


def cpu_capability():
    """The kernel flavour this process's torch runs: "avx2", or "default" under
    ATEN_CPU_CAPABILITY=default (torch then reports "NO AVX")."""
    if os.environ.get("ATEN_CPU_CAPABILITY") == "default":
        return "default"
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip().lower()
    return "unknown"


def to_py(value):
    """JSON → Python the way the recipe format defines it: arrays become tuples."""
    if isinstance(value, list):
        return tuple(to_py(v) for v in value)
    if isinstance(value, dict):
        return {k: to_py(v) for k, v in value.items()}
    return value


def tensor_json(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.float32:
        bits = t.reshape(-1).view(torch.int32).tolist()
        return {"shape": list(t.shape), "dtype": "float32", "hex": ["%08x" % (b & 0xFFFFFFFF) for b in bits]}
    if t.dtype == torch.int64:
        return {"shape": list(t.shape), "dtype": "int64", "int": t.reshape(-1).tolist()}
    raise RecipeError("unsupported dtype %s" % t.dtype)


def probe():
    return tensor_json(torch.rand(2))["hex"]


def reorder_modules(parent, name, index):
    """Child `name` of `parent` to position `index`: the OrderedDict parent._modules rebuilt in place."""
    items = [(k, v) for k, v in parent._modules.items() if k != name]
    items.insert(index, (name, parent._modules[name]))
    parent._modules.clear()
    parent._modules.update(items)


def make_custom_class(name, cache={}):
    """A user nn.Module subclass; forward runs the children in order. One class object per name
    so two modules of the same recipe class share their type, as in a script."""
    if name not in cache:
        def forward(self, x):
            for layer in self._modules.values():
                x = layer(x)
            return x
        cache[name] = type(name, (nn.Module,), {"forward": forward})
    return cache[name]


class Interpreter:
    def __init__(self, recipe):
        if recipe.get("format") != "paramscope-recipe" or recipe.get("version") not in VERSIONS:
            raise RecipeError("not a paramscope-recipe version %s" % " or ".join(map(str, VERSIONS)))
        self.recipe = recipe
        self.ids = collections.OrderedDict()  # id → nn.Module, creation order
        self.outputs = collections.OrderedDict()
        self.output_steps = {}

    # ---- targets ----
    def resolve(self, path):
        parts = path.split(".")
        if parts[0] not in self.ids:
            raise RecipeError("unknown id %r" % parts[0])
        obj = self.ids[parts[0]]
        for p in parts[1:]:
            if not isinstance(obj, nn.Module):
                raise RecipeError("%r: %r is not a module" % (path, p))
            if p in obj._modules:
                obj = obj._modules[p]
            elif p in obj._parameters:
                obj = obj._parameters[p]
            elif p in obj._buffers:
                obj = obj._buffers[p]
            else:
                raise RecipeError("%r: no child, parameter or buffer %r" % (path, p))
        return obj

    def resolve_module(self, path):
        m = self.resolve(path)
        if not isinstance(m, nn.Module):
            raise RecipeError("%r is not a module" % path)
        return m

    # ---- ops ----
    def op_module(self, op):
        mid = op["id"]
        if not ID_RE.match(mid) or mid in self.ids:
            raise RecipeError("bad or duplicate id %r" % mid)
        typ = op["type"]
        args = to_py(op.get("args", {}))
        if typ in CONTAINERS:
            children = op.get("children", [])
            if isinstance(children, dict):
                named = [(k, self.resolve_module(v)) for k, v in children.items()]
            else:
                named = [(str(i), self.resolve_module(v)) for i, v in enumerate(children)]
            if op.get("class"):
                m = make_custom_class(op["class"])()
                for k, child in named:
                    m.add_module(k, child)
            elif typ == "Sequential":
                m = nn.Sequential(collections.OrderedDict(named))
            elif typ == "ModuleList":
                if isinstance(children, dict):
                    raise RecipeError("ModuleList children must be a list")
                m = nn.ModuleList([c for _, c in named])
            else:
                m = nn.ModuleDict(collections.OrderedDict(named))
        else:
            cls = getattr(nn, typ, None)
            if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
                raise RecipeError("unknown module type %r" % typ)
            m = cls(**args)
        self.ids[mid] = m

    def op_attach(self, op):
        parent = self.resolve_module(op["parent"])
        child = self.resolve_module(op["child"])
        index = op.get("index")
        if index is not None and not 0 <= index <= len(parent._modules):
            raise RecipeError("index %d out of range" % index)
        parent.add_module(op["name"], child)
        if index is not None:
            reorder_modules(parent, op["name"], index)

    def container(self, op):
        """The parent of a rename/move: only a container's children (a layer's own submodules keep
        the names its forward uses)."""
        parent = self.resolve_module(op["parent"])
        custom = any(type(parent) is c for c in make_custom_class.__defaults__[0].values())
        if not custom and not isinstance(parent, (nn.Sequential, nn.ModuleList, nn.ModuleDict)):
            raise RecipeError("%s is not a container" % op["parent"])
        return parent

    def op_rename(self, op):
        parent = self.container(op)
        name, new = op["name"], op["new_name"]
        if name not in parent._modules:
            raise RecipeError("no child %r" % name)
        if new != name and (new in parent._modules or new in parent._parameters or new in parent._buffers):
            raise RecipeError("attribute %r already exists" % new)
        items = [(new if k == name else k, v) for k, v in parent._modules.items()]
        parent._modules.clear()
        parent._modules.update(items)

    def op_move(self, op):
        parent = self.container(op)
        if op["name"] not in parent._modules:
            raise RecipeError("no child %r" % op["name"])
        if not 0 <= op["index"] < len(parent._modules):
            raise RecipeError("index %d out of range" % op["index"])
        reorder_modules(parent, op["name"], op["index"])

    def op_detach(self, op):
        parent = self.resolve_module(op["parent"])
        if op["name"] not in parent._modules:
            raise RecipeError("no child %r" % op["name"])
        delattr(parent, op["name"])

    def op_init(self, op):
        t = self.resolve(op["target"])
        if isinstance(t, nn.Module):
            raise RecipeError("init target %r is a module" % op["target"])
        getattr(nn.init, op["fn"])(t, **to_py(op.get("args", {})))

    def op_init_modules(self, op):
        root = self.resolve_module(op["target"])
        cls = getattr(nn, op["match"], None)
        for mod in root.modules():
            if not (isinstance(mod, cls) if isinstance(cls, type) else type(mod).__name__ == op["match"]):
                continue
            for pname in ("weight", "bias"):
                spec = op.get(pname)
                if spec is None:
                    continue
                t = getattr(mod, pname, None)   # a module without it is skipped
                if t is not None:
                    getattr(nn.init, spec["fn"])(t, **to_py(spec.get("args", {})))

    def op_reset_parameters(self, op):
        m = self.resolve_module(op["target"])
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
        else:
            for mod in m.modules():
                if hasattr(mod, "reset_parameters"):
                    mod.reset_parameters()

    def op_scale(self, op):
        t = self.resolve(op["target"])
        if isinstance(t, nn.Module):
            raise RecipeError("scale target %r is a module" % op["target"])
        f = op["factor"]
        with torch.no_grad():
            t.mul_(float(f) if isinstance(f, str) else f)   # "nan", "inf", "-inf"

    def op_manual_seed(self, op):
        torch.manual_seed(op["seed"])

    def op_mode(self, op):
        self.resolve_module(op["target"]).train(op["train"])

    @staticmethod
    def make_input(spec):
        """randn/rand/zeros/ones: shape; randint: {low, high, size}; value (+ dtype)."""
        if "value" in spec:
            if "dtype" not in spec:   # torch infers: int64 when every number is an integer
                return torch.tensor(spec["value"])
            dtype = {"float32": torch.float32, "int64": torch.int64}[spec["dtype"]]
            return torch.tensor(spec["value"], dtype=dtype)
        if len(spec) != 1:
            raise RecipeError("input must have exactly one kind")
        (kind, v), = spec.items()
        if kind in ("randn", "rand", "zeros", "ones"):
            return getattr(torch, kind)(tuple(v))
        if kind == "randint":
            return torch.randint(v.get("low", 0), v["high"], tuple(v["size"]))
        raise RecipeError("unknown input kind %r" % kind)

    def op_forward(self, op, step):
        m = self.resolve_module(op["target"])
        x = self.make_input(op["input"])
        if isinstance(m, nn.MultiheadAttention):
            y = m(x, x, x)
        elif isinstance(m, nn.Bilinear):
            y = m(x, x)
        else:
            y = m(x)
        if isinstance(y, tuple):
            y = y[0]
        name = op.get("name") or "output%d" % step
        self.outputs[name] = y.detach().clone()
        self.output_steps[name] = step

    def apply(self, op, step):
        kind = op["op"]
        fn = getattr(self, "op_" + kind, None)
        if fn is None:
            raise RecipeError("unknown op %r" % kind)
        if kind == "forward":
            fn(op, step)
        else:
            fn(op)

    # ---- state ----
    def state(self):
        """{'<id>.<key>': tensor or None (uninitialized)} over every id, creation order."""
        out = collections.OrderedDict()
        for mid, m in self.ids.items():
            for k, v in m.state_dict(keep_vars=True).items():
                if isinstance(v, nn.parameter.UninitializedTensorMixin):
                    out[mid + "." + k] = None
                else:
                    out[mid + "." + k] = v
        return out


class TensorTable:
    def __init__(self):
        self.items = []
        self.index = {}

    def add(self, t):
        j = tensor_json(t)
        key = json.dumps(j, sort_keys=True)
        if key not in self.index:
            self.index[key] = len(self.items)
            self.items.append(j)
        return self.index[key]


def run(recipe, steps=None):
    """Replays the recipe in this process. steps: None = record every step, else a set of step
    numbers (the final step and a failing step's predecessor are always recorded)."""
    interp = Interpreter(recipe)
    table = TensorTable()
    result = {"torch": torch.__version__, "flavour": cpu_capability(), "steps": [], "error": None}
    torch.manual_seed(recipe.get("seed", 0))
    approx = set()        # data_ptrs of tensors whose values came out of a forward pass
    ops = recipe["ops"]
    for n, op in enumerate(ops, start=1):
        before = {k: (None if v is None else (v.data_ptr(), v.detach().clone()))
                  for k, v in interp.state().items()}
        rng_before = torch.get_rng_state()
        try:
            interp.apply(op, n)
        except RecipeError:
            raise
        except Exception as e:  # torch (or Python) rejected the op: record and stop
            msg = str(e)
            if isinstance(e, KeyError) and len(e.args) == 1 and isinstance(e.args[0], str):
                msg = e.args[0]
            result["error"] = {"step": n, "type": type(e).__name__, "message": msg}
            # torch may have changed something before raising (a lazy module materialized by a
            # forward that then failed); the C replay drops the op, an exported script cannot
            after = {k: (None if v is None else tensor_json(v)) for k, v in interp.state().items()}
            was = {k: (None if v is None else tensor_json(v[1])) for k, v in before.items()}
            if after != was:
                result["error_state"] = collections.OrderedDict(
                    (k, -1 if v is None else table.add(v)) for k, v in interp.state().items())
            raw = probe()
            torch.set_rng_state(rng_before)
            result["probe_after"] = probe()
            if raw != result["probe_after"]:
                result["probe_after_raw"] = raw
            break
        cur = interp.state()
        # forward-derived values (BatchNorm running stats) get a tolerance in the C test; any
        # other write makes a value exact again
        for k, v in cur.items():
            if v is None:
                continue
            old = before.get(k)
            changed = old is None or old[1] is None or old[0] != v.data_ptr() or \
                tensor_json(old[1]) != tensor_json(v)
            if changed:
                if op["op"] == "forward" and old is not None and old[1] is not None and \
                        old[1].shape == v.shape and v.dtype == torch.float32:
                    approx.add(v.data_ptr())
                else:
                    approx.discard(v.data_ptr())
        if steps is None or n in steps or n == len(ops):
            rec = {"step": n, "state": collections.OrderedDict(
                (k, -1 if v is None else table.add(v)) for k, v in cur.items())}
            ap = [k for k, v in cur.items() if v is not None and v.data_ptr() in approx]
            if ap:
                rec["approx"] = ap
            result["steps"].append(rec)
    else:
        result["probe_after"] = probe()
    result["outputs"] = collections.OrderedDict((k, table.add(v)) for k, v in interp.outputs.items())
    result["output_steps"] = interp.output_steps
    result["tensors"] = table.items
    return result


def result_for_recipe(recipe, steps=None):
    """Runs in a subprocess when the recipe asks for a CPU flavour other than this process's."""
    want = recipe.get("flavour", "avx2")
    if want == cpu_capability():
        return run(recipe, steps)
    if os.environ.get("PS_TORCH_RECIPE_CHILD"):
        raise RecipeError("could not switch torch to flavour %r" % want)
    env = dict(os.environ, ATEN_CPU_CAPABILITY=want, PS_TORCH_RECIPE_CHILD="1")
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "-"], input=json.dumps(recipe),
                       capture_output=True, text=True, env=env, check=True)
    res = json.loads(p.stdout)
    if res["flavour"] != want:
        raise RecipeError("could not switch torch to flavour %r" % want)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("recipe", help="recipe JSON file, or - for stdin")
    ap.add_argument("-o", "--output")
    a = ap.parse_args()
    recipe = json.load(sys.stdin if a.recipe == "-" else open(a.recipe))
    res = result_for_recipe(recipe)
    text = json.dumps(res, separators=(",", ":"))
    if a.output:
        with open(a.output, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
