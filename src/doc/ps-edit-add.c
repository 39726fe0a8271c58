/* ps-edit-add.c — see the header. */
#include "ps-config.h"
#include "ps-edit-add.h"

#include <glib/gi18n.h>

void
ps_edit_add_build (const PsState *st, const PsEditSelection *sel, const char *type, const char *id, JsonObject *args,
                   const char *name, const char *const *children, const char *class_name, PsEditAdd *out)
{
  *out = (PsEditAdd) { { NULL, NULL }, 1, NULL, NULL };
  out->ops[0] = ps_edit_module_op (st, type, id, args, children, class_name);
  out->id = g_strdup (json_object_get_string_member (out->ops[0], "id"));
  gboolean is_model = g_strcmp0 (out->id, st->root) == 0;
  /* construct + attach to the container nearest the selection: one step for Undo; the model
   * itself is attached nowhere */
  if (!is_model)
    out->ops[1] = ps_edit_attach_op (st, sel, out->id, name);
  if (out->ops[1] != NULL)
    out->n_ops = 2;
  else if (!is_model)
    out->note = g_strdup_printf (_("Created %s. Add a Sequential to make a model of it (its Children: %s)."), out->id,
                                 out->id);
}

void
ps_edit_add_clear (PsEditAdd *add)
{
  for (guint i = 0; i < G_N_ELEMENTS (add->ops); i++)
    g_clear_pointer (&add->ops[i], json_object_unref);
  g_clear_pointer (&add->id, g_free);
  g_clear_pointer (&add->note, g_free);
  add->n_ops = 0;
}

char *
ps_edit_add_where (const PsState *st, const PsEditSelection *sel)
{
  g_autoptr (JsonObject) at = ps_edit_attach_op (st, sel, "?", NULL);
  if (at == NULL)
    return g_strdup (_("constructed on its own (no container to attach it to)"));
  return g_strdup_printf (_("attached to %s as its child %s"), json_object_get_string_member (at, "parent"),
                          json_object_get_string_member (at, "name"));
}
