/* ps-frame-list.c — see ps-frame-list.h. */
#include "ps-config.h"
#include "ps-frame-list.h"
#include "ps-animation.h"
#include "ps-error.h"

#include <glib/gi18n.h>

#include <string.h>

/* The smallest and largest number an item may be. */
static void
number_range (const PsFrameListRules *r, guint64 *lo, guint64 *hi)
{
  switch (r->numbering)
    {
    case PS_FRAME_LIST_FROM_1: *lo = 1; *hi = r->n; break;
    case PS_FRAME_LIST_FROM_0: *lo = 0; *hi = r->n - 1; break;
    case PS_FRAME_LIST_VALUES:
    default: *lo = 0; *hi = G_MAXINT64; break;
    }
}

/* "last" (not from 0) or a whole number, as typed (range checks come after). */
static gboolean
parse_number (const PsFrameListRules *r, const char *s, guint64 *out, GError **error)
{
  guint64 lo, hi;
  number_range (r, &lo, &hi);
  if (r->numbering != PS_FRAME_LIST_FROM_0 && g_ascii_strcasecmp (s, "last") == 0)
    {
      *out = r->numbering == PS_FRAME_LIST_VALUES ? (guint64) MAX (r->values[r->n - 1], 0) : hi;
      return TRUE;
    }
  if (*s != '\0' && g_ascii_string_to_unsigned (s, 10, 0, G_MAXINT64, out, NULL))
    return TRUE;
  if (r->numbering == PS_FRAME_LIST_VALUES)
    g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "'%s' is not a %s (a whole number, or last)", s, r->value_unit);
  else if (r->numbering == PS_FRAME_LIST_FROM_0)
    g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "'%s' is not a %s number (%" G_GUINT64_FORMAT " to %"
                 G_GUINT64_FORMAT ")", s, r->unit, lo, hi);
  else
    g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "'%s' is not a %s number (%" G_GUINT64_FORMAT " to %"
                 G_GUINT64_FORMAT ", or last)", s, r->unit, lo, hi);
  return FALSE;
}

/* The index of the first frame at value v, or −1. */
static int
value_index (const PsFrameListRules *r, guint64 v)
{
  for (guint k = 0; k < r->n; k++)
    if (r->values[k] >= 0 && (guint64) r->values[k] == v)
      return (int) k;
  return -1;
}

static int
by_value (gconstpointer a, gconstpointer b, gpointer data)
{
  const gint64 *values = data;
  gint64 x = values[*(const guint *) a], y = values[*(const guint *) b];
  return (x > y) - (x < y);
}

/* Appends the frames of the item a..b (a single item: a == b, single TRUE). */
static gboolean
add_frames (const PsFrameListRules *r, guint64 a, guint64 b, gboolean single, GArray *got, GError **error)
{
  guint64 lo, hi;
  number_range (r, &lo, &hi);
  g_autoptr (GArray) frames = g_array_new (FALSE, FALSE, sizeof (guint));
  if (r->numbering != PS_FRAME_LIST_VALUES)
    {
      guint64 bad = a < lo || a > hi ? a : b;
      if (a < lo || a > hi || b < lo || b > hi)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "%s %" G_GUINT64_FORMAT " does not exist (they are %"
                       G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT ")", r->unit, bad, lo, hi);
          return FALSE;
        }
      if (got->len + (b - a) + 1 > r->max_frames)
        goto too_many;
      for (guint64 k = a; k <= b; k++)
        {
          guint idx = (guint) (k - lo);
          g_array_append_val (frames, idx);
        }
    }
  else if (single)
    {
      int idx = value_index (r, a);
      if (idx < 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND,
                       "%s %" G_GUINT64_FORMAT " is not recorded: the recipe records %u %ss at %ss %" G_GINT64_FORMAT
                       " to %" G_GINT64_FORMAT, r->value_unit, a, r->n, r->unit, r->value_unit, r->values[0],
                       r->values[r->n - 1]);
          return FALSE;
        }
      guint u = (guint) idx;
      g_array_append_val (frames, u);
    }
  else
    {
      /* the values recorded in a..b, in increasing order, each once (its first frame) */
      for (guint k = 0; k < r->n; k++)
        if (r->values[k] >= 0 && (guint64) r->values[k] >= a && (guint64) r->values[k] <= b
            && value_index (r, (guint64) r->values[k]) == (int) k)
          g_array_append_val (frames, k);
      g_array_sort_with_data (frames, by_value, (gpointer) r->values);
    }
  if (got->len + frames->len > r->max_frames)
    goto too_many;
  g_array_append_vals (got, frames->data, frames->len);
  return TRUE;
too_many:
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "more than %u frames on one sheet", r->max_frames);
  return FALSE;
}

gboolean
ps_frame_list_parse_rules (const char *text, const PsFrameListRules *r, GArray *out, GError **error)
{
  g_return_val_if_fail (text != NULL && r != NULL && r->unit != NULL && out != NULL, FALSE);
  g_return_val_if_fail (r->numbering != PS_FRAME_LIST_VALUES || (r->values != NULL && r->value_unit != NULL), FALSE);
  if (r->n == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "there is no recorded %s to choose", r->unit);
      return FALSE;
    }
  g_autoptr (GArray) got = g_array_new (FALSE, FALSE, sizeof (guint));
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *p = g_strstrip (parts[i]);
      if (*p == '\0')
        {
          if (parts[i + 1] == NULL && i > 0)
            break;   /* a trailing comma */
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "an empty entry in the list of %ss", r->unit);
          return FALSE;
        }
      char *dash = strchr (p, '-');
      if (dash != NULL)
        *dash = '\0';
      const char *ta = g_strstrip (p), *tb = dash ? g_strstrip (dash + 1) : ta;
      guint64 a, b;
      if (!parse_number (r, ta, &a, error) || !parse_number (r, tb, &b, error))
        return FALSE;
      if (a > b)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "the range %s-%s goes backwards", ta, tb);
          return FALSE;
        }
      if (!add_frames (r, a, b, dash == NULL, got, error))
        return FALSE;
    }
  if (got->len == 0)
    {
      if (r->numbering == PS_FRAME_LIST_VALUES)
        g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "no recorded %s in '%s'", r->unit, text);
      else
        g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "no %s given", r->unit);
      return FALSE;
    }
  g_array_append_vals (out, got->data, got->len);
  return TRUE;
}

gboolean
ps_frame_list_parse (const char *text, guint n_available, guint max_frames, const char *unit, GArray *out,
                     GError **error)
{
  const PsFrameListRules rules = { PS_FRAME_LIST_FROM_1, n_available, NULL, max_frames, unit, NULL };
  return ps_frame_list_parse_rules (text, &rules, out, error);
}

char *
ps_frame_list_default_sheet (guint n)
{
  GString *s = g_string_new ("");
  guint prev = 0;
  for (guint q = 0; q <= 4 && n > 0; q++)
    {
      guint k = q == 4 ? n : MAX (1, 1 + (guint) ((guint64) (n - 1) * q / 4));
      if (k == prev)
        continue;
      if (s->len)
        g_string_append (s, ", ");
      if (q == 4)
        g_string_append (s, "last");
      else
        g_string_append_printf (s, "%u", k);
      prev = k;
    }
  return g_string_free (s, FALSE);
}

guint
ps_frame_list_default_every (guint n, guint suggested_frames)
{
  g_return_val_if_fail (suggested_frames > 0, 1);
  return MAX (1, n / suggested_frames + (n % suggested_frames != 0));   /* ⌈n / suggested⌉, no overflow */
}

gboolean
ps_frame_list_check_range (guint n, guint from, guint to, guint every, guint max_frames, guint *n_frames,
                           GError **error)
{
  if (n == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("There are no recorded sub-steps to export."));
      return FALSE;
    }
  if (from < 1 || to < 1 || from > n || to > n)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("Sub-step %u does not exist: the sub-steps are 1 to %u."),
                   from < 1 || from > n ? from : to, n);
      return FALSE;
    }
  if (from > to)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("From (%u) is after To (%u): nothing to export."), from, to);
      return FALSE;
    }
  if (every < 1)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("Every must be at least 1."));
      return FALSE;
    }
  g_autoptr (GArray) frames = ps_animation_frame_range (from - 1, to - 1, every, n, max_frames, "sub-steps", error);
  if (frames == NULL)
    return FALSE;
  if (n_frames != NULL)
    *n_frames = frames->len;
  return TRUE;
}
