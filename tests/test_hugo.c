/*
 * test_hugo.c: the real client for Hugo sites (issue 17), on a copy of
 * fixtures/hugo-site (a baseURL with a path, a page bundle, static/
 * images, figure shortcodes, a cover and an images list in front
 * matter, YAML and TOML) whose photos are made here by vips.
 *
 * /hugo/scan: every image the pages `hugo` builds show comes from a
 * source file that `imgopt scan`, run with no arguments in the site
 * root, finds a rewritable reference to.
 *
 * /hugo/run: `hugo` builds before and after `imgopt` run with no
 * arguments in the site root; after it every local image the built pages
 * show exists, the bytes shown drop, at least 95% of the distinct raster
 * images shown come from variants, no variant file is linked by nothing,
 * and a second `imgopt` changes nothing: the run places each variant
 * where imgopt_site_variant_dir() says (a bundle's in the bundle, a
 * static image's under static/) and links it by imgopt_site_url_path().
 */
#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "builtsite.h"
#include "testutil.h"

#include <json-glib/json-glib.h>

static bool
has_hugo(void)
{
	g_autofree char *path = g_find_program_in_path("hugo");

	return path != NULL;
}

/* Builds @site into @out/blog, so that the URL path `/blog/x` of the
 * site's baseURL is the file @out/blog/x. */
static void
hugo_build(const char *site, const char *out)
{
	g_autofree char *dest = g_build_filename(out, "blog", NULL);
	const char *argv[] = {"hugo", "--quiet", "-s", site, "-d", dest, NULL};
	g_autofree char *err = NULL;
	int code = tu_run(argv, NULL, &err);

	if (code != 0)
		g_error("hugo -s %s failed (%d): %s", site, code, err);
}

/* The fixture's photos: noise saved at a high quality, worth
 * recompressing; paths relative to the site. */
static void
make_images(const char *site)
{
	static const char *const photos[] = {
		"static/img/cover.jpg",
		"static/img/shared.jpg",
		"static/img/card.jpg",
		"static/img/wide.jpg",
		"content/posts/bundle/photo.jpg",
	};
	g_autofree char *noise = g_build_filename(site, "..", "noise.v", NULL);
	g_autofree char *small = g_build_filename(site, "..", "small.v", NULL);

	tu_vips((const char *const[]){"gaussnoise", small, "640", "400",
				      "--sigma", "20", NULL});
	/* each photo its own noise: distinct contents, not duplicates */
	for (size_t i = 0; i < G_N_ELEMENTS(photos); i++) {
		g_autofree char *path = g_build_filename(site, photos[i], NULL);
		g_autofree char *dest = g_strconcat(path, "[Q=95]", NULL);

		tu_vips((const char *const[]){"gaussnoise", noise, "1200",
					      "800", "--sigma", "30", NULL});
		tu_vips((const char *const[]){"copy", noise, dest, NULL});
	}
	g_autofree char *png = g_build_filename(site, "content", "posts",
						"bundle", "diagram.png", NULL);
	tu_vips((const char *const[]){"copy", small, png, NULL});
	g_unlink(noise);
	g_unlink(small);
}

/* Runs `imgopt -q` (and @option, if not NULL) with no folder arguments
 * in @site, as a user would in a site root; returns its exit status (0
 * or 1, else the test fails). */
static int
imgopt_in(const char *site, const char *option)
{
	const char *bin = g_getenv("IMGOPT_BIN");
	const char *argv[] = {bin, "-q", option, NULL};
	g_autofree char *err = NULL;
	g_autoptr(GError) error = NULL;
	int status = 0;

	g_assert_nonnull(bin);
	g_spawn_sync(site, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
		     NULL, NULL, NULL, &err, &status, &error);
	g_assert_no_error(error);
	g_test_message("imgopt: exit %d%s%s",
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		       *err != '\0' ? "\n" : "", err);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), <=, 1);
	return WEXITSTATUS(status);
}

/* A copy of the fixture with its photos in @tmp/site, or NULL (the
 * test skipped) without hugo. */
static char *
fixture_copy(const char *tmp)
{
	g_autofree char *fixture = tu_fixture("hugo-site", NULL);
	char *site = g_build_filename(tmp, "site", NULL);

	if (!has_hugo()) {
		g_test_skip("no hugo on the PATH (Debian package hugo; "
			    "scripts/setup.sh installs it)");
		tu_rmtree(tmp);
		g_free(site);
		return NULL;
	}
	tu_copytree(fixture, site);
	make_images(site);
	return site;
}

/* The source file of @shown (a path of the built site below `blog/`):
 * the one of a static folder or of the content folder with its bytes. */
static char *
source_of(const char *site, const char *out, const char *shown)
{
	static const char *const dirs[] = {"static", "content"};
	g_autofree char *built = g_build_filename(out, shown, NULL);
	gsize n_built = 0;
	g_autofree char *bytes = tu_read(built, &n_built);

	g_assert_true(g_str_has_prefix(shown, "blog/"));
	for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
		g_autofree char *rel =
			g_build_filename(dirs[i], shown + 5, NULL);
		g_autofree char *path = g_build_filename(site, rel, NULL);
		gsize n = 0;
		g_autofree char *src = g_file_test(path, G_FILE_TEST_EXISTS)
					       ? tu_read(path, &n)
					       : NULL;

		if (src != NULL && n == n_built && memcmp(src, bytes, n) == 0)
			return g_steal_pointer(&rel);
	}
	g_error("no source file has the bytes of %s", shown);
	return NULL;
}

/* The files the rewritable, resolved references of `imgopt scan --json`
 * (no arguments, in @site) name. */
static GHashTable *
scanned_files(const char *site, guint *n_shortcodes_out)
{
	const char *bin = g_getenv("IMGOPT_BIN");
	const char *argv[] = {bin, "scan", "--json", NULL};
	g_autofree char *out = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	GHashTable *files =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	g_assert_nonnull(bin);
	g_spawn_sync(site, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
		     NULL, NULL, &out, NULL, NULL, &error);
	g_assert_no_error(error);
	json_parser_load_from_data(parser, out, -1, &error);
	g_assert_no_error(error);
	JsonArray *refs = json_object_get_array_member(
		json_node_get_object(json_parser_get_root(parser)),
		"references");
	*n_shortcodes_out = 0;
	for (guint i = 0; i < json_array_get_length(refs); i++) {
		JsonObject *r = json_array_get_object_element(refs, i);
		const char *resolved =
			json_object_get_string_member_with_default(
				r, "resolved", NULL);

		if (strcmp(json_object_get_string_member(r, "kind"),
			   "shortcode") == 0)
			(*n_shortcodes_out)++;
		if (resolved != NULL &&
		    strcmp(json_object_get_string_member(r, "role"),
			   "rewritable") == 0 &&
		    strcmp(json_object_get_string_member(r, "status"), "ok") ==
			    0)
			g_hash_table_add(files, g_strdup(resolved));
	}
	return files;
}

static void
test_scan(void)
{
	g_autofree char *tmp = tu_tmpdir();
	g_autofree char *site = fixture_copy(tmp);

	if (site == NULL)
		return;
	g_autofree char *out = g_build_filename(tmp, "out", NULL);
	g_auto(BuiltShown) shown = {0};
	GHashTableIter it;
	gpointer key;
	guint n_shortcodes = 0;

	hugo_build(site, out);
	built_collect(out, NULL, &shown);
	g_assert_cmpuint(g_hash_table_size(shown.missing), ==, 0);
	g_assert_cmpuint(g_hash_table_size(shown.shown), ==, 7);
	g_autoptr(GHashTable) found = scanned_files(site, &n_shortcodes);
	g_assert_cmpuint(n_shortcodes, ==, 2);
	g_hash_table_iter_init(&it, shown.shown);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		g_autofree char *src = source_of(site, out, key);

		if (!g_hash_table_contains(found, src))
			g_error("the pages show %s (%s), which imgopt scan "
				"does not find",
				(char *)key, src);
	}
	tu_rmtree(tmp);
}

/* @data: NULL, or an option of the run: "--srcset" must leave the
 * Markdown images Markdown, since Hugo's Goldmark (raw HTML off by
 * default) would drop the <img> they would become. */
static void
test_run(gconstpointer data)
{
	const char *option = data;
	g_autofree char *tmp = tu_tmpdir();
	g_autofree char *site = fixture_copy(tmp);

	if (site == NULL)
		return;
	g_autofree char *out1 = g_build_filename(tmp, "out-before", NULL);
	g_autofree char *out2 = g_build_filename(tmp, "out-after", NULL);
	g_auto(BuiltShown) before = {0};
	g_auto(BuiltShown) after = {0};
	guint n_raster = 0, n_variants = 0;

	hugo_build(site, out1);
	built_collect(out1, NULL, &before);
	g_assert_cmpuint(g_hash_table_size(before.missing), ==, 0);
	imgopt_in(site, option);
	hugo_build(site, out2);
	built_collect(out2, NULL, &after);
	built_compare(&before, &after);
	g_assert_cmpuint(g_hash_table_size(after.missing), ==, 0);
	built_count_variants(&after, &n_raster, &n_variants);
	g_test_message("%u of %u distinct raster images shown come from "
		       "variants",
		       n_variants, n_raster);
	g_assert_cmpuint(n_raster, >=, 6);
	g_assert_cmpuint(n_variants * 100, >=, 95 * n_raster);
	built_assert_all_linked(site, &after);
	/* a second run changes nothing */
	g_autoptr(GHashTable) once = tu_load_tree(site, ".imgopt");
	imgopt_in(site, option);
	g_autoptr(GHashTable) twice = tu_load_tree(site, ".imgopt");
	tu_assert_same_tree(once, twice, "the site after a second imgopt");
	tu_rmtree(tmp);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/hugo/scan", test_scan);
	g_test_add_data_func("/hugo/run", NULL, test_run);
	g_test_add_data_func("/hugo/run-srcset", "--srcset", test_run);
	return g_test_run();
}
