/*
 * test_referrers.c: which files of a site can name an image, and their
 * kinds: the whole Hux Blog (hux-full) as users have it, and a small tree
 * with every skipped folder.
 */
#include <string.h>

#include "imgopt/imgopt.h"
#include "testutil.h"

/* path → kind name, of every referrer of the site at @root. */
static GHashTable *
list(const char *root, const char *posts, const char *images)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *p = g_build_filename(root, posts, NULL);
	g_autofree char *i = g_build_filename(root, images, NULL);
	g_autoptr(ImgoptSite) site = imgopt_site_open(p, i, root, &error);
	g_assert_no_error(error);
	g_autoptr(GPtrArray) refs = imgopt_referrers_list(site, &error);
	g_assert_no_error(error);
	GHashTable *out =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (guint k = 0; k < refs->len; k++) {
		const ImgoptReferrer *r = g_ptr_array_index(refs, k);

		if (k > 0) {
			const ImgoptReferrer *prev =
				g_ptr_array_index(refs, k - 1);
			g_assert_cmpint(strcmp(prev->path, r->path), <, 0);
		}
		g_hash_table_insert(
			out, g_strdup(r->path),
			(gpointer)imgopt_referrer_kind_name(r->kind));
	}
	return out;
}

static void
assert_kind(GHashTable *refs, const char *path, const char *kind)
{
	g_test_message("%s", path);
	g_assert_cmpstr(g_hash_table_lookup(refs, path), ==, kind);
}

/* Every file of the theme that names an image is listed, with its kind;
 * what Jekyll neither reads nor publishes is not. */
static void
test_hux_full(void)
{
	g_autofree char *root = tu_shared("sites", "hux-full", NULL);

	if (root == NULL) {
		g_test_skip("no ../shared/sites/hux-full");
		return;
	}
	g_autoptr(GHashTable) refs = list(root, "_posts", "img");

	assert_kind(refs, "_config.yml", "config");
	assert_kind(refs, "_layouts/default.html", "layout");
	assert_kind(refs, "_includes/head.html", "include");
	assert_kind(refs, "index.html", "page");
	assert_kind(refs, "about.html", "page");
	assert_kind(refs, "404.html", "page");
	assert_kind(refs, "css/hux-blog.min.css", "stylesheet");
	assert_kind(refs, "sw.js", "script");
	assert_kind(refs, "pwa/manifest.json", "json");
	assert_kind(refs, "feed.xml", "feed");
	assert_kind(refs, "search.json", "json");
	/* the posts, and the post bodies kept in _includes/posts/ */
	assert_kind(refs, "_posts/2015-12-15-ios9-safari-web.markdown", "post");
	GHashTableIter it;
	gpointer key;
	guint n_posts = 0, n_post_bodies = 0;
	g_hash_table_iter_init(&it, refs);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		n_posts += g_str_has_prefix(key, "_posts/");
		n_post_bodies += g_str_has_prefix(key, "_includes/posts/");
		/* `exclude: [less, README.md, package.json, …]`, `_doc/`
		 * (an `_` folder Jekyll does not read), images, fonts */
		g_assert_false(g_str_has_prefix(key, "less/"));
		g_assert_false(g_str_has_prefix(key, "_doc/"));
		g_assert_false(g_str_has_prefix(key, "img/"));
		g_assert_false(g_str_has_prefix(key, "fonts/"));
		g_assert_cmpstr(key, !=, "README.md");
		g_assert_cmpstr(key, !=, "package.json");
		g_assert_cmpstr(key, !=, "Gruntfile.js");
	}
	g_assert_cmpuint(n_posts, >, 40);
	g_assert_cmpuint(n_post_bodies, >, 0);
}

/* Build outputs, dependencies, dot folders, imgopt's folders and the
 * variants are never referrers; collections are. */
static void
test_skipped(void)
{
	g_autofree char *root = tu_tmpdir();
	static const char *const files[] = {
		"_config.yml",         "_posts/2020-01-01-a.md",
		"_site/index.html",    "node_modules/x/readme.md",
		"vendor/bundle/a.css", ".git/description.html",
		".imgopt/notes.md",    "img/optimized/notes.json",
		"img/a.png",           "_drafts/b.md",
		"_recipes/c.md",       "_private/d.md",
		"public/index.html",   "theme/layout/post.ejs",
		"js/app.mjs",          "_data/authors.yml",
		"_data/links.json",    "app.webmanifest",
	};
	for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *path = g_build_filename(root, files[i], NULL);
		tu_write(path, i == 0 ? "title: t\ncollections:\n  recipes:\n"
					"    output: true\n"
				      : "x\n");
	}
	g_autoptr(GHashTable) refs = list(root, "_posts", "img");

	assert_kind(refs, "_config.yml", "config");
	assert_kind(refs, "_posts/2020-01-01-a.md", "post");
	assert_kind(refs, "_drafts/b.md", "page");
	assert_kind(refs, "_recipes/c.md", "page");
	/* A Jekyll site publishes a public/ folder as it is. */
	assert_kind(refs, "public/index.html", "page");
	assert_kind(refs, "theme/layout/post.ejs", "layout");
	assert_kind(refs, "js/app.mjs", "script");
	assert_kind(refs, "_data/authors.yml", "data");
	assert_kind(refs, "_data/links.json", "data");
	assert_kind(refs, "app.webmanifest", "json");
	g_assert_cmpuint(g_hash_table_size(refs), ==, 10);
	tu_rmtree(root);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/referrers/hux-full", test_hux_full);
	g_test_add_func("/referrers/skipped-folders", test_skipped);
	return g_test_run();
}
