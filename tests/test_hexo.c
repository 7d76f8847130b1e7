/*
 * test_hexo.c: the real client for Hexo (issue 17).  On a copy of
 * fixtures/hexo-site (post asset folders, `root: /blog/`, `asset_img`
 * tags in an HTML table and a list, Markdown and HTML into an asset
 * folder, a `source/` page with an `{% img %}` tag, a theme whose
 * stylesheet shows a theme image), its images replaced by large ones
 * worth recompressing: `hexo generate` must succeed before and after
 * `imgopt` run with no arguments in the site root; after, every local
 * image the built pages show exists, the bytes shown drop, at least 95%
 * of the distinct raster images shown come from variants, no variant
 * file is linked by nothing, and a second `imgopt` changes nothing.
 *
 * Hexo comes from tests/hexo (tests/hexo/install.sh, run by
 * scripts/setup.sh test); without it or without node the test is
 * skipped.
 */
#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "builtsite.h"
#include "testutil.h"

/* The fixture's images, made large at test time (the committed ones are
 * small thumbnails: fixtures stay under 15 KB a file). */
static const char *const images[] = {
	"source/_posts/hello/cover.jpg",     "source/_posts/hello/one.jpg",
	"source/_posts/hello/two.jpg",       "source/_posts/hello/three.jpg",
	"source/_posts/second/photo.jpg",    "source/img/shared.jpg",
	"themes/mini/source/img/banner.jpg",
};

/* tests/hexo/node_modules, if Hexo is installed there and node runs. */
static char *
hexo_modules(void)
{
	const char *srcdir = g_getenv("G_TEST_SRCDIR");
	g_autofree char *node = g_find_program_in_path("node");

	if (srcdir == NULL || node == NULL)
		return NULL;
	char *modules = g_build_filename(srcdir, "hexo", "node_modules", NULL);
	g_autofree char *bin = g_build_filename(modules, ".bin", "hexo", NULL);
	if (!g_file_test(bin, G_FILE_TEST_IS_EXECUTABLE)) {
		g_free(modules);
		return NULL;
	}
	return modules;
}

/* Runs @argv in @dir; fails the test unless it exits with at most
 * @max_status.  Returns its standard output. */
static char *
run_in(const char *dir, const char *const *argv, int max_status)
{
	g_autofree char *err = NULL;
	g_autoptr(GError) error = NULL;
	char *out = NULL;
	int status = 0;

	g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
		     &out, &err, &status, &error);
	g_assert_no_error(error);
	g_test_message("%s %s: exit %d%s%s", argv[0], argv[1] ? argv[1] : "",
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		       *err != '\0' ? "\n" : "", err);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), <=, max_status);
	return out;
}

/* `hexo generate` in @site, its `public/` moved to @out. */
static void
hexo_generate(const char *site, const char *out)
{
	const char *argv[] = {"../node_modules/.bin/hexo", "generate", NULL};
	g_autofree char *public = g_build_filename(site, "public", NULL);

	g_free(run_in(site, argv, 0));
	g_assert_cmpint(g_rename(public, out), ==, 0);
	/* Hexo's cache (db.json) stays, as a user's does: imgopt removes
	 * it when it placed variants (imgopt_hexo_forget_cache()) */
}

/* `imgopt` with no arguments in @site, as a Hexo user runs it. */
static void
imgopt_in(const char *site)
{
	const char *argv[] = {g_getenv("IMGOPT_BIN"), "-q", NULL};

	g_assert_nonnull(argv[0]);
	g_free(run_in(site, argv, 1));
}

/* The copied fixture in @tmp, with large images; Hexo's modules beside
 * it, in @tmp/node_modules, where Node looks for them from the site (and
 * the site's own files are only the fixture's). */
static char *
make_site(const char *tmp, const char *modules)
{
	g_autofree char *fixture = tu_fixture("hexo-site", NULL);
	char *site = g_build_filename(tmp, "site", NULL);
	g_autofree char *link = g_build_filename(tmp, "node_modules", NULL);
	g_autofree char *noise = g_build_filename(tmp, "noise.v", NULL);
	g_autofree char *blur = g_build_filename(tmp, "blur.v", NULL);

	tu_copytree(fixture, site);
	g_assert_cmpint(symlink(modules, link), ==, 0);
	for (gsize i = 0; i < G_N_ELEMENTS(images); i++) {
		g_autofree char *path = g_build_filename(site, images[i], NULL);
		g_autofree char *out = g_strconcat(path, "[Q=97]", NULL);
		const char *gen[] = {"gaussnoise", noise, "1600", "1000",
				     "--sigma",    "50",  NULL};
		const char *smooth[] = {"gaussblur", noise, blur, "1.5", NULL};
		const char *save[] = {"copy", blur, out, NULL};

		tu_vips(gen);
		tu_vips(smooth);
		tu_vips(save);
	}
	return site;
}

static void
test_hexo_site(void)
{
	g_autofree char *modules = hexo_modules();
	if (modules == NULL) {
		g_test_skip("no Hexo in tests/hexo/node_modules (run "
			    "tests/hexo/install.sh) or no node");
		return;
	}
	g_autofree char *tmp = tu_tmpdir();
	g_autofree char *site = make_site(tmp, modules);
	g_autofree char *out1 = g_build_filename(tmp, "out-before", NULL);
	g_autofree char *out2 = g_build_filename(tmp, "out-after", NULL);
	g_auto(BuiltShown) before = {0};
	g_auto(BuiltShown) after = {0};
	guint n_raster = 0, n_variants = 0;

	hexo_generate(site, out1);
	/* `root: /blog/`: the pages name /blog/x for public/x */
	built_collect(out1, "/blog", &before);
	g_assert_cmpuint(before.n_images, >=, G_N_ELEMENTS(images));
	imgopt_in(site);
	hexo_generate(site, out2);
	built_collect(out2, "/blog", &after);
	built_compare(&before, &after);
	built_count_variants(&after, &n_raster, &n_variants);
	g_test_message("%u of %u distinct raster images shown come from "
		       "variants",
		       n_variants, n_raster);
	g_assert_cmpuint(n_raster, >=, G_N_ELEMENTS(images));
	g_assert_cmpuint(n_variants * 100, >=, 95 * n_raster);
	built_assert_all_linked(site, &after);

	/* a second run changes nothing */
	g_autoptr(GHashTable) once = tu_load_tree(site, ".imgopt");
	imgopt_in(site);
	g_autoptr(GHashTable) twice = tu_load_tree(site, ".imgopt");
	tu_assert_same_tree(once, twice, "the site after a second imgopt");
	tu_rmtree(tmp);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/hexo/site", test_hexo_site);
	return g_test_run();
}
