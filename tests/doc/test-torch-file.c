/* Torch checkpoints: every fixture of tests/data/pt/manifest.json (tests/golden/gen_pt.py, torch
 * 1.13). Valid files must give what torch.load gives — names, dtypes, shapes, aliases, metadata
 * and the sha256 of every decoded value; malicious files must be refused with their message. */
#include <json-glib/json-glib.h>
#include <string.h>
#include "ps-checkpoint.h"
#include "ps-checkpoint-summary.h"
#include "ps-torch-file.h"

static JsonObject *manifest;

static char *
pt_path (const char *rel)
{
  const char *dir = g_getenv ("PS_TEST_DATA");
  g_assert_nonnull (dir);
  return g_build_filename (dir, "pt", rel, NULL);
}

static char *
tensor_sha256 (const PsTensor *t)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, t->data, ps_tensor_nbytes (t));
}

static void
check_valid (const char *rel, JsonObject *m)
{
  g_autofree char *path = pt_path (rel);
  g_autoptr (GError) error = NULL;
  gboolean anyway = json_object_get_boolean_member (m, "open_anyway");
  if (json_object_has_member (m, "strict_error"))
    {
      g_autoptr (PsTorchFile) strict = ps_torch_file_open (path, PS_TORCH_OPEN_STRICT, &error);
      g_assert_null (strict);
      g_assert_nonnull (error);
      if (strstr (error->message, json_object_get_string_member (m, "strict_error")) == NULL)
        g_error ("%s: strict error \"%s\"", rel, error->message);
      g_clear_error (&error);
    }
  g_autoptr (PsTorchFile) tf = ps_torch_file_open (path, anyway ? PS_TORCH_OPEN_ANYWAY : PS_TORCH_OPEN_STRICT, &error);
  g_assert_no_error (error);
  JsonObject *tensors = json_object_get_object_member (m, "tensors");
  g_assert_cmpuint (ps_torch_file_get_n_tensors (tf), ==, json_object_get_size (tensors));
  g_autoptr (GList) names = json_object_get_members (tensors);
  for (GList *l = names; l; l = l->next)
    {
      const char *name = l->data;
      JsonObject *x = json_object_get_object_member (tensors, name);
      const PsTorchTensorInfo *i = ps_torch_file_lookup (tf, name);
      if (i == NULL)
        g_error ("%s: no tensor %s", rel, name);
      g_assert_cmpstr (i->dtype, ==, json_object_get_string_member (x, "dtype"));
      JsonArray *shape = json_object_get_array_member (x, "shape");
      g_assert_cmpint (i->ndim, ==, (int) json_array_get_length (shape));
      for (int k = 0; k < i->ndim; k++)
        g_assert_cmpint (i->shape[k], ==, json_array_get_int_element (shape, (guint) k));
      g_autoptr (PsTensor) t = ps_torch_file_load (tf, name, &error);
      if (json_object_get_null_member (x, "sha256"))
        {
          /* complex: listed, not decoded */
          g_assert_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED);
          g_clear_error (&error);
          continue;
        }
      g_assert_no_error (error);
      g_autofree char *sha = tensor_sha256 (t);
      if (strcmp (sha, json_object_get_string_member (x, "sha256")) != 0)
        g_error ("%s: tensor %s: values differ from torch.load's", rel, name);
    }
  JsonObject *aliases = json_object_get_object_member (m, "aliases");
  guint n_alias = 0;
  for (guint k = 0; k < ps_torch_file_get_n_tensors (tf); k++)
    {
      const PsTorchTensorInfo *i = ps_torch_file_get_info (tf, k);
      if (i->alias_of != NULL)
        {
          n_alias++;
          g_assert_true (json_object_has_member (aliases, i->name));
          g_assert_cmpstr (i->alias_of, ==, json_object_get_string_member (aliases, i->name));
        }
    }
  g_assert_cmpuint (n_alias, ==, json_object_get_size (aliases));
  JsonObject *md = json_object_get_object_member (m, "metadata");
  g_autoptr (GList) keys = json_object_get_members (md);
  for (GList *l = keys; l; l = l->next)
    g_assert_cmpstr (ps_torch_file_get_metadata (tf, l->data), ==, json_object_get_string_member (md, l->data));
  if (!json_object_get_null_member (m, "state_dict_prefix"))
    g_assert_cmpstr (ps_torch_file_get_state_dict_prefix (tf), ==,
                     json_object_get_string_member (m, "state_dict_prefix"));
  if (json_object_has_member (m, "param_of"))
    {
      JsonObject *po = json_object_get_object_member (m, "param_of");
      g_autoptr (GList) pk = json_object_get_members (po);
      for (GList *l = pk; l; l = l->next)
        g_assert_cmpstr (ps_torch_file_lookup (tf, l->data)->param_of, ==, json_object_get_string_member (po, l->data));
    }
  if (anyway)
    g_assert_nonnull (ps_torch_file_get_unknown_globals (tf)[0]);
}

static void
check_error (const char *rel, JsonObject *m)
{
  g_autofree char *path = pt_path (rel);
  g_autoptr (GError) error = NULL;
  const char *expect = json_object_get_string_member (m, "error");
  gboolean anyway = json_object_has_member (m, "open_anyway") && json_object_get_boolean_member (m, "open_anyway");
  g_autoptr (PsTorchFile) tf = ps_torch_file_open (path, anyway ? PS_TORCH_OPEN_ANYWAY : PS_TORCH_OPEN_STRICT, &error);
  if (strcmp (json_object_get_string_member (m, "stage"), "open") == 0)
    {
      g_assert_null (tf);
      g_assert_nonnull (error);
      if (strstr (error->message, expect) == NULL)
        g_error ("%s: expected \"%s\", got \"%s\"", rel, expect, error->message);
      /* the message names the file */
      g_autofree char *base = g_path_get_basename (path);
      g_assert_nonnull (strstr (error->message, base));
      return;
    }
  g_assert_no_error (error);
  gboolean failed = FALSE;
  for (guint k = 0; k < ps_torch_file_get_n_tensors (tf); k++)
    {
      g_autoptr (PsTensor) t = ps_torch_file_load (tf, ps_torch_file_get_info (tf, k)->name, &error);
      if (t == NULL)
        {
          if (strstr (error->message, expect) == NULL)
            g_error ("%s: expected \"%s\" on load, got \"%s\"", rel, expect, error->message);
          failed = TRUE;
          g_clear_error (&error);
        }
    }
  g_assert_true (failed);
}

static void
test_file (gconstpointer data)
{
  const char *rel = data;
  JsonObject *m = json_object_get_object_member (manifest, rel);
  if (strcmp (json_object_get_string_member (m, "outcome"), "ok") == 0)
    check_valid (rel, m);
  else
    check_error (rel, m);
}

/* The same files through the format-independent API that the CLI and the window use. */
static void
test_checkpoint_api (void)
{
  g_autofree char *path = pt_path ("valid/checkpoint_sgd.pt");
  g_autoptr (GError) error = NULL;
  g_autoptr (PsCheckpoint) ck = ps_checkpoint_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ps_checkpoint_get_format (ck), ==, PS_CHECKPOINT_TORCH);
  const PsCheckpointEntry *e = ps_checkpoint_lookup (ck, "model.fc1.weight");
  g_assert_nonnull (e);
  g_assert_cmpstr (e->dtype, ==, "F32");
  g_assert_cmpint (e->numel, ==, 24);
  g_assert_cmpstr (ps_checkpoint_get_metadata (ck, "epoch"), ==, "3");
  const PsCheckpointEntry *mb = ps_checkpoint_lookup (ck, "optimizer.state.0.momentum_buffer");
  g_assert_cmpstr (mb->note, ==, "optimizer state of model.fc1.weight");
  g_autoptr (PsTensor) t = ps_checkpoint_load (ck, "model.fc1.weight", &error);
  g_assert_no_error (error);
  g_assert_cmpint (t->numel, ==, 24);
  g_assert_nonnull (ps_checkpoint_find_node (ck, "model.bn"));
  g_assert_cmpstr (ps_checkpoint_state_dict_name (ck, "fc1.weight"), ==, "model.fc1.weight");
  g_assert_null (ps_checkpoint_state_dict_name (ck, "nope"));

  /* the summary (the window's root page) of a file with a complex tensor: listed, left out of the norms */
  g_autofree char *dpath = pt_path ("valid/dtypes.pt");
  g_autoptr (PsCheckpoint) dck = ps_checkpoint_open (dpath, &error);
  g_assert_no_error (error);
  g_autoptr (PsCheckpointSummary) sum = ps_checkpoint_summary_new (dck, TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sum->n_tensors, ==, 14);
  g_assert_true (sum->has_norms);

  /* a sharded pytorch_model.bin index */
  g_autofree char *ipath = pt_path ("valid/sharded/pytorch_model.bin.index.json");
  g_autoptr (PsCheckpoint) sh = ps_checkpoint_open (ipath, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ps_checkpoint_get_format (sh), ==, PS_CHECKPOINT_TORCH);
  g_assert_nonnull (ps_checkpoint_lookup (sh, "fc2.bias"));

  /* whole modules are refused by default, naming the class */
  g_autofree char *wpath = pt_path ("valid/whole_module.pt");
  g_autoptr (PsCheckpoint) w = ps_checkpoint_open (wpath, &error);
  g_assert_null (w);
  g_assert_error (error, PS_ERROR, PS_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "torch.nn.modules.container.Sequential"));
}

/* Inputs the fuzzers found (fuzz/README.md): each must open or fail with an error, in both modes,
 * and every tensor of one that opens must load or fail with an error. */
static void
test_fuzz_regressions (void)
{
  g_autofree char *dir = pt_path ("fuzz-regressions");
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  guint n = 0;
  for (const char *f; (f = g_dir_read_name (d)) != NULL; n++)
    for (int mode = 0; mode < 2; mode++)
      {
        g_autofree char *path = g_build_filename (dir, f, NULL);
        g_autoptr (GError) error = NULL;
        g_autoptr (PsTorchFile) tf = ps_torch_file_open (path, mode ? PS_TORCH_OPEN_ANYWAY : PS_TORCH_OPEN_STRICT, &error);
        g_assert_true ((tf == NULL) == (error != NULL));
        for (guint i = 0; tf && i < ps_torch_file_get_n_tensors (tf); i++)
          {
            g_autoptr (PsTensor) t = ps_torch_file_load (tf, ps_torch_file_get_info (tf, i)->name, &error);
            g_assert_true ((t == NULL) == (error != NULL));
            g_clear_error (&error);
          }
        g_autofree const char **keys = tf ? ps_torch_file_get_metadata_keys (tf) : NULL;
        for (guint k = 0; keys && keys[k]; k++)
          g_assert_nonnull (ps_torch_file_get_metadata (tf, keys[k]));
      }
  g_assert_cmpuint (n, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_autofree char *mpath = pt_path ("manifest.json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  if (!json_parser_load_from_file (parser, mpath, &error))
    g_error ("%s", error->message);
  manifest = json_node_get_object (json_parser_get_root (parser));
  g_autoptr (GList) files = json_object_get_members (manifest);
  files = g_list_sort (files, (GCompareFunc) strcmp);
  for (GList *l = files; l; l = l->next)
    {
      g_autofree char *tp = g_strdup_printf ("/torch-file/%s", (const char *) l->data);
      g_test_add_data_func (tp, l->data, test_file);
    }
  g_test_add_func ("/torch-file/checkpoint-api", test_checkpoint_api);
  g_test_add_func ("/torch-file/fuzz-regressions", test_fuzz_regressions);
  return g_test_run ();
}
