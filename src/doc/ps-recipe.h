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
#include "ps-args.h"
#include "ps-generator.h"
#include "ps-tensor.h"

G_BEGIN_DECLS

typedef struct {
  int64_t seed;        /* as torch.manual_seed takes it (negative allowed, mod 2^64) */
  char *root;          /* id of the module shown as the model; may be NULL until one exists */
  GPtrArray *ops;      /* JsonObject*, owned refs */
  /* Added after the first draft (additive): */
  PsFlavour flavour;   /* "flavour": generator kernel flavour; PS_FLAVOUR_AVX2 by default */
  char *description;   /* optional top-level "description"; NULL if none */
  JsonObject *extra;   /* top-level "x-…" extension members, kept for the round trip; NULL if none */
} PsRecipe;

#define PS_RECIPE_FORMAT  "paramscope-recipe"
/* The newest version this build reads. Version 2 added "rename", "move" and attach's "index";
 * saving writes the lowest version that holds the recipe, so older readers keep reading recipes
 * that do not use them. */
#define PS_RECIPE_VERSION 3

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
/* NULL-terminated list of every op kind ("module", "attach", …, "load"). */
const char *const *ps_recipe_op_kinds (void);
/* The lowest format version that can hold this recipe (1, or 2 when it uses a version-2 op). */
int         ps_recipe_required_version (const PsRecipe *recipe);

/* A recipe "args" object (NULL node = none) as PsArgs: JSON int/float/bool/string/null and arrays
 * of ints (tuples). Errors name the argument. */
PsArgs     *ps_recipe_args_from_json (JsonNode *node, GError **error);

/* A forward op's "input", parsed and checked (it does not draw: see ps-op.c). */
typedef enum {
  PS_INPUT_RANDN,
  PS_INPUT_RAND,
  PS_INPUT_ZEROS,
  PS_INPUT_ONES,
  PS_INPUT_RANDINT,
  PS_INPUT_VALUE,
} PsInputKind;

typedef struct {
  PsInputKind kind;
  PsDType dtype;                /* FLOAT32, or INT64 for randint / integer values */
  int ndim;
  int64_t shape[PS_MAX_DIMS];
  int64_t numel;
  int64_t low, high;            /* randint */
  GArray *values;               /* VALUE: double (FLOAT32) or int64_t (INT64), row-major; else NULL */
} PsInputSpec;

gboolean    ps_recipe_parse_input    (JsonNode *node, PsInputSpec *spec, GError **error);
void        ps_input_spec_clear      (PsInputSpec *spec);
/* "randn(1, 10)", "randint(0, 10, (3, 4))", "tensor([[1, 2]])" */
char       *ps_input_spec_describe   (const PsInputSpec *spec);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsRecipe, ps_recipe_free)

G_END_DECLS
