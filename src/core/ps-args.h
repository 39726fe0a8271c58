/* ps-args.h — keyword arguments with PyTorch's names, types and defaults.
 *
 * Module constructors and init functions declare their arguments as a PsArgSpec table; user input
 * (a recipe's "args" object, a form in the app) arrives as PsArgs and is resolved against the table:
 * unknown names and wrong types are errors naming the argument, omitted ones take the default.
 * Python's conversions torch relies on are made (PsValue.coerced): a flag takes any value by its
 * truthiness, a float takes an int or a bool. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include "ps-error.h"

G_BEGIN_DECLS

typedef enum {
  PS_VALUE_NONE,       /* Python None */
  PS_VALUE_BOOL,
  PS_VALUE_INT,
  PS_VALUE_DOUBLE,
  PS_VALUE_STRING,
  PS_VALUE_INT_LIST,   /* a tuple/list of ints, e.g. kernel_size=(3, 3) */
} PsValueType;

/* A None element of a tuple argument (AdaptiveAvgPool2d(output_size=(None, 7)): keep that input
 * size), stored in PsValue.list. Only arguments whose spec sets none_elements accept it. */
#define PS_VALUE_LIST_NONE INT64_MIN

typedef struct {
  PsValueType type;
  gboolean b;
  int64_t i;
  double d;
  char *s;
  int64_t list[8];
  int n_list;
  /* Set by ps_args_resolve when the value was given as another Python type and converted as torch
   * does (a bool flag given 2, None or 'x' → its truthiness; a float given True or 2): `given` is the
   * type as given, and b / i / s keep the literal (ps_value_to_python prints it, as torch would). */
  gboolean coerced;
  PsValueType given;
} PsValue;

typedef enum {
  PS_ARG_INT,            /* int */
  PS_ARG_FLOAT,          /* float; an int is accepted */
  PS_ARG_BOOL,
  PS_ARG_STRING,         /* one of spec->choices if given */
  PS_ARG_INT_OR_TUPLE,   /* int or tuple of `tuple_len` ints (kernel_size, stride, padding …);
                            an int is expanded to the tuple when resolved. With `choices`, one
                            of those strings is accepted too (Conv padding='same'/'valid') */
  PS_ARG_INT_LIST,       /* int or list of ints of any length (normalized_shape) */
} PsArgKind;

typedef struct {
  const char *name;
  PsArgKind kind;
  gboolean required;       /* no default */
  gboolean nullable;       /* None allowed (and the default when def_none) */
  gboolean def_none;
  int64_t def_int;
  double def_double;
  gboolean def_bool;
  const char *def_string;
  const int64_t *def_list; /* with def_list_len */
  int def_list_len;
  int tuple_len;           /* for INT_OR_TUPLE: 1, 2 or 3; 0: a tuple of any length (the layer checks) */
  gboolean keep_int;       /* INT_OR_TUPLE: an int (and the def_int default) stays an int instead of
                              becoming a tuple — for modules whose repr shows what they were given
                              (MaxPool2d(kernel_size=2) vs kernel_size=(2, 2)) */
  gboolean none_elements;  /* INT_OR_TUPLE: a tuple may hold None (PS_VALUE_LIST_NONE) */
  gboolean expand_one;     /* INT_OR_TUPLE: a one-element list stands for all tuple_len dimensions,
                              as ATen expands conv/pool stride, padding, dilation (Conv2d(stride=[2])) */
  const char *const *choices;  /* NULL-terminated allowed strings, or NULL */
  const char *doc;         /* one line for forms and --help */
  gboolean keyword_only;   /* torch takes it only by name (RNN's nonlinearity: RNN(*args, **kwargs));
                              a typed nn.RNN(10, 20, 2, False) fills the others in order */
  gboolean len_at_forward; /* INT_OR_TUPLE with tuple_len: a list of another length is taken as given
                              (torch's _ConvNd stores any tuple: Conv2d(kernel_size=[3]) builds a 3-D
                              weight) and the layer refuses it at the forward with ATen's message */
  gboolean scalar_at_forward; /* INT_OR_TUPLE: a scalar of another Python type (True, 2.0, None, 'x')
                              constructs (torch stores it, or _pair wraps it: (True, True)) and is
                              refused at the forward — by ATen's argument parser at
                              aten_tuple_position, or by the layer itself (0); it resolves to ints
                              (True → 1, anything else → 0) marked coerced with the given type */
  int aten_tuple_position;
  gboolean aten_tuple_wrapped; /* the module wraps a scalar into a tuple (_single / _pair) before the
                              call: the parser's message says "not tuple" */
  int aten_bool_position;  /* BOOL: torch's forward passes the flag to an ATen function, at this position
                              of its signature, whose argument parser takes only a bool: a flag given as
                              another type (2, None, 'x') constructs and is refused at the forward with
                              torch's "avg_pool2d(): argument 'ceil_mode' (position 5) must be bool, not
                              int" (ps_module_forward). 0: torch's Python tests it with `if flag:`, any
                              value counts by its truthiness */
  gboolean bool_is_int;    /* INT: True/False are Python's ints 1/0 here (bool is an int subclass): torch's
                              __init__ computes with them or passes them on where its callee takes them.
                              Resolves to the int, marked coerced with given = bool; the layer refuses
                              where torch does (e.g. a bool as the first size of torch.empty, see
                              ps_py_empty_error, or an ATen parser at aten_int_position) */
  gboolean any_value;      /* torch stores the value as given and reads it only in some configurations
                              (InstanceNorm's num_features without affine or running stats, Embedding's
                              norm_type without max_norm): a value of another Python type is kept as
                              given (its own PsValueType, coerced, given = that type) and the layer
                              refuses it where torch's code uses it */
  int aten_position;       /* INT / FLOAT / STRING: torch's forward hands the value to an ATen function,
                              at this position of its signature (-1: by keyword, the message names no
                              position), whose argument parser takes only aten_type. Any value is stored
                              as given (as any_value) and ps_module_forward refuses one of another Python
                              type with the parser's text: "batch_norm(): argument 'eps' (position 8)
                              must be float, not str". None passes where the spec is nullable (torch's
                              Python replaces it, or the ATen argument is optional) */
  const char *aten_type;   /* "int" (a bool, a float refused), "float" / "Number" (an int or a bool passes),
                              "str" */
  const char *aten_function; /* that ATen function's name; NULL: the class name in snake case */
} PsArgSpec;               /* tables end with { NULL } */

typedef struct _PsArgs PsArgs;

PsArgs         *ps_args_new          (void);
PsArgs         *ps_args_copy         (const PsArgs *args);
void            ps_args_free         (PsArgs *args);
guint           ps_args_len          (const PsArgs *args);
const char     *ps_args_name         (const PsArgs *args, guint i);
const PsValue  *ps_args_value        (const PsArgs *args, guint i);
const PsValue  *ps_args_lookup       (const PsArgs *args, const char *name);

/* Setters replace a previous value of the same name, keeping its position. */
void            ps_args_set_none     (PsArgs *args, const char *name);
void            ps_args_set_bool     (PsArgs *args, const char *name, gboolean v);
void            ps_args_set_int      (PsArgs *args, const char *name, int64_t v);
void            ps_args_set_double   (PsArgs *args, const char *name, double v);
void            ps_args_set_string   (PsArgs *args, const char *name, const char *v);
gboolean        ps_args_set_int_list (PsArgs *args, const char *name, const int64_t *v, int n, GError **error);

/* Typed getters for resolved args (programmer error if missing or of another type). */
int64_t         ps_args_get_int      (const PsArgs *args, const char *name);
double          ps_args_get_double   (const PsArgs *args, const char *name);  /* int promoted */
gboolean        ps_args_get_bool     (const PsArgs *args, const char *name);
const char     *ps_args_get_string   (const PsArgs *args, const char *name);
gboolean        ps_args_is_none      (const PsArgs *args, const char *name);
/* For INT_OR_TUPLE / INT_LIST; returns the length and copies up to 8 values. */
int             ps_args_get_int_list (const PsArgs *args, const char *name, int64_t out[8]);

/* Checks `given` against `specs`: every name known, every value of the right type, required ones
 * present; returns all arguments in spec order with defaults filled in. Error messages name the
 * argument, e.g. "unknown argument 'in_feature' (expected one of: in_features, out_features, bias)". */
PsArgs         *ps_args_resolve      (const PsArgSpec *specs, const PsArgs *given, GError **error);
/* The Python type name of the value as given: "bool", "int", "float", "str", "NoneType", "list"
 * (torch's argument-parser messages name it). */
const char     *ps_value_given_type_name (const PsValue *v);
/* Python-style repr of a value: 10, 0.5, True, None, 'fan_in', (3, 3) (ps_value_append_python,
 * PS_PY_REPR). */
char           *ps_value_to_python   (const PsValue *v);

/* The one writer of Python literals (a module's repr, the dialogs, the exported script). Where
 * Python has two spellings, a repr shows 'text', float('nan'), float('inf'), float('-inf')
 * (PS_PY_REPR) and the exported script writes "text", float("nan"), float("inf"), -float("inf")
 * (PS_PY_SCRIPT). A float is the shortest decimal that reads back as the same double (Python's
 * repr: 0.1, 1e-05, 2.0); a string escapes its quote, backslash and control characters (\n, \t, \r,
 * \xNN) and keeps other text as it is; an int list is a tuple ((3,) for one). A value torch
 * converted (PsValue.coerced) is written as it was given. */
typedef enum {
  PS_PY_REPR,
  PS_PY_SCRIPT,
} PsPyStyle;
void            ps_value_append_python  (GString *s, const PsValue *v, PsPyStyle style);
void            ps_python_append_float  (GString *s, double d, PsPyStyle style);
void            ps_python_append_string (GString *s, const char *text, PsPyStyle style);

/* Python's str() of a value (what torch's extra_repr formats print): a string without quotes, the
 * rest as ps_value_to_python (True for a bool given where bool_is_int, 2.0 for a float). */
char           *ps_value_to_str      (const PsValue *v);

/* torch.empty's argument parser refusing a size (TypeError, its first line): `dims` are the sizes
 * torch's Python passes as given (NULL entries: plain ints). One size passes as torch.empty(n):
 * anything but an int is "empty() received an invalid combination of arguments - got (float,
 * dtype=NoneType, device=NoneType), but expected one of:"; a tuple is refused that way when its first
 * element is not an int ("got (tuple, …)": the parser recognizes an int list by its first element),
 * and a later float / str / None is "empty(): argument 'size' must be tuple of SymInts, but found
 * element of type float at pos 2" (a bool there is taken as an int). `materialize`: a lazy module's
 * UninitializedParameter.materialize, which passes dtype and device ("got (tuple, dtype=torch.dtype,
 * device=torch.device)"). Returns TRUE when the sizes pass. */
gboolean        ps_py_empty_check    (const PsValue *const *dims, int n, gboolean materialize, GError **error);
/* The int a size passed as (a bool given where torch takes it is 0/1). */
int64_t         ps_value_size        (const PsValue *v);
/* A FLOAT argument's value, or NAN when it was stored as given and is not a number (see any_value). */
double          ps_args_get_number   (const PsArgs *args, const char *name);
/* Does torch's ATen parser of aten_type ("int", "float", "Number", "str") take v as given? */
gboolean        ps_value_fits_aten   (const PsValue *v, const char *aten_type);

/* The Python type a value was given as (its own type unless converted: see PsValue.coerced). */
PsValueType     ps_value_given_type  (const PsValue *v);
/* Is v a Python number as given (an int, a bool or a float)? ps_value_number: its value as a double
 * (a bool 0/1; NAN for anything else). */
gboolean        ps_value_is_number   (const PsValue *v);
double          ps_value_number      (const PsValue *v);

/* Python's `v is True` / `v is False`: a bool given as that bool (a flag given 1 is not True). */
gboolean        ps_value_is_bool     (const PsValue *v, gboolean b);

/* Is v a Python int as torch's code sees it (an int, or a bool given where bool_is_int)? */
gboolean        ps_value_is_int      (const PsValue *v);

/* A Python float given where ATen wants a float32 scalar (fill_, clamp_, leaky_relu's slope) goes
 * through c10::overflows<float>: ±inf and NaN convert, a finite value beyond ±FLT_MAX (1e39, 1e200)
 * is refused with torch's "value cannot be converted to type float without overflow". */
gboolean        ps_check_float_scalar (double v, GError **error);
/* "in_features=10, out_features=5, bias=True" — all of them, in order. */
char           *ps_args_to_python    (const PsArgs *args);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsArgs, ps_args_free)

G_END_DECLS
