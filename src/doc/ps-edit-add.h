/* ps-edit-add.h — what Add Layer (and a container with children) applies as one step: the
 * "module" op and the "attach" op to the container nearest the selection, built from what the
 * dialog collected; where the dialog says the new module goes; the note when it goes nowhere. */
#pragma once

#include "ps-edit.h"

G_BEGIN_DECLS

typedef struct {
  JsonObject *ops[2];   /* "module", then "attach" (NULL: the new module is the model itself, or
                           no container is near the selection) */
  guint       n_ops;
  char       *id;       /* the new module's id (ps_edit_module_op's choice when none was given) */
  char       *note;     /* after applying: "Created … Add a Sequential …" when it was left on its
                           own (not the model), else NULL */
} PsEditAdd;

/* Builds the ops of adding `type` (see ps_edit_module_op, ps_edit_attach_op); `out` is cleared
 * with ps_edit_add_clear. */
void  ps_edit_add_build (const PsState *st, const PsEditSelection *sel, const char *type, const char *id,
                         JsonObject *args, const char *name, const char *const *children, const char *class_name,
                         PsEditAdd *out);
void  ps_edit_add_clear (PsEditAdd *add);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PsEditAdd, ps_edit_add_clear)
/* For the dialog: "attached to model as its child 2", or "constructed on its own (…)". */
char *ps_edit_add_where (const PsState *st, const PsEditSelection *sel);

G_END_DECLS
