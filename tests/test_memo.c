/*
 * test_memo.c: a command's stored output is replayed while nothing its
 * result depends on changed, and only then: a file rewritten in place
 * with its mtime put back, a new file or FIFO, a file appearing where a
 * broken reference looks, a referenced file outside IMAGES changing, a
 * watched file changing while the job runs.  Changes where the job does
 * not look (dot-folders, imgopt's output folder) keep the memo.  The
 * whole memo (run, check) also sees the variant folder and the
 * manifest's runs: a variant deleted or another command's run is a miss.
 */
#include "imgopt/imgopt.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "testutil.h"

typedef struct {
	char *tmp;  /* the site root */
	char *path; /* a scratch path */
} Site;

static void
site_clear(Site *s)
{
	if (s->tmp != NULL)
		tu_rmtree(s->tmp);
	g_free(s->tmp);
	g_free(s->path);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Site, site_clear)

/* The absolute path of @rel in @s (valid until the next call). */
static const char *
at(Site *s, const char *rel)
{
	g_free(s->path);
	s->path = g_build_filename(s->tmp, rel, NULL);
	return s->path;
}

/* Rewrites @path in place: same inode, and its folder untouched (no
 * new entry, unlike g_file_set_contents()). */
static void
overwrite(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, text, strlen(text)), ==,
			(gssize)strlen(text));
	g_assert_cmpint(close(fd), ==, 0);
}

/* A post with a link into IMAGES, one to a file outside it, and a broken
 * one; and the files.  Then a pause: the memo refuses to keep a result
 * whose watched files changed while it was made (within 50 ms). */
static void
site_make(Site *s)
{
	s->tmp = tu_tmpdir();
	tu_write(at(s, "_config.yml"), "title: memo\n");
	tu_write(at(s, "_posts/2020-01-01-a.md"),
		 "---\ntitle: a\n---\n![a](/postimg/a.jpg)\n"
		 "![b](/postimg/b.jpg)\n![o](/img/out.jpg)\n"
		 "![m](/img/missing.jpg)\n");
	tu_write(at(s, "postimg/a.jpg"), "same bytes");
	tu_write(at(s, "postimg/b.jpg"), "same bytes");
	tu_write(at(s, "postimg/c.jpg"), "an orphan");
	tu_write(at(s, "img/out.jpg"), "outside IMAGES");
	g_usleep(100000);
}

/*
 * Does what a command does: the memo's output if the site is unchanged
 * (returns true), else the dupes job, whose output (the groups and
 * orphans counted, and @what) is stored.  *@output_out gets the output.
 */
static bool
run_once(Site *s, const char *what, char **output_out)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *posts = g_build_filename(s->tmp, "_posts", NULL);
	g_autofree char *images = g_build_filename(s->tmp, "postimg", NULL);
	g_autofree char *db = g_build_filename(s->tmp, ".imgopt", "m.db", NULL);
	g_autoptr(ImgoptSite) site =
		imgopt_site_open(posts, images, s->tmp, &error);
	g_autoptr(ImgoptManifest) m = NULL;
	g_autoptr(ImgoptMemo) memo = NULL;
	g_autoptr(GBytes) output = NULL;
	g_autoptr(ImgoptDupesResult) res = NULL;
	bool stored = false;

	g_assert_no_error(error);
	m = imgopt_manifest_open(db, &error);
	g_assert_no_error(error);
	memo = imgopt_memo_begin(site, "dupes", what, &error);
	g_assert_no_error(error);
	g_assert_true(imgopt_memo_lookup(memo, m, &output, NULL, &error));
	if (output != NULL) {
		*output_out = g_strndup(g_bytes_get_data(output, NULL),
					g_bytes_get_size(output));
		return true;
	}
	g_assert_true(
		imgopt_dupes_run_size_first(site, NULL, m, NULL, &res, &error));
	*output_out =
		g_strdup_printf("%u groups, %u orphans, %s", res->groups->len,
				res->orphans->len, what);
	output = g_bytes_new(*output_out, strlen(*output_out));
	g_assert_true(imgopt_memo_store(memo, m, res->watched, output, &stored,
					&error));
	g_assert_no_error(error);
	g_assert_true(stored);
	return false;
}

/* Runs once and checks whether it replayed, and what it printed. */
static void
assert_run(Site *s, bool replayed, const char *want)
{
	g_autofree char *out = NULL;

	g_assert_cmpint(run_once(s, "json=1", &out), ==, replayed);
	g_assert_cmpstr(out, ==, want);
}

#define OUT "1 groups, 1 orphans, json=1"

static void
test_replays_unchanged(void)
{
	g_auto(Site) s = {0};
	g_autofree char *other = NULL;

	site_make(&s);
	assert_run(&s, false, OUT);
	assert_run(&s, true, OUT);
	assert_run(&s, true, OUT);
	/* Other options: another output, not this one's. */
	g_assert_false(run_once(&s, "json=0", &other));
	g_assert_cmpstr(other, ==, "1 groups, 1 orphans, json=0");
}

static void
test_watched_paths(void)
{
	g_auto(Site) s = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptSite) site = NULL;
	g_autoptr(ImgoptManifest) m = NULL;
	g_autoptr(ImgoptDupesResult) res = NULL;
	g_autofree char *posts = NULL, *images = NULL;

	site_make(&s);
	posts = g_build_filename(s.tmp, "_posts", NULL);
	images = g_build_filename(s.tmp, "postimg", NULL);
	site = imgopt_site_open(posts, images, s.tmp, &error);
	g_assert_no_error(error);
	m = imgopt_manifest_open(":memory:", &error);
	g_assert_no_error(error);
	g_assert_true(
		imgopt_dupes_run_size_first(site, NULL, m, NULL, &res, &error));
	/* The file outside IMAGES, and where the broken link was looked
	 * for; nothing under POSTS or IMAGES (the walk covers those). */
	g_assert_cmpuint(res->watched->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(res->watched, 0), ==,
			"img/missing.jpg");
	g_assert_cmpstr(g_ptr_array_index(res->watched, 1), ==, "img/out.jpg");
}

/* Every reference resolves under IMAGES: nothing to watch outside the
 * walk (the case of every site after `imgopt run`, whose posts link the
 * variants under IMAGES).  The result is kept and replayed all the same. */
static void
test_nothing_watched(void)
{
	g_auto(Site) s = {0};

	s.tmp = tu_tmpdir();
	tu_write(at(&s, "_config.yml"), "title: memo\n");
	tu_write(at(&s, "_posts/2020-01-01-a.md"),
		 "---\ntitle: a\n---\n![a](/postimg/a.jpg)\n"
		 "![b](/postimg/b.jpg)\n");
	tu_write(at(&s, "postimg/a.jpg"), "same bytes");
	tu_write(at(&s, "postimg/b.jpg"), "same bytes");
	g_usleep(100000);
	assert_run(&s, false, "1 groups, 0 orphans, json=1");
	assert_run(&s, true, "1 groups, 0 orphans, json=1");
}

static void
test_in_place_change(void)
{
	g_auto(Site) s = {0};
	struct stat st;
	struct timespec times[2];

	site_make(&s);
	assert_run(&s, false, OUT);
	/* Same size, same mtime: only ctime tells. */
	g_assert_cmpint(g_stat(at(&s, "postimg/a.jpg"), &st), ==, 0);
	overwrite(s.path, "SAME BYTES");
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	g_assert_cmpint(utimensat(AT_FDCWD, s.path, times, 0), ==, 0);
	/* The memo misses (ctime moved); the job's index trusts size, mtime
	 * and inode (issue 3's rule), so its answer is the cached one. */
	assert_run(&s, false, OUT);
	assert_run(&s, true, OUT);
	/* A new mtime too: the index reads the file again. */
	overwrite(s.path, "SAME BYTES");
	assert_run(&s, false, "0 groups, 1 orphans, json=1");
}

static void
test_new_entries(void)
{
	g_auto(Site) s = {0};

	site_make(&s);
	assert_run(&s, false, OUT);
	tu_write(at(&s, "postimg/sub/d.jpg"), "another orphan");
	assert_run(&s, false, "1 groups, 2 orphans, json=1");
	g_assert_cmpint(mkfifo(at(&s, "postimg/fifo"), 0600), ==, 0);
	assert_run(&s, false, "1 groups, 2 orphans, json=1");
	g_assert_cmpint(g_unlink(at(&s, "postimg/fifo")), ==, 0);
	assert_run(&s, false, "1 groups, 2 orphans, json=1");
	/* A new post is a change too. */
	tu_write(at(&s, "_posts/2020-01-02-b.md"), "![c](/postimg/c.jpg)\n");
	assert_run(&s, false, "1 groups, 1 orphans, json=1");
	assert_run(&s, true, "1 groups, 1 orphans, json=1");
}

static void
test_watched_changes(void)
{
	g_auto(Site) s = {0};

	site_make(&s);
	assert_run(&s, false, OUT);
	/* The broken link's target appears outside IMAGES. */
	tu_write(at(&s, "img/missing.jpg"), "outside IMAGES");
	g_usleep(100000);
	assert_run(&s, false, "2 groups, 1 orphans, json=1");
	assert_run(&s, true, "2 groups, 1 orphans, json=1");
	/* The referenced file outside IMAGES changes. */
	overwrite(at(&s, "img/out.jpg"), "changed");
	g_usleep(100000);
	assert_run(&s, false, OUT);
	assert_run(&s, true, OUT);
}

static void
test_unwatched_changes(void)
{
	g_auto(Site) s = {0};

	site_make(&s);
	assert_run(&s, false, OUT);
	/* Where the job does not look. */
	tu_write(at(&s, "postimg/.cache/x.jpg"), "hidden");
	tu_write(at(&s, "postimg/optimized/abc-480.jpg"), "a variant");
	tu_write(at(&s, "_site/img/x.jpg"), "the build output");
	tu_write(at(&s, "node_modules/x/logo.png"), "a dependency");
	assert_run(&s, true, OUT);
}

/* Every referrer of the site is watched, not only POSTS and IMAGES: an
 * edited layout, a new page or stylesheet anywhere is a miss. */
static void
test_referrer_changes(void)
{
	g_auto(Site) s = {0};

	site_make(&s);
	tu_write(at(&s, "_layouts/default.html"),
		 "<img src=\"/postimg/c.jpg\">\n");
	g_usleep(100000);
	assert_run(&s, false, "1 groups, 0 orphans, json=1");
	assert_run(&s, true, "1 groups, 0 orphans, json=1");
	overwrite(at(&s, "_layouts/default.html"), "<p>no image</p>\n");
	assert_run(&s, false, OUT);
	assert_run(&s, true, OUT);
	tu_write(at(&s, "css/site.css"), "body { color: red }\n");
	assert_run(&s, false, OUT);
	tu_write(at(&s, "about/index.html"), "<p>about</p>\n");
	assert_run(&s, false, OUT);
}

static void
test_changed_during_run(void)
{
	g_auto(Site) s = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptSite) site = NULL;
	g_autoptr(ImgoptManifest) m = NULL;
	g_autoptr(ImgoptMemo) memo = NULL;
	g_autoptr(ImgoptDupesResult) res = NULL;
	g_autoptr(GBytes) output = g_bytes_new_static("x", 1);
	g_autofree char *db = NULL;
	g_autofree char *posts = NULL, *images = NULL;
	bool stored = true;

	site_make(&s);
	posts = g_build_filename(s.tmp, "_posts", NULL);
	images = g_build_filename(s.tmp, "postimg", NULL);
	assert_run(&s, false, OUT);
	db = g_build_filename(s.tmp, ".imgopt", "m.db", NULL);
	site = imgopt_site_open(posts, images, s.tmp, &error);
	g_assert_no_error(error);
	m = imgopt_manifest_open(db, &error);
	g_assert_no_error(error);
	tu_write(at(&s, "postimg/c.jpg"), "changed before");
	memo = imgopt_memo_begin(site, "dupes", "json=1", &error);
	g_assert_no_error(error);
	g_assert_true(
		imgopt_dupes_run_size_first(site, NULL, m, NULL, &res, &error));
	/* A watched file changes before the output is stored: the job may
	 * have seen either version, so nothing is kept. */
	overwrite(at(&s, "img/out.jpg"), "changed during");
	g_assert_true(imgopt_memo_store(memo, m, res->watched, output, &stored,
					&error));
	g_assert_false(stored);
	g_clear_pointer(&m, imgopt_manifest_close);
	g_usleep(100000);
	assert_run(&s, false, "1 groups, 1 orphans, json=1");
}

/* ---- the whole memo (run and check: memo_begin_whole) ---- */

/* Opens @s's site and manifest. */
static void
open_both(Site *s, ImgoptSite **site_out, ImgoptManifest **m_out)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *posts = g_build_filename(s->tmp, "_posts", NULL);
	g_autofree char *images = g_build_filename(s->tmp, "postimg", NULL);
	g_autofree char *db = g_build_filename(s->tmp, ".imgopt", "m.db", NULL);

	*site_out = imgopt_site_open(posts, images, s->tmp, &error);
	g_assert_no_error(error);
	*m_out = imgopt_manifest_open(db, &error);
	g_assert_no_error(error);
}

/* A whole memo's lookup (returns whether it replayed) and, on a miss, a
 * store after a job that recorded @n_own runs rows of its own in @m
 * (made here, as a run does); returns whether it was stored in
 * *@stored_out. */
static bool
whole_once(Site *s, guint n_own, bool *stored_out)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptSite) site = NULL;
	g_autoptr(ImgoptManifest) m = NULL;
	g_autoptr(ImgoptMemo) memo = NULL;
	g_autoptr(GBytes) output = NULL;
	g_autoptr(GBytes) printed = g_bytes_new_static("ok\n", 3);
	int64_t own[2] = {0, 0};

	open_both(s, &site, &m);
	memo = imgopt_memo_begin_whole(site, "check", "json=0", &error);
	g_assert_no_error(error);
	g_assert_true(imgopt_memo_lookup(memo, m, &output, NULL, &error));
	if (output != NULL)
		return true;
	g_assert_cmpuint(n_own, <=, 2);
	for (guint i = 0; i < n_own; i++) {
		g_assert_true(imgopt_manifest_begin(m, &error));
		g_assert_true(
			imgopt_manifest_begin_run(m, "run", &own[i], &error));
		g_assert_true(imgopt_manifest_end_run(m, own[i], "ok", &error));
		g_assert_true(imgopt_manifest_commit(m, &error));
	}
	g_assert_true(imgopt_memo_store_after(memo, m, own, n_own, NULL,
					      printed, stored_out, &error));
	g_assert_no_error(error);
	return false;
}

/* Another command's runs row (a run, an undo, a prune…). */
static void
foreign_run(Site *s, bool is_ended)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *db = g_build_filename(s->tmp, ".imgopt", "m.db", NULL);
	g_autoptr(ImgoptManifest) m = imgopt_manifest_open(db, &error);
	int64_t id = 0;

	g_assert_no_error(error);
	g_assert_true(imgopt_manifest_begin(m, &error));
	g_assert_true(imgopt_manifest_begin_run(m, "undo", &id, &error));
	if (is_ended)
		g_assert_true(imgopt_manifest_end_run(m, id, "ok", &error));
	g_assert_true(imgopt_manifest_commit(m, &error));
}

static void
assert_whole(Site *s, guint n_own, bool replayed, bool stored)
{
	bool is_stored = !stored;

	g_assert_cmpint(whole_once(s, n_own, &is_stored), ==, replayed);
	if (!replayed)
		g_assert_cmpint(is_stored, ==, stored);
}

/* The variant folder, which the dupes memo leaves out, is in the whole
 * memo's state: a variant deleted or added is a miss. */
static void
test_whole_variants(void)
{
	g_auto(Site) s = {0};

	site_make(&s);
	tu_write(at(&s, "postimg/optimized/a-480.webp"), "a variant");
	g_usleep(100000);
	assert_whole(&s, 0, false, true);
	assert_whole(&s, 0, true, false);
	g_assert_cmpint(g_unlink(at(&s, "postimg/optimized/a-480.webp")), ==,
			0);
	assert_whole(&s, 0, false, true);
	assert_whole(&s, 0, true, false);
	tu_write(at(&s, "postimg/optimized/b-480.webp"), "another");
	assert_whole(&s, 0, false, true);
	/* The dupes memo does not see it (its own test: unwatched). */
}

/* The walk's entries, for the job: every entry it stat'ed, as lstat()
 * saw it, none of the folders it skips; taken once; a whole walk keeps
 * none.  A dupes job given them finds what it finds without them. */
static void
test_entries_taken(void)
{
	g_auto(Site) s = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptSite) site = NULL;
	g_autoptr(ImgoptMemo) memo = NULL;
	g_autoptr(ImgoptMemo) whole = NULL;
	g_autoptr(GHashTable) entries = NULL;
	g_autoptr(ImgoptManifest) m = NULL;
	g_autoptr(ImgoptDupesResult) res = NULL;
	g_autofree char *posts = NULL, *images = NULL;
	const struct stat *st = NULL;
	struct stat disk;

	site_make(&s);
	tu_write(at(&s, "postimg/optimized/a-480.webp"), "a variant");
	tu_write(at(&s, ".git/HEAD"), "ref");
	posts = g_build_filename(s.tmp, "_posts", NULL);
	images = g_build_filename(s.tmp, "postimg", NULL);
	site = imgopt_site_open(posts, images, s.tmp, &error);
	g_assert_no_error(error);
	memo = imgopt_memo_begin(site, "dupes", "json=1", &error);
	g_assert_no_error(error);
	entries = imgopt_memo_take_entries(memo);
	g_assert_nonnull(entries);
	g_assert_null(imgopt_memo_take_entries(memo));
	st = g_hash_table_lookup(entries, "postimg/a.jpg");
	g_assert_nonnull(st);
	g_assert_cmpint(lstat(at(&s, "postimg/a.jpg"), &disk), ==, 0);
	g_assert_cmpint(st->st_size, ==, 10);
	g_assert_cmpint(st->st_ino, ==, disk.st_ino);
	g_assert_cmpint(st->st_mtim.tv_nsec, ==, disk.st_mtim.tv_nsec);
	g_assert_nonnull(
		g_hash_table_lookup(entries, "_posts/2020-01-01-a.md"));
	g_assert_nonnull(g_hash_table_lookup(entries, "img/out.jpg"));
	g_assert_true(S_ISDIR(
		((const struct stat *)g_hash_table_lookup(entries, "postimg"))
			->st_mode));
	g_assert_null(
		g_hash_table_lookup(entries, "postimg/optimized/a-480.webp"));
	g_assert_null(g_hash_table_lookup(entries, ".git/HEAD"));
	whole = imgopt_memo_begin_whole(site, "run", "json=1", &error);
	g_assert_no_error(error);
	g_assert_null(imgopt_memo_take_entries(whole));

	imgopt_site_set_entries(site, g_steal_pointer(&entries));
	m = imgopt_manifest_open(":memory:", &error);
	g_assert_no_error(error);
	g_assert_true(
		imgopt_dupes_run_size_first(site, NULL, m, NULL, &res, &error));
	g_assert_cmpuint(res->groups->len, ==, 1);
	g_assert_cmpuint(res->orphans->len, ==, 1);
	g_assert_cmpuint(res->files, ==, 4);
	g_assert_cmpuint(res->watched->len, ==, 2);
}

/* A runs row of another command since the store (an undo: ended or
 * still running) is a miss; the job's own rows, named, are not. */
static void
test_whole_manifest(void)
{
	g_auto(Site) s = {0};

	site_make(&s);
	assert_whole(&s, 0, false, true);
	assert_whole(&s, 0, true, false);
	foreign_run(&s, true);
	assert_whole(&s, 0, false, true);
	assert_whole(&s, 0, true, false);
	foreign_run(&s, false);
	assert_whole(&s, 2, false, true);
	/* The run's own two rows are in the stored stamp. */
	assert_whole(&s, 0, true, false);
}

/* A job that names fewer rows than it and others recorded is not
 * stored: another command wrote the manifest while it ran. */
static void
test_whole_foreign_during_job(void)
{
	g_auto(Site) s = {0};
	bool stored = true;

	site_make(&s);
	/* A job that made two rows of its own, and named them: stored. */
	g_assert_false(whole_once(&s, 2, &stored));
	g_assert_true(stored);
	foreign_run(&s, true);
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(ImgoptSite) site = NULL;
		g_autoptr(ImgoptManifest) m = NULL;
		g_autoptr(ImgoptMemo) memo = NULL;
		g_autoptr(GBytes) output = NULL;
		g_autoptr(GBytes) printed = g_bytes_new_static("ok\n", 3);

		open_both(&s, &site, &m);
		memo = imgopt_memo_begin_whole(site, "check", "json=0", &error);
		g_assert_no_error(error);
		g_assert_true(
			imgopt_memo_lookup(memo, m, &output, NULL, &error));
		g_assert_null(output);
		foreign_run(&s, true); /* while the job runs */
		g_assert_true(imgopt_memo_store_after(
			memo, m, NULL, 0, NULL, printed, &stored, &error));
		g_assert_false(stored);
	}
	/* And the memo was forgotten: the next lookup misses. */
	assert_whole(&s, 0, false, true);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/memo/replays-unchanged", test_replays_unchanged);
	g_test_add_func("/memo/watched-paths", test_watched_paths);
	g_test_add_func("/memo/nothing-watched", test_nothing_watched);
	g_test_add_func("/memo/in-place-change", test_in_place_change);
	g_test_add_func("/memo/new-entries", test_new_entries);
	g_test_add_func("/memo/watched-changes", test_watched_changes);
	g_test_add_func("/memo/unwatched-changes", test_unwatched_changes);
	g_test_add_func("/memo/referrer-changes", test_referrer_changes);
	g_test_add_func("/memo/changed-during-run", test_changed_during_run);
	g_test_add_func("/memo/whole-variants", test_whole_variants);
	g_test_add_func("/memo/entries-taken", test_entries_taken);
	g_test_add_func("/memo/whole-manifest", test_whole_manifest);
	g_test_add_func("/memo/whole-foreign-during-job",
			test_whole_foreign_during_job);
	return g_test_run();
}
