/*
 * test_manifest.c: the manifest's schema and migrations, round trips of
 * every table, transaction rules, and the canonical dump (golden).
 */
#include "imgopt/imgopt.h"

#include <string.h>

#include <glib/gstdio.h>

#include "testutil.h"

static ImgoptManifest *
open_or_fail(const char *path)
{
	g_autoptr(GError) error = NULL;
	ImgoptManifest *m = imgopt_manifest_open(path, &error);

	g_assert_no_error(error);
	g_assert_nonnull(m);
	return m;
}

static ImgoptAsset *
sample_asset(const char *path, uint8_t fill)
{
	ImgoptAsset *a = imgopt_asset_new(path);

	a->size = 1234;
	a->mtime_ns = G_GINT64_CONSTANT(1594684800123456789);
	a->inode = 42;
	a->device = 7;
	memset(a->hash.bytes, fill, sizeof a->hash.bytes);
	a->hash.bytes[0] = 0xAB;
	a->has_hash = true;
	a->format = IMGOPT_FORMAT_GIF;
	a->width = 1080;
	a->height = 720;
	a->n_frames = 12;
	return a;
}

static void
begin(ImgoptManifest *m)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(imgopt_manifest_begin(m, &error));
	g_assert_no_error(error);
}

static void
commit(ImgoptManifest *m)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(imgopt_manifest_commit(m, &error));
	g_assert_no_error(error);
}

static void
test_schema_created(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path =
		g_build_filename(dir, "sub", ".imgopt", "manifest.db", NULL);
	g_autofree char *wal = g_strconcat(path, "-wal", NULL);
	g_autoptr(ImgoptManifest) m = open_or_fail(path);
	g_autoptr(GError) error = NULL;
	g_autofree char *dump = imgopt_manifest_dump(m, true, &error);

	g_assert_no_error(error);
	g_assert_cmpint(imgopt_manifest_schema_version(m), ==,
			IMGOPT_MANIFEST_SCHEMA_VERSION);
	/* Every table of DESIGN.md is there (empty). */
	g_assert_nonnull(strstr(dump, "[files]\n[variants]\n[refs]\n"
				      "[rewrites]\n[runs]\n"));
	/* WAL journal: the log file exists while the database is open. */
	g_assert_true(g_file_test(wal, G_FILE_TEST_EXISTS));
	g_clear_pointer(&m, imgopt_manifest_close);
	tu_rmtree(dir);
}

static void
test_reopen_keeps_data(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "m.db", NULL);
	g_autoptr(ImgoptAsset) a = sample_asset("postimg/a.gif", 0x11);
	g_autoptr(ImgoptAsset) back = NULL;
	g_autoptr(GError) error = NULL;
	ImgoptManifest *m = open_or_fail(path);

	begin(m);
	g_assert_true(imgopt_manifest_put_file(m, a, &error));
	commit(m);
	imgopt_manifest_close(m);
	/* Opening again applies no migration and loses nothing. */
	m = open_or_fail(path);
	g_assert_cmpint(imgopt_manifest_schema_version(m), ==,
			IMGOPT_MANIFEST_SCHEMA_VERSION);
	g_assert_true(
		imgopt_manifest_lookup_file(m, "postimg/a.gif", &back, &error));
	g_assert_nonnull(back);
	g_assert_cmpuint(back->size, ==, 1234);
	imgopt_manifest_close(m);
	tu_rmtree(dir);
}

/* Sets PRAGMA user_version by patching the database header (big-endian
 * at byte 60), as a newer imgopt would have left it. */
static void
patch_user_version(const char *path, uint32_t version)
{
	gsize len = 0;
	g_autofree char *bytes = tu_read(path, &len);
	g_autoptr(GError) error = NULL;

	g_assert_cmpuint(len, >, 100);
	bytes[60] = (char)(version >> 24);
	bytes[61] = (char)(version >> 16);
	bytes[62] = (char)(version >> 8);
	bytes[63] = (char)version;
	g_file_set_contents(path, bytes, (gssize)len, &error);
	g_assert_no_error(error);
}

static void
test_newer_schema_refused(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "m.db", NULL);
	g_autoptr(GError) error = NULL;
	ImgoptManifest *m = open_or_fail(path);

	imgopt_manifest_close(m); /* checkpoints the WAL into the file */
	patch_user_version(path, 99);
	m = imgopt_manifest_open(path, &error);
	g_assert_null(m);
	g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSUPPORTED);
	g_assert_nonnull(strstr(error->message, "99"));
	tu_rmtree(dir);
}

static void
test_older_schema_migrated(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "m.db", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) posts = NULL;
	ImgoptPostRecord rec = {(char *)"d1", 10, 20, 30, (char *)"ctx"};
	const ImgoptPostRecord *back = NULL;
	ImgoptManifest *m = open_or_fail(path);

	imgopt_manifest_close(m);
	/* As a schema-1 imgopt left it: step 2 runs again, idempotently. */
	patch_user_version(path, 1);
	m = open_or_fail(path);
	g_assert_cmpint(imgopt_manifest_schema_version(m), ==,
			IMGOPT_MANIFEST_SCHEMA_VERSION);
	begin(m);
	g_assert_true(imgopt_manifest_put_post(m, "p.md", &rec, &error));
	commit(m);
	posts = imgopt_manifest_load_posts(m, &error);
	back = g_hash_table_lookup(posts, "p.md");
	g_assert_cmpstr(back->digest, ==, "d1");
	g_assert_cmpuint(back->size, ==, 10);
	g_assert_cmpint(back->mtime_ns, ==, 20);
	g_assert_cmpuint(back->inode, ==, 30);
	g_assert_cmpstr(back->context, ==, "ctx");
	g_clear_pointer(&posts, g_hash_table_unref);
	begin(m);
	g_assert_true(imgopt_manifest_put_post(m, "p.md", NULL, &error));
	commit(m);
	posts = imgopt_manifest_load_posts(m, &error);
	g_assert_cmpuint(g_hash_table_size(posts), ==, 0);
	imgopt_manifest_close(m);
	tu_rmtree(dir);
}

static void
test_unhashed_file_row(void)
{
	g_autoptr(ImgoptManifest) m = open_or_fail(":memory:");
	g_autoptr(ImgoptAsset) a = sample_asset("big.gif", 0x21);
	g_autoptr(ImgoptAsset) back = NULL;
	g_autoptr(GError) error = NULL;

	a->has_hash = false;
	begin(m);
	g_assert_true(imgopt_manifest_put_file(m, a, &error));
	commit(m);
	g_assert_true(imgopt_manifest_lookup_file(m, "big.gif", &back, &error));
	g_assert_false(back->has_hash);
	g_assert_cmpuint(back->width, ==, 1080);
}

static void
test_file_roundtrip(void)
{
	g_autoptr(ImgoptManifest) m = open_or_fail(":memory:");
	g_autoptr(ImgoptAsset) a = sample_asset("postimg/x.jpeg", 0x22);
	g_autoptr(ImgoptAsset) back = NULL;
	g_autoptr(ImgoptAsset) none = NULL;
	g_autoptr(GHashTable) all = NULL;
	g_autoptr(GError) error = NULL;

	begin(m);
	g_assert_true(imgopt_manifest_put_file(m, a, &error));
	commit(m);
	g_assert_true(imgopt_manifest_lookup_file(m, "postimg/x.jpeg", &back,
						  &error));
	g_assert_nonnull(back);
	g_assert_cmpint(back->mtime_ns, ==, a->mtime_ns);
	g_assert_cmpuint(back->inode, ==, 42);
	g_assert_cmpuint(back->device, ==, 7);
	g_assert_true(imgopt_hash_equal(&back->hash, &a->hash));
	g_assert_cmpint(back->format, ==, IMGOPT_FORMAT_GIF);
	g_assert_cmpuint(back->width, ==, 1080);
	g_assert_cmpuint(back->n_frames, ==, 12);
	g_assert_true(imgopt_index_unchanged(back, a));
	g_assert_true(imgopt_manifest_lookup_file(m, "nope", &none, &error));
	g_assert_null(none);
	all = imgopt_manifest_load_files(m, &error);
	g_assert_cmpuint(g_hash_table_size(all), ==, 1);
	g_assert_nonnull(g_hash_table_lookup(all, "postimg/x.jpeg"));
}

static void
test_write_outside_transaction_refused(void)
{
	g_autoptr(ImgoptManifest) m = open_or_fail(":memory:");
	g_autoptr(ImgoptAsset) a = sample_asset("a", 1);
	g_autoptr(GError) error = NULL;

	g_assert_false(imgopt_manifest_put_file(m, a, &error));
	g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_MANIFEST);
}

static void
test_rollback_discards(void)
{
	g_autoptr(ImgoptManifest) m = open_or_fail(":memory:");
	g_autoptr(ImgoptAsset) a = sample_asset("a", 1);
	g_autoptr(ImgoptAsset) back = NULL;
	g_autoptr(GError) error = NULL;

	begin(m);
	g_assert_true(imgopt_manifest_put_file(m, a, &error));
	imgopt_manifest_rollback(m);
	g_assert_true(imgopt_manifest_lookup_file(m, "a", &back, &error));
	g_assert_null(back);
}

/* Whether a copy of @path's database file alone (not its write-ahead
 * log) holds the row "a". */
static bool
file_alone_has_a(const char *path, const char *dir)
{
	g_autofree char *copy = g_build_filename(dir, "copy.db", NULL);
	g_autofree char *data = NULL;
	g_autoptr(ImgoptManifest) m = NULL;
	g_autoptr(ImgoptAsset) back = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;

	g_assert_true(g_file_get_contents(path, &data, &len, &error));
	g_assert_true(g_file_set_contents(copy, data, (gssize)len, &error));
	m = open_or_fail(copy);
	g_assert_true(imgopt_manifest_lookup_file(m, "a", &back, &error));
	g_clear_pointer(&m, imgopt_manifest_close);
	g_assert_cmpint(g_unlink(copy), ==, 0);
	return back != NULL;
}

/* A committed row lives in the write-ahead log until a checkpoint copies
 * it into the database file. */
static void
test_checkpoint_copies_log(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "m.db", NULL);
	g_autoptr(ImgoptManifest) m = open_or_fail(path);
	g_autoptr(ImgoptAsset) a = sample_asset("a", 1);
	g_autoptr(GError) error = NULL;

	g_assert_false(file_alone_has_a(path, dir));
	begin(m);
	g_assert_true(imgopt_manifest_put_file(m, a, &error));
	imgopt_manifest_checkpoint(m); /* inside a transaction: nothing */
	commit(m);
	g_assert_false(file_alone_has_a(path, dir));
	imgopt_manifest_checkpoint(m);
	g_assert_true(file_alone_has_a(path, dir));
	g_clear_pointer(&m, imgopt_manifest_close);
	tu_rmtree(dir);
}

static void
test_confirmation_dropped_on_change(void)
{
	g_autoptr(ImgoptManifest) m = open_or_fail(":memory:");
	g_autoptr(ImgoptAsset) a = sample_asset("a", 1);
	g_autoptr(ImgoptAsset) b = sample_asset("b", 1);
	g_autoptr(GHashTable) tokens = NULL;
	g_autoptr(GError) error = NULL;

	begin(m);
	g_assert_true(imgopt_manifest_put_file(m, a, &error));
	g_assert_true(imgopt_manifest_put_file(m, b, &error));
	g_assert_true(imgopt_manifest_put_confirmation(m, "a", "a\n1", &error));
	g_assert_true(imgopt_manifest_put_confirmation(m, "b", "a\n1", &error));
	commit(m);
	begin(m);
	/* b's bytes changed: its confirmation goes; a gone: its too. */
	g_assert_true(imgopt_manifest_put_file(m, b, &error));
	g_assert_true(imgopt_manifest_delete_file(m, "a", &error));
	commit(m);
	tokens = imgopt_manifest_load_confirmations(m, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_hash_table_size(tokens), ==, 0);
}

static ImgoptRef *
sample_ref(const char *post, gsize offset, const char *raw)
{
	ImgoptRef *r = imgopt_ref_new();

	r->post = g_strdup(post);
	r->offset = offset;
	r->length = strlen(raw);
	r->line = 3;
	r->column = 5;
	r->kind = IMGOPT_REF_MARKDOWN;
	r->raw = g_strdup(raw);
	r->url = g_strdup(raw);
	r->status = IMGOPT_REF_STATUS_REPAIRED;
	r->resolved = g_strdup("postimg/x.jpeg");
	r->message = g_strdup("repaired by name");
	return r;
}

static void
test_refs_roundtrip(void)
{
	g_autoptr(ImgoptManifest) m = open_or_fail(":memory:");
	g_autoptr(GPtrArray) refs =
		g_ptr_array_new_with_free_func((GDestroyNotify)imgopt_ref_free);
	g_autoptr(GPtrArray) back = NULL;
	g_autoptr(GError) error = NULL;
	const ImgoptRef *r;

	g_ptr_array_add(refs, sample_ref("_posts/p.md", 90, "b\nc\\x.jpeg"));
	g_ptr_array_add(refs, sample_ref("_posts/p.md", 10, "a.jpeg"));
	begin(m);
	g_assert_true(
		imgopt_manifest_replace_refs(m, "_posts/p.md", refs, &error));
	/* Replacing drops the old rows of that post. */
	g_ptr_array_set_size(refs, 1);
	g_assert_true(
		imgopt_manifest_replace_refs(m, "_posts/p.md", refs, &error));
	commit(m);
	back = imgopt_manifest_lookup_refs(m, "_posts/p.md", &error);
	g_assert_cmpuint(back->len, ==, 1);
	r = g_ptr_array_index(back, 0);
	g_assert_cmpstr(r->raw, ==, "b\nc\\x.jpeg");
	g_assert_cmpuint(r->offset, ==, 90);
	g_assert_cmpint(r->status, ==, IMGOPT_REF_STATUS_REPAIRED);
	g_assert_cmpint(r->kind, ==, IMGOPT_REF_MARKDOWN);
	g_assert_cmpstr(r->resolved, ==, "postimg/x.jpeg");
	g_assert_cmpstr(r->message, ==, "repaired by name");
}

/* A reference of _posts/u.md with @raw and @url (nullable). */
static ImgoptRef *
ref_with_url(const char *raw, gsize offset, const char *url)
{
	ImgoptRef *r = sample_ref("_posts/u.md", offset, raw);

	g_free(r->url);
	r->url = g_strdup(url);
	return r;
}

/* Checks the url of each reference of _posts/u.md, in offset order. */
static void
assert_urls(const GPtrArray *refs, const char *const *urls, guint n)
{
	g_assert_cmpuint(refs->len, ==, n);
	for (guint i = 0; i < n; i++) {
		const ImgoptRef *r = g_ptr_array_index(refs, i);

		g_assert_cmpstr(r->url, ==, urls[i]);
	}
}

static void
test_ref_urls_roundtrip(void)
{
	g_autoptr(ImgoptManifest) m = open_or_fail(":memory:");
	g_autoptr(GPtrArray) refs =
		g_ptr_array_new_with_free_func((GDestroyNotify)imgopt_ref_free);
	g_autoptr(GPtrArray) back = NULL;
	g_autoptr(GHashTable) all = NULL;
	g_autoptr(GError) error = NULL;
	/* The url equal to raw is stored as a mark: none of the others may
	 * come back as raw, nor the mark as anything else. */
	static const char *const urls[] = {"a.jpeg", NULL, "", "../b.png", ""};

	g_ptr_array_add(refs, ref_with_url("a.jpeg", 1, urls[0]));
	g_ptr_array_add(refs, ref_with_url("a.jpeg", 2, urls[1]));
	g_ptr_array_add(refs, ref_with_url("a.jpeg", 3, urls[2]));
	g_ptr_array_add(refs, ref_with_url("b.png", 4, urls[3]));
	g_ptr_array_add(refs, ref_with_url("", 5, urls[4]));
	begin(m);
	g_assert_true(
		imgopt_manifest_replace_refs(m, "_posts/u.md", refs, &error));
	commit(m);
	back = imgopt_manifest_lookup_refs(m, "_posts/u.md", &error);
	g_assert_no_error(error);
	assert_urls(back, urls, G_N_ELEMENTS(urls));
	all = imgopt_manifest_load_all_refs(m, &error);
	g_assert_no_error(error);
	assert_urls(g_hash_table_lookup(all, "_posts/u.md"), urls,
		    G_N_ELEMENTS(urls));
}

/* Runs @sql on the database at @path with the sqlite3 shell; its
 * output. */
static char *
sqlite_shell(const char *path, const char *sql)
{
	const char *argv[] = {"sqlite3", path, sql, NULL};
	char *out = NULL;

	g_assert_cmpint(tu_run(argv, &out, NULL), ==, 0);
	return out;
}

static void
sqlite_exec(const char *path, const char *sql)
{
	g_free(sqlite_shell(path, sql));
}

/* refs and confirmations as schema 6 made them (its other tables are
 * those of 7). */
static const char schema6_tables[] =
	"DROP TABLE refs; DROP TABLE confirmations;"
	"CREATE TABLE refs (post TEXT NOT NULL, seq INTEGER NOT NULL,"
	"  offset INTEGER NOT NULL, length INTEGER NOT NULL,"
	"  line INTEGER NOT NULL, col INTEGER NOT NULL, kind TEXT NOT NULL,"
	"  raw TEXT NOT NULL, url TEXT, resolved TEXT, status TEXT NOT NULL,"
	"  message TEXT, PRIMARY KEY (post, seq));"
	"CREATE INDEX refs_by_resolved ON refs(resolved);"
	"CREATE TABLE confirmations ("
	"  path TEXT PRIMARY KEY REFERENCES files(path) ON DELETE CASCADE,"
	"  token TEXT NOT NULL);";

/* Rows as schema 6 wrote them: every url as text, the first a second
 * copy of raw. */
static const char schema6_rows[] =
	"INSERT INTO refs VALUES "
	"('_posts/u.md', 0, 1, 6, 3, 5, 'markdown', 'a.jpeg', 'a.jpeg',"
	"  'postimg/a.jpeg', 'ok', NULL),"
	"('_posts/u.md', 1, 2, 6, 3, 5, 'markdown', 'a.jpeg', NULL, NULL,"
	"  'broken', 'no url'),"
	"('_posts/u.md', 2, 3, 5, 3, 5, 'markdown', 'b.png', '../b.png',"
	"  NULL, 'broken', NULL);"
	"INSERT INTO files VALUES ('postimg/a.jpeg', 1, 2, 3, 4, NULL,"
	"  'jpeg', 5, 6, 1);"
	"INSERT INTO confirmations VALUES ('postimg/a.jpeg', 'tok');"
	"PRAGMA user_version = 6;";

/* The confirmation of schema6_rows is there, and still goes with its
 * file. */
static void
assert_confirmation_kept(ImgoptManifest *m)
{
	g_autoptr(GHashTable) tokens = NULL;
	g_autoptr(GError) error = NULL;

	tokens = imgopt_manifest_load_confirmations(m, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(g_hash_table_lookup(tokens, "postimg/a.jpeg"), ==,
			"tok");
	g_clear_pointer(&tokens, g_hash_table_unref);
	begin(m);
	g_assert_true(imgopt_manifest_delete_file(m, "postimg/a.jpeg", &error));
	commit(m);
	tokens = imgopt_manifest_load_confirmations(m, &error);
	g_assert_cmpuint(g_hash_table_size(tokens), ==, 0);
}

static void
test_schema6_migrated(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "m.db", NULL);
	g_autofree char *out = NULL;
	g_autoptr(GPtrArray) back = NULL;
	g_autoptr(GError) error = NULL;
	static const char *const urls[] = {"a.jpeg", NULL, "../b.png"};
	g_autofree char *shell = g_find_program_in_path("sqlite3");
	ImgoptManifest *m = NULL;

	if (shell == NULL) {
		g_test_skip("no sqlite3 shell");
		return;
	}
	m = open_or_fail(path);
	imgopt_manifest_close(m);
	sqlite_exec(path, schema6_tables);
	sqlite_exec(path, schema6_rows);
	m = open_or_fail(path);
	g_assert_cmpint(imgopt_manifest_schema_version(m), ==, 7);
	back = imgopt_manifest_lookup_refs(m, "_posts/u.md", &error);
	g_assert_no_error(error);
	assert_urls(back, urls, G_N_ELEMENTS(urls));
	g_assert_cmpstr(((ImgoptRef *)g_ptr_array_index(back, 0))->resolved, ==,
			"postimg/a.jpeg");
	g_assert_cmpstr(((ImgoptRef *)g_ptr_array_index(back, 1))->message, ==,
			"no url");
	assert_confirmation_kept(m);
	imgopt_manifest_close(m);
	/* The copy of raw became the mark; the other urls are untouched. */
	out = sqlite_shell(path, "SELECT group_concat(typeof(url)) FROM "
				 "(SELECT url FROM refs ORDER BY seq)");
	g_assert_cmpstr(out, ==, "blob,null,text\n");
	g_free(out);
	out = sqlite_shell(path, "SELECT group_concat(name) FROM (SELECT name "
				 "FROM sqlite_schema WHERE sql LIKE "
				 "'%WITHOUT ROWID' ORDER BY name)");
	g_assert_cmpstr(out, ==, "confirmations,refs\n");
	tu_rmtree(dir);
}

static void
test_variants_roundtrip(void)
{
	g_autoptr(ImgoptManifest) m = open_or_fail(":memory:");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) found = NULL;
	g_autoptr(GPtrArray) other = NULL;
	ImgoptVariant v = {{{0}},
			   (char *)"q80",
			   960,
			   540,
			   IMGOPT_FORMAT_WEBP,
			   (char *)"postimg/optimized/ab-960.webp",
			   5000,
			   1};
	const ImgoptVariant *got;

	memset(v.hash.bytes, 0x5A, sizeof v.hash.bytes);
	begin(m);
	g_assert_true(imgopt_manifest_put_variant(m, &v, &error));
	v.width = 480;
	v.path = (char *)"postimg/optimized/ab-480.webp";
	g_assert_true(imgopt_manifest_put_variant(m, &v, &error));
	commit(m);
	found = imgopt_manifest_lookup_variants(m, &v.hash, "q80", &error);
	g_assert_cmpuint(found->len, ==, 2);
	got = g_ptr_array_index(found, 0);
	g_assert_cmpuint(got->width, ==, 480);
	g_assert_cmpstr(got->settings, ==, "q80");
	g_assert_cmpint(got->format, ==, IMGOPT_FORMAT_WEBP);
	g_assert_cmpuint(got->bytes, ==, 5000);
	/* Other settings: not the same variants. */
	other = imgopt_manifest_lookup_variants(m, &v.hash, "q70", &error);
	g_assert_cmpuint(other->len, ==, 0);
}

static void
test_runs_and_rewrites(void)
{
	g_autoptr(ImgoptManifest) m = open_or_fail(":memory:");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) latest = NULL;
	ImgoptRewrite rw = {
		0, (char *)"_posts/p.md", {{0}}, {{0}}, (char *)"e"};
	int64_t run1 = 0, run2 = 0;

	begin(m);
	g_assert_true(imgopt_manifest_begin_run(m, "run", &run1, &error));
	rw.run_id = run1;
	g_assert_true(imgopt_manifest_put_rewrite(m, &rw, &error));
	g_assert_true(imgopt_manifest_end_run(m, run1, "ok", &error));
	g_assert_true(imgopt_manifest_begin_run(m, "run", &run2, &error));
	rw.run_id = run2;
	rw.after.bytes[15] = 1;
	g_assert_true(imgopt_manifest_put_rewrite(m, &rw, &error));
	commit(m);
	g_assert_cmpint(run2, >, run1);
	latest = imgopt_manifest_lookup_rewrites(m, 0, &error);
	g_assert_cmpuint(latest->len, ==, 1);
	g_assert_cmpint(((ImgoptRewrite *)latest->pdata[0])->run_id, ==, run2);
	g_assert_cmpuint(((ImgoptRewrite *)latest->pdata[0])->after.bytes[15],
			 ==, 1);
	g_clear_pointer(&latest, g_ptr_array_unref);
	latest = imgopt_manifest_lookup_rewrites(m, run1, &error);
	g_assert_cmpuint(latest->len, ==, 1);
}

static void
test_dump_golden(void)
{
	g_autoptr(ImgoptManifest) m = open_or_fail(":memory:");
	g_autoptr(GPtrArray) refs =
		g_ptr_array_new_with_free_func((GDestroyNotify)imgopt_ref_free);
	g_autoptr(GError) error = NULL;
	g_autofree char *dump = NULL;
	g_autofree char *golden = tu_fixture("manifest", "dump.golden", NULL);
	g_autoptr(ImgoptAsset) b = sample_asset("postimg/b.gif", 0x33);
	g_autoptr(ImgoptAsset) a = sample_asset("postimg/a.jpeg", 0x44);
	ImgoptVariant v = {{{0}},
			   (char *)"q80",
			   480,
			   270,
			   IMGOPT_FORMAT_JPEG,
			   (char *)"postimg/optimized/44-480.jpeg",
			   900,
			   1};

	a->format = IMGOPT_FORMAT_JPEG;
	a->n_frames = 1;
	v.hash = a->hash;
	g_ptr_array_add(refs, sample_ref("_posts/p.md", 10, "a\tb.jpeg"));
	begin(m);
	/* Inserted out of order: the dump sorts. */
	g_assert_true(imgopt_manifest_put_file(m, b, &error));
	g_assert_true(imgopt_manifest_put_file(m, a, &error));
	g_assert_true(imgopt_manifest_put_variant(m, &v, &error));
	g_assert_true(
		imgopt_manifest_replace_refs(m, "_posts/p.md", refs, &error));
	commit(m);
	dump = imgopt_manifest_dump(m, false, &error);
	g_assert_no_error(error);
	tu_assert_golden(dump, golden);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/manifest/schema-created-wal", test_schema_created);
	g_test_add_func("/manifest/reopen-keeps-data", test_reopen_keeps_data);
	g_test_add_func("/manifest/newer-schema-refused",
			test_newer_schema_refused);
	g_test_add_func("/manifest/older-schema-migrated",
			test_older_schema_migrated);
	g_test_add_func("/manifest/unhashed-file-row", test_unhashed_file_row);
	g_test_add_func("/manifest/file-roundtrip", test_file_roundtrip);
	g_test_add_func("/manifest/write-outside-transaction-refused",
			test_write_outside_transaction_refused);
	g_test_add_func("/manifest/rollback-discards", test_rollback_discards);
	g_test_add_func("/manifest/checkpoint-copies-log",
			test_checkpoint_copies_log);
	g_test_add_func("/manifest/confirmation-dropped-on-change",
			test_confirmation_dropped_on_change);
	g_test_add_func("/manifest/refs-roundtrip", test_refs_roundtrip);
	g_test_add_func("/manifest/ref-urls-roundtrip",
			test_ref_urls_roundtrip);
	g_test_add_func("/manifest/schema6-migrated", test_schema6_migrated);
	g_test_add_func("/manifest/variants-roundtrip",
			test_variants_roundtrip);
	g_test_add_func("/manifest/runs-and-rewrites", test_runs_and_rewrites);
	g_test_add_func("/manifest/dump-golden", test_dump_golden);
	return g_test_run();
}
