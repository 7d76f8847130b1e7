/*
 * undo.c: the undo job (see undo.h): put the posts of a run back as they
 * were, byte for byte, and keep the history of what was undone.
 *
 * Every restored post is checked twice: its current bytes must hash to
 * the run's "after" (else it was edited since, and is refused), and the
 * bytes rebuilt from the inverted edits must hash to the run's "before"
 * (else the record is damaged, and nothing is written).
 */
#include "imgopt/undo.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "imgopt/error.h"
#include "imgopt/prune.h"
#include "imgopt/referrers.h"
#include "imgopt/rewrite.h"
#include "imgopt/scan.h"

#include "fault.h"
#include "fsio.h"
#include "hash.h"
#include "atomic.h"

const char *
imgopt_undo_status_name(ImgoptUndoStatus status)
{
	switch (status) {
	case IMGOPT_UNDO_RESTORED:
		return "restored";
	case IMGOPT_UNDO_ALREADY:
		return "already";
	case IMGOPT_UNDO_REFUSED:
		return "refused";
	}
	g_assert_not_reached();
}

static void
undo_item_free(ImgoptUndoItem *item)
{
	if (item == NULL)
		return;
	g_free(item->post);
	g_free(item->message);
	g_free(item);
}

void
imgopt_undo_result_free(ImgoptUndoResult *result)
{
	if (result == NULL)
		return;
	g_clear_pointer(&result->items, g_ptr_array_unref);
	g_clear_pointer(&result->run_ids, g_array_unref);
	g_clear_pointer(&result->files, g_ptr_array_unref);
	g_free(result);
}

static void
add_item(ImgoptUndoResult *res, const char *post, ImgoptUndoStatus status,
	 char *message)
{
	ImgoptUndoItem *item = g_new0(ImgoptUndoItem, 1);

	item->post = g_strdup(post);
	item->status = status;
	item->message = message;
	g_ptr_array_add(res->items, item);
	res->n_restored += status == IMGOPT_UNDO_RESTORED;
	res->n_already += status == IMGOPT_UNDO_ALREADY;
	res->n_refused += status == IMGOPT_UNDO_REFUSED;
}

/* The old bytes of a post, rebuilt from its current bytes and the run's
 * edits; NULL with @error set if they do not hash to the recorded one. */
static GBytes *
rebuild(const ImgoptRewrite *rw, const char *text, gsize len, GError **error)
{
	g_autoptr(GPtrArray) edits =
		imgopt_rewrite_parse_edits(rw->edits, error);
	if (edits == NULL)
		return NULL;
	g_autoptr(GPtrArray) inverse = imgopt_rewrite_invert(edits);
	g_autoptr(GBytes) old = imgopt_rewrite_text(text, len, inverse, error);

	if (old == NULL)
		return NULL;
	if (!imgopt_hash_buffer_is(g_bytes_get_data(old, NULL),
				   g_bytes_get_size(old), &rw->before)) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_MANIFEST,
			    "the undo record of '%s' does not rebuild its old "
			    "bytes",
			    rw->post);
		return NULL;
	}
	return g_steal_pointer(&old);
}

/* The post's bytes as they were before @rows (newest first), in @cur_io;
 * false with *@message_out set if they are neither a row's "after" nor its
 * "before" (edited since), or with @error set if a record is damaged. */
static bool
rebuild_all(const GPtrArray *rows, int64_t run_id, GBytes **cur_io,
	    bool *is_changed_out, char **message_out, GError **error)
{
	*is_changed_out = false;
	for (guint i = 0; i < rows->len; i++) {
		const ImgoptRewrite *rw = g_ptr_array_index(rows, i);
		gsize len = 0;
		const char *text = g_bytes_get_data(*cur_io, &len);
		ImgoptHash now;

		imgopt_hash_buffer(text, len, &now);
		if (imgopt_hash_equal(&now, &rw->before))
			continue;
		if (!imgopt_hash_equal(&now, &rw->after)) {
			*message_out = g_strdup_printf(
				"'%s' was edited after run %" G_GINT64_FORMAT
				"; not restored (its bytes are neither "
				"the run's result nor the original)",
				rw->post, run_id);
			return false;
		}
		GBytes *old = rebuild(rw, text, len, error);
		if (old == NULL)
			return false;
		g_bytes_unref(*cur_io);
		*cur_io = old;
		*is_changed_out = true;
	}
	return true;
}

/* One undo: what every post needs. */
typedef struct {
	const ImgoptSite *site;
	ImgoptManifest *manifest;
	bool is_dry_run;
	ImgoptUndoResult *res;
	GPtrArray *trash; /* (element-type ImgoptTrashEntry) every row */
	GHashTable *gone; /* path → ImgoptTrashEntry * (borrowed from
			     @trash): the latest row of each file prune
			     took away and nothing put back */
} Undo;

static void
undo_clear(Undo *u)
{
	g_clear_pointer(&u->gone, g_hash_table_unref);
	g_clear_pointer(&u->trash, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Undo, undo_clear)

static bool
load_gone(Undo *u, GError **error)
{
	u->trash = imgopt_manifest_lookup_trash(u->manifest, 0, error);
	if (u->trash == NULL)
		return false;
	u->gone = g_hash_table_new(g_str_hash, g_str_equal);
	/* Rows come by run then path: a later prune of the same path wins. */
	for (guint i = 0; i < u->trash->len; i++) {
		ImgoptTrashEntry *e = g_ptr_array_index(u->trash, i);

		if (e->state == IMGOPT_TRASH_TRASHED ||
		    e->state == IMGOPT_TRASH_DELETED)
			g_hash_table_insert(u->gone, e->path, e);
		else if (e->state == IMGOPT_TRASH_RESTORED)
			g_hash_table_remove(u->gone, e->path);
	}
	return true;
}

static void
add_file(Undo *u, const char *path)
{
	if (!g_ptr_array_find_with_equal_func(u->res->files, path, g_str_equal,
					      NULL))
		g_ptr_array_add(u->res->files, g_strdup(path));
}

/* The rows of @u->gone that @post's old bytes @text reference (it looks
 * for them in vain), trashed files before deleted ones: a deleted
 * duplicate is written again from a copy that may be among them. */
static GPtrArray *
needed_files(Undo *u, const char *post, GBytes *text, GError **error)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(text, &len);
	ImgoptReferrerKind kind = IMGOPT_REFERRER_PAGE;

	/* Any file a run rewrote, in its own dialect (a stylesheet's url(),
	 * a config value…). */
	imgopt_referrers_kind_of(u->site, post, &kind);
	g_autoptr(GPtrArray) refs = imgopt_referrers_scan_text(
		u->site, kind, post, data, len, error);
	g_autoptr(GPtrArray) needed = g_ptr_array_new();

	if (refs == NULL)
		return NULL;
	for (guint i = 0; i < refs->len; i++) {
		ImgoptRef *ref = g_ptr_array_index(refs, i);
		g_autoptr(GPtrArray) looked =
			g_ptr_array_new_with_free_func(g_free);

		imgopt_site_resolve_ref_watched(u->site, ref, looked);
		if (ref->status != IMGOPT_REF_STATUS_BROKEN)
			continue;
		for (guint j = 0; j < looked->len; j++) {
			ImgoptTrashEntry *e = g_hash_table_lookup(
				u->gone, g_ptr_array_index(looked, j));

			if (e == NULL || g_ptr_array_find(needed, e, NULL))
				continue;
			if (e->state == IMGOPT_TRASH_DELETED)
				g_ptr_array_add(needed, e);
			else
				g_ptr_array_insert(needed, 0, e);
		}
	}
	return g_steal_pointer(&needed);
}

/* Puts back the files prune took away that @post's old bytes @text need,
 * before the post is written: an undone post never points at a file in
 * the trash.  false with *@message_out set if one cannot be put back
 * (then the post is refused), or with @error set. */
static bool
put_back_needed(Undo *u, const char *post, GBytes *text, char **message_out,
		GError **error)
{
	g_autoptr(GPtrArray) needed = needed_files(u, post, text, error);

	if (needed == NULL)
		return false;
	for (guint i = 0; i < needed->len; i++) {
		ImgoptTrashEntry *e = g_ptr_array_index(needed, i);
		g_autoptr(GError) local = NULL;

		if (!imgopt_prune_put_back(u->site, u->manifest, e,
					   u->is_dry_run, &local)) {
			*message_out = g_strdup_printf(
				"'%s' was not restored: it references '%s', "
				"which prune run %" G_GINT64_FORMAT " took "
				"away and which cannot be put back: %s",
				post, e->path, e->run_id, local->message);
			return false;
		}
		add_file(u, e->path);
		g_hash_table_remove(u->gone, e->path);
	}
	return true;
}

/* Restores one post through its rewrites @rows, newest first (one per run
 * of the undone chain that touched it); per-post problems become items,
 * I/O errors and damaged records fail. */
static bool
undo_post(Undo *u, const char *post, const GPtrArray *rows, GError **error)
{
	g_autofree char *full =
		g_build_filename(imgopt_site_get_root(u->site), post, NULL);
	g_autoptr(GBytes) cur = NULL;
	char *text = NULL;
	char *message = NULL;
	gsize len = 0;
	bool is_changed = false;
	GStatBuf st;

	if (g_stat(full, &st) != 0 ||
	    !g_file_get_contents(full, &text, &len, NULL)) {
		add_item(u->res, post, IMGOPT_UNDO_REFUSED,
			 g_strdup_printf("cannot read '%s'", post));
		return true;
	}
	cur = g_bytes_new_take(text, len);
	if (!rebuild_all(rows, u->res->run_id, &cur, &is_changed, &message,
			 error) ||
	    (is_changed && !put_back_needed(u, post, cur, &message, error))) {
		if (message == NULL)
			return false;
		add_item(u->res, post, IMGOPT_UNDO_REFUSED, message);
		return true;
	}
	if (!is_changed) {
		add_item(u->res, post, IMGOPT_UNDO_ALREADY, NULL);
		return true;
	}
	if (!u->is_dry_run) {
		if (!imgopt_atomic_replace(full, g_bytes_get_data(cur, NULL),
					   g_bytes_get_size(cur),
					   (int)(st.st_mode & 07777), error))
			return false;
		imgopt_fault_point();
	}
	add_item(u->res, post, IMGOPT_UNDO_RESTORED, NULL);
	return true;
}

/* Index in @runs (newest first) of the next run at or after @from that
 * has rewrites left to undo, or runs->len. */
static guint
next_undoable(const GPtrArray *runs, guint from)
{
	for (; from < runs->len; from++) {
		const ImgoptRunRecord *r = g_ptr_array_index(runs, from);

		if (strcmp(r->command, "run") == 0 && r->n_rewrites > 0 &&
		    !r->is_undone)
			break;
	}
	return from;
}

/* Appends to @chain the step that starts at @runs[@i]: that run and the
 * unfinished (killed) runs right before it, whose work it completed.
 * Returns the index after the step. */
static guint
add_step(const GPtrArray *runs, guint i, GArray *chain)
{
	for (guint j = i; j < runs->len; j++) {
		const ImgoptRunRecord *r = g_ptr_array_index(runs, j);

		if (j > i && (strcmp(r->command, "run") != 0 ||
			      imgopt_run_record_is_finished(r) || r->is_undone))
			return j;
		g_array_append_val(chain, r->id);
	}
	return runs->len;
}

static bool
chain_has(const GArray *chain, int64_t id)
{
	for (guint i = 0; i < chain->len; i++)
		if (g_array_index(chain, int64_t, i) == id)
			return true;
	return false;
}

/* The runs to undo, newest first: one step (the latest run that rewrote a
 * post and is not undone yet, with the killed runs it completed), or, for
 * @back_to, every step back to and including that run.  Empty if no run
 * is left to undo; NULL with @error set if @back_to is not one. */
static GArray *
undo_chain(ImgoptManifest *manifest, int64_t back_to, GError **error)
{
	const char *const commands[] = {"run", "undo", NULL};
	g_autoptr(GPtrArray) runs =
		imgopt_manifest_list_runs(manifest, commands, error);
	g_autoptr(GArray) chain = g_array_new(FALSE, FALSE, sizeof(int64_t));

	if (runs == NULL)
		return NULL;
	for (guint i = next_undoable(runs, 0); i < runs->len;
	     i = next_undoable(runs, i)) {
		i = add_step(runs, i, chain);
		if (back_to == 0 || chain_has(chain, back_to))
			return g_steal_pointer(&chain);
	}
	if (back_to != 0) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_PARSE,
			    "run %" G_GINT64_FORMAT " has no rewrites left to "
			    "undo (see the runs with 'imgopt undo --dry-run')",
			    back_to);
		return NULL;
	}
	return g_steal_pointer(&chain);
}

/* post → GPtrArray of its ImgoptRewrite rows (borrowed from @owner),
 * newest run first, over every run of @chain. */
static GHashTable *
rows_by_post(ImgoptManifest *manifest, const GArray *chain, GPtrArray *owner,
	     GError **error)
{
	g_autoptr(GHashTable) by_post =
		g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
				      (GDestroyNotify)g_ptr_array_unref);

	for (guint i = 0; i < chain->len; i++) {
		GPtrArray *rows = imgopt_manifest_lookup_rewrites(
			manifest, g_array_index(chain, int64_t, i), error);

		if (rows == NULL)
			return NULL;
		g_ptr_array_add(owner, rows);
		for (guint j = 0; j < rows->len; j++) {
			ImgoptRewrite *rw = g_ptr_array_index(rows, j);
			GPtrArray *list =
				g_hash_table_lookup(by_post, rw->post);

			if (list == NULL) {
				list = g_ptr_array_new();
				g_hash_table_insert(by_post, rw->post, list);
			}
			g_ptr_array_add(list, rw);
		}
	}
	return g_steal_pointer(&by_post);
}

static bool
record_run(ImgoptManifest *manifest, const ImgoptUndoResult *res,
	   GError **error)
{
	int64_t id = 0;

	if (!imgopt_manifest_begin(manifest, error))
		return false;
	bool is_ok = imgopt_manifest_begin_run(manifest, "undo", &id, error);

	/* A refused post still shows the run's links: the run stays the one
	 * the next undo takes, until the post is sorted out. */
	for (guint i = 0; is_ok && res->n_refused == 0 && i < res->run_ids->len;
	     i++)
		is_ok = imgopt_manifest_put_undone(
			manifest, g_array_index(res->run_ids, int64_t, i), id,
			error);
	if (!is_ok || !imgopt_manifest_end_run(
			      manifest, id,
			      res->n_refused > 0 ? "failed" : "ok", error)) {
		imgopt_manifest_rollback(manifest);
		return false;
	}
	return imgopt_manifest_commit(manifest, error);
}

/* Removes the temporary files a killed write left beside @posts (the
 * caller holds the site lock). */
static bool
remove_debris(const ImgoptSite *site, const GPtrArray *posts, GError **error)
{
	g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *last = NULL;

	for (guint i = 0; i < posts->len; i++) {
		g_autofree char *dir =
			g_path_get_dirname(g_ptr_array_index(posts, i));
		g_autofree char *full = NULL;

		if (g_strcmp0(dir, last) == 0)
			continue;
		full = g_build_filename(imgopt_site_get_root(site), dir, NULL);
		if (!imgopt_atomic_remove_stale(full, false, removed, error))
			return false;
		g_free(last);
		last = g_steal_pointer(&dir);
	}
	return true;
}

/* Why @post, a path from the manifest, may not be read or written, or
 * NULL if it may: the manifest may come from a repository or a shared
 * cache, and a tampered row must not make undo write outside the site. */
static char *
post_problem(const ImgoptSite *site, const char *post)
{
	g_autoptr(GError) local = NULL;

	if (imgopt_fs_check_site_path(imgopt_site_get_root(site), post, &local))
		return NULL;
	return g_strdup_printf("the manifest names a post that is not inside "
			       "the site: %s; not restored",
			       local->message);
}

/* Splits @posts into the ones that may be touched (@safe_out) and the
 * refused ones (@refused_out: post → why). */
static void
sort_out_posts(const ImgoptSite *site, const GPtrArray *posts,
	       GPtrArray **safe_out, GHashTable **refused_out)
{
	*safe_out = g_ptr_array_new();
	*refused_out =
		g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	for (guint i = 0; i < posts->len; i++) {
		char *post = g_ptr_array_index(posts, i);
		char *why = post_problem(site, post);

		if (why != NULL)
			g_hash_table_insert(*refused_out, post, why);
		else
			g_ptr_array_add(*safe_out, post);
	}
}

/* The posts the rows of @by_post touch, sorted. */
static GPtrArray *
sorted_posts(GHashTable *by_post)
{
	GPtrArray *posts = g_ptr_array_new();
	GHashTableIter it;
	gpointer key;

	g_hash_table_iter_init(&it, by_post);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(posts, key);
	g_ptr_array_sort(posts, imgopt_fs_path_cmp);
	return posts;
}

static ImgoptUndoResult *
result_new(void)
{
	ImgoptUndoResult *res = g_new0(ImgoptUndoResult, 1);

	res->items =
		g_ptr_array_new_with_free_func((GDestroyNotify)undo_item_free);
	res->files = g_ptr_array_new_with_free_func(g_free);
	return res;
}

bool
imgopt_undo_site(const ImgoptSite *site, ImgoptManifest *manifest,
		 int64_t back_to, bool is_dry_run,
		 ImgoptUndoResult **result_out, GError **error)
{
	g_return_val_if_fail(site != NULL && manifest != NULL, false);
	g_return_val_if_fail(result_out != NULL, false);
	g_return_val_if_fail(error == NULL || *error == NULL, false);

	g_autoptr(ImgoptUndoResult) res = result_new();
	g_autoptr(GPtrArray) owner = g_ptr_array_new_with_free_func(
		(GDestroyNotify)g_ptr_array_unref);
	g_auto(Undo) u = {site, manifest, is_dry_run, res, NULL, NULL};

	*result_out = NULL;
	res->run_ids = undo_chain(manifest, back_to, error);
	if (res->run_ids == NULL)
		return false;
	if (res->run_ids->len > 0)
		res->run_id = g_array_index(res->run_ids, int64_t, 0);
	g_autoptr(GHashTable) by_post =
		rows_by_post(manifest, res->run_ids, owner, error);
	if (by_post == NULL || !load_gone(&u, error))
		return false;
	g_autoptr(GPtrArray) posts = sorted_posts(by_post);
	g_autoptr(GPtrArray) safe = NULL;
	g_autoptr(GHashTable) refused = NULL;
	sort_out_posts(site, posts, &safe, &refused);
	if (!is_dry_run && !remove_debris(site, safe, error))
		return false;
	for (guint i = 0; i < posts->len; i++) {
		const char *post = g_ptr_array_index(posts, i);
		const char *why = g_hash_table_lookup(refused, post);

		if (why != NULL)
			add_item(res, post, IMGOPT_UNDO_REFUSED, g_strdup(why));
		else if (!undo_post(&u, post,
				    g_hash_table_lookup(by_post, post), error))
			return false;
	}
	g_ptr_array_sort(res->files, imgopt_fs_path_cmp);
	if (!is_dry_run && !record_run(manifest, res, error))
		return false;
	*result_out = g_steal_pointer(&res);
	return true;
}
