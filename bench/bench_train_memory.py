#!/usr/bin/python3
"""Peak memory of a long `train` op against its number of steps and its record_every (issue #12).

Usage: /usr/bin/python3 bench/bench_train_memory.py build/src/cli/paramscope-cli

A 2-256-256-128-2 Tanh MLP (99,714 parameters) on the xor toy set (n = 1024), batch 32,
Adam(1e-3), trained by one `train` op; `paramscope-cli run` under /usr/bin/time -v (peak RSS,
wall). Cases: 1,000 and 10,000 steps recording only the last step (memory must not grow with the
steps), and 10,000 steps recording every 1,000th / 100th step (each record keeps a snapshot:
parameters, .grad and the optimizer state, 1.6 MB here). Also examples/empty.json as the
process's own baseline.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from train_mlp_recipe import mlp_recipe


def measure(cli, path):
    p = subprocess.run(["/usr/bin/time", "-v", cli, "run", path], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("%s failed: %s" % (path, p.stderr[-500:]))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", p.stderr).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    return rss, secs


def main():
    cli = sys.argv[1] if len(sys.argv) > 1 else "build/src/cli/paramscope-cli"
    cases = [("1k steps, last recorded", 1000, 1000), ("10k steps, last recorded", 10000, 10000),
             ("10k steps, every 1000th", 10000, 1000), ("10k steps, every 100th", 10000, 100)]
    with tempfile.TemporaryDirectory() as d:
        empty = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "empty.json")
        base = measure(cli, empty)[0]
        print("%-26s peak RSS %8.1f MiB" % ("empty (baseline)", base))
        for name, steps, every in cases:
            path = os.path.join(d, "train.json")
            with open(path, "w") as f:
                json.dump(mlp_recipe(steps, every), f)
            rss, secs = measure(cli, path)
            print("%-26s peak RSS %8.1f MiB   wall %7.2f s   (%d records)" % (name, rss, secs, steps // every))


if __name__ == "__main__":
    main()
