/* async-test-util.h — waiting for a GAsyncResult in a test: pass store_result as the callback and
 * &slot as its data, then wait_result (&slot) runs the default main context until the call ended.
 * Shared by the tests of the doc and render workers (series changes and norms, series picture,
 * tensor reading) and the window tests of the document's worker jobs. */
#pragma once

#include <gio/gio.h>

static inline void
store_result (G_GNUC_UNUSED GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* Runs the default main context until the async call stored its result in *slot. */
static inline GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}
