/* export-test-util.h — what the tests of the PyTorch export share (tests/doc/test-export-pytorch.c,
 * tests/cli/test-cli-to-pytorch.c): the start of a recipe's text and a check on the script. */
#pragma once

#include <glib.h>
#include <string.h>

/* A recipe's text up to its op list (seed 0, no root); a test appends its ops and "]}". */
#define HEAD "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, \"root\": null, \"ops\": ["

/* The script `text` contains `needle` (fails showing both). */
static inline void
assert_contains (const char *text, const char *needle)
{
  if (strstr (text, needle) == NULL)
    g_error ("expected\n  %s\nin the script:\n%s", needle, text);
}
