/* test-loss-legacy.c — the losses' deprecated size_average / reduce arguments as torch 1.13 takes
 * them (tests/data/loss-legacy-golden/<Type>.json from tests/golden/gen_loss_legacy.py): every loss of the
 * training issue but HuberLoss accepts them, each None, True, False or a truthy/falsy number, alone
 * or beside a `reduction` that torch then ignores (even an invalid one); the reduction
 * legacy_get_string settles on is Paramscope's, and the loss value and x.grad are torch's bits.
 * HuberLoss refuses them with torch's TypeError text. */
#include <string.h>
#include "ps-loss.h"
#include "ps-train-ops.h"
#include "train-golden.h"

static void
test_generated (void)
{
  /* one file per type */
  g_autoptr (JsonNode) golden = golden_merge_dir ("loss-legacy-golden");
  JsonArray *cases = json_object_get_array_member (json_node_get_object (golden), "cases");
  guint n_ok = 0, n_refused = 0, n_legacy = 0;
  guint per_reduction[3] = { 0 };
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *type = json_object_get_string_member (c, "type");
      g_autofree char *args = json_to_string (json_object_get_member (c, "args"), FALSE);
      g_autofree char *text = g_strdup_printf ("{\"type\": \"%s\", \"args\": %s}", type, args);
      g_autofree char *what = g_strdup_printf ("case %u: %s(%s)", i, type, args);
      g_autoptr (JsonParser) lp = json_parser_new ();
      g_assert_true (json_parser_load_from_data (lp, text, -1, NULL));
      g_autoptr (GError) error = NULL;
      PsLoss loss;
      gboolean ok = ps_train_loss_from_json (json_parser_get_root (lp), &loss, &error);
      if (json_object_has_member (c, "error"))
        {
          const char *want = json_object_get_string_member (c, "error");
          /* "HuberLoss.__init__() got an unexpected keyword argument 'size_average'" */
          const char *tail = strstr (want, "got an unexpected keyword argument");
          g_assert_nonnull (tail);
          if (ok)
            g_error ("%s: torch refuses it (%s), Paramscope takes it", what, want);
          if (strstr (error->message, tail) == NULL)
            g_error ("%s: expected \"%s\", got \"%s\"", what, want, error->message);
          n_refused++;
          continue;
        }
      if (!ok)
        g_error ("%s: torch takes it, Paramscope: %s", what, error->message);
      const char *want_red = json_object_get_string_member (c, "reduction");
      if (strcmp (ps_reduction_name (loss.reduction), want_red) != 0)
        g_error ("%s: reduction %s, torch %s", what, ps_reduction_name (loss.reduction), want_red);
      per_reduction[loss.reduction]++;
      if (!JSON_NODE_HOLDS_NULL (json_object_get_member (c, "warning")))
        n_legacy++;
      g_autoptr (PsTensor) x = tg_tensor (json_object_get_object_member (c, "x"));
      g_autoptr (PsTensor) t = json_object_has_member (c, "ti")
                                 ? tg_index_tensor (json_object_get_array_member (c, "ti"))
                                 : tg_tensor (json_object_get_object_member (c, "t"));
      g_autoptr (PsTensor) grad = NULL;
      const gboolean scalar = json_object_has_member (c, "grad");
      g_autoptr (PsTensor) l = ps_loss_compute (&loss, x, t, scalar ? &grad : NULL, &error);
      g_assert_no_error (error);
      tg_check (what, l, json_object_get_object_member (c, "loss"));
      if (scalar)
        tg_check (what, grad, json_object_get_object_member (c, "grad"));
      ps_loss_clear (&loss);
      n_ok++;
    }
  g_test_message ("%u cases taken as torch (%u with the deprecated arguments in effect; mean %u, sum %u, none %u; "
                  "values and gradients bit-identical), %u refused with torch's TypeError",
                  n_ok, n_legacy, per_reduction[PS_REDUCTION_MEAN], per_reduction[PS_REDUCTION_SUM],
                  per_reduction[PS_REDUCTION_NONE], n_refused);
  g_assert_cmpuint (n_ok, >=, 100);
  g_assert_cmpuint (n_legacy, >=, 90);
  g_assert_cmpuint (n_refused, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/loss-legacy/generated", test_generated);
  return g_test_run ();
}
