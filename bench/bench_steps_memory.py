#!/usr/bin/python3
"""Memory and time of `paramscope-cli run` against the number of steps (issue #10).

Usage: /usr/bin/python3 bench/bench_steps_memory.py build/src/cli/paramscope-cli

Writes five recipes to a temporary folder and runs each under /usr/bin/time -v (peak RSS, wall):
  reinit20     a 4096x4096 Linear without bias (64 MiB weight) re-initialized 19 times (20 steps)
  init20k      20,000 small ops: a Linear(8, 8), then 19,999 normal_ inits of its weight and bias
  modules5k    5,000 module ops (ReLU) and a Sequential of all of them
  modules20k   the same with 20,000
  renames2k    a Sequential of 2,000 ReLUs, then 2,000 rename ops (each child renamed once)
  renames8k    the same with 8,000 (before the children became a persistent list, rename/detach/move/
               insert copied the container's list, O(children) per op: 40 s CPU)
  renamesNk    a Sequential of N,000 ReLUs, then N,000 renames (N = 5, 10, 20)
  movesNk      the same container, then N,000 moves, each of another child to index 1 (crowded into
               one place: the worst case for the list's order labels)
  insertsNk    the same container, then N,000 attaches of one more module at index 1
  detachesNk   the same container, then N,000 detaches (every child, first to last)
  empty        examples/empty.json, the process's own baseline
Prints peak RSS (MiB), wall and CPU (user + system) time (s), for reinit20 (peak - baseline) / model
size, and for each N,000-op family the peak above the baseline per 1,000 ops at 5k, 10k and 20k
(linear memory: about the same at each size).
Pass --only NAME[,NAME…] to run some recipes only.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

SIZES = (5000, 10000, 20000)


def rec(ops, root="m", version=1):
    return {"format": "paramscope-recipe", "version": version, "seed": 0, "root": root, "ops": ops}


def recipes(d):
    out = {}
    ops = [{"op": "module", "id": "m", "type": "Linear", "args": {"in_features": 4096, "out_features": 4096, "bias": False}}]
    fns = ["kaiming_uniform_", "normal_", "xavier_uniform_", "uniform_"]
    ops += [{"op": "init", "target": "m.weight", "fn": fns[i % 4]} for i in range(19)]
    out["reinit20"] = rec(ops)
    ops = [{"op": "module", "id": "m", "type": "Linear", "args": {"in_features": 8, "out_features": 8}}]
    ops += [{"op": "init", "target": "m.weight" if i % 2 else "m.bias", "fn": "normal_"} for i in range(19999)]
    out["init20k"] = rec(ops)
    ops = [{"op": "module", "id": "l%d" % i, "type": "ReLU"} for i in range(4999)]
    ops.append({"op": "module", "id": "m", "type": "Sequential", "children": ["l%d" % i for i in range(4999)]})
    out["modules5k"] = rec(ops)
    ops = [{"op": "module", "id": "l%d" % i, "type": "ReLU"} for i in range(19999)]
    ops.append({"op": "module", "id": "m", "type": "Sequential", "children": ["l%d" % i for i in range(19999)]})
    out["modules20k"] = rec(ops)
    def container(n):
        ops = [{"op": "module", "id": "l%d" % i, "type": "ReLU"} for i in range(n)]
        ops.append({"op": "module", "id": "m", "type": "Sequential", "children": ["l%d" % i for i in range(n)]})
        return ops
    for n in (2000, 8000):
        ops = container(n) + [{"op": "rename", "parent": "m", "name": str(i), "new_name": "r%d" % i} for i in range(n)]
        out["renames%dk" % (n // 1000)] = rec(ops, version=2)
    for n in SIZES:
        k = "%dk" % (n // 1000)
        out["renames" + k] = rec(container(n) + [{"op": "rename", "parent": "m", "name": str(i),
                                                  "new_name": "r%d" % i} for i in range(n)], version=2)
        out["moves" + k] = rec(container(n) + [{"op": "move", "parent": "m", "name": str(i), "index": 1}
                                               for i in range(n)], version=2)
        extra = [{"op": "module", "id": "x", "type": "ReLU"}]
        out["inserts" + k] = rec(container(n) + extra + [{"op": "attach", "parent": "m", "name": "a%d" % i,
                                                          "child": "x", "index": 1} for i in range(n)], version=2)
        out["detaches" + k] = rec(container(n) + [{"op": "detach", "parent": "m", "name": str(i)}
                                                  for i in range(n)], version=2)
    paths = {}
    for name, r in out.items():
        paths[name] = os.path.join(d, name + ".json")
        with open(paths[name], "w") as f:
            json.dump(r, f)
    paths["empty"] = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "empty.json")
    return paths


def measure(cli, path):
    p = subprocess.run(["/usr/bin/time", "-v", cli, "run", path], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("%s failed: %s" % (path, p.stderr[-500:]))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", p.stderr).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    cpu = sum(float(re.search(r"%s time \(seconds\): ([\d.]+)" % k, p.stderr).group(1)) for k in ("User", "System"))
    return rss, secs, cpu


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--only")]
    only = [a.split("=", 1)[1].split(",") for a in sys.argv[1:] if a.startswith("--only=")]
    cli = args[0] if args else "build/src/cli/paramscope-cli"
    with tempfile.TemporaryDirectory() as d:
        paths = recipes(d)
        names = [n for n in paths if not only or n in only[0] or n == "empty"]
        res = {name: measure(cli, paths[name]) for name in names}
    for name, (rss, secs, cpu) in res.items():
        print("%-11s peak RSS %8.1f MiB   wall %7.2f s   CPU %7.2f s" % (name, rss, secs, cpu))
    model = 64.0
    base = res["empty"][0]
    if "reinit20" in res:
        print("reinit20: peak %.2fx the model (64 MiB); above the empty run's baseline (%.1f MiB): %.2fx"
              % (res["reinit20"][0] / model, base, (res["reinit20"][0] - base) / model))
    for family in ("renames", "moves", "inserts", "detaches"):
        per = ["%dk %.2f" % (n // 1000, (res["%s%dk" % (family, n // 1000)][0] - base) / (n / 1000))
               for n in SIZES if "%s%dk" % (family, n // 1000) in res]
        if per:
            print("%-9s MiB above the baseline per 1,000 ops: %s" % (family, ", ".join(per)))


if __name__ == "__main__":
    main()
