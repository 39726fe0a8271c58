/* bench-safetensors — open and list a 2 GiB safetensors file (target: <= 50 ms), then decode one
 * tensor. The file is sparse (header written, data left as a hole by ftruncate), generated in /tmp
 * and never committed. Prints medians; bench/bench_safetensors.py runs this program and times a
 * Python/numpy reader of the same file in the same run, printing the ratios.
 *
 * Usage: bench-safetensors [path] [repeats]   (default /tmp/ps-bench-2g.safetensors, 21) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ps-safetensors.h"
#include "bench-util.h"

#define N_TENSORS 1024
#define ROWS 512
#define COLS 1024   /* 2 MiB of float32 per tensor, 2 GiB in all */

/* Names like a transformer's state_dict: model.layers.{i}.{mlp,attn}.{…}.weight */
static gboolean
make_file (const char *path)
{
  static const char *const parts[] = { "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                                       "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj",
                                       "mlp.down_proj", "input_layernorm" };
  GString *h = g_string_new ("{\"__metadata__\":{\"format\":\"pt\"}");
  guint64 off = 0, size = (guint64) ROWS * COLS * 4;
  for (int i = 0; i < N_TENSORS; i++)
    {
      g_string_append_printf (h, ",\"model.layers.%d.%s.weight\":{\"dtype\":\"F32\",\"shape\":[%d,%d],"
                              "\"data_offsets\":[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "]}",
                              i / 8, parts[i % 8], ROWS, COLS, off, off + size);
      off += size;
    }
  g_string_append_c (h, '}');
  while (h->len % 8)
    g_string_append_c (h, ' ');
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    return FALSE;
  guint64 le = GUINT64_TO_LE ((guint64) h->len);
  gboolean ok = write (fd, &le, 8) == 8 && write (fd, h->str, h->len) == (ssize_t) h->len
                && ftruncate (fd, (off_t) (8 + h->len + off)) == 0;
  close (fd);
  g_string_free (h, TRUE);
  return ok;
}

int
main (int argc, char **argv)
{
  const char *path = argc > 1 ? argv[1] : "/tmp/ps-bench-2g.safetensors";
  int reps = argc > 2 ? atoi (argv[2]) : 21;
  if (!make_file (path))
    {
      fprintf (stderr, "cannot write %s\n", path);
      return 1;
    }
  double *tl = g_new (double, reps), *td = g_new (double, reps), *tc = g_new (double, reps), *tdc = g_new (double, reps);
  guint64 checksum = 0;
  for (int r = 0; r < reps; r++)
    {
      g_autoptr (GError) error = NULL;
      double c0 = cpu_ms ();
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr (PsSafetensors) st = ps_safetensors_open (path, &error);
      if (st == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      for (guint i = 0; i < ps_safetensors_get_n_tensors (st); i++)
        checksum += (guint64) ps_safetensors_get_info (st, i)->numel;
      gint64 t1 = g_get_monotonic_time ();
      double c1 = cpu_ms ();
      tc[r] = c1 - c0;
      const char *name = ps_safetensors_get_info (st, (guint) r % N_TENSORS)->name;
      g_autoptr (PsTensor) t = ps_safetensors_load (st, name, &error);
      gint64 t2 = g_get_monotonic_time ();
      tdc[r] = cpu_ms () - c1;
      if (t == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      checksum += (guint64) t->numel;
      tl[r] = (double) (t1 - t0) / 1000.0;
      td[r] = (double) (t2 - t1) / 1000.0;
    }
  double first = tl[0];
  printf ("file: %s, 2 GiB (sparse), %d tensors of [%d, %d] float32\n", path, N_TENSORS, ROWS, COLS);
  printf ("open+list (first run) %8.2f ms\n", first);
  double ml = median (tl, reps), md = median (td, reps), mc = median (tc, reps);
  printf ("open+list median      %8.2f ms wall, %8.2f ms CPU (target <= 50 ms)\n", ml, mc);
  printf ("load one 2 MiB tensor %8.2f ms wall, %8.2f ms CPU median\n", md, median (tdc, reps));
  printf ("RESULT list_ms=%.3f list_cpu_ms=%.3f load_ms=%.3f checksum=%" G_GUINT64_FORMAT "\n", ml, mc, md,
          checksum);
  g_free (tl);
  g_free (td);
  g_free (tc);
  g_free (tdc);
  return 0;
}
