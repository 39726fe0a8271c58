#!/usr/bin/python3
"""Runs bench-torch-file (C) and, in the same run:
  * lists the same 10 GiB torch.save file the way torch.load does before it reads any storage
    (zipfile + an Unpickler resolving torch's globals, persistent_load returning a placeholder) —
    torch 1.13 itself cannot list without reading every storage (no mmap/meta loading);
  * writes a series of 8 checkpoints (torch.save of a 4 × 1024 × 1024 float32 state dict, 16 MiB
    each) in /tmp and computes every tensor's L2 norm (float64) with torch.load + torch, the same
    work as ps_checkpoint_series_compute_norms;
  * times `cat` of the same files to /dev/null (the page-cache bandwidth a user sees).
Prints the medians and the ratios.

Usage: /usr/bin/python3 bench/bench_torch_file.py build/bench/bench-torch-file [path] [repeats]"""
import glob, os, pickle, statistics, subprocess, sys, time, zipfile
import torch

exe = sys.argv[1]
path = sys.argv[2] if len(sys.argv) > 2 else "/tmp/ps-bench-10g.pt"
reps = int(sys.argv[3]) if len(sys.argv) > 3 else 21
series = "/tmp/ps-bench-series"
os.makedirs(series, exist_ok=True)
if len(glob.glob(series + "/*.pt")) != 8:
    g = torch.Generator().manual_seed(0)
    for e in range(8):
        sd = {f"layer{k}.weight": torch.randn(1024, 1024, generator=g) for k in range(4)}
        torch.save({"epoch": e, "model": sd}, f"{series}/epoch_{e:02d}.pt")

out = subprocess.run([exe, path, str(reps), series], check=True, capture_output=True, text=True).stdout
print(out, end="")
res = dict(kv.split("=") for kv in out.strip().splitlines()[-1].split()[1:])


class Lister(pickle.Unpickler):
    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return lambda storage, offset, size, stride, rg, hooks, *a: (storage, offset, size, stride)
        if module == "collections" and name == "OrderedDict":
            import collections
            return collections.OrderedDict
        if module == "torch":
            return getattr(torch, name)
        raise pickle.UnpicklingError(f"{module}.{name}")

    def persistent_load(self, pid):
        return pid


def list_py():
    with zipfile.ZipFile(path) as z:
        prefix = z.namelist()[0].split("/")[0]
        with z.open(prefix + "/data.pkl") as f:
            return Lister(f).load()


def norms_torch():
    out = {}
    for f in sorted(glob.glob(series + "/*.pt")):
        ck = torch.load(f)
        out[f] = {k: float(v.double().norm()) for k, v in ck["model"].items()}
    return out


def cat_files():
    subprocess.run("cat " + series + "/*.pt > /dev/null", shell=True, check=True)


tl, tn, tc = [], [], []
for r in range(reps):
    t0 = time.perf_counter()
    cat_files()
    tc.append((time.perf_counter() - t0) * 1e3)
for r in range(reps):
    t0 = time.perf_counter()
    d = list_py()
    t1 = time.perf_counter()
    tl.append((t1 - t0) * 1e3)
for r in range(min(reps, 7)):
    t0 = time.perf_counter()
    norms_torch()
    tn.append((time.perf_counter() - t0) * 1e3)
ml, mn = statistics.median(tl), statistics.median(tn)
print(f"python zipfile + unpickler list  {ml:8.2f} ms median ({len(d)} tensors)")
print(f"torch.load + double norm, series {mn:8.2f} ms median (8 × 16 MiB)")
print(f"ratio list   (python / paramscope): {ml / float(res['list_ms']):.2f}x")
print(f"ratio norms  (torch / paramscope, all processors, mapped): {mn / float(res['series_ms']):.2f}x")
print(f"ratio norms  (torch / paramscope, 1 thread, mapped):       {mn / float(res['series1_ms']):.2f}x")
print(f"ratio norms  (torch / paramscope, 1 thread, read):         {mn / float(res['series_read_ms']):.2f}x")
mc = statistics.median(tc)
print(f"cat of the series files > /dev/null {mc:8.2f} ms median (a process; page cache)")
print(f"paramscope norms / one plain read of the files: {float(res['series_ms']) / float(res['read_ms']):.2f}x wall "
      f"(1 thread: {float(res['series1_ms']) / float(res['read_ms']):.2f}x wall, "
      f"{float(res['series1_cpu_ms']) / float(res['read_cpu_ms']):.2f}x CPU)")
print(f"paramscope norms / cat of the files:            {float(res['series_ms']) / mc:.2f}x (1 thread: {float(res['series1_ms']) / mc:.2f}x)")
print(f"all processors vs 1 thread (wall):              {float(res['series1_ms']) / float(res['series_ms']):.2f}x faster")
print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
