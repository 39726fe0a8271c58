/* ps-sigbus-guard.c: a mapped file truncated under the reader is an error, not a crash. */
#include <glib/gstdio.h>
#include <fcntl.h>
#include <unistd.h>
#include "ps-error.h"
#include "ps-sigbus-guard.h"

typedef struct {
  const volatile guint8 *p;
  gsize n;
  guint64 sum;
} Touch;

static gboolean
touch (gpointer data, GError **error)
{
  Touch *t = data;
  for (gsize i = 0; i < t->n; i += 4096)
    t->sum += t->p[i];
  return TRUE;
}

static gboolean
refuse (gpointer data, GError **error)
{
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "no");
  return FALSE;
}

static void
test_truncated (void)
{
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("ps-sigbus-XXXXXX", &path, NULL);
  g_assert_cmpint (fd, >=, 0);
  gsize n = 1 << 20;
  g_autofree guint8 *ones = g_malloc (n);
  memset (ones, 1, n);
  g_assert_cmpint (write (fd, ones, n), ==, (gssize) n);
  g_autoptr (GMappedFile) map = g_mapped_file_new_from_fd (fd, FALSE, NULL);
  g_assert_nonnull (map);
  Touch t = { (const guint8 *) g_mapped_file_get_contents (map), n, 0 };
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_sigbus_guard_run (touch, &t, "whole.bin", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (t.sum, ==, n / 4096);
  /* a writer truncates it (torch.save overwriting a checkpoint) */
  g_assert_cmpint (ftruncate (fd, 0), ==, 0);
  t.sum = 0;
  g_assert_false (ps_sigbus_guard_run (touch, &t, "epoch_003.pt", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_IO);
  g_assert_cmpstr (error->message, ==, "epoch_003.pt changed while it was read (it is shorter than when it was opened)");
  g_clear_error (&error);
  /* the guard is reusable after a jump, and in another thread */
  g_assert_false (ps_sigbus_guard_run (touch, &t, "again", &error));
  g_clear_error (&error);
  /* errors of the function itself pass through */
  g_assert_false (ps_sigbus_guard_run (refuse, NULL, "x", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  close (fd);
  g_unlink (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sigbus-guard/truncated", test_truncated);
  return g_test_run ();
}
