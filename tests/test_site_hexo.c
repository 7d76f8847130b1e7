/*
 * test_site_hexo.c: a Hexo site as imgopt sees it (layout.c, site_hexo.c):
 * its `_config.yml` (root, url, source_dir, theme, post_asset_folder),
 * POSTS and IMAGES found in its root, `/x` looked up in `source/` and the
 * theme's `source/`, where a reference's variant must live and at which
 * URL path Hexo publishes a file.  Files are empty: nothing is decoded.
 */
#include <string.h>

#include <glib/gstdio.h>

#include "imgopt/layout.h"
#include "imgopt/referrers.h"
#include "imgopt/site.h"

#include "testutil.h"

/* A Hexo site in a new temporary folder; @config is its _config.yml. */
static char *
make_site(const char *config)
{
	g_autofree char *tmp = tu_tmpdir();
	char *root = g_build_filename(tmp, "site", NULL);
	static const char *const files[] = {
		"scaffolds/post.md",
		"source/_posts/hello.md",
		"source/_posts/hello/a.jpg",
		"source/_posts/hello/optimized/v.jpg",
		"themes/mini/source/optimized/w.jpg",
		"source/_posts/2020/deep.md",
		"source/_posts/2020/deep/sub/b.jpg",
		"source/_posts/loose.jpg",
		"source/img/c.jpg",
		"source/_drafts/d.jpg",
		"source/about/index.md",
		"themes/mini/source/img/logo.png",
		"themes/mini/source/css/site.css",
		"themes/mini/layout/layout.ejs",
		"outside/e.jpg",
		"README.md",
		"themes/other/layout/x.ejs",
		NULL,
	};
	g_autofree char *cfg = g_build_filename(root, "_config.yml", NULL);

	tu_write(cfg, config);
	for (guint i = 0; files[i] != NULL; i++) {
		g_autofree char *p = g_build_filename(root, files[i], NULL);
		tu_write(p, "");
	}
	return root;
}

static const char *const config = "title: x\n"
				  "url: http://example.com/site\n"
				  "root: /blog/\n"
				  "source_dir: source\n"
				  "post_asset_folder: true\n"
				  "theme: mini # the fixture's\n"
				  "marked:\n"
				  "  root: /nested/\n";

static void
remove_site(const char *root)
{
	g_autofree char *tmp = g_path_get_dirname(root);

	tu_rmtree(tmp);
}

static void
test_config(void)
{
	g_autofree char *root = make_site(config);
	g_autoptr(ImgoptSiteLayout) sc = imgopt_site_layout_read(root);

	g_assert_cmpint(imgopt_layout_generator(root), ==,
			IMGOPT_GENERATOR_HEXO);
	g_assert_cmpstr(sc->baseurl, ==, "/blog");
	g_assert_cmpstr(sc->source_dir, ==, "source");
	g_assert_cmpstr(sc->theme, ==, "mini");
	g_assert_true(sc->post_asset_folder);
	remove_site(root);

	/* no root: the path of url; a root of "/": no base URL */
	g_free(root);
	root = make_site("url: https://example.com/x/\n");
	g_clear_pointer(&sc, imgopt_site_layout_free);
	sc = imgopt_site_layout_read(root);
	g_assert_cmpstr(sc->baseurl, ==, "/x");
	g_assert_null(sc->theme);
	g_assert_false(sc->post_asset_folder);
	remove_site(root);
	g_free(root);
	root = make_site("url: https://example.com/x\nroot: /\n");
	g_clear_pointer(&sc, imgopt_site_layout_free);
	sc = imgopt_site_layout_read(root);
	g_assert_null(sc->baseurl);
	remove_site(root);
}

static void
test_detect(void)
{
	g_autofree char *root = make_site(config);
	g_autofree char *posts = NULL, *images = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(imgopt_layout_detect_dirs(root, &posts, &images, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(posts, ==, "source/_posts");
	g_assert_cmpstr(images, ==, "source");
	remove_site(root);

	/* another source_dir */
	g_clear_pointer(&posts, g_free);
	g_clear_pointer(&images, g_free);
	g_free(root);
	root = make_site("source_dir: src/\n");
	g_autofree char *from = g_build_filename(root, "source", NULL);
	g_autofree char *to = g_build_filename(root, "src", NULL);
	g_assert_cmpint(g_rename(from, to), ==, 0);
	g_assert_true(imgopt_layout_detect_dirs(root, &posts, &images, &error));
	g_assert_cmpstr(posts, ==, "src/_posts");
	g_assert_cmpstr(images, ==, "src");
	remove_site(root);
}

static ImgoptSite *
open_site(const char *root)
{
	g_autofree char *posts =
		g_build_filename(root, "source", "_posts", NULL);
	g_autofree char *images = g_build_filename(root, "source", NULL);
	g_autoptr(GError) error = NULL;
	ImgoptSite *site = imgopt_site_open(posts, images, root, &error);

	g_assert_no_error(error);
	return site;
}

/* Resolves @url written in @post with @kind; returns the file or NULL. */
static char *
resolve(const ImgoptSite *site, const char *post, ImgoptRefKind kind,
	const char *url)
{
	g_autoptr(ImgoptRef) ref = imgopt_ref_new();

	ref->post = g_strdup(post);
	ref->kind = kind;
	ref->url = g_strdup(url);
	ref->raw = g_strdup(url);
	imgopt_site_resolve_ref(site, ref);
	return ref->status == IMGOPT_REF_STATUS_OK ? g_strdup(ref->resolved)
						   : NULL;
}

static void
assert_resolves(const ImgoptSite *site, const char *post, ImgoptRefKind kind,
		const char *url, const char *expected)
{
	g_autofree char *got = resolve(site, post, kind, url);

	g_test_message("%s in %s", url, post);
	g_assert_cmpstr(got, ==, expected);
}

static void
test_resolve(void)
{
	g_autofree char *root = make_site(config);
	g_autoptr(ImgoptSite) site = open_site(root);
	const char *hello = "source/_posts/hello.md";
	const char *css = "themes/mini/source/css/site.css";

	assert_resolves(site, hello, IMGOPT_REF_LIQUID_TAG, "a.jpg",
			"source/_posts/hello/a.jpg");
	assert_resolves(site, hello, IMGOPT_REF_MARKDOWN, "a.jpg",
			"source/_posts/hello/a.jpg");
	assert_resolves(site, hello, IMGOPT_REF_LIQUID_TAG, "/img/c.jpg",
			"source/img/c.jpg");
	/* the base URL (root:) is cut; the theme's source is published at
	 * the root too */
	assert_resolves(site, hello, IMGOPT_REF_MARKDOWN, "/blog/img/c.jpg",
			"source/img/c.jpg");
	assert_resolves(site, hello, IMGOPT_REF_HTML, "/img/logo.png",
			"themes/mini/source/img/logo.png");
	assert_resolves(site, css, IMGOPT_REF_CSS, "/img/logo.png",
			"themes/mini/source/img/logo.png");
	assert_resolves(site, css, IMGOPT_REF_CSS, "../img/logo.png",
			"themes/mini/source/img/logo.png");
	remove_site(root);
}

/* The variant folder of a reference to @resolved from @post. */
static char *
variant_dir(const ImgoptSite *site, const char *post, const char *resolved)
{
	g_autoptr(ImgoptRef) ref = imgopt_ref_new();

	ref->post = g_strdup(post);
	ref->kind = IMGOPT_REF_LIQUID_TAG;
	ref->resolved = g_strdup(resolved);
	ref->status = IMGOPT_REF_STATUS_OK;
	return imgopt_site_variant_dir(site, ref);
}

static void
test_variant_dir(void)
{
	g_autofree char *root = make_site(config);
	g_autoptr(ImgoptSite) site = open_site(root);
	static const char *const cases[][3] = {
		/* post, resolved, variant folder */
		{"source/_posts/hello.md", "source/_posts/hello/a.jpg",
		 "source/_posts/hello/optimized"},
		{"source/_posts/hello.md", "source/_posts/2020/deep/sub/b.jpg",
		 "source/_posts/2020/deep/optimized"},
		{"source/_posts/hello.md",
		 "source/_posts/hello/optimized/x.jpg",
		 "source/_posts/hello/optimized"},
		{"source/_posts/hello.md", "source/img/c.jpg",
		 "source/optimized"},
		{"source/about/index.md", "source/img/c.jpg",
		 "source/optimized"},
		{"themes/mini/source/css/site.css",
		 "themes/mini/source/img/logo.png",
		 "themes/mini/source/optimized"},
		{"source/_posts/hello.md", "source/_posts/loose.jpg",
		 "source/optimized"},
		{"source/_posts/hello.md", "outside/e.jpg", "source/optimized"},
	};

	g_assert_cmpint(imgopt_site_get_generator(site), ==,
			IMGOPT_GENERATOR_HEXO);
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got =
			variant_dir(site, cases[i][0], cases[i][1]);

		g_test_message("%s from %s", cases[i][1], cases[i][0]);
		g_assert_cmpstr(got, ==, cases[i][2]);
	}
	remove_site(root);
}

static void
test_url_path(void)
{
	g_autofree char *root = make_site(config);
	g_autoptr(ImgoptSite) site = open_site(root);
	static const char *const cases[][2] = {
		{"source/img/c.jpg", "img/c.jpg"},
		{"source/optimized/x.jpg", "optimized/x.jpg"},
		{"themes/mini/source/img/logo.png", "img/logo.png"},
		/* at the post's URL, not a path of its own */
		{"source/_posts/hello/a.jpg", NULL},
		/* not published */
		{"source/_drafts/d.jpg", NULL},
		{"themes/mini/layout/layout.ejs", NULL},
		{"outside/e.jpg", NULL},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = imgopt_site_url_path(site, cases[i][0]);

		g_test_message("%s", cases[i][0]);
		g_assert_cmpstr(got, ==, cases[i][1]);
	}
	remove_site(root);
}

/* What Hexo builds from: the configs, source/ and the theme; not the
 * scaffolds, a README at the root or another theme. */
static void
test_referrers(void)
{
	g_autofree char *root = make_site(config);
	g_autoptr(ImgoptSite) site = open_site(root);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) list = imgopt_referrers_list(site, &error);
	g_autoptr(GString) got = g_string_new(NULL);

	g_assert_no_error(error);
	for (guint i = 0; i < list->len; i++) {
		const ImgoptReferrer *r = g_ptr_array_index(list, i);

		g_string_append_printf(got, "%s %s\n", r->path,
				       imgopt_referrer_kind_name(r->kind));
	}
	g_assert_cmpstr(got->str, ==,
			"_config.yml config\n"
			"source/_posts/2020/deep.md post\n"
			"source/_posts/hello.md post\n"
			"source/about/index.md page\n"
			"themes/mini/layout/layout.ejs layout\n"
			"themes/mini/source/css/site.css stylesheet\n");
	remove_site(root);
}

/* Variants are imgopt's output, never its input: not in the name index,
 * in whichever folder they live. */
static void
test_index(void)
{
	g_autofree char *root = make_site(config);
	g_autoptr(ImgoptSite) site = open_site(root);
	const GPtrArray *images = imgopt_site_get_images(site);
	g_autoptr(GString) got = g_string_new(NULL);

	for (guint i = 0; i < images->len; i++)
		g_string_append_printf(got, "%s\n",
				       (char *)g_ptr_array_index(images, i));
	g_assert_cmpstr(got->str, ==,
			"source/_drafts/d.jpg\n"
			"source/_posts/2020/deep.md\n"
			"source/_posts/2020/deep/sub/b.jpg\n"
			"source/_posts/hello.md\n"
			"source/_posts/hello/a.jpg\n"
			"source/_posts/loose.jpg\n"
			"source/about/index.md\n"
			"source/img/c.jpg\n");
	remove_site(root);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/site_hexo/config", test_config);
	g_test_add_func("/site_hexo/detect", test_detect);
	g_test_add_func("/site_hexo/resolve", test_resolve);
	g_test_add_func("/site_hexo/variant_dir", test_variant_dir);
	g_test_add_func("/site_hexo/url_path", test_url_path);
	g_test_add_func("/site_hexo/referrers", test_referrers);
	g_test_add_func("/site_hexo/index", test_index);
	return g_test_run();
}
