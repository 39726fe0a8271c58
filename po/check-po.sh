#!/bin/sh
# check-po.sh SRCDIR LANG — a translation is valid, complete and current:
#  1. msgfmt --check accepts it (format strings match, header sane);
#  2. nothing is untranslated or fuzzy (msgfmt --statistics);
#  3. every string of the sources (po/POTFILES.in, extracted now) has a translation (msgcmp).
set -eu
src=$1
lang=$2
po="$src/po/$lang.po"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "1..3"
if msgfmt --check -c -o /dev/null "$po"; then echo "ok 1 - msgfmt --check $lang.po"; else echo "not ok 1 - msgfmt --check $lang.po"; exit 0; fi

stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$po" 2>&1)
case "$stats" in
  *untranslated*|*fuzzy*) echo "not ok 2 - $lang.po complete: $stats" ;;
  *) echo "ok 2 - $lang.po complete: $stats" ;;
esac

# the same extraction as meson's i18n 'glib' preset (paramscope-pot)
(cd "$src" && grep -v '^#' po/POTFILES.in | grep . > "$tmp/files" &&
 xgettext --package-name=paramscope -f "$tmp/files" -o "$tmp/paramscope.pot" --from-code=UTF-8 \
   --add-comments --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=g_dcgettext:2 \
   --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format \
   --flag=NC_:2:pass-c-format --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
   --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format --flag=g_error_new:3:c-format \
   --flag=g_set_error:4:c-format 2> "$tmp/xgettext.log") || { cat "$tmp/xgettext.log" >&2; echo "not ok 3 - extraction failed"; exit 0; }
if msgcmp "$po" "$tmp/paramscope.pot" 2> "$tmp/msgcmp.log"; then
  echo "ok 3 - every source string has a $lang translation"
else
  sed 's/^/# /' "$tmp/msgcmp.log"
  echo "not ok 3 - $lang.po misses source strings (run: ninja paramscope-update-po, then translate)"
fi
