/*
 * manifest.c: the SQLite adapter behind manifest.h; the only file that
 * includes <sqlite3.h>.
 *
 * Schema and migrations.  The schema version lives in PRAGMA user_version.
 * `migrations[]` below lists, per version, the SQL that brings a database
 * from the previous version to it.  Opening applies every pending step in
 * one IMMEDIATE transaction and records each in the `migrations` table, so
 * a crash mid-migration leaves the old version intact and two processes
 * opening a fresh file at once cannot both migrate it.  A database newer
 * than this build is refused rather than guessed at.
 *
 * Connection set-up: 8 KB pages for a new database, WAL (readers never
 * block the writer, and a commit is one append to the log),
 * synchronous=NORMAL (durable at checkpoints, safe against corruption in
 * WAL mode), foreign_keys=ON, and a busy timeout so a second process
 * waits for the first's transaction instead of failing.
 *
 * Statements are prepared once per connection and cached by their SQL
 * text's address: the index writes tens of thousands of rows per run and
 * re-preparing each would dominate.
 */
#include "imgopt/error.h"
#include "imgopt/lock.h" /* IMGOPT_STATE_DIR */
#include "imgopt/manifest.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "hash.h"

/* How long a second writer waits for the first before giving up. */
#define BUSY_TIMEOUT_MS 10000

struct ImgoptManifest {
	sqlite3 *db;       /* the connection */
	GHashTable *stmts; /* SQL text address → sqlite3_stmt * (cached) */
};

/* One schema step: the SQL that takes version - 1 to version. */
typedef struct {
	int version;     /* the version this step produces */
	const char *sql; /* statements run in the migration transaction */
} Migration;

/* The columns of refs, closing parenthesis included: migration 1 made
 * the table, migration 7 rebuilds it WITHOUT ROWID. */
#define REFS_COLUMNS                                                           \
	"  post TEXT NOT NULL,"                                                \
	"  seq INTEGER NOT NULL,"                                              \
	"  offset INTEGER NOT NULL,"                                           \
	"  length INTEGER NOT NULL,"                                           \
	"  line INTEGER NOT NULL,"                                             \
	"  col INTEGER NOT NULL,"                                              \
	"  kind TEXT NOT NULL,"                                                \
	"  raw TEXT NOT NULL,"                                                 \
	"  url TEXT,"                                                          \
	"  resolved TEXT,"                                                     \
	"  status TEXT NOT NULL,"                                              \
	"  message TEXT,"                                                      \
	"  PRIMARY KEY (post, seq))"

static const Migration migrations[] = {
	{1, "CREATE TABLE IF NOT EXISTS migrations ("
	    "  version INTEGER PRIMARY KEY,"
	    "  applied_us INTEGER NOT NULL);"
	    "CREATE TABLE runs ("
	    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	    "  command TEXT NOT NULL,"
	    "  started_us INTEGER NOT NULL,"
	    "  ended_us INTEGER,"
	    "  status TEXT NOT NULL DEFAULT 'running');"
	    "CREATE TABLE files ("
	    "  path TEXT PRIMARY KEY,"
	    "  size INTEGER NOT NULL,"
	    "  mtime_ns INTEGER NOT NULL,"
	    "  inode INTEGER NOT NULL,"
	    "  device INTEGER NOT NULL,"
	    "  hash TEXT,"
	    "  format TEXT NOT NULL,"
	    "  width INTEGER NOT NULL,"
	    "  height INTEGER NOT NULL,"
	    "  frames INTEGER NOT NULL);"
	    "CREATE INDEX files_by_hash ON files(hash);"
	    "CREATE TABLE variants ("
	    "  hash TEXT NOT NULL,"
	    "  settings TEXT NOT NULL,"
	    "  width INTEGER NOT NULL,"
	    "  height INTEGER NOT NULL,"
	    "  format TEXT NOT NULL,"
	    "  path TEXT NOT NULL,"
	    "  bytes INTEGER NOT NULL,"
	    "  frames INTEGER NOT NULL,"
	    "  PRIMARY KEY (hash, settings, width, format));"
	    "CREATE TABLE refs (" REFS_COLUMNS ";"
	    "CREATE INDEX refs_by_resolved ON refs(resolved);"
	    "CREATE TABLE rewrites ("
	    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	    "  run_id INTEGER NOT NULL REFERENCES runs(id),"
	    "  post TEXT NOT NULL,"
	    "  hash_before TEXT NOT NULL,"
	    "  hash_after TEXT NOT NULL,"
	    "  edits TEXT NOT NULL);"
	    "CREATE INDEX rewrites_by_run ON rewrites(run_id);"
	    "CREATE TABLE confirmations ("
	    "  path TEXT PRIMARY KEY REFERENCES files(path) ON DELETE CASCADE,"
	    "  token TEXT NOT NULL);"},
	{2,
	 /* Idempotent, like every later step should be: a database whose
	  * version was lowered by hand must still open. */
	 "CREATE TABLE IF NOT EXISTS post_digests ("
	 "  post TEXT PRIMARY KEY,"
	 "  digest TEXT NOT NULL,"
	 "  size INTEGER NOT NULL DEFAULT 0,"
	 "  mtime_ns INTEGER NOT NULL DEFAULT 0,"
	 "  inode INTEGER NOT NULL DEFAULT 0,"
	 "  context TEXT NOT NULL DEFAULT '');"},
	{3,
	 /* prune's moves and deletions (prune.c), for restore and recovery */
	 "CREATE TABLE IF NOT EXISTS trash ("
	 "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	 "  run_id INTEGER NOT NULL REFERENCES runs(id),"
	 "  path TEXT NOT NULL,"
	 "  trash_path TEXT,"
	 "  keep TEXT,"
	 "  hash TEXT NOT NULL,"
	 "  size INTEGER NOT NULL,"
	 "  mtime_ns INTEGER NOT NULL,"
	 "  state TEXT NOT NULL,"
	 "  changed_us INTEGER NOT NULL);"
	 "CREATE INDEX IF NOT EXISTS trash_by_run ON trash(run_id);"},
	{4,
	 /* a command's output over an unchanged site (memo.c) */
	 "CREATE TABLE IF NOT EXISTS memos ("
	 "  command TEXT PRIMARY KEY,"
	 "  state TEXT NOT NULL,"
	 "  watched BLOB NOT NULL,"
	 "  output BLOB NOT NULL,"
	 "  stored_us INTEGER NOT NULL);"},
	{5,
	 /* undo's history (undo.c): the runs an undo put back, so the next
	  * undo goes one step further back */
	 "CREATE TABLE IF NOT EXISTS undone ("
	 "  run_id INTEGER PRIMARY KEY REFERENCES runs(id),"
	 "  undo_run_id INTEGER NOT NULL REFERENCES runs(id));"},
	{6,
	 /* the widths of --widths (and whether the extra formats) a run
	  * asked recompress to make of a content: a width that lost to its
	  * source leaves no variants row, yet is done (recompress.c) */
	 "CREATE TABLE IF NOT EXISTS variant_requests ("
	 "  hash TEXT NOT NULL,"
	 "  settings TEXT NOT NULL,"
	 "  width INTEGER NOT NULL,"
	 "  extras INTEGER NOT NULL,"
	 "  PRIMARY KEY (hash, settings, width, extras));"
	 /* a variant placed in another folder too, where a reference needs
	  * it (a page bundle's own): the same bytes as its variants row */
	 "CREATE TABLE IF NOT EXISTS variant_copies ("
	 "  path TEXT PRIMARY KEY,"
	 "  hash TEXT NOT NULL,"
	 "  settings TEXT NOT NULL,"
	 "  width INTEGER NOT NULL,"
	 "  height INTEGER NOT NULL,"
	 "  format TEXT NOT NULL,"
	 "  bytes INTEGER NOT NULL,"
	 "  frames INTEGER NOT NULL);"
	 "CREATE INDEX IF NOT EXISTS variant_copies_by_hash "
	 "  ON variant_copies(hash, settings);"},
	{7,
	 /* refs.url equal to raw (nearly every row) is stored as an empty
	  * blob, not a second copy: see put_ref().  A blob is neither text
	  * nor NULL, so the mark is unambiguous; the copy below makes it,
	  * idempotently (a blob never equals text), and an older imgopt, which
	  * would read the mark as an empty url, refuses the newer schema.
	  *
	  * refs and confirmations become WITHOUT ROWID: a row is stored
	  * once, in its primary key's B-tree, not in a rowid table plus an
	  * index of the key (a B-tree insert less per row, and loading
	  * every reference in key order is a plain scan).  Rebuilt by copy,
	  * which is idempotent too.  Not files: its files_by_hash entries
	  * would then carry the path instead of a rowid (measured slower);
	  * nor post_digests (1,600 rows: the rebuild costs what it saves). */
	 "CREATE TABLE refs_v7 (" REFS_COLUMNS " WITHOUT ROWID;"
	 "INSERT INTO refs_v7 SELECT post, seq, offset, length, line, col,"
	 "  kind, raw, CASE WHEN url = raw THEN X'' ELSE url END, resolved,"
	 "  status, message FROM refs;"
	 "DROP TABLE refs;"
	 "ALTER TABLE refs_v7 RENAME TO refs;"
	 "CREATE INDEX refs_by_resolved ON refs(resolved);"
	 "CREATE TABLE confirmations_v7 ("
	 "  path TEXT PRIMARY KEY REFERENCES files(path) ON DELETE CASCADE,"
	 "  token TEXT NOT NULL) WITHOUT ROWID;"
	 "INSERT INTO confirmations_v7 SELECT path, token FROM confirmations"
	 "  WHERE path IN (SELECT path FROM files);"
	 "DROP TABLE confirmations;"
	 "ALTER TABLE confirmations_v7 RENAME TO confirmations;"},
};

static void
stmt_finalize(sqlite3_stmt *stmt)
{
	sqlite3_finalize(stmt);
}

static bool
fail(ImgoptManifest *m, GError **error, const char *what)
{
	int code = sqlite3_extended_errcode(m->db);
	int primary = code & 0xff;

	g_set_error(error, IMGOPT_ERROR,
		    primary == SQLITE_BUSY || primary == SQLITE_LOCKED
			    ? IMGOPT_ERROR_CONFLICT
			    : IMGOPT_ERROR_MANIFEST,
		    "manifest: %s: %s", what, sqlite3_errmsg(m->db));
	return false;
}

static bool
exec(ImgoptManifest *m, const char *sql, GError **error)
{
	if (sqlite3_exec(m->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(m, error, sql);
	return true;
}

/* Returns the cached statement for @sql (a string literal), reset; NULL
 * with @error set if it does not compile.  Its bindings were cleared by
 * step_done() or read_rows() when it was last used: every caller steps
 * the statement it gets (clearing them here as well was 0.3% of a cold
 * dupes run). */
static sqlite3_stmt *
stmt(ImgoptManifest *m, const char *sql, GError **error)
{
	sqlite3_stmt *s = g_hash_table_lookup(m->stmts, sql);

	if (s == NULL) {
		if (sqlite3_prepare_v3(m->db, sql, -1,
				       SQLITE_PREPARE_PERSISTENT, &s,
				       NULL) != SQLITE_OK) {
			fail(m, error, "prepare");
			return NULL;
		}
		g_hash_table_insert(m->stmts, (gpointer)sql, s);
	}
	sqlite3_reset(s);
	return s;
}

/* Steps a statement that returns no rows. */
static bool
step_done(ImgoptManifest *m, sqlite3_stmt *s, const char *what, GError **error)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return fail(m, error, what);
	return true;
}

static bool
require_transaction(ImgoptManifest *m, GError **error)
{
	if (sqlite3_get_autocommit(m->db)) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_MANIFEST,
			    "manifest: write outside a transaction");
		return false;
	}
	return true;
}

/* stmt() for a statement that writes: NULL with @error set outside a
 * transaction (every write belongs to one). */
static sqlite3_stmt *
write_stmt(ImgoptManifest *m, const char *sql, GError **error)
{
	if (!require_transaction(m, error))
		return NULL;
	return stmt(m, sql, error);
}

/* Binds @text without copying it (SQLITE_STATIC): every caller steps the
 * statement before @text goes, and step_done() and read_rows() clear the
 * bindings as they reset it, so no pointer outlives the call.  The copy
 * and its free were a fifth of each reference row's cost. */
static void
bind_text(sqlite3_stmt *s, int i, const char *text)
{
	if (text == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC);
}

static void
bind_hash(sqlite3_stmt *s, int i, const ImgoptHash *hash)
{
	char hex[IMGOPT_HASH_HEX_LEN + 1];

	imgopt_hash_format(hash, hex);
	sqlite3_bind_text(s, i, hex, IMGOPT_HASH_HEX_LEN, SQLITE_TRANSIENT);
}

static char *
column_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *text = sqlite3_column_text(s, i);

	return text == NULL ? NULL : g_strdup((const char *)text);
}

static void
column_hash(sqlite3_stmt *s, int i, ImgoptHash *hash_out)
{
	const char *hex = (const char *)sqlite3_column_text(s, i);

	memset(hash_out, 0, sizeof *hash_out);
	if (hex != NULL)
		imgopt_hash_parse(hex, hash_out);
}

/* Called for each row a query returns. */
typedef void (*RowFunc)(sqlite3_stmt *s, void *data);

/* The one row loop: steps @s (from stmt(), bound; NULL if it did not
 * compile, @error then set) through its rows, handing each to @fn, and
 * resets it.  False with @error set if a step failed. */
static bool
read_rows(ImgoptManifest *m, sqlite3_stmt *s, RowFunc fn, void *data,
	  const char *what, GError **error)
{
	int rc;

	if (s == NULL)
		return false;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(s, data);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return fail(m, error, what);
	return true;
}

/* A row made into an object (transfer full). */
typedef void *(*FromRow)(sqlite3_stmt *s);

typedef struct {
	GPtrArray *out;   /* the objects, in row order */
	FromRow from_row; /* makes one */
} ListRows;

static void
add_to_list(sqlite3_stmt *s, void *data)
{
	ListRows *list = data;

	g_ptr_array_add(list->out, list->from_row(s));
}

/* @out with every row made an object by @from_row, or NULL with @error
 * set (and @out freed). */
static GPtrArray *
read_list(ImgoptManifest *m, sqlite3_stmt *s, FromRow from_row, GPtrArray *out,
	  const char *what, GError **error)
{
	g_autoptr(GPtrArray) owned = out;
	ListRows list = {out, from_row};

	if (!read_rows(m, s, add_to_list, &list, what, error))
		return NULL;
	return g_steal_pointer(&owned);
}

/* The first row made an object by @from_row (NULL if no row). */
typedef struct {
	void *first;      /* (transfer full) (nullable) */
	FromRow from_row; /* makes it */
} FirstRow;

static void
keep_first(sqlite3_stmt *s, void *data)
{
	FirstRow *row = data;

	if (row->first == NULL)
		row->first = row->from_row(s);
}

/* Column 0 to column 1, both text (a GHashTable of strings). */
static void
add_pair(sqlite3_stmt *s, void *table)
{
	g_hash_table_replace(table, column_dup(s, 0), column_dup(s, 1));
}

/* A table of column 0 to column 1, or NULL with @error set. */
static GHashTable *
read_pairs(ImgoptManifest *m, const char *sql, const char *what, GError **error)
{
	g_autoptr(GHashTable) table = g_hash_table_new_full(
		imgopt_str_hash, g_str_equal, g_free, g_free);

	if (!read_rows(m, stmt(m, sql, error), add_pair, table, what, error))
		return NULL;
	return g_steal_pointer(&table);
}

static ImgoptFormat
format_from_name(const char *name)
{
	for (int f = IMGOPT_FORMAT_UNKNOWN; f <= IMGOPT_FORMAT_OTHER; f++)
		if (g_strcmp0(name, imgopt_format_name(f)) == 0)
			return f;
	return IMGOPT_FORMAT_UNKNOWN;
}

/* ---- opening and migrations ---- */

static void
column_int(sqlite3_stmt *s, void *out)
{
	*(int *)out = sqlite3_column_int(s, 0);
}

int
imgopt_manifest_schema_version(ImgoptManifest *manifest)
{
	int version = -1;

	if (!read_rows(manifest, stmt(manifest, "PRAGMA user_version", NULL),
		       column_int, &version, "schema version", NULL))
		return -1;
	return version;
}

static bool
apply_migration(ImgoptManifest *m, const Migration *mig, GError **error)
{
	g_autofree char *pragma =
		g_strdup_printf("PRAGMA user_version = %d", mig->version);
	g_autofree char *record = g_strdup_printf(
		"INSERT OR REPLACE INTO migrations(version, applied_us) "
		"VALUES (%d, %" G_GINT64_FORMAT ")",
		mig->version, g_get_real_time());

	g_debug("manifest: migrating to schema %d", mig->version);
	return exec(m, mig->sql, error) && exec(m, record, error) &&
	       exec(m, pragma, error);
}

static bool
migrate(ImgoptManifest *m, GError **error)
{
	int version;

	if (!exec(m, "BEGIN IMMEDIATE", error))
		return false;
	version = imgopt_manifest_schema_version(m);
	if (version > IMGOPT_MANIFEST_SCHEMA_VERSION) {
		imgopt_manifest_rollback(m);
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSUPPORTED,
			    "manifest: schema version %d is newer than this "
			    "imgopt (%d): upgrade imgopt",
			    version, IMGOPT_MANIFEST_SCHEMA_VERSION);
		return false;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(migrations); i++) {
		if (migrations[i].version <= version)
			continue;
		if (!apply_migration(m, &migrations[i], error)) {
			imgopt_manifest_rollback(m);
			return false;
		}
	}
	return exec(m, "COMMIT", error);
}

static bool
configure(ImgoptManifest *m, bool is_memory, GError **error)
{
	sqlite3_busy_timeout(m->db, BUSY_TIMEOUT_MS);
	/* 8 KB pages for a new manifest (an existing one keeps its own):
	 * half as many page splits under a cold run's 130,000 B-tree
	 * inserts (0.8% of its instructions; 16 KB measured no better). */
	if (!exec(m, "PRAGMA page_size=8192", error))
		return false;
	if (!is_memory && !exec(m, "PRAGMA journal_mode=WAL", error))
		return false;
	/* A page cache of 16 MB instead of 2: a first run over 20,000 files
	 * spilled dirty pages mid-transaction (sqlite3PcacheFetchStress in
	 * the profile); the bound keeps memory flat at 100,000 files. */
	return exec(m, "PRAGMA synchronous=NORMAL", error) &&
	       exec(m, "PRAGMA cache_size=-16384", error) &&
	       exec(m, "PRAGMA foreign_keys=ON", error);
}

static bool
make_parent(const char *path, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(path);

	if (g_mkdir_with_parents(dir, 0755) != 0) {
		int saved = errno;

		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_MANIFEST,
			    "manifest: cannot create folder '%s': %s", dir,
			    g_strerror(saved));
		return false;
	}
	return true;
}

/* Turns SQLite's memory statistics off, once per process and before
 * its first use: with them on, every allocation and free takes a global
 * mutex to count. */
static void
configure_library(void)
{
	static gsize done = 0;

	if (g_once_init_enter(&done)) {
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		g_once_init_leave(&done, 1);
	}
}

ImgoptManifest *
imgopt_manifest_open(const char *path, GError **error)
{
	g_autoptr(ImgoptManifest) m = g_new0(ImgoptManifest, 1);
	bool is_memory = strcmp(path, ":memory:") == 0;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		    SQLITE_OPEN_NOMUTEX;

	configure_library();
	m->stmts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
					 (GDestroyNotify)stmt_finalize);
	if (!is_memory && !make_parent(path, error))
		return NULL;
	if (sqlite3_open_v2(path, &m->db, flags, NULL) != SQLITE_OK) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_MANIFEST,
			    "manifest: cannot open '%s': %s", path,
			    m->db ? sqlite3_errmsg(m->db) : "out of memory");
		return NULL;
	}
	if (!configure(m, is_memory, error) || !migrate(m, error)) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	return g_steal_pointer(&m);
}

void
imgopt_manifest_close(ImgoptManifest *manifest)
{
	if (manifest == NULL)
		return;
	if (manifest->db != NULL && !sqlite3_get_autocommit(manifest->db))
		sqlite3_exec(manifest->db, "ROLLBACK", NULL, NULL, NULL);
	g_clear_pointer(&manifest->stmts, g_hash_table_unref);
	sqlite3_close(manifest->db);
	g_free(manifest);
}

char *
imgopt_manifest_default_path(const char *site_root)
{
	return g_build_filename(site_root, IMGOPT_STATE_DIR, "manifest.db",
				NULL);
}

/* ---- transactions ---- */

bool
imgopt_manifest_begin(ImgoptManifest *manifest, GError **error)
{
	return exec(manifest, "BEGIN IMMEDIATE", error);
}

bool
imgopt_manifest_commit(ImgoptManifest *manifest, GError **error)
{
	return exec(manifest, "COMMIT", error);
}

void
imgopt_manifest_checkpoint(ImgoptManifest *manifest)
{
	g_return_if_fail(manifest != NULL);
	/* PASSIVE: copies what no reader holds, never waits; a failure only
	 * leaves the work to the next checkpoint. */
	if (sqlite3_get_autocommit(manifest->db))
		sqlite3_wal_checkpoint_v2(manifest->db, NULL,
					  SQLITE_CHECKPOINT_PASSIVE, NULL,
					  NULL);
}

void
imgopt_manifest_rollback(ImgoptManifest *manifest)
{
	if (!sqlite3_get_autocommit(manifest->db))
		sqlite3_exec(manifest->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- runs ---- */

bool
imgopt_manifest_begin_run(ImgoptManifest *manifest, const char *command,
			  int64_t *run_id_out, GError **error)
{
	sqlite3_stmt *s = write_stmt(
		manifest, "INSERT INTO runs(command, started_us) VALUES (?, ?)",
		error);

	if (s == NULL)
		return false;
	bind_text(s, 1, command);
	sqlite3_bind_int64(s, 2, g_get_real_time());
	if (!step_done(manifest, s, "begin run", error))
		return false;
	*run_id_out = sqlite3_last_insert_rowid(manifest->db);
	return true;
}

bool
imgopt_manifest_end_run(ImgoptManifest *manifest, int64_t run_id,
			const char *status, GError **error)
{
	sqlite3_stmt *s = write_stmt(
		manifest,
		"UPDATE runs SET ended_us = ?, status = ? WHERE id = ?", error);
	if (s == NULL)
		return false;
	sqlite3_bind_int64(s, 1, g_get_real_time());
	bind_text(s, 2, status);
	sqlite3_bind_int64(s, 3, run_id);
	return step_done(manifest, s, "end run", error);
}

/* ---- files ---- */

/* An upsert, not INSERT OR REPLACE: a replace deletes the old row first,
 * and with foreign keys on that made every insert open a statement
 * journal and search confirmations for children of the deleted row. */
static const char put_file_sql[] =
	"INSERT INTO files(path, size, mtime_ns, inode, device, hash, "
	"format, width, height, frames) VALUES (?,?,?,?,?,?,?,?,?,?) "
	"ON CONFLICT(path) DO UPDATE SET size = excluded.size, "
	"mtime_ns = excluded.mtime_ns, inode = excluded.inode, "
	"device = excluded.device, hash = excluded.hash, "
	"format = excluded.format, width = excluded.width, "
	"height = excluded.height, frames = excluded.frames";

/* Writes @asset's row, after deleting its confirmation if
 * @is_confirmed. */
static bool
put_file(ImgoptManifest *manifest, const ImgoptAsset *asset, bool is_confirmed,
	 GError **error)
{
	sqlite3_stmt *s = NULL;

	if (!require_transaction(manifest, error))
		return false;
	/* New bytes void any earlier byte comparison of this path. */
	if (is_confirmed) {
		s = stmt(manifest, "DELETE FROM confirmations WHERE path = ?",
			 error);
		if (s == NULL)
			return false;
		bind_text(s, 1, asset->path);
		if (!step_done(manifest, s, "put file", error))
			return false;
	}
	s = stmt(manifest, put_file_sql, error);
	if (s == NULL)
		return false;
	bind_text(s, 1, asset->path);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)asset->size);
	sqlite3_bind_int64(s, 3, asset->mtime_ns);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)asset->inode);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)asset->device);
	if (asset->has_hash)
		bind_hash(s, 6, &asset->hash);
	else
		sqlite3_bind_null(s, 6);
	bind_text(s, 7, imgopt_format_name(asset->format));
	sqlite3_bind_int64(s, 8, asset->width);
	sqlite3_bind_int64(s, 9, asset->height);
	sqlite3_bind_int64(s, 10, asset->n_frames);
	return step_done(manifest, s, "put file", error);
}

bool
imgopt_manifest_put_file(ImgoptManifest *manifest, const ImgoptAsset *asset,
			 GError **error)
{
	return put_file(manifest, asset, true, error);
}

bool
imgopt_manifest_put_new_file(ImgoptManifest *manifest, const ImgoptAsset *asset,
			     GError **error)
{
	return put_file(manifest, asset, false, error);
}

#define FILE_COLUMNS                                                           \
	"path, size, mtime_ns, inode, device, hash, format, width, height, "   \
	"frames"

static void *
asset_from_row(sqlite3_stmt *s)
{
	ImgoptAsset *a =
		imgopt_asset_new((const char *)sqlite3_column_text(s, 0));

	a->size = (uint64_t)sqlite3_column_int64(s, 1);
	a->mtime_ns = sqlite3_column_int64(s, 2);
	a->inode = (uint64_t)sqlite3_column_int64(s, 3);
	a->device = (uint64_t)sqlite3_column_int64(s, 4);
	column_hash(s, 5, &a->hash);
	a->has_hash = sqlite3_column_type(s, 5) != SQLITE_NULL;
	a->format = format_from_name((const char *)sqlite3_column_text(s, 6));
	a->width = (uint32_t)sqlite3_column_int64(s, 7);
	a->height = (uint32_t)sqlite3_column_int64(s, 8);
	a->n_frames = (uint32_t)sqlite3_column_int64(s, 9);
	return a;
}

bool
imgopt_manifest_lookup_file(ImgoptManifest *manifest, const char *path,
			    ImgoptAsset **asset_out, GError **error)
{
	sqlite3_stmt *s = stmt(
		manifest, "SELECT " FILE_COLUMNS " FROM files WHERE path = ?",
		error);
	FirstRow row = {NULL, asset_from_row};

	*asset_out = NULL;
	if (s != NULL)
		bind_text(s, 1, path);
	if (!read_rows(manifest, s, keep_first, &row, "lookup file", error)) {
		imgopt_asset_free(row.first);
		return false;
	}
	*asset_out = row.first;
	return true;
}

static void
add_asset(sqlite3_stmt *s, void *table)
{
	ImgoptAsset *a = asset_from_row(s);

	/* The key is the value's own path: freed with the value. */
	g_hash_table_replace(table, a->path, a);
}

GHashTable *
imgopt_manifest_load_files(ImgoptManifest *manifest, GError **error)
{
	g_autoptr(GHashTable) table =
		g_hash_table_new_full(imgopt_str_hash, g_str_equal, NULL,
				      (GDestroyNotify)imgopt_asset_free);
	sqlite3_stmt *s =
		stmt(manifest, "SELECT " FILE_COLUMNS " FROM files", error);

	if (!read_rows(manifest, s, add_asset, table, "load files", error))
		return NULL;
	return g_steal_pointer(&table);
}

bool
imgopt_manifest_delete_file(ImgoptManifest *manifest, const char *path,
			    GError **error)
{
	sqlite3_stmt *s =
		write_stmt(manifest, "DELETE FROM files WHERE path = ?", error);

	if (s == NULL)
		return false;
	bind_text(s, 1, path);
	return step_done(manifest, s, "delete file", error);
}

/* ---- byte-comparison confirmations ---- */

bool
imgopt_manifest_put_confirmation(ImgoptManifest *manifest, const char *path,
				 const char *token, GError **error)
{
	sqlite3_stmt *s = write_stmt(manifest,
				     "INSERT INTO confirmations(path, token) "
				     "VALUES (?, ?) ON CONFLICT(path) "
				     "DO UPDATE SET token = excluded.token",
				     error);
	if (s == NULL)
		return false;
	bind_text(s, 1, path);
	bind_text(s, 2, token);
	return step_done(manifest, s, "put confirmation", error);
}

GHashTable *
imgopt_manifest_load_confirmations(ImgoptManifest *manifest, GError **error)
{
	return read_pairs(manifest, "SELECT path, token FROM confirmations",
			  "load confirmations", error);
}

/* ---- memos ---- */

void
imgopt_memo_row_free(ImgoptMemoRow *row)
{
	if (row == NULL)
		return;
	g_clear_pointer(&row->watched, g_ptr_array_unref);
	g_clear_pointer(&row->output, g_bytes_unref);
	g_free(row);
}

/* @blob: paths each ended by a NUL (a path cannot contain one). */
static GPtrArray *
split_paths(const char *blob, size_t len)
{
	GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
	const char *end = blob != NULL ? blob + len : NULL;

	for (const char *p = blob; p != NULL && p < end;) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));

		if (nul == NULL)
			break;
		g_ptr_array_add(paths, g_strndup(p, (size_t)(nul - p)));
		p = nul + 1;
	}
	return paths;
}

static void *
memo_from_row(sqlite3_stmt *s)
{
	ImgoptMemoRow *row = g_new0(ImgoptMemoRow, 1);

	column_hash(s, 0, &row->state);
	row->watched = split_paths(sqlite3_column_blob(s, 1),
				   (size_t)sqlite3_column_bytes(s, 1));
	row->output = g_bytes_new(sqlite3_column_blob(s, 2),
				  (gsize)sqlite3_column_bytes(s, 2));
	row->stored_us = sqlite3_column_int64(s, 3);
	return row;
}

bool
imgopt_manifest_get_memo(ImgoptManifest *manifest, const char *command,
			 ImgoptMemoRow **row_out, GError **error)
{
	sqlite3_stmt *s = stmt(manifest,
			       "SELECT state, watched, output, stored_us "
			       "FROM memos WHERE command = ?",
			       error);
	FirstRow row = {NULL, memo_from_row};

	*row_out = NULL;
	if (s != NULL)
		bind_text(s, 1, command);
	if (!read_rows(manifest, s, keep_first, &row, "get memo", error)) {
		imgopt_memo_row_free(row.first);
		return false;
	}
	*row_out = row.first;
	return true;
}

bool
imgopt_manifest_put_memo(ImgoptManifest *manifest, const char *command,
			 const ImgoptHash *state, const GPtrArray *watched,
			 GBytes *output, GError **error)
{
	g_autoptr(GByteArray) blob = g_byte_array_new();
	sqlite3_stmt *s = NULL;
	gsize n = 0;
	const void *data = output != NULL ? g_bytes_get_data(output, &n) : NULL;

	if (!require_transaction(manifest, error))
		return false;
	s = state != NULL ? stmt(manifest,
				 "INSERT OR REPLACE INTO memos(command, state, "
				 "watched, output, stored_us) "
				 "VALUES (?, ?, ?, ?, ?)",
				 error)
			  : stmt(manifest,
				 "DELETE FROM memos WHERE command = ?", error);

	if (s == NULL)
		return false;
	bind_text(s, 1, command);
	if (state != NULL) {
		for (guint i = 0; watched != NULL && i < watched->len; i++) {
			const char *p = g_ptr_array_index(watched, i);

			g_byte_array_append(blob, (const guint8 *)p,
					    (guint)strlen(p) + 1);
		}
		bind_hash(s, 2, state);
		/* No watched path: an empty blob, not NULL (a NULL pointer
		 * binds SQL NULL, which the column refuses). */
		sqlite3_bind_blob(s, 3, blob->len > 0 ? (void *)blob->data : "",
				  (int)blob->len, SQLITE_TRANSIENT);
		sqlite3_bind_blob(s, 4, data != NULL ? data : "", (int)n,
				  SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 5, g_get_real_time());
	}
	return step_done(manifest, s, "put memo", error);
}

static void
stamp_from_row(sqlite3_stmt *s, void *out)
{
	ImgoptManifestStamp *st = out;

	st->runs = sqlite3_column_int64(s, 0);
	st->ended = sqlite3_column_int64(s, 1);
	st->last_run = sqlite3_column_int64(s, 2);
	st->undone = sqlite3_column_int64(s, 3);
}

bool
imgopt_manifest_get_stamp(ImgoptManifest *manifest,
			  ImgoptManifestStamp *stamp_out, GError **error)
{
	sqlite3_stmt *s = stmt(manifest,
			       "SELECT count(*), count(ended_us), "
			       "ifnull(max(id), 0), "
			       "(SELECT count(*) FROM undone) FROM runs",
			       error);

	memset(stamp_out, 0, sizeof *stamp_out);
	return read_rows(manifest, s, stamp_from_row, stamp_out, "get stamp",
			 error);
}

/* ---- references ---- */

void
imgopt_post_record_free(ImgoptPostRecord *record)
{
	if (record == NULL)
		return;
	g_free(record->digest);
	g_free(record->context);
	g_free(record);
}

bool
imgopt_manifest_put_post(ImgoptManifest *manifest, const char *post,
			 const ImgoptPostRecord *record, GError **error)
{
	sqlite3_stmt *s = NULL;

	if (!require_transaction(manifest, error))
		return false;
	s = record != NULL
		    ? stmt(manifest,
			   "INSERT OR REPLACE INTO post_digests(post, "
			   "digest, size, mtime_ns, inode, context) "
			   "VALUES (?, ?, ?, ?, ?, ?)",
			   error)
		    : stmt(manifest, "DELETE FROM post_digests WHERE post = ?",
			   error);
	if (s == NULL)
		return false;
	bind_text(s, 1, post);
	if (record != NULL) {
		bind_text(s, 2, record->digest);
		sqlite3_bind_int64(s, 3, (sqlite3_int64)record->size);
		sqlite3_bind_int64(s, 4, record->mtime_ns);
		sqlite3_bind_int64(s, 5, (sqlite3_int64)record->inode);
		bind_text(s, 6, record->context != NULL ? record->context : "");
	}
	return step_done(manifest, s, "put post", error);
}

static ImgoptPostRecord *
post_record_from_row(sqlite3_stmt *s)
{
	ImgoptPostRecord *r = g_new0(ImgoptPostRecord, 1);

	r->digest = column_dup(s, 1);
	r->size = (uint64_t)sqlite3_column_int64(s, 2);
	r->mtime_ns = sqlite3_column_int64(s, 3);
	r->inode = (uint64_t)sqlite3_column_int64(s, 4);
	r->context = column_dup(s, 5);
	return r;
}

static void
add_post_record(sqlite3_stmt *s, void *table)
{
	g_hash_table_replace(table, column_dup(s, 0), post_record_from_row(s));
}

GHashTable *
imgopt_manifest_load_posts(ImgoptManifest *manifest, GError **error)
{
	g_autoptr(GHashTable) table =
		g_hash_table_new_full(imgopt_str_hash, g_str_equal, g_free,
				      (GDestroyNotify)imgopt_post_record_free);
	sqlite3_stmt *s = stmt(manifest,
			       "SELECT post, digest, size, mtime_ns, inode, "
			       "context FROM post_digests",
			       error);

	if (!read_rows(manifest, s, add_post_record, table, "load posts",
		       error))
		return NULL;
	return g_steal_pointer(&table);
}

static const char put_ref_sql[] =
	"INSERT INTO refs(post, seq, offset, length, line, col, kind, raw, "
	"url, resolved, status, message) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)";

static bool
put_ref(ImgoptManifest *m, const ImgoptRef *ref, int seq, GError **error)
{
	sqlite3_stmt *s = stmt(m, put_ref_sql, error);
	const char *raw = ref->raw != NULL ? ref->raw : "";

	if (s == NULL)
		return false;
	bind_text(s, 1, ref->post);
	sqlite3_bind_int(s, 2, seq);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)ref->offset);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)ref->length);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)ref->line);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)ref->column);
	bind_text(s, 7, imgopt_ref_kind_name(ref->kind));
	bind_text(s, 8, raw);
	if (ref->url != NULL && strcmp(ref->url, raw) == 0)
		sqlite3_bind_blob(s, 9, "", 0, SQLITE_STATIC); /* as raw */
	else
		bind_text(s, 9, ref->url);
	bind_text(s, 10, ref->resolved);
	bind_text(s, 11, imgopt_ref_status_name(ref->status));
	bind_text(s, 12, ref->message);
	return step_done(m, s, "put reference", error);
}

bool
imgopt_manifest_replace_refs(ImgoptManifest *manifest, const char *post,
			     const GPtrArray *refs, GError **error)
{
	sqlite3_stmt *s =
		write_stmt(manifest, "DELETE FROM refs WHERE post = ?", error);

	if (s == NULL)
		return false;
	bind_text(s, 1, post);
	if (!step_done(manifest, s, "delete references", error))
		return false;
	for (guint i = 0; i < refs->len; i++) {
		const ImgoptRef *ref = g_ptr_array_index(refs, i);

		g_return_val_if_fail(g_strcmp0(ref->post, post) == 0, false);
		if (!put_ref(manifest, ref, (int)i, error))
			return false;
	}
	return true;
}

static int
enum_from_name(const char *name, int last, const char *(*namer)(int))
{
	for (int v = 0; v <= last; v++)
		if (g_strcmp0(name, namer(v)) == 0)
			return v;
	return 0;
}

static const char *
kind_namer(int v)
{
	return imgopt_ref_kind_name((ImgoptRefKind)v);
}

static const char *
status_namer(int v)
{
	return imgopt_ref_status_name((ImgoptRefStatus)v);
}

static void *
ref_from_row(sqlite3_stmt *s)
{
	ImgoptRef *ref = imgopt_ref_new();

	ref->post = column_dup(s, 0);
	ref->offset = (gsize)sqlite3_column_int64(s, 1);
	ref->length = (gsize)sqlite3_column_int64(s, 2);
	ref->line = (gsize)sqlite3_column_int64(s, 3);
	ref->column = (gsize)sqlite3_column_int64(s, 4);
	ref->kind = enum_from_name((const char *)sqlite3_column_text(s, 5),
				   IMGOPT_REF_SHORTCODE, kind_namer);
	ref->raw = column_dup(s, 6);
	/* Not a column: a destination broken across lines holds a newline. */
	ref->is_multiline = ref->raw != NULL && strchr(ref->raw, '\n') != NULL;
	/* An empty blob: the url is the raw text (put_ref()). */
	ref->url = sqlite3_column_type(s, 7) == SQLITE_BLOB ? g_strdup(ref->raw)
							    : column_dup(s, 7);
	ref->resolved = column_dup(s, 8);
	ref->status =
		enum_from_name((const char *)sqlite3_column_text(s, 9),
			       IMGOPT_REF_STATUS_EXPRESSION, status_namer);
	ref->message = column_dup(s, 10);
	return ref;
}

GPtrArray *
imgopt_manifest_lookup_refs(ImgoptManifest *manifest, const char *post,
			    GError **error)
{
	g_autoptr(GPtrArray) refs =
		g_ptr_array_new_with_free_func((GDestroyNotify)imgopt_ref_free);
	sqlite3_stmt *s =
		stmt(manifest,
		     "SELECT post, offset, length, line, col, kind, raw, url, "
		     "resolved, status, message FROM refs WHERE post = ? "
		     "ORDER BY offset, seq",
		     error);
	if (s != NULL)
		bind_text(s, 1, post);
	return read_list(manifest, s, ref_from_row, g_steal_pointer(&refs),
			 "lookup references", error);
}

/* Orders references by offset (a GCompareFunc for g_ptr_array_sort(),
 * which is stable). */
static int
ref_offset_cmp(gconstpointer a, gconstpointer b)
{
	const ImgoptRef *x = *(ImgoptRef *const *)a;
	const ImgoptRef *y = *(ImgoptRef *const *)b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Every post's references, filled row by row. */
typedef struct {
	GHashTable *table; /* post → GPtrArray of ImgoptRef */
	GPtrArray *list;   /* the current post's */
} RefGroups;

/* Rows come grouped by post: a new post starts a new list. */
static void
add_grouped_ref(sqlite3_stmt *s, void *data)
{
	RefGroups *g = data;
	ImgoptRef *ref = ref_from_row(s);

	if (g->list == NULL ||
	    g_strcmp0(ref->post, ((ImgoptRef *)g->list->pdata[0])->post) != 0) {
		g->list = g_ptr_array_new_with_free_func(
			(GDestroyNotify)imgopt_ref_free);
		g_hash_table_replace(g->table, g_strdup(ref->post), g->list);
	}
	g_ptr_array_add(g->list, ref);
}

GHashTable *
imgopt_manifest_load_all_refs(ImgoptManifest *manifest, GError **error)
{
	g_autoptr(GHashTable) table =
		g_hash_table_new_full(imgopt_str_hash, g_str_equal, g_free,
				      (GDestroyNotify)g_ptr_array_unref);
	sqlite3_stmt *s = stmt(manifest,
			       "SELECT post, offset, length, line, col, kind, "
			       "raw, url, resolved, status, message FROM refs "
			       "ORDER BY post, seq",
			       error);
	RefGroups groups = {table, NULL};
	GHashTableIter iter;
	gpointer value;

	/* Rows come in the primary key's order (no temporary B-tree, which
	 * was most of the time of an unchanged dupes re-run's load); each
	 * post's list is then sorted by offset, stably: offset, then seq. */
	if (!read_rows(manifest, s, add_grouped_ref, &groups, "load references",
		       error))
		return NULL;
	g_hash_table_iter_init(&iter, table);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		g_ptr_array_sort(value, ref_offset_cmp);
	return g_steal_pointer(&table);
}

/* ---- variants ---- */

bool
imgopt_manifest_put_variant(ImgoptManifest *manifest,
			    const ImgoptVariant *variant, GError **error)
{
	sqlite3_stmt *s = write_stmt(
		manifest,
		"INSERT OR REPLACE INTO variants(hash, settings, width, "
		"height, format, path, bytes, frames) VALUES (?,?,?,?,?,?,?,?)",
		error);

	if (s == NULL)
		return false;
	bind_hash(s, 1, &variant->hash);
	bind_text(s, 2, variant->settings != NULL ? variant->settings : "");
	sqlite3_bind_int64(s, 3, variant->width);
	sqlite3_bind_int64(s, 4, variant->height);
	bind_text(s, 5, imgopt_format_name(variant->format));
	bind_text(s, 6, variant->path != NULL ? variant->path : "");
	sqlite3_bind_int64(s, 7, (sqlite3_int64)variant->bytes);
	sqlite3_bind_int64(s, 8, variant->n_frames);
	return step_done(manifest, s, "put variant", error);
}

static void *
variant_from_row(sqlite3_stmt *s)
{
	ImgoptVariant *v = imgopt_variant_new();

	column_hash(s, 0, &v->hash);
	v->settings = column_dup(s, 1);
	v->width = (uint32_t)sqlite3_column_int64(s, 2);
	v->height = (uint32_t)sqlite3_column_int64(s, 3);
	v->format = format_from_name((const char *)sqlite3_column_text(s, 4));
	v->path = column_dup(s, 5);
	v->bytes = (uint64_t)sqlite3_column_int64(s, 6);
	v->n_frames = (uint32_t)sqlite3_column_int64(s, 7);
	return v;
}

GPtrArray *
imgopt_manifest_lookup_variants(ImgoptManifest *manifest,
				const ImgoptHash *hash, const char *settings,
				GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_variant_free);
	sqlite3_stmt *s = stmt(
		manifest,
		"SELECT hash, settings, width, height, format, path, bytes, "
		"frames FROM variants WHERE hash = ?1 AND settings = ?2 "
		"UNION ALL SELECT hash, settings, width, height, format, path, "
		"bytes, frames FROM variant_copies WHERE hash = ?1 AND "
		"settings = ?2 ORDER BY format, width, path",
		error);
	if (s != NULL) {
		bind_hash(s, 1, hash);
		bind_text(s, 2, settings != NULL ? settings : "");
	}
	return read_list(manifest, s, variant_from_row, g_steal_pointer(&out),
			 "lookup variants", error);
}

GPtrArray *
imgopt_manifest_load_variants(ImgoptManifest *manifest, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_variant_free);
	sqlite3_stmt *s =
		stmt(manifest,
		     "SELECT hash, settings, width, height, format, path, "
		     "bytes, frames FROM variants UNION ALL "
		     "SELECT hash, settings, width, height, format, path, "
		     "bytes, frames FROM variant_copies "
		     "ORDER BY hash, settings, format, width, path",
		     error);
	return read_list(manifest, s, variant_from_row, g_steal_pointer(&out),
			 "load variants", error);
}

bool
imgopt_manifest_put_request(ImgoptManifest *manifest, const ImgoptHash *hash,
			    const char *settings,
			    const ImgoptVariantRequest *request, GError **error)
{
	sqlite3_stmt *s = write_stmt(
		manifest,
		"INSERT OR REPLACE INTO variant_requests(hash, settings, "
		"width, extras) VALUES (?,?,?,?)",
		error);

	if (s == NULL)
		return false;
	bind_hash(s, 1, hash);
	bind_text(s, 2, settings != NULL ? settings : "");
	sqlite3_bind_int64(s, 3, request->width);
	sqlite3_bind_int(s, 4, request->with_extras ? 1 : 0);
	return step_done(manifest, s, "put variant request", error);
}

bool
imgopt_manifest_forget_variants(ImgoptManifest *manifest,
				const ImgoptHash *hash, const char *settings,
				const GPtrArray *paths, GError **error)
{
	sqlite3_stmt *s = write_stmt(
		manifest,
		"DELETE FROM variant_requests WHERE hash = ? AND settings = ?",
		error);

	if (s == NULL)
		return false;
	bind_hash(s, 1, hash);
	bind_text(s, 2, settings != NULL ? settings : "");
	if (!step_done(manifest, s, "forget variant requests", error))
		return false;
	return imgopt_manifest_delete_variants(manifest, paths, error);
}

bool
imgopt_manifest_delete_variants(ImgoptManifest *manifest,
				const GPtrArray *paths, GError **error)
{
	sqlite3_stmt *s = NULL;

	static const char *const sql[] = {
		"DELETE FROM variants WHERE path = ?",
		"DELETE FROM variant_copies WHERE path = ?",
	};

	for (guint i = 0; i < paths->len; i++)
		for (gsize k = 0; k < G_N_ELEMENTS(sql); k++) {
			s = write_stmt(manifest, sql[k], error);
			if (s == NULL)
				return false;
			bind_text(s, 1, g_ptr_array_index(paths, i));
			if (!step_done(manifest, s, "forget variant", error))
				return false;
		}
	return true;
}

bool
imgopt_manifest_put_variant_copy(ImgoptManifest *manifest,
				 const ImgoptVariant *variant, GError **error)
{
	sqlite3_stmt *s = write_stmt(
		manifest,
		"INSERT OR REPLACE INTO variant_copies(path, hash, settings, "
		"width, height, format, bytes, frames) VALUES "
		"(?,?,?,?,?,?,?,?)",
		error);

	if (s == NULL)
		return false;
	bind_text(s, 1, variant->path);
	bind_hash(s, 2, &variant->hash);
	bind_text(s, 3, variant->settings != NULL ? variant->settings : "");
	sqlite3_bind_int64(s, 4, variant->width);
	sqlite3_bind_int64(s, 5, variant->height);
	bind_text(s, 6, imgopt_format_name(variant->format));
	sqlite3_bind_int64(s, 7, (sqlite3_int64)variant->bytes);
	sqlite3_bind_int64(s, 8, variant->n_frames);
	return step_done(manifest, s, "put variant copy", error);
}

static void
request_row(sqlite3_stmt *s, void *data)
{
	ImgoptVariantRequest rq = {
		(uint32_t)sqlite3_column_int64(s, 0),
		sqlite3_column_int(s, 1) != 0,
	};

	g_array_append_val((GArray *)data, rq);
}

GArray *
imgopt_manifest_lookup_requests(ImgoptManifest *manifest,
				const ImgoptHash *hash, const char *settings,
				GError **error)
{
	g_autoptr(GArray) out =
		g_array_new(FALSE, FALSE, sizeof(ImgoptVariantRequest));
	sqlite3_stmt *s = stmt(manifest,
			       "SELECT width, extras FROM variant_requests "
			       "WHERE hash = ? AND settings = ? "
			       "ORDER BY width, extras",
			       error);

	if (s == NULL)
		return NULL;
	bind_hash(s, 1, hash);
	bind_text(s, 2, settings != NULL ? settings : "");
	if (!read_rows(manifest, s, request_row, out, "lookup requests", error))
		return NULL;
	return g_steal_pointer(&out);
}

static void *
first_column(sqlite3_stmt *s)
{
	return column_dup(s, 0);
}

GPtrArray *
imgopt_manifest_lookup_resolved_under(ImgoptManifest *manifest, const char *dir,
				      GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	/* A range on the refs_by_resolved index: every path starting with
	 * "dir/" sorts between "dir/" and "dir0" ('0' follows '/'). */
	sqlite3_stmt *s = stmt(manifest,
			       "SELECT DISTINCT resolved FROM refs "
			       "WHERE resolved >= ?1 || '/' "
			       "AND resolved < ?1 || '0' "
			       "AND status IN ('ok', 'repaired') "
			       "ORDER BY resolved",
			       error);

	if (s != NULL)
		bind_text(s, 1, dir);
	return read_list(manifest, s, first_column, g_steal_pointer(&out),
			 "lookup resolved files", error);
}

/* ---- rewrites ---- */

void
imgopt_rewrite_record_free(ImgoptRewrite *rewrite)
{
	if (rewrite == NULL)
		return;
	g_free(rewrite->post);
	g_free(rewrite->edits);
	g_free(rewrite);
}

bool
imgopt_manifest_put_rewrite(ImgoptManifest *manifest,
			    const ImgoptRewrite *rewrite, GError **error)
{
	sqlite3_stmt *s = write_stmt(
		manifest,
		"INSERT INTO rewrites(run_id, post, hash_before, hash_after, "
		"edits) VALUES (?,?,?,?,?)",
		error);

	if (s == NULL)
		return false;
	sqlite3_bind_int64(s, 1, rewrite->run_id);
	bind_text(s, 2, rewrite->post);
	bind_hash(s, 3, &rewrite->before);
	bind_hash(s, 4, &rewrite->after);
	bind_text(s, 5, rewrite->edits != NULL ? rewrite->edits : "");
	return step_done(manifest, s, "put rewrite", error);
}

static void *
rewrite_from_row(sqlite3_stmt *s)
{
	ImgoptRewrite *r = g_new0(ImgoptRewrite, 1);

	r->run_id = sqlite3_column_int64(s, 0);
	r->post = column_dup(s, 1);
	column_hash(s, 2, &r->before);
	column_hash(s, 3, &r->after);
	r->edits = column_dup(s, 4);
	return r;
}

GPtrArray *
imgopt_manifest_lookup_rewrites(ImgoptManifest *manifest, int64_t run_id,
				GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_rewrite_record_free);
	sqlite3_stmt *s = stmt(
		manifest,
		"SELECT run_id, post, hash_before, hash_after, edits "
		"FROM rewrites WHERE run_id = CASE WHEN ?1 > 0 THEN ?1 ELSE "
		"(SELECT max(run_id) FROM rewrites) END ORDER BY post, id",
		error);
	if (s != NULL)
		sqlite3_bind_int64(s, 1, run_id);
	return read_list(manifest, s, rewrite_from_row, g_steal_pointer(&out),
			 "lookup rewrites", error);
}

void
imgopt_run_record_free(ImgoptRunRecord *record)
{
	if (record == NULL)
		return;
	g_free(record->command);
	g_free(record->status);
	g_free(record);
}

bool
imgopt_run_record_is_finished(const ImgoptRunRecord *record)
{
	return g_strcmp0(record->status, "running") != 0;
}

/* The runs of some commands. */
typedef struct {
	GPtrArray *out;              /* ImgoptRunRecord */
	const char *const *commands; /* the commands wanted */
} RunRows;

static void
add_run(sqlite3_stmt *s, void *data)
{
	RunRows *rows = data;
	const char *cmd = (const char *)sqlite3_column_text(s, 1);

	if (cmd == NULL || !g_strv_contains(rows->commands, cmd))
		return;
	ImgoptRunRecord *r = g_new0(ImgoptRunRecord, 1);
	r->id = sqlite3_column_int64(s, 0);
	r->command = column_dup(s, 1);
	r->status = column_dup(s, 2);
	r->n_rewrites = (guint)sqlite3_column_int64(s, 3);
	r->is_undone = sqlite3_column_int(s, 4) != 0;
	g_ptr_array_add(rows->out, r);
}

GPtrArray *
imgopt_manifest_list_runs(ImgoptManifest *manifest, const char *const *commands,
			  GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_run_record_free);
	sqlite3_stmt *s = stmt(manifest,
			       "SELECT id, command, status, (SELECT count(*) "
			       "FROM rewrites WHERE run_id = runs.id), "
			       "EXISTS (SELECT 1 FROM undone WHERE "
			       "undone.run_id = runs.id) "
			       "FROM runs ORDER BY id DESC",
			       error);
	RunRows rows = {out, commands};

	if (!read_rows(manifest, s, add_run, &rows, "list runs", error))
		return NULL;
	return g_steal_pointer(&out);
}

bool
imgopt_manifest_put_undone(ImgoptManifest *manifest, int64_t run_id,
			   int64_t undo_run_id, GError **error)
{
	sqlite3_stmt *s = write_stmt(manifest,
				     "INSERT OR REPLACE INTO undone(run_id, "
				     "undo_run_id) VALUES (?, ?)",
				     error);

	if (s == NULL)
		return false;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int64(s, 2, undo_run_id);
	return step_done(manifest, s, "record undone run", error);
}

/* ---- dump ---- */

/* One section of the dump: a title and a query whose columns are printed
 * tab-separated, text escaped so every row stays on one line. */
typedef struct {
	const char *title;     /* "[files]" */
	const char *sql;       /* sorted query */
	bool is_run_dependent; /* left out unless with_runs */
} DumpSection;

static const DumpSection dump_sections[] = {
	{"[files]",
	 "SELECT path, size, coalesce(hash, '-'), format, "
	 "width || 'x' || height, "
	 "frames FROM files ORDER BY path",
	 false},
	{"[variants]",
	 "SELECT hash, settings, format, width || 'x' || height, "
	 "frames, path, bytes FROM variants "
	 "ORDER BY hash, settings, format, width",
	 false},
	{"[refs]",
	 "SELECT post, offset, length, kind, status, "
	 "coalesce(resolved, '-'), raw FROM refs ORDER BY post, seq",
	 false},
	{"[rewrites]",
	 "SELECT post, hash_before, hash_after, edits FROM "
	 "rewrites ORDER BY post, id",
	 false},
	{"[runs]", "SELECT id, command, status FROM runs ORDER BY id", true},
};

static void
dump_row(sqlite3_stmt *s, void *out)
{
	int n = sqlite3_column_count(s);

	for (int i = 0; i < n; i++) {
		const char *v = (const char *)sqlite3_column_text(s, i);
		g_autofree char *esc = g_strescape(v ? v : "", NULL);

		g_string_append_printf(out, "%s%s", i ? "\t" : "", esc);
	}
	g_string_append_c(out, '\n');
}

static bool
dump_section(ImgoptManifest *m, const DumpSection *sec, GString *out,
	     GError **error)
{
	sqlite3_stmt *s = stmt(m, sec->sql, error);

	if (s == NULL)
		return false;
	g_string_append_printf(out, "%s\n", sec->title);
	return read_rows(m, s, dump_row, out, "dump", error);
}

char *
imgopt_manifest_dump(ImgoptManifest *manifest, bool with_runs, GError **error)
{
	g_autoptr(GString) out = g_string_new(NULL);

	g_string_append_printf(out, "# imgopt manifest, schema %d\n",
			       imgopt_manifest_schema_version(manifest));
	for (size_t i = 0; i < G_N_ELEMENTS(dump_sections); i++) {
		if (dump_sections[i].is_run_dependent && !with_runs)
			continue;
		if (!dump_section(manifest, &dump_sections[i], out, error))
			return NULL;
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* ---- trash (schema 3): prune's moves, see prune.h ---- */

static const char *const trash_state_names[] = {
	"planned", "trashed", "deleted", "restored", "cancelled", "purged",
};

const char *
imgopt_trash_state_name(ImgoptTrashState state)
{
	g_return_val_if_fail(state <= IMGOPT_TRASH_PURGED, "planned");
	return trash_state_names[state];
}

static ImgoptTrashState
trash_state_from_name(const char *name)
{
	for (guint i = 0; i < G_N_ELEMENTS(trash_state_names); i++)
		if (g_strcmp0(name, trash_state_names[i]) == 0)
			return (ImgoptTrashState)i;
	return IMGOPT_TRASH_PLANNED;
}

void
imgopt_trash_entry_free(ImgoptTrashEntry *entry)
{
	if (entry == NULL)
		return;
	g_free(entry->path);
	g_free(entry->trash_path);
	g_free(entry->keep);
	g_free(entry);
}

bool
imgopt_manifest_put_trash(ImgoptManifest *manifest, ImgoptTrashEntry *entry,
			  GError **error)
{
	sqlite3_stmt *s = write_stmt(
		manifest,
		"INSERT INTO trash(run_id, path, trash_path, keep, hash, "
		"size, mtime_ns, state, changed_us) "
		"VALUES (?,?,?,?,?,?,?,?,?)",
		error);

	if (s == NULL)
		return false;
	entry->changed_us = g_get_real_time();
	sqlite3_bind_int64(s, 1, entry->run_id);
	bind_text(s, 2, entry->path);
	bind_text(s, 3, entry->trash_path);
	bind_text(s, 4, entry->keep);
	bind_hash(s, 5, &entry->hash);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)entry->size);
	sqlite3_bind_int64(s, 7, entry->mtime_ns);
	bind_text(s, 8, imgopt_trash_state_name(entry->state));
	sqlite3_bind_int64(s, 9, entry->changed_us);
	if (!step_done(manifest, s, "put trash", error))
		return false;
	entry->id = sqlite3_last_insert_rowid(manifest->db);
	return true;
}

bool
imgopt_manifest_set_trash_state(ImgoptManifest *manifest, int64_t id,
				ImgoptTrashState state, GError **error)
{
	sqlite3_stmt *s = write_stmt(
		manifest,
		"UPDATE trash SET state = ?, changed_us = ? WHERE id = ?",
		error);

	if (s == NULL)
		return false;
	bind_text(s, 1, imgopt_trash_state_name(state));
	sqlite3_bind_int64(s, 2, g_get_real_time());
	sqlite3_bind_int64(s, 3, id);
	return step_done(manifest, s, "set trash state", error);
}

static void *
trash_from_row(sqlite3_stmt *s)
{
	ImgoptTrashEntry *e = g_new0(ImgoptTrashEntry, 1);

	e->id = sqlite3_column_int64(s, 0);
	e->run_id = sqlite3_column_int64(s, 1);
	e->path = column_dup(s, 2);
	e->trash_path = column_dup(s, 3);
	e->keep = column_dup(s, 4);
	column_hash(s, 5, &e->hash);
	e->size = (uint64_t)sqlite3_column_int64(s, 6);
	e->mtime_ns = sqlite3_column_int64(s, 7);
	e->state =
		trash_state_from_name((const char *)sqlite3_column_text(s, 8));
	e->changed_us = sqlite3_column_int64(s, 9);
	return e;
}

GPtrArray *
imgopt_manifest_lookup_trash(ImgoptManifest *manifest, int64_t run_id,
			     GError **error)
{
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_trash_entry_free);
	sqlite3_stmt *s =
		stmt(manifest,
		     "SELECT id, run_id, path, trash_path, keep, hash, size, "
		     "mtime_ns, state, changed_us FROM trash "
		     "WHERE ?1 = 0 OR run_id = ?1 ORDER BY run_id, path, id",
		     error);
	if (s != NULL)
		sqlite3_bind_int64(s, 1, run_id);
	return read_list(manifest, s, trash_from_row, g_steal_pointer(&rows),
			 "lookup trash", error);
}

GHashTable *
imgopt_manifest_load_variant_sources(ImgoptManifest *manifest, GError **error)
{
	return read_pairs(manifest,
			  "SELECT path, hash FROM variants UNION ALL "
			  "SELECT path, hash FROM variant_copies",
			  "load variant sources", error);
}
