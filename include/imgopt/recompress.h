/*
 * recompress.h: stage 4, one distinct content → its web-size variants.
 *
 * Each distinct content (by hash, whatever its file names) is decoded
 * once and encoded into a few widths and formats, in memory.  The writer
 * then stores each variant as `<IMAGES>/optimized/<hash16>-<width>.<ext>`
 * (content-named, so duplicates collapse) and records it in the manifest,
 * keyed by the content hash and the settings fingerprint, so a re-run
 * with the same settings encodes nothing.  The policy (which widths and
 * formats, the never-larger rule, the lossless fallback and the quality
 * search) is described at the top of recompress.c.
 *
 * Calling sequence:
 *   one content:  imgopt_recompress_buffer() or imgopt_recompress_asset()
 *                 fill a GPtrArray of ImgoptEncoded (bytes in memory);
 *   a whole set:  imgopt_recompress_all() runs them on a worker pool and
 *                 writes files, then manifest rows, from one thread.
 *
 * Ownership: ImgoptEncoded values are owned by the array they are added
 * to (created with imgopt_encoded_free as its free function).
 * Thread-safety: imgopt_recompress_buffer() and imgopt_recompress_asset()
 * may run on several threads at once (each on its own content);
 * imgopt_recompress_all() is called from one thread and owns its pool.
 */
#ifndef IMGOPT_RECOMPRESS_H
#define IMGOPT_RECOMPRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* GBytes, GPtrArray, GError */

#include "imgopt/manifest.h"
#include "imgopt/settings.h"
#include "imgopt/types.h"

/** How an ImgoptEncoded's bytes were made. */
typedef enum {
	IMGOPT_ENCODED_RESIZED,  /* decoded, resized and encoded */
	IMGOPT_ENCODED_LOSSLESS, /* the source, losslessly re-coded */
	IMGOPT_ENCODED_ORIGINAL, /* the source's own bytes */
} ImgoptEncodedKind;

/**
 * ImgoptEncoded:
 *
 * One variant in memory, not yet written.  @variant's path is the file
 * name inside the variant folder ("<hash16>-<width>.<ext>"); the writer
 * makes it relative to the site root.
 */
typedef struct {
	ImgoptVariant *variant; /* hash, settings, width, height, format,
				   bytes, frames; path = file name */
	GBytes *data;           /* the encoded file */
	ImgoptEncodedKind kind; /* how it was made */
	int quality;            /* quality used (0 for lossless/original) */
} ImgoptEncoded;

/** Frees @encoded (nullable). */
void imgopt_encoded_free(ImgoptEncoded *encoded);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptEncoded, imgopt_encoded_free)

/**
 * imgopt_format_extension:
 *
 * Returns: (transfer none): the file extension of @format ("jpg", "png",
 *   "gif", "webp", "avif"), or "bin" for others.
 */
const char *imgopt_format_extension(ImgoptFormat format);

/**
 * imgopt_variant_file_name:
 *
 * Returns: (transfer full): "<first 16 hex digits of @hash>-<width>.<ext>".
 */
char *imgopt_variant_file_name(const ImgoptHash *hash, uint32_t width,
			       ImgoptFormat format);

/**
 * imgopt_variant_parse_file_name:
 * @name: a file name (no folder)
 * @hash_out: (out): the content hash's first 16 hex digits (the rest zero)
 * @width_out: (out): the width
 * @format_out: (out): the format
 *
 * Reads back a name imgopt_variant_file_name() writes.
 *
 * Returns: true if @name is one, byte for byte.
 */
bool imgopt_variant_parse_file_name(const char *name, ImgoptHash *hash_out,
				    uint32_t *width_out,
				    ImgoptFormat *format_out);

/**
 * imgopt_recompress_buffer:
 * @name: the source's path, for messages only
 * @data: @len: the source's bytes
 * @hash: the source's content hash
 * @settings: widths, formats, quality, target, pixel limit
 * @out: (element-type ImgoptEncoded): receives the variants, sorted by
 *   format then width
 * @error: return location for a #GError
 *
 * Makes the variants of one content in memory.  Nothing is written.
 *
 * Returns: true, or false with @error set (IMGOPT_ERROR_DECODE,
 *   _UNSUPPORTED, _UNSAFE or _ENCODE; the message starts with @name and
 *   says what is wrong) and nothing added to @out.
 */
bool imgopt_recompress_buffer(const char *name, const void *data, gsize len,
			      const ImgoptHash *hash,
			      const ImgoptSettings *settings, GPtrArray *out,
			      GError **error);

/**
 * imgopt_recompress_asset:
 * @root: the absolute site root
 * @asset: a hashed asset (its path relative to @root)
 *
 * Reads the file once, checks that the bytes read are those @asset's
 * hash was made of, and calls imgopt_recompress_buffer() on those bytes:
 * the variants, named after that hash, are always of the hashed content.
 *
 * Returns: true, or false with @error set (a G_FILE_ERROR if the file
 *   cannot be read, IMGOPT_ERROR_CONFLICT if it changed since it was
 *   hashed).
 */
bool imgopt_recompress_asset(const char *root, const ImgoptAsset *asset,
			     const ImgoptSettings *settings, GPtrArray *out,
			     GError **error);

/**
 * ImgoptWanted:
 *
 * Which variants of one content a run will link, so only those are
 * encoded: widths of --widths as given (recompress clamps each to the
 * source, as for every width), and whether the extra formats of
 * --formats too.  The quality search still looks at the narrowest width
 * of --widths, so a variant's bytes do not depend on which others were
 * wanted.
 */
typedef struct {
	GArray *widths;   /* (element-type uint32_t) ascending, distinct */
	bool with_extras; /* the WebP/AVIF variants too */
	char *dir;        /* the folder to write them in, relative to the
			     root (imgopt_site_variant_dir() of a reference
			     linking them); NULL: the writer's @out_dir */
} ImgoptWanted;

/** Returns: (transfer full): an empty set. */
ImgoptWanted *imgopt_wanted_new(void);

/** Frees @wanted (nullable). */
void imgopt_wanted_free(ImgoptWanted *wanted);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptWanted, imgopt_wanted_free)

/** Adds @width (a width of --widths) to @wanted, kept sorted. */
void imgopt_wanted_add(ImgoptWanted *wanted, uint32_t width);

/**
 * imgopt_recompress_asset_only:
 * @wanted: (nullable): the widths and formats to make; NULL for all
 *
 * imgopt_recompress_asset(), making only @wanted: the other widths are
 * not encoded (the source-width fallback of the never-larger rule still
 * comes where a wanted width loses).
 */
bool imgopt_recompress_asset_only(const char *root, const ImgoptAsset *asset,
				  const ImgoptSettings *settings,
				  const ImgoptWanted *wanted, GPtrArray *out,
				  GError **error);

/**
 * imgopt_recompress_missing:
 * @root: the absolute site root
 * @wanted: (nullable): what a run needs of @hash; NULL for everything
 * @missing_out: (out) (transfer full) (nullable): what of it the manifest
 *   has not made yet with @settings (all of it if one of its variant files
 *   is gone), NULL if nothing
 *
 * Returns: true, or false with @error set (the manifest failed).
 */
bool imgopt_recompress_missing(const char *root, ImgoptManifest *manifest,
			       const ImgoptHash *hash,
			       const ImgoptSettings *settings,
			       const ImgoptWanted *wanted,
			       ImgoptWanted **missing_out, GError **error);

/** Callbacks of imgopt_recompress_all(), called on its calling thread. */
typedef struct {
	/* a variant file was written (or, when @is_cached, already there) */
	void (*on_variant)(const ImgoptVariant *variant, bool is_cached,
			   void *user_data);
	/* a source failed; @error says which and why */
	void (*on_failure)(const ImgoptAsset *asset, const GError *error,
			   void *user_data);
	void *user_data; /* passed to every callback */
	/* @done of the @total contents to encode are written (or failed),
	 * @bytes of their sources read: called after each one */
	void (*on_progress)(uint64_t done, uint64_t total, uint64_t bytes,
			    void *user_data);
} ImgoptRecompressObserver;

/** What imgopt_recompress_all() did. */
typedef struct {
	unsigned n_sources;    /* distinct contents considered */
	unsigned n_encoded;    /* contents encoded in this run */
	unsigned n_cached;     /* contents whose variants were up to date */
	unsigned n_reused;     /* of those, the ones whose files were
				  verified and recorded without a manifest
				  row (see recompress.c) */
	unsigned n_failed;     /* contents that failed */
	unsigned n_written;    /* variant files written */
	uint64_t bytes_source; /* bytes of the contents encoded */
	uint64_t bytes_output; /* bytes of the variants written */
} ImgoptRecompressSummary;

/**
 * imgopt_recompress_all:
 * @root: the absolute site root
 * @out_dir: the variant folder relative to @root (IMAGES/optimized)
 * @assets: (element-type ImgoptAsset): hashed assets; several may share a
 *   hash, the first by path is the canonical copy
 * @settings: the settings (jobs = worker threads, 0 for the cores)
 * @manifest: the open manifest (used from this thread only)
 * @observer: (nullable): progress callbacks
 * @summary_out: (out caller-allocates) (optional): counts
 * @error: return location for a #GError
 *
 * Skips contents whose variants the manifest has for these settings (every
 * width of them requested) and whose files exist; encodes the others on a pool
 * of workers; writes each variant file atomically, then its manifest row (one
 * transaction per batch).  A content that fails is reported and the run goes
 * on.
 *
 * Returns: true if the run completed (items may have failed: see
 *   @summary_out), false with @error set on a fatal error (the manifest
 *   or the variant folder cannot be written).
 */
bool imgopt_recompress_all(const char *root, const char *out_dir,
			   const GPtrArray *assets,
			   const ImgoptSettings *settings,
			   ImgoptManifest *manifest,
			   const ImgoptRecompressObserver *observer,
			   ImgoptRecompressSummary *summary_out,
			   GError **error);

/**
 * imgopt_recompress_wanted:
 * @wanted: (nullable): hex hash → ImgoptWanted: what the run links of each
 *   content; NULL for every width and format of every content (build)
 *
 * imgopt_recompress_all() making only what @wanted names: a content not
 * in it is not encoded, one whose wanted widths were all made before
 * (the manifest records each request, won or lost) is kept.  A variant
 * that would hold its source's own bytes (ImgoptEncodedKind ORIGINAL)
 * gets a row with an empty path and no file: pages link the source.
 */
bool imgopt_recompress_wanted(const char *root, const char *out_dir,
			      const GPtrArray *assets, GHashTable *wanted,
			      const ImgoptSettings *settings,
			      ImgoptManifest *manifest,
			      const ImgoptRecompressObserver *observer,
			      ImgoptRecompressSummary *summary_out,
			      GError **error);

#endif /* IMGOPT_RECOMPRESS_H */
