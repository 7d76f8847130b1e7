/*
 * site_hexo.c: where Hexo publishes a file and where a variant a Hexo page
 * links must live (site_gen.h).
 *
 * Hexo publishes the files of its `source_dir` (`source/`) and of the
 * theme's `themes/<theme>/source/` at the site root (below `root:`),
 * leaving out every file and folder whose name starts with `_`.  A post
 * asset folder (`source/_posts/foo/` beside `source/_posts/foo.md`) is
 * published at the post's own URL instead, and Hexo's asset tags
 * (`{% asset_img x %}`) name files of that folder only: a variant of one
 * of its images lives in the folder's own IMGOPT_OUTPUT_DIR, which Hexo
 * publishes with the post (`{% asset_img optimized/x.jpg %}` works).  A
 * variant of a published file lives in IMGOPT_OUTPUT_DIR of the folder
 * published at the root that holds it (`source/optimized/`,
 * `themes/<theme>/source/optimized/`), so that a stylesheet of the theme
 * reaches it by a relative path as well as a page by its URL path.
 */
#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "imgopt/layout.h"

#include "fsio.h"
#include "site_gen.h"

/* @dir without trailing slashes (in place). */
static char *
strip_slashes(char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	return dir;
}

void
imgopt_hexo_add_web_dirs(const char *root, GPtrArray *dirs)
{
	g_autoptr(ImgoptSiteLayout) sc = imgopt_site_layout_read(root);
	g_autofree char *source =
		g_strdup(sc->source_dir != NULL ? sc->source_dir : "source");
	g_autofree char *theme =
		sc->theme != NULL
			? g_build_filename("themes", sc->theme, "source", NULL)
			: NULL;
	char *candidates[] = {source, theme};

	for (size_t i = 0; i < G_N_ELEMENTS(candidates); i++) {
		char *dir = candidates[i];

		if (dir == NULL || *strip_slashes(dir) == '\0' ||
		    !imgopt_fs_is_inside_root(dir))
			continue;
		g_autofree char *abs = g_build_filename(root, dir, NULL);
		if (g_file_test(abs, G_FILE_TEST_IS_DIR))
			g_ptr_array_add(dirs, g_strdup(dir));
	}
}

GPtrArray *
imgopt_hexo_read_dirs(const char *root)
{
	g_autoptr(ImgoptSiteLayout) sc = imgopt_site_layout_read(root);
	GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);

	g_ptr_array_add(dirs, strip_slashes(g_strdup(sc->source_dir != NULL
							     ? sc->source_dir
							     : "source")));
	if (sc->theme != NULL)
		g_ptr_array_add(dirs,
				g_build_filename("themes", sc->theme, NULL));
	return dirs;
}

/* The folder published at the root (not the root itself) holding @path,
 * or NULL. */
static const char *
web_dir_of(const ImgoptSite *site, const char *path)
{
	const GPtrArray *dirs = imgopt_site_get_web_dirs(site);

	for (guint i = 0; i < dirs->len; i++) {
		const char *dir = g_ptr_array_index(dirs, i);

		if (*dir != '\0' && imgopt_fs_is_below(dir, path))
			return dir;
	}
	return NULL;
}

/* Whether @root holds a post @dir.md, .markdown or .html. */
static bool
is_post_stem(const char *root, const char *dir)
{
	static const char *const exts[] = {".md", ".markdown", ".html"};

	for (size_t i = 0; i < G_N_ELEMENTS(exts); i++) {
		g_autofree char *post =
			g_strconcat(root, "/", dir, exts[i], NULL);

		if (g_file_test(post, G_FILE_TEST_IS_REGULAR))
			return true;
	}
	return false;
}

/* The post asset folder holding @path (a folder under POSTS beside a post
 * of its name), or NULL. */
static char *
asset_folder_of(const ImgoptSite *site, const char *path)
{
	const char *posts = imgopt_site_get_posts_dir(site);
	g_autofree char *dir = g_path_get_dirname(path);

	while (*posts != '\0' && imgopt_fs_is_below(posts, dir)) {
		if (is_post_stem(imgopt_site_get_root(site), dir))
			return g_steal_pointer(&dir);
		char *up = g_path_get_dirname(dir);
		g_free(dir);
		dir = up;
	}
	return NULL;
}

char *
imgopt_hexo_variant_dir(const ImgoptSite *site, const ImgoptRef *ref)
{
	const char *images = imgopt_site_get_images_dir(site);
	const char *path = ref->resolved != NULL ? ref->resolved : "";
	g_autofree char *asset = asset_folder_of(site, path);
	const char *web = web_dir_of(site, path);

	if (asset != NULL)
		return g_build_filename(asset, IMGOPT_OUTPUT_DIR, NULL);
	if (web != NULL)
		return g_build_filename(web, IMGOPT_OUTPUT_DIR, NULL);
	return *images ? g_build_filename(images, IMGOPT_OUTPUT_DIR, NULL)
		       : g_strdup(IMGOPT_OUTPUT_DIR);
}

char *
imgopt_hexo_url_path(const ImgoptSite *site, const char *path)
{
	const char *web = web_dir_of(site, path);

	if (web == NULL)
		return NULL;
	const char *rest = path + strlen(web) + 1;
	g_auto(GStrv) parts = g_strsplit(rest, "/", -1);
	for (guint i = 0; parts[i] != NULL; i++)
		if (parts[i][0] == '_')
			return NULL; /* not published, or at a post's URL */
	return g_strdup(rest);
}

void
imgopt_hexo_forget_cache(const ImgoptSite *site)
{
	g_autofree char *db = NULL;

	if (imgopt_site_get_generator(site) != IMGOPT_GENERATOR_HEXO)
		return;
	db = imgopt_fs_join(imgopt_site_get_root(site), "db.json");
	if (g_unlink(db) != 0 && errno != ENOENT)
		g_debug("site: cannot remove Hexo's cache %s: %s", db,
			g_strerror(errno));
}
