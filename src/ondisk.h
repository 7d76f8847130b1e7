/*
 * ondisk.h: variant files found on disk without the manifest rows that
 * made them, verified one by one by the provenance line each carries
 * (provenance.h).
 *
 * A fresh manifest over a cached variant folder, or the outputs of
 * `imgopt build --shard` copied together, leave variant files the
 * manifest does not know.  Reuse is per variant file: a run (or a build)
 * that wants a content at some widths of --widths (ImgoptWanted) in some
 * folder takes, for each wanted width, the files that width makes (its
 * primary variant and, with the extras, one per extra format of
 * --formats, at the width recompress.c would make) from that folder, if
 * each is there and verifies:
 *   - it is named after the content, the width and the format
 *     (imgopt_variant_file_name()), and
 *   - it carries a provenance line naming this content, these settings,
 *     this width and this format, its header shows that width and format,
 *     and it ends where its format ends (a copy cut short keeps its
 *     header); or it is the content's own bytes (same hash: the variant a
 *     source that no encoding beats gets at its own width).
 * Files with no line, or another content's or settings' line (stale
 * variants of other settings, bytes copied over), are not reused; nor is
 * a file whose line names this content and settings but whose header
 * disagrees.
 *
 * Marks: what an encoding made no file for.  Where a wanted width has no
 * primary variant (every encoding there was heavier than the source), no
 * WebP or AVIF (not lighter than the primary, under --link-format auto),
 * or, in a run, the source's own bytes as its variant (the page links the
 * source; no copy is written), the writer leaves a mark in the variant
 * folder's `.imgopt-kept/` (a dot folder: site generators do not publish
 * it, imgopt's walkers skip it): a file named as the variant would be,
 * with `.none`, `.nowebp`, `.noavif` or `.source` for its extension,
 * holding that variant's provenance line with n=0.  A mark verifies if
 * its bytes are exactly the line this content, these settings, its width
 * and format give; it then stands for the file (no variant, or for
 * `.source` a row with an empty path, as the run that made it wrote).
 * Without marks, a content whose encoding lost anywhere would be encoded
 * again by every run with a fresh manifest (on Hux's blog, 31 of 76
 * contents after a sharded build).  Marks travel with the folder (a
 * cache, the shards' outputs copied together); prune leaves them (they
 * are a few dozen bytes, and stay true).  A variant a run wrote and
 * removed because no page links it (under auto, the JPEG of a width
 * whose WebP pages link) is not marked: a link picks its width among
 * the primary variants, so without that row a run would link otherwise;
 * its content is encoded again.
 *
 * If one file a wanted width needs is neither there nor marked, the
 * content is encoded (and its files replaced).  Reading costs one listing
 * per folder (and of its marks), then a stat, the header and the last
 * bytes of each file named after a content asked about; a file of the
 * source's size is hashed whole.
 *
 * imgopt_on_disk_find() writes nothing: the writer (recompress.c) records
 * what it finds in the manifest, rows and requests, as an encoding would;
 * `check` and `run --dry-run` only count on it.
 *
 * Thread-safety: one thread per ImgoptOnDisk.
 */
#ifndef IMGOPT_ONDISK_H
#define IMGOPT_ONDISK_H

#include <stdbool.h>
#include <glib.h> /* GPtrArray */

#include "imgopt/recompress.h"
#include "imgopt/settings.h"
#include "imgopt/types.h"

/* The folder of the marks, inside a variant folder (see above). */
#define IMGOPT_MARK_DIR ".imgopt-kept"

typedef struct ImgoptOnDisk ImgoptOnDisk;

/**
 * imgopt_on_disk_new:
 * @root: the absolute site root
 * @settings: the run's settings
 * @is_source_linked: a run's (true) or a build's (false): a run links the
 *   source where its variant would be its own bytes and writes no copy,
 *   so a `.source` mark stands for that variant; a build writes the
 *   copy, so it needs the file
 *
 * Returns: (transfer full): a finder; each folder is listed on the first
 *   imgopt_on_disk_find() that looks in it.
 */
ImgoptOnDisk *imgopt_on_disk_new(const char *root,
				 const ImgoptSettings *settings,
				 bool is_source_linked);

/** Frees @d (nullable). */
void imgopt_on_disk_free(ImgoptOnDisk *d);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptOnDisk, imgopt_on_disk_free)

/**
 * imgopt_on_disk_find:
 * @dir: the folder to look in, relative to the root
 * @asset: a hashed and probed source
 * @wanted: the widths (and whether the extra formats) wanted of it
 *
 * Returns: (transfer full) (nullable) (element-type ImgoptVariant): the
 *   variant files in @dir that @wanted's widths make of @asset's content,
 *   each verified (paths relative to the site root, settings = the
 *   fingerprint), or NULL if one of them is not there or does not verify.
 */
GPtrArray *imgopt_on_disk_find(ImgoptOnDisk *d, const char *dir,
			       const ImgoptAsset *asset,
			       const ImgoptWanted *wanted);

/**
 * imgopt_on_disk_mark:
 * @dir: the variant folder the encoding's files were written in,
 *   relative to the root
 * @asset: the source encoded
 * @wanted: the widths (and whether the extra formats) it was asked for
 * @encoded: (element-type ImgoptEncoded): what the encoding made
 *
 * Writes @dir's marks (see above) for what @wanted needs that @encoded
 * has no file for, each atomically (made durable with the variant files).
 *
 * Returns: true, or false with @error set (G_FILE_ERROR).
 */
bool imgopt_on_disk_mark(ImgoptOnDisk *d, const char *dir,
			 const ImgoptAsset *asset, const ImgoptWanted *wanted,
			 const GPtrArray *encoded, GError **error);

#endif /* IMGOPT_ONDISK_H */
