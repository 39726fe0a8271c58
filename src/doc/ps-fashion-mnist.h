/* ps-fashion-mnist.h — Fashion-MNIST from Debian's dataset-fashion-mnist package (the idx files in
 * /usr/share/datasets/fashion-mnist, or $PS_FASHION_MNIST_DIR). X = pixels / 255 as float32
 * (n, 1, 28, 28), y = labels int64 (n), the first `limit` samples of the split. */
#pragma once

#include <glib.h>
#include "ps-dataset.h"

G_BEGIN_DECLS

#define PS_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

/* split "train" (60 000) or "test" (10 000); limit ≤ 0 = all. A missing directory is an error
 * naming the Debian package. */
PsDataset  *ps_fashion_mnist_load (const char *split, int64_t limit, GError **error);

G_END_DECLS
