/* Add Layer's ops (ps-edit-add), headless: "module" + "attach" to the container nearest the
 * selection as one step; the model itself and a module with no container near are attached
 * nowhere (the latter with a note); where the dialog says it goes. */
#include "ps-edit-add.h"
#include "ps-timeline.h"

#include "timeline-ops.h"

static PsState *
last (PsTimeline *tl)
{
  return ps_timeline_get_state (tl, ps_timeline_get_n_steps (tl));
}

static void
test_attach (void)
{
  g_autoptr (PsTimeline) tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  append (tl, "{\"op\":\"module\",\"id\":\"model\",\"type\":\"Sequential\",\"children\":[]}");
  append (tl, "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":3,\"out_features\":4}}");
  append (tl, "{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"0\",\"child\":\"fc\"}");
  PsEditSelection fc = { NULL, "0", FALSE };
  g_autofree char *where = ps_edit_add_where (last (tl), &fc);
  g_assert_cmpstr (where, ==, "attached to model as its child 1");

  g_autoptr (JsonObject) args = json_object_new ();
  g_auto (PsEditAdd) add;
  ps_edit_add_build (last (tl), &fc, "ReLU", "", args, "", NULL, NULL, &add);
  g_assert_cmpuint (add.n_ops, ==, 2);
  g_assert_cmpstr (add.id, ==, "relu1");
  g_assert_null (add.note);
  g_assert_cmpstr (json_object_get_string_member (add.ops[0], "op"), ==, "module");
  g_assert_cmpstr (json_object_get_string_member (add.ops[1], "op"), ==, "attach");
  g_assert_cmpstr (json_object_get_string_member (add.ops[1], "parent"), ==, "model");
  g_assert_cmpstr (json_object_get_string_member (add.ops[1], "child"), ==, "relu1");
  g_assert_cmpstr (json_object_get_string_member (add.ops[1], "name"), ==, "1");
  for (guint i = 0; i < add.n_ops; i++)
    g_assert_true (ps_timeline_append_op (tl, add.ops[i], NULL));
  g_assert_nonnull (ps_module_get_child (ps_state_get_root (last (tl)), "1"));
  ps_edit_add_clear (&add);
  g_assert_null (add.ops[0]);
  g_assert_cmpuint (add.n_ops, ==, 0);
}

/* an empty document: the first container becomes the model (attached nowhere, no note); a layer
 * before any container stays on its own, and the note says how to make a model of it */
static void
test_nowhere (void)
{
  g_autoptr (PsTimeline) tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  g_autofree char *where = ps_edit_add_where (last (tl), NULL);
  g_assert_cmpstr (where, ==, "constructed on its own (no container to attach it to)");
  g_autoptr (JsonObject) args = json_object_new ();
  g_auto (PsEditAdd) lone;
  ps_edit_add_build (last (tl), NULL, "ReLU", "act", args, NULL, NULL, NULL, &lone);
  g_assert_cmpuint (lone.n_ops, ==, 1);
  g_assert_null (lone.ops[1]);
  g_assert_cmpstr (lone.id, ==, "act");
  g_assert_cmpstr (lone.note, ==, "Created act. Add a Sequential to make a model of it (its Children: act).");
  g_assert_true (ps_timeline_append_op (tl, lone.ops[0], NULL));

  const char *const kids[] = { "act", NULL };
  g_auto (PsEditAdd) model;
  ps_edit_add_build (last (tl), NULL, "Sequential", "", args, NULL, kids, NULL, &model);
  g_assert_cmpstr (model.id, ==, "model");
  g_assert_cmpuint (model.n_ops, ==, 1);
  g_assert_null (model.note);
  g_assert_true (ps_timeline_append_op (tl, model.ops[0], NULL));
  g_assert_nonnull (ps_state_get_root (last (tl)));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/edit-add/attach", test_attach);
  g_test_add_func ("/edit-add/nowhere", test_nowhere);
  return g_test_run ();
}
