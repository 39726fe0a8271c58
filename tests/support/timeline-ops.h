/* timeline-ops.h — building a timeline op by op from JSON text in headless doc tests (test-edit,
 * test-explain): each op must append (validated and applied) without an error. */
#pragma once

#include <json-glib/json-glib.h>
#include "ps-timeline.h"

static inline JsonObject *
parse_op (const char *json)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, json, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

static inline void
append (PsTimeline *tl, const char *json)
{
  g_autoptr (JsonObject) op = parse_op (json);
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_timeline_append_op (tl, op, &error));
  g_assert_no_error (error);
}
