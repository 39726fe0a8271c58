#!/bin/sh
# check-op-kind-names.sh — keeps DESIGN.md's rule "no code outside the table dispatches on the
# kind's name" true. Usage: check-op-kind-names.sh [SOURCE_ROOT] (the meson test
# `op-kind-names` runs it).
#
# The kind names are read from the op table itself (the `.name = "…"` entries of
# src/doc/ps-op.c and the TRAIN_KIND (…) entries of src/doc/ps-train-ops.c), so a new kind is
# covered without editing this file. In every .c/.h under src/ except those two files, it fails
# (exit 1, naming file:line) on
#   - a string comparison (strcmp, strncmp, g_strcmp0, g_str_equal, g_str_has_prefix/suffix,
#     g_ascii_strcasecmp, g_strv_contains) with a kind name literal on the same line, and
#   - a read of a JSON op's "op" member (json_object_get_*member*(…, "op")): the kind of an op
#     comes from the table (ps_op_new_from_json, then the ps_op_* questions of ps-op.h).
# A few comparisons use the same words for something else (a data set split "train", the
# scheduler's "step" interval, a Python method name); they are listed below, each with the file,
# the text that identifies it and why it is not a kind. A new one needs a line here and a reason.
set -eu

top=${1:-.}
cd "$top"
table=src/doc/ps-op.c
train_table=src/doc/ps-train-ops.c

kinds=$( { sed -n 's/.*\.name = "\([a-z_]*\)".*/\1/p' "$table"
           sed -n 's/^ *TRAIN_KIND (\([a-z_]*\),.*/\1/p' "$train_table"; } | sort -u)
n_kinds=$(printf '%s\n' "$kinds" | wc -l)
if [ "$n_kinds" -lt 20 ]; then
  echo "check-op-kind-names: read only $n_kinds kind names from $table and $train_table (the table's layout changed?)"
  exit 1
fi
alt=$(printf '%s\n' "$kinds" | tr '\n' '|' | sed 's/|$//')

# path|text on the line|why it is not an op kind
allowed='src/doc/ps-export-pytorch.c|strcmp (t->scheduler_every, "step")|the train op scheduler_every field value
src/doc/ps-fashion-mnist.c|g_strcmp0 (split, "train")|the data set split
src/doc/ps-fashion-mnist.c|g_str_equal (split, "train")|the data set split
src/doc/ps-export-pytorch.c|strcmp (split, "test")|the data set split
src/doc/ps-pickle.c|strcmp (it[0]->str, "module")|a pickled class path
src/doc/ps-py-statement.c|g_str_equal (method, "train")|a Python method name typed by the user
src/doc/ps-py-statement.c|g_str_equal (method, "reset_parameters")|a Python method name typed by the user
src/doc/ps-recipe.c|json_object_get_member (json_node_get_object (op), "op")|names the kind in an error message (ps_op_kind_field_is_seed asks the table)
src/core/ps-init.c|ps_args_get_string (r, "mode")|an init argument name
src/app/ps-window-actions.c|g_str_equal (response, "rename")|a dialog response id
src/app/ps-train-dialog.c|strcmp (field, "optimizer")|a field name of an error
src/app/ps-train-dialog.c|strcmp (field, "scheduler")|a field name of an error
src/app/ps-training-page.c|strcmp (sn[i], "step")|a training record series name
src/render/ps-train-view.c|strcmp (sn[i], "step")|a training record series name'

hits=$(find src -name '*.c' -o -name '*.h' | LC_ALL=C sort | grep -v -x -e "$table" -e "$train_table" \
       | xargs grep -nE \
         -e "(strcmp|strncmp|g_strcmp0|g_str_equal|g_str_has_prefix|g_str_has_suffix|g_ascii_strcasecmp|g_strv_contains) *\(.*\"($alt)\"" \
         -e "json_object_get_[a-z_]*member[a-z_]* *\(.*\"op\"" || true)

bad=$(printf '%s\n' "$hits" | awk -v allowed="$allowed" '
  BEGIN { n = split (allowed, lines, "\n");
          for (i = 1; i <= n; i++) { split (lines[i], f, "|"); path[i] = f[1]; text[i] = f[2] } }
  NF == 0 { next }
  { file = $0; sub (/:.*/, "", file);
    for (i = 1; i <= n; i++)
      if (file == path[i] && index ($0, text[i]) > 0)
        next;
    print }')

if [ -n "$bad" ]; then
  echo "An op kind's name is compared, or a JSON op's \"op\" member read, outside the op table"
  echo "($table, $train_table). Ask the op instead (ps-op.h: ps_op_loads_file, ps_op_records_training,"
  echo "ps_op_runs_forward, ps_op_get_built_module, …; a new question is a field of PsOpKind):"
  printf '%s\n' "$bad"
  exit 1
fi
echo "ok: $n_kinds op kind names, no comparison outside the table"
