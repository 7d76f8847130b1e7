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
 * disagrees.  If one file a wanted width needs is not there (never made,
 * or an encoding that lost: nothing on disk says it lost), the content is
 * encoded (and its files replaced).  AVIF variants carry no line: a run
 * wanting them encodes.  Reading costs one listing per folder, then a
 * stat, the header and the last bytes of each file named after a content
 * asked about; a file of the source's size is hashed whole.
 *
 * Nothing is written: the writer (recompress.c) records what it finds in
 * the manifest, rows and requests, as an encoding would; `check` and
 * `run --dry-run` only count on it.
 *
 * Thread-safety: one thread per ImgoptOnDisk.
 */
#ifndef IMGOPT_ONDISK_H
#define IMGOPT_ONDISK_H

#include <glib.h> /* GPtrArray */

#include "imgopt/recompress.h"
#include "imgopt/settings.h"
#include "imgopt/types.h"

typedef struct ImgoptOnDisk ImgoptOnDisk;

/**
 * imgopt_on_disk_new:
 * @root: the absolute site root
 * @settings: the run's settings
 *
 * Returns: (transfer full): a finder; each folder is listed on the first
 *   imgopt_on_disk_find() that looks in it.
 */
ImgoptOnDisk *imgopt_on_disk_new(const char *root,
				 const ImgoptSettings *settings);

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

#endif /* IMGOPT_ONDISK_H */
