/* checkpoint-test-util.h — a small nested checkpoint, written as safetensors, with known values:
 * tensor k (0-based, in the order below) holds 0.5·(k + 1)·(i + 1) at flat index i. The writer
 * stores them as the safetensors library does (8-byte dtypes first, then by name): that is the
 * file's order, which the tree keeps. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include "ps-safetensors.h"

static const char *const nested_names[] = {
  "encoder.layers.0.self_attn.q_proj.weight",
  "encoder.layers.0.self_attn.q_proj.bias",
  "encoder.layers.1.fc.weight",
  "head.weight",
  "step",
};
static const int64_t nested_shapes[][2] = { { 2, 3 }, { 2, 0 }, { 2, 2 }, { 1, 2 }, { 1, 0 } };
#define NESTED_N 5

/* The tree of nested.safetensors as the checkpoint item model and window dump it: name, dtypes,
 * shape or tensor count, element count; groups by dotted name in the file's order. */
#define NESTED_TREE_DUMP \
  "nested.safetensors I64, F32 5 tensors 15\n" \
  "  step I64 [1] 1\n" \
  "  encoder F32 3 tensors 12\n" \
  "    layers F32 3 tensors 12\n" \
  "      0 F32 2 tensors 8\n" \
  "        self_attn F32 2 tensors 8\n" \
  "          q_proj F32 2 tensors 8\n" \
  "            bias F32 [2] 2\n" \
  "            weight F32 [2, 3] 6\n" \
  "      1 F32 1 tensor 4\n" \
  "        fc F32 1 tensor 4\n" \
  "          weight F32 [2, 2] 4\n" \
  "  head F32 1 tensor 2\n" \
  "    weight F32 [1, 2] 2\n"

static inline double
nested_value (int k, int64_t i)
{
  return 0.5 * (k + 1) * (double) (i + 1);
}

/* Writes it into a new temporary directory; returns the file's path (free with nested_remove). */
static inline char *
nested_write (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ps-nested-XXXXXX", &error);
  g_assert_no_error (error);
  char *path = g_build_filename (dir, "nested.safetensors", NULL);
  PsTensor *ts[NESTED_N];
  for (int k = 0; k < NESTED_N; k++)
    {
      int64_t shape[2] = { nested_shapes[k][0], nested_shapes[k][1] };
      int ndim = shape[1] == 0 ? 1 : 2;
      gboolean is_int = k == NESTED_N - 1;   /* "step": an int64 counter, like a buffer */
      ts[k] = ps_tensor_new (is_int ? PS_DTYPE_INT64 : PS_DTYPE_FLOAT32, ndim, shape, &error);
      g_assert_no_error (error);
      for (int64_t i = 0; i < ts[k]->numel; i++)
        if (is_int)
          ps_tensor_i64 (ts[k])[i] = 7;
        else
          ps_tensor_f32 (ts[k])[i] = (float) nested_value (k, i);
    }
  g_assert_true (ps_safetensors_write (path, NESTED_N, nested_names, ts, NULL, &error));
  g_assert_no_error (error);
  for (int k = 0; k < NESTED_N; k++)
    ps_tensor_unref (ts[k]);
  return path;
}

static inline void
nested_remove (char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
}
