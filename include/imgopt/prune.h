/*
 * prune.h: `imgopt prune POSTS IMAGES` and `imgopt restore`: reclaim the
 * space held by duplicate copies and by images no post shows, without
 * ever losing an image anybody needs.
 *
 * imgopt_prune_site() runs the dupes job (index, groups, orphans), scans
 * every post again just before acting, and removes from IMAGES:
 *   - DUPLICATE copies: a file no post references whose bytes another
 *     copy holds, the copy that stays (a referenced one, else the
 *     group's canonical copy) or the one moved to the trash first;
 *   - ORPHAN contents: an image no post references and no variant
 *     replaced, with no other copy left in the site; its last copy goes
 *     to the trash;
 *   - ORIGINAL contents (only with --originals): an image no post
 *     references any longer because the posts now show its variants
 *     (a post references a variant made from its bytes); without
 *     --originals one copy of each such content stays.
 * A removed file goes to `<site root>/.imgopt/trash/<run id>/<its path>`;
 * with --delete a DUPLICATE is unlinked instead, after its bytes were
 * compared with the copy that stays, and the last copy of a content still
 * goes to the trash (prune never removes the last copy of any content).
 *
 * What prune never removes: a file any referrer of the site references
 * (posts, pages, layouts, includes, config, data, stylesheets, scripts,
 * JSON, feeds: imgopt_referrers_list_scope(), as scanned just before
 * acting, repaired and pinned references included; the posts alone with
 * @only_posts), an image whose file name a text file of the site holds
 * (the orphan rule's last guard, nameguard.h: listed in kept_by_name; not
 * with @only_posts), a file whose name a broken reference names (a later
 * repair may need it), a post, anything
 * that is not an image (the orphan rule of `dupes`: a sniffed image
 * format or an image extension), anything outside IMAGES, in a dot
 * folder, in IMAGES/IMGOPT_OUTPUT_DIR or under `_site/` or `node_modules/`
 * (generated, rebuilt by the site's tools), and a file whose size or mtime
 * changed since it was indexed (skipped and reported).
 *
 * imgopt's variants (IMAGES/IMGOPT_OUTPUT_DIR) are left alone, even those
 * no post links any longer (after an undo): they are derived from
 * originals prune keeps, and the next run reuses them instead of encoding
 * again.  Removing them is `rm -r IMAGES/optimized` and a run.
 *
 * Reclaimable bytes agree with `imgopt dupes`:
 *   - dupes' reclaimable_bytes counts every copy beyond the canonical one
 *     of each group, referenced or not.  Once no post references them
 *     (after `imgopt run` the posts show variants) prune removes exactly
 *     those copies: its duplicate_bytes equals dupes' reclaimable_bytes.
 *   - Before a run, referenced copies stay; prune removes every orphan
 *     dupes lists (an unreferenced image under IMAGES), as a duplicate or
 *     as a last copy, so its reclaimed bytes equal dupes' orphan_bytes.
 * (Non-image duplicates, which dupes groups too, are never removed.)
 *
 * The manifest is not trusted (it may come from a repository or a shared
 * cache): a trash row whose path or trash path is not relative,
 * normalised and inside the site (imgopt_fs_check_site_path()), or whose
 * trash path is not under IMGOPT_TRASH_DIR, is never acted on (recovery
 * leaves it, restore and --empty-trash report it as skipped), and
 * --empty-trash removes a trash copy only if it is a regular file with
 * the size and hash the row recorded.
 *
 * Crash safety: see the design comment at the top of prune.c.  Every
 * command here recovers first what a killed prune, restore or
 * --empty-trash left half done (imgopt_prune_recover()).
 *
 * Ownership: results are transfer full.
 * Thread-safety: one call per thread; the caller holds the site's lock
 * (lock.h).
 */
#ifndef IMGOPT_PRUNE_H
#define IMGOPT_PRUNE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* GPtrArray, GError */

#include "imgopt/manifest.h"
#include "imgopt/dupes.h"
#include "imgopt/site.h"
#include "imgopt/types.h"

/** The trash folder, relative to the site root. */
#define IMGOPT_TRASH_DIR ".imgopt/trash"

/** Why prune removes a file. */
typedef enum {
	IMGOPT_PRUNE_DUPLICATE, /* another copy of its bytes stays (or is
				   trashed) */
	IMGOPT_PRUNE_ORPHAN,    /* unreferenced content, its last copy */
	IMGOPT_PRUNE_ORIGINAL,  /* replaced by variants (--originals), its
				   last copy */
} ImgoptPruneReason;

/**
 * imgopt_prune_reason_name:
 *
 * Returns: (transfer none): "duplicate", "orphan" or "original".
 */
const char *imgopt_prune_reason_name(ImgoptPruneReason reason);

/** How to prune. */
typedef struct {
	bool is_dry_run;     /* plan and check only; change nothing */
	bool is_delete;      /* --delete: unlink duplicates, not trash them */
	bool with_originals; /* --originals: also remove replaced originals */
	int jobs;            /* hashing threads; 0 = cores */
	bool only_posts;     /* --only-posts: what the posts name is kept,
				not what the whole site names */
} ImgoptPruneOptions;

/** One file prune removes (or, in a dry run, would remove). */
typedef struct {
	char *path;               /* relative to the site root */
	char *trash_path;         /* where it goes, relative to the site root;
				     NULL when deleted */
	char *keep;               /* the copy of its bytes that stays or goes
				     to the trash, or NULL for a last copy */
	ImgoptHash hash;          /* its content */
	uint64_t size;            /* bytes */
	int64_t mtime_ns;         /* modification time when indexed */
	ImgoptPruneReason reason; /* why */
} ImgoptPruneItem;

/** Frees @item (nullable). */
void imgopt_prune_item_free(ImgoptPruneItem *item);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptPruneItem, imgopt_prune_item_free)

/** What imgopt_prune_site() did or would do.  Arrays sorted by path. */
typedef struct {
	int64_t run_id;           /* the prune run (its trash folder's name) */
	GPtrArray *items;         /* (element-type ImgoptPruneItem) removed */
	GPtrArray *skipped;       /* (element-type ImgoptProblem) left on
				     purpose: changed since indexing, unsafe
				     path, comparison failed */
	GPtrArray *errors;        /* (element-type ImgoptProblem) failures:
				     index errors, a rename that failed */
	GPtrArray *kept_by_name;  /* (element-type ImgoptKeptByName) images no
				     reference resolves to, kept because a
				     text file of the site names them */
	uint64_t duplicate_bytes; /* bytes of DUPLICATE items */
	uint64_t orphan_bytes;    /* bytes of ORPHAN items */
	uint64_t original_bytes;  /* bytes of ORIGINAL items */
	guint n_trashed;          /* items moved to the trash */
	guint n_deleted;          /* items unlinked */
	guint n_kept_originals;   /* replaced originals kept (no
				     --originals) */
	uint64_t kept_original_bytes; /* their bytes */
	guint n_recovered;            /* half-done entries of a killed run
					 completed or rolled back first */
} ImgoptPruneResult;

/** Frees @result (nullable). */
void imgopt_prune_result_free(ImgoptPruneResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptPruneResult, imgopt_prune_result_free)

/**
 * imgopt_prune_site:
 * @site: the open site
 * @manifest: the open manifest; for a dry run a scratch copy
 *   (imgopt_run_open_scratch_manifest()), so nothing on disk changes
 * @options: what to do
 * @observer: (nullable): progress and problems of the dupes job
 * @result_out: (out) (transfer full): what was done
 * @error: return location for a #GError
 *
 * Prunes (see the top of this header).  A dry run makes the same plan and
 * the same checks and acts on nothing.
 *
 * Returns: true if prune ran (see the result's skipped and errors), false
 *   with @error set if it could not: a post could not be read (prune
 *   will not guess what it references), the manifest failed.
 */
bool imgopt_prune_site(const ImgoptSite *site, ImgoptManifest *manifest,
		       const ImgoptPruneOptions *options,
		       const ImgoptObserver *observer,
		       ImgoptPruneResult **result_out, GError **error);

/**
 * imgopt_prune_recover:
 * @n_recovered_out: (out) (optional): entries completed or rolled back
 *
 * Finishes what a killed prune, restore or --empty-trash left: a planned
 * move whose file is in the trash is marked trashed, one whose file is
 * still in place is cancelled; a planned deletion whose file is gone is
 * marked deleted; a trashed entry whose trash copy is gone is marked
 * restored (its file is back in place) or purged.  Looks at the files
 * only, never moves one.
 *
 * Returns: true, or false with @error set (the manifest failed).
 */
bool imgopt_prune_recover(const ImgoptSite *site, ImgoptManifest *manifest,
			  guint *n_recovered_out, GError **error);

/** What restore or --empty-trash did. */
typedef struct {
	int64_t run_id;     /* the prune run restored (0: none) */
	GPtrArray *entries; /* (element-type ImgoptTrashEntry) restored or
			       purged, by path */
	GPtrArray *skipped; /* (element-type ImgoptProblem) left: its place
			       is taken, its trash copy is missing */
	uint64_t bytes;     /* bytes of @entries */
	guint n_deleted;    /* of @entries, those --delete had unlinked:
			       written again from the copy of their bytes
			       that stayed (its hash checked) */
	guint n_recovered;  /* see ImgoptPruneResult */
} ImgoptTrashResult;

/** Frees @result (nullable). */
void imgopt_trash_result_free(ImgoptTrashResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptTrashResult, imgopt_trash_result_free)

/**
 * imgopt_prune_restore:
 * @run_id: the prune run to restore, or 0 for the latest one that has
 *   files in the trash
 * @is_dry_run: only say what would be restored
 *
 * Puts every file @run_id moved to the trash back where it was (a rename,
 * so bytes, mode and mtime are the same), creating folders as needed.  A
 * file whose place is taken again stays in the trash and is reported.
 *
 * Returns: true, or false with @error set (unknown run, manifest failed).
 */
bool imgopt_prune_restore(const ImgoptSite *site, ImgoptManifest *manifest,
			  int64_t run_id, bool is_dry_run,
			  ImgoptTrashResult **result_out, GError **error);

/**
 * imgopt_prune_put_back:
 * @entry: a trash row in state TRASHED or DELETED; its state is set to
 *   RESTORED
 * @is_dry_run: only check that it could be put back
 *
 * Puts one file a prune took away back where it was, for undo (undo.h):
 * a trashed file is moved back; a duplicate --delete unlinked is written
 * again from the copy of its bytes that stayed, whose size and hash are
 * checked first.  A deleted file whose place is taken again is left.
 *
 * Returns: true, or false with @error set if it cannot be (its place is
 *   taken, its trash copy or its other copy is gone or changed, the
 *   manifest failed).
 */
bool imgopt_prune_put_back(const ImgoptSite *site, ImgoptManifest *manifest,
			   ImgoptTrashEntry *entry, bool is_dry_run,
			   GError **error);

/**
 * imgopt_prune_empty_trash:
 * @max_age_us: files trashed at least this long ago (microseconds) go;
 *   0 empties the whole trash
 * @is_dry_run: only say what would be removed
 *
 * Removes old trash for good.  This, explicitly asked for, is the only
 * way the last copy of a content leaves the disk.
 *
 * Returns: true, or false with @error set.
 */
bool imgopt_prune_empty_trash(const ImgoptSite *site, ImgoptManifest *manifest,
			      int64_t max_age_us, bool is_dry_run,
			      ImgoptTrashResult **result_out, GError **error);

#endif /* IMGOPT_PRUNE_H */
