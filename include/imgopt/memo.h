/*
 * memo.h: a command's output, kept for a re-run over an unchanged site.
 *
 * The index already spares an unchanged file its read, but a re-run still
 * loads every manifest row, checks every post and rebuilds the groups:
 * on a 22,000-file blog that was four times the cost of stat()ing the
 * tree.  A memo makes an unchanged re-run cost that walk alone: the
 * site's state (every entry under the site root, in one walk, as lstat()
 * sees it:
 * type, mode, size, mtime, ctime, inode and device; every watched path
 * outside them as stat() sees it; the site's description and what the
 * command was asked) is hashed (XXH3-128) into one digest, and the output
 * stored with a digest is printed again while the digest is the same.
 *
 * What the state covers is what the job's result depends on: every
 * referrer of the site (posts, pages, layouts, includes, config, data,
 * stylesheets, scripts: an edited layout is a miss) and every image.  The
 * walk skips folders whose name starts with `.`, IMAGES/IMGOPT_OUTPUT_DIR,
 * and the root's `_site/`, `node_modules/` and `vendor/` (the build
 * output and dependencies, which no referrer lives in), and the job names
 * the rest (its
 * ImgoptDupesResult's `watched`: referenced files outside the folders,
 * and every place a broken reference was looked for).  ctime, which no
 * program can set back, catches a file rewritten with its old size and
 * mtime restored.
 *
 * A change while the job runs: the trees' state is taken before the job,
 * so a change during it makes the next state differ from the stored one
 * (ctime only moves forward): never replayed.  The watched paths are only
 * known after the job; the output is not stored if one of them, or its
 * folder, changed since the job began.
 *
 * Calling sequence:
 *   memo = imgopt_memo_begin(site, "dupes", what, &error);   walks
 *   imgopt_memo_lookup(memo, manifest, &output, &stored_us, &error);
 *   if output: print it, done.  Else run the job, then
 *   imgopt_memo_store(memo, manifest, watched, output, &stored, &error);
 *   imgopt_memo_free(memo);
 *
 * Ownership: transfer full, freed with imgopt_memo_free().
 * Thread-safety: one thread per ImgoptMemo.
 */
#ifndef IMGOPT_MEMO_H
#define IMGOPT_MEMO_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* GBytes, GPtrArray, GError */

#include "imgopt/manifest.h"
#include "imgopt/site.h"
#include "imgopt/types.h"

/** The site's state before a job, and what the job was asked.  Opaque. */
typedef struct ImgoptMemo ImgoptMemo;

/**
 * imgopt_memo_begin:
 * @site: the open site
 * @command: the command ("dupes"): one memo per command
 * @what: everything else the output depends on (the options that change
 *   it, as text)
 * @error: return location for a #GError
 *
 * Walks the site root (see above) and takes the state of every entry.
 *
 * Returns: (transfer full): the memo, or NULL with @error set if a folder
 *   cannot be read.
 */
ImgoptMemo *imgopt_memo_begin(const ImgoptSite *site, const char *command,
			      const char *what, GError **error);

/**
 * imgopt_memo_take_entries:
 *
 * What imgopt_memo_begin()'s walk saw, for a job that would otherwise
 * list and stat the same files again (dupes): every entry it stat'ed,
 * its path relative to the site root mapped to what lstat() said (a
 * struct stat).  The walk follows no symlink, so a path found there
 * leads through real folders only.  The entries of folders the walk
 * skips (dot folders, the variant folder, the build output) are not
 * there.  Kept from imgopt_memo_begin() until taken or the memo is
 * freed; imgopt_memo_begin_whole() keeps none.
 *
 * Returns: (transfer full) (nullable): the entries (keys: filename,
 *   values: struct stat), or NULL if not kept or already taken.
 */
GHashTable *imgopt_memo_take_entries(ImgoptMemo *memo);

/**
 * imgopt_memo_begin_whole:
 *
 * As imgopt_memo_begin(), for a job whose result also depends on the
 * variants and the manifest (`run`, `check`): the walk takes the variant
 * folders too, imgopt_memo_lookup() takes the manifest's stamp
 * (imgopt_manifest_get_stamp(): every run, undo, prune or dupes since
 * changes it) and the identity of every file the process has mapped (the
 * program and its libraries: an upgraded encoder makes other variants)
 * into the state, and imgopt_memo_store_after() stores
 * nothing if another command wrote the manifest while the job ran.
 */
ImgoptMemo *imgopt_memo_begin_whole(const ImgoptSite *site, const char *command,
				    const char *what, GError **error);

/**
 * imgopt_memo_lookup:
 * @output_out: (out) (transfer full) (nullable): the stored output if the
 *   site's state is the one it was stored in, else NULL
 * @stored_us_out: (out) (optional): when it was stored
 *
 * Returns: false with @error set if the manifest cannot be read.
 */
bool imgopt_memo_lookup(ImgoptMemo *memo, ImgoptManifest *manifest,
			GBytes **output_out, int64_t *stored_us_out,
			GError **error);

/**
 * imgopt_memo_store:
 * @watched: (element-type filename) (nullable): paths outside POSTS and
 *   IMAGES the output depends on (relative to the site root)
 * @output: what the command printed; what an unchanged re-run prints
 * @stored_out: (out) (optional): whether it was stored
 *
 * Stores @output with the state (the trees as imgopt_memo_begin() saw
 * them, the watched paths now), in its own transaction, unless a watched
 * path changed since imgopt_memo_begin() (then the command's memo is
 * forgotten: the output may mix two states).
 *
 * Returns: false with @error set if the manifest cannot be written.
 */
bool imgopt_memo_store(ImgoptMemo *memo, ImgoptManifest *manifest,
		       const GPtrArray *watched, GBytes *output,
		       bool *stored_out, GError **error);

/**
 * imgopt_memo_store_after:
 * @own_runs: (array length=n_own) (nullable): the runs rows the job
 *   itself recorded (and ended) in @manifest
 *
 * imgopt_memo_store() for a memo begun with imgopt_memo_begin_whole():
 * the manifest's stamp must be the lookup's plus @own_runs alone, else
 * the command's memo is forgotten (another command wrote the manifest
 * while the job ran).  imgopt_memo_store() is this with no own run.
 */
bool imgopt_memo_store_after(ImgoptMemo *memo, ImgoptManifest *manifest,
			     const int64_t *own_runs, guint n_own,
			     const GPtrArray *watched, GBytes *output,
			     bool *stored_out, GError **error);

/**
 * imgopt_memo_forget:
 *
 * Forgets @command's memo (in its own transaction): for a run whose
 * output must not be replayed (it failed on a file).
 */
bool imgopt_memo_forget(ImgoptManifest *manifest, const char *command,
			GError **error);

/** Frees @memo (nullable). */
void imgopt_memo_free(ImgoptMemo *memo);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptMemo, imgopt_memo_free)

#endif /* IMGOPT_MEMO_H */
