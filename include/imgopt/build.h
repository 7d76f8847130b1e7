/*
 * build.h: the build job, `imgopt build POSTS IMAGES`: the web-size
 * variants of every image the posts reference, without touching a post.
 *
 * imgopt_build_site() indexes the site (the dupes job, dupes.h), takes
 * the referenced images imgopt recompresses
 * (imgopt_dupes_result_referenced_images()) and makes their variants into
 * IMAGES/IMGOPT_OUTPUT_DIR (imgopt_recompress_all()), recorded in the
 * manifest.  The core never prints: indexing progress goes to an
 * ImgoptObserver, each variant and failure to an ImgoptRecompressObserver,
 * the outcome comes back in an ImgoptBuildResult.
 *
 * Ownership: the caller owns the result, cleared with
 * imgopt_build_result_clear() (g_auto(ImgoptBuildResult)).
 * Thread-safety: one call per thread; callbacks on the calling thread.
 */
#ifndef IMGOPT_BUILD_H
#define IMGOPT_BUILD_H

#include <stdbool.h>
#include <glib.h> /* GHashTable, GError */

#include "imgopt/manifest.h"
#include "imgopt/recompress.h"
#include "imgopt/observer.h"
#include "imgopt/settings.h"
#include "imgopt/site.h"
#include "imgopt/types.h"

/**
 * ImgoptShard:
 *
 * One part of a build split across processes or machines: the contents
 * whose hash's first 8 bytes (big-endian: the first 16 hex digits, which
 * also start every variant file's name), taken modulo @count, equal
 * @index.  The same everywhere: it depends on the content only.
 * {0, 1} (or {0, 0}) is the whole build.
 */
typedef struct {
	uint32_t index; /* 0 ≤ index < count */
	uint32_t count; /* how many shards */
} ImgoptShard;

/* The most shards a build may be split into. */
#define IMGOPT_SHARD_MAX 65536

/**
 * imgopt_shard_parse:
 * @text: "I/N", as `--shard` takes it: 0 ≤ I < N ≤ IMGOPT_SHARD_MAX
 * @shard_out: (out caller-allocates): the shard
 *
 * Returns: true, or false with @error set (IMGOPT_ERROR_PARSE; the
 *   message says what is expected).
 */
bool imgopt_shard_parse(const char *text, ImgoptShard *shard_out,
			GError **error);

/** Returns: true if the content @hash falls in @shard. */
bool imgopt_shard_has(const ImgoptShard *shard, const ImgoptHash *hash);

/** What imgopt_build_site() did (caller-allocated, zero-initialised). */
typedef struct {
	ImgoptRecompressSummary summary; /* counts of the encoding */
	GHashTable *sources; /* content hash (hex) → the canonical copy of
				each content made variants of: its first
				referenced path in byte order */
} ImgoptBuildResult;

/** Frees what @result holds, and leaves it empty. */
void imgopt_build_result_clear(ImgoptBuildResult *result);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ImgoptBuildResult, imgopt_build_result_clear)

/**
 * imgopt_build_result_source:
 * @hash: a variant's content hash
 *
 * Returns: (transfer none) (nullable): the canonical copy of the content
 *   @hash, relative to the site root, or NULL if the build made no
 *   variant of it.
 */
const char *imgopt_build_result_source(const ImgoptBuildResult *result,
				       const ImgoptHash *hash);

/**
 * imgopt_build_site:
 * @site: the open site
 * @manifest: the open manifest (the index's cache; receives files,
 *   references, variants and a runs row)
 * @settings: widths, formats, quality, jobs
 * @observer: (nullable): indexing progress and problems
 * @encode_observer: (nullable): each variant, each failed image, encoding
 *   progress
 * @result: (out caller-allocates): what was made (cleared first)
 * @error: return location for a #GError
 *
 * Runs the build job (see the top of this header).  An image that fails
 * is counted in the summary and reported, and the build goes on.
 *
 * Returns: true if the build completed, false with @error set on a fatal
 *   error (POSTS unreadable, the manifest or the variant folder not
 *   writable).
 */
bool imgopt_build_site(const ImgoptSite *site, ImgoptManifest *manifest,
		       const ImgoptSettings *settings,
		       const ImgoptObserver *observer,
		       const ImgoptRecompressObserver *encode_observer,
		       ImgoptBuildResult *result, GError **error);

/**
 * imgopt_build_shard:
 * @shard: (nullable): the part of the contents to make variants of (NULL:
 *   all); the site is indexed whole either way
 *
 * imgopt_build_site() for the contents of @shard only: each shard needs
 * the images and its own variant folder, and the variant folders of all
 * shards together are what one build makes, byte for byte (`imgopt run`
 * over them encodes nothing: see "Variants on disk without their rows" in
 * recompress.c).
 */
bool imgopt_build_shard(const ImgoptSite *site, ImgoptManifest *manifest,
			const ImgoptSettings *settings,
			const ImgoptShard *shard,
			const ImgoptObserver *observer,
			const ImgoptRecompressObserver *encode_observer,
			ImgoptBuildResult *result, GError **error);

#endif /* IMGOPT_BUILD_H */
