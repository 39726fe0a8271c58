/* ps-module.h — nn.Module: a tree of named children with parameters and buffers.
 *
 * One PsModule is one Python module object. A module placed at several places of a tree (the
 * article's `nn.Sequential(l, l)`) is the same PsModule pointer at each place, so it owns one set
 * of parameters. Listings follow PyTorch 1.13:
 *   - named_parameters / named_buffers / named_modules deduplicate by identity (first path wins);
 *   - state_dict lists every path (no deduplication): parameters of a module first, then its
 *     buffers, then its children recursively.
 *
 * Layers: each layer type is one file implementing one PsModuleClass (construct,
 * reset_parameters, forward, describe, and the facts about the type below: its base class, its
 * forward's inputs and outputs, an example input) and one line in ps-module-registry.c. Nothing
 * outside the layer lists types: the exporter, the app and the tests ask the class.
 *
 * State and snapshots: a module tree is cheap to clone (ps_module_clone_tree): modules and
 * PsParam structs are copied, tensors are shared (they are immutable once stored, see
 * ps-tensor.h). The document layer clones the state before every op and runs the op on the clone,
 * so a failed op is dropped wholesale and the previous state doubles as the timeline snapshot.
 * Consequently a layer NEVER writes into an existing parameter tensor: it allocates a new tensor
 * and calls ps_param_set_value. */
#pragma once

#include <glib.h>
#include "ps-error.h"
#include "ps-tensor.h"
#include "ps-generator.h"
#include "ps-args.h"
#include "ps-init.h"

G_BEGIN_DECLS

typedef struct _PsModule PsModule;
typedef struct _PsModuleClass PsModuleClass;

/* How a container's children are written in a call of its torch constructor: how the exporter
 * writes the container, how the Python statement reader takes the call apart, and how a child is
 * indexed in Python. */
typedef enum {
  PS_CHILDREN_NONE = 0,   /* not a container */
  PS_CHILDREN_ARGS,       /* one argument each: Sequential(a, b) (named: Sequential(OrderedDict([("x", a)]))); m[0] */
  PS_CHILDREN_LIST,       /* one list: ModuleList([a, b]) (named: built empty, then add_module); m[0] */
  PS_CHILDREN_DICT,       /* one dict, by key: ModuleDict({"x": a}); m["x"] */
} PsChildrenSyntax;

/* An input a user would try first: the Forward dialog's default, and what the tests run every
 * registered type on. */
typedef struct {
  PsDType dtype;                /* FLOAT32 (torch.randn), or INT64 (torch.randint(0, high)) */
  int ndim;
  int64_t shape[PS_MAX_DIMS];
  int64_t high;                 /* INT64: values in [0, high) */
} PsExampleInput;

typedef struct {
  char *name;              /* "weight", "bias", "running_mean", "in_proj_weight", "weight_ih_l0" */
  gboolean is_buffer;
  PsTensor *value;         /* NULL: uninitialized (lazy, before its first forward) */
  int created_step;        /* step index that created it; -1 unknown (set by the doc layer) */
  int written_step;        /* step index that last wrote it; -1 unknown */
  PsInitInfo init;         /* how its current values were produced */
  PsTensor *grad;          /* .grad: NULL until a backward reaches it (torch's None); immutable like value */
} PsParam;

struct _PsModuleClass {
  const char *name;             /* PyTorch class name: "Linear", "LazyLinear", "Sequential" */
  const PsArgSpec *args;        /* constructor keyword arguments, { NULL }-terminated; NULL = none */
  gboolean is_container;        /* Sequential, ModuleList, ModuleDict (children given by the recipe) */
  PsChildrenSyntax children_syntax;   /* a container's: how its constructor takes its children */
  gboolean is_lazy;             /* parameters materialize at the first forward */
  gsize priv_size;              /* size of the flat (pointer-free) config struct in self->priv; 0 = none */
  /* Validate self->args (already resolved against `args`) and register parameters and buffers with
   * their shapes (values allocated, zero) — no draws. Fill self->priv. */
  gboolean   (*construct)        (PsModule *self, GError **error);
  /* PyTorch's reset_parameters(): default init in torch's draw order. NULL when the module has
   * no reset_parameters (ReLU, containers). Writes via ps_param_set_value. */
  gboolean   (*reset_parameters) (PsModule *self, PsGenerator *gen, GError **error);
  /* Forward. Returns a new tensor. May draw (Dropout, lazy materialization) and may swap
   * parameter/buffer values (BatchNorm running stats, lazy materialization). On error the caller
   * discards the whole state clone, so no undo is needed here. */
  PsTensor  *(*forward)          (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error);
  /* Extra repr like PyTorch's extra_repr(): "in_features=10, out_features=5, bias=True". NULL →
   * empty. */
  char      *(*extra_repr)       (const PsModule *self);
  /* The init that __init__ runs when it is not the public reset_parameters(): MultiheadAttention
   * constructs its out_proj Linear and calls its private _reset_parameters(), but has no
   * reset_parameters, so a tree-wide reset only resets out_proj. NULL → reset_parameters. */
  gboolean   (*init_parameters)  (PsModule *self, PsGenerator *gen, GError **error);

  /* ---- facts about the type (asked by the exporter, the app and the tests) ---- */
  /* The torch.nn class this one derives from, for isinstance (LazyLinear → Linear); NULL: none
   * that Paramscope knows. */
  const PsModuleClass *base;
  /* Tensors forward takes; 0 means 1. The document passes its one input to each of them
   * (Bilinear: x, x; MultiheadAttention: self-attention, query = key = value = x). */
  guint n_inputs;
  /* forward returns a tuple; the document keeps its element [0]. `tuple_note` says what that
   * element is, for the exported script's comment. */
  gboolean returns_tuple;
  const char *tuple_note;
  /* The example input for this module's resolved args. NULL: shape [1, 10], float32 (a layer
   * that takes any shape). */
  void       (*example_input)    (const PsModule *self, PsExampleInput *ex);
  /* The backward pass, a PsBackwardFunc (ps-autograd.h) defined in the layer's file, or NULL:
   * the layer cannot be trained through yet (a lazy class before its first forward). */
  gpointer backward;
  /* What torch's __init__ says about arguments as given, before they are resolved against `args`:
   * an argument the class refuses by name (RNN and GRU: "proj_size argument is only supported for
   * LSTM, not RNN or GRU", whatever its value). NULL: none. */
  gboolean   (*check_given_args) (const PsArgs *given, GError **error);
  /* torch's __init__ takes and ignores any arguments (Identity(*args, **kwargs)): given ones are
   * dropped, not refused. */
  gboolean takes_any_args;
  /* The class whose __init__ receives the keyword arguments, as torch's TypeError for an unknown one
   * names it: "_BatchNorm.__init__() got an unexpected keyword argument 'bogus'" for BatchNorm1d
   * (ps_module_class_check_arg_names). NULL: the class's own name. */
  const char *init_owner;
  /* What torch's forward raises when it gets a tuple (a MaxPool's (output, indices)) as its input —
   * the text of its first tensor operation's error, measured by tests/golden/gen_tuple_input.py:
   * PS_TUPLE_NOT_TENSOR ("relu", "input", 1) or PS_TUPLE_NO_ATTR ("dim") (ps-layers.h).
   * `tuple_input_error_for`, when set, writes a text that depends on the module's arguments
   * (F.convNd names the types of its arguments) and is used instead. Both NULL: a generic text
   * (not torch's), unless the class passes its input on. */
  const char *tuple_input_error;
  char      *(*tuple_input_error_for) (const PsModule *self);
  /* forward returns its input as it is, whatever it is (Identity): a tuple goes on, and the
   * exporter leaves the module out of a chain. */
  gboolean passes_input_on;
  /* forward takes MultiheadAttention's keywords beyond its input (key_padding_mask, attn_mask,
   * need_weights, average_attn_weights; ps-call-kwargs.h): the forward and train ops give them to
   * such a module only (ps_module_class_takes_attention_kwargs), any other refuses them as Python
   * does ("Linear.forward() got an unexpected keyword argument 'attn_mask'"). */
  gboolean takes_attention_kwargs;
  /* ---- layout facts of torch's kernels (ps-loss.c: which gradient rows a swapped output gives) ---- */
  /* torch allocates the output like the input (element-wise TensorIterator ops, Dropout's
   * input * mask, Identity returning it): a swapped view stays swapped through the layer. */
  gboolean output_keeps_layout;
  /* with batch_first=True the 3-D output is a view with dims 0 and 1 swapped (MultiheadAttention's
   * attn_output.transpose(1, 0), RNN/LSTM/GRU's output.transpose(0, 1)). */
  gboolean batch_first_swaps_output;
  /* the backward's TensorIterator takes the saved tensor first (threshold_backward,
   * leaky_relu_backward): grad_input is laid out like the saved (swapped) input (measured with
   * hooks on the gradients' strides: after ReLU/LeakyReLU (5, 20, 1); after Tanh, Sigmoid, SiLU,
   * GELU, Dropout the loss's contiguous (30, 5, 1)). */
  gboolean grad_follows_saved;
  /* ---- activation facts (the training figures' layer histograms) ---- */
  /* the output saturates at the ends of (saturation_low, saturation_high) (Tanh: −1, 1; Sigmoid:
   * 0, 1): the figures count the share near the ends. Both 0: not a saturating activation. */
  float saturation_low, saturation_high;
  /* a zero output is a unit that does not fire for that input, its gradient 0 too (ReLU) */
  gboolean zero_output_is_dead;
};

struct _PsModule {
  gatomicrefcount ref_count;
  const PsModuleClass *klass;   /* may change once: a lazy module becomes its eager class */
  char *id;                     /* recipe id ("fc"), NULL if none */
  char *display_class;          /* user class name for containers ("CustomModel"); NULL → klass->name */
  PsArgs *args;                 /* resolved constructor arguments (all of them, defaults filled) */
  GPtrArray *params;            /* PsParam*, registration order; parameters and buffers mixed */
  gboolean training;            /* nn.Module.training; TRUE after construction */
  int created_step;             /* -1 unknown */
  gpointer priv;                /* klass->priv_size bytes, flat */
  /* private to ps-module.c: the children (a PsChildSeq, ps-child-seq.h: persistent, shared with
   * clones that list the same ones; read them with ps_module_n_children / _child_at /
   * _child_name_at), which children changed since the module this one was cloned from (for
   * ps_module_foreach_child_not_in), this module's serial number and a cached state_dict entry
   * count */
  gpointer child_seq;
  gpointer child_log;
  gpointer child_branches;
  guint64 serial;
  gsize entries_cache;
};

/* ---- registry ---- */
const PsModuleClass  *ps_module_class_lookup (const char *name);
/* Every given name is a keyword of the class's __init__; else Paramscope's list of them, then
 * torch's TypeError: "unknown argument 'bogus' (expected one of: in_features, out_features, bias):
 * Linear.__init__() got an unexpected keyword argument 'bogus'". Classes that take any arguments
 * pass. */
gboolean              ps_module_class_check_arg_names (const PsModuleClass *klass, const PsArgs *given,
                                                       GError **error);
/* torch's hasattr(type, "reset_parameters"), derived from the vtable. */
gboolean              ps_module_class_has_reset_parameters (const PsModuleClass *klass);
/* Whether a module of this class with n_children children returns its input as it is (a tuple
 * too): a class that says so (Identity), or a Sequential without children. */
gboolean              ps_module_class_passes_input_on (const PsModuleClass *klass, guint n_children);
/* Whether forward of a module of this class takes MultiheadAttention's keywords: the class or one it
 * derives from (the `base` chain, as isinstance) says so (takes_attention_kwargs). */
gboolean              ps_module_class_takes_attention_kwargs (const PsModuleClass *klass);
/* issubclass(klass, base): klass itself or a class it derives from (the `base` chain). */
gboolean              ps_module_class_is_a (const PsModuleClass *klass, const PsModuleClass *base);
/* The container class a recipe's own nn.Module subclass ("class": "CustomModel") is built on: its
 * forward runs its children in order (Sequential; ps-container.c). */
const PsModuleClass  *ps_module_class_for_user_classes (void);
/* NULL-terminated array of every class, in the order a type chooser shows them. */
const PsModuleClass *const *ps_module_classes (void);

/* ---- lifecycle ---- */
/* Construct a module like `torch.nn.<type>(**args)`: resolve args, construct, and (unless lazy or a
 * container) run reset_parameters drawing from gen. On error the generator is unchanged. */
PsModule   *ps_module_new           (const char *type, const PsArgs *args, PsGenerator *gen, GError **error);
/* An empty container of the given class ("Sequential", "ModuleList", "ModuleDict"), display class
 * optional. */
PsModule   *ps_module_new_container (const char *type, const char *display_class, GError **error);
PsModule   *ps_module_ref           (PsModule *m);
void        ps_module_unref         (PsModule *m);
/* Clone a tree: every distinct module is copied once (sharing is preserved), PsParam structs are
 * copied, tensors are shared (ref'd). `map` (optional, PsModule* old → PsModule* new, no refs)
 * receives the correspondence so other clones (e.g. a doc's id table) can be remapped. */
PsModule   *ps_module_clone_tree    (PsModule *root, GHashTable *map);
/* As ps_module_clone_tree, but a module of `shallow` (a set of PsModule*, no refs; may be NULL) is
 * copied without walking below it: the copy lists the very same children, in O(1) (their list
 * is shared, see "children"). For a step that changes only such a module's own list of children
 * (attach, detach, rename, move): none of its descendants may be in `map` as cloned. */
PsModule   *ps_module_clone_tree_sharing (PsModule *root, GHashTable *map, GHashTable *shallow);
/* For a step that changes only the children of the modules in `shallow`, each of a container
 * class: clones root if it is in `path` (the modules that are or contain one of `shallow`, found
 * through ps_module_branch_children) and shares every other module. A clone on the path lists its
 * original's children with the ones on the path replaced by their clones (O(log n) each) and
 * knows its branch children without walking its list, so the step costs what the path costs, not
 * the size of the containers along it. Clones go to map (old → new). */
PsModule   *ps_module_clone_path    (PsModule *root, GHashTable *map, GHashTable *path, GHashTable *shallow);

/* ---- children ----
 * A module's list of children is persistent (ps-child-seq.h): a clone lists the very same list
 * (O(1)), and attaching, detaching, inserting, renaming or moving a child builds a new list that
 * shares all but O(log n) tree nodes with the old one, so n such steps on successive clones of a
 * container of n children cost O(n log n) time and memory, not O(n^2). Reading the i-th child or
 * looking one up by name costs O(log n). Thread-safe for modules in different states sharing a
 * list (lists are immutable). */
guint       ps_module_n_children    (const PsModule *m);
/* The i-th child (i < ps_module_n_children) and its name (owned by m's list). */
PsModule   *ps_module_child_at      (const PsModule *m, guint i);
const char *ps_module_child_name_at (const PsModule *m, guint i);
/* The position of the child named `name`, or -1. */
int         ps_module_child_index   (const PsModule *m, const char *name);
/* Fails on a duplicate name or when `child` contains `parent` (a cycle). */
gboolean    ps_module_add_child     (PsModule *parent, const char *name, PsModule *child, GError **error);
gboolean    ps_module_remove_child  (PsModule *parent, const char *name, GError **error);
/* add_child, then place the new child at `index` among the children (0..n; -1 = append, as
 * add_child). Like rebuilding the parent's `_modules` OrderedDict with the new key there. */
gboolean    ps_module_insert_child  (PsModule *parent, int index, const char *name, PsModule *child,
                                     GError **error);
/* Rename a child in place (its position is kept). Fails on an unknown name, an invalid new name or
 * one used by another child, parameter or buffer. Renaming to the same name is a no-op. */
gboolean    ps_module_rename_child  (PsModule *parent, const char *name, const char *new_name, GError **error);
/* Move a child to position `index` (0..n-1) among the parent's children, the others keeping their
 * relative order. */
gboolean    ps_module_move_child    (PsModule *parent, const char *name, int index, GError **error);
PsModule   *ps_module_get_child     (PsModule *parent, const char *name);
/* TRUE when a and b list their children from one list (the same modules under the same names in
 * the same order), known without comparing them. */
gboolean    ps_module_shares_children (const PsModule *a, const PsModule *b);
/* Calls fn (child, data) for every child of m that `twin` may not list, when the two are known to
 * be related — one cloned from the other and then changed (the children attached or detached
 * since), or listing one list (none) — without walking their children: a step that renames or
 * moves a child of a container of n, or attaches one, costs O(1) here, not O(n). Returns FALSE
 * (fn not called) when they are not known to be related: then compare them child by child. */
gboolean    ps_module_foreach_child_not_in (const PsModule *m, const PsModule *twin, GFunc fn, gpointer data);
/* The children of m that are of a container class or have children of their own, in order (a
 * child listed under several names appears once per name) — the only ones below which a module
 * with children can be. Computed once per module and kept: m must not change afterwards (a module
 * of a state). */
guint       ps_module_branch_children (PsModule *m, PsModule *const **children);
/* The number of state_dict entries of m's tree (parameters and buffers at every place they
 * appear), saturating at cap + 1. Cached in each module (modules in a state do not change): a
 * container that gained or lost one child recounts only that child. */
guint64     ps_module_count_entries (PsModule *m, guint64 cap);

/* ---- parameters ---- */
/* Register a parameter or buffer (construct only). value may be NULL (lazy). Takes a ref on value. */
PsParam    *ps_module_register      (PsModule *self, const char *name, PsTensor *value, gboolean is_buffer);
/* A new float32 parameter of `shape` (zeros until reset_parameters), registered; FALSE with the
 * allocation's error (a negative or too large size). */
gboolean    ps_module_register_new_f32 (PsModule *self, const char *name, int ndim, const int64_t *shape,
                                        GError **error);
PsParam    *ps_module_get_param     (PsModule *self, const char *name);
/* The float32 data of m's parameter `name`, after checking it is there with the shape a kernel
 * needs (a state loaded from a file could hold anything); m may be NULL (a missing submodule).
 * Errors say "<who>: parameter <path> is missing" (PS_ERROR_UNINITIALIZED) or "<who>: <path> is
 * int64 [3], expected float32 [4]" (PS_ERROR_SHAPE). */
const float *ps_module_param_checked (PsModule *m, const char *name, int ndim, const int64_t *dims,
                                      const char *who, const char *path, GError **error);
/* Swap in a new value (takes a ref; releases the old one). */
void        ps_param_set_value      (PsParam *p, PsTensor *value);
/* Swap in a new .grad (takes a ref; NULL = None; releases the old one). */
void        ps_param_set_grad       (PsParam *p, PsTensor *grad);
/* A fresh zero tensor of the param's shape, for writers (lazy params have no shape: error). */
PsTensor   *ps_param_new_like       (const PsParam *p, GError **error);
/* A tensor of the param's shape for a writer that writes every element before reading any (an
 * init scheme): the param's own value when nothing else holds it (a module being constructed: its
 * value was just made, no snapshot has it), so construction costs one copy of the weight, not
 * two; else a new one with unspecified contents. */
PsTensor   *ps_param_new_for_overwrite (PsParam *p, GError **error);

/* ---- listings (PyTorch semantics; see top of file) ---- */
typedef struct {
  char *path;          /* "0.weight", "encoder.layers.0.self_attn.in_proj_weight", "" for root module */
  PsModule *module;    /* owning module (no ref) */
  PsParam *param;      /* NULL for module listings */
} PsNamedItem;

/* Each returns a GPtrArray of PsNamedItem* (free with g_ptr_array_unref). */
GPtrArray  *ps_module_named_parameters (PsModule *root);                 /* dedup; parameters only */
GPtrArray  *ps_module_named_buffers    (PsModule *root);                 /* dedup; buffers only */
GPtrArray  *ps_module_named_modules    (PsModule *root, gboolean remove_duplicate); /* pre-order */
GPtrArray  *ps_module_state_dict       (PsModule *root);                 /* every path; lazy ones with value NULL */
/* Number of parameter elements, deduplicated like sum(p.numel() for p in parameters()); lazy
 * parameters count 0 and are reported in n_uninitialized when non-NULL. */
int64_t     ps_module_count_parameters (PsModule *root, int *n_uninitialized);
/* Resolve "a.b.weight" below root to a module and/or parameter. "" is root itself. */
gboolean    ps_module_resolve          (PsModule *root, const char *path, PsModule **module, PsParam **param,
                                        GError **error);

/* ---- behaviour ---- */
/* reset_parameters on this module (if it has one) or, for a module without one, on every module in
 * named_modules() order that has one. On error the generator is unchanged. */
gboolean    ps_module_reset_parameters (PsModule *m, PsGenerator *gen, GError **error);
/* module(input). Errors carry PyTorch's messages. Does not restore state on failure (see top). */
PsTensor   *ps_module_forward       (PsModule *m, PsTensor *input, PsGenerator *gen, GError **error);
/* What torch raises when m gets a tuple (a MaxPool's (output, indices), see ps-tensor.h) as its
 * input: NULL when m passes it on (Identity, a Sequential), else a newly allocated message
 * (ps-tuple-input.c). ps_module_forward checks it. */
char       *ps_module_tuple_input_error (const PsModule *m);
/* m(input) for a caller that needs one tensor (the decision boundary's class scores): refuses a
 * tuple result (a last MaxPool with return_indices=True) with an error naming the model, the
 * MaxPool's path in it and `purpose` ("the decision boundary"), where torch's argmax would fail. */
PsTensor   *ps_module_forward_tensor (PsModule *m, PsTensor *input, PsGenerator *gen, const char *purpose,
                                      GError **error);
/* m.train(mode): this module and all descendants. */
void        ps_module_set_training  (PsModule *m, gboolean training);
const char *ps_module_class_name    (const PsModule *m);   /* display_class or klass->name */
/* isinstance(m, torch.nn.<name>) — subclasses included: LazyLinear is a Linear, LazyConv2d a Conv2d,
 * MultiheadAttention's out_proj (NonDynamicallyQuantizableLinear) a Linear — or, for a name that is
 * not a torch.nn class, the user class name of a container. */
gboolean    ps_module_isinstance    (const PsModule *m, const char *name);
/* The example input for m (see PsExampleInput); a container's is its first child's, an empty
 * one's [1, 10]. */
void        ps_module_example_input (const PsModule *m, PsExampleInput *ex);
/* For layers' example_input hooks: a float32 input of the given shape. */
void        ps_example_input_set    (PsExampleInput *ex, int ndim, const int64_t *shape);
/* PyTorch repr of one module without children: "Linear(in_features=10, out_features=5, bias=True)" */
char       *ps_module_describe      (const PsModule *m);
/* Full PyTorch repr including children, as print(model) shows it. */
/* Dims stored as given (any_value) that the forward hands to an overloaded ATen method (softmax,
 * log_softmax, flatten): anything but an int (None passing where the spec is nullable) is the
 * parser's "flatten() received an invalid combination of arguments - got (float, int), but
 * expected one of:" with the Python type of each (dim2 NULL: one argument). */
gboolean    ps_module_dim_arg_check (PsModule *m, const char *fn, const char *dim1, const char *dim2, GError **error);
char       *ps_module_repr          (PsModule *m);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsModule, ps_module_unref)

/* Private config access for layer files. */
#define PS_MODULE_PRIV(m, Type) ((Type *) (m)->priv)

G_END_DECLS
