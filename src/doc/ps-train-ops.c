/* ps-train-ops.c — see ps-train-ops.h; the torch code each op runs is in docs/recipe-format.md. */
#include "ps-train-ops.h"
#include "ps-op-private.h"
#include "ps-clip-grad.h"
#include "ps-checkpoint.h"
#include "ps-csv.h"
#include "ps-fashion-mnist.h"
#include "ps-npy.h"
#include "ps-npz.h"
#include "ps-regular-file.h"
#include "ps-train-step.h"
#include "ps-call-kwargs.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/* ---------- JSON helpers ---------- */

static void G_GNUC_PRINTF (3, 4)
field_error (GError **error, const char *field, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "field '%s': %s", field, msg);
}

static gboolean
is_number (JsonNode *n)
{
  double v;
  return ps_json_number (n, &v);
}

static double
number_or (JsonNode *n, double dflt)
{
  double v;
  return ps_json_number (n, &v) ? v : dflt;
}

static gboolean
is_int (JsonNode *n)
{
  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64;
}

static gboolean
is_bool (JsonNode *n)
{
  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_BOOLEAN;
}

static gboolean
is_string (JsonNode *n)
{
  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING;
}

typedef enum { A_NUM, A_INT, A_BOOL, A_STR, A_NUM_LIST, A_INT_LIST, A_NULL_OR_FALSE, A_INT_OR_NULL, A_TRUTH } ArgType;

typedef struct {
  const char *name;
  ArgType type;
} ArgDef;

/* Every member of args is one of defs with the right type; an error names it and lists the
 * accepted names, like torch's TypeError for an unexpected keyword. */
static gboolean
check_args (JsonObject *args, const char *what, const ArgDef *defs, GError **error)
{
  g_autoptr (GList) names = json_object_get_members (args);
  for (GList *l = names; l; l = l->next)
    {
      const char *k = l->data;
      const ArgDef *d = NULL;
      for (const ArgDef *q = defs; q->name; q++)
        if (strcmp (q->name, k) == 0)
          d = q;
      if (d == NULL)
        {
          GString *s = g_string_new (NULL);
          for (const ArgDef *q = defs; q->name; q++)
            g_string_append_printf (s, "%s%s", s->len ? ", " : "", q->name);
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "%s got an unexpected keyword argument '%s' (expected one of: %s)", what, k, s->str);
          g_string_free (s, TRUE);
          return FALSE;
        }
      JsonNode *v = json_object_get_member (args, k);
      gboolean ok;
      switch (d->type)
        {
        case A_NUM: ok = is_number (v); break;
        case A_INT: ok = is_int (v); break;
        case A_BOOL: ok = is_bool (v); break;
        case A_STR: ok = is_string (v); break;
        case A_INT_OR_NULL: ok = is_int (v) || JSON_NODE_HOLDS_NULL (v); break;
        case A_NULL_OR_FALSE: ok = JSON_NODE_HOLDS_NULL (v) || (is_bool (v) && !json_node_get_boolean (v)); break;
        case A_TRUTH: ok = JSON_NODE_HOLDS_NULL (v) || is_bool (v) || is_number (v); break;
        case A_NUM_LIST:
        case A_INT_LIST:
          ok = JSON_NODE_HOLDS_ARRAY (v);
          if (ok)
            {
              JsonArray *a = json_node_get_array (v);
              for (guint i = 0; ok && i < json_array_get_length (a); i++)
                ok = d->type == A_NUM_LIST ? is_number (json_array_get_element (a, i))
                                           : is_int (json_array_get_element (a, i));
            }
          break;
        default: ok = FALSE;
        }
      if (!ok)
        {
          static const char *const expect[] = { "a number", "an integer", "a boolean", "a string", "a list of numbers",
                                                "a list of integers", "null or false (only the default is supported)",
                                                "an integer or null", "a boolean, a number or null" };
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s: argument '%s' must be %s", what, k,
                       expect[d->type]);
          return FALSE;
        }
    }
  return TRUE;
}

/* Python's truth value of a JSON bool or number */
static gboolean
py_truth (JsonNode *n)
{
  if (is_bool (n))
    return json_node_get_boolean (n);
  double v = 0.0;
  return ps_json_number (n, &v) && v != 0.0;
}

static double
num (JsonObject *o, const char *name, double dflt)
{
  return number_or (json_object_get_member (o, name), dflt);
}

/* NULL and *error when it does not fit in the memory budget. */
static PsTensor *
float_list_tensor (JsonArray *a, GError **error)
{
  guint n = json_array_get_length (a);
  PsTensor *t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, n, error);
  for (guint i = 0; t != NULL && i < n; i++)
    ps_tensor_f32 (t)[i] = (float) number_or (json_array_get_element (a, i), 0.0);
  return t;
}

/* ---------- losses ---------- */

gboolean
ps_train_loss_from_json (JsonNode *node, PsLoss *loss, GError **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      field_error (error, "loss", "expected an object {\"type\": \"CrossEntropyLoss\", \"args\": {…}}");
      return FALSE;
    }
  JsonObject *o = json_node_get_object (node);
  JsonNode *tn = json_object_get_member (o, "type");
  PsLossKind kind;
  if (!is_string (tn) || !ps_loss_kind_from_name (json_node_get_string (tn), &kind))
    {
      field_error (error, "loss", "unknown loss type '%s' (expected MSELoss, L1Loss, SmoothL1Loss, HuberLoss, "
                   "CrossEntropyLoss, NLLLoss, BCELoss or BCEWithLogitsLoss)", is_string (tn) ? json_node_get_string (tn) : "");
      return FALSE;
    }
  JsonNode *an = json_object_get_member (o, "args");
  JsonObject *args = an && JSON_NODE_HOLDS_OBJECT (an) ? json_node_get_object (an) : NULL;
  /* size_average and reduce: _Loss's deprecated arguments (not HuberLoss's) */
#define LEGACY { "size_average", A_TRUTH }, { "reduce", A_TRUTH }
  static const ArgDef common[] = { LEGACY, { "reduction", A_STR }, { NULL } };
  static const ArgDef smooth[] = { LEGACY, { "reduction", A_STR }, { "beta", A_NUM }, { NULL } };
  static const ArgDef huber[] = { { "reduction", A_STR }, { "delta", A_NUM }, { NULL } };
  static const ArgDef ce[] = { { "weight", A_NUM_LIST }, LEGACY, { "ignore_index", A_INT }, { "reduction", A_STR },
                               { "label_smoothing", A_NUM }, { NULL } };
  static const ArgDef nll[] = { { "weight", A_NUM_LIST }, LEGACY, { "ignore_index", A_INT }, { "reduction", A_STR }, { NULL } };
  static const ArgDef bce[] = { { "weight", A_NUM_LIST }, LEGACY, { "reduction", A_STR }, { NULL } };
  static const ArgDef bcel[] = { { "weight", A_NUM_LIST }, LEGACY, { "reduction", A_STR }, { "pos_weight", A_NUM_LIST }, { NULL } };
#undef LEGACY
  const ArgDef *defs[] = { common, common, smooth, huber, ce, nll, bce, bcel };
  ps_loss_init (loss, kind);
  if (an != NULL && args == NULL)
    {
      field_error (error, "loss", "'args' must be an object");
      return FALSE;
    }
  if (args == NULL)
    return TRUE;
  g_autofree char *what = g_strdup_printf ("%s()", ps_loss_kind_name (kind));
  if (!check_args (args, what, defs[kind], error))
    return FALSE;
  JsonNode *size_average = json_object_get_member (args, "size_average"), *reduce = json_object_get_member (args, "reduce");
  if ((size_average != NULL && !JSON_NODE_HOLDS_NULL (size_average)) || (reduce != NULL && !JSON_NODE_HOLDS_NULL (reduce)))
    {
      /* torch.nn._reduction.legacy_get_string: None counts as True, then Python's truthiness;
       * `reduction` is not looked at (torch also warns that these arguments are deprecated) */
      const gboolean sa = size_average == NULL || JSON_NODE_HOLDS_NULL (size_average) || py_truth (size_average);
      const gboolean re = reduce == NULL || JSON_NODE_HOLDS_NULL (reduce) || py_truth (reduce);
      loss->reduction = sa && re ? PS_REDUCTION_MEAN : re ? PS_REDUCTION_SUM : PS_REDUCTION_NONE;
    }
  else if (json_object_has_member (args, "reduction")
           && !ps_reduction_from_name (json_object_get_string_member (args, "reduction"), &loss->reduction, error))
    return FALSE;
  loss->beta = num (args, "beta", 1.0);
  loss->delta = num (args, "delta", 1.0);
  loss->label_smoothing = num (args, "label_smoothing", 0.0);
  if (json_object_has_member (args, "ignore_index"))
    loss->ignore_index = json_object_get_int_member (args, "ignore_index");
  if (json_object_has_member (args, "weight")
      && (loss->weight = float_list_tensor (json_object_get_array_member (args, "weight"), error)) == NULL)
    return FALSE;
  if (json_object_has_member (args, "pos_weight")
      && (loss->pos_weight = float_list_tensor (json_object_get_array_member (args, "pos_weight"), error)) == NULL)
    return FALSE;
  return TRUE;
}

/* ---------- optimizers and schedulers from JSON ---------- */

static gboolean
optim_config_from_json (const char *type, JsonObject *args, PsOptimConfig *cfg, GError **error)
{
  PsOptimKind kind;
  if (!ps_optim_kind_from_name (type, &kind))
    {
      field_error (error, "type", "unknown optimizer '%s' (expected SGD, Adam, AdamW, RMSprop or Adagrad)", type);
      return FALSE;
    }
  static const ArgDef sgd[] = { { "lr", A_NUM }, { "momentum", A_NUM }, { "dampening", A_NUM }, { "weight_decay", A_NUM },
                                { "nesterov", A_BOOL }, { "maximize", A_BOOL }, { "foreach", A_NULL_OR_FALSE },
                                { "differentiable", A_NULL_OR_FALSE }, { NULL } };
  static const ArgDef adam[] = { { "lr", A_NUM }, { "betas", A_NUM_LIST }, { "eps", A_NUM }, { "weight_decay", A_NUM },
                                 { "amsgrad", A_BOOL }, { "foreach", A_NULL_OR_FALSE }, { "maximize", A_BOOL },
                                 { "capturable", A_NULL_OR_FALSE }, { "differentiable", A_NULL_OR_FALSE },
                                 { "fused", A_NULL_OR_FALSE }, { NULL } };
  static const ArgDef adamw[] = { { "lr", A_NUM }, { "betas", A_NUM_LIST }, { "eps", A_NUM }, { "weight_decay", A_NUM },
                                  { "amsgrad", A_BOOL }, { "maximize", A_BOOL }, { "foreach", A_NULL_OR_FALSE },
                                  { "capturable", A_NULL_OR_FALSE }, { NULL } };
  static const ArgDef rms[] = { { "lr", A_NUM }, { "alpha", A_NUM }, { "eps", A_NUM }, { "weight_decay", A_NUM },
                                { "momentum", A_NUM }, { "centered", A_BOOL }, { "foreach", A_NULL_OR_FALSE },
                                { "maximize", A_BOOL }, { "differentiable", A_NULL_OR_FALSE }, { NULL } };
  static const ArgDef adagrad[] = { { "lr", A_NUM }, { "lr_decay", A_NUM }, { "weight_decay", A_NUM },
                                    { "initial_accumulator_value", A_NUM }, { "eps", A_NUM },
                                    { "foreach", A_NULL_OR_FALSE }, { "maximize", A_BOOL },
                                    { "differentiable", A_NULL_OR_FALSE }, { NULL } };
  const ArgDef *defs[] = { sgd, adam, adamw, rms, adagrad };
  ps_optim_config_init (cfg, kind);
  g_autofree char *what = g_strdup_printf ("%s()", type);
  if (!check_args (args, what, defs[kind], error))
    return FALSE;
  cfg->lr = num (args, "lr", cfg->lr);
  if (json_object_has_member (args, "lr"))
    cfg->lr_missing = FALSE;   /* SGD(lr=float('nan')) is taken, as torch takes it */
  cfg->momentum = num (args, "momentum", cfg->momentum);
  cfg->dampening = num (args, "dampening", cfg->dampening);
  cfg->weight_decay = num (args, "weight_decay", cfg->weight_decay);
  cfg->eps = num (args, "eps", cfg->eps);
  cfg->alpha = num (args, "alpha", cfg->alpha);
  cfg->lr_decay = num (args, "lr_decay", cfg->lr_decay);
  cfg->initial_accumulator_value = num (args, "initial_accumulator_value", cfg->initial_accumulator_value);
  if (json_object_has_member (args, "nesterov"))
    cfg->nesterov = json_object_get_boolean_member (args, "nesterov");
  if (json_object_has_member (args, "maximize"))
    cfg->maximize = json_object_get_boolean_member (args, "maximize");
  if (json_object_has_member (args, "amsgrad"))
    cfg->amsgrad = json_object_get_boolean_member (args, "amsgrad");
  if (json_object_has_member (args, "centered"))
    cfg->centered = json_object_get_boolean_member (args, "centered");
  if (json_object_has_member (args, "betas"))
    {
      JsonArray *b = json_object_get_array_member (args, "betas");
      if (json_array_get_length (b) != 2)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s: betas must be a pair (beta1, beta2)", what);
          return FALSE;
        }
      cfg->beta1 = number_or (json_array_get_element (b, 0), 0.0);
      cfg->beta2 = number_or (json_array_get_element (b, 1), 0.0);
      cfg->int_args |= (guint) is_int (json_array_get_element (b, 0)) << PS_OPTIM_ARG_BETA1;
      cfg->int_args |= (guint) is_int (json_array_get_element (b, 1)) << PS_OPTIM_ARG_BETA2;
    }
  /* which were Python ints (torch's messages print them as ints) */
  static const struct { const char *name; PsOptimArg arg; } ints[] = {
    { "lr", PS_OPTIM_ARG_LR }, { "momentum", PS_OPTIM_ARG_MOMENTUM }, { "dampening", PS_OPTIM_ARG_DAMPENING },
    { "weight_decay", PS_OPTIM_ARG_WEIGHT_DECAY }, { "eps", PS_OPTIM_ARG_EPS }, { "alpha", PS_OPTIM_ARG_ALPHA },
    { "lr_decay", PS_OPTIM_ARG_LR_DECAY }, { "initial_accumulator_value", PS_OPTIM_ARG_INITIAL_ACCUMULATOR_VALUE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (ints); i++)
    cfg->int_args |= (guint) is_int (json_object_get_member (args, ints[i].name)) << ints[i].arg;
  return TRUE;
}

static gboolean
sched_config_from_json (const char *type, JsonObject *args, PsSchedConfig *cfg, GError **error)
{
  PsSchedKind kind;
  if (!ps_sched_kind_from_name (type, &kind))
    {
      field_error (error, "type", "unknown scheduler '%s' (expected StepLR, MultiStepLR, ExponentialLR, "
                   "CosineAnnealingLR, LinearLR or OneCycleLR)", type);
      return FALSE;
    }
#define SCHED_COMMON { "last_epoch", A_INT }, { "verbose", A_BOOL }
  static const ArgDef step[] = { { "step_size", A_INT }, { "gamma", A_NUM }, SCHED_COMMON, { NULL } };
  static const ArgDef multi[] = { { "milestones", A_INT_LIST }, { "gamma", A_NUM }, SCHED_COMMON, { NULL } };
  static const ArgDef expo[] = { { "gamma", A_NUM }, SCHED_COMMON, { NULL } };
  static const ArgDef cosine[] = { { "T_max", A_INT }, { "eta_min", A_NUM }, SCHED_COMMON, { NULL } };
  static const ArgDef linear[] = { { "start_factor", A_NUM }, { "end_factor", A_NUM }, { "total_iters", A_INT },
                                   SCHED_COMMON, { NULL } };
  static const ArgDef onecycle[] = { { "max_lr", A_NUM }, { "total_steps", A_INT_OR_NULL }, { "epochs", A_INT_OR_NULL },
                                     { "steps_per_epoch", A_INT_OR_NULL }, { "pct_start", A_NUM },
                                     { "anneal_strategy", A_STR }, { "cycle_momentum", A_BOOL },
                                     { "base_momentum", A_NUM }, { "max_momentum", A_NUM }, { "div_factor", A_NUM },
                                     { "final_div_factor", A_NUM }, { "three_phase", A_BOOL }, SCHED_COMMON, { NULL } };
#undef SCHED_COMMON
  const ArgDef *defs[] = { step, multi, expo, cosine, linear, onecycle };
  ps_sched_config_init (cfg, kind);
  g_autofree char *what = g_strdup_printf ("%s()", type);
  if (!check_args (args, what, defs[kind], error))
    return FALSE;
  /* Python's ints do not overflow; the scheduler's int64 arithmetic would beyond ±2^62 */
  const char *int_names[] = { "step_size", "T_max", "total_iters", "last_epoch", "total_steps", "epochs",
                              "steps_per_epoch" };
  int64_t *int_dst[] = { &cfg->step_size, &cfg->t_max, &cfg->total_iters, &cfg->last_epoch, &cfg->total_steps,
                         &cfg->epochs, &cfg->steps_per_epoch };
  for (guint i = 0; i < G_N_ELEMENTS (int_names); i++)
    {
      JsonNode *v = json_object_get_member (args, int_names[i]);
      if (v == NULL || JSON_NODE_HOLDS_NULL (v))
        continue;
      int64_t x = json_node_get_int (v);
      if (x >= ((int64_t) 1 << 62) || x <= -((int64_t) 1 << 62))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s: %s %" G_GINT64_FORMAT " is beyond what "
                       "Paramscope counts (2^62)", what, int_names[i], x);
          return FALSE;
        }
      *int_dst[i] = x;
    }
  cfg->gamma = num (args, "gamma", cfg->gamma);
  if (json_object_has_member (args, "gamma"))
    cfg->gamma_missing = FALSE;
  if (json_object_has_member (args, "milestones"))
    {
      JsonArray *a = json_object_get_array_member (args, "milestones");
      if (json_array_get_length (a) > G_N_ELEMENTS (cfg->milestones))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s: at most %u milestones are supported", what,
                       (guint) G_N_ELEMENTS (cfg->milestones));
          return FALSE;
        }
      cfg->n_milestones = (int) json_array_get_length (a);
      for (int i = 0; i < cfg->n_milestones; i++)
        cfg->milestones[i] = json_array_get_int_element (a, i);
    }
  cfg->eta_min = num (args, "eta_min", cfg->eta_min);
  cfg->start_factor = num (args, "start_factor", cfg->start_factor);
  cfg->end_factor = num (args, "end_factor", cfg->end_factor);
  cfg->max_lr = num (args, "max_lr", cfg->max_lr);
  if (json_object_has_member (args, "max_lr"))
    cfg->max_lr_missing = FALSE;
  if (json_object_has_member (args, "verbose"))
    cfg->verbose = json_object_get_boolean_member (args, "verbose");
  /* which were Python ints (isinstance checks, messages, int / int) */
  static const struct { const char *name; PsSchedArg arg; } float_ints[] = {
    { "pct_start", PS_SCHED_ARG_PCT_START }, { "start_factor", PS_SCHED_ARG_START_FACTOR },
    { "end_factor", PS_SCHED_ARG_END_FACTOR }, { "max_lr", PS_SCHED_ARG_MAX_LR }, { "div_factor", PS_SCHED_ARG_DIV_FACTOR },
  };
  for (guint i = 0; i < G_N_ELEMENTS (float_ints); i++)
    cfg->int_args |= (guint) is_int (json_object_get_member (args, float_ints[i].name)) << float_ints[i].arg;
  cfg->pct_start = num (args, "pct_start", cfg->pct_start);
  if (json_object_has_member (args, "anneal_strategy"))
    {
      const char *s = json_object_get_string_member (args, "anneal_strategy");
      if (strcmp (s, "cos") != 0 && strcmp (s, "linear") != 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "anneal_strategy must by one of 'cos' or 'linear', instead got %s", s);
          return FALSE;
        }
      cfg->anneal_cos = strcmp (s, "cos") == 0;
    }
  if (json_object_has_member (args, "cycle_momentum"))
    cfg->cycle_momentum = json_object_get_boolean_member (args, "cycle_momentum");
  if (json_object_has_member (args, "three_phase"))
    cfg->three_phase = json_object_get_boolean_member (args, "three_phase");
  cfg->base_momentum = num (args, "base_momentum", cfg->base_momentum);
  cfg->max_momentum = num (args, "max_momentum", cfg->max_momentum);
  cfg->div_factor = num (args, "div_factor", cfg->div_factor);
  cfg->final_div_factor = num (args, "final_div_factor", cfg->final_div_factor);
  return TRUE;
}

/* ---------- the op's fields ----------
 * Each training op's fields are typed members of its struct in the PsOp union (ps-op.h), parsed and
 * type-checked once at load by the op table's field types (ps-op.c: non-empty strings, integers,
 * booleans, numbers, JSON objects); only the masks parse here. Apply, describe and the exporter
 * read the struct. The "args" and "loss" objects stay JSON objects (a torch constructor's keyword
 * arguments, checked when applied). */

/* A train op's attention mask: as the forward op's (ps_recipe_parse_mask), but fixed — "value",
 * "zeros" or "ones" — so the loop draws nothing for it. */
static gboolean
parse_mask (PsOp *op, gpointer slot, JsonNode *node, guint index, GError **error)
{
  const char *name = "?";
  for (const PsOpField *f = op->kind->fields; f->name; f++)
    if ((char *) op + f->offset == (char *) slot)
      name = f->name;
  PsOpMask *m = slot;
  g_autoptr (GError) e = NULL;
  if (!ps_recipe_parse_mask (node, &m->spec, &m->is_bool, &e))
    {
      ps_op_parse_error (error, index, op->kind->name, name, "%s", e->message);
      return FALSE;
    }
  const PsInputKind kind = m->spec.kind;
  if (!(kind == PS_INPUT_VALUE || kind == PS_INPUT_ZEROS || kind == PS_INPUT_ONES))
    {
      ps_input_spec_clear (&m->spec);
      ps_op_parse_error (error, index, op->kind->name, name,
                         "a train op's mask is the same for every batch: give \"value\", "
                         "\"zeros\" or \"ones\"");
      return FALSE;
    }
  return TRUE;
}

/* The mask tensor of a train op's mask field (fixed: no draws; bool masks as int64 0/1). */
static PsTensor *
train_mask_tensor (const PsOpMask *m, gboolean *is_bool, GError **error)
{
  const PsInputSpec *spec = &m->spec;
  *is_bool = m->is_bool;
  PsTensor *t = ps_tensor_new (spec->dtype, spec->ndim, spec->shape, error);
  for (int64_t i = 0; t != NULL && i < t->numel; i++)
    {
      double v = spec->kind == PS_INPUT_VALUE ? g_array_index (spec->values, double, i)
                                              : spec->kind == PS_INPUT_ONES ? 1.0 : 0.0;
      if (spec->dtype == PS_DTYPE_FLOAT32)
        ps_tensor_f32 (t)[i] = (float) v;
      else
        ps_tensor_i64 (t)[i] = spec->kind == PS_INPUT_VALUE ? g_array_index (spec->exact_ints, int64_t, i) : (int64_t) v;
    }
  return t;
}

/* Checks across fields, after each field parsed (kinds without one have none). */
static gboolean
check_dataset (PsOp *op, guint index, GError **error)
{
  const PsOpDataset *d = &op->u.dataset;
  gboolean has_type = d->o.type != NULL, has_file = d->file != NULL;
  if (has_type == has_file)
    {
      ps_op_parse_error (error, index, op->kind->name, "type",
                         "give either \"type\" (xor, circles, blobs, fashion_mnist) or \"file\"");
      return FALSE;
    }
  const gboolean npy = has_file && g_str_has_suffix (d->file, ".npy");
  if (npy && d->y == NULL)
    {
      ps_op_parse_error (error, index, op->kind->name, "y",
                         "missing (the .npy file of the targets, beside the inputs' file)");
      return FALSE;
    }
  if (npy && d->x != NULL)
    {
      ps_op_parse_error (error, index, op->kind->name, "x",
                         "a .npy file holds one array: \"file\" is the inputs, \"y\" the targets' .npy file");
      return FALSE;
    }
  if (npy && !g_str_has_suffix (d->y, ".npy"))
    {
      ps_op_parse_error (error, index, op->kind->name, "y",
                         "expected the targets' .npy file (the inputs are a .npy file)");
      return FALSE;
    }
  if (has_file && !npy && (d->x == NULL || d->y == NULL))
    {
      ps_op_parse_error (error, index, op->kind->name, d->x != NULL ? "y" : "x",
                         "missing (the array names of inputs and targets in the file)");
      return FALSE;
    }
  if (!npy && d->y_sha256 != NULL)
    {
      ps_op_parse_error (error, index, op->kind->name, "y_sha256",
                         "only for a .npy targets file (\"sha256\" pins the data file)");
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_train (PsOp *op, guint index, GError **error)
{
  const PsOpTrain *t = &op->u.train;
  if (ps_op_has_field (op, "epochs") == ps_op_has_field (op, "steps"))
    {
      ps_op_parse_error (error, index, op->kind->name, "epochs", "give exactly one of \"epochs\" and \"steps\"");
      return FALSE;
    }
  const char *ints[] = { "batch_size", "epochs", "steps", "record_every" };
  const gint64 vals[] = { t->batch_size, t->epochs, t->steps, t->record_every };
  for (int i = 0; i < 4; i++)
    if (ps_op_has_field (op, ints[i]) && vals[i] < 1)
      {
        ps_op_parse_error (error, index, op->kind->name, ints[i], "must be at least 1");
        return FALSE;
      }
  if (t->scheduler_every != NULL)
    {
      const char *e = t->scheduler_every;
      if (strcmp (e, "epoch") != 0 && strcmp (e, "step") != 0)
        {
          ps_op_parse_error (error, index, op->kind->name, "scheduler_every",
                             "expected \"epoch\" or \"step\", got \"%s\"", e);
          return FALSE;
        }
    }
  /* clip_grad_norm_ takes any max_norm (0, negative, NaN, inf: torch 1.13 checks nothing) */
  return TRUE;
}

/* ---------- lookups ---------- */

static PsTrainObject *
lookup (PsState *state, const char *id, const char *field, PsTrainObjectKind kind, GError **error)
{
  static const char *const names[] = { "data set", "optimizer", "scheduler" };
  PsTrainObject *o = ps_state_get_train_object (state, id);
  if (o == NULL || o->kind != kind)
    {
      field_error (error, field, "no %s with id '%s'", names[kind], id);
      return NULL;
    }
  return o;
}

static gboolean
check_new_id (PsState *state, const char *id, GError **error)
{
  if (ps_state_get_train_object (state, id) != NULL || ps_state_get_module (state, id) != NULL)
    {
      field_error (error, "id", "'%s' is already used", id);
      return FALSE;
    }
  return TRUE;
}

/* ---------- dataset / optimizer / scheduler ---------- */

/* The whole data file, its bytes counted against the memory budget while they are held (the arrays
 * parsed from them are allocated beside them): a file that does not fit is an error naming the
 * budget, before anything is read. */
static void
holder_free (gpointer t)
{
  ps_tensor_unref (t);
}

static GBytes *
read_counted (const char *path, const char *file, GError **error)
{
  int fd = ps_regular_file_open (path, error);
  if (fd < 0)
    return NULL;
  struct stat sb;
  if (fstat (fd, &sb) != 0)
    {
      int e = errno;
      close (fd);
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: %s", path, g_strerror (e));
      return NULL;
    }
  const guint64 size = (guint64) sb.st_size;
  g_autofree char *what = g_strdup_printf ("the bytes of %s", file);
  const int64_t n = (int64_t) ((size + 3) / 4);
  PsTensor *holder = ps_tensor_check_scratch (size, what, error) ? ps_tensor_new_empty (PS_DTYPE_FLOAT32, 1, &n, error)
                                                                  : NULL;
  if (holder == NULL)
    {
      close (fd);
      return NULL;
    }
  guint8 *buf = holder->data;
  guint64 got = 0;
  while (got < size)
    {
      ssize_t r = read (fd, buf + got, (size_t) MIN (size - got, (guint64) 1 << 30));
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        {
          int e = errno;
          close (fd);
          ps_tensor_unref (holder);
          g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: %s", path, r < 0 ? g_strerror (e) : "the file got shorter while reading");
          return NULL;
        }
      got += (guint64) r;
    }
  close (fd);
  return g_bytes_new_with_free_func (buf, (gsize) size, holder_free, holder);
}

/* A float32 or int64 array with one row per sample, as a data set keeps it. */
static gboolean
check_data_array (const PsTensor *t, const char *field, const char *name, const char *file, GError **error)
{
  if (t->dtype != PS_DTYPE_FLOAT32 && t->dtype != PS_DTYPE_INT64)
    {
      field_error (error, field, "array '%s' of %s is %s; data sets take float32 (inputs, regression targets) or "
                   "int64 (class indices, Embedding inputs): convert it before saving", name, file,
                   ps_dtype_name (t->dtype));
      return FALSE;
    }
  if (t->ndim < 1)
    {
      field_error (error, field, "array '%s' of %s is a scalar; a data set needs one row per sample", name, file);
      return FALSE;
    }
  return TRUE;
}

/* One .npy file (numpy.save), budget-counted and optionally pinned by `pin_field` */
static PsTensor *
npy_array (const char *base_dir, const char *file, const char *field, const char *pin_field, const char *pin,
           GError **error)
{
  if (pin != NULL && (strlen (pin) != 64 || strspn (pin, "0123456789abcdefABCDEF") != 64))
    {
      field_error (error, pin_field, "expected 64 hexadecimal digits");
      return NULL;
    }
  g_autofree char *path = g_path_is_absolute (file) || base_dir == NULL ? g_strdup (file)
                                                                        : g_build_filename (base_dir, file, NULL);
  g_autoptr (GError) local = NULL;
  g_autoptr (GBytes) bytes = read_counted (path, file, &local);
  if (bytes == NULL)
    {
      field_error (error, field, "%s", local->message);
      return NULL;
    }
  if (pin != NULL)
    {
      g_autofree char *sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
      if (g_ascii_strcasecmp (sum, pin) != 0)
        {
          field_error (error, pin_field, "%s has sha256 %s, not the one the recipe pins", path, sum);
          return NULL;
        }
    }
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  PsTensor *t = ps_npy_load_from_data (data, len, NULL, &local);
  if (t == NULL)
    {
      field_error (error, field, "%s: %s", file, local->message);
      return NULL;
    }
  if (!check_data_array (t, field, file, file, error))
    {
      ps_tensor_unref (t);
      return NULL;
    }
  return t;
}

/* One named array of a data file, float32 or int64 as TensorDataset keeps it. */
static PsTensor *
data_array (PsNpz *npz, PsCheckpoint *ck, const char *file, const char *field, const char *name, GError **error)
{
  gboolean found = npz ? ps_npz_lookup (npz, name) != NULL : ps_checkpoint_lookup (ck, name) != NULL;
  if (!found)
    {
      GString *names = g_string_new (NULL);
      guint n = npz ? ps_npz_get_n_arrays (npz) : ps_checkpoint_get_n_entries (ck);
      for (guint i = 0; i < n && i < 20; i++)
        g_string_append_printf (names, "%s'%s'", i ? ", " : "",
                                npz ? ps_npz_get_info (npz, i)->name : ps_checkpoint_get_entry (ck, i)->name);
      if (n > 20)
        g_string_append (names, ", …");
      g_autofree char *list = g_string_free (names, FALSE);
      field_error (error, field, "%s has no array '%s' (it has %s)", file, name, n ? list : "none");
      return NULL;
    }
  g_autoptr (GError) local = NULL;
  PsTensor *t = npz ? ps_npz_load (npz, name, &local) : ps_checkpoint_load (ck, name, &local);
  if (t == NULL)
    {
      field_error (error, field, "array '%s' of %s: %s", name, file, local->message);
      return NULL;
    }
  if (!check_data_array (t, field, name, file, error))
    {
      ps_tensor_unref (t);
      return NULL;
    }
  return t;
}

/* TensorDataset(torch.as_tensor(f[x]), torch.as_tensor(f[y])) of a user's file: .npz (numpy.savez),
 * .safetensors, or a torch.save'd dict of tensors; path relative to the recipe, optionally pinned
 * by SHA-256 over exactly the bytes read. Tensors count against the memory budget. */
static PsDataset *
dataset_from_file (const PsOpDataset *d, const char *base_dir, GError **error)
{
  const char *file = d->file;
  const char *xn = d->x;
  const char *yn = d->y;
  const char *pin = d->sha256;
  if (pin != NULL && (strlen (pin) != 64 || strspn (pin, "0123456789abcdefABCDEF") != 64))
    {
      field_error (error, "sha256", "expected 64 hexadecimal digits");
      return NULL;
    }
  g_autofree char *path = g_path_is_absolute (file) || base_dir == NULL ? g_strdup (file)
                                                                        : g_build_filename (base_dir, file, NULL);
  g_autofree char *lower = g_ascii_strdown (file, -1);
  g_autofree char *sum = NULL;
  g_autoptr (PsNpz) npz = NULL;
  g_autoptr (PsCheckpoint) ck = NULL;
  g_autoptr (GError) local = NULL;
  if (g_str_has_suffix (lower, ".npy"))
    {
      /* TensorDataset(torch.as_tensor(numpy.load(file)), torch.as_tensor(numpy.load(y))) */
      g_autoptr (PsTensor) x = npy_array (base_dir, file, "file", "sha256", d->sha256, error);
      g_autoptr (PsTensor) y = x ? npy_array (base_dir, yn, "y", "y_sha256", d->y_sha256, error) : NULL;
      if (y == NULL)
        return NULL;
      PsDataset *nd = ps_dataset_new (x, y, &local);
      if (nd == NULL)
        field_error (error, "file", "%s: %s", file, local->message);
      return nd;
    }
  if (g_str_has_suffix (lower, ".csv"))
    {
      g_autoptr (GBytes) bytes = read_counted (path, file, &local);
      if (bytes == NULL)
        {
          field_error (error, "file", "%s", local->message);
          return NULL;
        }
      sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
      if (pin != NULL && g_ascii_strcasecmp (sum, pin) != 0)
        {
          field_error (error, "sha256", "%s has sha256 %s, not the one the recipe pins", path, sum);
          return NULL;
        }
      /* x: comma-separated column names, or "*" for every column but y */
      g_auto (GStrv) cols = strcmp (xn, "*") == 0 ? NULL : g_strsplit (xn, ",", -1);
      for (guint i = 0; cols && cols[i]; i++)
        g_strstrip (cols[i]);
      g_autoptr (PsTensor) cx = NULL, cy = NULL;
      if (!ps_csv_read_xy (bytes, file, (const char *const *) cols, yn, &cx, &cy, &local))
        {
          g_autofree char *ymiss = g_strdup_printf ("no column '%s'", yn);
          field_error (error, !g_error_matches (local, PS_ERROR, PS_ERROR_NOT_FOUND) ? "file"
                              : strstr (local->message, ymiss) ? "y" : "x", "%s", local->message);
          return NULL;
        }
      PsDataset *cd = ps_dataset_new (cx, cy, &local);
      if (cd == NULL)
        field_error (error, "file", "%s: %s", file, local->message);
      return cd;
    }
  if (g_str_has_suffix (lower, ".npz"))
    {
      /* read once: the pin covers exactly the bytes parsed */
      g_autoptr (GBytes) bytes = read_counted (path, file, &local);
      if (bytes != NULL)
        {
          sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
          npz = ps_npz_new_from_bytes (bytes, &local);
        }
    }
  else
    ck = ps_checkpoint_open_state_dict (path, pin ? &sum : NULL, &local);
  if (npz == NULL && ck == NULL)
    {
      field_error (error, "file", "%s", local->message);
      return NULL;
    }
  if (pin != NULL && g_ascii_strcasecmp (sum, pin) != 0)
    {
      field_error (error, "sha256", "%s has sha256 %s, not the one the recipe pins", path, sum);
      return NULL;
    }
  g_autoptr (PsTensor) x = data_array (npz, ck, file, "x", xn, error);
  if (x == NULL)
    return NULL;
  g_autoptr (PsTensor) y = data_array (npz, ck, file, "y", yn, error);
  if (y == NULL)
    return NULL;
  PsDataset *ds = ps_dataset_new (x, y, &local);
  if (ds == NULL)
    field_error (error, "file", "%s: %s", file, local->message);
  return ds;
}

static gboolean
apply_dataset (PsState *state, const PsOp *op, guint op_number, const PsOpContext *ctx, GError **error)
{
  const char *base_dir = ctx ? ctx->base_dir : NULL;
  const PsOpDataset *od = &op->u.dataset;
  const char *id = od->o.id;
  if (!check_new_id (state, id, error))
    return FALSE;
  if (od->file != NULL)
    {
      g_autoptr (PsDataset) fd = dataset_from_file (od, base_dir, error);
      if (fd == NULL)
        return FALSE;
      g_autoptr (PsTrainObject) fo = ps_train_object_new_dataset (od->file, fd);
      ps_state_set_train_object (state, id, fo);
      return TRUE;
    }
  const char *type = od->o.type;
  JsonObject *args = od->o.args;
  g_autoptr (PsDataset) d = NULL;
  if (strcmp (type, "fashion_mnist") == 0)
    {
      static const ArgDef defs[] = { { "split", A_STR }, { "limit", A_INT }, { NULL } };
      if (args && !check_args (args, "fashion_mnist", defs, error))
        return FALSE;
      const char *split = args && json_object_has_member (args, "split") ? json_object_get_string_member (args, "split") : "train";
      int64_t limit = args && json_object_has_member (args, "limit") ? json_object_get_int_member (args, "limit") : 0;
      d = ps_fashion_mnist_load (split, limit, error);
    }
  else
    {
      static const ArgDef defs[] = { { "n", A_INT }, { NULL } };
      g_autofree char *what = g_strdup_printf ("dataset '%s'", type);
      if (args && !check_args (args, what, defs, error))
        return FALSE;
      int64_t n = args && json_object_has_member (args, "n") ? json_object_get_int_member (args, "n") : 200;
      PsGenerator saved = state->gen;
      d = ps_dataset_new_toy (type, n, &state->gen, error);
      if (d == NULL)
        state->gen = saved;
    }
  if (d == NULL)
    return FALSE;
  g_autoptr (PsTrainObject) o = ps_train_object_new_dataset (type, d);
  ps_state_set_train_object (state, id, o);
  return TRUE;
}

static gboolean
apply_optimizer (PsState *state, const PsOp *op, guint op_number, const PsOpContext *ctx, GError **error)
{
  const PsOpOptimizer *oo = &op->u.optimizer;
  const char *id = oo->o.id;
  if (!check_new_id (state, id, error))
    return FALSE;
  const char *type = oo->o.type;
  const char *params = oo->params;
  PsModule *m = ps_state_get_module (state, params);
  if (m == NULL)
    {
      field_error (error, "params", "no module with id '%s'", params);
      return FALSE;
    }
  g_autoptr (JsonObject) empty = json_object_new ();
  JsonObject *args = oo->o.args ? oo->o.args : empty;
  PsOptimConfig cfg;
  if (!optim_config_from_json (type, args, &cfg, error))
    return FALSE;
  PsOptimizer *opt = ps_optimizer_new (&cfg, m, error);
  if (opt == NULL)
    return FALSE;
  g_autoptr (PsTrainObject) o = ps_train_object_new_optimizer (type, opt, params);
  ps_state_set_train_object (state, id, o);
  return TRUE;
}

static gboolean
apply_scheduler (PsState *state, const PsOp *op, guint op_number, const PsOpContext *ctx, GError **error)
{
  const PsOpScheduler *os = &op->u.scheduler;
  const char *id = os->o.id;
  if (!check_new_id (state, id, error))
    return FALSE;
  PsTrainObject *oo = lookup (state, os->optimizer, "optimizer", PS_TRAIN_OPTIMIZER, error);
  if (oo == NULL)
    return FALSE;
  g_autoptr (JsonObject) empty = json_object_new ();
  JsonObject *args = os->o.args ? os->o.args : empty;
  PsSchedConfig cfg;
  const char *type = os->o.type;
  if (!sched_config_from_json (type, args, &cfg, error))
    return FALSE;
  g_autoptr (PsTrainObject) opt = ps_train_object_copy (oo);   /* the scheduler's initial step sets its lr */
  PsScheduler *s = ps_scheduler_new (&cfg, opt->optimizer, error);
  if (s == NULL)
    return FALSE;
  g_autoptr (PsTrainObject) so = ps_train_object_new_scheduler (type, s, os->optimizer);
  ps_state_set_train_object (state, os->optimizer, opt);
  ps_state_set_train_object (state, id, so);
  return TRUE;
}

/* ---------- forward with a loss, backward, step, zero_grad, scheduler_step ---------- */

gboolean
ps_train_forward_with_loss (PsState *state, const char *target_id, PsModule *target, PsTensor *x,
                            const PsLoss *loss, PsTensor *t, const char *name, GError **error)
{
  PsTape *tape = ps_tape_new ();
  g_autoptr (PsTensor) y = ps_tape_forward (tape, target, x, &state->gen, error);
  g_autoptr (PsTensor) gout = NULL;
  g_autoptr (PsTensor) l = y ? ps_loss_compute_full (loss, y, ps_loss_input_swapped (target, y), t,
                                                   loss->reduction == PS_REDUCTION_NONE ? NULL : &gout, error)
                             : NULL;
  if (l == NULL)
    {
      ps_tape_free (tape);
      return FALSE;
    }
  ps_state_set_output (state, name, l);
  g_clear_pointer (&state->graph, ps_train_graph_unref);
  if (gout != NULL)
    {
      ps_loss_mark_grad_rows (loss, target, y, tape);   /* the later backward op's element-wise layout */
      state->graph = ps_train_graph_new (tape, target_id, name, gout);
    }
  else
    ps_tape_free (tape);
  return TRUE;
}

static gboolean
apply_backward (PsState *state, const PsOp *op, guint op_number, const PsOpContext *ctx, GError **error)
{
  const char *out = op->u.backward.output;
  if (ps_state_get_output (state, out) == NULL)
    {
      field_error (error, "output", "no output named '%s'", out);
      return FALSE;
    }
  if (state->graph == NULL || strcmp (state->graph->output, out) != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "Trying to backward through the graph a second time (or directly access saved tensors after "
                   "they have already been freed). '%s' is not the loss of the last forward with a \"loss\"", out);
      return FALSE;
    }
  if (!ps_tape_backward (state->graph->tape, state->graph->grad_output, error))
    return FALSE;
  g_clear_pointer (&state->graph, ps_train_graph_unref);   /* retain_graph=False */
  return TRUE;
}

static PsTrainObject *
writable_copy (PsState *state, PsTrainObject *o, const char *id)
{
  g_autoptr (PsTrainObject) c = ps_train_object_copy (o);
  ps_state_set_train_object (state, id, c);
  return c;   /* the state holds it */
}

static gboolean
optimizer_call (PsState *state, const PsOp *op, gboolean zero_grad, GError **error)
{
  PsTrainObject *oo = lookup (state, op->u.train_call.optimizer, "optimizer", PS_TRAIN_OPTIMIZER, error);
  if (oo == NULL)
    return FALSE;
  PsModule *m = ps_state_get_module (state, oo->model_id);
  if (m == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "the optimizer's model '%s' no longer exists", oo->model_id);
      return FALSE;
    }
  PsTrainObject *o = writable_copy (state, oo, op->u.train_call.optimizer);
  if (zero_grad)
    {
      gboolean to_none = op->u.train_call.set_to_none;
      return ps_optimizer_zero_grad (o->optimizer, m, to_none, error);
    }
  if (!ps_optimizer_step (o->optimizer, m, state->gen.flavour, error))
    return FALSE;
  o->n_steps++;
  return TRUE;
}

static gboolean
apply_scheduler_step (PsState *state, const PsOp *op, guint op_number, const PsOpContext *ctx, GError **error)
{
  PsTrainObject *so = lookup (state, op->u.train_call.scheduler, "scheduler", PS_TRAIN_SCHEDULER, error);
  if (so == NULL)
    return FALSE;
  PsTrainObject *oo = ps_state_get_train_object (state, so->optimizer_id);
  g_return_val_if_fail (oo != NULL, FALSE);
  PsTrainObject *s = writable_copy (state, so, op->u.train_call.scheduler);
  PsTrainObject *o = writable_copy (state, oo, s->optimizer_id);
  return ps_scheduler_step (s->scheduler, o->optimizer, error);
}

/* ---------- train ---------- */

/* Per thread: the app trains in a worker while the main thread may replay other recipes. */
static _Thread_local PsTrainProgressFunc progress_fn = NULL;
static _Thread_local gpointer progress_data = NULL;
static _Thread_local PsTrainRecordFunc record_fn = NULL;
static _Thread_local gpointer record_data = NULL;

void
ps_train_ops_set_progress (PsTrainProgressFunc fn, gpointer data)
{
  progress_fn = fn;
  progress_data = data;
}

void
ps_train_ops_set_record_hook (PsTrainRecordFunc fn, gpointer data)
{
  record_fn = fn;
  record_data = data;
}

static void
moments (const float *x, int64_t n, double *mean, double *std)
{
  double s = 0.0;
  for (int64_t i = 0; i < n; i++)
    s += x[i];
  double m = n > 0 ? s / (double) n : 0.0, q = 0.0;
  for (int64_t i = 0; i < n; i++)
    q += ((double) x[i] - m) * ((double) x[i] - m);
  *mean = m;
  *std = n > 1 ? sqrt (q / (double) (n - 1)) : 0.0;
}

/* Per-parameter and per-layer statistics of one step. before: the parameter values before it.
 * A parameter's gradient norm is torch.norm(p.grad) at the recipe's flavour and this process's ATen
 * capability, as clip_grad_norm_ computes it (ps-clip-grad.c). */
static void
record_stats (PsTrainRecord *r, const char *model_id, PsModule *model, GHashTable *before, const PsTape *tape,
              GHashTable *module_paths, PsFlavour flavour)
{
  g_autoptr (GPtrArray) items = ps_module_named_parameters (model);
  for (guint i = 0; i < items->len; i++)
    {
      PsNamedItem *it = items->pdata[i];
      PsParamStat s = { g_strdup_printf ("%s.%s", model_id, it->path), 0.0, 0.0, 0.0, NAN };
      PsTensor *old = g_hash_table_lookup (before, it->param);
      const PsTensor *v = it->param->value;
      if (it->param->grad != NULL)
        s.grad_norm = ps_grad_norm2_flavour (ps_tensor_cf32 (it->param->grad), it->param->grad->numel, flavour);
      if (old != NULL && v != NULL && old->numel == v->numel)
        {
          g_autofree float *d = g_new (float, MAX (v->numel, 1));
          for (int64_t k = 0; k < v->numel; k++)
            d[k] = ps_tensor_cf32 (v)[k] - ps_tensor_cf32 (old)[k];
          double dm, ds, om, os, q = 0.0;
          for (int64_t k = 0; k < v->numel; k++)
            q += (double) d[k] * (double) d[k];
          s.update_norm = sqrt (q);
          moments (d, v->numel, &dm, &ds);
          moments (ps_tensor_cf32 (old), old->numel, &om, &os);
          s.update_ratio = os > 0.0 ? ds / os : 0.0;
        }
      if (it->param->grad != NULL && v != NULL && it->param->grad->numel == v->numel && v->numel > 1)
        {
          double gm, gs, vm, vs;
          moments (ps_tensor_cf32 (it->param->grad), v->numel, &gm, &gs);
          moments (ps_tensor_cf32 (v), v->numel, &vm, &vs);
          s.grad_ratio = vs > 0.0 ? gs / vs : NAN;
        }
      g_array_append_val (r->params, s);
    }
  for (guint i = 0; i < ps_tape_n_entries (tape); i++)
    {
      const PsTapeEntry *e = ps_tape_entry (tape, i);
      if (e->output == NULL || e->output->dtype != PS_DTYPE_FLOAT32)
        continue;
      const char *path = g_hash_table_lookup (module_paths, e->module);
      PsLayerStat s = { g_strdup (path ? path : "?"), g_strdup (ps_module_class_name (e->module)), 0, 0, 0, 0 };
      const float *y = ps_tensor_cf32 (e->output);
      const int64_t n = e->output->numel;
      moments (y, n, &s.mean, &s.std);
      int64_t sat = 0, dead = 0;
      for (int64_t k = 0; k < n; k++)
        {
          sat += fabsf (y[k]) > 0.97f;
          dead += y[k] == 0.0f;
        }
      s.saturated = n ? (double) sat / (double) n : 0.0;
      s.dead = n ? (double) dead / (double) n : 0.0;
      g_array_append_val (r->layers, s);
    }
}

/* Everything a train op's loop works with, resolved from the op and a state: the op's own state, or
 * the clone of a snapshot when a dropped sub-step is replayed (ps_train_log_get_state). */
typedef struct {
  const char *model_id, *opt_id, *sched_id;
  PsModule *model;
  PsDataset *data;          /* the state's, or float_data */
  PsDataset *float_data;    /* owned: class labels as float targets */
  PsLoss loss;
  PsTrainObject *o, *s;     /* writable copies stored in the state (s: NULL without a scheduler) */
  int64_t n, bs, nb, steps, every;
  gboolean clipping;      /* clip_grad_norm given (any value, as torch) */
  double clip;
  gboolean shuffle, by_epochs, sched_per_step;
  PsCallKwargs *kwargs;     /* owned: MultiheadAttention's masks, or NULL */
} TrainRun;

static void
train_run_clear (TrainRun *run)
{
  g_clear_pointer (&run->kwargs, ps_call_kwargs_unref);
  ps_loss_clear (&run->loss);
  g_clear_pointer (&run->float_data, ps_dataset_unref);
}

static gboolean
train_setup (PsState *state, const PsOp *op, TrainRun *run, GError **error)
{
  memset (run, 0, sizeof *run);
  const PsOpTrain *ot = &op->u.train;
  const char *model_id = ot->model;
  PsModule *model = ps_state_get_module (state, model_id);
  if (model == NULL)
    {
      field_error (error, "model", "no module with id '%s'", model_id);
      return FALSE;
    }
  PsTrainObject *oo = lookup (state, ot->optimizer, "optimizer", PS_TRAIN_OPTIMIZER, error);
  PsTrainObject *dd = oo ? lookup (state, ot->data, "data", PS_TRAIN_DATASET, error) : NULL;
  if (dd == NULL)
    return FALSE;
  const gboolean has_kp = ps_op_has_field (op, "key_padding_mask"), has_am = ps_op_has_field (op, "attn_mask");
  if ((has_kp || has_am) && !ps_module_class_takes_attention_kwargs (model->klass))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s.forward() got an unexpected keyword argument '%s'",
                   ps_module_class_name (model), has_kp ? "key_padding_mask" : "attn_mask");
      return FALSE;
    }
  if (has_kp || has_am)
    {
      run->kwargs = ps_call_kwargs_new ();
      if ((has_kp && (run->kwargs->key_padding_mask = train_mask_tensor (&ot->key_padding_mask,
                                                                          &run->kwargs->key_padding_mask_bool,
                                                                          error)) == NULL)
          || (has_am && (run->kwargs->attn_mask = train_mask_tensor (&ot->attn_mask,
                                                                      &run->kwargs->attn_mask_bool, error)) == NULL))
        {
          train_run_clear (run);
          return FALSE;
        }
    }
  if (strcmp (oo->model_id, model_id) != 0)
    {
      field_error (error, "optimizer", "optimizer '%s' was given the parameters of '%s', not of '%s'",
                   ot->optimizer, oo->model_id, model_id);
      return FALSE;
    }
  PsTrainObject *so = NULL;
  if (ot->scheduler != NULL)
    {
      so = lookup (state, ot->scheduler, "scheduler", PS_TRAIN_SCHEDULER, error);
      if (so == NULL)
        return FALSE;
      if (strcmp (so->optimizer_id, ot->optimizer) != 0)
        {
          field_error (error, "scheduler", "scheduler '%s' belongs to optimizer '%s'",
                       ot->scheduler, so->optimizer_id);
          return FALSE;
        }
    }
  g_autoptr (JsonNode) loss = json_node_init_object (json_node_alloc (), ot->loss);
  if (!ps_train_loss_from_json (loss, &run->loss, error))
    {
      train_run_clear (run);
      return FALSE;
    }
  if (run->loss.reduction == PS_REDUCTION_NONE)
    {
      train_run_clear (run);
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "grad can be implicitly created only for scalar outputs "
                   "(the train loop needs reduction 'mean' or 'sum')");
      return FALSE;
    }
  run->data = dd->dataset;
  if (!ps_loss_wants_indices (&run->loss) && run->data->y->dtype == PS_DTYPE_INT64 && run->data->y->ndim == 1)
    {
      /* float-target losses see the class labels as TensorDataset(X, y.float().unsqueeze(1)) */
      g_autoptr (PsTensor) t = ps_tensor_new_2d (PS_DTYPE_FLOAT32, run->data->y->shape[0], 1, error);
      if (t == NULL)
        {
          train_run_clear (run);
          return FALSE;
        }
      for (int64_t k = 0; k < t->numel; k++)
        ps_tensor_f32 (t)[k] = (float) ps_tensor_ci64 (run->data->y)[k];
      run->float_data = ps_dataset_new (run->data->x, t, error);
      if (run->float_data == NULL)
        {
          train_run_clear (run);
          return FALSE;
        }
      run->data = run->float_data;
    }
  run->n = ps_dataset_len (run->data);
  run->bs = ps_op_has_field (op, "batch_size") ? ot->batch_size : 1;
  run->shuffle = ot->shuffle;
  const gboolean drop_last = ot->drop_last;
  run->nb = ps_data_loader_n_batches (run->n, run->bs, drop_last);
  run->by_epochs = ps_op_has_field (op, "epochs");
  run->steps = run->by_epochs ? ot->epochs * run->nb : ot->steps;
  run->every = ps_op_has_field (op, "record_every") ? ot->record_every : 1;
  run->clipping = ps_op_has_field (op, "clip_grad_norm");
  run->clip = run->clipping ? ot->clip_grad_norm.value : 0.0;
  run->sched_per_step = ot->scheduler_every != NULL && strcmp (ot->scheduler_every, "step") == 0;
  if (run->nb == 0 && run->steps > 0)
    {
      train_run_clear (run);
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "the data loader yields no batch (%" G_GINT64_FORMAT " samples, batch_size %" G_GINT64_FORMAT
                   ", drop_last) and the loop would never end", run->n, run->bs);
      return FALSE;
    }
  run->model_id = model_id;
  run->model = model;
  run->opt_id = ot->optimizer;
  run->sched_id = so ? ot->scheduler : NULL;
  run->o = writable_copy (state, oo, run->opt_id);
  run->s = so ? writable_copy (state, so, run->sched_id) : NULL;
  return TRUE;
}

/* Keeping the sub-steps' snapshots within a memory budget (issue #12, "recorded over time"): every
 * record keeps its metrics; its snapshot state may be dropped and is then recomputed by replaying
 * the loop from the nearest earlier kept snapshot (or the op's starting state) — bit-identical, as a
 * snapshot carries the generator and the optimizer's state, and the log keeps each epoch's
 * generator from before its DataLoader order was drawn (to resume mid-epoch). Thinning: a snapshot
 * is kept when its record number is a multiple of `stride` (and the newest always); when the kept
 * snapshots' bytes exceed the budget, stride doubles — so a replay runs fewer than `stride`·every
 * steps. A snapshot's bytes are counted as its model's parameters, buffers and .grad plus the
 * optimizer's state (what a training step replaces), not the data set (shared by all). */
typedef struct {
  PsOp *op;                 /* ref */
  PsState *start;           /* the state the op started from */
  GArray *epoch_gens;       /* PsGenerator at each epoch's start, before its order was drawn */
  GArray *cost;             /* guint64 per record: its snapshot's bytes */
  guint64 budget, kept_bytes;
  guint64 stride;
} TrainReplay;

static void
train_replay_free (gpointer data)
{
  TrainReplay *rp = data;
  ps_op_unref (rp->op);
  ps_state_unref (rp->start);
  g_array_unref (rp->epoch_gens);
  g_array_unref (rp->cost);
  g_free (rp);
}

/* Per thread, like the hooks above: the timeline sets its budget around each op it applies. */
static _Thread_local gboolean have_snapshot_budget = FALSE;
static _Thread_local guint64 snapshot_budget = 0;

void
ps_train_ops_set_snapshot_budget (guint64 bytes)
{
  have_snapshot_budget = bytes != G_MAXUINT64;
  snapshot_budget = bytes;
}

static guint64
snapshot_bytes (PsModule *model, const PsOptimizer *opt)
{
  guint64 bytes = 0;
  g_autoptr (GPtrArray) sd = ps_module_state_dict (model);
  for (guint i = 0; i < sd->len; i++)
    {
      const PsParam *p = ((PsNamedItem *) sd->pdata[i])->param;
      bytes += (p->value ? ps_tensor_nbytes (p->value) : 0) + (p->grad ? ps_tensor_nbytes (p->grad) : 0);
    }
  g_autoptr (GPtrArray) params = ps_module_named_parameters (model);
  for (guint i = 0; i < params->len; i++)
    {
      const char *names[4];
      PsTensor *values[4];
      guint k = ps_optimizer_state_items (opt, i, names, values);   /* new refs, or NULL */
      for (guint j = 0; j < k; j++)
        if (values[j] != NULL)
          {
            bytes += ps_tensor_nbytes (values[j]);
            ps_tensor_unref (values[j]);
          }
    }
  return bytes;
}

static void
drop_snapshot (PsTrainLog *log, TrainReplay *rp, guint k)
{
  PsTrainRecord *r = log->records->pdata[k];
  if (r->state == NULL)
    return;
  g_clear_pointer (&r->state, ps_state_unref);
  rp->kept_bytes -= g_array_index (rp->cost, guint64, k);
}

/* after record log->records->len − 1 was added with its snapshot */
static void
thin_snapshots (PsTrainLog *log, TrainReplay *rp, guint64 cost)
{
  const guint len = log->records->len;
  g_array_append_val (rp->cost, cost);
  rp->kept_bytes += cost;
  if (len >= 2 && (len - 1) % rp->stride != 0)   /* the one before was kept as the newest only */
    drop_snapshot (log, rp, len - 2);
  while (rp->kept_bytes > rp->budget && rp->stride <= len)
    {
      rp->stride *= 2;
      for (guint k = 0; k + 1 < len; k++)
        if ((k + 1) % rp->stride != 0)
          drop_snapshot (log, rp, k);
    }
}

/* Runs the loop's steps from+1 … to (counted in this op) on state, which is after step `from` as
 * its snapshot was taken (before an epoch-end scheduler.step()). With `log` (the op itself) every
 * `every`-th step is recorded; without (a replay) the run stops at `to` as a snapshot would. */
static gboolean
train_loop (PsState *state, TrainRun *run, int64_t from, int64_t to, PsTrainLog *log, TrainReplay *rp,
            GCancellable *cancellable, GError **error)
{
  g_autoptr (GHashTable) module_paths = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  if (log != NULL)
    {
      g_autoptr (GPtrArray) mods = ps_module_named_modules (run->model, TRUE);
      for (guint i = 0; i < mods->len; i++)
        {
          PsNamedItem *it = mods->pdata[i];
          g_hash_table_insert (module_paths, it->module, g_strdup (it->path));
        }
    }
  g_autofree int64_t *order = g_new (int64_t, MAX (run->n, 1));
  g_autoptr (GHashTable) before = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) ps_tensor_unref);
  const int64_t nb = run->nb;
  gboolean ok = TRUE;
  int64_t step = from;
  if (from > 0 && from < to && from % nb == 0)
    {
      /* the epoch-end scheduler.step() that followed the snapshot */
      if (run->s != NULL && !run->sched_per_step && !ps_scheduler_step (run->s->scheduler, run->o->optimizer, error))
        return FALSE;
    }
  else if (from > 0 && from < to)
    {
      /* mid-epoch: the epoch's order, drawn again from the generator it was drawn from */
      g_return_val_if_fail (rp != NULL && (guint64) (from / nb) < rp->epoch_gens->len, FALSE);
      PsGenerator g = g_array_index (rp->epoch_gens, PsGenerator, from / nb);
      if (!ps_data_loader_epoch_order (&g, run->n, run->shuffle, order, error))
        return FALSE;
    }
  PsTape *tape = ps_tape_new ();
  while (ok && step < to)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      const int64_t epoch = step / nb, b = step % nb;
      if (b == 0)
        {
          if (log != NULL && rp != NULL)
            g_array_append_val (rp->epoch_gens, state->gen);
          if (!ps_data_loader_epoch_order (&state->gen, run->n, run->shuffle, order, error))
            {
              ok = FALSE;
              break;
            }
        }
      g_autoptr (PsTensor) xb = NULL, yb = NULL;
      if (!ps_dataset_batch (run->data, order + b * run->bs, MIN (run->bs, run->n - b * run->bs), &xb, &yb, error))
        {
          ok = FALSE;
          break;
        }
      const gboolean rec = log != NULL && (step + 1) % run->every == 0;
      g_hash_table_remove_all (before);
      if (rec)
        {
          g_autoptr (GPtrArray) items = ps_module_named_parameters (run->model);
          for (guint i = 0; i < items->len; i++)
            {
              PsParam *p = ((PsNamedItem *) items->pdata[i])->param;
              if (p->value)
                g_hash_table_insert (before, p, ps_tensor_ref (p->value));
            }
        }
      const double lr = ps_optimizer_get_lr (run->o->optimizer);
      PsTrainStepResult res;
      const PsCallKwargs *old_kw = ps_call_kwargs_set (run->kwargs);
      const gboolean stepped = ps_train_step_measure (run->model, tape, &run->loss, run->o->optimizer, xb, yb,
                                                      &state->gen, run->clipping, run->clip, rec, state->gen.flavour,
                                                      &res, error);
      ps_call_kwargs_set (old_kw);
      if (!stepped)
        {
          g_prefix_error (error, "step %" G_GINT64_FORMAT " (epoch %" G_GINT64_FORMAT ", batch %" G_GINT64_FORMAT "): ",
                          step + 1, epoch, b);
          ok = FALSE;
          break;
        }
      run->o->n_steps++;
      step++;
      if (log != NULL && progress_fn != NULL && !progress_fn (step, run->steps, res.loss, progress_data))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_FAILED, "interrupted at step %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT,
                       step, run->steps);
          ok = FALSE;
          break;
        }
      if (run->s != NULL && run->sched_per_step && !ps_scheduler_step (run->s->scheduler, run->o->optimizer, error))
        {
          ok = FALSE;
          break;
        }
      if (rec)
        {
          PsTrainRecord *r = ps_train_record_new ();
          r->step = run->o->n_steps;
          r->run_step = step;
          r->run_steps = run->steps;
          r->epoch = epoch;
          r->loss = res.loss;
          r->accuracy = res.correct >= 0 ? (double) res.correct / (double) res.count : NAN;
          r->lr = lr;
          r->grad_norm = res.grad_norm;
          record_stats (r, run->model_id, run->model, before, tape, module_paths, state->gen.flavour);
          r->state = ps_state_clone (state, NULL);
          g_ptr_array_add (log->records, r);
          if (record_fn != NULL)
            record_fn (r, record_data);
          if (rp != NULL)
            thin_snapshots (log, rp, snapshot_bytes (run->model, run->o->optimizer));
          /* the snapshot keeps these optimizer/scheduler objects: go on with copies */
          run->o = writable_copy (state, run->o, run->opt_id);
          if (run->s != NULL)
            run->s = writable_copy (state, run->s, run->sched_id);
        }
      /* scheduler.step() once per epoch, after the epoch's batches (not after a partial one); a
       * replay stops before the one that follows its last step, as the snapshot did */
      if (step % nb == 0 && run->s != NULL && !run->sched_per_step && (log != NULL || step < to)
          && !ps_scheduler_step (run->s->scheduler, run->o->optimizer, error))
        {
          ok = FALSE;
          break;
        }
    }
  ps_tape_free (tape);
  return ok;
}

static gboolean
apply_train (PsState *state, const PsOp *op, guint op_number, const PsOpContext *ctx, GError **error)
{
  /* before train_setup: the optimizer and scheduler objects it makes writable change in place */
  g_autoptr (PsState) start = have_snapshot_budget ? ps_state_clone (state, NULL) : NULL;
  TrainRun run;
  if (!train_setup (state, op, &run, error))
    return FALSE;
  g_autoptr (PsTrainLog) log = ps_train_log_new ();
  TrainReplay *rp = NULL;
  if (have_snapshot_budget)
    {
      rp = g_new0 (TrainReplay, 1);
      rp->op = ps_op_ref ((PsOp *) op);
      rp->start = g_steal_pointer (&start);
      rp->epoch_gens = g_array_new (FALSE, FALSE, sizeof (PsGenerator));
      rp->cost = g_array_new (FALSE, FALSE, sizeof (guint64));
      rp->budget = snapshot_budget;
      rp->stride = 1;
      log->replay = rp;
      log->replay_free = train_replay_free;
    }
  gboolean ok = train_loop (state, &run, 0, run.steps, log, rp, NULL, error);
  train_run_clear (&run);
  if (!ok)
    return FALSE;
  g_clear_pointer (&state->train_log, ps_train_log_unref);
  state->train_log = g_steal_pointer (&log);
  return TRUE;
}

PsState *
ps_train_log_get_state (const PsTrainLog *log, guint i, GError **error)
{
  return ps_train_log_get_state_cancellable (log, i, NULL, error);
}

PsState *
ps_train_log_get_state_cancellable (const PsTrainLog *log, guint i, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (log != NULL && i < log->records->len, NULL);
  const PsTrainRecord *r = log->records->pdata[i];
  if (r->state != NULL)
    return ps_state_ref (r->state);
  TrainReplay *rp = log->replay;
  g_return_val_if_fail (rp != NULL, NULL);
  int k = (int) i - 1;
  while (k >= 0 && ((const PsTrainRecord *) log->records->pdata[k])->state == NULL)
    k--;
  TrainRun run;
  PsState *st = ps_state_clone (k >= 0 ? ((const PsTrainRecord *) log->records->pdata[k])->state : rp->start, NULL);
  if (!train_setup (st, rp->op, &run, error))
    {
      ps_state_unref (st);
      return NULL;
    }
  const int64_t from = k >= 0 ? (int64_t) (k + 1) * run.every : 0, to = (int64_t) (i + 1) * run.every;
  gboolean ok = train_loop (st, &run, from, to, NULL, rp, cancellable, error);
  train_run_clear (&run);
  if (!ok)
    {
      if (!g_cancellable_is_cancelled (cancellable))
        g_prefix_error (error, "replaying sub-step %u: ", i + 1);
      ps_state_unref (st);
      return NULL;
    }
  return st;
}


static gboolean
apply_step (PsState *state, const PsOp *op, guint op_number, const PsOpContext *ctx, GError **error)
{
  return optimizer_call (state, op, FALSE, error);
}

static gboolean
apply_zero_grad (PsState *state, const PsOp *op, guint op_number, const PsOpContext *ctx, GError **error)
{
  return optimizer_call (state, op, TRUE, error);
}

/* ---------- the modules each op may write (besides its train objects) ---------- */

static void
add_module (const PsState *prev, const char *model_id, GPtrArray *w)
{
  PsModule *m = model_id ? ps_state_get_module (prev, model_id) : NULL;
  if (m != NULL)
    g_ptr_array_add (w, m);
}

static void
writes_train (const PsOp *op, const PsState *prev, GPtrArray *w)
{
  add_module (prev, op->u.train.model, w);
}

/* step, zero_grad: the optimizer's model */
static void
writes_optimizer_model (const PsOp *op, const PsState *prev, GPtrArray *w)
{
  PsTrainObject *o = ps_state_get_train_object (prev, op->u.train_call.optimizer);
  add_module (prev, o && o->kind == PS_TRAIN_OPTIMIZER ? o->model_id : NULL, w);
}

/* backward: the model of the last forward with a loss */
static void
writes_backward (const PsOp *op, const PsState *prev, GPtrArray *w)
{
  add_module (prev, prev->graph ? prev->graph->target_id : NULL, w);
}

/* ---------- descriptions ---------- */

static void
describe_dataset (const PsOp *op, const PsState *after, GString *s)
{
  const PsOpDataset *d = &op->u.dataset;
  g_string_append_printf (s, "data set %s: %s", d->o.id, d->o.type ? d->o.type : d->file);
  PsTrainObject *o = after ? ps_state_get_train_object (after, d->o.id) : NULL;
  if (o != NULL)
    {
      g_autofree char *xs = ps_tensor_shape_string (o->dataset->x);
      g_string_append_printf (s, ", X %s", xs);
      if (o->dataset->n_classes > 0)
        g_string_append_printf (s, ", %" G_GINT64_FORMAT " classes", o->dataset->n_classes);
    }
}

static void
describe_optimizer (const PsOp *op, const PsState *after, GString *s)
{
  g_string_append_printf (s, "optimizer %s = %s(%s.parameters())", op->u.optimizer.o.id, op->u.optimizer.o.type,
                          op->u.optimizer.params);
}

static void
describe_scheduler (const PsOp *op, const PsState *after, GString *s)
{
  g_string_append_printf (s, "scheduler %s = %s(%s)", op->u.scheduler.o.id, op->u.scheduler.o.type,
                          op->u.scheduler.optimizer);
}

static void
describe_backward (const PsOp *op, const PsState *after, GString *s)
{
  g_string_append_printf (s, "%s.backward(): gradients accumulate into .grad", op->u.backward.output);
}

static void
describe_step (const PsOp *op, const PsState *after, GString *s)
{
  g_string_append_printf (s, "%s.step()", op->u.train_call.optimizer);
}

static void
describe_zero_grad (const PsOp *op, const PsState *after, GString *s)
{
  g_string_append_printf (s, "%s.zero_grad()", op->u.train_call.optimizer);
}

static void
describe_scheduler_step (const PsOp *op, const PsState *after, GString *s)
{
  g_string_append_printf (s, "%s.step()", op->u.train_call.scheduler);
}

static void
describe_train (const PsOp *op, const PsState *after, GString *s)
{
  const PsOpTrain *t = &op->u.train;
  g_string_append_printf (s, "train %s with %s on %s", t->model, t->optimizer, t->data);
  if (after != NULL && after->train_log != NULL && after->train_log->records->len > 0)
    {
      const PsTrainRecord *first = after->train_log->records->pdata[0];
      const PsTrainRecord *last = after->train_log->records->pdata[after->train_log->records->len - 1];
      /* the op's steps: the first record is the op's record_every-th step (not its first) */
      const int64_t every = ps_op_has_field (op, "record_every") ? t->record_every : 1;
      const int64_t n0 = first->step - every;
      const int64_t n_steps = ps_op_has_field (op, "steps") ? t->steps
                              : last->step - n0;   /* epochs: exact when record_every divides the steps */
      /* a NaN loss reads "nan" as torch prints it (printf gives "-nan" for the sign bit x86 sets) */
      g_string_append_printf (s, ": %" G_GINT64_FORMAT " steps, loss %.4g → %.4g", n_steps,
                              isnan (first->loss) ? NAN : (double) first->loss,
                              isnan (last->loss) ? NAN : (double) last->loss);
      if (!isnan (last->accuracy))
        g_string_append_printf (s, ", batch accuracy %.0f %%", 100.0 * last->accuracy);
    }
}

/* What a failed op was doing: its sentence without the results. */
static char *
action_train_op (const PsOp *op)
{
  GString *s = g_string_new (NULL);
  op->kind->describe (op, NULL, s);
  return g_string_free (s, FALSE);
}

/* ---------- the op table's entries (ps-op-private.h) ---------- */

/* A field of a training op: the struct member it fills, its JSON name, its type (str: a non-empty
 * char*, int: gint64, bool: gboolean, num: PsOpNumber, obj: JsonObject*, mask: PsOpMask), whether it
 * is required. */
#define PS_FIELD_str PS_FIELD_NONEMPTY_STRING
#define PS_FIELD_int PS_FIELD_INT
#define PS_FIELD_bool PS_FIELD_BOOL
#define PS_FIELD_num PS_FIELD_NUMBER
#define PS_FIELD_obj PS_FIELD_OBJECT
#define TF(member, name, type, req) { name, PS_FIELD_##type, req, G_STRUCT_OFFSET (PsOp, u.member), 0 }
#define TF_MASK(member, name) { name, PS_FIELD_CUSTOM, FALSE, G_STRUCT_OFFSET (PsOp, u.member), 0, \
                                parse_mask, ps_op_mask_write, ps_op_mask_copy, ps_op_mask_clear }
static const PsOpField dataset_fields[] = {
  TF (dataset.o.id, "id", str, TRUE), TF (dataset.o.type, "type", str, FALSE), TF (dataset.o.args, "args", obj, FALSE),
  TF (dataset.file, "file", str, FALSE), TF (dataset.x, "x", str, FALSE), TF (dataset.y, "y", str, FALSE),
  TF (dataset.sha256, "sha256", str, FALSE), TF (dataset.y_sha256, "y_sha256", str, FALSE), { NULL } };
static const PsOpField optimizer_fields[] = {
  TF (optimizer.o.id, "id", str, TRUE), TF (optimizer.o.type, "type", str, TRUE),
  TF (optimizer.params, "params", str, TRUE), TF (optimizer.o.args, "args", obj, FALSE), { NULL } };
static const PsOpField scheduler_fields[] = {
  TF (scheduler.o.id, "id", str, TRUE), TF (scheduler.o.type, "type", str, TRUE),
  TF (scheduler.optimizer, "optimizer", str, TRUE), TF (scheduler.o.args, "args", obj, FALSE), { NULL } };
static const PsOpField backward_fields[] = { TF (backward.output, "output", str, TRUE), { NULL } };
static const PsOpField step_fields[] = { TF (train_call.optimizer, "optimizer", str, TRUE), { NULL } };
static const PsOpField zero_grad_fields[] = {
  TF (train_call.optimizer, "optimizer", str, TRUE), TF (train_call.set_to_none, "set_to_none", bool, FALSE), { NULL } };
static const PsOpField scheduler_step_fields[] = { TF (train_call.scheduler, "scheduler", str, TRUE), { NULL } };
static const PsOpField train_fields[] = {
  TF (train.model, "model", str, TRUE), TF (train.optimizer, "optimizer", str, TRUE), TF (train.data, "data", str, TRUE),
  TF (train.loss, "loss", obj, TRUE), TF (train.batch_size, "batch_size", int, FALSE),
  TF (train.shuffle, "shuffle", bool, FALSE), TF (train.drop_last, "drop_last", bool, FALSE),
  TF (train.epochs, "epochs", int, FALSE), TF (train.steps, "steps", int, FALSE),
  TF (train.scheduler, "scheduler", str, FALSE), TF (train.scheduler_every, "scheduler_every", str, FALSE),
  TF (train.clip_grad_norm, "clip_grad_norm", num, FALSE), TF (train.record_every, "record_every", int, FALSE),
  TF_MASK (train.key_padding_mask, "key_padding_mask"), TF_MASK (train.attn_mask, "attn_mask"),
  { NULL } };
#undef TF
#undef TF_MASK
#undef PS_FIELD_str
#undef PS_FIELD_int
#undef PS_FIELD_bool
#undef PS_FIELD_num
#undef PS_FIELD_obj

/* writes_undescribed: the op changes values (gradients, parameters) its sentence does not name. */
/* records: the op's state holds the records of the training run it made (train). */
#define TRAIN_KIND(nm, chk, wr, undescribed, scan, records) \
  { .name = #nm, .version = 3, .fields = nm##_fields, .check = chk, .writes_modules = wr, .apply = apply_##nm, \
    .action = action_train_op, .describe = describe_##nm, .writes_undescribed = undescribed, \
    .py_scan = scan, .py_emit = ps_py_emit_##nm, .records_training = records }
const PsOpKind ps_train_op_kinds[] = {
  TRAIN_KIND (dataset, check_dataset, NULL, FALSE, ps_py_scan_train_object, FALSE),
  TRAIN_KIND (optimizer, NULL, NULL, FALSE, ps_py_scan_train_object, FALSE),
  TRAIN_KIND (scheduler, NULL, NULL, FALSE, ps_py_scan_train_object, FALSE),
  TRAIN_KIND (backward, NULL, writes_backward, TRUE, NULL, FALSE),
  TRAIN_KIND (step, NULL, writes_optimizer_model, TRUE, NULL, FALSE),
  TRAIN_KIND (zero_grad, NULL, writes_optimizer_model, TRUE, NULL, FALSE),
  TRAIN_KIND (scheduler_step, NULL, NULL, FALSE, NULL, FALSE),
  TRAIN_KIND (train, check_train, writes_train, TRUE, ps_py_scan_train, TRUE),
  { NULL } };
#undef TRAIN_KIND

/* ---------- a replay in a worker ---------- */

typedef struct {
  PsState *owner;           /* ref: keeps the log (and every snapshot it reads) alive */
  guint index;
} ReplayJob;

static void
replay_job_free (gpointer data)
{
  ReplayJob *j = data;
  ps_state_unref (j->owner);
  g_free (j);
}

static void
replay_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  ReplayJob *j = data;
  GError *error = NULL;
  PsState *st = ps_train_log_get_state_cancellable (j->owner->train_log, j->index, cancellable, &error);
  if (st == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, st, (GDestroyNotify) ps_state_unref);
}

void
ps_train_log_get_state_async (PsState *owner, guint i, GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_return_if_fail (owner != NULL && owner->train_log != NULL && i < owner->train_log->records->len);
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ps_train_log_get_state_async);
  g_task_set_return_on_cancel (task, FALSE);   /* the worker ends the replay itself, between two steps */
  ReplayJob *j = g_new0 (ReplayJob, 1);
  j->owner = ps_state_ref (owner);
  j->index = i;
  g_task_set_task_data (task, j, replay_job_free);
  g_task_run_in_thread (task, replay_thread);
}

PsState *
ps_train_log_get_state_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
