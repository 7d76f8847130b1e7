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

#endif /* IMGOPT_BUILD_H */
