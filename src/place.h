/*
 * place.h: a variant placed in another folder, where a reference needs
 * it (a Hugo page bundle's or a Hexo post asset folder's own variant
 * folder; site.h: imgopt_site_variant_dir()).  Each variant is encoded
 * once, in one folder; every other folder gets a hard link to that file
 * where the file system allows one, else a copy, recorded in the
 * manifest's variant_copies so that every command treats it as
 * imgopt's output.  Private to src/.
 */
#ifndef IMGOPT_PLACE_H
#define IMGOPT_PLACE_H

#include <stdbool.h>
#include <glib.h>

#include "imgopt/manifest.h"
#include "imgopt/types.h"

/**
 * imgopt_place_variant:
 * @root: the absolute site root
 * @manifest: the open manifest, inside a transaction
 * @variant: a variant row with a file
 * @dir: the folder to place it in, relative to @root
 * @copy_out: (out) (transfer full): the copy's row (its path in @dir)
 *
 * Links or copies @variant's file into @dir and records it.  A file
 * already there under that name (a copy placed by an earlier run, or
 * copied in with a cached variant folder or a shard's outputs) is taken
 * as the copy if it holds the variant's bytes, and replaced otherwise (a
 * copy cut short, another file under its name): a placed copy is
 * verified against the variant, itself verified (ondisk.h) or made.
 *
 * Returns: true, or false with @error set (the folder or the file could
 *   not be written, the manifest failed).
 */
bool imgopt_place_variant(const char *root, ImgoptManifest *manifest,
			  const ImgoptVariant *variant, const char *dir,
			  ImgoptVariant **copy_out, GError **error);

#endif /* IMGOPT_PLACE_H */
