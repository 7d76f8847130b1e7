/*
 * ondisk.h: a content's variant files found on disk without the manifest
 * rows that made them, verified by the provenance line each carries
 * (provenance.h).
 *
 * A fresh manifest over a cached variant folder, or the outputs of
 * `imgopt build --shard` copied together, leave variant files the
 * manifest does not know.  They are reused when the content's set
 * verifies.  A file named after the content (<hash16>-*) is of the set
 * if it carries a provenance line naming this content and these
 * settings, and then its header must show the width and format the line
 * and the name say, and it must end whole (else the set is refused: a
 * copy cut short keeps its header); or if it is the content's
 * own bytes (same hash).  Files with no line, or another content's or
 * settings' line (stale variants of other settings, bytes copied over),
 * are not of the set.  The set is whole with as many files as its lines
 * say the content has (`n=`), or, with no line, as the source's own
 * bytes alone and no other file of that name (bytes right whatever the
 * settings; the writer, recompress.c, writes such a file after the other
 * variants of its content, so it is not there alone because a run
 * stopped half-way).  Otherwise the content is to be encoded again (and
 * its files replaced).  Reading costs one listing of the folder, then a
 * stat, the header and the last bytes of each file named after a content
 * asked about; a file of the source's size is hashed whole.
 *
 * Nothing is written: the writer records what it finds in the manifest;
 * `check` and `run --dry-run` only count on it.
 *
 * Thread-safety: one thread per ImgoptOnDisk.
 */
#ifndef IMGOPT_ONDISK_H
#define IMGOPT_ONDISK_H

#include <glib.h> /* GPtrArray */

#include "imgopt/types.h"

typedef struct ImgoptOnDisk ImgoptOnDisk;

/**
 * imgopt_on_disk_new:
 * @root: the absolute site root
 * @out_dir: the variant folder relative to @root (IMAGES/optimized)
 * @fingerprint: imgopt_settings_fingerprint() of the run's settings
 *
 * Returns: (transfer full): a finder; the folder is listed on the first
 *   imgopt_on_disk_find().
 */
ImgoptOnDisk *imgopt_on_disk_new(const char *root, const char *out_dir,
				 const char *fingerprint);

/** Frees @d (nullable). */
void imgopt_on_disk_free(ImgoptOnDisk *d);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptOnDisk, imgopt_on_disk_free)

/**
 * imgopt_on_disk_find:
 * @asset: a hashed source
 *
 * Returns: (transfer full) (nullable) (element-type ImgoptVariant): the
 *   variants of @asset's content for these settings, verified and whole
 *   (paths relative to the site root, settings = the fingerprint), or
 *   NULL if they are not all there or one does not verify.
 */
GPtrArray *imgopt_on_disk_find(ImgoptOnDisk *d, const ImgoptAsset *asset);

#endif /* IMGOPT_ONDISK_H */
