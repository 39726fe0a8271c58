/* fuzz-mutate.c — runs a libFuzzer harness of fuzz/ (its LLVMFuzzerTestOneInput, compiled in) on
 * its seed corpus and on a bounded number of mutations of it, without libFuzzer: every test run
 * (and CI, under ASan+UBSan) fuzzes each format a little with the harness's own invariants.
 *
 *   fuzz-mutate-NAME CORPUS_DIR [N]        N mutated inputs (default 400; PS_FUZZ_MUTATIONS
 *                                          overrides it, PS_FUZZ_SEED the seed — for a longer
 *                                          campaign by hand)
 *
 * Mutations are libFuzzer's simple ones, from a fixed seed so every run tries the same inputs: bit
 * flips, interesting bytes and little-endian integers (0, −1, 2^31−1, 2^63, sizes), erased,
 * duplicated and inserted ranges, truncation, and a range spliced from another seed. Each input
 * is an exact-size heap copy (ASan sees a read past its end). With PS_FUZZ_LAST=FILE each input is
 * written there before it runs, so the one that crashed can be kept as a regression. TAP output. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv) __attribute__ ((weak));

static GPtrArray *seeds;   /* GBytes */

static int
cmp_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
load_corpus (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &error);
  if (d == NULL)
    g_error ("%s", error->message);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, cmp_names);   /* the same order on every machine */
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
      char *data = NULL;
      gsize len = 0;
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR) && g_file_get_contents (path, &data, &len, NULL))
        g_ptr_array_add (seeds, g_bytes_new_take (data, len));
    }
}

static void
run_input (const guint8 *data, gsize len)
{
  const char *last = g_getenv ("PS_FUZZ_LAST");
  if (last != NULL)
    g_file_set_contents (last, (const char *) data, (gssize) len, NULL);
  guint8 *copy = g_malloc (MAX (len, 1));
  memcpy (copy, data, len);
  LLVMFuzzerTestOneInput (copy, len);
  g_free (copy);
}

static void
put_le (GByteArray *b, guint at, guint64 v, guint width)
{
  for (guint k = 0; k < width && at + k < b->len; k++)
    b->data[at + k] = (guint8) (v >> (8 * k));
}

static void
mutate_once (GRand *r, GByteArray *b)
{
  static const guint8 bytes[] = { 0x00, 0xff, 0x7f, 0x80, 0x01, '"', '{', '}', '[', ']', ',', ':', '-', '9', 'e' };
  static const guint64 ints[] = { 0, 1, G_MAXUINT32, 0x7fffffff, 0x80000000, G_MAXUINT64, (guint64) 1 << 63,
                                  (guint64) 1 << 32, 0xfffffffe, 65536 };
  guint n = b->len;
  guint at = n ? (guint) g_rand_int_range (r, 0, (gint32) n) : 0;
  switch (g_rand_int_range (r, 0, 8))
    {
    case 0:   /* flip a bit */
      if (n)
        b->data[at] ^= (guint8) (1u << g_rand_int_range (r, 0, 8));
      break;
    case 1:   /* an interesting byte */
      if (n)
        b->data[at] = bytes[g_rand_int_range (r, 0, G_N_ELEMENTS (bytes))];
      break;
    case 2:   /* an interesting little-endian integer */
      put_le (b, at, ints[g_rand_int_range (r, 0, G_N_ELEMENTS (ints))] + (guint64) g_rand_int_range (r, -1, 2),
              g_rand_boolean (r) ? 4 : 8);
      break;
    case 3:   /* erase a range */
      if (n)
        {
          guint len = (guint) g_rand_int_range (r, 1, 64);   /* (not inside MIN: evaluated twice) */
          g_byte_array_remove_range (b, at, MIN (len, n - at));
        }
      break;
    case 4:   /* duplicate a range */
      if (n)
        {
          guint len = (guint) g_rand_int_range (r, 1, 128);
          len = MIN (len, n - at);
          g_autofree guint8 *chunk = g_memdup2 (b->data + at, len);
          guint to = (guint) g_rand_int_range (r, 0, (gint32) b->len + 1);
          g_byte_array_set_size (b, b->len + len);
          memmove (b->data + to + len, b->data + to, b->len - len - to);
          memcpy (b->data + to, chunk, len);
        }
      break;
    case 5:   /* insert random bytes */
      {
        guint len = (guint) g_rand_int_range (r, 1, 16);
        guint8 ins[16];
        for (guint k = 0; k < len; k++)
          ins[k] = (guint8) g_rand_int_range (r, 0, 256);
        g_byte_array_set_size (b, b->len + len);
        memmove (b->data + at + len, b->data + at, b->len - len - at);
        memcpy (b->data + at, ins, len);
      }
      break;
    case 6:   /* truncate */
      g_byte_array_set_size (b, at);
      break;
    default:  /* splice a range of another seed over this one */
      {
        GBytes *o = g_ptr_array_index (seeds, g_rand_int_range (r, 0, (gint32) seeds->len));
        gsize olen;
        const guint8 *od = g_bytes_get_data (o, &olen);
        if (olen == 0)
          break;
        guint from = (guint) g_rand_int_range (r, 0, (gint32) olen);
        guint len = (guint) g_rand_int_range (r, 1, 256);
        len = MIN (len, (guint) olen - from);
        for (guint k = 0; k < len && at + k < b->len; k++)
          b->data[at + k] = od[from + k];
      }
      break;
    }
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      g_printerr ("usage: %s CORPUS_DIR [N]\n", argv[0]);
      return 2;
    }
  if (LLVMFuzzerInitialize != NULL)
    LLVMFuzzerInitialize (&argc, &argv);
  seeds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  load_corpus (argv[1]);
  guint n = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 400;
  if (g_getenv ("PS_FUZZ_MUTATIONS") != NULL)
    n = (guint) g_ascii_strtoull (g_getenv ("PS_FUZZ_MUTATIONS"), NULL, 10);
  guint32 seed = g_getenv ("PS_FUZZ_SEED") ? (guint32) g_ascii_strtoull (g_getenv ("PS_FUZZ_SEED"), NULL, 10) : 1;
  g_print ("1..2\n");
  if (seeds->len == 0)
    {
      g_print ("not ok 1 - no seeds in %s\n", argv[1]);
      return 1;
    }
  for (guint i = 0; i < seeds->len; i++)
    {
      gsize len;
      const guint8 *d = g_bytes_get_data (g_ptr_array_index (seeds, i), &len);
      run_input (d, len);
    }
  g_print ("ok 1 - %u seeds from %s\n", seeds->len, argv[1]);
  g_autoptr (GRand) r = g_rand_new_with_seed (seed);
  for (guint i = 0; i < n; i++)
    {
      gsize len;
      const guint8 *d = g_bytes_get_data (g_ptr_array_index (seeds, g_rand_int_range (r, 0, (gint32) seeds->len)), &len);
      g_autoptr (GByteArray) b = g_byte_array_sized_new ((guint) len + 64);
      g_byte_array_append (b, d, (guint) len);
      for (int k = g_rand_int_range (r, 1, 5); k > 0; k--)
        mutate_once (r, b);
      run_input (b->data, b->len);
    }
  g_print ("ok 2 - %u mutated inputs (seed %u), every one through the harness's checks\n", n, seed);
  g_ptr_array_unref (seeds);
  return 0;
}
