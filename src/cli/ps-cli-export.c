/* ps-cli-export.c — `paramscope-cli to-pytorch`: a recipe as a runnable PyTorch script. */
#include "ps-cli-export.h"
#include "ps-cli-private.h"
#include "ps-atomic-file.h"
#include "ps-export-pytorch.h"
#include "ps-recipe.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
  "Usage: paramscope-cli to-pytorch RECIPE.json [-o SCRIPT.py]\n"
  "\n"
  "Writes a PyTorch script that replays the recipe: module construction, torch.nn.init calls and\n"
  "forwards in the recipe's order, from torch.manual_seed(seed). Running it with torch 1.13 gives\n"
  "the parameters Paramscope shows, bit for bit. The script is plain PyTorch with no test code in\n"
  "it: the model ends up in its variables (the recipe's module ids) and the forward results in the\n"
  "dict `outputs`, by name; it writes no files.\n"
  "\n"
  "  -o, --output FILE   write the script to FILE (atomically) instead of standard output\n";

int
ps_cli_to_pytorch (int argc, char **argv)
{
  const char *output = NULL;
  const char *output_short = NULL;
  const PsCliOption options[] = {
    { "--output", &output, NULL },
    { "-o", &output_short, NULL },
    { NULL }
  };
  g_autoptr (GPtrArray) positional = g_ptr_array_new ();
  gboolean help = FALSE;
  g_autoptr (GError) error = NULL;
  if (!ps_cli_parse (argc, argv, options, positional, &help, &error))
    return ps_cli_usage_error ("to-pytorch", "%s", error->message);
  if (help)
    {
      fputs (usage, stdout);
      return 0;
    }
  if (positional->len != 1)
    return ps_cli_usage_error ("to-pytorch", "expected one recipe file");
  if (output_short != NULL)
    output = output_short;

  if (!ps_cli_check_outputs (&output, 1, g_ptr_array_index (positional, 0), &error))
    return ps_cli_error (error);
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_file (g_ptr_array_index (positional, 0), &error);
  if (recipe == NULL)
    return ps_cli_error (error);
  g_autofree char *script = ps_export_pytorch (recipe, &error);
  if (script == NULL)
    return ps_cli_error (error);
  if (output == NULL)
    {
      fputs (script, stdout);
      return 0;   /* ps_cli_main reports a failed write */
    }
  if (!ps_atomic_file_set_contents (output, script, strlen (script), &error))
    return ps_cli_error (error);
  return 0;
}
