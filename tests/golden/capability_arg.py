"""The ATen capability a golden script runs torch at: --capability avx2|avx512|default (avx2 when
not given). torch reads ATEN_CPU_CAPABILITY when it is imported, so a script imports this module
before torch: it pins oneDNN's ISA and the intra-op thread count as tests/meson.build does (unless
the environment already sets them), reads the flag from sys.argv, and sets ATEN_CPU_CAPABILITY for
avx512 and default. Used by gen_swapped_activations.py and random_train_recipes.py."""
import os
import sys

os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")
os.environ.setdefault("OMP_NUM_THREADS", "1")
CAPABILITY = "avx2"
for _i, _a in enumerate(sys.argv):
    if _a.startswith("--capability="):
        CAPABILITY = _a.split("=", 1)[1]
    elif _a == "--capability" and _i + 1 < len(sys.argv):
        CAPABILITY = sys.argv[_i + 1]
if CAPABILITY not in ("avx2", "avx512", "default"):
    sys.exit("--capability must be avx2, avx512 or default")
if CAPABILITY != "avx2":
    os.environ["ATEN_CPU_CAPABILITY"] = CAPABILITY
