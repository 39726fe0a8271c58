/* test-frame-list — the Contact Sheet's default list of sub-steps (ps_frame_list_default_sheet):
 * the first, the quarters and "last", each once, and a list the frame-list parser reads back.
 * (The parser's own rules are tested in test-animation.) */
#include "ps-frame-list.h"

static void
test_default_sheet (void)
{
  static const struct { guint n; const char *want; } cases[] = {
    { 0, "" },
    { 1, "1" },
    { 2, "1, last" },
    { 3, "1, 2, last" },
    { 5, "1, 2, 3, 4, last" },
    { 9, "1, 3, 5, 7, last" },
    { 220, "1, 55, 110, 165, last" },
    { G_MAXUINT, "1, 1073741824, 2147483648, 3221225471, last" },   /* no overflow in (n − 1)·q */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = ps_frame_list_default_sheet (cases[i].n);
      if (g_strcmp0 (got, cases[i].want) != 0)
        g_error ("n = %u: '%s' (wanted '%s')", cases[i].n, got, cases[i].want);
    }
}

/* Every default the dialog can offer is a good list: the parser reads it back as increasing
 * sub-steps without repeats, from the first to the last. */
static void
test_default_sheet_parses (void)
{
  for (guint n = 1; n <= 300; n++)
    {
      g_autofree char *list = ps_frame_list_default_sheet (n);
      g_autoptr (GArray) frames = g_array_new (FALSE, FALSE, sizeof (guint));
      g_autoptr (GError) error = NULL;
      if (!ps_frame_list_parse (list, n, 100, "sub-step", frames, &error))
        g_error ("n = %u: '%s': %s", n, list, error->message);
      g_assert_cmpuint (frames->len, >=, 1);
      g_assert_cmpuint (frames->len, <=, 5);
      g_assert_cmpuint (g_array_index (frames, guint, 0), ==, 0);
      g_assert_cmpuint (g_array_index (frames, guint, frames->len - 1), ==, n - 1);
      for (guint k = 1; k < frames->len; k++)
        g_assert_cmpuint (g_array_index (frames, guint, k - 1), <, g_array_index (frames, guint, k));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/frame-list/default-sheet", test_default_sheet);
  g_test_add_func ("/frame-list/default-sheet-parses", test_default_sheet_parses);
  return g_test_run ();
}
