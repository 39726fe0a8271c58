#!/usr/bin/env bash
# Build the libFuzzer harnesses (clang, no meson) and optionally run them.
#   fuzz/run.sh build                 build fuzz/out/fuzz-{safetensors,npy,npz,torch-zip,pickle}
#   fuzz/run.sh run NAME [RUNS] [JOBS] build, then fuzz NAME (safetensors|npy|npz|torch-zip|pickle) for RUNS
#                                     executions (default 1000000) from fuzz/corpus/NAME
# New corpus entries go to fuzz/out/corpus-NAME (the seeds in fuzz/corpus/ are left untouched);
# crashers to fuzz/out/crash-NAME-*. Keep a crasher as a regression test by copying it to
# tests/data/formats/fuzz-regressions/NAME/ (the meson tests replay that directory).
set -euo pipefail
cd "$(dirname "$0")/.."
CC=${CC:-clang}
OUT=fuzz/out
mkdir -p "$OUT"
PKGS="glib-2.0 gio-2.0 json-glib-1.0 libzip zlib libdeflate"
CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
        -std=gnu11 -D_GNU_SOURCE -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74
        -DGLIB_VERSION_MAX_ALLOWED=GLIB_VERSION_2_74 -Isrc/core -Isrc/doc $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) -lm"
SRC="src/core/ps-error.c src/core/ps-memory.c src/core/ps-tensor.c src/doc/ps-raw-dtype.c src/doc/ps-json-reader.c
     src/doc/ps-atomic-file.c src/doc/ps-safetensors.c src/doc/ps-npy.c src/doc/ps-npz.c
     src/doc/ps-zip-archive.c src/doc/ps-pickle.c src/doc/ps-torch-file.c src/doc/ps-regular-file.c"

# fuzz-recipe: the whole headless core + doc (recipe load and replay), built the same way.
RECIPE_PKGS="$PKGS openblas lapacke"
RECIPE_SRC="$(ls src/core/*.c src/doc/*.c)"

build_recipe () {
  # shellcheck disable=SC2086
  $CC $CFLAGS -ffp-contract=off -o "$OUT/fuzz-recipe" fuzz/fuzz-recipe.c $RECIPE_SRC \
    $(pkg-config --cflags --libs $RECIPE_PKGS) -lm
}

build () {
  for n in safetensors npy npz torch-zip pickle; do
    # shellcheck disable=SC2086
    $CC $CFLAGS -o "$OUT/fuzz-$n" "fuzz/fuzz-$n.c" $SRC $LIBS
  done
}

case "${1:-build}" in
  build) build; build_recipe ;;
  run-recipe)
    # fuzz-recipe: tensors limited to PS_FUZZ_MAX_BYTES (64 MiB by default), 10 s per input.
    runs=${2:-1000000}
    jobs=${3:-1}
    build_recipe
    mkdir -p "$OUT/corpus-recipe"
    par=()
    if [ "$jobs" -gt 1 ]; then par=(-jobs="$jobs" -workers="$jobs"); fi
    G_DEBUG=fatal-criticals OPENBLAS_NUM_THREADS=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      ASAN_OPTIONS=detect_leaks=1 "$OUT/fuzz-recipe" -runs="$runs" "${par[@]}" -max_len=16384 \
      -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -dict=fuzz/recipe.dict \
      -artifact_prefix="$OUT/crash-recipe-" -print_final_stats=1 "$OUT/corpus-recipe" fuzz/corpus/recipe
    ;;
  run)
    name=${2:?name: safetensors, npy, npz, torch-zip or pickle}
    runs=${3:-1000000}
    jobs=${4:-1}
    build
    mkdir -p "$OUT/corpus-$name"
    # rss/malloc limits: a tensor is at most a few times the input, so 2 GB is plenty.
    par=()
    # -jobs sends each job's output to ./fuzz-N.log; only use it for several jobs.
    if [ "$jobs" -gt 1 ]; then par=(-jobs="$jobs" -workers="$jobs"); fi
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
      "$OUT/fuzz-$name" -runs="$runs" "${par[@]}" -max_len=65536 -timeout=10 \
      -rss_limit_mb=2048 -dict="fuzz/$name.dict" -artifact_prefix="$OUT/crash-$name-" -print_final_stats=1 \
      "$OUT/corpus-$name" "fuzz/corpus/$name"
    ;;
  *) echo "usage: $0 build | run NAME [RUNS] [JOBS] | run-recipe [RUNS] [JOBS]" >&2; exit 2 ;;
esac
