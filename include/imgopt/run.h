/*
 * run.h: the whole job, `imgopt [run] POSTS IMAGES`, and its `check` and
 * `--dry-run` forms.
 *
 * imgopt_run_site() scans every referrer of the site (posts, pages,
 * layouts, includes, config, data, stylesheets…; the posts alone with
 * @only_posts), indexes and groups the images (imgopt_dupes_run(), whose
 * result comes back in the run's), plans every file against the variants
 * a run could make and makes only those the plan links (the widths and
 * formats a page will name: imgopt_recompress_wanted()), each in the
 * folder its references need (imgopt_site_variant_dir(), a hard link or
 * a copy in every other such folder), then rewrites every rewritable
 * local reference to its content's variant, in its file's own style
 * (rewrite.h); pinned references (ImgoptRefRole) are never rewritten.  A
 * variant it made that no file links after all (the page keeps its
 * source where the width it links lost to it) is removed again.  Which
 * variant a reference gets:
 *   - Markdown images, reference definitions, `url(...)`: the variant of
 *     the content's primary format (its own format when a variant of it
 *     exists: JPEG, PNG, GIF for animations) at the display width, or the
 *     widest one below it, or the image's own width if it is narrower;
 *     with `--srcset`, an inline Markdown image becomes an
 *     `<img src srcset sizes width height alt loading decoding>` tag,
 *     inside a `<picture>` whose `<source type="image/avif">` and
 *     `<source type="image/webp">` list those variants when --formats
 *     made some (kramdown and CommonMark renderers pass both through);
 *   - HTML `<img src>`: the same, and a `srcset` of every width (and a
 *     `sizes`) when the tag has none;
 *   - a srcset candidate `x.jpg 480w`: the widest variant not above its
 *     `w` descriptor (the display width for `1x`/`2x` descriptors);
 *   - front matter values (`header-img`…) and every reference without a
 *     display width (a stylesheet's url(), a config or data value): the
 *     widest variant (page-wide banners and backgrounds);
 *   - Hexo's tags (`{% asset_img %}`, `asset_path`, `asset_link`, `img`):
 *     the variant for the display width, the tag's name argument alone
 *     rewritten; a relative name only to a variant in the post's asset
 *     folder (all a tag can name), else the tag is left alone.
 * References already pointing into IMAGES/IMGOPT_OUTPUT_DIR are done and
 * left alone, so a second run with the same settings changes nothing;
 * when the settings changed (--display-width, --widths, --formats,
 * --quality), a reference to a variant the manifest knows is moved to the
 * variant the rules above pick among the current settings' variants of
 * the same content (its original is encoded again if those do not exist
 * yet and it is still there), a srcset candidate getting the new width as
 * its `w` descriptor.  A reference to a variant file that is gone
 * (deleted, missing from a checkout or a restored cache) while its source
 * is still in the site stays as written: the file is made again under its
 * name, as the manifest says it was made (the same bytes), and a notice
 * says so (check: counted to encode; dry run: would be made).  Broken
 * references stay as
 * written and are reported; repaired ones are rewritten to the variant of
 * the file they were repaired to.
 *
 * Order of writes (DESIGN.md): 1. variant files, then their manifest rows
 * (recompress); 2. the rewrites rows of every post about to change
 * (before/after hashes and the edits, enough to undo; any rewritten file,
 * not only posts: undo restores each), committed, then
 * each post written atomically and durably with its mode kept, after
 * checking it still has the bytes the plan was made from; 3. the run's
 * end.  A run killed anywhere leaves each post old or new, and the next
 * run finishes the work.
 *
 * Ownership: results are transfer full.
 * Thread-safety: one call per thread; callbacks on the calling thread.
 */
#ifndef IMGOPT_RUN_H
#define IMGOPT_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* GPtrArray, GError */

#include "imgopt/manifest.h"
#include "imgopt/dupes.h"
#include "imgopt/settings.h"
#include "imgopt/site.h"
#include "imgopt/types.h"

/** The width a Markdown image is shown at when --display-width is not
 * given. */
#define IMGOPT_DEFAULT_DISPLAY_WIDTH 960

/** What imgopt_run_site() does. */
typedef enum {
	IMGOPT_RUN_APPLY,   /* do the work */
	IMGOPT_RUN_DRY_RUN, /* plan it, encode in memory, write nothing */
	IMGOPT_RUN_CHECK,   /* plan it without encoding, write nothing; a
			       content without variants is planned with
			       those a run would name (sizes unknown) */
} ImgoptRunMode;

/** How to run.  Strings and settings are transfer none. */
typedef struct {
	ImgoptRunMode mode;     /* apply, dry run or check */
	uint32_t display_width; /* Markdown image width (960) */
	bool use_srcset;        /* --srcset: Markdown images become <img> */
	const ImgoptSettings *settings; /* widths, formats, quality, jobs */
	bool only_posts; /* --only-posts: plan and rewrite the posts alone */
} ImgoptRunOptions;

/** One file the run rewrote (or would rewrite): a post, a page, a layout,
 * an include, the config, a stylesheet… */
typedef struct {
	char *post;              /* relative to the site root */
	ImgoptReferrerKind kind; /* what it is to the generator */
	guint n_edits;           /* references changed */
	ImgoptHash before;       /* hash of the post before */
	ImgoptHash after;        /* hash of the post after */
	char *diff;              /* unified diff (dry run only), else NULL */
	bool is_written;         /* the new bytes are on disk */
} ImgoptPostChange;

/** Frees @change (nullable). */
void imgopt_post_change_free(ImgoptPostChange *change);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptPostChange, imgopt_post_change_free)

/** The image bytes a reader downloads to see one post: each file the post
 * shows counted once. */
typedef struct {
	char *post;      /* relative to the site root */
	uint64_t before; /* the files its references point at now */
	uint64_t after;  /* the files they point at once rewritten */
} ImgoptPostBytes;

/** A file the posts show, and the file shown instead once rewritten. */
typedef struct {
	char *path;           /* relative to the site root */
	uint64_t bytes;       /* its size */
	char *after_path;     /* what the references point at once
				 rewritten (@path if they stay) */
	uint64_t after_bytes; /* that file's size */
} ImgoptShownImage;

/** Frees @image (nullable). */
void imgopt_shown_image_free(ImgoptShownImage *image);

/** What imgopt_run_site() did or would do.  Arrays sorted by post. */
typedef struct {
	GPtrArray *changes;          /* (element-type ImgoptPostChange) */
	GPtrArray *broken;           /* (element-type ImgoptRef) broken and
					outside references, left as written */
	GPtrArray *errors;           /* (element-type ImgoptProblem) images that
					failed, posts that could not be read or
					changed under the run */
	GPtrArray *notices;          /* (element-type ImgoptProblem) what to
					know that is no failure: a read-only
					file rewritten (its mode kept), a file
					left out (a symlinked post, a FIFO
					under IMAGES), a variant file gone,
					made again */
	GPtrArray *variant_files;    /* (element-type filename) variant files
					written (or, in a dry run, to write),
					sorted */
	uint64_t posts;              /* posts scanned */
	uint64_t references;         /* references found */
	uint64_t rewritten;          /* references changed */
	uint64_t done;               /* references already on a variant */
	unsigned n_sources;          /* distinct referenced contents a
					reference will link a variant of */
	unsigned n_encoded;          /* contents encoded (0 in check mode) */
	unsigned n_to_encode;        /* check: contents without variants yet */
	unsigned n_reused;           /* contents whose variant files were on
					disk without manifest rows, verified
					and recorded (check, dry run: would
					be): not encoded */
	unsigned n_failed;           /* contents whose encoding failed (run
					and dry run; never up to date) */
	unsigned n_written;          /* variant files written */
	uint64_t bytes_shown_before; /* bytes of the images the posts show */
	uint64_t bytes_shown_after;  /* the same once rewritten */
	uint64_t n_by_status[IMGOPT_REF_STATUS_OUTSIDE + 1]; /* references
					by ImgoptRefStatus */
	unsigned n_groups;          /* duplicate groups */
	uint64_t bytes_reclaimable; /* freed by keeping one copy of each */
	uint64_t bytes_before;      /* distinct files the posts show now */
	uint64_t bytes_after;       /* distinct files they show once
				       rewritten */
	GArray *post_bytes;         /* (element-type ImgoptPostBytes) every
				       post read, by post */
	GPtrArray *shown;           /* (element-type ImgoptShownImage) every
				       local file the posts show, by path */
	int64_t run_id;             /* the runs row (0 unless applied) */
	ImgoptDupesResult *dupes;   /* what the run's dupes job found: the
				       groups, the posts of each file */
	/* bytes_before and bytes_after by each file's format (ImgoptFormat,
	 * sniffed from its bytes; UNKNOWN for a file the index could not
	 * read): they add up to those two.  A check's predicted variant
	 * counts as its source, in its source's format. */
	uint64_t bytes_before_by_format[IMGOPT_FORMAT_OTHER + 1];
	uint64_t bytes_after_by_format[IMGOPT_FORMAT_OTHER + 1];
} ImgoptRunResult;

/** Frees @result (nullable). */
void imgopt_run_result_free(ImgoptRunResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptRunResult, imgopt_run_result_free)

/**
 * imgopt_run_result_has_work:
 *
 * Returns: true if @result (from a check or a dry run) has a post to
 *   rewrite, a content to encode or a broken reference: what makes
 *   `imgopt check` exit 1.
 */
bool imgopt_run_result_has_work(const ImgoptRunResult *result);

/**
 * imgopt_run_result_post_bytes:
 * @result: a run's result
 * @after: false for the bytes shown now, true for once rewritten
 * @median_out: (out): the median of the posts' ImgoptPostBytes (the lower
 *   middle one for an even count; 0 if there is no post)
 * @largest_out: (out): the largest
 *
 * Summarises what a reader downloads per post, over the posts that show
 * at least one local image.
 */
void imgopt_run_result_post_bytes(const ImgoptRunResult *result, bool after,
				  uint64_t *median_out, uint64_t *largest_out);

/**
 * imgopt_run_site:
 * @site: the open site
 * @manifest: the open manifest; in dry-run and check modes a scratch copy
 *   (imgopt_run_open_scratch_manifest()) so nothing on disk changes
 * @options: what to do
 * @observer: (nullable): progress and problems
 * @result_out: (out) (transfer full): what was done
 * @error: return location for a #GError
 *
 * Runs the whole job (see the top of this header).  Files that fail are
 * in the result's errors and the run goes on.
 *
 * Returns: true if the run completed, false with @error set on a fatal
 *   error (POSTS unreadable, the manifest or a folder not writable).
 */
bool imgopt_run_site(const ImgoptSite *site, ImgoptManifest *manifest,
		     const ImgoptRunOptions *options,
		     const ImgoptObserver *observer,
		     ImgoptRunResult **result_out, GError **error);

/**
 * imgopt_run_open_scratch_manifest:
 * @path: the real manifest's path (it may not exist)
 * @scratch_dir_out: (out) (transfer full) (nullable): the temporary folder
 *   holding the copy, for imgopt_run_remove_scratch(); NULL if none
 * @error: return location for a #GError
 *
 * Opens a private copy of the manifest at @path (or an empty in-memory
 * one if there is none), so a dry run or a check can use the index's
 * cache without changing the real file.
 *
 * Returns: (transfer full): the copy, or NULL with @error set.
 */
ImgoptManifest *imgopt_run_open_scratch_manifest(const char *path,
						 char **scratch_dir_out,
						 GError **error);

/**
 * imgopt_run_remove_scratch:
 * @dir: (nullable): what imgopt_run_open_scratch_manifest() gave
 *
 * Removes the scratch folder and its files.
 */
void imgopt_run_remove_scratch(const char *dir);

#endif /* IMGOPT_RUN_H */
