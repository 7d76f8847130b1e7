/*
 * test_config.c: imgopt.conf (values, line numbers, errors), the site's
 * own config (Jekyll, Hugo), exclude patterns, and finding POSTS and
 * IMAGES in a site root.
 */
#include <string.h>

#include <glib/gstdio.h>

#include "imgopt/config.h"
#include "imgopt/layout.h"
#include "imgopt/error.h"
#include "imgopt/settings.h"

#include "testutil.h"

static void
test_values_and_lines(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "imgopt.conf", NULL);
	g_autoptr(GError) error = NULL;
	int line = 0;

	tu_write(path, "# a comment\n[imgopt]\nposts = _posts\nimages=postimg\n"
		       "\n[sizes]\nwidths = 480;960;1600;\n"
		       "[output]\nquality = 70\nsrcset = true\n"
		       "[other]\nquality = 75\n");
	g_autoptr(ImgoptConfig) c = imgopt_config_load(path, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(imgopt_config_get(c, "widths", &line), ==,
			"480,960,1600");
	g_assert_cmpint(line, ==, 7);
	g_assert_cmpstr(imgopt_config_get(c, "posts", &line), ==, "_posts");
	g_assert_cmpint(line, ==, 3);
	/* A key repeated in a later group wins, with its own line. */
	g_assert_cmpstr(imgopt_config_get(c, "quality", &line), ==, "75");
	g_assert_cmpint(line, ==, 12);
	g_assert_null(imgopt_config_get(c, "formats", &line));
	g_assert_cmpint(line, ==, 0);
	tu_rmtree(dir);
}

static void
test_parse_error_names_line(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "imgopt.conf", NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *want = g_strdup_printf("%s:3: ", path);

	tu_write(path, "[sizes]\nwidths = 480\nthis is not ini\n");
	g_assert_null(imgopt_config_load(path, &error));
	g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_PARSE);
	g_assert_true(g_str_has_prefix(error->message, want));
	tu_rmtree(dir);
}

static void
test_check_value(void)
{
	static const struct {
		const char *key, *value, *message; /* NULL message: valid */
	} cases[] = {
		{"widths", "480,960", NULL},
		{"widths", "480,12x", "'12x' is not a width"},
		{"widths", "0", "'0' is not a width"},
		{"formats", "jpeg,webp", NULL},
		{"formats", "jpeg,gif",
		 "'gif' is not a format (jpeg, webp, avif)"},
		{"quality", "101", "'101' is not a quality from 1 to 100"},
		{"quality", "80", NULL},
		{"jobs", "-1", "'-1' is not a number of jobs"},
		{"target", "1.5", "'1.5' is not an SSIM target below 1"},
		{"target", "0.98", NULL},
		{"target", "nan", "'nan' is not an SSIM target below 1"},
		{"target", "-1", "'-1' is not an SSIM target below 1"},
		{"quality", "0", "'0' is not a quality from 1 to 100"},
		{"max-pixels", "0", "'0' is not a pixel count"},
		{"display-width", "0", "'0' is not a width"},
		{"formats", "", "'' is not a list of formats"},
		{"widths", "", "'' is not a list of widths"},
		{"manifest", "", "'' is not a file name"},
		{"link-format", "WebP", NULL},
		{"link-format", "original", NULL},
		{"link-format", "png",
		 "'png' is not a link format (auto, webp, avif, original)"},
		{"posts", "anything", NULL},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		bool is_ok = imgopt_config_check_value(cases[i].key,
						       cases[i].value, &error);

		/* the command line's check is the same one */
		g_assert_cmpint(imgopt_settings_check_value(
					cases[i].key, cases[i].value, NULL),
				==, is_ok);
		g_assert_cmpint(is_ok, ==, cases[i].message == NULL);
		if (cases[i].message != NULL)
			g_assert_cmpstr(error->message, ==, cases[i].message);
	}
}

static void
test_find_stops_at_site_root(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *site = g_build_filename(dir, "site", NULL);
	g_autofree char *posts = g_build_filename(site, "_posts", "y", NULL);
	g_autofree char *conf = g_build_filename(site, "imgopt.conf", NULL);

	g_autofree char *yml = g_build_filename(site, "_config.yml", NULL);

	g_assert_cmpint(g_mkdir_with_parents(posts, 0755), ==, 0);
	tu_write(yml, "title: t\n");
	g_assert_null(imgopt_config_find(posts));
	tu_write(conf, "[imgopt]\n");
	g_autofree char *found = imgopt_config_find(posts);
	g_assert_cmpstr(found, ==, conf);
	/* A parent's imgopt.conf is not this site's. */
	g_autofree char *other = g_build_filename(dir, "imgopt.conf", NULL);
	g_assert_true(g_rename(conf, other) == 0);
	g_assert_null(imgopt_config_find(posts));
	tu_rmtree(dir);
}

static void
test_site_config(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *jekyll = g_build_filename(dir, "_config.yml", NULL);
	g_autofree char *hugo = g_build_filename(dir, "hugo.toml", NULL);

	tu_write(jekyll, "title: x\nbaseurl: \"/blog/\"\nexclude:\n"
			 "  - Gemfile\n  - _posts/drafts\n\nother: 1\n");
	g_autoptr(ImgoptSiteLayout) j = imgopt_site_layout_read(dir);
	g_assert_cmpstr(j->baseurl, ==, "/blog");
	g_assert_cmpuint(j->exclude->len, ==, 2);
	g_assert_true(
		imgopt_layout_is_excluded(j->exclude, "_posts/drafts/a.md"));
	g_assert_false(
		imgopt_layout_is_excluded(j->exclude, "_posts/drafts-old.md"));
	g_assert_true(imgopt_layout_is_excluded(j->exclude, "Gemfile"));
	g_assert_cmpint(g_unlink(jekyll), ==, 0);
	tu_write(hugo, "baseURL = 'https://example.org/site/'\n"
		       "contentDir = \"posts-here\"\nstaticDir = \"assets\"\n"
		       "[params]\ncontentDir = \"no\"\n");
	g_autoptr(ImgoptSiteLayout) h = imgopt_site_layout_read(dir);
	g_assert_cmpstr(h->baseurl, ==, "/site");
	g_assert_cmpstr(h->content_dir, ==, "posts-here");
	g_assert_cmpuint(h->static_dirs->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(h->static_dirs, 0), ==, "assets");
	g_assert_cmpuint(h->exclude->len, ==, 0);
	g_assert_cmpint(g_unlink(hugo), ==, 0);
	tu_rmtree(dir);
}

/* Issue 17: Hugo's TOML and YAML configs, staticDir as a list, and the
 * first config Hugo would read wins. */
static void
test_hugo_config(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *toml = g_build_filename(dir, "config.toml", NULL);
	g_autofree char *yaml = g_build_filename(dir, "hugo.yaml", NULL);

	tu_write(toml, "baseurl = \"https://example.org/blog/\"\n"
		       "staticDir = [\"static\",\n  'more' ]\n"
		       "assetDir = \"src\"\ntheme = \"t\"\n");
	g_autoptr(ImgoptSiteLayout) t = imgopt_site_layout_read(dir);
	g_assert_cmpstr(t->baseurl, ==, "/blog");
	g_assert_cmpuint(t->static_dirs->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(t->static_dirs, 1), ==, "more");
	g_assert_cmpstr(t->asset_dir, ==, "src");
	g_assert_cmpuint(t->themes->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(t->themes, 0), ==, "t");
	g_assert_null(t->content_dir);
	tu_write(yaml, "baseURL: https://example.org/y/ # comment\n"
		       "contentDir: 'posts'\nstaticDir:\n  - s1\n  - s2\n"
		       "theme: [a, b]\nparams:\n  contentDir: no\n");
	g_autoptr(ImgoptSiteLayout) y = imgopt_site_layout_read(dir);
	g_assert_cmpstr(y->baseurl, ==, "/y");
	g_assert_cmpstr(y->content_dir, ==, "posts");
	g_assert_cmpuint(y->static_dirs->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(y->static_dirs, 0), ==, "s1");
	g_assert_null(y->asset_dir);
	g_assert_cmpuint(y->themes->len, ==, 2);
	tu_rmtree(dir);
}

/* Hugo's config folder (config/_default/), merged under the root's
 * config as Hugo does: what the root's sets wins. */
static void
test_hugo_config_dir(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *sub =
		g_build_filename(dir, "config", "_default", NULL);
	g_autofree char *conf = g_build_filename(sub, "hugo.yaml", NULL);
	g_autofree char *root = g_build_filename(dir, "hugo.toml", NULL);

	g_assert_cmpint(g_mkdir_with_parents(sub, 0755), ==, 0);
	g_assert_false(imgopt_layout_is_site_root(dir));
	tu_write(conf, "baseURL: https://example.org/docs/\n"
		       "contentDir: pages\ntheme: docsy\n");
	g_assert_true(imgopt_layout_is_site_root(dir));
	g_assert_cmpint(imgopt_layout_generator(dir), ==,
			IMGOPT_GENERATOR_HUGO);
	g_autoptr(ImgoptSiteLayout) only = imgopt_site_layout_read(dir);
	g_assert_cmpstr(only->baseurl, ==, "/docs");
	g_assert_cmpstr(only->content_dir, ==, "pages");
	tu_write(root, "baseURL = \"https://example.org/site/\"\n"
		       "contentDir = \"content\"\n");
	g_autoptr(ImgoptSiteLayout) both = imgopt_site_layout_read(dir);
	g_assert_cmpstr(both->baseurl, ==, "/site");
	g_assert_cmpstr(both->content_dir, ==, "content");
	g_assert_cmpuint(both->themes->len, ==, 1);
	tu_rmtree(dir);
}

/* IMAGES is the folder most referenced files live in, not the first. */
static void
test_detect_dirs(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autoptr(GError) error = NULL;
	char *posts = NULL, *images = NULL;
	const char *files[] = {"img/a.png", "postimg/b.png", "postimg/c.png",
			       "static/images/d.png"};

	g_assert_false(imgopt_layout_detect_dirs(dir, &posts, &images, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_clear_error(&error);
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *p = g_build_filename(dir, files[i], NULL);
		g_autofree char *parent = g_path_get_dirname(p);
		g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
		tu_write(p, "x");
	}
	g_autofree char *pd = g_build_filename(dir, "_posts", NULL);
	g_assert_cmpint(g_mkdir_with_parents(pd, 0755), ==, 0);
	g_autofree char *md = g_build_filename(pd, "a.md", NULL);
	tu_write(md,
		 "![](/img/a.png) ![](/postimg/b.png)\n\n![](/postimg/c.png)\n"
		 "![](/postimg/c.png) ![](/static/images/d.png)\n");
	g_assert_true(imgopt_layout_detect_dirs(dir, &posts, &images, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(posts, ==, "_posts");
	g_assert_cmpstr(images, ==, "postimg");
	g_free(posts);
	g_free(images);
	tu_rmtree(dir);
}

/* Issue 15, item 4: `posts`/`images` climbing out of the site root
 * (`../victim/_posts`, `../../../etc`, `/etc`) are refused with the line;
 * folders inside it, `./x` and the root itself are taken.  Hugo's
 * contentDir climbing out is never taken as POSTS. */
static void
test_dirs_stay_inside(void)
{
	static const char *const bad[] = {"../victim/_posts", "../../../etc",
					  "/etc", "img/../../x"};
	static const char *const good[] = {"_posts", "./img", "a/../img", "."};
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "imgopt.conf", NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *text = g_strdup_printf(
			"[imgopt]\nposts = _posts\nimages = %s\n", bad[i]);
		g_autoptr(GError) error = NULL;

		tu_write(path, text);
		g_autoptr(ImgoptConfig) c = imgopt_config_load(path, &error);
		g_assert_null(c);
		g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_PARSE);
		g_assert_nonnull(strstr(error->message, ":3: key 'images'"));
		g_assert_nonnull(strstr(error->message, "outside the site"));
	}
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autofree char *text =
			g_strdup_printf("[imgopt]\nposts = %s\n", good[i]);
		g_autoptr(GError) error = NULL;

		tu_write(path, text);
		g_autoptr(ImgoptConfig) c = imgopt_config_load(path, &error);
		g_assert_no_error(error);
	}
	g_autofree char *site = g_build_filename(dir, "site", NULL);
	g_autofree char *hugo = g_build_filename(site, "hugo.toml", NULL);
	g_autofree char *outside = g_build_filename(dir, "posts-out", NULL);
	char *posts = NULL, *images = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(g_mkdir_with_parents(site, 0755), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(outside, 0755), ==, 0);
	tu_write(hugo, "contentDir = \"../posts-out\"\n");
	g_assert_false(
		imgopt_layout_detect_dirs(site, &posts, &images, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_assert_null(posts);
	tu_rmtree(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/config/values-and-lines", test_values_and_lines);
	g_test_add_func("/config/parse-error-names-line",
			test_parse_error_names_line);
	g_test_add_func("/config/check-value", test_check_value);
	g_test_add_func("/config/find-stops-at-site-root",
			test_find_stops_at_site_root);
	g_test_add_func("/config/site-config", test_site_config);
	g_test_add_func("/config/hugo-config", test_hugo_config);
	g_test_add_func("/config/hugo-config-dir", test_hugo_config_dir);
	g_test_add_func("/config/detect-dirs", test_detect_dirs);
	g_test_add_func("/config/dirs-stay-inside", test_dirs_stay_inside);
	return g_test_run();
}
