/* The built-in scenarios (examples/) tell a story in their step notes; a note that names a
 * parameter of a module of the model ("fc1.weight") must name it as the model tree shows it (the
 * zero-init scenario's note said fc1.weight while the tree, its Sequential built from a list,
 * showed 0.weight). Checked on the model as built before any training step. */
#include "ps-recipe.h"
#include "ps-timeline.h"
#include "ps-state.h"
#include "ps-op.h"

#include <string.h>

static const char *const param_names[] = { "weight", "bias", NULL };

/* every "ID.weight" / "ID.bias" in text whose ID is an attached module id of st */
static void
check_text (const char *example, const char *text, PsState *st, GPtrArray *paths)
{
  PsModule *root = ps_state_get_root (st);
  for (const char *p = text; *p; p++)
    {
      if (!(g_ascii_isalnum (*p) || *p == '_') || (p > text && (g_ascii_isalnum (p[-1]) || p[-1] == '_' || p[-1] == '.')))
        continue;
      const char *e = p;
      while (g_ascii_isalnum (*e) || *e == '_')
        e++;
      if (*e != '.')
        continue;
      g_autofree char *id = g_strndup (p, e - p);
      for (const char *const *n = param_names; *n; n++)
        {
          gsize len = strlen (*n);
          if (strncmp (e + 1, *n, len) != 0 || g_ascii_isalnum (e[1 + len]) || e[1 + len] == '_')
            continue;
          PsModule *m = ps_state_get_module (st, id);
          if (m == NULL || root == NULL || m == root)
            continue;       /* a loop variable (m.weight) or a module not in the model */
          /* a module placed twice (Sequential(l, l)) has no one path: the note names the variable */
          g_autoptr (GPtrArray) mods = ps_module_named_modules (root, FALSE);
          guint places = 0;
          for (guint i = 0; i < mods->len; i++)
            places += ((PsNamedItem *) g_ptr_array_index (mods, i))->module == m;
          if (places > 1)
            continue;
          g_autofree char *mentioned = g_strdup_printf ("%s.%s", id, *n);
          gboolean shown = FALSE;
          for (guint i = 0; i < paths->len && !shown; i++)
            {
              const char *path = g_ptr_array_index (paths, i);
              shown = strcmp (path, mentioned) == 0 ||
                      (g_str_has_suffix (path, mentioned) && path[strlen (path) - strlen (mentioned) - 1] == '.');
            }
          if (!shown)
            g_test_message ("%s: the note names %s, not a path of the model tree", example, mentioned);
          g_assert_true (shown);
        }
    }
}

static void
test_scenario_names (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("PS_SOURCE_DIR"), "examples", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  guint checked = 0;
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (!g_str_has_suffix (name, ".json"))
        continue;
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (PsRecipe) r = ps_recipe_load_from_file (path, &error);
      g_assert_no_error (error);
      /* the model as built: every op before the first optimizer or training op */
      int until = 0;
      while (until < (int) r->ops->len)
        {
          const char *kind = ps_op_get_kind (g_ptr_array_index (r->ops, until));
          if (!strcmp (kind, "train") || !strcmp (kind, "optimizer"))
            break;
          until++;
        }
      g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, until, dir);
      g_assert_nonnull (tl);
      PsState *st = ps_timeline_get_last_state (tl);
      if (ps_state_get_root (st) == NULL)
        continue;
      g_autoptr (GPtrArray) items = ps_module_named_parameters (ps_state_get_root (st));
      g_autoptr (GPtrArray) paths = g_ptr_array_new ();
      for (guint i = 0; i < items->len; i++)
        g_ptr_array_add (paths, ((PsNamedItem *) g_ptr_array_index (items, i))->path);
      if (r->description)
        check_text (name, r->description, st, paths);
      for (guint i = 0; i < r->ops->len; i++)
        {
          const PsOp *op = g_ptr_array_index (r->ops, i);
          if (op->description)
            check_text (name, op->description, st, paths);
        }
      checked++;
    }
  g_assert_cmpuint (checked, >=, 8);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scenarios/notes-name-tree-paths", test_scenario_names);
  return g_test_run ();
}
