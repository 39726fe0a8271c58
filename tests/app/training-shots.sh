#!/bin/sh
# The #14 evidence a person looks at: PNG screenshots of the app's training views and scenarios
# and GIFs exported over sub-steps by the app and by paramscope-cli, written into OUT.
#   tests/app/training-shots.sh [BUILD_DIR [OUT]]     (default: build, shots/)
# The screenshots come from the GUI tests of tests/app/test-training.c (shot () with
# PS_SCREENSHOT_DIR, under Xvfb with the cairo renderer, window 1400 × 900), so they show exactly
# what those tests assert: live-training (mid-run), view-NN-* (every Training-page view of
# train-xor at sub-step 13, the decision boundary among them), fashion-templates / -activations,
# scenario-* (each built-in scenario at its key step), app-export-*.gif (Export Over Sub-steps).
# Not a test: run it by hand and open the files.
set -eu
build=${1:-build}
out=${2:-shots}
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
export GDK_DEBUG=gl-disable GSK_RENDERER=cairo
PS_SCREENSHOT_DIR="$out" dbus-run-session -- xvfb-run -a -s "-screen 0 1600x1000x24" \
  meson test -C "$build" --no-rebuild --print-errorlogs test-training
cli="$build/src/cli/paramscope-cli"
# the first layer's weights over train-xor's 20 recorded sub-steps (every 3rd and the last)
"$cli" animate "$src/examples/train-xor.json" --param 0.weight --sub-steps --every 3 \
  --out "$out/cli-animate-substeps.gif"
# the same layer over the timeline steps of the tanh scenario (default init, then ×5), as a sheet
"$cli" contact-sheet "$src/examples/tanh-saturation.json" --param fc1.weight --steps 2,9,17 --columns 3 \
  --out "$out/cli-contact-sheet.png"
# the CLI's own pictures of training views (lr too high: losses beyond the plot marked at its top)
"$cli" loss-curve "$src/examples/lr-too-high.json" --out "$out/cli-loss-curve-lr-too-high.png"
"$cli" ratios "$src/examples/lr-too-high.json" --out "$out/cli-ratios-lr-too-high.png"
"$cli" activations "$src/examples/fashion-mnist-templates.json" --out "$out/cli-activations-fashion.png"
ls -1 "$out"
