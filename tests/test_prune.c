/*
 * test_prune.c: prune, restore, --empty-trash and the site lock, in
 * process.
 *
 * Unit cases on hand-made sites (what is removed, what never is, --delete,
 * --originals, a file changed under prune, restore and its conflicts,
 * recovery of planned entries, old trash), and the property test: 1,000
 * randomly generated small trees (posts, images with duplicates, orphans,
 * files outside IMAGES, in a dot folder and in the variant folder,
 * references good, broken and repairable), each pruned with random
 * options; after prune every reference resolves as before, every content
 * that existed exists in the site or the trash, nothing outside IMAGES
 * changed, and restore gives the tree back byte for byte.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fsio.h"
#include "hash.h"
#include "imgopt/imgopt.h"
#include "testutil.h"

/* ---- trees ---- */

static void
write_bytes(const char *root, const char *rel, const void *data, gsize len)
{
	g_autofree char *path = g_build_filename(root, rel, NULL);
	g_autofree char *dir = g_path_get_dirname(path);
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	g_file_set_contents(path, data, (gssize)len, &error);
	g_assert_no_error(error);
}

static void
write_text(const char *root, const char *rel, const char *text)
{
	write_bytes(root, rel, text, strlen(text));
}

/* Path → bytes of every file in the trash (.imgopt/trash/). */
static GHashTable *
load_trash(const char *root)
{
	g_autofree char *trash =
		g_build_filename(root, ".imgopt", "trash", NULL);

	return tu_load_tree(trash, NULL);
}

static bool
has_content(GHashTable *tree, GBytes *content)
{
	GHashTableIter it;
	gpointer k, v;

	/* A copy under _site/ does not count: Jekyll rebuilds that folder. */
	g_hash_table_iter_init(&it, tree);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (g_bytes_equal(v, content) && strstr(k, "_site/") == NULL)
			return true;
	return false;
}

static ImgoptSite *
open_site(const char *root)
{
	g_autofree char *posts = g_build_filename(root, "_posts", NULL);
	g_autofree char *images = g_build_filename(root, "img", NULL);
	g_autoptr(GError) error = NULL;
	ImgoptSite *site = imgopt_site_open(posts, images, root, &error);

	g_assert_no_error(error);
	return site;
}

static ImgoptManifest *
open_manifest(void)
{
	g_autoptr(GError) error = NULL;
	ImgoptManifest *m = imgopt_manifest_open(":memory:", &error);

	g_assert_no_error(error);
	return m;
}

static ImgoptPruneResult *
prune(const char *root, ImgoptManifest *m, const ImgoptPruneOptions *opt,
      const ImgoptObserver *observer)
{
	g_autoptr(ImgoptSite) site = open_site(root);
	g_autoptr(GError) error = NULL;
	ImgoptPruneResult *r = NULL;

	g_assert_true(imgopt_prune_site(site, m, opt, observer, &r, &error));
	g_assert_no_error(error);
	return r;
}

static ImgoptTrashResult *
restore(const char *root, ImgoptManifest *m, int64_t run)
{
	g_autoptr(ImgoptSite) site = open_site(root);
	g_autoptr(GError) error = NULL;
	ImgoptTrashResult *r = NULL;

	g_assert_true(imgopt_prune_restore(site, m, run, false, &r, &error));
	g_assert_no_error(error);
	return r;
}

static const ImgoptPruneItem *
find_item(const ImgoptPruneResult *r, const char *path)
{
	for (guint i = 0; i < r->items->len; i++) {
		const ImgoptPruneItem *it = g_ptr_array_index(r->items, i);

		if (strcmp(it->path, path) == 0)
			return it;
	}
	return NULL;
}

/* The item of @path, which must be there. */
static const ImgoptPruneItem *
get_item(const ImgoptPruneResult *r, const char *path)
{
	const ImgoptPruneItem *it = find_item(r, path);

	if (it == NULL)
		g_error("'%s' is not in the plan", path);
	return it;
}

static bool
exists(const char *root, const char *rel)
{
	g_autofree char *p = g_build_filename(root, rel, NULL);

	return g_file_test(p, G_FILE_TEST_EXISTS);
}

/* ---- the lock ---- */

static void
test_lock_exclusive(void)
{
	g_autofree char *tmp = tu_tmpdir();
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptLock) a = imgopt_lock_acquire(tmp, false, &error);

	g_assert_no_error(error);
	g_assert_cmpint(imgopt_lock_get_stale_pid(a), ==, 0);
	ImgoptLock *b = imgopt_lock_acquire(tmp, false, &error);
	g_assert_null(b);
	g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT);
	g_autofree char *who = g_strdup_printf("another imgopt (pid %d, "
					       "started at ",
					       (int)getpid());
	g_assert_true(g_str_has_prefix(error->message, who));
	g_assert_nonnull(strstr(error->message, "--wait"));
	g_clear_error(&error);
	g_clear_pointer(&a, imgopt_lock_release);
	/* Released cleanly: the next holder finds no stale record. */
	b = imgopt_lock_acquire(tmp, false, &error);
	g_assert_no_error(error);
	g_assert_cmpint(imgopt_lock_get_stale_pid(b), ==, 0);
	imgopt_lock_release(b);
	tu_rmtree(tmp);
}

static void
test_lock_killed_holder(void)
{
	g_autofree char *tmp = tu_tmpdir();
	g_autoptr(GError) error = NULL;
	int status = 0;
	pid_t child = fork();

	g_assert_cmpint(child, >=, 0);
	if (child == 0) {
		ImgoptLock *l = imgopt_lock_acquire(tmp, false, NULL);

		(void)l;
		_exit(l != NULL ? 0 : 1); /* dies holding it */
	}
	g_assert_cmpint(waitpid(child, &status, 0), ==, child);
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	g_autoptr(ImgoptLock) l = imgopt_lock_acquire(tmp, false, &error);
	g_assert_no_error(error);
	g_assert_cmpint(imgopt_lock_get_stale_pid(l), ==, child);
	tu_rmtree(tmp);
}

/* ---- hand-made sites ---- */

/* A site with every case prune must tell apart. */
static char *
make_site(void)
{
	char *root = tu_tmpdir();

	write_text(root, "_config.yml", "title: t\n");
	write_text(root, "img/used.png", "AAAA");      /* referenced */
	write_text(root, "img/copy1.png", "AAAA");     /* duplicate */
	write_text(root, "img/sub/copy2.png", "AAAA"); /* duplicate */
	write_text(root, "img/lonely.jpg", "BBBBB");   /* orphan */
	write_text(root, "img/twin1.gif", "CC");       /* orphan pair */
	write_text(root, "img/twin-two.gif", "CC");
	write_text(root, "img/notes.txt", "AAAA"); /* not an image */
	write_text(root, "img/wanted.png", "DDD"); /* a broken link's name */
	write_text(root, "img/deep/wanted.png", "EEE");
	write_text(root, "img/.cache/x.png", "FFFF");  /* dot folder */
	write_text(root, "img/optimized/v.png", "GG"); /* variant folder */
	write_text(root, "img/_site/x.png", "II");     /* generated */
	write_text(root, "img/g.png", "JJ"); /* its copy is generated */
	write_text(root, "img/_site/g.png", "JJ");
	write_text(root, "other/out.png", "AAAA"); /* outside IMAGES */
	write_text(root, "other/unused.png", "HH");
	write_text(root, "_posts/2020-01-01-a.md",
		   "![](/img/used.png?x)\n![](/gone/wanted.png)\n"
		   "![](/other/out.png)\n");
	return root;
}

static void
test_prune_basic(void)
{
	g_autofree char *root = make_site();
	g_autoptr(ImgoptManifest) m = open_manifest();
	ImgoptPruneOptions opt = {0};
	g_autoptr(ImgoptPruneResult) r = prune(root, m, &opt, NULL);
	const ImgoptPruneItem *it = NULL;

	g_assert_cmpuint(r->items->len, ==, 6);
	it = get_item(r, "img/copy1.png");
	g_assert_nonnull(it);
	g_assert_cmpint(it->reason, ==, IMGOPT_PRUNE_DUPLICATE);
	g_assert_cmpstr(it->keep, ==, "img/used.png");
	g_autofree char *to = g_strdup_printf(
		".imgopt/trash/%" G_GINT64_FORMAT "/img/copy1.png", r->run_id);
	g_assert_cmpstr(it->trash_path, ==, to);
	g_assert_true(exists(root, to));
	g_assert_nonnull(find_item(r, "img/sub/copy2.png"));
	it = get_item(r, "img/lonely.jpg");
	g_assert_cmpint(it->reason, ==, IMGOPT_PRUNE_ORPHAN);
	g_assert_null(it->keep);
	/* The pair: its canonical copy (shortest path) is the last copy. */
	it = get_item(r, "img/twin1.gif");
	g_assert_cmpint(it->reason, ==, IMGOPT_PRUNE_ORPHAN);
	it = get_item(r, "img/twin-two.gif");
	g_assert_cmpint(it->reason, ==, IMGOPT_PRUNE_DUPLICATE);
	g_assert_cmpstr(it->keep, ==, "img/twin1.gif");
	g_assert_cmpuint(r->duplicate_bytes, ==, 4 + 4 + 2);
	g_assert_cmpuint(r->orphan_bytes, ==, 5 + 2 + 2);
	/* A copy under _site/ goes when Jekyll runs: never the one kept. */
	it = get_item(r, "img/g.png");
	g_assert_cmpint(it->reason, ==, IMGOPT_PRUNE_ORPHAN);
	g_assert_null(it->keep);
	for (const char *const *p =
		     (const char *const[]){
			     "img/used.png", "img/notes.txt", "img/wanted.png",
			     "img/deep/wanted.png", "img/.cache/x.png",
			     "img/optimized/v.png", "img/_site/x.png",
			     "other/out.png", "other/unused.png",
			     "_posts/2020-01-01-a.md", NULL};
	     *p != NULL; p++)
		g_assert_true(exists(root, *p));
	g_assert_false(exists(root, "img/copy1.png"));
	/* A second prune finds nothing more. */
	g_autoptr(ImgoptPruneResult) again = prune(root, m, &opt, NULL);
	g_assert_cmpuint(again->items->len, ==, 0);
	tu_rmtree(root);
}

static void
test_prune_delete(void)
{
	g_autofree char *root = make_site();
	g_autoptr(ImgoptManifest) m = open_manifest();
	ImgoptPruneOptions opt = {.is_delete = true};
	g_autoptr(ImgoptPruneResult) r = prune(root, m, &opt, NULL);

	g_assert_cmpuint(r->n_deleted, ==, 3);
	g_assert_cmpuint(r->n_trashed, ==, 3);
	g_assert_null(get_item(r, "img/copy1.png")->trash_path);
	g_assert_false(exists(root, "img/copy1.png"));
	/* The last copy of each content goes to the trash, never unlinked;
	 * its duplicate was compared with the trashed copy. */
	g_assert_nonnull(get_item(r, "img/lonely.jpg")->trash_path);
	g_assert_nonnull(get_item(r, "img/twin1.gif")->trash_path);
	g_assert_null(get_item(r, "img/twin-two.gif")->trash_path);
	g_autoptr(GHashTable) trash = load_trash(root);
	g_assert_cmpuint(g_hash_table_size(trash), ==, 3);
	tu_rmtree(root);
}

/* Changes a file's bytes (same size) once the dupes job has indexed it. */
static void
change_on_compare(const char *stage, uint64_t done, uint64_t total,
		  uint64_t bytes, void *user_data)
{
	const char *path = user_data;

	(void)done;
	(void)total;
	(void)bytes;
	if (strcmp(stage, "compare") != 0 ||
	    g_file_test(path, G_FILE_TEST_IS_SYMLINK))
		return;
	g_autoptr(GError) error = NULL;
	g_file_set_contents(path, "ZZZZ", 4, &error);
	g_assert_no_error(error);
	struct timespec later[2] = {{0, UTIME_OMIT}, {2000000000, 0}};
	g_assert_cmpint(utimensat(AT_FDCWD, path, later, 0), ==, 0);
}

static void
test_prune_changed_file(void)
{
	g_autofree char *root = make_site();
	g_autofree char *victim = g_build_filename(root, "img/copy1.png", NULL);
	g_autoptr(ImgoptManifest) m = open_manifest();
	ImgoptObserver rep = {change_on_compare, NULL, victim};
	ImgoptPruneOptions opt = {0};
	g_autoptr(ImgoptPruneResult) r = prune(root, m, &opt, &rep);

	g_assert_null(find_item(r, "img/copy1.png"));
	g_assert_cmpuint(r->skipped->len, ==, 1);
	const ImgoptProblem *p = g_ptr_array_index(r->skipped, 0);
	g_assert_cmpstr(p->path, ==, "img/copy1.png");
	g_assert_nonnull(strstr(p->message, "changed since it was indexed"));
	gsize len = 0;
	g_autofree char *now = tu_read(victim, &len);
	g_assert_cmpmem(now, len, "ZZZZ", 4);
	tu_rmtree(root);
}

/* A post shows a variant of img/orig.png's content. */
static void
add_variant(const char *root, ImgoptManifest *m)
{
	g_autoptr(ImgoptSite) site = open_site(root);
	g_autoptr(GError) error = NULL;

	write_text(root, "img/orig.png", "ORIGINAL");
	write_text(root, "img/orig-copy.png", "ORIGINAL");
	write_text(root, "img/optimized/0123-480.png", "VAR");
	write_text(root, "_posts/2020-01-02-b.md",
		   "![](/img/optimized/0123-480.png)\n");
	g_autoptr(ImgoptAsset) a = imgopt_index_stat(imgopt_site_get_root(site),
						     "img/orig.png", &error);
	g_assert_no_error(error);
	g_assert_true(
		imgopt_index_read(imgopt_site_get_root(site), a, NULL, &error));
	g_assert_no_error(error);
	ImgoptVariant v = {a->hash,
			   (char *)"s",
			   480,
			   1,
			   IMGOPT_FORMAT_PNG,
			   (char *)"img/optimized/0123-480.png",
			   3,
			   1};
	g_assert_true(imgopt_manifest_begin(m, &error));
	g_assert_true(imgopt_manifest_put_variant(m, &v, &error));
	g_assert_true(imgopt_manifest_commit(m, &error));
}

static void
test_prune_originals(void)
{
	g_autofree char *root = make_site();
	g_autoptr(ImgoptManifest) m = open_manifest();
	ImgoptPruneOptions opt = {0};

	add_variant(root, m);
	g_autoptr(ImgoptPruneResult) r = prune(root, m, &opt, NULL);
	/* Kept: one copy (the canonical, shortest path); its copy goes. */
	g_assert_cmpuint(r->n_kept_originals, ==, 1);
	g_assert_cmpuint(r->kept_original_bytes, ==, 8);
	g_assert_true(exists(root, "img/orig.png"));
	g_assert_cmpint(get_item(r, "img/orig-copy.png")->reason, ==,
			IMGOPT_PRUNE_DUPLICATE);
	g_assert_true(exists(root, "img/optimized/0123-480.png"));
	opt.with_originals = true;
	g_autoptr(ImgoptPruneResult) r2 = prune(root, m, &opt, NULL);
	g_assert_cmpuint(r2->items->len, ==, 1);
	g_assert_cmpint(get_item(r2, "img/orig.png")->reason, ==,
			IMGOPT_PRUNE_ORIGINAL);
	g_assert_nonnull(get_item(r2, "img/orig.png")->trash_path);
	g_assert_cmpuint(r2->original_bytes, ==, 8);
	tu_rmtree(root);
}

static void
test_restore(void)
{
	g_autofree char *root = make_site();
	g_autoptr(ImgoptManifest) m = open_manifest();
	g_autoptr(GHashTable) before = tu_load_tree(root, ".imgopt");
	ImgoptPruneOptions opt = {0};
	g_autoptr(ImgoptPruneResult) r = prune(root, m, &opt, NULL);

	/* Someone puts a new file where a trashed one was. */
	write_text(root, "img/lonely.jpg", "NEW");
	g_autoptr(ImgoptTrashResult) t = restore(root, m, 0);
	g_assert_cmpint(t->run_id, ==, r->run_id);
	g_assert_cmpuint(t->entries->len, ==, 5);
	g_assert_cmpuint(t->skipped->len, ==, 1);
	g_autofree char *trashed = g_strdup_printf(
		".imgopt/trash/%" G_GINT64_FORMAT "/img/lonely.jpg", r->run_id);
	g_assert_true(exists(root, trashed));
	/* Once the place is free again, the rest comes back. */
	g_autofree char *lonely =
		g_build_filename(root, "img/lonely.jpg", NULL);
	g_assert_cmpint(g_unlink(lonely), ==, 0);
	g_autoptr(ImgoptTrashResult) t2 = restore(root, m, r->run_id);
	g_assert_cmpuint(t2->entries->len, ==, 1);
	g_autoptr(GHashTable) after = tu_load_tree(root, ".imgopt");
	tu_assert_same_tree(before, after, "tree");
	/* Nothing left to restore. */
	g_autoptr(ImgoptTrashResult) t3 = restore(root, m, 0);
	g_assert_cmpint(t3->run_id, ==, 0);
	g_assert_cmpuint(t3->entries->len, ==, 0);
	tu_rmtree(root);
}

/* A trash row in a run of its own, for the bytes @bytes (as a tampered
 * manifest may hold it too). */
static int64_t
add_row(ImgoptManifest *m, const char *path, const char *trash_path,
	ImgoptTrashState state, const char *bytes)
{
	g_autoptr(GError) error = NULL;
	int64_t run = 0;
	ImgoptTrashEntry e = {0,     0,     (char *)path,  (char *)trash_path,
			      NULL,  {{0}}, strlen(bytes), 0,
			      state, 0};

	imgopt_hash_buffer(bytes, strlen(bytes), &e.hash);
	g_assert_true(imgopt_manifest_begin(m, &error));
	g_assert_true(imgopt_manifest_begin_run(m, "prune", &run, &error));
	e.run_id = run;
	g_assert_true(imgopt_manifest_put_trash(m, &e, &error));
	g_assert_true(imgopt_manifest_commit(m, &error));
	g_assert_no_error(error);
	return run;
}

static int64_t
add_planned(ImgoptManifest *m, const char *path, const char *trash_path)
{
	return add_row(m, path, trash_path, IMGOPT_TRASH_PLANNED, "AAAA");
}

static int64_t
add_trashed(ImgoptManifest *m, const char *path, const char *trash_path,
	    const char *bytes)
{
	return add_row(m, path, trash_path, IMGOPT_TRASH_TRASHED, bytes);
}

static ImgoptTrashState
state_of(ImgoptManifest *m, int64_t run)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) rows =
		imgopt_manifest_lookup_trash(m, run, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(rows->len, ==, 1);
	return ((ImgoptTrashEntry *)g_ptr_array_index(rows, 0))->state;
}

static void
test_recover(void)
{
	g_autofree char *root = make_site();
	g_autoptr(ImgoptManifest) m = open_manifest();
	g_autoptr(ImgoptSite) site = open_site(root);
	g_autoptr(GError) error = NULL;
	guint n = 0;

	/* Killed after the rename: done.  Killed before it: cancelled. */
	int64_t moved = add_planned(m, "img/copy1.png", ".imgopt/trash/x/a");
	int64_t kept = add_planned(m, "img/lonely.jpg", ".imgopt/trash/y/b");
	int64_t gone = add_planned(m, "img/twin-two.gif", NULL);
	int64_t stays = add_planned(m, "img/twin1.gif", NULL);
	g_autofree char *from = g_build_filename(root, "img/copy1.png", NULL);
	g_autofree char *to = g_build_filename(root, ".imgopt/trash/x/a", NULL);
	g_autofree char *twin =
		g_build_filename(root, "img/twin-two.gif", NULL);
	g_autofree char *to_dir = g_path_get_dirname(to);
	g_assert_cmpint(g_mkdir_with_parents(to_dir, 0755), ==, 0);
	g_assert_cmpint(rename(from, to), ==, 0);
	g_assert_cmpint(g_unlink(twin), ==, 0);
	g_assert_true(imgopt_prune_recover(site, m, &n, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(n, ==, 4);
	g_assert_cmpint(state_of(m, moved), ==, IMGOPT_TRASH_TRASHED);
	g_assert_cmpint(state_of(m, kept), ==, IMGOPT_TRASH_CANCELLED);
	g_assert_cmpint(state_of(m, gone), ==, IMGOPT_TRASH_DELETED);
	g_assert_cmpint(state_of(m, stays), ==, IMGOPT_TRASH_CANCELLED);
	/* A restore killed after its rename: the entry is restored. */
	g_assert_cmpint(rename(to, from), ==, 0);
	g_assert_true(imgopt_prune_recover(site, m, &n, &error));
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpint(state_of(m, moved), ==, IMGOPT_TRASH_RESTORED);
	g_assert_true(imgopt_prune_recover(site, m, &n, &error));
	g_assert_cmpuint(n, ==, 0);
	tu_rmtree(root);
}

static void
test_empty_trash(void)
{
	g_autofree char *root = make_site();
	g_autoptr(ImgoptManifest) m = open_manifest();
	g_autoptr(ImgoptSite) site = open_site(root);
	g_autoptr(GError) error = NULL;
	ImgoptPruneOptions opt = {0};
	g_autoptr(ImgoptPruneResult) r = prune(root, m, &opt, NULL);
	g_autoptr(ImgoptTrashResult) young = NULL;
	g_autoptr(ImgoptTrashResult) all = NULL;

	g_assert_true(imgopt_prune_empty_trash(site, m, G_TIME_SPAN_DAY, false,
					       &young, &error));
	g_assert_cmpuint(young->entries->len, ==, 0);
	g_assert_true(
		imgopt_prune_empty_trash(site, m, 0, false, &all, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(all->entries->len, ==, r->n_trashed);
	g_assert_cmpuint(all->bytes, ==, 4 + 4 + 5 + 2 + 2 + 2);
	g_autofree char *trash =
		g_build_filename(root, ".imgopt", "trash", NULL);
	g_assert_false(g_file_test(trash, G_FILE_TEST_EXISTS));
	g_autoptr(ImgoptTrashResult) none = restore(root, m, 0);
	g_assert_cmpint(none->run_id, ==, 0);
	tu_rmtree(root);
}

/* Issue 15, item 3: paths from the manifest are not trusted.  Rows whose
 * path or trash path climbs out, is absolute, goes through a symlink
 * leading out, or names a site file outside the trash make restore and
 * --empty-trash touch nothing and say so; a trash copy whose size or
 * hash is not the recorded one is not deleted. */
static void
test_hostile_trash_rows(void)
{
	g_autofree char *root = make_site();
	g_autofree char *outside = tu_tmpdir();
	g_autofree char *base = g_path_get_basename(outside);
	g_autofree char *canary = g_build_filename(outside, "canary", NULL);
	g_autofree char *up = g_strdup_printf("../%s/canary", base);
	g_autofree char *up_new = g_strdup_printf("../%s/new.png", base);
	g_autofree char *climb =
		g_strdup_printf(".imgopt/trash/1/../../../../%s/canary", base);
	g_autofree char *link = g_build_filename(root, ".imgopt/trash/7", NULL);
	g_autoptr(ImgoptManifest) m = open_manifest();
	g_autoptr(ImgoptSite) site = open_site(root);
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptTrashResult) p = NULL;

	write_text(outside, "canary", "CANARY");
	write_text(root, ".imgopt/trash/1/img/x.png", "XXXX");
	write_text(root, ".imgopt/trash/2/img/y.png", "not what was trashed");
	g_assert_cmpint(symlink(outside, link), ==, 0);
	int64_t runs[] = {
		add_trashed(m, "img/a.png", up, "CANARY"),
		add_trashed(m, "img/b.png", canary, "CANARY"),
		add_trashed(m, "img/c.png", ".imgopt/trash/7/canary", "CANARY"),
		add_trashed(m, "img/d.png", "img/used.png", "AAAA"),
		add_trashed(m, "img/e.png", climb, "CANARY"),
		add_trashed(m, up_new, ".imgopt/trash/1/img/x.png", "XXXX"),
		add_trashed(m, "img/y.png", ".imgopt/trash/2/img/y.png",
			    "YYYY"),
	};
	g_assert_true(imgopt_prune_empty_trash(site, m, 0, false, &p, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(p->entries->len, ==, 0);
	g_assert_cmpuint(p->skipped->len, ==, G_N_ELEMENTS(runs));
	g_assert_true(exists(root, ".imgopt/trash/2/img/y.png"));
	for (size_t i = 0; i < G_N_ELEMENTS(runs); i++) {
		g_autoptr(ImgoptTrashResult) one = NULL;

		g_assert_true(imgopt_prune_restore(site, m, runs[i], false,
						   &one, &error));
		g_assert_no_error(error);
		/* Only the last row is sound: its file comes back. */
		g_assert_cmpuint(one->skipped->len, ==,
				 i + 1 < G_N_ELEMENTS(runs));
		g_assert_cmpuint(one->entries->len, ==,
				 i + 1 == G_N_ELEMENTS(runs));
	}
	g_autofree char *text = tu_read(canary, NULL);
	g_assert_cmpstr(text, ==, "CANARY");
	g_autofree char *made = g_build_filename(outside, "new.png", NULL);
	g_assert_false(g_file_test(made, G_FILE_TEST_EXISTS));
	g_assert_true(exists(root, "img/used.png"));
	g_assert_true(exists(root, ".imgopt/trash/1/img/x.png"));
	g_assert_true(exists(root, "img/y.png"));
	g_assert_false(exists(root, "img/a.png"));
	g_assert_false(exists(root, "img/c.png"));
	g_assert_false(exists(root, "img/d.png"));
	tu_rmtree(outside);
	tu_rmtree(root);
}

/* ---- the property test ---- */

typedef struct {
	GRand *rng;
	const char *root;
	GPtrArray *targets; /* paths a post may reference */
} Gen;

static void
gen_file(Gen *g, const char *rel, GPtrArray *contents)
{
	GBytes *c = g_ptr_array_index(
		contents, g_rand_int_range(g->rng, 0, (gint32)contents->len));
	gsize len = 0;
	const void *data = g_bytes_get_data(c, &len);

	write_bytes(g->root, rel, data, len);
	g_ptr_array_add(g->targets, g_strdup(rel));
}

static GPtrArray *
gen_contents(Gen *g)
{
	GPtrArray *contents =
		g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	int n = g_rand_int_range(g->rng, 1, 6);

	for (int i = 0; i < n; i++) {
		guint8 buf[16];
		int len = g_rand_int_range(g->rng, 1, 12);

		buf[0] = (guint8)i; /* distinct */
		for (int k = 1; k < len; k++)
			buf[k] = (guint8)g_rand_int_range(g->rng, 0, 256);
		g_ptr_array_add(contents, g_bytes_new(buf, (gsize)len));
	}
	return contents;
}

static void
gen_images(Gen *g, GPtrArray *contents)
{
	static const char *const exts[] = {"png", "jpg", "gif", "jpeg", "txt"};
	int n = g_rand_int_range(g->rng, 1, 9);

	for (int i = 0; i < n; i++) {
		const char *ext = exts[g_rand_int_range(g->rng, 0, 5)];
		bool is_sub = g_rand_int_range(g->rng, 0, 10) < 3;
		/* Names repeat across folders, so a bare `f1.png` link may
		 * have no, one (repaired) or several candidates (broken). */
		g_autofree char *rel = g_strdup_printf(
			"img/%sf%d.%s", is_sub ? "s/" : "", i % 4, ext);

		gen_file(g, rel, contents);
	}
	if (g_rand_boolean(g->rng))
		gen_file(g, "img/optimized/v1.jpg", contents);
	if (g_rand_int_range(g->rng, 0, 10) == 0)
		gen_file(g, "img/.hidden/h.png", contents);
	if (g_rand_int_range(g->rng, 0, 5) == 0)
		gen_file(g, "img/_site/img/f0.png", contents);
	for (int i = g_rand_int_range(g->rng, 0, 3); i > 0; i--) {
		g_autofree char *rel = g_strdup_printf("other/o%d.png", i);

		gen_file(g, rel, contents);
	}
}

static void
gen_posts(Gen *g)
{
	int n = g_rand_int_range(g->rng, 1, 4);

	for (int p = 0; p < n; p++) {
		g_autoptr(GString) text = g_string_new(NULL);
		g_autofree char *rel =
			g_strdup_printf("_posts/2020-01-0%d-p.md", p + 1);

		for (int r = g_rand_int_range(g->rng, 0, 5); r > 0; r--) {
			int pick = g_rand_int_range(
				g->rng, 0, (gint32)g->targets->len + 2);

			if (pick < (int)g->targets->len)
				g_string_append_printf(
					text, "![](/%s)\n",
					(char *)g_ptr_array_index(g->targets,
								  pick));
			else if (pick == (int)g->targets->len)
				g_string_append(text,
						"![](/img/missing.png)\n");
			else
				g_string_append(text, "![](f1.png)\n");
		}
		write_text(g->root, rel, text->str);
	}
}

/* Post → "status resolved" of every reference, in order. */
static GHashTable *
resolve_all(const char *root)
{
	g_autoptr(ImgoptSite) site = open_site(root);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) posts = imgopt_site_list_posts(site, &error);
	GHashTable *t =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	g_assert_no_error(error);
	for (guint i = 0; i < posts->len; i++) {
		const char *post = g_ptr_array_index(posts, i);
		g_autoptr(GPtrArray) refs =
			imgopt_site_scan_post(site, post, &error);
		g_autoptr(GString) s = g_string_new(NULL);

		g_assert_no_error(error);
		for (guint j = 0; j < refs->len; j++) {
			const ImgoptRef *r = g_ptr_array_index(refs, j);

			g_string_append_printf(
				s, "%s %s\n", imgopt_ref_status_name(r->status),
				r->resolved ? r->resolved : "-");
		}
		g_hash_table_insert(t, g_strdup(post),
				    g_string_free(g_steal_pointer(&s), FALSE));
	}
	return t;
}

static void
assert_same_refs(GHashTable *a, GHashTable *b)
{
	GHashTableIter it;
	gpointer k, v;

	g_assert_cmpuint(g_hash_table_size(a), ==, g_hash_table_size(b));
	g_hash_table_iter_init(&it, a);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_assert_cmpstr(v, ==, g_hash_table_lookup(b, k));
}

/* After a prune: contents kept, outside IMAGES untouched, only planned
 * files gone, the rest unchanged. */
static void
check_after_prune(GHashTable *before, GHashTable *after, GHashTable *trash,
		  const ImgoptPruneResult *r)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, before);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		GBytes *now = g_hash_table_lookup(after, k);
		bool is_images = g_str_has_prefix(k, "img/") &&
				 !g_str_has_prefix(k, "img/optimized/") &&
				 !g_str_has_prefix(k, "img/.hidden/") &&
				 !g_str_has_prefix(k, "img/_site/");

		if (strstr(k, "_site/") == NULL && !has_content(after, v) &&
		    !has_content(trash, v))
			g_error("the content of '%s' is lost", (char *)k);
		if (now != NULL) {
			g_assert_true(g_bytes_equal(now, v));
			continue;
		}
		g_assert_true(is_images);
		g_assert_nonnull(find_item(r, k));
	}
	g_assert_cmpuint(g_hash_table_size(after) + r->items->len, ==,
			 g_hash_table_size(before));
}

/* Makes img/optimized/v1.jpg, if there is one, a variant of a random
 * file's content, so the posts showing it "replace" that content. */
static void
add_random_variant(GRand *rng, const char *root, ImgoptManifest *m,
		   const GPtrArray *targets)
{
	g_autoptr(GError) error = NULL;
	const char *source = g_ptr_array_index(
		targets, g_rand_int_range(rng, 0, (gint32)targets->len));
	g_autofree char *variant =
		g_build_filename(root, "img/optimized/v1.jpg", NULL);

	if (!g_file_test(variant, G_FILE_TEST_EXISTS))
		return;
	g_autoptr(ImgoptAsset) a = imgopt_index_stat(root, source, &error);
	g_assert_no_error(error);
	g_assert_true(imgopt_index_read(root, a, NULL, &error));
	ImgoptVariant v = {a->hash,
			   (char *)"s",
			   16,
			   16,
			   IMGOPT_FORMAT_JPEG,
			   (char *)"img/optimized/v1.jpg",
			   1,
			   1};
	g_assert_true(imgopt_manifest_begin(m, &error));
	g_assert_true(imgopt_manifest_put_variant(m, &v, &error));
	g_assert_true(imgopt_manifest_commit(m, &error));
	g_assert_no_error(error);
}

static void
one_tree(GRand *rng, const char *root)
{
	g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func(g_free);
	Gen g = {rng, root, targets};
	g_autoptr(GPtrArray) contents = gen_contents(&g);
	ImgoptPruneOptions opt = {false, g_rand_int_range(rng, 0, 3) == 0,
				  g_rand_boolean(rng), 1};

	write_text(root, "_config.yml", "title: t\n");
	gen_images(&g, contents);
	gen_posts(&g);
	g_autoptr(GHashTable) before = tu_load_tree(root, ".imgopt");
	g_autoptr(GHashTable) refs0 = resolve_all(root);
	g_autoptr(ImgoptManifest) m = open_manifest();
	if (g_rand_boolean(rng))
		add_random_variant(rng, root, m, targets);
	g_autoptr(ImgoptPruneResult) r = prune(root, m, &opt, NULL);
	g_assert_cmpuint(r->errors->len, ==, 0);
	g_assert_cmpuint(r->skipped->len, ==, 0);
	g_autoptr(GHashTable) after = tu_load_tree(root, ".imgopt");
	g_autoptr(GHashTable) trash = load_trash(root);
	g_autoptr(GHashTable) refs1 = resolve_all(root);
	assert_same_refs(refs0, refs1);
	check_after_prune(before, after, trash, r);
	g_autoptr(ImgoptTrashResult) t = restore(root, m, 0);
	g_autoptr(GHashTable) restored = tu_load_tree(root, ".imgopt");
	/* --delete too: a deleted duplicate is written again from the copy of
	 * its bytes that stayed. */
	tu_assert_same_tree(before, restored, "tree");
	g_assert_cmpuint(t->n_deleted, ==, r->n_deleted);
}

static void
test_property(void)
{
	g_autofree char *tmp = tu_tmpdir();
	const char *env = g_getenv("IMGOPT_PRUNE_TREES");
	guint n = env != NULL ? (guint)g_ascii_strtoull(env, NULL, 10) : 1000;
	g_autoptr(GRand) rng = g_rand_new_with_seed(20261128);

	for (guint i = 0; i < n; i++) {
		g_autofree char *root = g_strdup_printf("%s/t%u", tmp, i);

		if (g_getenv("IMGOPT_PRUNE_KEEP") != NULL)
			g_test_message("tree %u: %s", i, root);
		one_tree(rng, root);
	}
	tu_rmtree(tmp);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_autoptr(GError) error = NULL;
	g_assert_true(imgopt_init(argv[0], &error));
	g_test_add_func("/prune/lock/exclusive", test_lock_exclusive);
	g_test_add_func("/prune/lock/killed-holder", test_lock_killed_holder);
	g_test_add_func("/prune/basic", test_prune_basic);
	g_test_add_func("/prune/delete", test_prune_delete);
	g_test_add_func("/prune/changed-file", test_prune_changed_file);
	g_test_add_func("/prune/originals", test_prune_originals);
	g_test_add_func("/prune/restore", test_restore);
	g_test_add_func("/prune/recover", test_recover);
	g_test_add_func("/prune/empty-trash", test_empty_trash);
	g_test_add_func("/prune/hostile-trash-rows", test_hostile_trash_rows);
	g_test_add_func("/prune/property", test_property);
	int code = g_test_run();
	imgopt_shutdown();
	return code;
}
