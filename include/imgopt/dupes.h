/*
 * dupes.h: the dupes job: which images of a site are duplicates of
 * each other, and which nothing in the site references.
 *
 * imgopt_dupes_run() is the whole `imgopt dupes` job: scan every
 * referrer of the site (posts, pages, layouts, includes, config, data,
 * stylesheets, scripts, JSON, feeds: referrers.h; the posts alone with
 * --only-posts) and resolve its references, index every image file under
 * IMAGES and every file a reference names (hashing in parallel, cached in
 * the manifest, per referrer path), group identical files, confirm the
 * groups byte for byte, and list the orphans: images no reference
 * resolves to and no text file of the site names (nameguard.h).  The core never
 * prints: progress and per-file problems go to the ImgoptObserver, the outcome
 * comes back in an ImgoptDupesResult.
 *
 * Ownership: results are transfer full and freed with their _free().
 * Thread-safety: one job per thread; the observer's callbacks
 * are called from the calling thread only.
 */
#ifndef IMGOPT_DUPES_H
#define IMGOPT_DUPES_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* GPtrArray, GHashTable, GError */

#include "imgopt/group.h"
#include "imgopt/manifest.h"
#include "imgopt/observer.h"
#include "imgopt/site.h"
#include "imgopt/types.h"

typedef struct ImgoptDupesResult ImgoptDupesResult;

/**
 * ImgoptDupesResultFunc:
 * @result: the complete result, read-only
 * @user_data: the options' user_data
 *
 * Called on the thread that runs imgopt_dupes_run() as soon as the
 * result is complete, while the job's last manifest rows are still being
 * written on a thread of their own: the CLI renders the output
 * meanwhile.  The run may still fail after it (the manifest failing);
 * then nothing of @result may be shown.  Must not use the manifest.
 */
typedef void (*ImgoptDupesResultFunc)(const ImgoptDupesResult *result,
				      void *user_data);

/** How imgopt_dupes_run() works (not what it finds). */
typedef struct {
	int jobs;        /* indexing threads; 0 = 4 per core (I/O-bound) */
	bool only_posts; /* the posts alone are scanned (--only-posts), not
			    every referrer of the site (referrers.h) */
	ImgoptDupesResultFunc on_result; /* nullable */
	void *user_data;                 /* for @on_result */
} ImgoptDupesOptions;

/** An image no reference resolves to, kept because a text file of the
 * site names it (the orphan rule's last guard). */
typedef struct {
	char *path;     /* the image, relative to the site root */
	char *named_in; /* the first text file naming it (by path or name) */
	gsize line;     /* 1-based line of the first mention there */
} ImgoptKeptByName;

/** Frees @kept (nullable). */
void imgopt_kept_by_name_free(ImgoptKeptByName *kept);

/** What imgopt_dupes_run() found.  Everything sorted by path. */
struct ImgoptDupesResult {
	GPtrArray *groups;       /* (element-type ImgoptGroup) confirmed,
				    by canonical path */
	GPtrArray *orphans;      /* (element-type ImgoptAsset) image files under
				    IMAGES that no reference of the site
				    resolves to and no text file of the site
				    names (the posts' references alone with
				    --only-posts) */
	GPtrArray *kept_by_name; /* (element-type ImgoptKeptByName) images
				    no reference resolves to that a text
				    file names: not orphans (empty with
				    --only-posts) */
	GPtrArray *errors;       /* (element-type ImgoptProblem) failures */
	GPtrArray *skipped;      /* (element-type ImgoptProblem) not indexed on
				    purpose: symlinks, FIFOs, devices */
	GPtrArray *empty; /* (element-type filename) zero-byte files (never
			     grouped) */
	GHashTable *posts_by_file; /* path → GPtrArray of the distinct
				      referrers (posts, pages, layouts,
				      stylesheets…) referencing it, sorted */
	uint64_t files;            /* files indexed (hashed or cached) */
	uint64_t hashed_files;     /* files read and hashed this run */
	uint64_t hashed_bytes;     /* bytes read and hashed this run */
	uint64_t probed_files; /* files whose header only was read (size-first)
				*/
	uint64_t probed_bytes; /* bytes read for those headers */
	uint64_t unread_files; /* size-first: files of a unique size, named
				  as images, indexed from their stat alone */
	uint64_t cached_files; /* files unchanged since the manifest saw them */
	uint64_t posts;        /* posts scanned */
	uint64_t referrers;    /* text files scanned, the posts among them */
	uint64_t cached_posts; /* posts unchanged: references from the
				  manifest, not scanned again */
	uint64_t references;   /* references found */
	int64_t run_id;        /* the runs row of this run */
	GPtrArray *watched;    /* (element-type filename) paths outside POSTS
				  and IMAGES that the result depends on:
				  referenced files there, and every place a
				  broken or outside reference was looked
				  for (imgopt_site_resolve_ref_watched()).
				  With the two folders' trees, what a stored
				  result must check (memo.h). */
	GThread *cleaner;      /* private: the job's tables being freed
				  behind it; imgopt_dupes_result_free()
				  waits for it */
};

/** Frees @result (nullable). */
void imgopt_dupes_result_free(ImgoptDupesResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptDupesResult, imgopt_dupes_result_free)

/**
 * imgopt_dupes_result_get_posts:
 * @path: a file path relative to the site root
 *
 * Returns: (transfer none) (nullable) (element-type utf8): the referrers
 *   (posts, pages, layouts…) that reference @path, sorted, or NULL if none
 *   does.
 */
const GPtrArray *imgopt_dupes_result_get_posts(const ImgoptDupesResult *result,
					       const char *path);

/**
 * imgopt_dupes_result_referenced_images:
 * @result: what imgopt_dupes_run() found
 * @files: (element-type utf8 ImgoptAsset): the manifest's files, by path
 *   (imgopt_manifest_load_files())
 * @out_dir: the folder of imgopt's variants, relative to the site root
 *
 * The files the posts reference that `build` and `run` recompress: hashed,
 * in a format imgopt_format_is_recompressed(), and not below @out_dir
 * (imgopt's own variants; a sibling whose name only starts the same, such
 * as `optimized-old/` beside `optimized/`, is not below it).
 *
 * Returns: (transfer full) (element-type ImgoptAsset): copies, in no
 *   particular order.
 */
GPtrArray *
imgopt_dupes_result_referenced_images(const ImgoptDupesResult *result,
				      GHashTable *files, const char *out_dir);

/**
 * imgopt_dupes_run:
 * @site: the open site
 * @options: (nullable): how to work; NULL for the defaults
 * @manifest: the open manifest (the index's cache; receives files,
 *   references and a runs row)
 * @observer: (nullable): progress and problems
 * @result_out: (out) (transfer full): what was found
 * @error: return location for a #GError
 *
 * Runs the dupes job.  A file that cannot be read fails alone: it is in
 * @result_out's errors and reported, and the run goes on.
 *
 * Returns: true if the job ran (check the result's errors for failed
 *   files), false with @error set if it could not (POSTS unreadable, the
 *   manifest failing).
 */
bool imgopt_dupes_run(const ImgoptSite *site, const ImgoptDupesOptions *options,
		      ImgoptManifest *manifest, const ImgoptObserver *observer,
		      ImgoptDupesResult **result_out, GError **error);

/**
 * imgopt_dupes_run_size_first:
 *
 * As imgopt_dupes_run(), but reads the bytes (hashes) only of files
 * whose size another indexed file shares, as rmlint and jdupes do: a file
 * of a unique size cannot have a duplicate, so its bytes are not read at
 * all if its name is an image's (only its header is, to tell whether it
 * is an image, if not) and its manifest row has no hash and no format
 * until a command that needs them (run) reads it.  The groups and orphans found
 * are the same; a cold run reads far less.  This is `imgopt dupes`.
 */
bool imgopt_dupes_run_size_first(const ImgoptSite *site,
				 const ImgoptDupesOptions *options,
				 ImgoptManifest *manifest,
				 const ImgoptObserver *observer,
				 ImgoptDupesResult **result_out,
				 GError **error);

#endif /* IMGOPT_DUPES_H */
