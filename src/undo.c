/*
 * undo.c: see undo.h.  Every restored post is checked twice: its current
 * bytes must hash to the run's "after" (else it was edited since, and is
 * refused), and the bytes rebuilt from the inverted edits must hash to
 * the run's "before" (else the record is damaged, and nothing is written).
 */
#include "imgopt/undo.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "imgopt/error.h"
#include "imgopt/rewrite.h"

#include "fault.h"
#include "hash.h"
#include "postfile.h"

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
	ImgoptHash h;

	if (old == NULL)
		return NULL;
	imgopt_hash_buffer(g_bytes_get_data(old, NULL), g_bytes_get_size(old),
			   &h);
	if (!imgopt_hash_equal(&h, &rw->before)) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_MANIFEST,
			    "the undo record of '%s' does not rebuild its old "
			    "bytes",
			    rw->post);
		return NULL;
	}
	return g_steal_pointer(&old);
}

/* Restores one post; per-post problems become items, I/O errors fail. */
static bool
undo_post(const ImgoptSite *site, const ImgoptRewrite *rw, bool is_dry_run,
	  ImgoptUndoResult *res, GError **error)
{
	g_autofree char *full =
		g_build_filename(imgopt_site_get_root(site), rw->post, NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) local = NULL;
	gsize len = 0;
	GStatBuf st;
	ImgoptHash now;

	if (g_stat(full, &st) != 0 ||
	    !g_file_get_contents(full, &text, &len, &local)) {
		add_item(res, rw->post, IMGOPT_UNDO_REFUSED,
			 g_strdup_printf("cannot read '%s'", rw->post));
		return true;
	}
	imgopt_hash_buffer(text, len, &now);
	if (imgopt_hash_equal(&now, &rw->before)) {
		add_item(res, rw->post, IMGOPT_UNDO_ALREADY, NULL);
		return true;
	}
	if (!imgopt_hash_equal(&now, &rw->after)) {
		add_item(res, rw->post, IMGOPT_UNDO_REFUSED,
			 g_strdup_printf(
				 "'%s' was edited after run %" G_GINT64_FORMAT
				 "; not restored (its bytes are neither "
				 "the run's result nor the original)",
				 rw->post, rw->run_id));
		return true;
	}
	g_autoptr(GBytes) old = rebuild(rw, text, len, error);
	if (old == NULL)
		return false;
	if (!is_dry_run) {
		if (!imgopt_postfile_write(full, g_bytes_get_data(old, NULL),
					   g_bytes_get_size(old),
					   (int)(st.st_mode & 07777), error))
			return false;
		imgopt_fault_point();
	}
	add_item(res, rw->post, IMGOPT_UNDO_RESTORED, NULL);
	return true;
}

static bool
record_run(ImgoptManifest *manifest, const ImgoptUndoResult *res,
	   GError **error)
{
	int64_t id = 0;

	if (!imgopt_manifest_begin(manifest, error))
		return false;
	if (!imgopt_manifest_begin_run(manifest, "undo", &id, error) ||
	    !imgopt_manifest_end_run(manifest, id,
				     res->n_refused > 0 ? "failed" : "ok",
				     error)) {
		imgopt_manifest_rollback(manifest);
		return false;
	}
	return imgopt_manifest_commit(manifest, error);
}

bool
imgopt_undo_last_run(const ImgoptSite *site, ImgoptManifest *manifest,
		     bool is_dry_run, ImgoptUndoResult **result_out,
		     GError **error)
{
	g_return_val_if_fail(site != NULL && manifest != NULL, false);
	g_return_val_if_fail(result_out != NULL, false);
	g_return_val_if_fail(error == NULL || *error == NULL, false);

	g_autoptr(ImgoptUndoResult) res = g_new0(ImgoptUndoResult, 1);
	g_autoptr(GPtrArray) rewrites =
		imgopt_manifest_lookup_rewrites(manifest, 0, error);

	*result_out = NULL;
	if (rewrites == NULL)
		return false;
	res->items =
		g_ptr_array_new_with_free_func((GDestroyNotify)undo_item_free);
	for (guint i = 0; i < rewrites->len; i++) {
		const ImgoptRewrite *rw = g_ptr_array_index(rewrites, i);

		res->run_id = rw->run_id;
		if (!undo_post(site, rw, is_dry_run, res, error))
			return false;
	}
	if (!is_dry_run && !record_run(manifest, res, error))
		return false;
	*result_out = g_steal_pointer(&res);
	return true;
}
