/* ps-recipe.h — a recipe: the ordered list of steps a user took (docs/recipe-format.md).
 *
 *   {"format": "paramscope-recipe", "version": 1, "seed": 0, "root": "model", "ops": [ ... ]}
 *
 * Ops are kept as JSON objects (so unknown-but-compatible fields survive a round trip) and are
 * validated structurally when loaded: unknown op, unknown field, wrong type → an error naming the
 * op index and the field. Semantic checks (dangling ids, shapes) happen when an op is applied. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include "ps-error.h"

G_BEGIN_DECLS

typedef struct {
  int64_t seed;        /* as torch.manual_seed takes it (negative allowed, mod 2^64) */
  char *root;          /* id of the module shown as the model; may be NULL until one exists */
  GPtrArray *ops;      /* JsonObject*, owned refs */
} PsRecipe;

PsRecipe   *ps_recipe_new            (int64_t seed);
void        ps_recipe_free           (PsRecipe *recipe);
PsRecipe   *ps_recipe_copy           (const PsRecipe *recipe);
PsRecipe   *ps_recipe_load_from_data (const char *data, gssize length, GError **error);
PsRecipe   *ps_recipe_load_from_file (const char *path, GError **error);
char       *ps_recipe_to_data        (const PsRecipe *recipe, gsize *length);
/* Atomic: temp file in the same directory, fsync, rename. */
gboolean    ps_recipe_save_to_file   (const PsRecipe *recipe, const char *path, GError **error);
/* Validate one op object structurally; index is used in messages ("op 3 (init): field 'fn' …"). */
gboolean    ps_recipe_validate_op    (JsonObject *op, guint index, GError **error);
/* Appends a validated op (takes a ref). */
gboolean    ps_recipe_append_op      (PsRecipe *recipe, JsonObject *op, GError **error);
const char *ps_recipe_op_kind        (JsonObject *op);   /* the "op" string */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsRecipe, ps_recipe_free)

G_END_DECLS
