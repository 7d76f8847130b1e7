/*
 * manifest.h: the SQLite manifest, imgopt's memory between runs.
 *
 * The manifest (default `<site root>/.imgopt/manifest.db`) records what
 * every run learnt, so the next run only does new work and every edit can
 * be undone.  Its tables (schema version 7):
 *
 *   files       path, size, mtime, inode, device, hash, format, width,
 *               height, frames: the index's cache; a file whose size, mtime
 *               and inode did not change is not hashed again
 *   variants    source hash, settings fingerprint, width, height, format,
 *               path, bytes, frames: what recompress wrote
 *   refs        post, span, kind, raw text, url, resolved file, status
 *               (schema 7: keyed by post and order, WITHOUT ROWID, a url
 *               equal to the raw text stored once)
 *   rewrites    run, post, hash before, hash after, edits (for undo)
 *   runs        id, command, start and end time, status ("running"
 *               until the run records its end: a killed run keeps it)
 *   confirmations  path, token: which byte comparison confirmed the file
 *               as a duplicate (dropped when the file changes)
 *   post_digests   post, digest of its stored references, its size,
 *               mtime and inode when scanned, and the resolution context
 *               (schema 2): an unchanged post is not scanned again
 *   trash       run, path, trash path, hash, size, mtime, action, state:
 *               every file prune moved to the trash or deleted (schema 3)
 *   memos       command, site state, watched paths, output: a command's
 *               result over an unchanged site (schema 4, memo.h)
 *   undone      run, undo run: the runs an undo put back (schema 5)
 *   variant_requests  source hash, settings, width, extras: which widths
 *               of --widths (and whether the extra formats) a run had
 *               recompress make of a content, so a width that lost to its
 *               source and left no variants row counts as made (schema 6)
 *   variant_copies  path, source hash, settings, width, height, format,
 *               bytes, frames: a variant placed in another folder too,
 *               where a reference needs it (a page bundle's own); read
 *               with the variants rows (schema 6)
 *
 * Paths are relative to the site root; hashes are stored as 32 lowercase
 * hex digits in canonical (big-endian) order.  The callers speak domain
 * types only; no SQL crosses this header.
 *
 * Calling sequence:
 *   m = imgopt_manifest_open(path, &error);     creates or migrates
 *   imgopt_manifest_begin(m, &error);
 *   imgopt_manifest_put_file(m, asset, &error); …  one batch
 *   imgopt_manifest_commit(m, &error);          (or _rollback)
 *   imgopt_manifest_close(m);
 *
 * Writes outside a transaction are refused: the writer groups rows into
 * one transaction per batch (never autocommit per row).
 *
 * Ownership: returned values are transfer full.
 * Thread-safety: an ImgoptManifest is used by one thread at a time (the
 * pipeline's single writer).  Several processes may open the same file;
 * a busy database is waited for (busy timeout) before failing with
 * IMGOPT_ERROR_CONFLICT.
 */
#ifndef IMGOPT_MANIFEST_H
#define IMGOPT_MANIFEST_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* GPtrArray, GString, GError */

#include "imgopt/types.h"

/** The schema version a fresh manifest gets and an old one migrates to. */
#define IMGOPT_MANIFEST_SCHEMA_VERSION 7

/** An open manifest database.  Opaque. */
typedef struct ImgoptManifest ImgoptManifest;

/**
 * imgopt_manifest_open:
 * @path: the database file; its folder is created if missing; ":memory:"
 *   opens a private in-memory manifest (for tests)
 * @error: return location for a #GError
 *
 * Opens or creates the manifest, enables WAL, foreign keys and a busy
 * timeout, and applies the pending schema migrations in one transaction.
 *
 * Returns: (transfer full): the manifest, or NULL with @error set
 *   (IMGOPT_ERROR_MANIFEST; IMGOPT_ERROR_UNSUPPORTED if the file's schema
 *   is newer than this imgopt knows).
 */
ImgoptManifest *imgopt_manifest_open(const char *path, GError **error);

/**
 * imgopt_manifest_close:
 * @manifest: (nullable): a manifest; an open transaction is rolled back
 */
void imgopt_manifest_close(ImgoptManifest *manifest);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptManifest, imgopt_manifest_close)

/**
 * imgopt_manifest_default_path:
 * @site_root: the absolute site root
 *
 * Returns: (transfer full): `<site_root>/.imgopt/manifest.db`.
 */
char *imgopt_manifest_default_path(const char *site_root);

/**
 * imgopt_manifest_schema_version:
 *
 * Returns: the schema version of the open database (PRAGMA user_version).
 */
int imgopt_manifest_schema_version(ImgoptManifest *manifest);

/**
 * imgopt_manifest_begin:
 *
 * Starts a write transaction (BEGIN IMMEDIATE, so a second writer waits
 * for the busy timeout here rather than failing mid-batch).
 *
 * Returns: true, or false with @error set.
 */
bool imgopt_manifest_begin(ImgoptManifest *manifest, GError **error);

/** Commits the open transaction.  Returns: true, or false with @error set. */
bool imgopt_manifest_commit(ImgoptManifest *manifest, GError **error);

/**
 * imgopt_manifest_checkpoint:
 *
 * Copies the committed pages of the write-ahead log into the database
 * (a passive checkpoint: it never waits for readers), work that closing
 * the manifest would otherwise do.  Outside a transaction only; does
 * nothing inside one.  Never fails (what it could not copy, a later
 * checkpoint does).
 */
void imgopt_manifest_checkpoint(ImgoptManifest *manifest);

/** Rolls back the open transaction, if any.  Never fails. */
void imgopt_manifest_rollback(ImgoptManifest *manifest);

/* ---- runs ---- */

/**
 * imgopt_manifest_begin_run:
 * @command: the subcommand ("dupes", "run"…)
 * @run_id_out: (out): the new run's id
 *
 * Records the start of a run.  Inside a transaction.
 */
bool imgopt_manifest_begin_run(ImgoptManifest *manifest, const char *command,
			       int64_t *run_id_out, GError **error);

/**
 * imgopt_manifest_end_run:
 * @run_id: what imgopt_manifest_begin_run() gave
 * @status: "ok", "failed" (some items failed) or "aborted"
 *
 * Records the end of a run.  Inside a transaction.
 */
bool imgopt_manifest_end_run(ImgoptManifest *manifest, int64_t run_id,
			     const char *status, GError **error);

/* ---- files ---- */

/**
 * imgopt_manifest_put_file:
 * @asset: an indexed asset; its hash is stored only if has_hash (a file
 *   whose size no other file shares may be indexed without hashing)
 *
 * Inserts or replaces the row of @asset->path.  Inside a transaction.
 */
bool imgopt_manifest_put_file(ImgoptManifest *manifest,
			      const ImgoptAsset *asset, GError **error);

/**
 * imgopt_manifest_put_new_file:
 *
 * imgopt_manifest_put_file() for a path the caller knows has no
 * confirmation row (not in imgopt_manifest_load_confirmations()'s table,
 * loaded by this writer, which is the only one): the row is written
 * without first deleting the path's confirmation, a statement less per
 * file on a first run.
 */
bool imgopt_manifest_put_new_file(ImgoptManifest *manifest,
				  const ImgoptAsset *asset, GError **error);

/**
 * imgopt_manifest_lookup_file:
 * @path: a path relative to the site root
 * @asset_out: (out) (transfer full) (nullable): the stored row, or NULL
 *   if there is none
 *
 * Returns: true (found or not), or false with @error set.
 */
bool imgopt_manifest_lookup_file(ImgoptManifest *manifest, const char *path,
				 ImgoptAsset **asset_out, GError **error);

/**
 * imgopt_manifest_load_files:
 *
 * Loads every files row, for the index's unchanged-file check in one query
 * rather than one per file.
 *
 * Returns: (transfer full): a table from path (char *) to ImgoptAsset *,
 *   both owned by the table; or NULL with @error set.
 */
GHashTable *imgopt_manifest_load_files(ImgoptManifest *manifest,
				       GError **error);

/**
 * imgopt_manifest_delete_file:
 *
 * Forgets the row of @path (the file is gone).  Inside a transaction.
 */
bool imgopt_manifest_delete_file(ImgoptManifest *manifest, const char *path,
				 GError **error);

/* ---- byte-comparison confirmations ---- */

/**
 * imgopt_manifest_put_confirmation:
 * @path: a file with a files row
 * @token: names the byte comparison that put @path in its duplicate
 *   class (the class representative's path and identity)
 *
 * Remembers that @path's bytes were compared equal to the representative
 * named by @token, so a later run may skip the comparison while both stay
 * unchanged.  imgopt_manifest_put_file() and _delete_file() forget it.
 * Inside a transaction.
 */
bool imgopt_manifest_put_confirmation(ImgoptManifest *manifest,
				      const char *path, const char *token,
				      GError **error);

/**
 * imgopt_manifest_load_confirmations:
 *
 * Returns: (transfer full): path → token (both char *, owned by the
 *   table), or NULL with @error set.
 */
GHashTable *imgopt_manifest_load_confirmations(ImgoptManifest *manifest,
					       GError **error);

/* ---- references ---- */

/* ---- memos ---- */

/** A command's stored output over an unchanged site (memo.h). */
typedef struct {
	ImgoptHash state;   /* the site's state it was made in */
	GPtrArray *watched; /* (element-type filename) the paths outside the
			       walked folders that state covers */
	GBytes *output;     /* what the command printed */
	int64_t stored_us;  /* when (µs since the epoch) */
} ImgoptMemoRow;

/**
 * ImgoptManifestStamp:
 *
 * What the runs of other commands left in the manifest, as counts that
 * only grow: a run, an undo, a prune or a dupes since changes it (memo.h
 * keys the output of run and check with it).
 */
typedef struct {
	int64_t runs;     /* runs rows */
	int64_t ended;    /* of them, those that recorded their end */
	int64_t last_run; /* the newest run's id (0: none) */
	int64_t undone;   /* undone rows */
} ImgoptManifestStamp;

/**
 * imgopt_manifest_get_stamp:
 * @stamp_out: (out): the stamp now
 *
 * Returns: false with @error set if the manifest cannot be read.
 */
bool imgopt_manifest_get_stamp(ImgoptManifest *manifest,
			       ImgoptManifestStamp *stamp_out, GError **error);

/** Frees @row (nullable). */
void imgopt_memo_row_free(ImgoptMemoRow *row);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptMemoRow, imgopt_memo_row_free)

/**
 * imgopt_manifest_get_memo:
 * @command: the command ("dupes")
 * @row_out: (out) (transfer full) (nullable): the stored row, or NULL if
 *   there is none
 *
 * Returns: false with @error set if the manifest cannot be read.
 */
bool imgopt_manifest_get_memo(ImgoptManifest *manifest, const char *command,
			      ImgoptMemoRow **row_out, GError **error);

/**
 * imgopt_manifest_put_memo:
 * @command: the command
 * @state: (nullable): the site's state; NULL forgets @command's memo
 * @watched: (nullable) (element-type filename): see #ImgoptMemoRow
 * @output: (nullable): what the command printed
 *
 * Stores (replaces) @command's memo.  Inside a transaction.
 */
bool imgopt_manifest_put_memo(ImgoptManifest *manifest, const char *command,
			      const ImgoptHash *state, const GPtrArray *watched,
			      GBytes *output, GError **error);

/**
 * ImgoptPostRecord:
 *
 * What the manifest remembers of one post, so that an unchanged post need
 * not be read, scanned and resolved again.
 */
typedef struct {
	char *digest;     /* digest of its stored references */
	uint64_t size;    /* the post file when scanned: size, */
	int64_t mtime_ns; /* modification time (ns) */
	uint64_t inode;   /* and inode */
	char *context;    /* digest of what resolving depended on (the
			     site's image files, base URL and folders) */
} ImgoptPostRecord;

/** Frees @record (nullable). */
void imgopt_post_record_free(ImgoptPostRecord *record);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptPostRecord, imgopt_post_record_free)

/**
 * imgopt_manifest_put_post:
 * @post: a post path relative to the site root
 * @record: (nullable): what to remember of it, or NULL to forget @post
 *
 * Inside a transaction.
 */
bool imgopt_manifest_put_post(ImgoptManifest *manifest, const char *post,
			      const ImgoptPostRecord *record, GError **error);

/**
 * imgopt_manifest_load_posts:
 *
 * Returns: (transfer full): post (char *) → ImgoptPostRecord *, owned by
 *   the table; or NULL with @error set.
 */
GHashTable *imgopt_manifest_load_posts(ImgoptManifest *manifest,
				       GError **error);

/**
 * imgopt_manifest_load_all_refs:
 *
 * Returns: (transfer full): post (char *) → GPtrArray of its ImgoptRef
 *   in offset order, owned by the table (posts without references are
 *   absent); or NULL with @error set.
 */
GHashTable *imgopt_manifest_load_all_refs(ImgoptManifest *manifest,
					  GError **error);

/**
 * imgopt_manifest_replace_refs:
 * @post: a post path relative to the site root
 * @refs: (element-type ImgoptRef): its references, resolved, all with
 *   `post` equal to @post
 *
 * Replaces every stored reference of @post by @refs.  Inside a
 * transaction.
 */
bool imgopt_manifest_replace_refs(ImgoptManifest *manifest, const char *post,
				  const GPtrArray *refs, GError **error);

/**
 * imgopt_manifest_lookup_resolved_under:
 * @dir: a folder relative to the site root (no trailing '/')
 *
 * Returns: (transfer full) (element-type filename): the distinct files
 *   below @dir that stored references resolve to (ok or repaired), sorted;
 *   or NULL with @error set.
 */
GPtrArray *imgopt_manifest_lookup_resolved_under(ImgoptManifest *manifest,
						 const char *dir,
						 GError **error);

/**
 * imgopt_manifest_lookup_refs:
 * @post: a post path relative to the site root
 *
 * Returns: (transfer full) (element-type ImgoptRef): the stored references
 *   of @post in offset order (empty if none), or NULL with @error set.
 */
GPtrArray *imgopt_manifest_lookup_refs(ImgoptManifest *manifest,
				       const char *post, GError **error);

/* ---- variants ---- */

/**
 * imgopt_manifest_put_variant:
 * @variant: an encoded variant whose file is already written
 *
 * Inserts or replaces the variant of (hash, settings, width, format).
 * Inside a transaction.
 */
bool imgopt_manifest_put_variant(ImgoptManifest *manifest,
				 const ImgoptVariant *variant, GError **error);

/**
 * imgopt_manifest_lookup_variants:
 * @hash: the source content's hash
 * @settings: the settings fingerprint
 *
 * Returns: (transfer full) (element-type ImgoptVariant): the variants of
 *   @hash made with @settings, their placed copies included, sorted by
 *   format, width and path (empty if none), or NULL with @error set.
 */
GPtrArray *imgopt_manifest_lookup_variants(ImgoptManifest *manifest,
					   const ImgoptHash *hash,
					   const char *settings,
					   GError **error);

/**
 * imgopt_manifest_load_variants:
 *
 * Loads every variants row, whatever its settings, so a run can tell
 * which content a variant file a post already links was made from (and
 * re-link it when the settings change) in one query.
 *
 * Returns: (transfer full) (element-type ImgoptVariant): the rows sorted
 *   by hash, settings, format and width (empty if none), or NULL with
 *   @error set.
 */
GPtrArray *imgopt_manifest_load_variants(ImgoptManifest *manifest,
					 GError **error);

/** One width of --widths (as given, before recompress clamps it to the
 * source) a run asked for, with or without the extra formats. */
typedef struct {
	uint32_t width;   /* a width of --widths */
	bool with_extras; /* the WebP/AVIF variants of --formats too */
} ImgoptVariantRequest;

/**
 * imgopt_manifest_put_request:
 * @hash: the source content's hash
 * @settings: the settings fingerprint
 * @request: what was made
 *
 * Records that recompress made @request of @hash (its variants rows, if
 * any won, are written in the same transaction).  Inside a transaction.
 */
bool imgopt_manifest_put_request(ImgoptManifest *manifest,
				 const ImgoptHash *hash, const char *settings,
				 const ImgoptVariantRequest *request,
				 GError **error);

/**
 * imgopt_manifest_lookup_requests:
 *
 * Returns: (transfer full) (element-type ImgoptVariantRequest): what was
 *   made of @hash with @settings, by width (empty if nothing was recorded:
 *   the variants then come from a manifest older than schema 6, made at
 *   every width), or NULL with @error set.
 */
GArray *imgopt_manifest_lookup_requests(ImgoptManifest *manifest,
					const ImgoptHash *hash,
					const char *settings, GError **error);

/**
 * imgopt_manifest_forget_variants:
 * @paths: (element-type filename): variant files gone from the disk
 *
 * Drops the requests recorded for @hash and @settings and the variants
 * rows of @paths, so what is missing gets made again.  Inside a
 * transaction.
 */
bool imgopt_manifest_forget_variants(ImgoptManifest *manifest,
				     const ImgoptHash *hash,
				     const char *settings,
				     const GPtrArray *paths, GError **error);

/**
 * imgopt_manifest_delete_variants:
 * @paths: (element-type filename): variant files removed
 *
 * Drops the variants (and variant_copies) rows of @paths.  Inside a
 * transaction.
 */
bool imgopt_manifest_delete_variants(ImgoptManifest *manifest,
				     const GPtrArray *paths, GError **error);

/**
 * imgopt_manifest_put_variant_copy:
 * @variant: a copy (or hard link) of a variant, written at @variant's path
 *
 * Records a variant placed in another folder.  The lookups of variants
 * rows (imgopt_manifest_lookup_variants(), _load_variants(),
 * _load_variant_sources()) return the copies with them.  Inside a
 * transaction.
 */
bool imgopt_manifest_put_variant_copy(ImgoptManifest *manifest,
				      const ImgoptVariant *variant,
				      GError **error);

/* ---- rewrites ---- */

/**
 * ImgoptRewrite:
 *
 * One atomic rewrite of one post, enough to undo it.
 */
typedef struct {
	int64_t run_id;    /* the run that made it */
	char *post;        /* relative to the site root */
	ImgoptHash before; /* hash of the post before */
	ImgoptHash after;  /* hash of the post after */
	char *edits;       /* the edits, serialised by the rewrite stage */
} ImgoptRewrite;

/** Frees @rewrite (nullable). */
void imgopt_rewrite_record_free(ImgoptRewrite *rewrite);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptRewrite, imgopt_rewrite_record_free)

/**
 * imgopt_manifest_put_rewrite:
 *
 * Records @rewrite.  Inside a transaction.
 */
bool imgopt_manifest_put_rewrite(ImgoptManifest *manifest,
				 const ImgoptRewrite *rewrite, GError **error);

/**
 * imgopt_manifest_lookup_rewrites:
 * @run_id: a run, or 0 for the latest run that rewrote something
 *
 * Returns: (transfer full) (element-type ImgoptRewrite): the rewrites of
 *   that run sorted by post (empty if none), or NULL with @error set.
 */
GPtrArray *imgopt_manifest_lookup_rewrites(ImgoptManifest *manifest,
					   int64_t run_id, GError **error);

/**
 * ImgoptRunRecord:
 *
 * One runs row.  A run's status stays "running" until the run records its
 * end ("ok" or "failed"): a run killed or stopped by a fatal error keeps
 * it, which is how undo knows that the run after it completed its work.
 */
typedef struct {
	int64_t id;       /* the run */
	char *command;    /* "run", "undo", "dupes", "prune"… */
	char *status;     /* "running" while unfinished, else its end */
	guint n_rewrites; /* rewrites rows it recorded */
	bool is_undone;   /* an undo put its posts back (see undo.h) */
} ImgoptRunRecord;

/** Frees @record (nullable). */
void imgopt_run_record_free(ImgoptRunRecord *record);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptRunRecord, imgopt_run_record_free)

/**
 * imgopt_run_record_is_finished:
 *
 * Returns: whether @record's run recorded its end.
 */
bool imgopt_run_record_is_finished(const ImgoptRunRecord *record);

/**
 * imgopt_manifest_list_runs:
 * @commands: (array zero-terminated=1): the commands wanted ("run",
 *   "undo"…)
 *
 * Returns: (transfer full) (element-type ImgoptRunRecord): the runs of
 *   those commands, newest first (empty if none), or NULL with @error set.
 */
GPtrArray *imgopt_manifest_list_runs(ImgoptManifest *manifest,
				     const char *const *commands,
				     GError **error);

/**
 * imgopt_manifest_put_undone:
 * @run_id: a run whose rewrites an undo put back
 * @undo_run_id: that undo's own run
 *
 * Records that @run_id is undone, so imgopt_manifest_list_runs() marks it
 * and the next undo goes further back.  Inside a transaction.
 */
bool imgopt_manifest_put_undone(ImgoptManifest *manifest, int64_t run_id,
				int64_t undo_run_id, GError **error);

/* ---- dump ---- */

/**
 * imgopt_manifest_dump:
 * @with_runs: include the runs table (its timestamps differ between
 *   runs, so golden tests leave it out)
 *
 * Writes every table as sorted, canonical text, one row a line, for golden
 * tests and `status`.  mtime, inode and device are left out (they differ
 * between copies of a tree).
 *
 * Returns: (transfer full): the text, or NULL with @error set.
 */
char *imgopt_manifest_dump(ImgoptManifest *manifest, bool with_runs,
			   GError **error);

/* ---- trash (schema 3; written by prune.c, see prune.h) ---- */

/** Where one file prune removed stands. */
typedef enum {
	IMGOPT_TRASH_PLANNED,   /* recorded, not acted on yet */
	IMGOPT_TRASH_TRASHED,   /* renamed into the trash */
	IMGOPT_TRASH_DELETED,   /* unlinked (--delete) */
	IMGOPT_TRASH_RESTORED,  /* renamed back by restore */
	IMGOPT_TRASH_CANCELLED, /* not done: rolled back or skipped */
	IMGOPT_TRASH_PURGED,    /* its trash copy removed (--empty-trash) */
} ImgoptTrashState;

/**
 * imgopt_trash_state_name:
 *
 * Returns: (transfer none): "planned", "trashed", "deleted", "restored",
 *   "cancelled" or "purged".
 */
const char *imgopt_trash_state_name(ImgoptTrashState state);

/** One file prune moved to the trash or deleted: a trash row. */
typedef struct {
	int64_t id;             /* row id (set by _put_trash) */
	int64_t run_id;         /* the prune run */
	char *path;             /* where it was, relative to the site root */
	char *trash_path;       /* where it went, relative to the site root;
				   NULL for a deletion */
	char *keep;             /* the copy of the same bytes that stays
				   (compared before a deletion), or NULL */
	ImgoptHash hash;        /* its content */
	uint64_t size;          /* bytes */
	int64_t mtime_ns;       /* modification time when indexed */
	ImgoptTrashState state; /* where it stands */
	int64_t changed_us;     /* when the state last changed */
} ImgoptTrashEntry;

/** Frees @entry (nullable). */
void imgopt_trash_entry_free(ImgoptTrashEntry *entry);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptTrashEntry, imgopt_trash_entry_free)

/**
 * imgopt_manifest_put_trash:
 * @entry: a new row; its id is set
 *
 * Inserts @entry.  Inside a transaction.
 */
bool imgopt_manifest_put_trash(ImgoptManifest *manifest,
			       ImgoptTrashEntry *entry, GError **error);

/**
 * imgopt_manifest_set_trash_state:
 * @id: a trash row
 *
 * Sets the row's state and its change time.  Inside a transaction.
 */
bool imgopt_manifest_set_trash_state(ImgoptManifest *manifest, int64_t id,
				     ImgoptTrashState state, GError **error);

/**
 * imgopt_manifest_lookup_trash:
 * @run_id: a prune run, or 0 for every run
 *
 * Returns: (transfer full) (element-type ImgoptTrashEntry): the rows,
 *   sorted by run then path (empty if none), or NULL with @error set.
 */
GPtrArray *imgopt_manifest_lookup_trash(ImgoptManifest *manifest,
					int64_t run_id, GError **error);

/**
 * imgopt_manifest_load_variant_sources:
 *
 * Returns: (transfer full): every variant file's path → the 32 hex digits
 *   of its source content's hash (both char *, owned by the table), or
 *   NULL with @error set.
 */
GHashTable *imgopt_manifest_load_variant_sources(ImgoptManifest *manifest,
						 GError **error);

#endif /* IMGOPT_MANIFEST_H */
