/* bench-timeline — memory of copy-on-write snapshots.
 *
 * A 10M-parameter model (10 × Linear(1000, 1000)), then 1000 ops that each write one small
 * parameter (a 1000-float bias, alternating init functions). Every step's state is kept. Reports
 *   - the sum of distinct tensor storages alive across all snapshots vs. model size + bytes written
 *     (the target is ≤ 1.2×),
 *   - the growth of the resident set size over the same run,
 *   - the median time to append one op (clone + apply + stamp).
 * Usage: bench-timeline [N_STEPS] */
#include "ps-timeline.h"
#include "bench-util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <malloc.h>

/* Resident set size after returning freed heap memory to the system (glibc keeps freed memory
 * otherwise, e.g. the zero tensors each Linear allocates before reset_parameters replaces them). */
static guint64
rss_bytes (void)
{
  malloc_trim (0);
  FILE *f = fopen ("/proc/self/statm", "r");
  unsigned long size = 0, resident = 0;
  if (f == NULL)
    return 0;
  if (fscanf (f, "%lu %lu", &size, &resident) != 2)
    resident = 0;
  fclose (f);
  return (guint64) resident * (guint64) sysconf (_SC_PAGESIZE);
}

static JsonObject *
parse_op (const char *json)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  if (!json_parser_load_from_data (p, json, -1, NULL))
    g_error ("bad op %s", json);
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

int
main (int argc, char **argv)
{
  guint n_steps = argc > 1 ? (guint) atoi (argv[1]) : 1000;
  const guint n_layers = 10, width = 1000;
  guint64 rss0 = rss_bytes ();
  g_autoptr (PsTimeline) tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  g_autoptr (GError) error = NULL;
  GString *children = g_string_new (NULL);
  for (guint i = 0; i < n_layers; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"op\": \"module\", \"id\": \"fc%u\", \"type\": \"Linear\","
                                               " \"args\": {\"in_features\": %u, \"out_features\": %u}}", i, width, width);
      g_autoptr (JsonObject) op = parse_op (json);
      if (!ps_timeline_append_op (tl, op, &error))
        g_error ("%s", error->message);
      g_string_append_printf (children, "%s\"fc%u\"", i ? ", " : "", i);
    }
  g_autofree char *seq = g_strdup_printf ("{\"op\": \"module\", \"id\": \"model\", \"type\": \"Sequential\", \"children\": [%s]}",
                                          children->str);
  g_string_free (children, TRUE);
  g_autoptr (JsonObject) seq_op = parse_op (seq);
  if (!ps_timeline_append_op (tl, seq_op, &error))
    g_error ("%s", error->message);

  guint64 model_bytes = ps_timeline_storage_bytes (tl);
  int64_t n_params = ps_module_count_parameters (ps_state_get_root (ps_timeline_get_last_state (tl)), NULL);
  guint64 rss_model = rss_bytes ();

  static const char *const fns[] = { "normal_", "zeros_", "ones_", "uniform_" };
  double *times = g_new (double, n_steps);
  guint64 written = 0;
  for (guint k = 0; k < n_steps; k++)
    {
      g_autofree char *json = g_strdup_printf ("{\"op\": \"init\", \"target\": \"model.%u.bias\", \"fn\": \"%s\"}",
                                               k % n_layers, fns[k % G_N_ELEMENTS (fns)]);
      g_autoptr (JsonObject) op = parse_op (json);
      gint64 t0 = g_get_monotonic_time ();
      if (!ps_timeline_append_op (tl, op, &error))
        g_error ("%s", error->message);
      times[k] = (double) (g_get_monotonic_time () - t0);
      written += (guint64) width * sizeof (float);
    }
  guint64 rss_end = rss_bytes ();
  guint64 storage = ps_timeline_storage_bytes (tl);
  qsort (times, n_steps, sizeof (double), cmp_double);

  double bound = (double) (model_bytes + written);
  printf ("model: %" G_GINT64_FORMAT " parameters, %.1f MB of tensors; %u steps kept (%u ops)\n", n_params,
          model_bytes / 1e6, ps_timeline_get_n_steps (tl) + 1, ps_timeline_get_n_steps (tl));
  printf ("bytes written by the %u init steps: %.2f MB\n", n_steps, written / 1e6);
  printf ("distinct tensor storage across all snapshots: %.2f MB = %.4f x (model + written)\n", storage / 1e6,
          storage / bound);
  printf ("RSS: %.1f MB at start, %.1f MB after building the model, %.1f MB after %u steps\n", rss0 / 1e6,
          rss_model / 1e6, rss_end / 1e6, n_steps);
  printf ("RSS growth over the run / (model + written): %.4f x\n", (double) (rss_end - rss0) / bound);
  printf ("append one op (clone + apply + stamp): median %.1f us, p90 %.1f us\n", times[n_steps / 2],
          times[(n_steps * 9) / 10]);
  g_free (times);
  return storage <= 1.2 * bound ? 0 : 1;
}
