/*
 * test_paths.c: imgopt_fs_check_site_path(), the one check every path
 * read from the manifest passes before it is used (issue 15, item 3).
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fsio.h"
#include "imgopt/error.h"
#include "testutil.h"

/* Lexical refusals: nothing about the disk is needed to see them. */
static void
test_lexical(void)
{
	static const char *const bad[] = {
		"",
		"/etc/passwd",
		"../canary",
		"img/../../canary",
		"img/./a.png",
		"img//a.png",
		"img/",
		"./img/a.png",
		"..",
		"img/..",
	};
	g_autofree char *tmp = tu_tmpdir();
	g_autofree char *root = imgopt_fs_realpath(tmp, NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;

		g_assert_false(imgopt_fs_check_site_path(root, bad[i], &error));
		g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE);
		g_assert_nonnull(strstr(error->message, bad[i]));
	}
	/* A name that only looks like a climb is a name: `%2e%2e` is not
	 * decoded (the manifest holds file names, not URLs). */
	g_assert_true(imgopt_fs_check_site_path(root, "img/a.png", NULL));
	g_assert_true(imgopt_fs_check_site_path(root, "%2e%2e/x", NULL));
	g_assert_true(imgopt_fs_check_site_path(root, "..x/y", NULL));
	tu_rmtree(tmp);
}

/* Physical refusals: a symlink on the way (or at the end) leading out,
 * even one that dangles. */
static void
test_symlinks(void)
{
	g_autofree char *tmp = tu_tmpdir();
	g_autofree char *real = imgopt_fs_realpath(tmp, NULL);
	g_autofree char *root = g_build_filename(real, "site", NULL);
	g_autofree char *out = g_build_filename(real, "out", NULL);
	g_autofree char *img = g_build_filename(root, "img", NULL);
	static const char *const links[][2] = {
		{"../out", "site/up"},
		{"../../out/x", "site/img/file"},
		{"../nowhere", "site/dangling"},
		{"img", "site/inside"},
	};

	g_assert_cmpint(g_mkdir_with_parents(img, 0755), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(out, 0755), ==, 0);
	for (size_t i = 0; i < G_N_ELEMENTS(links); i++) {
		g_autofree char *at = g_build_filename(real, links[i][1], NULL);

		g_assert_cmpint(symlink(links[i][0], at), ==, 0);
	}
	g_assert_false(imgopt_fs_check_site_path(root, "up", NULL));
	g_assert_false(imgopt_fs_check_site_path(root, "up/new/file", NULL));
	g_assert_false(imgopt_fs_check_site_path(root, "img/file", NULL));
	g_assert_false(imgopt_fs_check_site_path(root, "dangling", NULL));
	/* Inside, existing or not yet. */
	g_assert_true(imgopt_fs_check_site_path(root, "inside/a.png", NULL));
	g_assert_true(imgopt_fs_check_site_path(root, "img/new/deep", NULL));
	g_assert_true(imgopt_fs_check_site_path(root, "img", NULL));
	tu_rmtree(tmp);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/paths/lexical", test_lexical);
	g_test_add_func("/paths/symlinks", test_symlinks);
	return g_test_run();
}
