/*
 * undo.h: `imgopt undo POSTS IMAGES [RUN]`, the posts put back as they
 * were before the last run that changed them, byte for byte; again, the
 * run before that, and so on back to the first (a history, as git's
 * reflog keeps one).
 *
 * The run records, before it touches a post, the post's hash before and
 * after and the edits (each with the bytes it replaced) in the manifest's
 * rewrites table.  Undo takes one step: the latest run that rewrote a
 * post and is not undone yet, and the unfinished runs right before it (a
 * run killed midway and the run that completed its work are one run to
 * the user), and puts every post back as it was before the first of them;
 * the runs of the step are then recorded as undone, so the next undo
 * takes the step before.  With RUN, every step back to and including
 * that run is undone at once.  For each post undo goes back through its
 * rows, newest first: bytes that are a row's result get that row's edits
 * inverted, checked to hash to the recorded "before"; the post is then
 * written once, atomically and durably with its mode kept.  A post
 * already back to its old bytes is left alone; a post edited since the
 * run (its bytes match neither hash) is refused, with a message saying
 * so, and the others are still restored (the step then stays the next
 * one to undo).  A post path from the manifest that is not relative,
 * normalised and inside the site (imgopt_fs_check_site_path(): the
 * manifest may come from a repository or a shared cache) is refused the
 * same way, and nothing is read or written for it.
 *
 * An undone post never points at a file that is not there: a file its
 * old bytes reference that a prune took away since is put back first (a
 * trashed file moved back, a deleted duplicate copied again from the copy
 * of its bytes that stayed, its hash checked); if that cannot be done the
 * post is refused.  Variant files are left in place (prune removes
 * files).
 *
 * Ownership: results are transfer full.
 * Thread-safety: one call per thread.
 */
#ifndef IMGOPT_UNDO_H
#define IMGOPT_UNDO_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* GPtrArray, GError */

#include "imgopt/manifest.h"
#include "imgopt/site.h"

/** What undo did with one post. */
typedef enum {
	IMGOPT_UNDO_RESTORED, /* put back (or, in a dry run, would be) */
	IMGOPT_UNDO_ALREADY,  /* already had its old bytes */
	IMGOPT_UNDO_REFUSED,  /* edited since the run, or unreadable */
} ImgoptUndoStatus;

/**
 * imgopt_undo_status_name:
 *
 * Returns: (transfer none): "restored", "already" or "refused".
 */
const char *imgopt_undo_status_name(ImgoptUndoStatus status);

/** One post of the undone run. */
typedef struct {
	char *post;              /* relative to the site root */
	ImgoptUndoStatus status; /* what happened */
	char *message;           /* why it was refused, else NULL */
} ImgoptUndoItem;

/** What imgopt_undo_site() did. */
typedef struct {
	int64_t run_id;   /* the run undone, 0 if no run rewrote anything */
	GArray *run_ids;  /* (element-type int64_t) the runs undone as one,
			     newest first: run_id, then the killed runs whose
			     work it completed (empty if none) */
	GPtrArray *items; /* (element-type ImgoptUndoItem) by post */
	guint n_restored; /* posts restored */
	guint n_already;  /* posts already restored */
	guint n_refused;  /* posts refused */
	GPtrArray *files; /* (element-type filename) files a prune took away
			     that the restored posts reference, put back
			     (or, in a dry run, to put back), sorted */
} ImgoptUndoResult;

/** Frees @result (nullable). */
void imgopt_undo_result_free(ImgoptUndoResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptUndoResult, imgopt_undo_result_free)

/**
 * imgopt_undo_site:
 * @site: the open site
 * @manifest: the open manifest
 * @back_to: a run id: undo every step back to and including it; 0 for
 *   one step
 * @is_dry_run: only say what would be restored
 * @result_out: (out) (transfer full): what was done
 * @error: return location for a #GError
 *
 * Restores the posts of the latest step of runs not undone yet (see
 * above), or of every step back to @back_to, and records an "undo" run.
 *
 * Returns: true if undo ran (some posts may have been refused: see the
 *   result; run_id 0: nothing left to undo), false with @error set if
 *   @back_to has no rewrites left to undo (IMGOPT_ERROR_PARSE), the
 *   manifest could not be read or a file could not be written.
 */
bool imgopt_undo_site(const ImgoptSite *site, ImgoptManifest *manifest,
		      int64_t back_to, bool is_dry_run,
		      ImgoptUndoResult **result_out, GError **error);

#endif /* IMGOPT_UNDO_H */
