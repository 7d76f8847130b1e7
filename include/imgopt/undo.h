/*
 * undo.h: `imgopt undo POSTS IMAGES`, the posts put back as they were
 * before the last run that changed them, byte for byte.
 *
 * The run records, before it touches a post, the post's hash before and
 * after and the edits (each with the bytes it replaced) in the manifest's
 * rewrites table.  Undo reads the rows of the latest run that rewrote a
 * post, and of the unfinished runs right before it: a run killed midway
 * and the run that completed its work are one run to the user, so undo
 * puts every post back as it was before the first of them.  For each post
 * it goes back through its rows, newest first: bytes that are a row's
 * result get that row's edits inverted, checked to hash to the recorded
 * "before"; the post is then written once, atomically and durably with
 * its mode kept.  A post already back to its
 * old bytes is left alone; a post edited since the run (its bytes match
 * neither hash) is refused, with a message saying so, and the others are
 * still restored.  A post path from the manifest that is not relative,
 * normalised and inside the site (imgopt_fs_check_site_path(): the
 * manifest may come from a repository or a shared cache) is refused the
 * same way, and nothing is read or written for it.  Variant files are
 * left in place (prune removes files).
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

/** What imgopt_undo_last_run() did. */
typedef struct {
	int64_t run_id;   /* the run undone, 0 if no run rewrote anything */
	GArray *run_ids;  /* (element-type int64_t) the runs undone as one,
			     newest first: run_id, then the killed runs whose
			     work it completed (empty if none) */
	GPtrArray *items; /* (element-type ImgoptUndoItem) by post */
	guint n_restored; /* posts restored */
	guint n_already;  /* posts already restored */
	guint n_refused;  /* posts refused */
} ImgoptUndoResult;

/** Frees @result (nullable). */
void imgopt_undo_result_free(ImgoptUndoResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptUndoResult, imgopt_undo_result_free)

/**
 * imgopt_undo_last_run:
 * @site: the open site
 * @manifest: the open manifest
 * @is_dry_run: only say what would be restored
 * @result_out: (out) (transfer full): what was done
 * @error: return location for a #GError
 *
 * Restores the posts of the latest run that rewrote any (see above) and
 * records an "undo" run.
 *
 * Returns: true if undo ran (some posts may have been refused: see the
 *   result), false with @error set if the manifest could not be read or a
 *   post could not be written.
 */
bool imgopt_undo_last_run(const ImgoptSite *site, ImgoptManifest *manifest,
			  bool is_dry_run, ImgoptUndoResult **result_out,
			  GError **error);

#endif /* IMGOPT_UNDO_H */
