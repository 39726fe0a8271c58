/* ps-cli-commands.c — the table of paramscope-cli commands, in the order --help lists them. */
#include "ps-cli-private.h"
#include "ps-cli-export.h"

const PsCliCommand ps_cli_commands[] = {
  { "run", "replay a recipe; write the state dict / outputs as safetensors", ps_cli_cmd_run },
  { "describe", "print a recipe's timeline, model and parameter table", ps_cli_cmd_describe },
  { "metrics", "the per-step training record of a recipe's train ops (--csv, --json)", ps_cli_cmd_metrics },
  { "loss-curve", "draw the recorded training loss, accuracy and learning rate (PNG, SVG, PDF)", ps_cli_cmd_loss_curve },
  { "ratios", "draw the grad/data and update/data ratios of every parameter over the recorded steps", ps_cli_cmd_ratios },
  { "activations", "draw per-layer activation histograms at a step (saturated and dead shares)", ps_cli_cmd_activations },
  { "gradients", "draw per-parameter .grad histograms at a step", ps_cli_cmd_gradients },
  { "weight-tiles", "draw the first layer's weights as image tiles (Fashion-MNIST templates)", ps_cli_cmd_weight_tiles },
  { "stats", "statistics of every parameter and buffer at a step (--json)", ps_cli_cmd_stats },
  { "heatmap", "draw a parameter as a heatmap (PNG, SVG or PDF)", ps_cli_cmd_heatmap },
  { "histogram", "draw a parameter's histogram with its init's distribution", ps_cli_cmd_histogram },
  { "ridgeline", "draw a parameter's histograms over the steps", ps_cli_cmd_ridgeline },
  { "bands", "draw a parameter's percentile bands over the steps", ps_cli_cmd_bands },
  { "animate", "draw a parameter or a training view over steps as an animated GIF or numbered pictures", ps_cli_cmd_animate },
  { "contact-sheet", "draw a parameter or a training view at chosen steps on one sheet (PNG, SVG, PDF)", ps_cli_cmd_contact_sheet },
  { "boundary", "draw what a 2-input classifier decides over the plane, with data points", ps_cli_cmd_boundary },
  { "inspect", "list a checkpoint's tensors (safetensors, PyTorch .pt/.bin, npy, npz) with statistics", ps_cli_cmd_inspect },
  { "series", "a folder of checkpoints as a timeline: norms and changes (CSV), bands or ridgeline of a tensor", ps_cli_cmd_series },
  { "to-pytorch", "write a PyTorch script that replays a recipe and saves its state", ps_cli_to_pytorch },
  { NULL }
};
