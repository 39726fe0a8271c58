/* test-export-pytorch.c — the recipe → PyTorch script export (ps-export-pytorch.c).
 *
 * For every fixture recipe in tests/data/recipes: the exported text equals the committed golden
 * script NAME.export.py (so any change in the export shows up in review), and NAME.export.json —
 * what torch 1.13.1 computed when tests/golden/gen_parity.py ran that script — equals the torch
 * replay of the recipe (NAME.torch.json, the reference the C replay is checked against in
 * test-parity): final state dicts and outputs by SHA-256, the failing step and message, and the
 * generator probe. Set PS_EXPORT_WRITE=1 to (re)write the golden scripts instead of comparing.
 * Plus unit cases: Python literals, target spelling, user classes, errors (the CLI command that
 * writes the export: tests/cli/test-cli-to-pytorch.c). */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "ps-export-pytorch.h"
#include "ps-recipe.h"
#include "parity-util.h"
#include "export-test-util.h"

static char *
export_text (const char *json, GError **error)
{
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (json, -1, error);
  if (r == NULL)
    return NULL;
  return ps_export_pytorch (r, error);
}

static char *
export_ok (const char *json)
{
  g_autoptr (GError) error = NULL;
  char *s = export_text (json, &error);
  g_assert_no_error (error);
  g_assert_nonnull (s);
  return s;
}

static void
assert_not_contains (const char *text, const char *needle)
{
  if (strstr (text, needle) != NULL)
    g_error ("did not expect\n  %s\nin the script:\n%s", needle, text);
}

static void
test_literals (void)
{
  g_autofree char *s = export_ok (HEAD
    "{\"op\": \"module\", \"id\": \"c\", \"type\": \"Conv2d\", \"args\": {\"in_channels\": 3, \"out_channels\": 4,"
    " \"kernel_size\": [3, 5], \"stride\": 2, \"padding\": 1, \"bias\": false}},"
    "{\"op\": \"module\", \"id\": \"c1\", \"type\": \"Conv1d\", \"args\": {\"in_channels\": 3, \"out_channels\": 4,"
    " \"kernel_size\": [3], \"stride\": [2]}},"
    "{\"op\": \"module\", \"id\": \"bn\", \"type\": \"BatchNorm1d\", \"args\": {\"num_features\": 4, \"momentum\": null,"
    " \"eps\": 1e-05}},"
    "{\"op\": \"module\", \"id\": \"g\", \"type\": \"GELU\", \"args\": {\"approximate\": \"tanh\"}},"
    "{\"op\": \"init\", \"target\": \"c.weight\", \"fn\": \"uniform_\", \"args\": {\"a\": -0.1, \"b\": 1.0}},"
    "{\"op\": \"init\", \"target\": \"c.weight\", \"fn\": \"kaiming_uniform_\", \"args\": {\"a\": 2.23606797749979}},"
    "{\"op\": \"manual_seed\", \"seed\": -1}"
    "]}");
  assert_contains (s, "c = nn.Conv2d(in_channels=3, out_channels=4, kernel_size=(3, 5), stride=2, padding=1, bias=False)\n");
  assert_contains (s, "c1 = nn.Conv1d(in_channels=3, out_channels=4, kernel_size=(3,), stride=(2,))\n");
  assert_contains (s, "bn = nn.BatchNorm1d(num_features=4, momentum=None, eps=1e-05)\n");
  assert_contains (s, "g = nn.GELU(approximate=\"tanh\")\n");
  /* shortest round-trip decimals, floats stay floats */
  assert_contains (s, "nn.init.uniform_(c.weight, a=-0.1, b=1.0)\n");
  assert_contains (s, "nn.init.kaiming_uniform_(c.weight, a=2.23606797749979)\n");
  assert_contains (s, "torch.manual_seed(-1)\n");
  assert_contains (s, "# Step 7\n");
  assert_contains (s, "\ntorch.manual_seed(0)\n");

  /* None inside a tuple (AdaptiveAvgPool2d keeps that input size): Python, and JSON null again */
  const char *none_json = HEAD
    "{\"op\": \"module\", \"id\": \"ap\", \"type\": \"AdaptiveAvgPool2d\", \"args\": {\"output_size\": [null, 3]}}]}";
  g_autofree char *s2 = export_ok (none_json);
  assert_contains (s2, "ap = nn.AdaptiveAvgPool2d(output_size=(None, 3))\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (none_json, -1, &error);
  g_assert_no_error (error);
  g_autofree char *saved = ps_recipe_to_data (r, NULL);
  g_autofree char *flat = g_strdelimit (g_strdup (saved), "\n ", ' ');
  g_auto (GStrv) parts = g_strsplit (flat, " ", -1);
  g_autofree char *squeezed = g_strjoinv ("", parts);
  assert_contains (squeezed, "\"output_size\":[null,3]");
  /* elsewhere None is no integer */
  g_autofree char *bad = export_text (HEAD "{\"op\": \"module\", \"id\": \"mp\", \"type\": \"MaxPool2d\", "
                                      "\"args\": {\"kernel_size\": [null, 2]}}]}", &error);
  g_assert_null (bad);
  assert_contains (error->message, "argument 'kernel_size': element 0 must be an integer, not None");
}

static void
test_targets (void)
{
  g_autofree char *s = export_ok (HEAD
    "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 4, \"out_features\": 4}},"
    "{\"op\": \"module\", \"id\": \"act\", \"type\": \"ReLU\"},"
    "{\"op\": \"module\", \"id\": \"s\", \"type\": \"Sequential\", \"children\": [\"fc\", \"act\", \"fc\"]},"
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"ModuleDict\", \"children\": {\"body\": \"s\"}},"
    "{\"op\": \"init\", \"target\": \"m.body.2.weight\", \"fn\": \"zeros_\"},"
    "{\"op\": \"detach\", \"parent\": \"s\", \"name\": \"1\"},"
    "{\"op\": \"init\", \"target\": \"m.body.2.bias\", \"fn\": \"ones_\"},"
    "{\"op\": \"attach\", \"parent\": \"m.body\", \"name\": \"head\", \"child\": \"act\"},"
    "{\"op\": \"detach\", \"parent\": \"s\", \"name\": \"head\"},"
    "{\"op\": \"forward\", \"target\": \"m.body\", \"input\": {\"randn\": [2, 4]}},"
    "{\"op\": \"module\", \"id\": \"attn\", \"type\": \"MultiheadAttention\", \"args\": {\"embed_dim\": 4, \"num_heads\": 2}},"
    "{\"op\": \"forward\", \"target\": \"attn\", \"input\": {\"randn\": [3, 4]}, \"name\": \"y\"},"
    "{\"op\": \"reset_parameters\", \"target\": \"attn\"},"
    "{\"op\": \"reset_parameters\", \"target\": \"fc\"},"
    "{\"op\": \"init\", \"target\": \"attn.out_proj.weight\", \"fn\": \"eye_\"},"
    "{\"op\": \"module\", \"id\": \"lstm\", \"type\": \"LSTM\", \"args\": {\"input_size\": 2, \"hidden_size\": 3}},"
    "{\"op\": \"forward\", \"target\": \"lstm\", \"input\": {\"randint\": {\"high\": 3, \"size\": [2, 1, 2]}}},"
    "{\"op\": \"forward\", \"target\": \"fc\", \"input\": {\"value\": [[1, 2.5, -3, 0]], \"dtype\": \"float32\"}},"
    "{\"op\": \"mode\", \"target\": \"m\", \"train\": false}"
    "]}");
  assert_contains (s, "s = nn.Sequential(fc, act, fc)\n");
  assert_contains (s, "m = nn.ModuleDict({\"body\": s})\n");
  assert_contains (s, "nn.init.zeros_(m[\"body\"][2].weight)\n");
  /* after detaching "1" the name "2" is no longer position 2 */
  assert_contains (s, "delattr(s, \"1\")\n");
  assert_contains (s, "nn.init.ones_(getattr(m[\"body\"], \"2\").bias)\n");
  assert_contains (s, "m[\"body\"].add_module(\"head\", act)\n");
  assert_contains (s, "del s.head\n");
  assert_contains (s, "outputs[\"output10\"] = m[\"body\"](torch.randn(2, 4))\n");
  assert_contains (s, "x = torch.randn(3, 4)\noutputs[\"y\"] = attn(x, x, x)[0]");
  /* MultiheadAttention has no reset_parameters: the loop form; Linear has one */
  assert_contains (s, "for module in attn.modules():");
  assert_contains (s, "fc.reset_parameters()\n");
  assert_contains (s, "nn.init.eye_(attn.out_proj.weight)\n");
  assert_contains (s, "outputs[\"output17\"] = lstm(torch.randint(0, 3, (2, 1, 2)))[0]");
  assert_contains (s, "fc(torch.tensor([[1, 2.5, -3, 0]], dtype=torch.float32))");
  assert_contains (s, "m.eval()\n");
  /* the script is for people: no test harness in it (tests/golden/run_export.py runs it from
   * outside); `outputs` is declared once, before the first forward */
  assert_not_contains (s, "sys.argv");
  assert_not_contains (s, "excepthook");
  assert_not_contains (s, "import sys");
  assert_not_contains (s, "hashlib");
  assert_contains (s, "# Step 10\noutputs = {}  # the forward results, by name\noutputs[\"output10\"] = ");
  g_assert_null (strstr (strstr (s, "outputs = {}") + 1, "outputs = {}"));
}

static void
test_classes (void)
{
  /* same children everywhere, never changed: an explicit class like the article's */
  g_autofree char *s = export_ok (HEAD
    "{\"op\": \"module\", \"id\": \"l1\", \"type\": \"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 2}},"
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Sequential\", \"class\": \"CustomModel\","
    " \"children\": {\"linear1\": \"l1\", \"linear2\": \"l1\"}},"
    "{\"op\": \"init_modules\", \"target\": \"m\", \"match\": \"Linear\", \"weight\": {\"fn\": \"xavier_uniform_\","
    " \"args\": {\"gain\": 2.0}}, \"bias\": {\"fn\": \"zeros_\"}}"
    "]}");
  assert_contains (s, "class CustomModel(nn.Module):\n    def __init__(self, linear1, linear2):\n");
  assert_contains (s, "        x = self.linear1(x)\n        x = self.linear2(x)\n        return x\n");
  assert_contains (s, "m = CustomModel(linear1=l1, linear2=l1)\n");
  assert_contains (s, "for module in m.modules():\n    if isinstance(module, nn.Linear):\n");
  assert_contains (s, "            nn.init.xavier_uniform_(module.weight, gain=2.0)\n");
  assert_contains (s, "            nn.init.zeros_(module.bias)\n");

  /* children changed by attach: the generic class */
  g_autofree char *g = export_ok (HEAD
    "{\"op\": \"module\", \"id\": \"l1\", \"type\": \"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 2}},"
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Sequential\", \"class\": \"Net\", \"children\": [\"l1\"]},"
    "{\"op\": \"attach\", \"parent\": \"m\", \"name\": \"head\", \"child\": \"l1\"}"
    "]}");
  assert_contains (g, "    def __init__(self, **children):\n");
  assert_contains (g, "m = Net(**{\"0\": l1})\n");
  assert_not_contains (g, "x = self.");
}

static void
test_restructure (void)
{
  g_autofree char *s = export_ok (HEAD
    "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 4, \"out_features\": 4}},"
    "{\"op\": \"module\", \"id\": \"act\", \"type\": \"ReLU\"},"
    "{\"op\": \"module\", \"id\": \"s\", \"type\": \"Sequential\", \"children\": [\"fc\", \"act\"]},"
    "{\"op\": \"move\", \"parent\": \"s\", \"name\": \"1\", \"index\": 0},"
    "{\"op\": \"init\", \"target\": \"s.0.weight\", \"fn\": \"zeros_\"},"
    "{\"op\": \"rename\", \"parent\": \"s\", \"name\": \"0\", \"new_name\": \"head\"},"
    "{\"op\": \"init\", \"target\": \"s.head.bias\", \"fn\": \"ones_\"},"
    "{\"op\": \"attach\", \"parent\": \"s\", \"name\": \"2\", \"child\": \"fc\", \"index\": 0},"
    "{\"op\": \"init\", \"target\": \"s.2.weight\", \"fn\": \"ones_\"},"
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Sequential\", \"class\": \"Net\", \"children\": {\"a\": \"fc\", \"b\": \"act\"}},"
    "{\"op\": \"move\", \"parent\": \"m\", \"name\": \"b\", \"index\": 0}"
    "]}");
  /* the helpers, once, before the replay */
  assert_contains (s, "def move_child(parent, name, index):\n");
  assert_contains (s, "def insert_child(parent, index, name, child):\n");
  assert_contains (s, "def rename_child(parent, name, new_name):\n");
  assert_contains (s, "    parent._modules.clear()\n    parent._modules.update(items)\n");
  assert_contains (s, "move_child(s, \"1\", 0)\n");
  /* after the move, the child named "0" is at position 1: spelled by name, not by position */
  assert_contains (s, "nn.init.zeros_(getattr(s, \"0\").weight)\n");
  assert_contains (s, "rename_child(s, \"0\", \"head\")\n");
  assert_contains (s, "nn.init.ones_(s.head.bias)\n");
  assert_contains (s, "insert_child(s, 0, \"2\", fc)\n");
  assert_contains (s, "move_child(m, \"b\", 0)\n");
  /* a user class whose children are reordered runs them in _modules order */
  assert_contains (s, "    def __init__(self, **children):\n");
  g_assert_true (strstr (s, "def move_child") < strstr (s, "torch.manual_seed(0)"));

  /* without them: no helpers */
  g_autofree char *plain = export_ok (HEAD
    "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 4, \"out_features\": 4}}"
    "]}");
  assert_not_contains (plain, "move_child");
}

static void
test_names (void)
{
  /* ids that are Python keywords or names the script uses get another variable */
  g_autofree char *s = export_ok (HEAD
    "{\"op\": \"module\", \"id\": \"torch\", \"type\": \"ReLU\"},"
    "{\"op\": \"module\", \"id\": \"class\", \"type\": \"Tanh\"},"
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Sequential\", \"children\": [\"torch\", \"class\"],"
    " \"description\": \"two \\\"activations\\\"\"}"
    "]}");
  assert_contains (s, "torch_ = nn.ReLU()\n");
  assert_contains (s, "class_ = nn.Tanh()\n");
  assert_contains (s, "m = nn.Sequential(torch_, class_)\n");
  assert_contains (s, "# two \"activations\"\n");
  /* each module op's block assigns its variable first: how tests/golden/run_export.py finds it */
  assert_contains (s, "# Step 1\ntorch_ = nn.ReLU()\n");
}

/* Which forwards the script unpacks into NAME and NAME[1] (returns_pair): not one whose model's
 * children all pass their input on, nor a ModuleList (no forward), nor a Sequential whose last child
 * only partly passes it on. The pairs themselves, run with torch: test-export-tuple. */
static void
test_pair (void)
{
#define POOL_RI "{\"op\": \"module\", \"id\": \"pool\", \"type\": \"MaxPool1d\", " \
                "\"args\": {\"kernel_size\": 2, \"return_indices\": true}},"
#define FC(id) "{\"op\": \"module\", \"id\": \"" id "\", \"type\": \"Linear\", " \
               "\"args\": {\"in_features\": 4, \"out_features\": 4}},"
  g_autofree char *s = export_ok (HEAD FC ("fc") FC ("fc2") POOL_RI
    "{\"op\": \"module\", \"id\": \"same\", \"type\": \"Identity\"},"
    "{\"op\": \"module\", \"id\": \"ids\", \"type\": \"Sequential\", \"children\": [\"same\", \"same\"]},"
    "{\"op\": \"module\", \"id\": \"empty\", \"type\": \"Sequential\", \"children\": []},"
    "{\"op\": \"module\", \"id\": \"layers\", \"type\": \"ModuleList\", \"children\": [\"fc\", \"pool\"]},"
    "{\"op\": \"module\", \"id\": \"block\", \"type\": \"Sequential\", \"children\": [\"fc\", \"pool\"]},"
    "{\"op\": \"module\", \"id\": \"tail\", \"type\": \"Sequential\", \"children\": [\"same\", \"fc2\"]},"
    "{\"op\": \"module\", \"id\": \"mixed\", \"type\": \"Sequential\", \"children\": [\"block\", \"tail\"]},"
    "{\"op\": \"module\", \"id\": \"after_list\", \"type\": \"Sequential\", \"children\": [\"block\", \"layers\"]},"
    "{\"op\": \"forward\", \"target\": \"ids\", \"input\": {\"randn\": [2, 4]}, \"name\": \"a\"},"
    "{\"op\": \"forward\", \"target\": \"empty\", \"input\": {\"randn\": [2, 4]}, \"name\": \"b\"},"
    "{\"op\": \"forward\", \"target\": \"layers\", \"input\": {\"randn\": [2, 3, 4]}, \"name\": \"c\"},"
    "{\"op\": \"forward\", \"target\": \"mixed\", \"input\": {\"randn\": [2, 3, 4]}, \"name\": \"d\"},"
    "{\"op\": \"forward\", \"target\": \"after_list\", \"input\": {\"randn\": [2, 3, 4]}, \"name\": \"e\"}"
    "]}");
#undef POOL_RI
#undef FC
  /* Identity twice, an empty Sequential: the input back, one tensor */
  assert_contains (s, "outputs[\"a\"] = ids(torch.randn(2, 4))\n");
  assert_contains (s, "outputs[\"b\"] = empty(torch.randn(2, 4))\n");
  /* a ModuleList has no forward (torch: NotImplementedError), even ending in the pool, nor does a
   * Sequential ending in one; a last child that holds a Linear after its Identity does not pass the
   * pair on (torch: the Linear fails on the tuple) */
  assert_contains (s, "outputs[\"c\"] = layers(torch.randn(2, 3, 4))\n");
  assert_contains (s, "outputs[\"d\"] = mixed(torch.randn(2, 3, 4))\n");
  assert_contains (s, "outputs[\"e\"] = after_list(torch.randn(2, 3, 4))\n");
  assert_not_contains (s, "[1]\"]");
  g_free (g_steal_pointer (&s));
  /* the control: the block alone returns the pair */
  s = export_ok (HEAD "{\"op\": \"module\", \"id\": \"pool\", \"type\": \"MaxPool1d\", "
                 "\"args\": {\"kernel_size\": 2, \"return_indices\": true}},"
                 "{\"op\": \"module\", \"id\": \"block\", \"type\": \"Sequential\", \"children\": [\"pool\"]},"
                 "{\"op\": \"forward\", \"target\": \"block\", \"input\": {\"randn\": [2, 3, 4]}, \"name\": \"f\"}]}");
  assert_contains (s, "outputs[\"f\"], outputs[\"f[1]\"] = block(torch.randn(2, 3, 4))\n");
}

static void
test_errors (void)
{
  g_autoptr (GError) error = NULL;
  char *s = export_text (HEAD
    "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 2}},"
    "{\"op\": \"init\", \"target\": \"nope.weight\", \"fn\": \"zeros_\"}"
    "]}", &error);
  g_assert_null (s);
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_true (g_str_has_prefix (error->message, "op 2 (init): "));
  g_assert_nonnull (strstr (error->message, "'nope'"));
}

/* ---------- fixtures ---------- */

/* Fixtures the recipe loader rejects though torch runs them (test-parity.c, known[]). */
static gboolean
unloadable (const char *name)
{
  return strcmp (name, "random-07") == 0 || strcmp (name, "random-33") == 0;
}

static void
test_fixture_script (gconstpointer data)
{
  const char *name = data;
  g_autofree char *rpath = parity_fixture_path (name, ".recipe.json");
  g_autofree char *spath = parity_fixture_path (name, ".export.py");
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_file (rpath, &error);
  if (recipe == NULL && unloadable (name))
    {
      /* see test-parity.c's known[]: torch runs it, the recipe loader rejects it */
      g_assert_nonnull (strstr (error->message, "NonDynamicallyQuantizableLinear"));
      g_assert_false (g_file_test (spath, G_FILE_TEST_EXISTS));
      return;
    }
  g_assert_no_error (error);
  g_autofree char *script = ps_export_pytorch (recipe, &error);
  g_assert_no_error (error);
  if (g_getenv ("PS_EXPORT_WRITE"))
    {
      g_assert_true (g_file_set_contents (spath, script, -1, &error));
      return;
    }
  g_autofree char *golden = NULL;
  g_file_get_contents (spath, &golden, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (script, ==, golden);
}

/* digests of a {key: index} map of the torch replay */
static GHashTable *
torch_digests (JsonObject *res, JsonObject *map)
{
  GHashTable *h = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonArray *tensors = json_object_get_array_member (res, "tensors");
  g_autoptr (GList) keys = json_object_get_members (map);
  for (GList *l = keys; l; l = l->next)
    {
      gint64 i = json_object_get_int_member (map, l->data);
      char *d = NULL;
      if (i >= 0)
        {
          g_autoptr (PsTensor) t = parity_tensor (json_array_get_object_element (tensors, (guint) i));
          d = parity_sha256 (t);
        }
      g_hash_table_insert (h, g_strdup (l->data), d ? d : g_strdup ("uninitialized"));
    }
  return h;
}

static void
assert_same_digests (const char *what, GHashTable *want, JsonObject *got)
{
  g_autoptr (GList) keys = json_object_get_members (got);
  g_assert_cmpuint (g_list_length (keys), ==, g_hash_table_size (want));
  for (GList *l = keys; l; l = l->next)
    {
      JsonNode *n = json_object_get_member (got, l->data);
      const char *d = JSON_NODE_HOLDS_NULL (n) ? "uninitialized"
                      : json_object_get_string_member (json_node_get_object (n), "sha256");
      const char *w = g_hash_table_lookup (want, l->data);
      if (g_strcmp0 (w, d) != 0)
        g_error ("%s %s: the exported script computed %s, the torch replay %s", what,
                 (const char *) l->data, d, w ? w : "(missing)");
    }
}

static void
test_fixture_result (gconstpointer data)
{
  const char *name = data;
  g_autofree char *tpath = parity_fixture_path (name, ".torch.json");
  g_autofree char *epath = parity_fixture_path (name, ".export.json");
  g_autoptr (JsonNode) tn = parity_load_json (tpath);
  g_autoptr (JsonNode) en = parity_load_json (epath);
  JsonObject *res = json_node_get_object (tn), *exp = json_node_get_object (en);

  /* the state the script ends in: torch's after the last step (or after the failing op) */
  JsonObject *final = NULL;
  if (json_object_has_member (res, "error_state"))
    final = json_object_get_object_member (res, "error_state");
  else
    {
      JsonArray *steps = json_object_get_array_member (res, "steps");
      guint n = json_array_get_length (steps);
      final = n ? json_object_get_object_member (json_array_get_object_element (steps, n - 1), "state")
                : json_object_new ();
      if (n == 0)
        json_object_unref (final), final = NULL;
    }
  g_autoptr (JsonObject) empty = json_object_new ();
  g_autoptr (GHashTable) want_state = torch_digests (res, final ? final : empty);
  assert_same_digests ("state", want_state, json_object_get_object_member (exp, "state"));
  g_autoptr (GHashTable) want_out = torch_digests (res, json_object_get_object_member (res, "outputs"));
  assert_same_digests ("output", want_out, json_object_get_object_member (exp, "outputs"));

  JsonNode *terr = json_object_get_member (res, "error"), *eerr = json_object_get_member (exp, "error");
  g_assert_cmpint (JSON_NODE_HOLDS_NULL (terr), ==, JSON_NODE_HOLDS_NULL (eerr));
  if (!JSON_NODE_HOLDS_NULL (terr))
    {
      JsonObject *a = json_node_get_object (terr), *b = json_node_get_object (eerr);
      g_assert_cmpint (json_object_get_int_member (a, "step"), ==, json_object_get_int_member (b, "step"));
      g_assert_cmpstr (json_object_get_string_member (a, "type"), ==, json_object_get_string_member (b, "type"));
      g_assert_cmpstr (json_object_get_string_member (a, "message"), ==, json_object_get_string_member (b, "message"));
    }
  /* torch's generator after the script = after the replay (including a failing op's draws) */
  JsonArray *tp = json_object_get_array_member (res, json_object_has_member (res, "probe_after_raw")
                                                      ? "probe_after_raw" : "probe_after");
  JsonArray *ep = json_object_get_array_member (exp, "probe_after");
  for (guint i = 0; i < 2; i++)
    g_assert_cmpstr (json_array_get_string_element (tp, i), ==, json_array_get_string_element (ep, i));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/export-pytorch/literals", test_literals);
  g_test_add_func ("/export-pytorch/targets", test_targets);
  g_test_add_func ("/export-pytorch/classes", test_classes);
  g_test_add_func ("/export-pytorch/names", test_names);
  g_test_add_func ("/export-pytorch/restructure", test_restructure);
  g_test_add_func ("/export-pytorch/pair", test_pair);
  g_test_add_func ("/export-pytorch/errors", test_errors);
  g_autoptr (GPtrArray) names = parity_fixture_names ();
  g_assert_cmpuint (names->len, >=, 40);
  for (guint i = 0; i < names->len; i++)
    {
      const char *n = g_ptr_array_index (names, i);
      g_autofree char *p1 = g_strdup_printf ("/export-pytorch/script/%s", n);
      g_test_add_data_func (p1, n, test_fixture_script);
      if (!g_getenv ("PS_EXPORT_WRITE") && !unloadable (n))
        {
          g_autofree char *p2 = g_strdup_printf ("/export-pytorch/torch-result/%s", n);
          g_test_add_data_func (p2, n, test_fixture_result);
        }
    }
  return g_test_run ();
}
