/* The Python-literal parser the dialogs share: what a person types for a PyTorch argument. */
#include "ps-py-literal.h"
#include "ps-error.h"

#include <string.h>

static char *
parse_to_json (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) n = ps_py_literal_parse (text, &error);
  g_assert_no_error (error);
  if (n == NULL)
    return NULL;
  return json_to_string (n, FALSE);
}

static void
test_values (void)
{
  static const struct { const char *text, *json; } cases[] = {
    { "True", "true" }, { " False ", "false" }, { "None", "null" },
    { "3", "3" }, { "-7", "-7" }, { "0.5", "0.5" }, { "1e-3", "0.001" }, { "-.25", "-0.25" },
    { "(3, 3)", "[3,3]" }, { "(3,)", "[3]" }, { "()", "[]" }, { "[1, 2]", "[1,2]" },
    { "((1, 2), [3])", "[[1,2],[3]]" }, { "'fan_in'", "\"fan_in\"" }, { "\"relu\"", "\"relu\"" },
    { "relu", "\"relu\"" }, { "leaky_relu", "\"leaky_relu\"" }, { "('a', True, None)", "[\"a\",true,null]" },
    { "'it\\'s'", "\"it's\"" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = parse_to_json (cases[i].text);
      g_assert_cmpstr (json, ==, cases[i].json);
    }
  /* an empty text is "PyTorch's default", not an error */
  g_assert_null (parse_to_json (""));
  g_assert_null (parse_to_json ("   "));
  /* an integer stays an integer (kernel sizes), a float stays a float */
  g_autoptr (JsonNode) i = ps_py_literal_parse ("5", NULL);
  g_assert_cmpint (json_node_get_value_type (i), ==, G_TYPE_INT64);
  g_autoptr (JsonNode) f = ps_py_literal_parse ("5.0", NULL);
  g_assert_cmpint (json_node_get_value_type (f), ==, G_TYPE_DOUBLE);
}

static void
test_errors (void)
{
  /* the old parser turned every malformed text into a string ("(3, 3" became "(3, 3"): now an
   * error that says what is wrong */
  static const char *const bad[] = { "(3, 3", "[1, 2", "'x", "(3 3)", "3 4", "1.2.3", ")", "(,)",
                                     "99999999999999999999", "@", "((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) n = ps_py_literal_parse (bad[i], &error);
      g_assert_null (n);
      g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "is not a Python value"));
    }
}

static void
test_args (void)
{
  const char *names[] = { "in_features", "out_features", "bias", "padding", NULL };
  const char *texts[] = { "10", "5", "", "(1, 2)", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) args = ps_py_literal_args (names, texts, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_object_get_size (args), ==, 3);   /* the empty one takes the default */
  g_assert_cmpint (json_object_get_int_member (args, "in_features"), ==, 10);
  g_assert_false (json_object_has_member (args, "bias"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (args, "padding")), ==, 2);
  /* a malformed text names its argument */
  const char *bad[] = { "10", "(5", "", "", NULL };
  g_autoptr (JsonObject) none = ps_py_literal_args (names, bad, &error);
  g_assert_null (none);
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_true (g_str_has_prefix (error->message, "out_features: "));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/py-literal/values", test_values);
  g_test_add_func ("/py-literal/errors", test_errors);
  g_test_add_func ("/py-literal/args", test_args);
  return g_test_run ();
}
