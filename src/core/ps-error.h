/* ps-error.h — the one error domain of Paramscope's core.
 *
 * Every fallible function takes `GError **error` last and returns FALSE/NULL on failure.
 * g_return_val_if_fail is only for programmer errors. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PS_ERROR (ps_error_quark ())

typedef enum {
  PS_ERROR_INVALID_ARGUMENT, /* a value PyTorch would reject (ValueError) */
  PS_ERROR_SHAPE,            /* shapes that do not fit together (RuntimeError in torch) */
  PS_ERROR_OVERFLOW,         /* a size computation that overflows */
  PS_ERROR_NO_MEMORY,        /* an allocation that cannot be satisfied */
  PS_ERROR_NOT_FOUND,        /* unknown name, path, module type, … */
  PS_ERROR_UNINITIALIZED,    /* a lazy parameter used before materialization */
  PS_ERROR_NOT_IMPLEMENTED,  /* e.g. forward() of ModuleList, as in torch */
  PS_ERROR_PARSE,            /* malformed document or file */
  PS_ERROR_IO,               /* file system */
  PS_ERROR_FAILED,           /* anything else (LAPACK info != 0, …) */
} PsError;

GQuark ps_error_quark (void);

G_END_DECLS
