/* ps-args-editor.c — see ps-args-editor.h. A grid of label/entry rows built from an arg table. */
#include "ps-config.h"
#include "ps-args-editor.h"

#include <glib/gi18n.h>

#include "ps-py-literal.h"

struct _PsArgsEditor {
  GtkWidget parent_instance;
  GtkWidget *grid;
  GPtrArray *entries;   /* GtkEntry*, parallel to names */
  GPtrArray *names;     /* char* */
};

G_DEFINE_FINAL_TYPE (PsArgsEditor, ps_args_editor, GTK_TYPE_WIDGET)

void
ps_args_editor_set_specs (PsArgsEditor *self, const PsArgSpec *specs)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (self->grid)) != NULL)
    gtk_grid_remove (GTK_GRID (self->grid), child);
  g_ptr_array_set_size (self->entries, 0);
  g_ptr_array_set_size (self->names, 0);
  int row = 0;
  for (const PsArgSpec *sp = specs; sp && sp->name; sp++, row++)
    {
      GtkWidget *label = gtk_label_new (sp->name);
      gtk_label_set_xalign (GTK_LABEL (label), 1);
      GtkWidget *entry = gtk_entry_new ();
      gtk_widget_set_hexpand (entry, TRUE);
      gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
      gtk_label_set_mnemonic_widget (GTK_LABEL (label), entry);
      gtk_accessible_update_relation (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL, -1);
      if (sp->required)
        gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("required"));
      else
        {
          g_autoptr (PsArgs) empty = ps_args_new ();
          const PsArgSpec one[2] = { *sp, { NULL } };
          g_autoptr (PsArgs) def = ps_args_resolve (one, empty, NULL);
          if (def != NULL)
            {
              g_autofree char *py = ps_value_to_python (ps_args_value (def, 0));
              gtk_entry_set_placeholder_text (GTK_ENTRY (entry), py);
            }
        }
      if (sp->doc)
        {
          gtk_widget_set_tooltip_text (entry, sp->doc);
          gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, sp->doc, -1);
        }
      gtk_grid_attach (GTK_GRID (self->grid), label, 0, row, 1, 1);
      gtk_grid_attach (GTK_GRID (self->grid), entry, 1, row, 1, 1);
      g_ptr_array_add (self->entries, entry);
      g_ptr_array_add (self->names, g_strdup (sp->name));
    }
}

GtkEditable *
ps_args_editor_get_entry (PsArgsEditor *self, const char *name)
{
  for (guint i = 0; i < self->names->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->names, i), name) == 0)
      return GTK_EDITABLE (g_ptr_array_index (self->entries, i));
  return NULL;
}

JsonObject *
ps_args_editor_get_args (PsArgsEditor *self, GError **error)
{
  g_autofree const char **names = g_new0 (const char *, self->names->len + 1);
  g_autofree const char **texts = g_new0 (const char *, self->names->len + 1);
  for (guint i = 0; i < self->names->len; i++)
    {
      names[i] = g_ptr_array_index (self->names, i);
      texts[i] = gtk_editable_get_text (GTK_EDITABLE (g_ptr_array_index (self->entries, i)));
    }
  return ps_py_literal_args (names, texts, error);
}

static void
ps_args_editor_dispose (GObject *object)
{
  PsArgsEditor *self = PS_ARGS_EDITOR (object);
  g_clear_pointer (&self->grid, gtk_widget_unparent);
  G_OBJECT_CLASS (ps_args_editor_parent_class)->dispose (object);
}

static void
ps_args_editor_finalize (GObject *object)
{
  PsArgsEditor *self = PS_ARGS_EDITOR (object);
  g_ptr_array_unref (self->entries);
  g_ptr_array_unref (self->names);
  G_OBJECT_CLASS (ps_args_editor_parent_class)->finalize (object);
}

static void
ps_args_editor_class_init (PsArgsEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = ps_args_editor_dispose;
  object_class->finalize = ps_args_editor_finalize;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
}

static void
ps_args_editor_init (PsArgsEditor *self)
{
  self->entries = g_ptr_array_new ();
  self->names = g_ptr_array_new_with_free_func (g_free);
  self->grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (self->grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (self->grid), 12);
  gtk_widget_set_parent (self->grid, GTK_WIDGET (self));
}
