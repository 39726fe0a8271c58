/* ps-explain.h — the texts beside the plots: what the selected parameter, module or output is,
 * where its values came from, its statistics against the init's expected moments, and what
 * changed between two steps. Headless, so tests read exactly what a user reads. */
#pragma once

#include "ps-timeline.h"

G_BEGIN_DECLS

/* "name — forward output", its shape, dtype and statistics. */
char *ps_explain_output       (const char *name, const PsTensor *t);
/* repr(m), its parameter count, training mode; n_places > 1: a shared module. */
char *ps_explain_module       (const PsModule *m, guint n_places);
/* path — parameter/buffer, shape, created/written steps, the init call, formula, fans, its
 * distribution and statistics. */
char *ps_explain_param        (const char *path, const PsParam *p);
/* What differs between steps a and b, for the Difference page. */
char *ps_explain_changes      (const PsTimeline *tl, guint a, guint b);

/* The story of a step for a projector: a heading ("Step 2 of 5 · Linear created as linear2") and a
 * body — the step's teaching note (the op's own "description"), and at step 0 the recipe's
 * description with what to do next. Both newly allocated. */
void  ps_explain_story        (const PsTimeline *tl, guint step, char **heading, char **body);

/* An error for a person: the recipe layer's "op N (kind): field 'x': …" becomes "Step N: …"
 * (the step the op would have been; no JSON field names). Other texts are returned as they are. */
char *ps_explain_error        (const char *message);

/* What is selected in the model tree, for the plot pages' messages. */
typedef enum {
  PS_PLOT_SELECTION_NONE,       /* nothing */
  PS_PLOT_SELECTION_OUTPUTS,    /* the group of forward outputs */
  PS_PLOT_SELECTION_OBJECTS,    /* the group of modules not (yet) in the model */
  PS_PLOT_SELECTION_MODULE,     /* a module (`name`: its name) */
  PS_PLOT_SELECTION_TENSOR,     /* a parameter or buffer (`param`, `name`: its stable path) or an output */
} PsPlotSelection;

/* What a plot page (heatmap, histogram, difference, over time) says instead of a picture; NULL
 * when there is something to draw. `has_model`: the document has steps and a model tree;
 * `diff_from`: the step the Difference page subtracts, −1 on the other pages (a parameter created
 * after it has nothing to subtract). */
char *ps_explain_plot_message (PsPlotSelection what, const char *name, const PsParam *param, gboolean has_model,
                               int diff_from);

G_END_DECLS
