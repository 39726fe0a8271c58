#!/usr/bin/python3
"""Attaching children one at a time (issue #10): time and peak memory of `paramscope-cli run`
against the number of attach ops, and torch doing the same in the same run.

Usage: /usr/bin/python3 bench/bench_attach.py build/src/cli/paramscope-cli [OTHER-CLI] [N ...]

For each N (default 1000 2000 4000 8000 16000) two recipes:
  distinct  N ReLU modules, each attached to one Sequential right after it is made (2N ops)
  same      one ReLU attached N times under N names (N ops; one module at N places)
Each recipe runs 3 times under /usr/bin/time -v (median wall and CPU = user + system, peak RSS).
torch: the same loop in this process (nn.Sequential().add_module(name, nn.ReLU()) N times; for
"same" one ReLU), median of 3. With OTHER-CLI (e.g. an older build) its runs are interleaved with
the first's, for a same-run before/after ratio. Every run's `run` output must be identical between
the two CLIs.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time


def recipe(n, same):
    ops = [{"op": "module", "id": "s", "type": "Sequential"}]
    if same:
        ops.append({"op": "module", "id": "r", "type": "ReLU"})
    for i in range(n):
        if not same:
            ops.append({"op": "module", "id": "r%d" % i, "type": "ReLU"})
        ops.append({"op": "attach", "parent": "s", "name": str(i), "child": "r" if same else "r%d" % i})
    return {"format": "paramscope-recipe", "version": 1, "seed": 0, "root": "s", "ops": ops}


def measure(cli, path):
    p = subprocess.run(["/usr/bin/time", "-v", cli, "run", path], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("%s %s failed: %s" % (cli, path, p.stderr[-500:]))
    err = p.stderr
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1)) / 1024
    wall = 0.0
    for part in re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", err).group(1).split(":"):
        wall = wall * 60 + float(part)
    cpu = sum(float(re.search(r"%s time \(seconds\): ([\d.]+)" % k, err).group(1)) for k in ("User", "System"))
    return rss, wall, cpu, p.stdout


def torch_time(n, same):
    import torch.nn as nn
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        s = nn.Sequential()
        r = nn.ReLU()
        for i in range(n):
            s.add_module(str(i), r if same else nn.ReLU())
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    args = sys.argv[1:]
    cli = args.pop(0) if args else "build/src/cli/paramscope-cli"
    other = args.pop(0) if args and not args[0].isdigit() else None
    sizes = [int(a) for a in args] or [1000, 2000, 4000, 8000, 16000]
    print("load average at start: %.1f" % os.getloadavg()[0])
    with tempfile.TemporaryDirectory() as d:
        for same in (False, True):
            kind = "same" if same else "distinct"
            for n in sizes:
                path = os.path.join(d, "%s%d.json" % (kind, n))
                with open(path, "w") as f:
                    json.dump(recipe(n, same), f)
                runs = {cli: [], other: []}
                outs = set()
                for _ in range(3):
                    for c in (cli, other):
                        if c is not None:
                            rss, wall, cpu, out = measure(c, path)
                            runs[c].append((rss, wall, cpu))
                            outs.add(out)
                if len(outs) != 1:
                    raise SystemExit("%s N=%d: the outputs differ between runs or CLIs" % (kind, n))
                tt = torch_time(n, same)
                line = "%-8s N=%6d" % (kind, n)
                for c in (cli, other):
                    if c is None:
                        continue
                    rss = max(r[0] for r in runs[c])
                    wall = statistics.median(r[1] for r in runs[c])
                    cpu = statistics.median(r[2] for r in runs[c])
                    line += "  | %s: wall %7.2f s CPU %7.2f s (%6.1f us/attach) peak %6.1f MiB" % (
                        "new" if c == cli else "other", wall, cpu, 1e6 * cpu / n, rss)
                cpu_new = statistics.median(r[2] for r in runs[cli])
                line += "  | torch %.3f s (CPU ratio %.1fx)" % (tt, cpu_new / tt)
                if other is not None:
                    line += "  | other/new CPU %.1fx" % (statistics.median(r[2] for r in runs[other]) / cpu_new)
                print(line, flush=True)


if __name__ == "__main__":
    main()
