/* ps-recipe.h — a recipe: the ordered list of steps a user took (docs/recipe-format.md).
 *
 *   {"format": "paramscope-recipe", "version": 1, "seed": 0, "root": "model", "ops": [ ... ]}
 *
 * Ops are parsed once, when loaded, into typed PsOps (ps-op.h) and validated structurally there:
 * unknown op, unknown field, wrong type → an error naming the op index and the field. Their "x-"
 * members are kept for saving. Semantic checks (dangling ids, shapes) happen when an op is
 * applied. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include "ps-error.h"
#include "ps-args.h"
#include "ps-generator.h"
#include "ps-tensor.h"

G_BEGIN_DECLS

typedef struct _PsOp PsOp;   /* ps-op.h */

typedef struct {
  int64_t seed;        /* as torch.manual_seed takes it (negative allowed, mod 2^64) */
  char *root;          /* id of the module shown as the model; may be NULL until one exists */
  GPtrArray *ops;      /* PsOp*, owned refs */
  /* Added after the first draft (additive): */
  PsFlavour flavour;   /* "flavour": generator kernel flavour; PS_FLAVOUR_AVX2 by default */
  char *description;   /* optional top-level "description"; NULL if none */
  JsonObject *extra;   /* top-level "x-…" extension members, kept for the round trip; NULL if none */
} PsRecipe;

#define PS_RECIPE_FORMAT  "paramscope-recipe"
/* The newest version this build reads is the newest op kind's or field's in the op table
 * (ps_op_newest_version, ps-op-private.h): version 2 added "rename", "move" and attach's "index",
 * version 3 "note" and the training ops; saving writes the lowest version that holds the recipe,
 * so older readers keep reading recipes that do not use them. */

/* A recipe file (or text) larger than this is refused: json-glib holds a whole document as a
 * tree of nodes (~10× the text), and a timeline of that many steps would not fit anyway. */
#define PS_RECIPE_MAX_BYTES (64 << 20)

PsRecipe   *ps_recipe_new            (int64_t seed);
void        ps_recipe_free           (PsRecipe *recipe);
PsRecipe   *ps_recipe_copy           (const PsRecipe *recipe);
PsRecipe   *ps_recipe_load_from_data (const char *data, gssize length, GError **error);
PsRecipe   *ps_recipe_load_from_file (const char *path, GError **error);
char       *ps_recipe_to_data        (const PsRecipe *recipe, gsize *length);
/* Atomic: temp file in the same directory, fsync, rename. */
gboolean    ps_recipe_save_to_file   (const PsRecipe *recipe, const char *path, GError **error);
/* Parses `op` (ps_op_new_from_json, numbered as the next op) and appends it. */
gboolean    ps_recipe_append_op      (PsRecipe *recipe, JsonObject *op, GError **error);
/* The lowest format version that can hold this recipe (the newest ps_op_get_version of its ops). */
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
  /* How the input was written, so it can be written back (JSON, Python) as it was given: */
  gboolean dtype_given;         /* VALUE: "dtype" was given */
  gboolean low_given;           /* RANDINT: "low" was given */
  GArray *exact_ints;           /* VALUE: int64_t per element (0 for a non-integer) */
  GArray *is_int;               /* VALUE: guint8 per element, TRUE where the JSON number was an integer */
} PsInputSpec;

gboolean    ps_recipe_parse_input    (JsonNode *node, PsInputSpec *spec, GError **error);
void        ps_input_spec_clear      (PsInputSpec *spec);
void        ps_input_spec_copy       (PsInputSpec *dst, const PsInputSpec *src);
/* The spec as the JSON node it was parsed from. */
JsonNode   *ps_input_spec_to_json    (const PsInputSpec *spec);
/* An attention mask (a forward's "attn_mask" / "key_padding_mask"): an input spec, or a "value" of
 * JSON booleans — torch.tensor([[False, True]]), a bool mask: the spec is then int64 0/1 and
 * *is_bool is set. Booleans and numbers do not mix. */
gboolean    ps_recipe_parse_mask     (JsonNode *node, PsInputSpec *spec, gboolean *is_bool, GError **error);
/* The mask as the JSON node it was parsed from (booleans again when is_bool). */
JsonNode   *ps_mask_spec_to_json     (const PsInputSpec *spec, gboolean is_bool);
/* "randn(1, 10)", "randint(0, 10, (3, 4))", "tensor([[1, 2]])" */
char       *ps_input_spec_describe   (const PsInputSpec *spec);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsRecipe, ps_recipe_free)

G_END_DECLS
