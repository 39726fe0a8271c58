/* test-frame-list — the Contact Sheet's default list of sub-steps (ps_frame_list_default_sheet):
 * the first, the quarters and "last", each once, and a list the frame-list parser reads back.
 * (The parser's own rules are tested in test-animation.) */
#include "ps-frame-list.h"
#include "ps-error.h"

#include <string.h>

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

/* Export Over Sub-steps' first "every": at most the suggested number of frames over the run,
 * rounded up, never 0, no overflow near G_MAXUINT. */
static void
test_default_every (void)
{
  g_assert_cmpuint (ps_frame_list_default_every (0, 100), ==, 1);
  g_assert_cmpuint (ps_frame_list_default_every (20, 100), ==, 1);
  g_assert_cmpuint (ps_frame_list_default_every (100, 100), ==, 1);
  g_assert_cmpuint (ps_frame_list_default_every (101, 100), ==, 2);
  g_assert_cmpuint (ps_frame_list_default_every (1500, 100), ==, 15);
  g_assert_cmpuint (ps_frame_list_default_every (G_MAXUINT, 100), ==, G_MAXUINT / 100 + 1);
}

/* The range dialog's check: a good range counts its frames; each bad one is refused with the
 * sentence the dialog shows (the first problem found). */
static void
test_check_range (void)
{
  guint n_frames = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_frame_list_check_range (20, 3, 18, 4, 1000, &n_frames, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_frames, ==, 5);   /* 3, 7, 11, 15 and the last, 18 (as animate --every) */
  g_assert_true (ps_frame_list_check_range (20, 5, 5, 1, 1000, &n_frames, NULL));
  g_assert_cmpuint (n_frames, ==, 1);
  static const struct { guint n, from, to, every, max; const char *want; } bad[] = {
    { 0, 1, 1, 1, 1000, "There are no recorded sub-steps to export." },
    { 20, 0, 5, 1, 1000, "Sub-step 0 does not exist: the sub-steps are 1 to 20." },
    { 20, 3, 21, 1, 1000, "Sub-step 21 does not exist: the sub-steps are 1 to 20." },
    { 20, 9, 4, 1, 1000, "From (9) is after To (4): nothing to export." },
    { 20, 1, 20, 0, 1000, "Every must be at least 1." },
    { 2000, 1, 2000, 1, 1000, NULL },   /* over max_frames: ps_animation_frame_range's own sentence */
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      n_frames = 77;
      if (ps_frame_list_check_range (bad[i].n, bad[i].from, bad[i].to, bad[i].every, bad[i].max, &n_frames, &e))
        g_error ("case %u accepted", i);
      g_assert_error (e, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
      if (bad[i].want != NULL)
        g_assert_cmpstr (e->message, ==, bad[i].want);
      else
        g_assert_nonnull (strstr (e->message, "1000"));
      g_assert_cmpuint (n_frames, ==, 77);   /* untouched on failure */
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/frame-list/default-sheet", test_default_sheet);
  g_test_add_func ("/frame-list/default-sheet-parses", test_default_sheet_parses);
  g_test_add_func ("/frame-list/default-every", test_default_every);
  g_test_add_func ("/frame-list/check-range", test_check_range);
  return g_test_run ();
}
