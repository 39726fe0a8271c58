/* test-py-writer.c — the one writer of Python literals (ps-args.h: ps_value_append_python,
 * ps_python_append_float, ps_python_append_string), in both spellings: a module's repr
 * (PS_PY_REPR, ps_value_to_python) and the exported script (PS_PY_SCRIPT). */
#include <math.h>
#include "ps-args.h"

static char *
written (const PsValue *v, PsPyStyle style)
{
  GString *s = g_string_new (NULL);
  ps_value_append_python (s, v, style);
  return g_string_free (s, FALSE);
}

static void
check (const PsValue *v, const char *repr, const char *script)
{
  g_autofree char *r = written (v, PS_PY_REPR);
  g_autofree char *s = written (v, PS_PY_SCRIPT);
  g_autofree char *old = ps_value_to_python (v);
  g_assert_cmpstr (r, ==, repr);
  g_assert_cmpstr (s, ==, script);
  g_assert_cmpstr (old, ==, repr);
}

static void
test_values (void)
{
  check (&(PsValue) { .type = PS_VALUE_NONE }, "None", "None");
  check (&(PsValue) { .type = PS_VALUE_BOOL, .b = TRUE }, "True", "True");
  check (&(PsValue) { .type = PS_VALUE_INT, .i = -3 }, "-3", "-3");
  check (&(PsValue) { .type = PS_VALUE_DOUBLE, .d = 0.1 }, "0.1", "0.1");
  check (&(PsValue) { .type = PS_VALUE_DOUBLE, .d = 2 }, "2.0", "2.0");
  check (&(PsValue) { .type = PS_VALUE_DOUBLE, .d = 1e-5 }, "1e-05", "1e-05");
  check (&(PsValue) { .type = PS_VALUE_DOUBLE, .d = 1e22 }, "1e+22", "1e+22");
  check (&(PsValue) { .type = PS_VALUE_DOUBLE, .d = 1.0 / 3 }, "0.3333333333333333", "0.3333333333333333");
  check (&(PsValue) { .type = PS_VALUE_DOUBLE, .d = NAN }, "float('nan')", "float(\"nan\")");
  check (&(PsValue) { .type = PS_VALUE_DOUBLE, .d = INFINITY }, "float('inf')", "float(\"inf\")");
  check (&(PsValue) { .type = PS_VALUE_DOUBLE, .d = -INFINITY }, "float('-inf')", "-float(\"inf\")");
  check (&(PsValue) { .type = PS_VALUE_STRING, .s = (char *) "fan_in" }, "'fan_in'", "\"fan_in\"");
  /* the quote in use, backslash and control characters escaped; other text kept */
  check (&(PsValue) { .type = PS_VALUE_STRING, .s = (char *) "a'b\"c\\d\ne\tf\001g\xc3\xa4" },
         "'a\\'b\"c\\\\d\\ne\\tf\\x01g\xc3\xa4'", "\"a'b\\\"c\\\\d\\ne\\tf\\x01g\xc3\xa4\"");
  check (&(PsValue) { .type = PS_VALUE_INT_LIST, .list = { 3 }, .n_list = 1 }, "(3,)", "(3,)");
  check (&(PsValue) { .type = PS_VALUE_INT_LIST, .list = { 3, PS_VALUE_LIST_NONE }, .n_list = 2 }, "(3, None)", "(3, None)");
  /* a value torch converted is written as it was given: a float given as True, a flag given 2 */
  check (&(PsValue) { .type = PS_VALUE_DOUBLE, .d = 1, .b = TRUE, .coerced = TRUE, .given = PS_VALUE_BOOL }, "True", "True");
  check (&(PsValue) { .type = PS_VALUE_BOOL, .b = TRUE, .i = 2, .coerced = TRUE, .given = PS_VALUE_INT }, "2", "2");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/py-writer/values", test_values);
  return g_test_run ();
}
