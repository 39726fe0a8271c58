/* ps-window.c — the main window: model tree (GtkTreeListModel → GtkColumnView), parameter views
 * (heatmap, histogram, over time, difference, explanation) and the timeline. Commands live in
 * ps-window-actions.c. */
#include "ps-config.h"
#include "ps-window-private.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <pango/pangocairo.h>

#include "ps-checkpoint-drop.h"
#include "ps-commands.h"
#include "ps-explain-node.h"
#include "ps-model-tree.h"
#include "ps-node-figure.h"
#include "ps-tensor-export.h"
#include "ps-stats.h"
#include "ps-distribution.h"
#include "ps-explain.h"
#include "ps-regular-file.h"
#include "ps-projector.h"
#include "ps-teardown.h"

G_DEFINE_FINAL_TYPE (PsWindow, ps_window, ADW_TYPE_APPLICATION_WINDOW)

static const char *page_names[PS_N_PLOT_PAGES] = { "heatmap", "histogram", "over-time", "difference", "compare" };

/* ---------- errors and toasts ---------- */

void
ps_window_show_error (PsWindow *self, const char *text)
{
  g_autofree char *explained = ps_explain_error (text);   /* "Step N: …", as the title counts */
  ps_error_banner_set_text (self->error_banner, explained);
}

void
ps_window_clear_error (PsWindow *self)
{
  ps_error_banner_set_text (self->error_banner, NULL);
}

const char *
ps_window_get_error_text (PsWindow *self)
{
  return ps_error_banner_get_text (self->error_banner);
}

#define TOAST_SECONDS 5
#define TOAST_MARGIN 24   /* its margin-bottom in ui/ps-window.ui */
#define TOAST_SIDE_MARGIN 12   /* px between the toast and the window's or the plots' pane's edges */
#define TOAST_PLOTS_MIN_WIDTH 320   /* a toast is centred over the plots' pane only when it is this wide (px) */

/* Every plot of the window (the figure pages' and the Training page's) leaves the strip the toast
 * covers free (`toast` the toast's rectangle in the overlay's coordinates; NULL: no toast), so a
 * toast never hides axis labels. Drawn shorter, not laid out again: the window's size stays. */
static void
reserve_for_toast (GtkWidget *w, GtkWidget *overlay, const graphene_rect_t *toast, int *last)
{
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (PS_IS_PLOT_VIEW (c))
        {
          int reserve = 0;
          graphene_rect_t b;
          if (toast != NULL && gtk_widget_compute_bounds (c, overlay, &b) && b.size.width > 0)
            {
              gboolean across = b.origin.x < toast->origin.x + toast->size.width &&
                                toast->origin.x < b.origin.x + b.size.width;
              double below = b.origin.y + b.size.height - toast->origin.y;
              reserve = across && below > 0 ? (int) ceil (below) + 6 : 0;
              *last = reserve;
            }
          else if (toast != NULL)
            reserve = *last;   /* a page not shown now: laid out as the one shown */
          ps_plot_view_set_reserve_bottom (PS_PLOT_VIEW (c), reserve);
        }
      else
        reserve_for_toast (c, overlay, toast, last);
    }
}

static void
update_toast_reserve (PsWindow *self, gboolean shown)
{
  GtkWidget *overlay = GTK_WIDGET (self->toast_overlay), *label = GTK_WIDGET (self->toast_label);
  int ow = gtk_widget_get_width (overlay), oh = gtk_widget_get_height (overlay), last = 0;
  if (!shown || ow <= 0)
    {
      reserve_for_toast (overlay, overlay, NULL, &last);
      return;
    }
  /* over the plots' side (centred there), not over the model tree and the timeline */
  int left = TOAST_SIDE_MARGIN;
  graphene_rect_t pane;
  GtkWidget *end = gtk_paned_get_end_child (self->main_paned);
  if (end != NULL && gtk_widget_compute_bounds (end, overlay, &pane) && pane.size.width >= TOAST_PLOTS_MIN_WIDTH)
    left = (int) pane.origin.x + TOAST_SIDE_MARGIN;
  gtk_widget_set_margin_start (GTK_WIDGET (self->toast_revealer), left);
  int nw, h, avail = MAX (ow - left - TOAST_SIDE_MARGIN, 1);
  gtk_widget_measure (label, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &nw, NULL, NULL);
  int w = MIN (nw, avail);
  gtk_widget_measure (label, GTK_ORIENTATION_VERTICAL, w, NULL, &h, NULL, NULL);
  graphene_rect_t toast = GRAPHENE_RECT_INIT (left + (avail - w) / 2.0f, (float) (oh - TOAST_MARGIN - h), (float) w, (float) h);
  reserve_for_toast (overlay, overlay, &toast, &last);
}

static gboolean
toast_timeout_cb (gpointer data)
{
  PsWindow *self = data;
  self->toast_timeout = 0;
  gtk_revealer_set_reveal_child (self->toast_revealer, FALSE);
  update_toast_reserve (self, FALSE);
  return G_SOURCE_REMOVE;
}

/* A message for a few seconds at the bottom of the window; a new one replaces it and starts the
 * time again. (GTK's own revealer: libadwaita 1.2's AdwToastOverlay freed a toast in one
 * animation's "done" handler and used it in another's; see ui/ps-window.ui.) */
void
ps_window_toast (PsWindow *self, const char *text)
{
  gtk_label_set_text (self->toast_label, text);
  gtk_revealer_set_reveal_child (self->toast_revealer, TRUE);
  update_toast_reserve (self, TRUE);
  g_clear_handle_id (&self->toast_timeout, g_source_remove);
  self->toast_timeout = g_timeout_add_seconds (TOAST_SECONDS, toast_timeout_cb, self);
}

/* ---------- tree ---------- */

static PsModule *
current_root (PsWindow *self)
{
  return ps_state_get_root (ps_document_get_current_state (self->document));
}

PsTreeNode *
ps_window_get_selected_node (PsWindow *self)
{
  /* the selection holds the row and the row its item: a borrowed pointer, valid while selected
   * (gtk_tree_list_row_get_item returns a reference, released here — it used to leak per call) */
  GtkTreeListRow *row = gtk_single_selection_get_selected_item (self->tree_selection);
  PsTreeNode *node = row ? PS_TREE_NODE (gtk_tree_list_row_get_item (row)) : NULL;
  if (node != NULL)
    g_object_unref (node);
  return node;
}

gboolean
ps_window_get_edit_selection (PsWindow *self, PsEditSelection *sel)
{
  return ps_commands_selection (ps_window_get_selected_node (self), sel);
}

/* Every plot shows its whole picture again */
static void
reset_zooms (PsWindow *self)
{
  for (guint i = 0; i < PS_N_PLOT_PAGES; i++)
    if (self->pages[i] != NULL)
      ps_figure_page_reset_zoom (self->pages[i]);
}

static gboolean
select_path (PsWindow *self, const char *path)
{
  GListModel *model = G_LIST_MODEL (self->tree_model);
  guint n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GtkTreeListRow) row = g_list_model_get_item (model, i);
      g_autoptr (PsTreeNode) node = PS_TREE_NODE (gtk_tree_list_row_get_item (row));
      if (g_strcmp0 (ps_tree_node_get_path (node), path) == 0)
        {
          gtk_single_selection_set_selected (self->tree_selection, i);
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
ps_window_select_path (PsWindow *self, const char *path)
{
  return select_path (self, path);
}

static void
rebuild_tree (PsWindow *self)
{
  PsModule *root = current_root (self);
  PsState *state = ps_document_get_current_state (self->document);
  g_clear_object (&self->root_node);
  GListStore *store = g_list_store_new (PS_TYPE_TREE_NODE);   /* owned by the tree model below */
  if (root != NULL)
    {
      self->root_node = ps_tree_node_new_root (root, state->root);
      g_list_store_append (store, self->root_node);
    }
  g_autoptr (PsTreeNode) objects = ps_tree_node_new_objects (state);
  if (objects != NULL)
    g_list_store_append (store, objects);
  g_autofree char *count = ps_model_tree_count_text (root, objects != NULL);
  gtk_label_set_text (self->count_label, count);

  g_autoptr (PsTreeNode) outputs = ps_tree_node_new_outputs (state->output_names, state->outputs);
  if (outputs != NULL)
    g_list_store_append (store, outputs);

  self->syncing = TRUE;
  GtkTreeListModel *tree = gtk_tree_list_model_new (G_LIST_MODEL (store), FALSE, TRUE,
                                                    ps_tree_node_create_children_model, NULL, NULL);
  g_clear_object (&self->tree_model);
  self->tree_model = tree;
  gtk_single_selection_set_model (self->tree_selection, G_LIST_MODEL (tree));
  gboolean found = self->selected_path != NULL && select_path (self, self->selected_path);
  if (!found)
    {
      g_autofree char *first = ps_model_tree_default_path (root, objects);
      if (first == NULL || !select_path (self, first))
        gtk_single_selection_set_selected (self->tree_selection, GTK_INVALID_LIST_POSITION);
    }
  self->syncing = FALSE;
  PsTreeNode *sel = ps_window_get_selected_node (self);
  const char *path = sel ? ps_tree_node_get_path (sel) : NULL;
  if (g_strcmp0 (path, self->selected_path) != 0)
    reset_zooms (self);   /* another tensor (File → New, another recipe): its plots start whole */
  g_free (self->selected_path);
  self->selected_path = g_strdup (path);
  if (self->root_node != NULL)
    ps_tree_node_highlight_module (self->root_node, sel && ps_tree_node_get_shared (sel) ? ps_tree_node_get_module (sel) : NULL);
}

char *
ps_window_dump_tree (PsWindow *self)
{
  /* the model and the modules not in it (the outputs have their own tests) */
  GString *out = g_string_new (NULL);
  GListModel *top = self->tree_model ? gtk_tree_list_model_get_model (self->tree_model) : NULL;
  for (guint i = 0; top != NULL && i < g_list_model_get_n_items (top); i++)
    {
      g_autoptr (PsTreeNode) node = g_list_model_get_item (top, i);
      if (ps_tree_node_get_kind (node) == PS_TREE_NODE_OUTPUTS)
        continue;
      g_autofree char *text = ps_tree_node_to_string (node);
      g_string_append (out, text);
    }
  return g_string_free (out, FALSE);
}

static void on_tree_selected (GtkSingleSelection *sel, GParamSpec *pspec, PsWindow *self);

/* The cells of the model tree and the timeline are templates in ui/ps-window.ui
 * (GtkBuilderListItemFactory); these closures compute what a property lookup cannot. Each takes the
 * GtkListItem (the template's object) first. */

static PsTreeNode *
cell_node (gpointer item)
{
  return PS_IS_TREE_NODE (item) ? g_object_ref (item) : NULL;   /* the row's item (NULL while unbound) */
}

static char **
cell_classes (const char *cls)
{
  return cls ? g_strdupv ((char *[]) { (char *) cls, NULL }) : g_new0 (char *, 1);
}

/* a module object that appears at several places: "shared ×N" */
static gboolean
cell_shows_badge (GtkListItem *item, gpointer node_item)
{
  g_autoptr (PsTreeNode) node = cell_node (node_item);
  return node != NULL && ps_tree_node_get_kind (node) == PS_TREE_NODE_MODULE && ps_tree_node_get_n_places (node) > 1;
}

static char *
cell_shared_badge (GtkListItem *item, gpointer node_item)
{
  g_autoptr (PsTreeNode) node = cell_node (node_item);
  return cell_shows_badge (item, node_item) ? g_strdup_printf (_("shared ×%u"), ps_tree_node_get_n_places (node)) : NULL;
}

static char *
cell_badge_tooltip (GtkListItem *item, gpointer node_item)
{
  return cell_shows_badge (item, node_item) ? g_strdup (_("This module object appears at several places: one set of parameters"))
                                      : NULL;
}

static char **
cell_highlight_classes (GtkListItem *item, gboolean highlight)
{
  return cell_classes (highlight ? "shared-highlight" : NULL);
}

/* the Type column shows the class ("Linear"); its arguments are in the tooltip and under Explain */
static char *
cell_class_name (GtkListItem *item, const char *type_label)
{
  const char *paren = type_label ? strchr (type_label, '(') : NULL;
  return paren && paren > type_label ? g_strndup (type_label, (gsize) (paren - type_label)) : g_strdup (type_label);
}

static char **
cell_detail_classes (GtkListItem *item, gpointer node_item)
{
  g_autoptr (PsTreeNode) node = cell_node (node_item);
  PsParam *p = node ? ps_tree_node_get_param (node) : NULL;
  return cell_classes (p != NULL && p->value == NULL ? "uninitialized-label" : NULL);
}

static char **
cell_step_classes (GtkListItem *item, const char *text)
{
  return cell_classes (text && g_str_has_prefix (text, "✗") ? "error" : NULL);
}

static void
setup_tree (PsWindow *self)
{
  self->tree_selection = gtk_single_selection_new (NULL);
  gtk_single_selection_set_autoselect (self->tree_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->tree_selection, TRUE);
  gtk_column_view_set_model (self->tree_view, GTK_SELECTION_MODEL (self->tree_selection));
  g_signal_connect (self->tree_selection, "notify::selected-item", G_CALLBACK (on_tree_selected), self);
}

/* ---------- views ---------- */

PsPlotPage
ps_window_get_visible_page (PsWindow *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->view_stack);
  for (int i = 0; i < PS_N_PLOT_PAGES; i++)
    if (g_strcmp0 (name, page_names[i]) == 0)
      return (PsPlotPage) i;
  return PS_N_PLOT_PAGES;
}

static double
plot_scale (PsWindow *self)
{
  return ps_projector_plot_scale (self->settings);
}

void
ps_window_fill_figure_options (PsWindow *self, PsFigureOptions *o, PsPlotPage page)
{
  ps_figure_options_init (o);
  guint step = ps_document_get_current_step (self->document);
  o->step = step;
  o->scale = plot_scale (self);
  if (self->settings != NULL)
    o->colormap = (PsColormapKind) g_settings_get_enum (self->settings, "colormap");
  o->range = (PsHeatmapRange) gtk_drop_down_get_selected (self->range_dropdown);
  guint pool = gtk_drop_down_get_selected (self->pool_dropdown);
  o->pool = pool < PS_HEATMAP_POOL_N ? (PsHeatmapPool) pool : PS_HEATMAP_POOL_MAXABS;
  o->bins = gtk_spin_button_get_value_as_int (self->bins_spin);
  o->log_y = gtk_toggle_button_get_active (self->log_toggle);
  switch (page)
    {
    case PS_PAGE_HEATMAP: o->kind = PS_FIGURE_HEATMAP; break;
    case PS_PAGE_HISTOGRAM: o->kind = PS_FIGURE_HISTOGRAM; break;
    case PS_PAGE_OVER_TIME: o->kind = PS_FIGURE_RIDGELINE; break;
    case PS_PAGE_DIFFERENCE:
      o->kind = PS_FIGURE_HEATMAP;
      o->diff_from = (int) ps_window_get_diff_from (self);
      break;
    case PS_PAGE_COMPARE:
      o->kind = gtk_drop_down_get_selected (self->compare_dropdown) == 1 ? PS_FIGURE_HISTOGRAM : PS_FIGURE_HEATMAP;
      break;
    default: break;
    }
}

guint
ps_window_get_diff_from (PsWindow *self)
{
  guint step = ps_document_get_current_step (self->document);
  guint sel = self->diff_dropdown ? gtk_drop_down_get_selected (self->diff_dropdown) : 0;
  if (sel == 0 || sel == GTK_INVALID_LIST_POSITION || sel - 1 > ps_document_get_n_steps (self->document))
    return step > 0 ? step - 1 : 0;
  return sel - 1;
}

void
ps_window_set_diff_from (PsWindow *self, int step)
{
  gtk_drop_down_set_selected (self->diff_dropdown, step < 0 ? 0 : (guint) step + 1);
}

static void
update_changes (PsWindow *self)
{
  g_autofree char *text = ps_explain_changes (ps_document_get_timeline (self->document),
                                              ps_window_get_diff_from (self),
                                              ps_document_get_current_step (self->document));
  gtk_label_set_text (self->changes_label, text);
}

/* Compare: the selected parameter beside every parameter of the model with its name (all the
 * weights, all the biases), drawn side by side with one range — the init-schemes scenario's
 * question, "how do these layers' initial values differ?", in one picture. */
static void
update_compare (PsWindow *self, PsFigurePage *fp)
{
  PsFigureOptions o;
  ps_window_fill_figure_options (self, &o, PS_PAGE_COMPARE);
  ps_figure_page_set_scale (fp, plot_scale (self));
  g_autofree char *what = NULL, *context = NULL, *message = NULL;
  PsFigure *fig = ps_node_figure_compare (ps_document_get_timeline (self->document), current_root (self),
                                          ps_window_get_selected_node (self), &o,
                                          gtk_drop_down_get_selected (self->compare_of_dropdown) == 1,
                                          gtk_check_button_get_active (self->compare_shared), &what, &context, &message);
  if (fig != NULL)
    ps_figure_page_set_figure (fp, fig, what, context);
  else
    ps_figure_page_set_message (fp, message);
}

/* The page's figure, or why there is none. A figure page is an image to assistive technologies:
 * its name says what it shows, its description the numbers a sighted user reads off it. */
static void
update_plot (PsWindow *self, PsPlotPage page)
{
  PsFigurePage *fp = self->pages[page];
  if (page == PS_PAGE_COMPARE)
    {
      update_compare (self, fp);
      return;
    }
  PsTreeNode *node = ps_window_get_selected_node (self);
  g_autofree char *path = NULL, *what = NULL, *context = NULL;
  g_autofree char *message = ps_node_figure_plan (
    node, ps_document_get_n_steps (self->document) > 0 && self->root_node != NULL,
    page == PS_PAGE_DIFFERENCE ? (int) ps_window_get_diff_from (self) : -1,
    page == PS_PAGE_DIFFERENCE || page == PS_PAGE_OVER_TIME, &path);
  /* a sub-step of a train step draws from its own snapshot (not an output: those are the step's) */
  if (path != NULL && ps_tree_node_get_output_name (node) == NULL && ps_window_substeps_update_plot (self, page, node, path))
    return;
  PsFigure *fig = NULL;
  if (path != NULL)
    {
      PsFigureOptions o;
      ps_window_fill_figure_options (self, &o, page);
      fig = ps_node_figure_new (ps_document_get_timeline (self->document), node, path, &o, &what, &context, &message);
    }
  ps_figure_page_set_scale (fp, plot_scale (self));
  if (fig != NULL)
    ps_figure_page_set_figure (fp, fig, what, context);
  else
    ps_figure_page_set_message (fp, message);
}

static void
update_explain (PsWindow *self)
{
  g_autofree char *text = ps_explain_node (ps_window_get_selected_node (self));
  gtk_label_set_text (self->explain_label, text);
}

/* A plot control (a child of the wrapping controls_box, ui/ps-window.ui) shown or hidden: the
 * flow box lays out its GtkFlowBoxChild, so that is hidden too. */
static void
show_control (GtkWidget *w, gboolean shown)
{
  gtk_widget_set_visible (w, shown);
  GtkWidget *parent = gtk_widget_get_parent (w);
  if (GTK_IS_FLOW_BOX_CHILD (parent))
    gtk_widget_set_visible (parent, shown);
}

static void
update_views (PsWindow *self)
{
  PsPlotPage page = ps_window_get_visible_page (self);
  gboolean compare_hist = page == PS_PAGE_COMPARE && gtk_drop_down_get_selected (self->compare_dropdown) == 1;
  gboolean range = page == PS_PAGE_HEATMAP || page == PS_PAGE_DIFFERENCE || (page == PS_PAGE_COMPARE && !compare_hist);
  show_control (self->range_box, range);
  show_control (gtk_widget_get_parent (GTK_WIDGET (self->pool_dropdown)), range);
  show_control (self->bins_box, page == PS_PAGE_HISTOGRAM || page == PS_PAGE_OVER_TIME || compare_hist);
  show_control (self->compare_box, page == PS_PAGE_COMPARE);
  show_control (gtk_widget_get_parent (GTK_WIDGET (self->compare_dropdown)), page == PS_PAGE_COMPARE);
  show_control (GTK_WIDGET (self->compare_shared), page == PS_PAGE_COMPARE);
  show_control (self->diff_box, page == PS_PAGE_DIFFERENCE);
  if (page == PS_PAGE_DIFFERENCE)
    update_changes (self);
  for (int i = 0; i < PS_N_PLOT_PAGES; i++)
    if ((PsPlotPage) i == page)
      update_plot (self, (PsPlotPage) i);
    else
      ps_figure_page_set_figure (self->pages[i], NULL, NULL, NULL);
  update_explain (self);
}

/* ---------- timeline ---------- */

static void
rebuild_timeline (PsWindow *self)
{
  PsTimeline *tl = ps_document_get_timeline (self->document);
  guint n = ps_timeline_get_n_steps (tl);
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (items, g_strdup_printf (_("0 · torch.manual_seed(%" PRId64 ") — nothing exists yet"),
                                           ps_document_get_seed (self->document)));
  for (guint k = 1; k <= n; k++)
    g_ptr_array_add (items, g_strdup_printf ("%u · %s", k, ps_timeline_get_description (tl, k)));
  const char *pending = ps_timeline_get_error_description (tl);
  if (pending != NULL)
    g_ptr_array_add (items, g_strdup_printf (_("✗ %u · %s"), n + 1, pending));
  g_ptr_array_add (items, NULL);

  self->syncing = TRUE;
  guint old = g_list_model_get_n_items (G_LIST_MODEL (self->timeline_items));
  gtk_string_list_splice (self->timeline_items, 0, old, (const char *const *) items->pdata);
  gtk_adjustment_configure (self->step_adjustment, ps_document_get_current_step (self->document), 0, n, 1, 1, 0);
  guint keep = gtk_drop_down_get_selected (self->diff_dropdown);
  g_autoptr (GPtrArray) diff = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (diff, g_strdup (_("the previous step")));
  for (guint k = 0; k <= n; k++)
    g_ptr_array_add (diff, g_strdup_printf (_("step %u"), k));
  g_ptr_array_add (diff, NULL);
  gtk_string_list_splice (self->diff_items, 0, g_list_model_get_n_items (G_LIST_MODEL (self->diff_items)),
                          (const char *const *) diff->pdata);
  gtk_drop_down_set_selected (self->diff_dropdown, keep != GTK_INVALID_LIST_POSITION && keep <= n + 1 ? keep : 0);
  gtk_scale_clear_marks (self->step_scale);
  if (n <= 60)   /* a tick per step while they stay distinguishable */
    for (guint k = 0; k <= n; k++)
      gtk_scale_add_mark (self->step_scale, k, GTK_POS_BOTTOM, NULL);
  gtk_single_selection_set_selected (self->timeline_selection, ps_document_get_current_step (self->document));
  self->syncing = FALSE;
}

/* ---------- refresh ---------- */

static void
update_title (PsWindow *self)
{
  g_autofree char *subtitle = g_strdup_printf (_("step %u of %u"), ps_document_get_current_step (self->document),
                                               ps_document_get_n_steps (self->document));
  g_autofree char *title = g_strdup_printf ("%s%s", ps_document_get_modified (self->document) ? "• " : "",
                                            ps_document_get_title (self->document));
  adw_window_title_set_title (self->window_title, title);
  /* the window list and the accessibility tree tell documents apart */
  g_autofree char *window_title = g_strdup_printf ("%s — Paramscope", title);
  gtk_window_set_title (GTK_WINDOW (self), window_title);
  adw_window_title_set_subtitle (self->window_title, subtitle);
  g_autofree char *seed = g_strdup_printf (_("seed %" PRId64), ps_document_get_seed (self->document));
  gtk_label_set_text (self->seed_label, seed);
  g_autofree char *heading = NULL, *body = NULL;
  ps_explain_story (ps_document_get_timeline (self->document), ps_document_get_current_step (self->document),
                    &heading, &body);
  gtk_label_set_text (self->story_heading, heading);
  gtk_label_set_text (self->story_label, body);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->story_label), body);   /* all of it, when held to a few lines */
}

void
ps_window_update_views (PsWindow *self)
{
  update_views (self);
}

static void
ps_window_refresh (PsWindow *self)
{
  rebuild_tree (self);
  ps_window_substeps_sync (self);
  update_views (self);
  update_title (self);
  ps_window_update_actions (self);
}

static void scroll_timeline (PsWindow *self);
static void scroll_timeline_idle (PsWindow *self);

static void
on_document_changed (PsDocument *doc, PsWindow *self)
{
  rebuild_timeline (self);
  ps_window_refresh (self);
  scroll_timeline_idle (self);
}

/* Keep the current step in view (gtk_list_view_scroll_to is GTK 4.12; the list's own action is 4.0). */
static void
scroll_timeline (PsWindow *self)
{
  /* GTK 4.8 warns "failed to scroll to given position" when the list has not laid that row out
   * (just rebuilt, unmapped, no height at a tiny window size; found by the monkey test): scroll
   * only from an idle after the layout, and only when the row can be there. */
  if (self->timeline_view == NULL || self->document == NULL || self->timeline_selection == NULL)
    return;
  GtkWidget *view = GTK_WIDGET (self->timeline_view);
  guint step = ps_document_get_current_step (self->document);
  if (!gtk_widget_get_mapped (view) || gtk_widget_get_height (view) <= 0 ||
      step >= g_list_model_get_n_items (G_LIST_MODEL (self->timeline_selection)))
    return;
  gtk_widget_activate_action (view, "list.scroll-to-item", "u", step);
}

/* After scrolling to the shown step the list's top row was often cut through its text under the
 * Sub-step hint: the list is moved so that its top edge falls between two rows — the cut row
 * shown whole when the shown step stays in view, else scrolled out of view. Returns whether it
 * moved anything (the list is then laid out again and checked once more). */
/* Moves the timeline's step list so that no row is cut at its top edge (done after each scroll to
 * the shown step). */
static gboolean
ps_window_snap_timeline (PsWindow *self)
{
  GtkWidget *view = GTK_WIDGET (self->timeline_view);
  GtkAdjustment *adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view));
  double vh = gtk_widget_get_height (view);
  if (adj == NULL || vh <= 0)
    return FALSE;
  graphene_rect_t cut = GRAPHENE_RECT_INIT (0, 0, 0, 0), sel = GRAPHENE_RECT_INIT (0, 0, 0, 0);
  gboolean have_cut = FALSE, have_sel = FALSE;
  for (GtkWidget *c = gtk_widget_get_first_child (view); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      graphene_rect_t b;
      if (!gtk_widget_get_mapped (c) || !gtk_widget_compute_bounds (c, view, &b) || b.size.height <= 0)
        continue;
      if (b.origin.y < -0.5 && b.origin.y + b.size.height > 0.5)
        {
          cut = b;
          have_cut = TRUE;
        }
      if (gtk_widget_get_state_flags (c) & GTK_STATE_FLAG_SELECTED)
        {
          sel = b;
          have_sel = TRUE;
        }
    }
  GtkWidget *scroller = gtk_widget_get_parent (view);
  if (have_sel && sel.size.height > vh + 0.5)
    {
      /* the shown step's row is taller than the list's view (projector mode at 1280 × 720):
       * its start at the top */
      if (fabs (sel.origin.y) <= 0.5)
        return FALSE;
      gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) + sel.origin.y);
      return TRUE;
    }
  if (!have_cut)
    return FALSE;
  double value = gtk_adjustment_get_value (adj);
  double last = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj);
  if (value >= last - 0.5 && last > 0)
    {
      /* scrolled to the end, nothing more to scroll: the list's view is made shorter by the cut
       * row's visible part (empty space below the last step instead of half a row at the top) */
      int visible = (int) ceil (cut.origin.y + cut.size.height);
      self->timeline_snap_page = gtk_adjustment_get_page_size (adj) - visible;
      self->timeline_snap_upper = gtk_adjustment_get_upper (adj);
      gtk_widget_set_margin_bottom (scroller, gtk_widget_get_margin_bottom (scroller) + visible);
      return TRUE;
    }
  double sel_bottom = have_sel ? sel.origin.y + sel.size.height : 0;
  double sel_top = have_sel ? sel.origin.y : vh;
  if (sel_bottom - cut.origin.y <= vh + 0.5)
    gtk_adjustment_set_value (adj, MAX (value + cut.origin.y, 0));   /* down by the hidden part */
  else if (value + cut.origin.y + cut.size.height <= last + 0.5 && sel_top - (cut.origin.y + cut.size.height) >= -0.5)
    gtk_adjustment_set_value (adj, value + cut.origin.y + cut.size.height);   /* the cut row out of view */
  else if (sel_top - (cut.origin.y + cut.size.height) >= -0.5 && last > value)
    /* near the end, not enough left to scroll the cut row out of view (it used to stay cut): to
     * the end, where the next look shortens the view instead (above) */
    gtk_adjustment_set_value (adj, last);
  else
    return FALSE;
  return TRUE;
}

/* once the list has been laid out after the scroll (from the frame after next); while it finds
 * nothing to move it looks again for a few more frames — on a slow machine the rows can be laid out
 * only frames later (a single check then saw no cut row and one stayed cut). After a move it waits
 * for the list to be laid out again (a look in between would use the rows' old places) and looks
 * again: one move is not always enough (near the list's end: to the end, then a shorter view; seen
 * too: the view shortened at the end, and the list then 13 px short of its end, its top row cut
 * again). At most a few moves per scroll.
 *
 * The looks and moves are made after a frame is painted, not in its tick: the tick comes before the
 * frame's layout, and whatever the main loop ran since the last frame (a finished training job: the
 * timeline's rows spliced anew) is not laid out yet. Setting the list's adjustment then made GTK 4.8
 * look for the row at the new value among rows with no height yet: "GtkListView failed to scroll to
 * given position" (fatal in the tests: once in /training/scrub-matches-cli-and-views under load, s10;
 * /window/timeline-snap-after-model-change). After the paint, the list has been allocated for the
 * model it has now. */
enum { SNAP_FIRST_FRAME = 2, SNAP_STILL_FRAMES = 12, SNAP_SETTLE_FRAMES = 2, SNAP_MAX_MOVES = 6 };

static void
stop_snap (PsWindow *self)
{
  /* (a clock disposed with its surface has dropped its handlers already) */
  if (self->timeline_snap_paint != 0 && g_signal_handler_is_connected (self->timeline_snap_clock, self->timeline_snap_paint))
    g_signal_handler_disconnect (self->timeline_snap_clock, self->timeline_snap_paint);
  self->timeline_snap_paint = 0;
  g_clear_object (&self->timeline_snap_clock);
  if (self->timeline_snap_tick != 0 && self->timeline_view != NULL)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->timeline_view), self->timeline_snap_tick);
  self->timeline_snap_tick = 0;
}

/* Whether the list is laid out with rows to move between (an emptied list, or one not allocated,
 * has no row at any value: a move would warn). */
static gboolean
timeline_can_move (PsWindow *self)
{
  GtkWidget *view = GTK_WIDGET (self->timeline_view);
  return gtk_widget_get_mapped (view) && gtk_widget_get_width (view) > 0 && gtk_widget_get_height (view) > 0 &&
         self->timeline_selection != NULL &&
         g_list_model_get_n_items (G_LIST_MODEL (self->timeline_selection)) > 0;
}

static void
snap_timeline_after_paint (GdkFrameClock *clock, PsWindow *self)
{
  if (++self->timeline_snap_frames < SNAP_FIRST_FRAME)
    return;
  if (self->timeline_snap_settle > 0)
    {
      self->timeline_snap_settle--;
      return;
    }
  if (self->timeline_snap_moves < SNAP_MAX_MOVES && timeline_can_move (self) && ps_window_snap_timeline (self))
    {
      self->timeline_snap_moves++;
      self->timeline_snap_settle = SNAP_SETTLE_FRAMES;
      self->timeline_snap_still = 0;
      return;
    }
  if (++self->timeline_snap_still < SNAP_STILL_FRAMES)
    return;
  stop_snap (self);
}

/* keeps frames coming while the snap looks (after each paint), and takes the margin off */
static gboolean
snap_timeline_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  PsWindow *self = data;
  if (self->timeline_snap_unmargin)
    {
      /* (the frame clock's update phase: before this frame's layout) */
      self->timeline_snap_unmargin = FALSE;
      gtk_widget_set_margin_bottom (gtk_widget_get_parent (widget), 0);
    }
  return G_SOURCE_CONTINUE;
}

static void
schedule_snap (PsWindow *self)
{
  if (self->timeline_view == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self->timeline_view)))
    return;
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self->timeline_view));
  if (clock == NULL)
    return;
  /* The margin an earlier snap gave the list is taken off in the tick, not here: this runs from the
   * list's adjustment "changed", i.e. inside GtkListView's size_allocate, and a margin set there
   * queues a resize in the middle of the layout. When the toast overlay was only passed through
   * that layout (its own size unchanged, an ancestor — the header's box — allocated in the same
   * frame), GTK 4.8 left it marked "needs allocation" with no relayout queued, and the whole
   * content was not drawn: "Trying to snapshot GtkOverlay … without a current allocation" (monkey
   * seeds 206, 1708, 1919; /window/timeline-snap-outside-layout). */
  self->timeline_snap_unmargin = TRUE;
  self->timeline_snap_page = -1;
  self->timeline_snap_frames = 0;
  self->timeline_snap_still = 0;
  self->timeline_snap_moves = 0;
  self->timeline_snap_settle = 0;
  if (self->timeline_snap_clock != clock)
    stop_snap (self);   /* (the list was realized again since: another clock) */
  if (self->timeline_snap_tick == 0)
    self->timeline_snap_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->timeline_view), snap_timeline_tick,
                                                             self, NULL);
  if (self->timeline_snap_paint == 0)
    {
      self->timeline_snap_clock = g_object_ref (clock);
      self->timeline_snap_paint = g_signal_connect (clock, "after-paint", G_CALLBACK (snap_timeline_after_paint), self);
    }
}

/* the list's view or its rows' height changed (a resized window, projector mode, notes wrapped
 * again): snapped again, unless it is the change the snap itself made — the view shortened by its
 * margin, the rows as they were (a later change of the rows alone, at the same view, used to be
 * taken for the snap's own and the top row stayed cut) */
static void
on_timeline_adjustment_changed (GtkAdjustment *adj, PsWindow *self)
{
  if (fabs (gtk_adjustment_get_page_size (adj) - self->timeline_snap_page) < 0.5 &&
      fabs (gtk_adjustment_get_upper (adj) - self->timeline_snap_upper) < 0.5)
    return;
  schedule_snap (self);
}

static gboolean
scroll_timeline_cb (gpointer data)
{
  PsWindow *self = data;
  scroll_timeline (self);
  schedule_snap (self);
  return G_SOURCE_REMOVE;
}

static void
scroll_timeline_idle (PsWindow *self)
{
  g_idle_add_full (G_PRIORITY_LOW, scroll_timeline_cb, g_object_ref (self), g_object_unref);
}

static void
sync_step_widgets (PsWindow *self)
{
  self->syncing = TRUE;
  gtk_adjustment_set_value (self->step_adjustment, ps_document_get_current_step (self->document));
  gtk_single_selection_set_selected (self->timeline_selection, ps_document_get_current_step (self->document));
  self->syncing = FALSE;
}

static void
on_current_step (PsDocument *doc, GParamSpec *pspec, PsWindow *self)
{
  sync_step_widgets (self);
  ps_window_refresh (self);
  scroll_timeline_idle (self);
}

gboolean
ps_window_go_to_step (PsWindow *self, guint step)
{
  g_autoptr (GError) error = NULL;
  if (ps_document_go_to_step (self->document, step, &error))
    return TRUE;
  /* a step dropped to keep within the memory budget that no longer fits: say so, and the
   * slider and the list go back to the step still shown */
  ps_window_show_error (self, error->message);
  sync_step_widgets (self);
  return FALSE;
}

static void
on_doc_title (PsDocument *doc, GParamSpec *pspec, PsWindow *self)
{
  update_title (self);
}

static void
on_step_scale (GtkAdjustment *adj, PsWindow *self)
{
  if (!self->syncing)
    ps_window_go_to_step (self, (guint) lround (gtk_adjustment_get_value (adj)));
}

static void
on_timeline_selected (GtkSingleSelection *sel, GParamSpec *pspec, PsWindow *self)
{
  if (self->syncing)
    return;
  guint i = gtk_single_selection_get_selected (sel);
  if (i != GTK_INVALID_LIST_POSITION && i <= ps_document_get_n_steps (self->document))
    ps_window_go_to_step (self, i);
}

static void
on_tree_selected (GtkSingleSelection *sel, GParamSpec *pspec, PsWindow *self)
{
  if (self->syncing)
    return;
  PsTreeNode *node = ps_window_get_selected_node (self);
  const char *path = node ? ps_tree_node_get_path (node) : NULL;
  if (g_strcmp0 (path, self->selected_path) != 0)
    reset_zooms (self);   /* another tensor: its plots start whole (a zoom into the last one's corner would hide it) */
  g_free (self->selected_path);
  self->selected_path = g_strdup (path);
  if (self->root_node != NULL)
    ps_tree_node_highlight_module (self->root_node,
                                   node && ps_tree_node_get_shared (node) ? ps_tree_node_get_module (node) : NULL);
  update_views (self);
  ps_window_update_actions (self);
}

static void
on_visible_page (AdwViewStack *stack, GParamSpec *pspec, PsWindow *self)
{
  update_views (self);
}

static void
on_plot_option_changed (PsWindow *self)
{
  if (!self->syncing)   /* rebuilding the lists: the tree may still show the old timeline */
    update_views (self);
}

static void
rebuild_recent_menu (PsWindow *self)
{
  g_menu_remove_all (self->recent_menu);
  g_auto (GStrv) uris = g_settings_get_strv (self->settings, "recent-files");
  for (guint i = 0; uris[i] != NULL; i++)
    {
      g_autoptr (GFile) file = g_file_new_for_uri (uris[i]);
      g_autofree char *name = g_file_get_basename (file);
      g_autoptr (GMenuItem) item = g_menu_item_new (name, NULL);
      g_menu_item_set_action_and_target (item, "win.open-recent", "s", uris[i]);
      g_menu_append_item (self->recent_menu, item);
    }
  if (uris[0] == NULL)
    {
      g_autoptr (GMenuItem) item = g_menu_item_new (_("No recent recipes"), "win.no-recent");
      g_menu_append_item (self->recent_menu, item);
    }
}

/* The story panel above the plots, or in projector mode beside them, above the timeline: at
 * 1280 × 720 and 150 % text it took a third of the plots' height (the heatmap had 23 % of the
 * window); beside them the plot keeps more than half the window. There its text is held to a few
 * lines (the whole of it in the tooltip). */
#define STORY_PROJECTOR_LINES 3   /* per paragraph: the step's note, then what it did */

static void
place_story (PsWindow *self, gboolean projector)
{
  GtkWidget *story = gtk_widget_get_parent (GTK_WIDGET (self->story_heading));
  GtkWidget *target = projector ? self->timeline_box : self->plots_box;
  GtkWidget *from = gtk_widget_get_parent (story);
  if (from != target)
    {
      g_object_ref (story);
      gtk_box_remove (GTK_BOX (from), story);
      gtk_box_prepend (GTK_BOX (target), story);
      g_object_unref (story);
    }
  if (projector)
    gtk_widget_add_css_class (story, "beside");
  else
    gtk_widget_remove_css_class (story, "beside");
  gtk_label_set_lines (self->story_label, projector ? STORY_PROJECTOR_LINES : -1);
  gtk_label_set_ellipsize (self->story_label, projector ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
}

static void
on_settings_changed (GSettings *settings, const char *key, PsWindow *self)
{
  if (g_str_equal (key, "recent-files"))
    {
      rebuild_recent_menu (self);
      return;
    }
  if (g_str_equal (key, "projector-mode"))
    {
      ps_projector_apply (GTK_WIDGET (self), settings);
      place_story (self, g_settings_get_boolean (settings, "projector-mode"));
    }
  update_views (self);
}

static void
on_doc_busy (PsDocument *doc, GParamSpec *pspec, PsWindow *self)
{
  gboolean busy = ps_document_get_busy (doc);
  gtk_revealer_set_reveal_child (self->job_revealer, busy);
  gtk_progress_bar_set_fraction (self->job_progress, 0);
  if (!busy)
    g_clear_object (&self->job_cancellable);
  ps_window_update_actions (self);
}

static void
on_doc_progress (PsDocument *doc, GParamSpec *pspec, PsWindow *self)
{
  gtk_progress_bar_set_fraction (self->job_progress, ps_document_get_progress (doc));
}

GCancellable *
ps_window_begin_job (PsWindow *self, const char *label)
{
  g_clear_object (&self->job_cancellable);
  self->job_cancellable = g_cancellable_new ();
  gtk_label_set_text (self->job_label, label);
  return self->job_cancellable;
}

void
ps_window_job_failed (PsWindow *self, const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ps_window_toast (self, _("Cancelled: nothing changed"));
  else
    ps_window_show_error (self, error->message);
}

/* ---------- construction ---------- */

/* The template has the pages; here each plot gets its painter and the controls their handlers. */
static void
setup_views (PsWindow *self)
{
  g_signal_connect_swapped (self->diff_dropdown, "notify::selected", G_CALLBACK (on_plot_option_changed), self);
  g_signal_connect_swapped (self->range_dropdown, "notify::selected", G_CALLBACK (on_plot_option_changed), self);
  g_signal_connect_swapped (self->pool_dropdown, "notify::selected", G_CALLBACK (on_plot_option_changed), self);
  g_signal_connect_swapped (self->compare_dropdown, "notify::selected", G_CALLBACK (on_plot_option_changed), self);
  g_signal_connect_swapped (self->compare_of_dropdown, "notify::selected", G_CALLBACK (on_plot_option_changed), self);
  g_signal_connect_swapped (self->compare_shared, "toggled", G_CALLBACK (on_plot_option_changed), self);
  g_signal_connect_swapped (self->bins_spin, "value-changed", G_CALLBACK (on_plot_option_changed), self);
  g_signal_connect_swapped (self->log_toggle, "toggled", G_CALLBACK (on_plot_option_changed), self);
  g_signal_connect (self->view_stack, "notify::visible-child", G_CALLBACK (on_visible_page), self);
}

static void
setup_timeline (PsWindow *self)
{
  self->timeline_items = gtk_string_list_new (NULL);
  self->timeline_selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->timeline_items)));
  gtk_single_selection_set_autoselect (self->timeline_selection, FALSE);
  gtk_list_view_set_model (self->timeline_view, GTK_SELECTION_MODEL (self->timeline_selection));
  g_signal_connect (self->timeline_selection, "notify::selected", G_CALLBACK (on_timeline_selected), self);
  g_signal_connect (self->step_adjustment, "value-changed", G_CALLBACK (on_step_scale), self);
  /* scrolling needs an allocated list: again once it is shown */
  g_signal_connect_swapped (self->timeline_view, "map", G_CALLBACK (scroll_timeline_idle), self);
  GtkAdjustment *vadj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->timeline_view));
  if (vadj != NULL)
    g_signal_connect_object (vadj, "changed", G_CALLBACK (on_timeline_adjustment_changed), self, 0);
}

gboolean
ps_window_single_keys_allowed (PsWindow *self)
{
  /* typing in an entry or moving in the tree or timeline must never play or step */
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  if (focus == NULL)
    return TRUE;
  return !GTK_IS_EDITABLE (focus) && !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->tree_view))
         && !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->timeline_view))
         && !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->bins_spin))
         && !GTK_IS_DROP_DOWN (gtk_widget_get_ancestor (focus, GTK_TYPE_DROP_DOWN));
}

/* Space, ',' and '.': bindings of the window (bubble phase), not application accelerators, so the
 * focused widget gets the key first and they are refused while it is one that takes keys. */
static gboolean
single_key (GtkWidget *widget, GVariant *args, gpointer data)
{
  PsWindow *self = PS_WINDOW (widget);
  if (!ps_window_single_keys_allowed (self))
    return FALSE;
  g_action_group_activate_action (G_ACTION_GROUP (self), g_variant_get_string (args, NULL), NULL);
  return TRUE;
}

static gboolean
on_close_request (GtkWindow *window)
{
  PsWindow *self = PS_WINDOW (window);
  if (self->settings != NULL && !gtk_window_is_maximized (window))
    {
      /* the next window opens at this size */
      int width, height;
      gtk_window_get_default_size (window, &width, &height);
      if (width > 0 && height > 0)
        {
          g_settings_set_int (self->settings, "window-width", width);
          g_settings_set_int (self->settings, "window-height", height);
        }
    }
  return ps_window_close_request_check (self);
}

/* Adaptive layout: below PS_WINDOW_STACK_WIDTH the plots go below the model tree and the
 * timeline (at GNOME's smallest width, 360 px, they sat to the right and the window scrolled
 * sideways); from PS_WINDOW_SIDE_WIDTH on they are beside them again (the gap keeps it from
 * flipping at one width). Switched from an idle after the allocation that crossed the width:
 * changing a paned's orientation during the window's own allocation would lay it out again
 * inside the layout phase. */
#define PS_WINDOW_STACK_WIDTH 700
#define PS_WINDOW_SIDE_WIDTH 740
#define STACKED_TOP_MIN_HEIGHT 120   /* stacked: the tree and the timeline keep at least this (px) */
#define SIDE_TREE_WIDTH 440   /* side by side, before the user moved the divider: the tree's width (px) */

static gboolean
adapt_layout_cb (gpointer data)
{
  PsWindow *self = data;
  self->layout_source = 0;
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  GtkOrientable *paned = GTK_ORIENTABLE (self->main_paned);
  gboolean side = gtk_orientable_get_orientation (paned) == GTK_ORIENTATION_HORIZONTAL;
  if (side && width > 0 && width < PS_WINDOW_STACK_WIDTH)
    {
      self->wide_position = gtk_paned_get_position (self->main_paned);
      gtk_orientable_set_orientation (paned, GTK_ORIENTATION_VERTICAL);
      /* the tree and the timeline above, the plots below: about half the height each */
      int height = gtk_widget_get_height (GTK_WIDGET (self->toast_overlay));
      gtk_paned_set_position (self->main_paned, MAX (height / 2, STACKED_TOP_MIN_HEIGHT));
    }
  else if (!side && width >= PS_WINDOW_SIDE_WIDTH)
    {
      gtk_orientable_set_orientation (paned, GTK_ORIENTATION_HORIZONTAL);
      gtk_paned_set_position (self->main_paned, self->wide_position > 0 ? self->wide_position : SIDE_TREE_WIDTH);
    }
  return G_SOURCE_REMOVE;
}

static void
ps_window_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  PsWindow *self = PS_WINDOW (widget);
  GTK_WIDGET_CLASS (ps_window_parent_class)->size_allocate (widget, width, height, baseline);
  gboolean side = gtk_orientable_get_orientation (GTK_ORIENTABLE (self->main_paned)) == GTK_ORIENTATION_HORIZONTAL;
  if (self->layout_source == 0 && ((side && width < PS_WINDOW_STACK_WIDTH) || (!side && width >= PS_WINDOW_SIDE_WIDTH)))
    self->layout_source = g_idle_add (adapt_layout_cb, self);
}

gboolean
ps_window_get_stacked (PsWindow *self)
{
  return gtk_orientable_get_orientation (GTK_ORIENTABLE (self->main_paned)) == GTK_ORIENTATION_VERTICAL;
}

static void
ps_window_dispose (GObject *object)
{
  PsWindow *self = PS_WINDOW (object);
  /* the view switcher's indicators dropped while its buttons are alive (ps-teardown.c, seed 2613) */
  GObject *switcher = gtk_widget_get_template_child (GTK_WIDGET (self), PS_TYPE_WINDOW, "view_switcher");
  if (switcher != NULL)
    ps_teardown_view_switchers (GTK_WIDGET (switcher));
  g_clear_handle_id (&self->play_source, g_source_remove);
  g_clear_handle_id (&self->layout_source, g_source_remove);
  stop_snap (self);
  ps_window_substeps_dispose (self);
  ps_window_pytorch_dispose (self);
  if (self->job_cancellable != NULL)
    g_cancellable_cancel (self->job_cancellable);   /* the job holds its own refs; its result is dropped */
  g_clear_object (&self->job_cancellable);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->document);
  g_clear_object (&self->settings);
  g_clear_object (&self->root_node);
  g_clear_object (&self->tree_model);
  g_clear_handle_id (&self->toast_timeout, g_source_remove);
  g_clear_object (&self->tree_selection);
  g_clear_object (&self->timeline_items);
  g_clear_object (&self->timeline_selection);
  g_clear_pointer (&self->selected_path, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), PS_TYPE_WINDOW);
  G_OBJECT_CLASS (ps_window_parent_class)->dispose (object);
}

static void
ps_window_class_init (PsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = ps_window_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = on_close_request;
  widget_class->size_allocate = ps_window_size_allocate;

  g_type_ensure (PS_TYPE_FIGURE_PAGE);
  g_type_ensure (PS_TYPE_ERROR_BANNER);
  g_type_ensure (PS_TYPE_TRAINING_PAGE);
  g_type_ensure (PS_TYPE_TREE_NODE);   /* the tree cells' templates look up its properties */
  gtk_widget_class_add_binding (widget_class, GDK_KEY_space, 0, single_key, "s", "play");
  gtk_widget_class_add_binding (widget_class, GDK_KEY_comma, 0, single_key, "s", "step-back");
  gtk_widget_class_add_binding (widget_class, GDK_KEY_period, 0, single_key, "s", "step-forward");
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/paramscope/Paramscope/ps-window.ui");
  gtk_widget_class_bind_template_callback_full (widget_class, "ps_window_cell_shows_badge", G_CALLBACK (cell_shows_badge));
  gtk_widget_class_bind_template_callback_full (widget_class, "ps_window_cell_shared_badge", G_CALLBACK (cell_shared_badge));
  gtk_widget_class_bind_template_callback_full (widget_class, "ps_window_cell_badge_tooltip", G_CALLBACK (cell_badge_tooltip));
  gtk_widget_class_bind_template_callback_full (widget_class, "ps_window_cell_highlight_classes",
                                                G_CALLBACK (cell_highlight_classes));
  gtk_widget_class_bind_template_callback_full (widget_class, "ps_window_cell_class_name", G_CALLBACK (cell_class_name));
  gtk_widget_class_bind_template_callback_full (widget_class, "ps_window_cell_detail_classes",
                                                G_CALLBACK (cell_detail_classes));
  gtk_widget_class_bind_template_callback_full (widget_class, "ps_window_cell_step_classes", G_CALLBACK (cell_step_classes));
  gtk_widget_class_bind_template_child (widget_class, PsWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, seed_label);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, error_banner);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, job_revealer);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, job_label);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, job_progress);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, main_paned);
  /* looked up once in ps_window_init (gtk_widget_get_template_child), not kept */
  gtk_widget_class_bind_template_child_full (widget_class, "add_menu", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "primary_menu", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "view_switcher", FALSE, 0);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, toast_revealer);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, toast_label);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, tree_view);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, count_label);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, step_scale);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, step_adjustment);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, timeline_view);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, play_button);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, recent_menu);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, story_heading);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, story_label);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, plots_box);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, timeline_box);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, range_box);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, bins_box);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, diff_box);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, range_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, pool_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, compare_box);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, compare_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, compare_of_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, main_menu_button);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, compare_shared);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, bins_spin);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, log_toggle);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, diff_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, diff_items);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, changes_label);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, explain_label);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, training_page);
  gtk_widget_class_bind_template_child_full (widget_class, "heatmap_plot", FALSE,
                                             G_STRUCT_OFFSET (PsWindow, pages[PS_PAGE_HEATMAP]));
  gtk_widget_class_bind_template_child_full (widget_class, "histogram_plot", FALSE,
                                             G_STRUCT_OFFSET (PsWindow, pages[PS_PAGE_HISTOGRAM]));
  gtk_widget_class_bind_template_child_full (widget_class, "over_time_plot", FALSE,
                                             G_STRUCT_OFFSET (PsWindow, pages[PS_PAGE_OVER_TIME]));
  gtk_widget_class_bind_template_child_full (widget_class, "difference_plot", FALSE,
                                             G_STRUCT_OFFSET (PsWindow, pages[PS_PAGE_DIFFERENCE]));
  gtk_widget_class_bind_template_child_full (widget_class, "compare_plot", FALSE,
                                             G_STRUCT_OFFSET (PsWindow, pages[PS_PAGE_COMPARE]));
  ps_window_substeps_class_init (widget_class);
  ps_window_pytorch_class_init (widget_class);
}

/* the export dialog's first values (px, dpi), until the user chooses others */
#define DEFAULT_EXPORT_WIDTH 1600
#define DEFAULT_EXPORT_HEIGHT 1000
#define DEFAULT_EXPORT_DPI 150

static void
ps_window_init (PsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* the + menu's commands also in the main menu: a narrow header (GNOME's smallest window) folds
   * the + button away (ui/ps-window.ui, nav_squeezer) */
  GObject *add_menu = gtk_widget_get_template_child (GTK_WIDGET (self), PS_TYPE_WINDOW, "add_menu");
  GObject *primary_menu = gtk_widget_get_template_child (GTK_WIDGET (self), PS_TYPE_WINDOW, "primary_menu");
  if (G_IS_MENU (primary_menu) && G_IS_MENU_MODEL (add_menu))
    {
      g_autoptr (GMenuItem) item = g_menu_item_new_submenu (_("_Model"), G_MENU_MODEL (add_menu));
      g_menu_insert_item (G_MENU (primary_menu), 1, item);
    }
  self->export_width = DEFAULT_EXPORT_WIDTH;
  self->export_height = DEFAULT_EXPORT_HEIGHT;
  self->export_scale = 1.0;
  self->export_dpi = DEFAULT_EXPORT_DPI;
  self->document = ps_document_new ();
  ps_training_page_set_document (self->training_page, self->document);
  setup_tree (self);
  setup_views (self);
  setup_timeline (self);
  ps_window_substeps_init (self);
  ps_window_pytorch_init (self);
  /* The main menu's submenus (Scenarios, Open Recent, Colormap) open as nested popovers, not as
   * sliding pages: after an item of a sliding submenu was activated by keyboard, GTK 4.8 kept
   * sending every key event to the closed popover (seen under X11 + openbox: F10, Scenarios,
   * Return, and the window took no key at all). gui-a11y-play picks a scenario this way. */
  GtkWidget *main_menu = gtk_popover_menu_new_from_model_full (gtk_menu_button_get_menu_model (self->main_menu_button),
                                                               GTK_POPOVER_MENU_NESTED);
  gtk_menu_button_set_popover (self->main_menu_button, main_menu);
  ps_window_init_actions (self);
  ps_checkpoint_drop_attach (GTK_WINDOW (self));   /* checkpoint files or folders dragged here */
  g_signal_connect (self->document, "changed", G_CALLBACK (on_document_changed), self);
  g_signal_connect (self->document, "notify::current-step", G_CALLBACK (on_current_step), self);
  g_signal_connect (self->document, "notify::title", G_CALLBACK (on_doc_title), self);
  g_signal_connect (self->document, "notify::modified", G_CALLBACK (on_doc_title), self);
  g_signal_connect (self->document, "notify::busy", G_CALLBACK (on_doc_busy), self);
  g_signal_connect (self->document, "notify::progress", G_CALLBACK (on_doc_progress), self);
}

/* a remembered window size is never restored smaller than this (px) */
#define MIN_WINDOW_WIDTH 640
#define MIN_WINDOW_HEIGHT 480

PsWindow *
ps_window_new (PsApplication *app)
{
  PsWindow *self = g_object_new (PS_TYPE_WINDOW, "application", app, NULL);
  GSettings *settings = ps_application_get_settings (app);
  if (settings != NULL)
    {
      self->settings = g_object_ref (settings);
      gtk_window_set_default_size (GTK_WINDOW (self), MAX (g_settings_get_int (settings, "window-width"), MIN_WINDOW_WIDTH),
                                   MAX (g_settings_get_int (settings, "window-height"), MIN_WINDOW_HEIGHT));
      g_signal_connect (settings, "changed", G_CALLBACK (on_settings_changed), self);
      on_settings_changed (settings, "projector-mode", self);
      rebuild_recent_menu (self);
    }
  on_document_changed (self->document, self);
  return self;
}

PsDocument *
ps_window_get_document (PsWindow *self)
{
  return self->document;
}

static void
show_load_result (PsWindow *self, GError *op_error)
{
  if (op_error != NULL)
    ps_window_show_error (self, op_error->message);
  else
    ps_window_clear_error (self);
}

/* A built-in scenario's recipe (the resources' scenarios/NAME.json), or NULL with the error shown. */
static GBytes *
scenario_bytes (PsWindow *self, const char *name)
{
  g_autofree char *path = g_strdup_printf ("/io/github/paramscope/Paramscope/scenarios/%s.json", name);
  g_autoptr (GError) error = NULL;
  GBytes *bytes = g_resources_lookup_data (path, 0, &error);
  if (bytes == NULL)
    ps_window_show_error (self, error->message);
  return bytes;
}

gboolean
ps_window_load_scenario (PsWindow *self, const char *name)
{
  g_autoptr (GBytes) bytes = scenario_bytes (self, name);
  if (bytes == NULL)
    return FALSE;
  g_autoptr (GError) error = NULL, op_error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  if (!ps_document_load_data (self->document, data, len, NULL, name, &op_error, &error))
    {
      ps_window_show_error (self, error->message);
      return FALSE;
    }
  show_load_result (self, op_error);
  return TRUE;
}

typedef struct {
  PsWindow *window;   /* ref */
  GFile *file;        /* NULL for a scenario */
} LoadData;

static void
on_load_done (GObject *source, GAsyncResult *result, gpointer data)
{
  LoadData *ld = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) op_error = NULL;
  if (!ps_document_load_finish (PS_DOCUMENT (source), result, &op_error, &error))
    {
      if (ld->file != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *msg = g_strdup_printf (_("Could not open %s: %s"), g_file_peek_path (ld->file),
                                                  error->message);
          ps_window_show_error (ld->window, msg);
        }
      else
        ps_window_job_failed (ld->window, error);
    }
  else
    {
      show_load_result (ld->window, op_error);
      if (ld->file != NULL)
        ps_application_add_recent (PS_APPLICATION (gtk_window_get_application (GTK_WINDOW (ld->window))), ld->file);
    }
  g_object_unref (ld->window);
  g_clear_object (&ld->file);
  g_free (ld);
}

static void
load_bytes_async (PsWindow *self, GBytes *bytes, GFile *file, const char *title)
{
  LoadData *ld = g_new0 (LoadData, 1);
  ld->window = g_object_ref (self);
  ld->file = file ? g_object_ref (file) : NULL;
  g_autofree char *label = g_strdup_printf (_("Replaying %s…"), title ? title : g_file_peek_path (file));
  GCancellable *c = ps_window_begin_job (self, label);
  ps_document_load_async (self->document, bytes, file, title, c, on_load_done, ld);
}

void
ps_window_load_scenario_async (PsWindow *self, const char *name)
{
  g_autoptr (GBytes) bytes = scenario_bytes (self, name);
  if (bytes != NULL)
    load_bytes_async (self, bytes, NULL, name);
}

void
ps_window_open_file (PsWindow *self, GFile *file)
{
  g_autoptr (GError) error = NULL;
  /* a FIFO would block the UI and /dev/zero never ends: refused before reading; size bounded */
  g_autoptr (GBytes) bytes = ps_regular_file_load (file, PS_RECIPE_MAX_BYTES, &error);
  if (bytes == NULL)
    {
      g_autofree char *name = g_file_get_parse_name (file);
      g_autofree char *msg = g_strdup_printf (_("Could not open %s: %s"), name, error->message);
      ps_window_show_error (self, msg);
      return;
    }
  load_bytes_async (self, bytes, file, NULL);
}

gboolean
ps_window_export_picture (PsWindow *self, const char *path, int width, int height, double scale, GError **error)
{
  return ps_window_export_picture_full (self, path, width, height, scale, 0, error);
}

gboolean
ps_window_export_picture_full (PsWindow *self, const char *path, int width, int height, double scale, double dpi,
                               GError **error)
{
  PsPlotPage page = ps_window_get_visible_page (self);
  if (page == PS_N_PLOT_PAGES)
    page = PS_PAGE_HEATMAP;
  if (ps_figure_page_get_figure (self->pages[page]) == NULL)
    update_plot (self, page);
  PsFigure *fig = ps_figure_page_get_figure (self->pages[page]);
  if (fig == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, _("Select a parameter with values to export its picture"));
      return FALSE;
    }
  return ps_figure_export (fig, path, width, height, scale, dpi, error);
}

gboolean
ps_window_export_data (PsWindow *self, const char *path, GError **error)
{
  PsTreeNode *node = ps_window_get_selected_node (self);
  return ps_tensor_export (node ? ps_tree_node_get_tensor (node) : NULL, path, error);
}
