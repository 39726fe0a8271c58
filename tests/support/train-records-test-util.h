/* train-records-test-util.h — the fixture of the Training page's render objects' tests
 * (test-train-snapshots, test-train-series): one training recipe replayed twice, with every snapshot
 * kept (`full`, indexed as `all`) and under memory budget 0 (`thin`: only the last snapshot kept,
 * indexed as `recs`), a counter for the objects' `ready` callback and the waits on it. */
#pragma once

#include "ps-train-records.h"

typedef struct {
  PsTimeline *full, *thin;
  PsTrainRecords *all, *recs;
  guint n_ready;
} TrainRecordsFixture;

static inline PsTimeline *
train_records_timeline (const char *recipe, guint64 budget)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (recipe, -1, &error);
  g_assert_no_error (error);
  PsTimeline *tl = ps_timeline_new_from_recipe_with_budget (r, -1, NULL, budget);
  g_assert_null (ps_timeline_get_error (tl));
  return tl;
}

static inline void
train_records_fixture_init (TrainRecordsFixture *fx, const char *recipe)
{
  fx->full = train_records_timeline (recipe, G_MAXUINT64);
  fx->thin = train_records_timeline (recipe, 0);   /* only the last snapshot kept */
  fx->all = ps_train_records_new ();
  fx->recs = ps_train_records_new ();
  ps_train_records_index_timeline (fx->all, fx->full);
  ps_train_records_index_timeline (fx->recs, fx->thin);
  fx->n_ready = 0;
}

static inline void
train_records_fixture_clear (TrainRecordsFixture *fx)
{
  ps_train_records_free (fx->all);
  ps_train_records_free (fx->recs);
  ps_timeline_free (fx->full);
  ps_timeline_free (fx->thin);
}

/* the objects' `ready` callback (data: the fixture) */
static inline void
train_records_on_ready (gpointer data)
{
  ((TrainRecordsFixture *) data)->n_ready++;
}

/* Iterate until `ready` ran n times (or 60 s). */
static inline void
train_records_wait_ready (TrainRecordsFixture *fx, guint n)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (fx->n_ready < n && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  g_assert_cmpuint (fx->n_ready, ==, n);
}

/* Iterate for `ms` (a late result would arrive meanwhile). */
static inline void
train_records_run_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
}
