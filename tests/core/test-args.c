#include <string.h>
#include "ps-args.h"

static const char *const modes[] = { "fan_in", "fan_out", NULL };
static const int64_t one[] = { 1 };
static const PsArgSpec specs[] = {
  { "in_features", PS_ARG_INT, .required = TRUE },
  { "bias", PS_ARG_BOOL, .def_bool = TRUE },
  { "gain", PS_ARG_FLOAT, .def_double = 1.0 },
  { "mode", PS_ARG_STRING, .def_string = "fan_in", .choices = modes },
  { "kernel_size", PS_ARG_INT_OR_TUPLE, .def_int = 3, .tuple_len = 2 },
  { "padding_idx", PS_ARG_INT, .nullable = TRUE, .def_none = TRUE },
  { "stride", PS_ARG_INT_OR_TUPLE, .def_list = one, .def_list_len = 1, .tuple_len = 1 },
  { NULL }
};

static void
test_defaults_and_promotion (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsArgs) given = ps_args_new ();
  ps_args_set_int (given, "in_features", 10);
  ps_args_set_int (given, "gain", 2);   /* an int is a valid float */
  g_autoptr (PsArgs) r = ps_args_resolve (specs, given, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_args_len (r), ==, 7);
  g_assert_cmpint (ps_args_get_int (r, "in_features"), ==, 10);
  g_assert_true (ps_args_get_bool (r, "bias"));
  g_assert_cmpfloat (ps_args_get_double (r, "gain"), ==, 2.0);
  g_assert_cmpstr (ps_args_get_string (r, "mode"), ==, "fan_in");
  int64_t ks[8];
  g_assert_cmpint (ps_args_get_int_list (r, "kernel_size", ks), ==, 2);
  g_assert_cmpint (ks[0], ==, 3);
  g_assert_cmpint (ks[1], ==, 3);
  g_assert_true (ps_args_is_none (r, "padding_idx"));
  g_autofree char *py = ps_args_to_python (r);
  /* the literal as given: torch prints gain=2 for an int */
  g_assert_cmpstr (py, ==, "in_features=10, bias=True, gain=2, mode='fan_in', kernel_size=(3, 3), padding_idx=None, stride=(1,)");
}

/* Python's conversions torch relies on: a flag takes any value by its truthiness, a float takes a
 * bool; the resolved value remembers the literal (coerced, given) for messages and reprs. */
static void
test_python_conversions (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsArgs) given = ps_args_new ();
  ps_args_set_int (given, "in_features", 10);
  ps_args_set_int (given, "bias", 2);
  ps_args_set_bool (given, "gain", TRUE);
  g_autoptr (PsArgs) r = ps_args_resolve (specs, given, &error);
  g_assert_no_error (error);
  g_assert_true (ps_args_get_bool (r, "bias"));
  g_assert_true (ps_args_lookup (r, "bias")->coerced);
  g_assert_cmpstr (ps_value_given_type_name (ps_args_lookup (r, "bias")), ==, "int");
  g_assert_cmpfloat (ps_args_get_double (r, "gain"), ==, 1.0);
  g_autofree char *py = ps_args_to_python (r);
  g_assert_nonnull (strstr (py, "bias=2, gain=True"));
  static const struct { void (*set) (PsArgs *, const char *); gboolean want; } falsy[] = { { ps_args_set_none, FALSE } };
  for (guint i = 0; i < G_N_ELEMENTS (falsy); i++)
    {
      g_autoptr (PsArgs) g2 = ps_args_new ();
      ps_args_set_int (g2, "in_features", 1);
      falsy[i].set (g2, "bias");
      g_autoptr (PsArgs) r2 = ps_args_resolve (specs, g2, &error);
      g_assert_no_error (error);
      g_assert_cmpint (ps_args_get_bool (r2, "bias"), ==, falsy[i].want);
      g_assert_cmpstr (ps_value_given_type_name (ps_args_lookup (r2, "bias")), ==, "NoneType");
    }
  g_autoptr (PsArgs) g3 = ps_args_new ();
  ps_args_set_int (g3, "in_features", 1);
  ps_args_set_string (g3, "bias", "");
  g_autoptr (PsArgs) r3 = ps_args_resolve (specs, g3, &error);
  g_assert_no_error (error);
  g_assert_false (ps_args_get_bool (r3, "bias"));   /* '' is false */
  /* a bool where an int goes is still refused here (torch's answer depends on the class) */
  g_autoptr (PsArgs) g4 = ps_args_new ();
  ps_args_set_bool (g4, "in_features", TRUE);
  g_assert_null (ps_args_resolve (specs, g4, &error));
  g_assert_nonnull (strstr (error->message, "in_features"));
}

static void
test_errors_name_the_argument (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsArgs) given = ps_args_new ();
  ps_args_set_int (given, "in_feature", 10);
  g_assert_null (ps_args_resolve (specs, given, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'in_feature'"));
  g_clear_error (&error);

  g_autoptr (PsArgs) missing = ps_args_new ();
  g_assert_null (ps_args_resolve (specs, missing, &error));
  g_assert_nonnull (strstr (error->message, "in_features"));
  g_clear_error (&error);

  g_autoptr (PsArgs) wrong = ps_args_new ();
  ps_args_set_int (wrong, "in_features", 3);
  ps_args_set_string (wrong, "mode", "fan_avg");
  g_assert_null (ps_args_resolve (specs, wrong, &error));
  g_assert_nonnull (strstr (error->message, "fan_avg"));
  g_clear_error (&error);

  g_autoptr (PsArgs) badtype = ps_args_new ();
  ps_args_set_double (badtype, "in_features", 3.5);
  g_assert_null (ps_args_resolve (specs, badtype, &error));
  g_assert_nonnull (strstr (error->message, "must be an integer"));
  g_clear_error (&error);

  g_autoptr (PsArgs) tuple = ps_args_new ();
  int64_t three[3] = { 1, 2, 3 };
  ps_args_set_int (tuple, "in_features", 3);
  g_assert_true (ps_args_set_int_list (tuple, "kernel_size", three, 3, NULL));
  g_assert_null (ps_args_resolve (specs, tuple, &error));
  g_assert_nonnull (strstr (error->message, "kernel_size"));
}

static void
test_python_repr_of_floats (void)
{
  PsValue v = { .type = PS_VALUE_DOUBLE, .d = 0.1 };
  g_autofree char *a = ps_value_to_python (&v);
  g_assert_cmpstr (a, ==, "0.1");
  v.d = 2.23606797749979;
  g_autofree char *b = ps_value_to_python (&v);
  g_assert_cmpstr (b, ==, "2.23606797749979");
  v.d = 1e-5;
  g_autofree char *c = ps_value_to_python (&v);
  g_assert_cmpstr (c, ==, "1e-05");
}

/* torch.empty's parser as ps_py_empty_check says it (texts of torch 1.13.1, see
 * tests/data/module-args/): the first size must be an int (a bool too is refused there), later
 * ones may be bools; one size alone is the single-int overload. bool_is_int and any_value keep the
 * value's Python type. */
static void
test_py_empty_check (void)
{
  static const PsArgSpec sized[] = {
    { .name = "n", .kind = PS_ARG_INT, .required = TRUE, .bool_is_int = TRUE },
    { .name = "m", .kind = PS_ARG_INT, .required = TRUE, .any_value = TRUE },
    { NULL }
  };
  g_autoptr (PsArgs) given = ps_args_new ();
  ps_args_set_bool (given, "n", TRUE);
  ps_args_set_double (given, "m", 2.0);
  g_autoptr (GError) e = NULL;
  g_autoptr (PsArgs) r = ps_args_resolve (sized, given, &e);
  g_assert_no_error (e);
  const PsValue *n = ps_args_lookup (r, "n"), *m = ps_args_lookup (r, "m");
  g_assert_cmpint (n->type, ==, PS_VALUE_INT);
  g_assert_cmpint (n->i, ==, 1);
  g_assert_cmpint (ps_value_given_type (n), ==, PS_VALUE_BOOL);
  g_assert_cmpint (m->type, ==, PS_VALUE_DOUBLE);
  g_autofree char *ns = ps_value_to_str (n), *ms = ps_value_to_str (m);
  g_assert_cmpstr (ns, ==, "True");
  g_assert_cmpstr (ms, ==, "2.0");
  const PsValue four = { .type = PS_VALUE_INT, .i = 4 };
  g_assert_true (ps_py_empty_check ((const PsValue *[]) { &four, n }, 2, FALSE, NULL));
  g_assert_false (ps_py_empty_check ((const PsValue *[]) { n, &four }, 2, FALSE, &e));
  g_assert_cmpstr (e->message, ==, "empty() received an invalid combination of arguments - got (tuple, dtype=NoneType, "
                   "device=NoneType), but expected one of:");
  g_clear_error (&e);
  g_assert_false (ps_py_empty_check ((const PsValue *[]) { &four, m }, 2, FALSE, &e));
  g_assert_cmpstr (e->message, ==, "empty(): argument 'size' must be tuple of SymInts, but found element of type float at pos 2");
  g_clear_error (&e);
  g_assert_false (ps_py_empty_check ((const PsValue *[]) { n }, 1, FALSE, &e));
  g_assert_cmpstr (e->message, ==, "empty() received an invalid combination of arguments - got (bool, dtype=NoneType, "
                   "device=NoneType), but expected one of:");
  g_clear_error (&e);
  g_assert_false (ps_py_empty_check ((const PsValue *[]) { m, NULL }, 2, TRUE, &e));
  g_assert_cmpstr (e->message, ==, "empty() received an invalid combination of arguments - got (tuple, dtype=torch.dtype, "
                   "device=torch.device), but expected one of:");
  /* Python's `is True`: a flag given 1 is not True */
  const PsValue t = { .type = PS_VALUE_BOOL, .b = TRUE };
  const PsValue given_one = { .type = PS_VALUE_BOOL, .b = TRUE, .coerced = TRUE, .given = PS_VALUE_INT, .i = 1 };
  g_assert_true (ps_value_is_bool (&t, TRUE));
  g_assert_false (ps_value_is_bool (&given_one, TRUE));
  g_assert_false (ps_value_is_bool (&t, FALSE));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/args/defaults-and-promotion", test_defaults_and_promotion);
  g_test_add_func ("/args/errors-name-the-argument", test_errors_name_the_argument);
  g_test_add_func ("/args/python-repr-of-floats", test_python_repr_of_floats);
  g_test_add_func ("/args/python-conversions", test_python_conversions);
  g_test_add_func ("/args/py-empty-check", test_py_empty_check);
  return g_test_run ();
}
