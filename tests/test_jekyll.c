/*
 * test_jekyll.c: the real client.  On a copy of ../shared/sites/hux and on
 * a genblog blog, `jekyll build` must succeed before and after `imgopt`,
 * every local image the built pages show (`<img src>`, `srcset`
 * candidates, `url(...)` in styles) must exist in the output after the
 * run (no image lost: whatever was missing before, broken links being
 * left as written, is the most that may be missing after), and the bytes
 * of the images the pages show must drop.
 */
#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "builtsite.h"
#include "fsio.h"
#include "testutil.h"

static bool
has_jekyll(void)
{
	g_autofree char *path = g_find_program_in_path("jekyll");

	return path != NULL;
}

static void
jekyll_build(const char *site, const char *out)
{
	const char *argv[] = {"jekyll", "build", "-q", "-s",
			      site,     "-d",    out,  NULL};
	g_autofree char *err = NULL;
	int code = tu_run(argv, NULL, &err);

	if (code != 0)
		g_error("jekyll build -s %s failed (%d): %s", site, code, err);
}

/* Builds @site, runs imgopt on POSTS/IMAGES (with @option1 and @option2
 * if not NULL), builds again, compares; *@after_out gets what the pages
 * show after the run. */
static void
check_site(const char *tmp, const char *site, const char *images,
	   const char *option1, const char *option2, BuiltShown *after_out)
{
	g_autofree char *out1 = g_build_filename(tmp, "out-before", NULL);
	g_autofree char *out2 = g_build_filename(tmp, "out-after", NULL);
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *imgdir = g_build_filename(site, images, NULL);
	g_auto(BuiltShown) before = {0};
	g_auto(BuiltShown) after = {0};
	const char *argv[] = {"imgopt", posts,   imgdir, "-q",
			      option1,  option2, NULL};

	jekyll_build(site, out1);
	built_collect(out1, NULL, &before);
	g_assert_cmpint(tu_run(argv, NULL, NULL), <=, 1);
	jekyll_build(site, out2);
	built_collect(out2, NULL, &after);
	built_compare(&before, &after);
	/* A run makes only what it links (issue 17). */
	built_assert_all_linked(site, &after);
	if (after_out != NULL) {
		*after_out = after;
		after.missing = NULL;
		after.shown = NULL;
		after.named = NULL;
	}
}

/* Runs `imgopt COMMAND _posts img` in @site (as a user would, from the
 * site root); fails the test on a fatal error. */
static void
imgopt_in(const char *site, const char *command)
{
	const char *bin = g_getenv("IMGOPT_BIN");
	const char *argv[] = {bin, command, "_posts", "img", "-q", NULL};
	g_autofree char *err = NULL;
	g_autoptr(GError) error = NULL;
	int status = 0;

	g_assert_nonnull(bin);
	g_spawn_sync(site, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
		     NULL, &err, &status, &error);
	g_assert_no_error(error);
	g_test_message("imgopt %s: exit %d%s%s", command,
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		       *err != '\0' ? "\n" : "", err);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), <=, 1);
}

/* The whole Hux Blog as users have it (theme, pages, config, CSS, JS, a
 * service worker): run then prune must leave every image URL the built
 * site names resolving, the pages showing variants, and undo then restore
 * must give back the original tree. */
static void
test_hux_full(void)
{
	g_autofree char *hux = tu_shared("sites", "hux-full", NULL);

	if (hux == NULL || !has_jekyll()) {
		g_test_skip("no ../shared/sites/hux-full or no jekyll");
		return;
	}
	g_autofree char *tmp = tu_tmpdir();
	g_autofree char *site = g_build_filename(tmp, "hux-full", NULL);
	g_autofree char *out1 = g_build_filename(tmp, "out-before", NULL);
	g_autofree char *out2 = g_build_filename(tmp, "out-after", NULL);
	g_auto(BuiltShown) before = {0};
	g_auto(BuiltShown) after = {0};
	guint n_raster = 0, n_variants = 0;

	tu_copytree(hux, site);
	g_autoptr(GHashTable) original = tu_load_tree(site, ".imgopt");
	jekyll_build(site, out1);
	built_collect(out1, "https://huangxuan.me", &before);
	imgopt_in(site, "run");
	imgopt_in(site, "prune");
	jekyll_build(site, out2);
	built_collect(out2, "https://huangxuan.me", &after);
	built_compare(&before, &after);
	built_note_kept(&after, site);
	built_count_variants(&after, &n_raster, &n_variants);
	g_test_message("%u of %u distinct raster images shown come from the "
		       "variant folder",
		       n_variants, n_raster);
	g_assert_cmpuint(n_variants * 100, >=, 95 * n_raster);
	built_assert_all_linked(site, &after);
	imgopt_in(site, "undo");
	imgopt_in(site, "restore");
	g_autoptr(GHashTable) back = tu_load_tree(site, ".imgopt");
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, back);
	/* The variants stay (undo keeps them for the next run); jekyll
	 * keeps its cache in the source folder. */
	while (g_hash_table_iter_next(&it, &key, NULL))
		if (g_str_has_prefix(key, "img/optimized/") ||
		    g_str_has_prefix(key, ".jekyll-cache/"))
			g_hash_table_iter_remove(&it);
	tu_assert_same_tree(original, back, "hux-full after undo and restore");
	tu_rmtree(tmp);
}

static void
test_hux(void)
{
	g_autofree char *hux = tu_shared("sites", "hux", NULL);

	if (hux == NULL || !has_jekyll()) {
		g_test_skip("no ../shared/sites/hux or no jekyll");
		return;
	}
	g_autofree char *tmp = tu_tmpdir();
	g_autofree char *site = g_build_filename(tmp, "hux", NULL);

	tu_copytree(hux, site);
	check_site(tmp, site, "img", NULL, NULL, NULL);
	tu_rmtree(tmp);
}

static void
test_genblog(gconstpointer data)
{
	bool is_picture = data != NULL;
	const char *genblog = g_getenv("GENBLOG");
	g_autofree char *layouts = tu_shared("sites", "hux", "_layouts", NULL);

	if (genblog == NULL || !has_jekyll()) {
		g_test_skip("no GENBLOG (tools/genblog) or no jekyll");
		return;
	}
	g_autofree char *tmp = tu_tmpdir();
	g_autofree char *site = g_build_filename(tmp, "blog", NULL);
	const char *argv[] = {genblog, "--posts", "40", "--images",
			      "120",   "--seed",  "7",  "--sizes",
			      "tiny",  "--out",   site, NULL};

	g_assert_cmpint(tu_run(argv, NULL, NULL), ==, 0);
	/* The Hux layouts show header-img as a style url(). */
	if (layouts != NULL) {
		g_autofree char *dst = g_build_filename(site, "_layouts", NULL);
		tu_copytree(layouts, dst);
	}
	if (!is_picture) {
		check_site(tmp, site, "postimg", NULL, NULL, NULL);
		tu_rmtree(tmp);
		return;
	}
	/* --srcset with WebP and AVIF: each Markdown image becomes a
	 * <picture> whose <source>s kramdown keeps in the built page. */
	g_auto(BuiltShown) after = {0};
	check_site(tmp, site, "postimg", "--srcset", "--formats=jpeg,webp,avif",
		   &after);
	g_test_message("%u <picture>, %u <source> in the built pages",
		       after.n_pictures, after.n_sources);
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autoptr(GHashTable) tree = tu_load_tree(posts, NULL);
	GHashTableIter it;
	gpointer text;
	guint in_posts = 0;

	g_hash_table_iter_init(&it, tree);
	while (g_hash_table_iter_next(&it, NULL, &text)) {
		g_autofree char *t = g_strndup(g_bytes_get_data(text, NULL),
					       g_bytes_get_size(text));
		for (const char *p = t;
		     (p = strstr(p, "<picture><source type=\"image/")) != NULL;
		     p++)
			in_posts++;
	}
	g_test_message("%u <picture> in the posts", in_posts);
	/* Recompress keeps an AVIF or WebP variant only where it pays, so a
	 * <picture> has one or two <source>s. */
	g_assert_cmpuint(in_posts, >, 10);
	g_assert_cmpuint(after.n_pictures, >=, in_posts);
	g_assert_cmpuint(after.n_sources, >=, after.n_pictures);
	g_assert_cmpuint(after.n_sources, <=, 2 * after.n_pictures);
	tu_rmtree(tmp);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/jekyll/hux", test_hux);
	g_test_add_func("/jekyll/hux-full", test_hux_full);
	g_test_add_data_func("/jekyll/genblog", NULL, test_genblog);
	g_test_add_data_func("/jekyll/genblog-picture", "picture",
			     test_genblog);
	return g_test_run();
}
