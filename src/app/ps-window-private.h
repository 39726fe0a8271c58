/* ps-window-private.h — PsWindow's fields, shared by ps-window.c (views) and
 * ps-window-actions.c (commands and their dialogs). */
#pragma once

#include "ps-window.h"
#include "ps-error-banner.h"
#include "ps-figure-page.h"
#include "ps-tree-node.h"
#include "ps-figure.h"
#include "ps-edit.h"
#include "ps-edit-train.h"
#include "ps-training-page.h"
#include "ps-substep-figure.h"

G_BEGIN_DECLS

typedef enum {
  PS_PAGE_HEATMAP,
  PS_PAGE_HISTOGRAM,
  PS_PAGE_OVER_TIME,
  PS_PAGE_DIFFERENCE,
  PS_PAGE_COMPARE,      /* small multiples: the parameters named like the selected one */
  PS_N_PLOT_PAGES
} PsPlotPage;

struct _PsWindow {
  AdwApplicationWindow parent_instance;

  /* template children */
  AdwWindowTitle *window_title;
  GtkLabel *seed_label;
  PsErrorBanner *error_banner;
  GtkRevealer *job_revealer;
  GtkLabel *job_label;
  GtkProgressBar *job_progress;
  GtkOverlay *toast_overlay;
  GtkPaned *main_paned;     /* model and timeline | story and plots */
  GtkRevealer *toast_revealer;
  GtkLabel *toast_label;
  guint toast_timeout;      /* hides the toast */
  GtkColumnView *tree_view;
  GtkLabel *count_label;
  AdwViewStack *view_stack;
  GtkScale *step_scale;
  GtkAdjustment *step_adjustment;
  GtkListView *timeline_view;
  GtkToggleButton *play_button;
  GMenu *recent_menu;

  GtkLabel *story_heading;    /* the step's story: heading and teaching note */
  GtkLabel *story_label;
  GtkWidget *plots_box;       /* the story panel's place: above the plots, or in projector mode */
  GtkWidget *timeline_box;    /* above the timeline, beside the plots (place_story in ps-window.c) */
  PsFigurePage *pages[PS_N_PLOT_PAGES];
  GtkLabel *explain_label;
  PsTrainingPage *training_page;   /* the Training page (ps-window-train.c drives it) */
  GtkDropDown *range_dropdown;
  GtkDropDown *pool_dropdown;  /* heatmap downsampling: PsHeatmapPool */
  GtkWidget *compare_box;
  GtkDropDown *compare_dropdown;   /* 0 heatmaps, 1 histograms */
  GtkDropDown *compare_of_dropdown; /* 0 same-named parameters, 1 the selected one at each step */
  GtkCheckButton *compare_shared;  /* one range for all */
  GtkSpinButton *bins_spin;
  GtkToggleButton *log_toggle;
  GtkWidget *range_box, *bins_box, *diff_box;   /* controls shown only on the pages they affect */
  GtkDropDown *diff_dropdown;  /* 0 = the previous step, k + 1 = step k */
  GtkStringList *diff_items;
  GtkLabel *changes_label;     /* what changed between the two compared steps */


  PsDocument *document;
  GSettings *settings;
  PsTreeNode *root_node;
  GtkTreeListModel *tree_model;
  GtkSingleSelection *tree_selection;
  GtkStringList *timeline_items;
  GtkSingleSelection *timeline_selection;
  char *selected_path;        /* state_dict-style path below the root; NULL = nothing selected */
  guint play_source;
  guint timeline_snap_tick;   /* the timeline list's row snap after a scroll (ps_window_snap_timeline) */
  guint timeline_snap_frames;
  guint timeline_snap_still;  /* frames in a row the snap found nothing to move */
  guint timeline_snap_moves;  /* moves made since the scroll (bounded: no endless back and forth) */
  guint timeline_snap_settle; /* frames left to wait after a move, for the list to be laid out again */
  double timeline_snap_page;  /* the list's page size the snap's margin made (−1: none) */
  double timeline_snap_upper; /* and the list's height then (its own change is told apart by both) */
  gboolean timeline_snap_unmargin;   /* the snap's margin to be taken off at its next tick */
  GdkFrameClock *timeline_snap_clock;   /* the list's frame clock, while the snap looks after each paint */
  gulong timeline_snap_paint;           /* its "after-paint" handler then */
  guint layout_source;        /* switches the main paned's orientation (adapt_layout in ps-window.c) */
  int wide_position;          /* the main paned's position side by side, kept while stacked */
  GCancellable *job_cancellable;   /* the running document job's; NULL when idle */
  int export_width, export_height;   /* the export dialog's last choices */
  double export_scale, export_dpi;
  gboolean syncing;           /* guards selection ↔ document feedback loops */

  /* the shown train step's recorded sub-steps (ps-window-substeps.c) */
  GtkWidget *sub_box;
  GtkScale *sub_scale;
  GtkAdjustment *sub_adjustment;
  GtkLabel *sub_label;
  PsSubstepCursor *substeps;  /* which sub-step is shown, its state (replayed in a worker if dropped) */
  PsSubstepSeries *sub_series;   /* Over Time inside a train step: its recomputed dropped sub-steps */
  GtkEntry *pytorch_entry;    /* the PyTorch line under the tree (ps-window-pytorch.c) */
  GHashTable *pytorch_inputs; /* inputs typed there (x = torch.randn(1, 10)), for later lines */
  PsState *pytorch_state;     /* ref: the state after the last typed line (another change forgets the
                                 random inputs) */
  GtkMenuButton *main_menu_button;
};

/* ps-window.c */
/* TRUE when the window is narrow and the plots are below the tree and timeline, not beside them. */
gboolean    ps_window_get_stacked    (PsWindow *self);
void        ps_window_show_error     (PsWindow *self, const char *text);
void        ps_window_toast          (PsWindow *self, const char *text);
/* Shows step `step`; when it cannot be rebuilt (memory budget) the error banner says why, the
 * step shown stays and FALSE is returned. */
gboolean    ps_window_go_to_step     (PsWindow *self, guint step);
PsTreeNode *ps_window_get_selected_node (PsWindow *self);   /* no ref, may be NULL */
void        ps_window_fill_figure_options (PsWindow *self, PsFigureOptions *o, PsPlotPage page);
PsPlotPage  ps_window_get_visible_page (PsWindow *self);
/* FALSE while the focus is where keys are typed or navigate (entries, the tree, the timeline):
 * then Space, ',' and '.' are left to that widget. */
gboolean    ps_window_single_keys_allowed (PsWindow *self);
/* The step the difference view subtracts (the previous one unless another is chosen). */
guint       ps_window_get_diff_from  (PsWindow *self);
void        ps_window_set_diff_from  (PsWindow *self, int step);   /* −1 = the previous step */
/* Starts showing a job (label, progress, Cancel) and returns its cancellable (no ref). */
GCancellable *ps_window_begin_job    (PsWindow *self, const char *label);
/* Redraw the visible page (and the explanation) for the shown step or sub-step. */
void        ps_window_update_views   (PsWindow *self);
/* ps-window-substeps.c: the main timeline's sub-steps of a train step. */
void        ps_window_substeps_class_init (GtkWidgetClass *widget_class);   /* its template children */
void        ps_window_substeps_init   (PsWindow *self);
void        ps_window_substeps_dispose (PsWindow *self);
/* After the document or its current step changed: offer the shown step's sub-steps (a new train
 * step starts at its end, the step's own state). */
void        ps_window_substeps_sync   (PsWindow *self);
/* Recorded sub-steps of the shown step (0: not a train step that recorded any), the one shown
 * (= the count: the step's own state) and its snapshot (NULL when the step's own state is shown). */
guint       ps_window_get_n_substeps  (PsWindow *self);
guint       ps_window_get_substep     (PsWindow *self);
void        ps_window_set_substep     (PsWindow *self, guint i);
PsState    *ps_window_get_substep_state (PsWindow *self);
/* TRUE while the shown sub-step's dropped snapshot is replayed in a worker (the pages keep the
 * previous picture until it is ready). */
gboolean    ps_window_get_substep_replaying (PsWindow *self);
/* TRUE while Over Time's dropped sub-steps are recomputed in a worker. */
gboolean    ps_window_get_over_time_replaying (PsWindow *self);
/* Play: move to the next sub-step to show (from_start: the first); FALSE when there is none left. */
gboolean    ps_window_substeps_advance (PsWindow *self, gboolean from_start);
/* Draw `page` (heatmap, histogram, difference) of `path` from the shown sub-step's snapshot; FALSE
 * (nothing done) when no sub-step is shown or the page does not follow sub-steps. */
gboolean    ps_window_substeps_update_plot (PsWindow *self, PsPlotPage page, PsTreeNode *node, const char *path);
/* ps-window-actions.c */
/* Present a command dialog; its "apply" (or "choose", "rename") response calls apply. */
typedef void (*PsDialogApply) (PsWindow *self, AdwMessageDialog *dialog);
void        ps_window_present_dialog (PsWindow *self, AdwMessageDialog *dialog, PsDialogApply apply);
void        ps_window_init_actions   (PsWindow *self);
void        ps_window_update_actions (PsWindow *self);
/* Apply an op built by a dialog; shows the error (and returns FALSE) on failure. */
gboolean    ps_window_apply_op       (PsWindow *self, JsonObject *op);
/* After a forward: select the output it wrote (compared with `before`) and say its shape. */
void        ps_window_show_new_output (PsWindow *self, PsState *before);
/* The tree's selection for the ps_edit_* op builders; FALSE (and *sel = nothing) when nothing of
 * the model is selected (an output, or no selection). */
gboolean    ps_window_get_edit_selection (PsWindow *self, PsEditSelection *sel);
/* What "Add Layer" and "Forward" apply (module + attach as one unit). The forward runs as a job
 * in the worker (progress, Cancel) and selects its output when done; FALSE if it did not start. */
gboolean    ps_window_add_layer       (PsWindow *self, const char *type, const char *id, JsonObject *args,
                                       const char *name);
gboolean    ps_window_run_forward     (PsWindow *self, const char *kind, const char *shape_text);
/* After a step that constructed module `id` (Add Layer, a PyTorch line): it is selected in the tree —
 * a container its own row (commands then apply to it), a layer with parameters its first one (its
 * values shown at once, as the article's point is), else its row. FALSE if it is not in the tree. */
gboolean    ps_window_select_module   (PsWindow *self, const char *id);
/* The document's recipe as a PyTorch script (ps_export_pytorch), written atomically. */
gboolean    ps_window_export_pytorch  (PsWindow *self, const char *path, GError **error);
/* ps-window-restructure.c: rename / move the selected child of a container (one op each). The
 * builders return NULL when no such child is selected (or the move would leave the children). */
void        ps_window_restructure_init_actions   (PsWindow *self);
/* ps-window-pytorch.c: the PyTorch line (its row in ui/ps-window.ui; win.type-pytorch).
 * Typing applies `text` as one user action; FALSE (error shown, nothing changed) if it cannot. */
void        ps_window_pytorch_class_init (GtkWidgetClass *widget_class);   /* its template child, callback */
void        ps_window_pytorch_init    (PsWindow *self);
void        ps_window_pytorch_dispose (PsWindow *self);
gboolean    ps_window_type_pytorch    (PsWindow *self, const char *text);

/* ps-window-train.c: Train…, the one-step teaching actions, exporting the Training page's view. */
void        ps_window_train_init_actions   (PsWindow *self);
void        ps_window_train_update_actions (PsWindow *self);
/* Contact Sheet… (ps-window-train.c): the dialog asking which sub-steps, how many columns and the
 * tile size (a PsContactSheetDialog, presented, its list ps_frame_list_default_sheet), then where to
 * write. */
GtkWindow  *ps_window_train_open_sheet_dialog   (PsWindow *self);
/* Export Over Sub-steps… (ps-window-train.c): the dialog asking the range (a PsExportRangeDialog,
 * presented: From, To, Every; the whole run every ⌈n/100⌉ by default), then the file chooser. */
GtkWindow  *ps_window_train_open_frames_dialog  (PsWindow *self);
/* What the chooser's answer runs: the Training page's view at sub-steps from..to every k (1-based)
 * written to path in the worker; the result is a toast or the error banner. */
void        ps_window_train_export_frames       (PsWindow *self, const char *path, guint from, guint to, guint every);
/* Run a training (the Train dialog's choices) in the worker, followed on the Training page. */
gboolean    ps_window_start_training       (PsWindow *self, const PsTrainSpec *spec);
/* Apply them; the selection follows the module. FALSE when nothing was applied. */
gboolean    ps_window_rename_selected (PsWindow *self, const char *new_name);
typedef void (*PsWindowThen) (PsWindow *self, gpointer data);   /* see confirm_replace (ps-window-actions.c) */
/* TRUE to stop the close (unsaved changes: a dialog asks first). */
gboolean    ps_window_close_request_check (PsWindow *self);

G_END_DECLS
