/* The restricted unpickler (ps-pickle.c) on hand-assembled pickles: values, memo sharing, limits,
 * the allowlist and the open-anyway mode. The torch-written files are in test-torch-file.c. */
#include <math.h>
#include <string.h>
#include "ps-pickle.h"

static PsPickle *
parse (const char *bytes, gsize len, PsPickleFlags flags, GError **error)
{
  return ps_pickle_parse ((const guint8 *) bytes, len, flags, "t", NULL, error);
}

#define PARSE_OK(lit, flags) ({ g_autoptr (GError) e_ = NULL; PsPickle *p_ = parse (lit, sizeof (lit) - 1, flags, &e_); \
                                g_assert_no_error (e_); p_; })

static void
expect_error (const char *bytes, gsize len, PsPickleFlags flags, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsPickle) p = parse (bytes, len, flags, &error);
  g_assert_null (p);
  g_assert_error (error, PS_ERROR, PS_ERROR_PARSE);
  if (strstr (error->message, text) == NULL)
    g_error ("expected \"%s\" in \"%s\"", text, error->message);
}
#define EXPECT_ERROR(lit, flags, text) expect_error (lit, sizeof (lit) - 1, flags, text)

static void
test_scalars (void)
{
  /* {'a': 1.5 (BINFLOAT, big-endian), 'b': -2 (LONG1), 'c': 2^63-1 (LONG1), 'd': True, 'e': None,
   *  'f': 300 (BININT2), 'g': -7 (BININT), 'h': 2^70 (LONG1 of 9 bytes) } */
  g_autoptr (PsPickle) p = PARSE_OK ("\x80\x02}(X\x01\x00\x00\x00" "aG\x3f\xf8\x00\x00\x00\x00\x00\x00"
                                     "X\x01\x00\x00\x00" "b\x8a\x01\xfe"
                                     "X\x01\x00\x00\x00" "c\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7f"
                                     "X\x01\x00\x00\x00" "d\x88X\x01\x00\x00\x00" "eN"
                                     "X\x01\x00\x00\x00" "fM\x2c\x01X\x01\x00\x00\x00gJ\xf9\xff\xff\xff"
                                     "X\x01\x00\x00\x00h\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x40u.", 0);
  PsPickleValue *r = ps_pickle_get_root (p);
  g_assert_cmpint (r->kind, ==, PS_PV_DICT);
  g_assert_cmpfloat (ps_pickle_dict_get (r, "a")->f, ==, 1.5);
  g_assert_cmpint (ps_pickle_dict_get (r, "b")->i, ==, -2);
  g_assert_cmpint (ps_pickle_dict_get (r, "c")->i, ==, G_MAXINT64);
  g_assert_true (ps_pickle_dict_get (r, "d")->b);
  g_assert_cmpint (ps_pickle_dict_get (r, "e")->kind, ==, PS_PV_NONE);
  g_assert_cmpint (ps_pickle_dict_get (r, "f")->i, ==, 300);
  g_assert_cmpint (ps_pickle_dict_get (r, "g")->i, ==, -7);
  g_assert_cmpint (ps_pickle_dict_get (r, "h")->kind, ==, PS_PV_BIGINT);
  g_assert_cmpuint (ps_pickle_dict_get (r, "h")->len, ==, 9);
}

static void
test_float_specials (void)
{
  /* (nan, -inf, -0.0) as BINFLOAT */
  g_autoptr (PsPickle) p = PARSE_OK ("\x80\x02(G\x7f\xf8\x00\x00\x00\x00\x00\x00G\xff\xf0\x00\x00\x00\x00\x00\x00"
                                     "G\x80\x00\x00\x00\x00\x00\x00\x00t.", 0);
  PsPickleValue *t = ps_pickle_get_root (p);
  g_assert_cmpuint (t->items->len, ==, 3);
  g_assert_true (isnan (((PsPickleValue *) t->items->pdata[0])->f));
  g_assert_true (isinf (((PsPickleValue *) t->items->pdata[1])->f) && ((PsPickleValue *) t->items->pdata[1])->f < 0);
  double z = ((PsPickleValue *) t->items->pdata[2])->f;
  g_assert_true (z == 0 && signbit (z));
}

static void
test_memo_shares (void)
{
  /* l = []; (l, l) via BINPUT/BINGET; then APPEND into l through the second reference */
  g_autoptr (PsPickle) p = PARSE_OK ("\x80\x02]q\x00h\x00\x86q\x01.", 0);
  PsPickleValue *t = ps_pickle_get_root (p);
  g_assert_true (t->items->pdata[0] == t->items->pdata[1]);
  /* protocol 4: MEMOIZE, SHORT_BINUNICODE, FRAME */
  g_autoptr (PsPickle) p4 = PARSE_OK ("\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00\x8c\x02hi\x94h\x00\x86.", 0);
  PsPickleValue *t4 = ps_pickle_get_root (p4);
  g_assert_cmpstr (((PsPickleValue *) t4->items->pdata[0])->str, ==, "hi");
  g_assert_true (t4->items->pdata[0] == t4->items->pdata[1]);
}

static void
test_allowlisted (void)
{
  /* OrderedDict() + BUILD {'_metadata': {}}; set([1]); _codecs.encode('\u00ff', 'latin1'); torch.Size((2,3)) */
  g_autoptr (PsPickle) p = PARSE_OK ("\x80\x02(ccollections\nOrderedDict\n)R}X\x09\x00\x00\x00_metadata}sb"
                                     "c__builtin__\nset\n]K\x01" "a\x85R"
                                     "c_codecs\nencode\nX\x02\x00\x00\x00\xc3\xbfX\x06\x00\x00\x00latin1\x86R"
                                     "ctorch\nSize\nK\x02K\x03\x86\x85R"
                                     "ctorch\nbfloat16\nt.", 0);
  PsPickleValue *t = ps_pickle_get_root (p);
  PsPickleValue *od = t->items->pdata[0];
  g_assert_true (od->kind == PS_PV_DICT && od->ordered);
  g_assert_nonnull (ps_pickle_dict_get (od->attrs, "_metadata"));
  g_assert_cmpint (((PsPickleValue *) t->items->pdata[1])->kind, ==, PS_PV_SET);
  PsPickleValue *by = t->items->pdata[2];
  g_assert_cmpint (by->kind, ==, PS_PV_BYTES);
  g_assert_cmpuint (by->len, ==, 1);
  g_assert_cmpuint ((guint8) by->str[0], ==, 0xff);
  PsPickleValue *size = t->items->pdata[3];
  g_assert_cmpint (size->kind, ==, PS_PV_TUPLE);
  g_assert_cmpint (((PsPickleValue *) size->items->pdata[1])->i, ==, 3);
  g_assert_cmpstr (((PsPickleValue *) t->items->pdata[4])->name, ==, "bfloat16");
}

static void
test_tensor (void)
{
  /* _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', 6), 1, (2, 2), (1, 2), False, OrderedDict()) */
  static const char pk[] = "\x80\x02\x63torch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\n"
                           "X\x01\x00\x00\x00\x30X\x03\x00\x00\x00\x63puK\x06tQK\x01K\x02K\x02\x86K\x01K\x02\x86\x89"
                           "ccollections\nOrderedDict\n)RtR.";
  g_autoptr (PsPickle) p = PARSE_OK (pk, 0);
  PsPickleValue *t = ps_pickle_get_root (p);
  g_assert_cmpint (t->kind, ==, PS_PV_TENSOR);
  g_assert_cmpint (t->offset, ==, 1);
  g_assert_cmpint (t->ndim, ==, 2);
  g_assert_cmpint (t->stride[1], ==, 2);
  g_assert_cmpstr (t->storage->key, ==, "0");
  g_assert_cmpint (t->storage->numel, ==, 6);
  g_assert_cmpuint (ps_pickle_get_n_storages (p), ==, 1);
  /* the last element 1 + 1·1 + 1·2 = 4 < 6; with offset 3 it would be 6: refused */
  g_autofree char *bad = g_memdup2 (pk, sizeof pk);
  char *off = memmem (bad, sizeof pk, "tQK\x01", 4);
  off[3] = 3;
  expect_error (bad, sizeof pk - 1, 0, "view reaches element 6 of storage '0', which has 6");
}

static void
test_refusals (void)
{
  EXPECT_ERROR ("\x80\x02\x63os\nsystem\nX\x02\x00\x00\x00ls\x85R.", 0, "forbidden global os.system");
  EXPECT_ERROR ("\x80\x02\x63os\nsystem\nX\x02\x00\x00\x00ls\x85R.", PS_PICKLE_OPEN_ANYWAY, "never allowed");
  EXPECT_ERROR ("\x80\x02\x63__main__\nNet\n)\x81.", 0, "forbidden global __main__.Net");
  EXPECT_ERROR ("\x80\x02\x63__main__\nNet\n)R.", PS_PICKLE_OPEN_ANYWAY, "which is never called");
  EXPECT_ERROR ("\x80\x01N.", 0, "pickle protocol 1");
  EXPECT_ERROR ("N.", 0, "no PROTO opcode first");
  EXPECT_ERROR ("\x80\x02NN.", 0, "STOP with 2 values");
  EXPECT_ERROR ("\x80\x02(N.", 0, "STOP with 1 open MARKs");
  EXPECT_ERROR ("\x80\x02(a.", 0, "stack underflow");
  EXPECT_ERROR ("\x80\x02]N(s.", 0, "stack underflow");
  EXPECT_ERROR ("\x80\x02}]Ns.", 0, "dict key of type list is not hashable");
  EXPECT_ERROR ("\x80\x02}}b.", 0, "BUILD on a dict");
  EXPECT_ERROR ("\x80\x02Nq\x01.", 0, "memo index 1 past the memo size 0");
  EXPECT_ERROR ("\x80\x02\x63os\nsys tem\n.", 0, "non-printable");
  EXPECT_ERROR ("\x80\x02S'x'\n.", 0, "unsupported opcode");
  EXPECT_ERROR ("\x80\x02X\x01\x00\x00\x00\x00.", 0, "NUL character");
  EXPECT_ERROR ("\x80\x02K\x01.N", 0, "1 bytes after STOP");
  /* a storage id of the wrong kind, and a legacy id in a zip pickle */
  EXPECT_ERROR ("\x80\x02X\x06\x00\x00\x00moduleN\x86Q.", 0, "persistent id of kind 'module'");
}

static void
test_limits (void)
{
  /* 10,001 MARKs */
  GString *s = g_string_new ("\x80\x02");
  for (int k = 0; k < 10001; k++)
    g_string_append_c (s, '(');
  g_string_append_c (s, '.');
  expect_error (s->str, s->len, 0, "more than 10000 open MARKs");
  g_string_free (s, TRUE);
  /* 10^6 + 1 values on the stack */
  s = g_string_new ("\x80\x02");
  for (int k = 0; k < 1000001; k++)
    g_string_append_c (s, 'N');
  expect_error (s->str, s->len, 0, "more than 1000000 values");
  g_string_free (s, TRUE);
  /* a self-containing list is fine for the machine (walks keep a visited set) */
  g_autoptr (PsPickle) p = PARSE_OK ("\x80\x02]q\x00h\x00" "a.", 0);
  PsPickleValue *l = ps_pickle_get_root (p);
  g_assert_true (l->items->pdata[0] == l);
}

static void
test_open_anyway (void)
{
  /* Net() with BUILD {'_parameters': OrderedDict(), 'x': 1} */
  static const char pk[] = "\x80\x02\x63__main__\nNet\n)\x81}(X\x0b\x00\x00\x00_parametersccollections\nOrderedDict\n)R"
                           "X\x01\x00\x00\x00xK\x01ub.";
  g_autoptr (PsPickle) p = PARSE_OK (pk, PS_PICKLE_OPEN_ANYWAY);
  PsPickleValue *o = ps_pickle_get_root (p);
  g_assert_cmpint (o->kind, ==, PS_PV_OBJECT);
  g_assert_cmpstr (o->module, ==, "__main__");
  g_assert_cmpstr (o->name, ==, "Net");
  g_assert_cmpint (ps_pickle_dict_get (o->attrs, "x")->i, ==, 1);
  g_assert_cmpstr (ps_pickle_get_unknown_globals (p)[0], ==, "__main__.Net");
  g_assert_null (ps_pickle_get_unknown_globals (p)[1]);
  EXPECT_ERROR (pk, 0, "forbidden global __main__.Net");
}

static void
test_prefix (void)
{
  gsize used = 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (PsPickle) p = ps_pickle_parse ((const guint8 *) "\x80\x02K\x05.junk", 9, PS_PICKLE_PREFIX, "t", &used, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (used, ==, 5);
  g_assert_cmpint (ps_pickle_get_root (p)->i, ==, 5);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pickle/scalars", test_scalars);
  g_test_add_func ("/pickle/float-specials", test_float_specials);
  g_test_add_func ("/pickle/memo-shares", test_memo_shares);
  g_test_add_func ("/pickle/allowlisted", test_allowlisted);
  g_test_add_func ("/pickle/tensor", test_tensor);
  g_test_add_func ("/pickle/refusals", test_refusals);
  g_test_add_func ("/pickle/limits", test_limits);
  g_test_add_func ("/pickle/open-anyway", test_open_anyway);
  g_test_add_func ("/pickle/prefix", test_prefix);
  return g_test_run ();
}
