/* bench-torch-file — open and list a 10 GiB PyTorch checkpoint (target: <= 50 ms), then decode one
 * tensor; and the norms over a series of checkpoints.
 *
 * The 10 GiB file is a torch.save zip as torch 1.13 writes one (data.pkl with an OrderedDict of
 * 1280 _rebuild_tensor_v2 tensors of 2048 × 1024 float32, records data/K sorted as strings,
 * version, central directory with zip64 offsets past 4 GiB, zip64 end records); the storages are
 * holes (sparse file; their CRC is the CRC of zeros, so it is a valid archive that torch.load would
 * read). It is written in /tmp and never committed. bench/bench_torch_file.py runs this program and,
 * in the same run, lists the same file the way torch.load does before reading storages (zipfile +
 * an Unpickler whose persistent_load returns a placeholder) and computes the series' norms with
 * torch, printing the ratios.
 *
 * Usage: bench-torch-file [path] [repeats] [series-dir]
 *   (default /tmp/ps-bench-10g.pt, 21; the series part runs when series-dir is given) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "ps-checkpoint.h"
#include "ps-checkpoint-series.h"
#include "bench-util.h"

/* CPU time of the whole process (every thread) */
static double
proc_cpu_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

#define N_TENSORS 1280
#define ROWS 2048
#define COLS 1024          /* 8 MiB of float32 per tensor, 10 GiB in all */

static void
put (GByteArray *b, guint64 v, int n)
{
  for (int k = 0; k < n; k++)
    {
      guint8 x = (guint8) (v >> (8 * k));
      g_byte_array_append (b, &x, 1);
    }
}

static void
pstr (GByteArray *b, const char *s)
{
  g_byte_array_append (b, (const guint8 *) "X", 1);
  put (b, strlen (s), 4);
  g_byte_array_append (b, (const guint8 *) s, (guint) strlen (s));
}

static void
pint (GByteArray *b, guint32 v)
{
  g_byte_array_append (b, (const guint8 *) "J", 1);
  put (b, v, 4);
}

static void
praw (GByteArray *b, const char *s)
{
  g_byte_array_append (b, (const guint8 *) s, (guint) strlen (s));
}

static int
key_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static gboolean
make_file (const char *path)
{
  static const char *const parts[] = { "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                                       "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj",
                                       "mlp.down_proj", "mlp.extra_proj" };
  GByteArray *pk = g_byte_array_new ();
  praw (pk, "\x80\x02" "ccollections\nOrderedDict\n)R(");
  for (int i = 0; i < N_TENSORS; i++)
    {
      char name[128], key[16];
      g_snprintf (name, sizeof name, "model.layers.%d.%s.weight", i / 8, parts[i % 8]);
      g_snprintf (key, sizeof key, "%d", i);
      pstr (pk, name);
      praw (pk, "ctorch._utils\n_rebuild_tensor_v2\n((");
      pstr (pk, "storage");
      praw (pk, "ctorch\nFloatStorage\n");
      pstr (pk, key);
      pstr (pk, "cpu");
      pint (pk, ROWS * COLS);
      praw (pk, "tQ");
      pint (pk, 0);
      praw (pk, "(");
      pint (pk, ROWS);
      pint (pk, COLS);
      praw (pk, "t(");
      pint (pk, COLS);
      pint (pk, 1);
      praw (pk, "t\x89" "ccollections\nOrderedDict\n)RtR");
    }
  praw (pk, "u.");

  /* records: data.pkl, data/K sorted as strings, version */
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; i < N_TENSORS; i++)
    g_ptr_array_add (keys, g_strdup_printf ("%d", i));
  g_ptr_array_sort (keys, key_cmp);
  guint64 tsize = (guint64) ROWS * COLS * 4;
  g_autofree guint8 *zeros = g_malloc0 ((gsize) tsize);
  guint32 crc_zero = (guint32) crc32 (crc32 (0, NULL, 0), zeros, (uInt) tsize);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    return FALSE;
  GByteArray *cd = g_byte_array_new ();
  guint64 off = 0;
  gboolean ok = TRUE;
  guint n_rec = 2 + N_TENSORS;
  for (guint r = 0; r < n_rec && ok; r++)
    {
      g_autofree char *name = r == 0 ? g_strdup ("bench/data.pkl") : r == n_rec - 1 ? g_strdup ("bench/version")
                                     : g_strdup_printf ("bench/data/%s", (char *) keys->pdata[r - 1]);
      const guint8 *data = r == 0 ? pk->data : r == n_rec - 1 ? (const guint8 *) "3\n" : NULL;
      guint64 size = r == 0 ? pk->len : r == n_rec - 1 ? 2 : tsize;
      guint32 crc = data ? (guint32) crc32 (crc32 (0, NULL, 0), data, (uInt) size) : crc_zero;
      GByteArray *lh = g_byte_array_new ();
      put (lh, 0x04034b50, 4); put (lh, 45, 2); put (lh, 0, 2); put (lh, 0, 2); put (lh, 0, 4);
      put (lh, crc, 4); put (lh, size, 4); put (lh, size, 4); put (lh, strlen (name), 2); put (lh, 0, 2);
      praw (lh, name);
      ok = pwrite (fd, lh->data, lh->len, (off_t) off) == (ssize_t) lh->len
           && (data == NULL || pwrite (fd, data, (gsize) size, (off_t) (off + lh->len)) == (ssize_t) size);
      gboolean far = off >= 0xFFFFFFFFu;
      put (cd, 0x02014b50, 4); put (cd, 45, 2); put (cd, 45, 2); put (cd, 0, 2); put (cd, 0, 2); put (cd, 0, 4);
      put (cd, crc, 4); put (cd, size, 4); put (cd, size, 4); put (cd, strlen (name), 2); put (cd, far ? 12 : 0, 2);
      put (cd, 0, 2); put (cd, 0, 2); put (cd, 0, 2); put (cd, 0, 4); put (cd, far ? 0xFFFFFFFFu : off, 4);
      praw (cd, name);
      if (far)
        {
          put (cd, 1, 2); put (cd, 8, 2); put (cd, off, 8);
        }
      off += lh->len + size;
      g_byte_array_unref (lh);
    }
  guint64 cd_off = off, cd_len = cd->len;
  put (cd, 0x06064b50, 4); put (cd, 44, 8); put (cd, 45, 2); put (cd, 45, 2); put (cd, 0, 4); put (cd, 0, 4);
  put (cd, n_rec, 8); put (cd, n_rec, 8); put (cd, cd_len, 8); put (cd, cd_off, 8);
  put (cd, 0x07064b50, 4); put (cd, 0, 4); put (cd, cd_off + cd_len, 8); put (cd, 1, 4);
  put (cd, 0x06054b50, 4); put (cd, 0, 2); put (cd, 0, 2); put (cd, 0xFFFF, 2); put (cd, 0xFFFF, 2);
  put (cd, 0xFFFFFFFFu, 4); put (cd, 0xFFFFFFFFu, 4); put (cd, 0, 2);
  ok = ok && pwrite (fd, cd->data, cd->len, (off_t) off) == (ssize_t) cd->len;
  close (fd);
  g_byte_array_unref (cd);
  g_byte_array_unref (pk);
  return ok;
}

int
main (int argc, char **argv)
{
  const char *path = argc > 1 ? argv[1] : "/tmp/ps-bench-10g.pt";
  int reps = argc > 2 ? atoi (argv[2]) : 21;
  const char *series = argc > 3 ? argv[3] : NULL;
  if (!g_file_test (path, G_FILE_TEST_EXISTS) && !make_file (path))
    {
      fprintf (stderr, "cannot write %s\n", path);
      return 1;
    }
  double *tl = g_new (double, reps), *td = g_new (double, reps), *tc = g_new (double, reps);
  guint64 total = 0;
  for (int r = 0; r < reps; r++)
    {
      g_autoptr (GError) error = NULL;
      double t0 = now_ms (), c0 = cpu_ms ();
      g_autoptr (PsCheckpoint) ck = ps_checkpoint_open (path, &error);
      if (ck == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      total = 0;
      for (guint i = 0; i < ps_checkpoint_get_n_entries (ck); i++)
        total += (guint64) ps_checkpoint_get_entry (ck, i)->numel;
      ps_checkpoint_get_tree (ck);
      double t1 = now_ms ();
      tc[r] = cpu_ms () - c0;
      g_autoptr (PsTensor) t = ps_checkpoint_load (ck, ps_checkpoint_get_entry (ck, (guint) r % N_TENSORS)->name, &error);
      double t2 = now_ms ();
      if (t == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      tl[r] = t1 - t0;
      td[r] = t2 - t1;
    }
  printf ("10 GiB torch file, %d tensors, %" G_GUINT64_FORMAT " values\n", N_TENSORS, total);
  double ml = median (tl, reps), md = median (td, reps);
  printf ("open + list (+ tree) median %8.2f ms wall, %.2f ms CPU\n", ml, median (tc, reps));
  printf ("decode one 8 MiB tensor     %8.2f ms median (pread + CRC-32 + copy)\n", md);
  double ms = 0, ms1 = 0, msr = 0, mread = 0, cs = 0, cs1 = 0, cread = 0;
  if (series != NULL)
    {
      /* The variants take turns within each round (the load of a shared machine changes between
       * rounds, not inside one): the bandwidth reference — every file's bytes read once, pread
       * into one 1 MiB buffer — then the norms read, mapped on one thread, mapped on all
       * processors. Wall and process CPU time (both threads) per variant. */
      const char *paths[] = { series };
      g_autoptr (GDir) dir = g_dir_open (series, 0, NULL);
      g_autofree guint8 *buf = g_malloc (1 << 20);
      g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
      for (const char *f; dir && (f = g_dir_read_name (dir)) != NULL;)
        if (ps_checkpoint_series_is_candidate (f))
          g_ptr_array_add (files, g_build_filename (series, f, NULL));
      struct { int threads; gboolean map; double *out, *cpu; const char *what; double *tw, *tc; } variants[] = {
        { -1, FALSE, &mread, &cread, "reading every file once (pread, 1 MiB buffer)", NULL, NULL },
        { 1, FALSE, &msr, NULL, "norms, 1 thread, values read (pread + CRC + copy)", NULL, NULL },
        { 1, TRUE, &ms1, &cs1, "norms, 1 thread, values mapped", NULL, NULL },
        { 0, TRUE, &ms, &cs, "norms, all processors, values mapped", NULL, NULL },
      };
      guint nv = G_N_ELEMENTS (variants);
      for (guint v = 0; v < nv; v++)
        {
          variants[v].tw = g_new (double, reps);
          variants[v].tc = g_new (double, reps);
        }
      for (int r = 0; r < reps; r++)
        for (guint v = 0; v < nv; v++)
          {
            double t0 = now_ms (), c0 = proc_cpu_ms ();
            if (variants[v].threads < 0)
              for (guint i = 0; i < files->len; i++)
                {
                  int fd = open (files->pdata[i], O_RDONLY);
                  while (fd >= 0 && read (fd, buf, 1 << 20) > 0)
                    ;
                  if (fd >= 0)
                    close (fd);
                }
            else
              {
                g_autoptr (GError) error = NULL;
                ps_checkpoint_series_set_threads ((guint) variants[v].threads);
                ps_checkpoint_series_set_mapping (variants[v].map);
                g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open (paths, 1, &error);
                if (s == NULL || !ps_checkpoint_series_compute_norms (s, NULL, NULL, NULL, &error))
                  {
                    fprintf (stderr, "%s\n", error->message);
                    return 1;
                  }
              }
            variants[v].tw[r] = now_ms () - t0;
            variants[v].tc[r] = proc_cpu_ms () - c0;
          }
      printf ("series of %u files, %d rounds (variants in turn), %u processors, sums %u doubles wide:\n", files->len, reps,
              g_get_num_processors (), ps_checkpoint_series_set_sum_width (0));
      for (guint v = 0; v < nv; v++)
        {
          *variants[v].out = median (variants[v].tw, reps);
          double c = median (variants[v].tc, reps);
          if (variants[v].cpu)
            *variants[v].cpu = c;
          printf ("  %-56s %8.2f ms wall, %8.2f ms CPU (medians)\n", variants[v].what, *variants[v].out, c);
          g_free (variants[v].tw);
          g_free (variants[v].tc);
        }
      printf ("  norms mapped / plain read: 1 thread %.2fx wall, %.2fx CPU; all processors %.2fx wall\n",
              ms1 / mread, cs1 / cread, ms / mread);
      printf ("  all processors vs 1 thread: %.2fx faster (wall), %.2fx the CPU time\n", ms1 / ms, cs / cs1);
    }
  printf ("RESULT list_ms=%.4f load_ms=%.4f series_ms=%.4f series1_ms=%.4f series_read_ms=%.4f read_ms=%.4f "
          "series_cpu_ms=%.4f series1_cpu_ms=%.4f read_cpu_ms=%.4f\n", ml, md, ms, ms1, msr, mread, cs, cs1, cread);
  g_free (tl);
  g_free (td);
  g_free (tc);
  return 0;
}
