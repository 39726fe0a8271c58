/* ps-cli-inspect.c — `paramscope-cli inspect FILE`: every tensor of a checkpoint (safetensors,
 * sharded safetensors index, .npy, .npz) with its statistics. */
#include "ps-cli-private.h"
#include "ps-checkpoint.h"
#include "ps-stats.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>

static const char inspect_usage[] =
  "Usage: paramscope-cli inspect FILE [--json] [--open-anyway]\n"
  "\n"
  "List every tensor of a checkpoint — .safetensors (or a sharded model.safetensors.index.json),\n"
  "a PyTorch file written by torch.save (.pt, .pth, pytorch_model.bin, or a sharded\n"
  "pytorch_model.bin.index.json), .npy or .npz — with its dtype in the file, shape, element count, mean, std, min, max and NaN/Inf\n"
  "counts, and the totals. Tensors are decoded one at a time; one whose values cannot be decoded\n"
  "(F8, a read error) is listed with its header facts and marked \"not decoded: REASON\" (in --json:\n"
  "\"decoded\": false and \"error\"), and the listing goes on (exit status 0). Then the file's\n"
  "metadata (a training checkpoint's epoch, loss, learning rates …). Nothing in a PyTorch file is\n"
  "ever executed: a file naming other classes than tensors and dicts (a whole pickled nn.Module) is\n"
  "refused unless --open-anyway, which shows such objects inertly (still never run).\n";

int
ps_cli_cmd_inspect (int argc, char **argv)
{
  gboolean as_json = FALSE, anyway = FALSE;
  const PsCliOption options[] = { { "--json", NULL, &as_json }, { "--open-anyway", NULL, &anyway }, { NULL } };
  g_autoptr (GPtrArray) pos = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int parsed = ps_cli_parse_one ("inspect", inspect_usage, argc, argv, options, pos, "FILE");
  if (parsed >= 0)
    return parsed;
  g_autoptr (PsCheckpoint) ck = ps_checkpoint_open_full (g_ptr_array_index (pos, 0),
                                                         anyway ? PS_CHECKPOINT_OPEN_ANYWAY : PS_CHECKPOINT_OPEN_DEFAULT,
                                                         &error);
  if (ck == NULL)
    return ps_cli_error (error);

  guint n = ps_checkpoint_get_n_entries (ck);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "file");
  g_autofree char *file_utf8 = ps_cli_json_string (g_ptr_array_index (pos, 0));
  json_builder_add_string_value (b, file_utf8);
  json_builder_set_member_name (b, "tensors");
  json_builder_begin_array (b);
  if (!as_json)
    printf ("%-44s %-6s %-18s %11s %11s %11s %11s %11s %6s %6s\n", "name", "dtype", "shape", "count", "mean", "std",
            "min", "max", "NaN", "Inf");
  int64_t total = 0;
  guint n_nonfinite = 0, n_undecoded = 0;
  for (guint i = 0; i < n; i++)
    {
      const PsCheckpointEntry *e = ps_checkpoint_get_entry (ck, i);
      /* a tensor whose values cannot be decoded (F8, a read error) is listed with its header
       * facts and marked; the listing goes on */
      g_autoptr (GError) load_error = NULL;
      g_autoptr (PsTensor) t = ps_checkpoint_load (ck, e->name, &load_error);
      PsStats s = { 0 };
      if (t != NULL)
        ps_stats_compute (t, &s);
      else
        n_undecoded++;
      if (e->alias_of == NULL)
        total += e->numel;
      if (s.n_nan || s.n_posinf || s.n_neginf)
        n_nonfinite++;
      g_autofree char *shape = ps_shape_to_string (e->ndim, e->shape);
      if (as_json)
        {
          json_builder_begin_object (b);
          g_autofree char *name = ps_cli_json_string (e->name);
          g_autofree char *dtype = ps_cli_json_string (e->dtype);
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, name);
          json_builder_set_member_name (b, "dtype");
          json_builder_add_string_value (b, dtype);
          json_builder_set_member_name (b, "shape");
          json_builder_begin_array (b);
          for (int d = 0; d < e->ndim; d++)
            json_builder_add_int_value (b, e->shape[d]);
          json_builder_end_array (b);
          json_builder_set_member_name (b, "count");
          json_builder_add_int_value (b, e->numel);
          if (e->alias_of != NULL)
            {
              g_autofree char *alias = ps_cli_json_string (e->alias_of);
              json_builder_set_member_name (b, "alias_of");
              json_builder_add_string_value (b, alias);
            }
          if (e->note != NULL)
            {
              g_autofree char *note = ps_cli_json_string (e->note);
              json_builder_set_member_name (b, "note");
              json_builder_add_string_value (b, note);
            }
          if (t == NULL)
            {
              g_autofree char *msg = ps_cli_json_string (load_error->message);
              json_builder_set_member_name (b, "decoded");
              json_builder_add_boolean_value (b, FALSE);
              json_builder_set_member_name (b, "error");
              json_builder_add_string_value (b, msg);
              json_builder_end_object (b);
              continue;
            }
          ps_cli_json_add_number (b, "mean", s.mean);
          ps_cli_json_add_number (b, "std", s.std);
          ps_cli_json_add_number (b, "min", s.min);
          ps_cli_json_add_number (b, "max", s.max);
          json_builder_set_member_name (b, "nan");
          json_builder_add_int_value (b, s.n_nan);
          json_builder_set_member_name (b, "inf");
          json_builder_add_int_value (b, s.n_posinf + s.n_neginf);
          json_builder_end_object (b);
        }
      else if (t == NULL)
        printf ("%-44s %-6s %-18s %11" G_GINT64_FORMAT "  not decoded: %s%s%s\n", e->name, e->dtype, shape, e->numel,
                load_error->message, e->alias_of ? "  = " : "", e->alias_of ? e->alias_of : "");
      else
        printf ("%-44s %-6s %-18s %11" G_GINT64_FORMAT " %11.4g %11.4g %11.4g %11.4g %6" G_GINT64_FORMAT
                " %6" G_GINT64_FORMAT "%s%s\n", e->name, e->dtype, shape, e->numel, s.mean, s.std, s.min, s.max,
                s.n_nan, s.n_posinf + s.n_neginf, e->alias_of ? "  = " : e->note ? "  " : "",
                e->alias_of ? e->alias_of : e->note ? e->note : "");
    }
  g_autofree const char **keys = ps_checkpoint_get_metadata_keys (ck);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "total_count");
  json_builder_add_int_value (b, total);
  json_builder_set_member_name (b, "undecoded_count");
  json_builder_add_int_value (b, n_undecoded);
  json_builder_set_member_name (b, "metadata");
  json_builder_begin_object (b);
  for (guint k = 0; keys[k]; k++)
    {
      g_autofree char *key = ps_cli_json_string (keys[k]);
      g_autofree char *value = ps_cli_json_string (ps_checkpoint_get_metadata (ck, keys[k]));
      json_builder_set_member_name (b, key);
      json_builder_add_string_value (b, value);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
  if (as_json)
    ps_cli_print_json (b);
  else
    printf ("%u tensors, %" G_GINT64_FORMAT " values (shared storage counted once)%s%s\n", n, total,
            n_nonfinite ? "; ⚠ some contain NaN or Inf" : "",
            n_undecoded ? "; ⚠ some could not be decoded (listed with their header facts)" : "");
  if (!as_json && keys[0] != NULL)
    {
      printf ("\nmetadata\n");
      for (guint k = 0; keys[k]; k++)
        printf ("  %-42s %s\n", keys[k], ps_checkpoint_get_metadata (ck, keys[k]));
    }
  return 0;
}
