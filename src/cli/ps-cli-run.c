/* ps-cli-run.c — `paramscope-cli run` and `paramscope-cli describe`. */
#include "ps-cli-private.h"
#include "ps-init.h"
#include "ps-op.h"

#include <stdio.h>
#include <string.h>

/* ---------- run ---------- */

static const char run_usage[] =
  "Usage: paramscope-cli run RECIPE.json [--until N] [--state-dict OUT.safetensors] [--outputs OUT.safetensors]\n"
  "                          [--copy-shared]\n"
  "\n"
  "Replay a recipe's ops (the first N with --until) and optionally write the result.\n"
  "\n"
  "  --until N                 replay only ops 1..N (step N of the timeline)\n"
  "  --state-dict FILE         write the root module's state_dict (PyTorch key names, every shared\n"
  "                            path, buffers included; uninitialized lazy parameters left out)\n"
  "  --outputs FILE            write every forward output under its name\n"
  "  --copy-shared             store each key of a shared parameter separately (by default a shared\n"
  "                            tensor is stored once and its other keys recorded as aliases in the\n"
  "                            metadata, which safetensors.torch.load_file does not read)\n"
  "\n"
  "On a failing op: exit status 1 and \"error: op N (KIND): MESSAGE\" on stderr.\n";

static gboolean
write_state_dict (PsState *state, const char *path, gboolean copy_shared, GError **error)
{
  PsModule *root = ps_state_get_root (state);
  if (root == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND,
                   state->root ? "the root module '%s' does not exist at this step" : "the recipe names no root module%s",
                   state->root ? state->root : "");
      return FALSE;
    }
  g_autoptr (GPtrArray) sd = ps_module_state_dict (root);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autoptr (GPtrArray) tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (sd, i);
      PsTensor *t = it->param->value;
      if (t == NULL)
        continue;   /* UninitializedParameter: torch.save would keep it, safetensors cannot */
      g_ptr_array_add (names, it->path);
      /* Shared parameters (Sequential(l, l)) have several keys for one storage. The writer stores
       * them once and records the other keys as aliases; --copy-shared writes a copy per key so
       * that safetensors.torch.load_file returns every key. */
      if (copy_shared && !g_hash_table_add (seen, t->storage))
        {
          t = ps_tensor_copy (t, error);
          if (t == NULL)
            return FALSE;
          g_ptr_array_add (tensors, t);
        }
      else
        g_ptr_array_add (tensors, ps_tensor_ref (t));
    }
  return ps_cli_write_tensors (path, (const char *const *) names->pdata, (PsTensor *const *) tensors->pdata,
                             names->len, error);
}

static gboolean
write_outputs (PsState *state, const char *path, GError **error)
{
  g_autoptr (GPtrArray) tensors = g_ptr_array_new ();
  for (guint i = 0; i < state->output_names->len; i++)
    g_ptr_array_add (tensors, ps_state_get_output (state, g_ptr_array_index (state->output_names, i)));
  return ps_cli_write_tensors (path, (const char *const *) state->output_names->pdata,
                             (PsTensor *const *) tensors->pdata, state->output_names->len, error);
}

int
ps_cli_cmd_run (int argc, char **argv)
{
  const char *until_s = NULL, *sd_path = NULL, *out_path = NULL;
  gboolean copy_shared = FALSE;
  const PsCliOption options[] = {
    { "--until", &until_s }, { "--state-dict", &sd_path }, { "--outputs", &out_path },
    { "--copy-shared", NULL, &copy_shared }, { NULL } };
  g_autoptr (GPtrArray) pos = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int parsed = ps_cli_parse_one ("run", run_usage, argc, argv, options, pos, "RECIPE");
  if (parsed >= 0)
    return parsed;
  guint64 until = 0;
  if (until_s && !ps_cli_parse_count ("--until", until_s, G_MAXINT, &until, &error))
    return ps_cli_usage_error ("run", "%s", error->message);

  const char *outputs[] = { sd_path, out_path };
  if (!ps_cli_check_outputs (outputs, G_N_ELEMENTS (outputs), g_ptr_array_index (pos, 0), &error))
    return ps_cli_error (error);

  g_autoptr (PsTimeline) tl = NULL;
  if (!ps_cli_load_timeline (g_ptr_array_index (pos, 0), until_s ? (int) until : -1, &tl, &error))
    {
      if (g_error_matches (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT) && tl == NULL
          && g_str_has_prefix (error->message, "--until"))
        return ps_cli_usage_error ("run", "%s", error->message);
      return ps_cli_error (error);
    }
  PsState *last = ps_timeline_get_last_state (tl);
  if (sd_path && !write_state_dict (last, sd_path, copy_shared, &error))
    return ps_cli_error (error);
  if (out_path && !write_outputs (last, out_path, &error))
    return ps_cli_error (error);
  printf ("replayed %u ops\n", ps_timeline_get_n_steps (tl));
  return 0;
}

/* ---------- describe ---------- */

static const char describe_usage[] =
  "Usage: paramscope-cli describe RECIPE.json [--until N]\n"
  "\n"
  "Print the timeline (one line per step), the model as print(model) shows it, its parameters\n"
  "and buffers (path, shape, count, creating and last-writing step, init) and the outputs.\n";

static char *
ps_cli_format_param_table (PsState *state)
{
  GString *s = g_string_new (NULL);
  g_autoptr (GPtrArray) items = ps_state_list_params (state);
  g_string_append_printf (s, "%-36s %-6s %-16s %10s %7s %7s  %s\n", "path", "kind", "shape", "count",
                          "created", "written", "init");
  for (guint i = 0; i < items->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (items, i);
      PsParam *p = it->param;
      g_autofree char *shape = p->value ? ps_tensor_shape_string (p->value) : g_strdup ("-");
      g_autofree char *init = p->value ? ps_init_info_summary (&p->init) : g_strdup ("uninitialized");
      g_autofree char *created = p->created_step >= 0 ? g_strdup_printf ("%d", p->created_step) : g_strdup ("-");
      g_autofree char *written = p->written_step >= 0 ? g_strdup_printf ("%d", p->written_step) : g_strdup ("-");
      g_string_append_printf (s, "%-36s %-6s %-16s %10" G_GINT64_FORMAT " %7s %7s  %s\n", it->path,
                              p->is_buffer ? "buffer" : "param", shape, p->value ? p->value->numel : 0,
                              created, written, *init ? init : "-");
    }
  return g_string_free (s, FALSE);
}

int
ps_cli_cmd_describe (int argc, char **argv)
{
  const char *until_s = NULL;
  const PsCliOption options[] = { { "--until", &until_s }, { NULL } };
  g_autoptr (GPtrArray) pos = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  gboolean help;
  if (!ps_cli_parse (argc, argv, options, pos, &help, &error))
    return ps_cli_usage_error ("describe", "%s", error->message);
  if (help)
    {
      fputs (describe_usage, stdout);
      return 0;
    }
  if (pos->len != 1)
    return ps_cli_usage_error ("describe", "expected one RECIPE");
  guint64 until = 0;
  if (until_s && !ps_cli_parse_count ("--until", until_s, G_MAXINT, &until, &error))
    return ps_cli_usage_error ("describe", "%s", error->message);

  g_autoptr (PsTimeline) tl = NULL;
  gboolean ok = ps_cli_load_timeline (g_ptr_array_index (pos, 0), until_s ? (int) until : -1, &tl, &error);
  if (tl == NULL)
    {
      if (g_str_has_prefix (error->message, "--until"))
        return ps_cli_usage_error ("describe", "%s", error->message);
      return ps_cli_error (error);
    }
  const PsRecipe *r = ps_timeline_get_recipe (tl);
  if (r->description)
    printf ("%s\n\n", r->description);
  printf ("timeline:\n");
  for (guint k = 0; k <= ps_timeline_get_n_steps (tl); k++)
    {
      printf ("  step %u: %s\n", k, ps_timeline_get_description (tl, k));
      if (k > 0)
        {
          const char *note = ps_timeline_get_note (tl, k);
          if (note != NULL)
            printf ("          (%s)\n", note);
        }
    }
  if (!ok)
    printf ("  step %u (not applied): %s\n", ps_timeline_get_n_steps (tl) + 1, ps_timeline_get_error_description (tl));

  PsState *state = ps_timeline_get_last_state (tl);
  PsModule *root = ps_state_get_root (state);
  if (root != NULL)
    {
      g_autofree char *repr = ps_module_repr (root);
      int n_lazy = 0;
      int64_t n = ps_module_count_parameters (root, &n_lazy);
      printf ("\nmodel (%s):\n%s\n%" G_GINT64_FORMAT " parameters", state->root, repr, n);
      if (n_lazy > 0)
        printf (" (+ %d uninitialized)", n_lazy);
      printf ("\n");
    }
  else
    printf ("\nmodel: %s\n", state->root ? "(root not created yet)" : "(no root)");
  g_autofree char *table = ps_cli_format_param_table (state);
  printf ("\nparameters and buffers:\n%s", table);
  if (state->output_names->len > 0)
    {
      printf ("\noutputs:\n");
      for (guint i = 0; i < state->output_names->len; i++)
        {
          const char *name = g_ptr_array_index (state->output_names, i);
          g_autofree char *shape = ps_tensor_shape_string (ps_state_get_output (state, name));
          printf ("  %s %s\n", name, shape);
        }
    }
  fflush (stdout);
  return ok ? 0 : ps_cli_error (error);
}

