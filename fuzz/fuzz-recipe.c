/* libFuzzer harness: a recipe from bytes (ps_recipe_load_from_data) and, when it parses, its
 * replay (ps_timeline_new_from_recipe): every op kind, module constructors with arbitrary args,
 * init functions with arbitrary args, forwards with arbitrary input shapes.
 *
 * Invariants checked: a load either returns a recipe or sets an error; a replay that stops early
 * says why ("op N (KIND): …" with N the first pending op); a failed op leaves the last good state
 * alone (same generator as the step before it). Criticals and warnings abort (a bad recipe must
 * give a GError, never a critical). Tensors are limited to PS_FUZZ_MAX_BYTES (default 64 MiB) so
 * the fuzzer's memory stays bounded. */
#include <stdlib.h>
#include <string.h>
#include "ps-recipe.h"
#include "ps-timeline.h"
#include "ps-module.h"

/* ---- structured mode: an input starting with byte 0x00 is not JSON but choices ----
 * Mutated JSON mostly fails the structural checks; this mode spends the bytes on choices (module
 * class, each constructor argument, input shapes, init functions and arguments, targets) and
 * writes a well-formed recipe, so the fuzzer reaches the layers' constructors and forwards with
 * odd values. Set PS_FUZZ_DUMP=1 to print the generated recipe (for a regression file). */
typedef struct {
  const guint8 *p;
  size_t n;
} Bytes;

static guint
take (Bytes *b, guint bound)
{
  if (b->n == 0 || bound == 0)
    return 0;
  guint v = b->p[0];
  b->p++, b->n--;
  return v % bound;
}

/* ints: mostly small, sometimes the edges */
static int64_t
take_int (Bytes *b, GArray *pool)
{
  static const int64_t edges[] = { 0, -1, -2, 65536, 1 << 20, (int64_t) 1 << 31, (int64_t) 1 << 32,
                                   (int64_t) 1 << 40, (int64_t) 1 << 62, G_MAXINT64, G_MININT64, 100000 };
  guint k = take (b, 16);
  if (k < 10)
    {
      int64_t v = 1 + (int64_t) take (b, 8);
      g_array_append_val (pool, v);
      return v;
    }
  if (k < 13 && pool->len > 0)
    return g_array_index (pool, int64_t, take (b, pool->len));
  return edges[take (b, G_N_ELEMENTS (edges))];
}

static void
put_double (GString *s, Bytes *b)
{
  static const char *const d[] = { "0.0", "1.0", "0.5", "-1.0", "2.0", "1e-30", "1e30", "-1e308", "1e308",
                                   "0.999999", "3", "-0.0", "1e-320" };
  g_string_append (s, d[take (b, G_N_ELEMENTS (d))]);
}

static void
put_value (GString *s, Bytes *b, const PsArgSpec *a, GArray *pool)
{
  guint wrong = take (b, 32) == 0;   /* occasionally a value of the wrong kind */
  PsArgKind kind = wrong ? (PsArgKind) take (b, 6) : a->kind;
  switch (kind)
    {
    case PS_ARG_INT:
      g_string_append_printf (s, "%" G_GINT64_FORMAT, take_int (b, pool));
      break;
    case PS_ARG_FLOAT:
      put_double (s, b);
      break;
    case PS_ARG_BOOL:
      g_string_append (s, take (b, 2) ? "true" : (take (b, 4) ? "false" : "null"));
      break;
    case PS_ARG_STRING:
      if (a->choices != NULL && take (b, 8) != 0)
        {
          guint nc = 0;
          while (a->choices[nc] != NULL)
            nc++;
          g_string_append_printf (s, "\"%s\"", nc ? a->choices[take (b, nc)] : "");
        }
      else
        g_string_append (s, take (b, 2) ? "\"tanh\"" : "\"same\"");
      break;
    case PS_ARG_INT_OR_TUPLE:
    case PS_ARG_INT_LIST:
    default:
      {
        guint k = take (b, 8);
        if (k == 0 && a->choices != NULL)
          g_string_append_printf (s, "\"%s\"", a->choices[take (b, 2) ? 0 : 0]);
        else if (k < 4)
          g_string_append_printf (s, "%" G_GINT64_FORMAT, take_int (b, pool));
        else
          {
            int len = a->tuple_len > 0 && take (b, 8) ? a->tuple_len : (int) take (b, 5);
            g_string_append_c (s, '[');
            for (int i = 0; i < len; i++)
              g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", take_int (b, pool));
            g_string_append_c (s, ']');
          }
      }
    }
}

static const char *const param_names[] = { "weight", "bias", "weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
  "weight_hr_l0", "weight_ih_l1_reverse", "in_proj_weight", "in_proj_bias", "out_proj.weight", "bias_k",
  "running_mean", "running_var", "num_batches_tracked", "0.weight", "1.bias", "weight_ih", "nothing" };
static const char *const init_fns[] = { "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
  "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
  "orthogonal_", "sparse_" };
static const char *const init_args[] = { "a", "b", "mean", "std", "val", "gain", "groups", "sparsity" };

static void
put_target (GString *s, Bytes *b, guint n_ids, gboolean param)
{
  g_string_append_printf (s, "\"m%u", take (b, n_ids + 1));
  if (param || take (b, 4) == 0)
    g_string_append_printf (s, ".%s", param_names[take (b, G_N_ELEMENTS (param_names))]);
  g_string_append_c (s, '"');
}

static void
put_init (GString *s, Bytes *b, GArray *pool)
{
  g_string_append_printf (s, "\"fn\": \"%s\", \"args\": {", init_fns[take (b, G_N_ELEMENTS (init_fns))]);
  guint na = take (b, 3);
  guint mask = 0;
  for (guint i = 0; i < na; i++)
    {
      guint k = take (b, G_N_ELEMENTS (init_args));
      if (mask & (1u << k))
        continue;
      mask |= 1u << k;
      g_string_append_printf (s, "%s\"%s\": ", mask != (1u << k) ? ", " : "", init_args[k]);
      if (k == 6)
        g_string_append_printf (s, "%" G_GINT64_FORMAT, take_int (b, pool));
      else
        put_double (s, b);
    }
  g_string_append_c (s, '}');
}

static char *
structured_recipe (const guint8 *data, size_t size)
{
  Bytes b = { data, size };
  const PsModuleClass *const *classes = ps_module_classes ();
  guint n_classes = 0;
  while (classes[n_classes] != NULL)
    n_classes++;
  g_autoptr (GArray) pool = g_array_new (FALSE, FALSE, sizeof (int64_t));
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": %u, "
                          "\"root\": \"m0\", \"ops\": [", take (&b, 256));
  guint n_ids = 0;
  for (guint op = 0; b.n > 0 && op < 16; op++)
    {
      if (op > 0)
        g_string_append (s, ", ");
      switch (take (&b, 12))
        {
        case 0: case 1: case 2: case 3:
          {
            const PsModuleClass *c = classes[take (&b, n_classes)];
            g_string_append_printf (s, "{\"op\": \"module\", \"id\": \"m%u\", \"type\": \"%s\"", n_ids++, c->name);
            if (c->args == NULL && n_ids > 1)
              {
                g_string_append (s, ", \"children\": [");
                guint nc = take (&b, 4);
                for (guint i = 0; i < nc; i++)
                  g_string_append_printf (s, "%s\"m%u\"", i ? ", " : "", take (&b, n_ids - 1));
                g_string_append_c (s, ']');
              }
            else if (c->args != NULL)
              {
                g_string_append (s, ", \"args\": {");
                gboolean first = TRUE;
                for (const PsArgSpec *a = c->args; a->name != NULL; a++)
                  if (a->required || take (&b, 3) == 0)
                    {
                      g_string_append_printf (s, "%s\"%s\": ", first ? "" : ", ", a->name);
                      first = FALSE;
                      put_value (s, &b, a, pool);
                    }
                g_string_append_c (s, '}');
              }
            g_string_append_c (s, '}');
            break;
          }
        case 4: case 5: case 6:
          {
            static const char *const kinds[] = { "randn", "rand", "zeros", "ones", "randint", "value" };
            guint k = take (&b, G_N_ELEMENTS (kinds));
            g_string_append (s, "{\"op\": \"forward\", \"target\": ");
            put_target (s, &b, n_ids, FALSE);
            g_string_append_printf (s, ", \"input\": {\"%s\": ", kinds[k]);
            guint nd = take (&b, 6);
            int64_t shape[8];
            for (guint i = 0; i < nd; i++)
              shape[i] = take (&b, 16) == 0 ? take_int (&b, pool) : (take (&b, 2) && pool->len ? g_array_index (pool, int64_t, take (&b, pool->len)) : (int64_t) take (&b, 6));
            if (k == 5)
              {
                /* nested lists of that shape, at most 256 numbers */
                int64_t numel = 1;
                for (guint i = 0; i < nd; i++)
                  {
                    if (shape[i] < 0 || shape[i] > 8)
                      shape[i] = 2;
                    numel *= shape[i];
                  }
                if (numel > 256)
                  nd = 1, shape[0] = 3;
                gboolean ints = take (&b, 2);
                GString *v = g_string_new (NULL);
                /* row-major walk with an index vector */
                int64_t idx[8] = { 0 };
                int64_t total = 1;
                for (guint i = 0; i < nd; i++)
                  total *= shape[i];
                if (nd == 0)
                  g_string_append_printf (v, ints ? "%d" : "%d.5", (int) take (&b, 12) - 2);
                else if (total == 0)
                  {
                    for (guint i = 0; i < nd; i++)
                      g_string_append_c (v, '[');
                    for (guint i = 0; i < nd; i++)
                      g_string_append_c (v, ']');
                  }
                else
                  for (int64_t e = 0; e < total; e++)
                    {
                      guint open = 0;
                      for (int i = (int) nd - 1; i >= 0 && idx[i] == 0; i--)
                        open++;
                      for (guint i = 0; i < open; i++)
                        g_string_append_c (v, '[');
                      g_string_append_printf (v, ints ? "%d" : "%d.5", (int) take (&b, 12) - 2);
                      guint close = 0;
                      for (int i = (int) nd - 1; i >= 0; i--)
                        {
                          if (++idx[i] < shape[i])
                            break;
                          idx[i] = 0;
                          close++;
                        }
                      for (guint i = 0; i < close; i++)
                        g_string_append_c (v, ']');
                      if (e + 1 < total)
                        g_string_append (v, ", ");
                    }
                g_string_append (s, v->str);
                g_string_free (v, TRUE);
                if (take (&b, 4) == 0)
                  g_string_append (s, ints ? ", \"dtype\": \"float32\"" : ", \"dtype\": \"int64\"");
              }
            else
              {
                GString *sh = g_string_new ("[");
                for (guint i = 0; i < nd; i++)
                  g_string_append_printf (sh, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
                g_string_append_c (sh, ']');
                if (k == 4)
                  g_string_append_printf (s, "{\"low\": %" G_GINT64_FORMAT ", \"high\": %" G_GINT64_FORMAT ", \"size\": %s}",
                                          (int64_t) take (&b, 4) - 1, take_int (&b, pool), sh->str);
                else
                  g_string_append (s, sh->str);
                g_string_free (sh, TRUE);
              }
            g_string_append (s, "}}");
            break;
          }
        case 7: case 8:
          g_string_append (s, "{\"op\": \"init\", \"target\": ");
          put_target (s, &b, n_ids, TRUE);
          g_string_append (s, ", ");
          put_init (s, &b, pool);
          g_string_append_c (s, '}');
          break;
        case 9:
          g_string_append (s, "{\"op\": \"init_modules\", \"target\": ");
          put_target (s, &b, n_ids, FALSE);
          g_string_append_printf (s, ", \"match\": \"%s\", \"weight\": {", classes[take (&b, n_classes)]->name);
          put_init (s, &b, pool);
          g_string_append (s, "}, \"bias\": {");
          put_init (s, &b, pool);
          g_string_append (s, "}}");
          break;
        case 10:
          if (take (&b, 2))
            {
              g_string_append (s, "{\"op\": \"attach\", \"parent\": ");
              put_target (s, &b, n_ids, FALSE);
              g_string_append_printf (s, ", \"name\": \"%s\", \"child\": ", take (&b, 2) ? "c" : "0");
              put_target (s, &b, n_ids, FALSE);
              g_string_append_c (s, '}');
            }
          else
            {
              g_string_append (s, "{\"op\": \"detach\", \"parent\": ");
              put_target (s, &b, n_ids, FALSE);
              g_string_append_printf (s, ", \"name\": \"%s\"}", take (&b, 2) ? "c" : "0");
            }
          break;
        default:
          switch (take (&b, 3))
            {
            case 0:
              g_string_append (s, "{\"op\": \"mode\", \"target\": ");
              put_target (s, &b, n_ids, FALSE);
              g_string_append_printf (s, ", \"train\": %s}", take (&b, 2) ? "true" : "false");
              break;
            case 1:
              g_string_append (s, "{\"op\": \"reset_parameters\", \"target\": ");
              put_target (s, &b, n_ids, FALSE);
              g_string_append_c (s, '}');
              break;
            default:
              g_string_append_printf (s, "{\"op\": \"manual_seed\", \"seed\": %u}", take (&b, 256));
            }
        }
    }
  g_string_append (s, "]}");
  return g_string_free (s, FALSE);
}

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* GLib ends a fatal message with a breakpoint trap (SIGTRAP), which libFuzzer does not catch:
 * abort instead so that the input is saved as a crash artifact. */
static GLogWriterOutput
abort_on_fatal (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  g_log_writer_standard_streams (level, fields, n_fields, user_data);
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_FLAG_FATAL))
    abort ();
  return G_LOG_WRITER_HANDLED;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc; (void) argv;
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_FATAL_MASK);
  g_log_set_writer_func (abort_on_fatal, NULL, NULL);
  const char *env = g_getenv ("PS_FUZZ_MAX_BYTES");
  ps_tensor_set_max_bytes (env != NULL ? g_ascii_strtoull (env, NULL, 10) : (guint64) 64 << 20);
  return 0;
}

static int run_one (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  if (size > 0 && data[0] == 0)
    {
      g_autofree char *json = structured_recipe (data + 1, size - 1);
      if (g_getenv ("PS_FUZZ_DUMP") != NULL)
        g_printerr ("%s\n", json);
      return run_one ((const guint8 *) json, strlen (json));
    }
  return run_one (data, size);
}

static int
run_one (const guint8 *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_data ((const char *) data, size, &error);
  g_assert ((recipe == NULL) == (error != NULL));
  if (recipe == NULL)
    {
      g_assert (error->message != NULL && error->message[0] != '\0');
      return 0;
    }
  /* A loaded recipe saves and loads again. */
  gsize len = 0;
  g_autofree char *saved = ps_recipe_to_data (recipe, &len);
  g_autoptr (PsRecipe) again = ps_recipe_load_from_data (saved, len, &error);
  if (again == NULL)
    g_error ("saved recipe does not load: %s\n%s", error->message, saved);

  /* Relative "file" paths of load ops resolve into a directory that does not exist. */
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (recipe, -1, "/nonexistent-fuzz-dir");
  guint n = ps_timeline_get_n_steps (tl);
  g_assert (n <= recipe->ops->len);
  const GError *e = ps_timeline_get_error (tl);
  if (n < recipe->ops->len)
    {
      g_assert (e != NULL);
      g_autofree char *prefix = g_strdup_printf ("op %u (", n + 1);
      if (!g_str_has_prefix (e->message, prefix))
        g_error ("error does not name op %u: %s", n + 1, e->message);
      g_assert (ps_timeline_get_error_description (tl) != NULL);
    }
  for (guint k = 1; k <= n; k++)
    g_assert (ps_timeline_get_description (tl, k) != NULL);
  /* The save form of the timeline (applied + pending) round-trips too. */
  g_autoptr (PsRecipe) back = ps_timeline_to_recipe (tl);
  g_assert (back->ops->len == recipe->ops->len);
  g_autoptr (PsRecipe) copy = ps_recipe_copy (recipe);
  g_assert (copy->ops->len == recipe->ops->len);
  return 0;
}
