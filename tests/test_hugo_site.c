/*
 * test_hugo_site.c: a Hugo site as imgopt sees it (issue 17), on tiny
 * sites built in temporary folders: its config, what `/x` and front
 * matter values resolve to (static folders, page bundles), where the
 * variant a reference links must live and at which URL Hugo publishes a
 * file (imgopt_site_variant_dir(), imgopt_site_url_path()).
 */
#include <string.h>

#include <glib/gstdio.h>

#include "imgopt/imgopt.h"
#include "testutil.h"

/* Writes @text to @root/@rel, making its folders. */
static void
put(const char *root, const char *rel, const char *text)
{
	g_autofree char *path = g_build_filename(root, rel, NULL);
	g_autofree char *parent = g_path_get_dirname(path);

	g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
	tu_write(path, text);
}

/* A Hugo site with a baseURL path, two static folders, a leaf bundle
 * (with a subfolder), a branch bundle, a plain page and assets/. */
static char *
make_site(void)
{
	static const char *const files[] = {
		"content/posts/bundle/index.md",
		"content/posts/bundle/photo.jpg",
		"content/posts/bundle/img/deep.jpg",
		"content/posts/_index.md",
		"content/posts/plain.md",
		"content/posts/loose.jpg",
		"content/posts/plain/side.jpg",
		"static/posts/plain/st.jpg",
		"static/img/a.jpg",
		"static/other/b.jpg",
		"more/c.jpg",
		"assets/d.jpg",
		"themes/t/static/img/th.jpg",
	};
	char *root = tu_tmpdir();

	put(root, "hugo.toml",
	    "baseURL = \"https://example.org/blog/\"\n"
	    "staticDir = [\"static\", \"more\"]\ntheme = \"t\"\n"
	    "[params]\nx = 1\n");
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++)
		put(root, files[i], "x");
	return root;
}

static ImgoptSite *
open_at(const char *root, const char *posts, const char *images)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *p = g_build_filename(root, posts, NULL);
	g_autofree char *i = g_build_filename(root, images, NULL);
	ImgoptSite *site = imgopt_site_open(p, i, NULL, &error);

	g_assert_no_error(error);
	return site;
}

/* Resolves @url of @kind from @post: it must be OK at @resolved, its
 * variant must live in @dir, and @resolved be published at @url_path. */
static void
assert_place(const ImgoptSite *site, const char *post, ImgoptRefKind kind,
	     const char *url, const char *resolved, const char *dir,
	     const char *url_path)
{
	g_autoptr(ImgoptRef) ref = imgopt_ref_new();

	ref->post = g_strdup(post);
	ref->kind = kind;
	ref->url = g_strdup(url);
	imgopt_site_resolve_ref(site, ref);
	g_assert_cmpstr(imgopt_ref_status_name(ref->status), ==, "ok");
	g_assert_cmpstr(ref->resolved, ==, resolved);
	g_autofree char *got_dir = imgopt_site_variant_dir(site, ref);
	g_assert_cmpstr(got_dir, ==, dir);
	g_autofree char *got_url = imgopt_site_url_path(site, resolved);
	g_assert_cmpstr(got_url, ==, url_path);
}

/* Page bundles keep their variants; static images (a theme's too) go to
 * IMAGES' variant folder when IMAGES is published at `/`; each is
 * published where Hugo puts it. */
static void
test_variant_dirs(void)
{
	g_autofree char *root = make_site();
	g_autoptr(ImgoptSite) site = open_at(root, "content", "static/img");
	const char *bundle = "content/posts/bundle/index.md";
	const char *plain = "content/posts/plain.md";

	g_assert_cmpint(imgopt_site_get_generator(site), ==,
			IMGOPT_GENERATOR_HUGO);
	g_assert_cmpstr(imgopt_site_get_baseurl(site), ==, "/blog");
	assert_place(site, bundle, IMGOPT_REF_MARKDOWN, "photo.jpg",
		     "content/posts/bundle/photo.jpg",
		     "content/posts/bundle/optimized", NULL);
	assert_place(site, bundle, IMGOPT_REF_MARKDOWN, "img/deep.jpg",
		     "content/posts/bundle/img/deep.jpg",
		     "content/posts/bundle/optimized", NULL);
	assert_place(site, bundle, IMGOPT_REF_MARKDOWN, "/blog/img/a.jpg",
		     "static/img/a.jpg", "static/img/optimized", "img/a.jpg");
	assert_place(site, plain, IMGOPT_REF_MARKDOWN, "/img/a.jpg",
		     "static/img/a.jpg", "static/img/optimized", "img/a.jpg");
	assert_place(site, plain, IMGOPT_REF_MARKDOWN, "/other/b.jpg",
		     "static/other/b.jpg", "static/img/optimized",
		     "other/b.jpg");
	assert_place(site, plain, IMGOPT_REF_MARKDOWN, "/blog/c.jpg",
		     "more/c.jpg", "static/img/optimized", "c.jpg");
	/* a theme's static folder is published at `/` too */
	assert_place(site, plain, IMGOPT_REF_MARKDOWN, "/blog/img/th.jpg",
		     "themes/t/static/img/th.jpg", "static/img/optimized",
		     "img/th.jpg");
	/* a branch bundle's file is published at its path; a page that is
	 * no bundle is published at /posts/plain/, so its relative links
	 * start there */
	assert_place(site, plain, IMGOPT_REF_MARKDOWN, "../loose.jpg",
		     "content/posts/loose.jpg", "content/posts/optimized",
		     "posts/loose.jpg");
	assert_place(site, plain, IMGOPT_REF_MARKDOWN, "side.jpg",
		     "content/posts/plain/side.jpg",
		     "content/posts/plain/optimized", "posts/plain/side.jpg");
	assert_place(site, plain, IMGOPT_REF_MARKDOWN, "st.jpg",
		     "static/posts/plain/st.jpg", "static/img/optimized",
		     "posts/plain/st.jpg");
	g_autoptr(ImgoptRef) beside = imgopt_ref_new();
	beside->post = g_strdup(plain);
	beside->kind = IMGOPT_REF_MARKDOWN;
	beside->url = g_strdup("loose.jpg");
	imgopt_site_resolve_ref(site, beside);
	g_assert_cmpint(beside->status, ==, IMGOPT_REF_STATUS_BROKEN);
	/* a cover in front matter goes through relURL: a site path */
	assert_place(site, bundle, IMGOPT_REF_FRONT_MATTER, "img/a.jpg",
		     "static/img/a.jpg", "static/img/optimized", "img/a.jpg");
	/* so is a config value (`[params] logo = "img/a.jpg"`) */
	assert_place(site, "hugo.toml", IMGOPT_REF_DATA, "img/a.jpg",
		     "static/img/a.jpg", "static/img/optimized", "img/a.jpg");
	/* the content folder is published at `/` too */
	assert_place(site, plain, IMGOPT_REF_MARKDOWN,
		     "/blog/posts/bundle/photo.jpg",
		     "content/posts/bundle/photo.jpg",
		     "content/posts/bundle/optimized", NULL);
	assert_place(site, plain, IMGOPT_REF_FRONT_MATTER, "posts/loose.jpg",
		     "content/posts/loose.jpg", "content/posts/optimized",
		     "posts/loose.jpg");
	g_autofree char *variant =
		imgopt_site_url_path(site, "static/img/optimized/a-1.webp");
	g_assert_cmpstr(variant, ==, "img/optimized/a-1.webp");
	g_autofree char *pipes = imgopt_site_url_path(site, "assets/d.jpg");
	g_assert_null(pipes);
	tu_rmtree(root);
}

/* POSTS and IMAGES may both be the content folder: a bundle's variants
 * live in the bundle, and a variant's variant folder is its own. */
static void
test_content_is_images(void)
{
	g_autofree char *root = make_site();
	g_autoptr(ImgoptSite) site = open_at(root, "content", "content");
	const char *bundle = "content/posts/bundle/index.md";

	assert_place(site, bundle, IMGOPT_REF_MARKDOWN, "photo.jpg",
		     "content/posts/bundle/photo.jpg",
		     "content/posts/bundle/optimized", NULL);
	/* IMAGES is not published: each static folder keeps its own
	 * variants, a theme's go to the site's first */
	assert_place(site, bundle, IMGOPT_REF_MARKDOWN, "/other/b.jpg",
		     "static/other/b.jpg", "static/optimized", "other/b.jpg");
	assert_place(site, bundle, IMGOPT_REF_MARKDOWN, "/c.jpg", "more/c.jpg",
		     "more/optimized", "c.jpg");
	assert_place(site, bundle, IMGOPT_REF_MARKDOWN, "/img/th.jpg",
		     "themes/t/static/img/th.jpg", "static/optimized",
		     "img/th.jpg");
	put(root, "content/posts/bundle/optimized/photo-1.webp", "x");
	assert_place(site, bundle, IMGOPT_REF_MARKDOWN,
		     "optimized/photo-1.webp",
		     "content/posts/bundle/optimized/photo-1.webp",
		     "content/posts/bundle/optimized", NULL);
	tu_rmtree(root);
}

/* `imgopt` with no arguments in a Hugo site root: POSTS is contentDir,
 * IMAGES the folder (inside a static folder, from the config) holding
 * most of what the pages show, YAML config too. */
static void
test_detect_dirs(void)
{
	g_autofree char *root = make_site();
	g_autoptr(GError) error = NULL;
	g_autofree char *toml = g_build_filename(root, "hugo.toml", NULL);
	char *posts = NULL, *images = NULL;

	put(root, "more/pics/e.jpg", "x");
	put(root, "more/pics/f.jpg", "x");
	put(root, "content/posts/plain.md",
	    "+++\nimages = [\"pics/e.jpg\"]\n+++\n"
	    "![](/blog/pics/f.jpg) ![](/img/a.jpg) ![](loose.jpg)\n"
	    "{{< figure src=\"/blog/pics/e.jpg\" >}}\n");
	g_assert_true(imgopt_layout_detect_dirs(root, &posts, &images, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(posts, ==, "content");
	g_assert_cmpstr(images, ==, "more/pics");
	g_clear_pointer(&posts, g_free);
	g_clear_pointer(&images, g_free);
	/* the same in YAML, with another content folder */
	g_assert_cmpint(g_unlink(toml), ==, 0);
	put(root, "config.yaml",
	    "baseURL: https://example.org/blog/\ncontentDir: pages\n"
	    "staticDir:\n  - static\n  - more\n");
	put(root, "pages/a.md", "![](/blog/img/a.jpg)\n");
	g_assert_true(imgopt_layout_detect_dirs(root, &posts, &images, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(posts, ==, "pages");
	g_assert_cmpstr(images, ==, "static/img");
	g_free(posts);
	g_free(images);
	tu_rmtree(root);
}

/* Goldmark keeps raw HTML only when the config says so, in any of the
 * forms Hugo reads: a TOML table, a dotted key, YAML's nesting, a
 * config/_default/markup file. */
static void
test_raw_html(void)
{
	static const struct {
		const char *name, *text;
		bool raw_html;
	} cases[] = {
		{"hugo.toml", "baseURL = \"/\"\n", false},
		{"hugo.toml", "[markup.goldmark.renderer]\n  unsafe = true\n",
		 true},
		{"hugo.toml", "[markup.goldmark.renderer]\n  unsafe = false\n",
		 false},
		{"hugo.toml", "markup.goldmark.renderer.unsafe = true\n", true},
		{"hugo.yaml",
		 "markup:\n  goldmark:\n    renderer:\n      unsafe: true\n",
		 true},
		{"config/_default/markup.toml",
		 "[goldmark.renderer]\nunsafe = true\n", true},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *root = make_site();
		g_autofree char *toml =
			g_build_filename(root, "hugo.toml", NULL);
		g_autoptr(GError) error = NULL;

		g_assert_cmpint(g_unlink(toml), ==, 0);
		if (strcmp(cases[i].name, "hugo.toml") != 0)
			put(root, "hugo.toml", "baseURL = \"/\"\n");
		put(root, cases[i].name, cases[i].text);
		g_autofree char *posts =
			g_build_filename(root, "content", NULL);
		g_autofree char *images =
			g_build_filename(root, "static", NULL);
		g_autoptr(ImgoptSite) site =
			imgopt_site_open(posts, images, root, &error);
		g_assert_no_error(error);
		g_assert_cmpint(imgopt_site_get_generator(site), ==,
				IMGOPT_GENERATOR_HUGO);
		g_assert_cmpint(imgopt_site_renders_raw_html(site), ==,
				cases[i].raw_html);
		tu_rmtree(root);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hugo-site/variant-dirs", test_variant_dirs);
	g_test_add_func("/hugo-site/content-is-images", test_content_is_images);
	g_test_add_func("/hugo-site/detect-dirs", test_detect_dirs);
	g_test_add_func("/hugo-site/raw-html", test_raw_html);
	return g_test_run();
}
