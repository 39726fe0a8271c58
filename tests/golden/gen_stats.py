#!/usr/bin/python3
"""Fixtures for tests/core/test-stats.c and tests/core/test-histogram.c: summary statistics, quantiles
(numpy.quantile, method='linear'), numpy.histogram counts and Kolmogorov-Smirnov statistics,
computed with numpy (and torch.std for the parity note) from the data stored in the file.

Run with /usr/bin/python3 (numpy 1.24, torch 1.13):  /usr/bin/python3 tests/golden/gen_stats.py
Writes tests/data/stats-golden.json."""
import json, math, os
import numpy as np
import torch

rng = np.random.default_rng(20261129)
Q = [0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999, 0.0, 1.0, 1 / 3, 0.123456]


def enc(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def stats(x):
    x64 = x.astype(np.float64)
    fin = x64[np.isfinite(x64)]
    d = dict(count=int(x.size), n_nan=int(np.isnan(x64).sum()),
             n_posinf=int(np.isposinf(x64).sum()), n_neginf=int(np.isneginf(x64).sum()),
             n_zero=int((x64 == 0).sum()), n_finite=int(fin.size))
    if fin.size:
        d.update(mean=fin.mean(), std_pop=fin.std(), min=fin.min(), max=fin.max(),
                 l2_norm=float(np.sqrt(np.sum(fin * fin))),
                 std=fin.std(ddof=1) if fin.size > 1 else float("nan"),
                 quantiles=[enc(v) for v in np.quantile(fin, Q, method="linear")])
        if x.dtype == np.float32:
            # torch.std on the float32 finite values (float32 result): parity reference only
            d["torch_std"] = enc(torch.from_numpy(x[np.isfinite(x)]).std().item()) \
                if fin.size > 1 else "nan"
    return {k: (enc(v) if isinstance(v, (float, np.floating)) else v) for k, v in d.items()}


def hist(x, bins, lo, hi):
    counts, edges = np.histogram(x, bins=bins, range=(lo, hi))
    e0, en = edges[0], edges[-1]
    with np.errstate(invalid="ignore"):
        under = int((x < e0).sum())
        over = int((x > en).sum())
    return dict(bins=bins, lo=lo, hi=hi, counts=[int(c) for c in counts],
                edges=[enc(e) for e in edges], underflow=under, overflow=over,
                nan=int(np.isnan(x).sum()))


def phi_cdf(z):
    return 0.5 * math.erfc(-z / math.sqrt(2))


def cdf(dist, v):
    if dist["kind"] == "uniform":
        a, b = dist["a"], dist["b"]
        return 0.0 if v <= a else 1.0 if v >= b else (v - a) / (b - a)
    if dist["kind"] == "normal":
        return phi_cdf((v - dist["mean"]) / dist["std"])
    if dist["kind"] == "trunc_normal":
        m, s, a, b = dist["mean"], dist["std"], dist["a"], dist["b"]
        if v <= a:
            return 0.0
        if v >= b:
            return 1.0
        lo, hi = phi_cdf((a - m) / s), phi_cdf((b - m) / s)
        return min(1.0, max(0.0, (phi_cdf((v - m) / s) - lo) / (hi - lo)))
    raise ValueError


def ks(x, dist):
    v = np.sort(x[np.isfinite(x)].astype(np.float64))
    n = v.size
    F = np.array([cdf(dist, t) for t in v])
    i = np.arange(1, n + 1)
    return float(max((i / n - F).max(), (F - (i - 1) / n).max()))


def f32(a):
    return np.asarray(a, dtype=np.float32)


cases = []


def add(name, x, hists=(), kss=()):
    x = np.asarray(x)
    c = dict(name=name, dtype="float32" if x.dtype == np.float32 else "int64",
             data=[enc(v) if x.dtype == np.float32 else int(v) for v in x.ravel()],
             stats=stats(x))
    c["histograms"] = [hist(x, *h) for h in hists]
    c["ks"] = [dict(dist=d, d=ks(x, d)) for d in kss]
    cases.append(c)


x = f32(rng.normal(0.1, 0.02, 1000))
add("normal_1000", x, [(10, 0.0, 0.2), (256, float(x.min()), float(x.max())), (7, 0.05, 0.15)],
    [dict(kind="normal", mean=0.1, std=0.02), dict(kind="normal", mean=0.0, std=0.02)])
x = f32(rng.uniform(-0.3, 0.3, 10000))
add("uniform_10000", x, [(30, -0.3, 0.3), (64, -0.25, 0.25), (1, -1.0, 1.0), (1000, -0.3, 0.3)],
    [dict(kind="uniform", a=-0.3, b=0.3), dict(kind="uniform", a=-0.31, b=0.31)])
# trunc normal like torch.nn.init.trunc_normal_ (mean 0, std 1, [-2, 2])
t = torch.empty(5000)
torch.manual_seed(3)
torch.nn.init.trunc_normal_(t)
x = t.numpy().astype(np.float32)
add("trunc_normal_5000", x, [(40, -2.0, 2.0)],
    [dict(kind="trunc_normal", mean=0.0, std=1.0, a=-2.0, b=2.0),
     dict(kind="normal", mean=0.0, std=1.0)])
x = f32(rng.standard_cauchy(5000))
add("cauchy_5000", x, [(50, -10.0, 10.0), (13, -3.3, 2.9)])
x = f32(rng.normal(0, 1, 2000))
x[::97] = np.nan
x[5::301] = np.inf
x[7::401] = -np.inf
x[11::50] = 0.0
x[13::211] = -0.0
add("specials_2000", x, [(20, -3.0, 3.0), (9, -1.0, 1.0)])
# values exactly on float32 edges and one ulp either side
edges32 = np.linspace(-1.0, 1.0, 11).astype(np.float32)
vals = []
for e in edges32:
    vals += [e, np.nextafter(e, np.float32(-2)), np.nextafter(e, np.float32(2))]
ed2 = np.linspace(-0.3, 0.7, 8).astype(np.float32)
for e in ed2:
    vals += [e, np.nextafter(e, np.float32(-2)), np.nextafter(e, np.float32(2))]
add("edges", f32(vals), [(10, -1.0, 1.0), (7, -0.3, 0.7), (3, -0.1, 0.1)])
add("ties", f32([0.5] * 100 + [0.25] * 3 + [1.0] * 2), [(4, 0.0, 1.0), (5, 0.5, 0.5)])
add("single", f32([3.5]), [(3, 3.5, 3.5)])
add("pair", f32([-2.0, 6.0]), [(2, -2.0, 6.0)])
add("all_nan", f32([np.nan, np.nan, np.inf]), [(2, 0.0, 1.0)])
xi = rng.integers(-1000, 1000, 500).astype(np.int64)
add("int64_500", xi, [(10, -1000.0, 1000.0), (7, -333.0, 777.0)])
# large offset, small spread: a naive sum of squares would cancel
x = f32(1000.0 + rng.normal(0, 1e-3, 3000))
add("offset_3000", x, [(16, 999.99, 1000.01)])

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "stats-golden.json")
with open(out, "w") as f:
    json.dump(dict(generator="tests/golden/gen_stats.py", numpy=np.__version__,
                   torch=torch.__version__, quantiles=Q, cases=cases), f)
print(out, os.path.getsize(out), "bytes")
