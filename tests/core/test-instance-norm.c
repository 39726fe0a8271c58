/* InstanceNorm1d / InstanceNorm2d against torch 1.13 (tests/data/instance-norm-golden.json, made by
 * tests/golden/gen_instance_norm.py): outputs, parameters and running statistics bit for bit (train,
 * eval, unbatched, batches of 3 and 40), the generator untouched, errors and reprs with torch's
 * text. */
#include "layer-golden.h"

static const char *const types[] = { "InstanceNorm1d", "InstanceNorm2d", NULL };

static void
test_forward (void)
{
  g_autoptr (JsonParser) p = golden_load ("instance-norm-golden.json");
  g_assert_cmpint (layer_run_fixture_cases (p, types, types), ==, 10);
}

static void
test_errors (void)
{
  g_autoptr (JsonParser) p = golden_load ("instance-norm-golden.json");
  g_assert_cmpint (layer_run_fixture_errors (p, types), ==, 11);
}

static void
test_reprs (void)
{
  g_autoptr (JsonParser) p = golden_load ("instance-norm-golden.json");
  g_assert_cmpint (layer_run_fixture_reprs (p, types), ==, 4);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/instance-norm/forward", test_forward);
  g_test_add_func ("/instance-norm/errors", test_errors);
  g_test_add_func ("/instance-norm/reprs", test_reprs);
  return g_test_run ();
}
