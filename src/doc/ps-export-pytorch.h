/* ps-export-pytorch.h — a recipe as a runnable, readable PyTorch script.
 *
 * The script replays the recipe op by op the way a person would write it: torch.manual_seed,
 * module construction with PyTorch's class names and keyword arguments (user classes become
 * nn.Module subclasses), torch.nn.init calls, the init_modules loop, forwards stored in an
 * `outputs` dict. Each op is preceded by a "# Step N" comment (N = the recipe's op number).
 *
 * The script carries no test harness: tests/golden/run_export.py runs it from outside (exec, then
 * the recipe modules' state_dicts, the outputs, the failing step found from the traceback and the
 * "# Step N" comments, torch.rand(2) afterwards), so tests can check that torch, given the script,
 * computes what Paramscope computed. */
#pragma once

#include <glib.h>
#include "ps-recipe.h"

G_BEGIN_DECLS

/* The script text (UTF-8, ends with a newline). Fails only on a recipe the script cannot express
 * (a module op without id/type, a target naming no known id, …), with PS_ERROR_INVALID_ARGUMENT
 * naming the op. The recipe is not replayed: ops that would fail in torch are exported as they
 * are, and fail when the script runs. */
char *ps_export_pytorch (const PsRecipe *recipe, GError **error);

G_END_DECLS
