/* eye-fixture.h — the CLI picture tests' fixture: a temporary folder holding eye.json, a recipe
 * whose steps are easy to recognise in a picture:
 *   step 0 seed, step 1 Linear(5, 5) created (kaiming_uniform_), step 2 eye_ on the weight,
 *   step 3 zeros_ on the bias (the weight as at step 2).
 * Use with g_test_add (path, EyeFixture, NULL, eye_fixture_setup, test, eye_fixture_teardown). */
#pragma once

#include <glib.h>
#include "picture-test-util.h"

static const char eye_recipe[] =
  "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, \"root\": \"fc\", \"ops\": ["
  " {\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 5, \"out_features\": 5}},"
  " {\"op\": \"init\", \"target\": \"fc.weight\", \"fn\": \"eye_\"},"
  " {\"op\": \"init\", \"target\": \"fc.bias\", \"fn\": \"zeros_\"}]}";

typedef struct {
  char *dir;      /* the temporary folder (removed with all it holds) */
  char *recipe;   /* dir/eye.json */
} EyeFixture;

static inline void
eye_fixture_setup (EyeFixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("ps-cli-eye-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->recipe = g_build_filename (f->dir, "eye.json", NULL);
  g_assert_true (g_file_set_contents (f->recipe, eye_recipe, -1, NULL));
}

static inline void
eye_fixture_teardown (EyeFixture *f, gconstpointer data)
{
  rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->recipe);
}
