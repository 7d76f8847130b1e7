/*
 * test_fsio.c: atomic writes, path arithmetic and the walker.
 */
#include "atomic.h"
#include "fsio.h"
#include "testutil.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

static void
test_normalize(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"a/b/c", "a/b/c"}, {"a//b/./c", "a/b/c"},
		{"a/../b", "b"},    {"./a/", "a"},
		{"", ""},           {"a/..", ""},
		{"..", NULL},       {"a/../../b", NULL},
		{"/a/b", "a/b"},    {"a/b/../../..", NULL},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = imgopt_fs_normalize(cases[i].in);

		g_assert_cmpstr(got, ==, cases[i].out);
	}
}

static void
test_relative(void)
{
	g_autofree char *a = imgopt_fs_relative("/site", "/site/img/x.png");
	g_autofree char *b = imgopt_fs_relative("/site", "/site");
	g_autofree char *c = imgopt_fs_relative("/site", "/sitex/y");
	g_autofree char *d = imgopt_fs_relative("/site", "/other");
	g_autofree char *e = imgopt_fs_relative("/", "/etc/x");

	g_assert_cmpstr(a, ==, "img/x.png");
	g_assert_cmpstr(b, ==, "");
	g_assert_null(c);
	g_assert_null(d);
	g_assert_cmpstr(e, ==, "etc/x");
}

/* imgopt_fs_join() gives g_build_filename()'s string, in its fast case
 * and in every case it hands on. */
static void
test_join(void)
{
	static const struct {
		const char *dir, *name, *out;
	} cases[] = {
		{"img", "a.png", "img/a.png"},
		{"/site/img", "x/y.jpg", "/site/img/x/y.jpg"},
		{"", "a.png", "a.png"},
		{"img/", "a.png", "img/a.png"},
		{"/", "etc", "/etc"},
		{"img", "/a.png", "img/a.png"},
		{"img", "", "img"},
		{"a//", "//b", "a/b"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got =
			imgopt_fs_join(cases[i].dir, cases[i].name);
		g_autofree char *want =
			g_build_filename(cases[i].dir, cases[i].name, NULL);

		g_assert_cmpstr(got, ==, cases[i].out);
		g_assert_cmpstr(got, ==, want);
	}
}

static void
test_write_atomic(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "post.md", NULL);
	g_autoptr(GError) error = NULL;
	GStatBuf st;
	gsize len = 0;

	tu_write(path, "old");
	g_assert_true(
		imgopt_atomic_write(path, "new\r\n", 5, 0600, true, &error));
	g_assert_no_error(error);
	g_autofree char *text = tu_read(path, &len);
	g_assert_cmpuint(len, ==, 5);
	g_assert_cmpmem(text, len, "new\r\n", 5);
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);

	/* No temporary file is left beside it. */
	g_autoptr(GPtrArray) left =
		imgopt_fs_walk(dir, NULL, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(left->len, ==, 1);

	g_autofree char *missing = g_build_filename(dir, "no/such/dir/x", NULL);
	g_assert_false(
		imgopt_atomic_write(missing, "x", 1, 0644, false, &error));
	g_assert_nonnull(error);
	tu_rmtree(dir);
}

static bool
skip_dot(const char *rel, const char *name, bool is_dir, void *user_data)
{
	(void)rel;
	(void)is_dir;
	(void)user_data;
	return name[0] != '.';
}

static void
test_walk(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *loop = g_build_filename(dir, "a/loop", NULL);
	g_autofree char *fifo = g_build_filename(dir, "a/fifo", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) types = NULL;

	for (const char *const *p =
		     (const char *const[]){"b/z.png", "a/y.jpg", "a/c/x.gif",
					   ".hidden/h.png", "a/.dot.png", NULL};
	     *p; p++) {
		g_autofree char *f = g_build_filename(dir, *p, NULL);
		tu_write(f, "x");
	}
	/* A symlink loop and a FIFO: listed, never followed or opened. */
	g_assert_cmpint(symlink("..", loop), ==, 0);
	g_assert_cmpint(mkfifo(fifo, 0644), ==, 0);

	g_autoptr(GPtrArray) all =
		imgopt_fs_walk(dir, skip_dot, NULL, &types, &error);
	g_assert_no_error(error);
	const char *expect[] = {"a/c/x.gif", "a/fifo", "a/loop", "a/y.jpg",
				"b/z.png"};
	g_assert_cmpuint(all->len, ==, G_N_ELEMENTS(expect));
	for (guint i = 0; i < all->len; i++)
		g_assert_cmpstr(g_ptr_array_index(all, i), ==, expect[i]);
	g_assert_cmpuint(GPOINTER_TO_UINT(types->pdata[1]), ==,
			 IMGOPT_FS_SPECIAL);
	g_assert_cmpuint(GPOINTER_TO_UINT(types->pdata[2]), ==,
			 IMGOPT_FS_SYMLINK);
	g_assert_cmpuint(GPOINTER_TO_UINT(types->pdata[3]), ==,
			 IMGOPT_FS_REGULAR);

	g_autofree char *nope = g_build_filename(dir, "nope", NULL);
	g_assert_null(imgopt_fs_walk(nope, NULL, NULL, NULL, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	tu_rmtree(dir);
}

/* The filter of test_walk_dir(): sees paths from the root, skips one. */
static bool
skip_sub_c(const char *rel, const char *name, bool is_dir, void *user_data)
{
	(void)name;
	(void)user_data;
	g_assert_true(g_str_has_prefix(rel, "a/"));
	return !(is_dir && strcmp(rel, "a/c") == 0);
}

static void
test_walk_dir(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) types = NULL;
	g_autoptr(GPtrArray) unlisted = NULL;

	for (const char *const *p =
		     (const char *const[]){"a/y.jpg", "a/c/x.gif", "a/d/w.gif",
					   "b/z.png", NULL};
	     *p; p++) {
		g_autofree char *f = g_build_filename(dir, *p, NULL);
		tu_write(f, "x");
	}
	/* Below a folder, relative to the root, filtered on those paths. */
	g_autoptr(GPtrArray) found = imgopt_fs_walk_dir(
		dir, "a", skip_sub_c, NULL, &types, &unlisted, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(found->len, ==, 2);
	g_assert_cmpstr(found->pdata[0], ==, "a/d/w.gif");
	g_assert_cmpstr(found->pdata[1], ==, "a/y.jpg");
	g_assert_cmpuint(types->len, ==, 2);
	g_assert_cmpuint(unlisted->len, ==, 0);
	g_clear_pointer(&unlisted, g_ptr_array_unref);

	/* A folder that cannot be listed is said, with why, not an error. */
	g_autoptr(GPtrArray) none = imgopt_fs_walk_dir(dir, "gone", NULL, NULL,
						       NULL, &unlisted, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(none->len, ==, 0);
	g_assert_cmpuint(unlisted->len, ==, 1);
	const ImgoptProblem *p = g_ptr_array_index(unlisted, 0);
	g_assert_cmpstr(p->path, ==, "gone");
	g_assert_true(
		g_str_has_prefix(p->message, "gone: folder not listed: "));

	/* Without the list, it is an error. */
	g_assert_null(imgopt_fs_walk_dir(dir, "gone", NULL, NULL, NULL, NULL,
					 &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	tu_rmtree(dir);
}

/* imgopt_fs_realpath_below() answers as realpath() of the joined path;
 * the stat it gives, when it gives one (@has_stat: it must), is the
 * target's. */
static void
assert_same_realpath(const char *root, const char *rel, bool has_stat)
{
	g_autofree char *abs = g_build_filename(root, rel, NULL);
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autofree char *want = imgopt_fs_realpath(abs, &e1);
	struct stat st, target;
	g_autofree char *got = imgopt_fs_realpath_below(root, rel, &st, &e2);

	g_assert_cmpstr(got, ==, want);
	if (want == NULL)
		g_assert_true(e1->code == e2->code);
	g_assert_true(has_stat == (st.st_mode != 0));
	if (st.st_mode == 0)
		return;
	g_assert_cmpint(stat(got, &target), ==, 0);
	g_assert_cmpuint(st.st_ino, ==, target.st_ino);
	g_assert_cmpuint(st.st_mode, ==, target.st_mode);
}

static void
test_realpath_below(void)
{
	g_autofree char *tmp = tu_tmpdir();
	g_autofree char *root = imgopt_fs_realpath(tmp, NULL);
	g_autofree char *a = g_build_filename(root, "img/a.jpg", NULL);
	g_autofree char *out = g_build_filename(root, "../outside", NULL);
	g_autofree char *l1 = g_build_filename(root, "link", NULL);
	g_autofree char *l2 = g_build_filename(root, "img/up", NULL);
	g_autofree char *l3 = g_build_filename(root, "img/b.jpg", NULL);
	const char *rels[] = {"img/a.jpg",   "img",         "img/missing.jpg",
			      "img/a.jpg/x", "link/a.jpg",  "img/up/img/a.jpg",
			      "img/b.jpg",   "img/./a.jpg", "img/../img/a.jpg",
			      "img//a.jpg",  "img/",        "nothing/a.jpg"};

	tu_write(a, "x");
	g_assert_cmpint(symlink("img", l1), ==, 0);
	g_assert_cmpint(symlink("..", l2), ==, 0);
	g_assert_cmpint(symlink(out, l3), ==, 0); /* dangling, outside */
	for (size_t i = 0; i < G_N_ELEMENTS(rels); i++)
		assert_same_realpath(root, rels[i], i < 2);
	tu_rmtree(tmp);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/fsio/normalize", test_normalize);
	g_test_add_func("/fsio/relative", test_relative);
	g_test_add_func("/fsio/join", test_join);
	g_test_add_func("/fsio/write-atomic", test_write_atomic);
	g_test_add_func("/fsio/realpath-below", test_realpath_below);
	g_test_add_func("/fsio/walk", test_walk);
	g_test_add_func("/fsio/walk-dir", test_walk_dir);
	return g_test_run();
}
