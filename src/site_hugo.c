/*
 * site_hugo.c: where Hugo publishes a file and where a variant a Hugo page
 * links must live (site_gen.h).
 *
 * Hugo publishes:
 *   - the files of its static folders at the site root (staticDir,
 *     `static/` by default, then each theme's `themes/<name>/static/`):
 *     `static/img/a.jpg` at `<baseURL>/img/a.jpg`;
 *   - the files of a leaf bundle (a content folder holding `index.md`)
 *     beside its page, whatever the page's URL, subfolders included;
 *   - any other file of the content folder at its path below it (a
 *     branch bundle's, `_index.md`, and a plain folder's alike);
 *   - nothing of `assets/` (only templates reach it, through Hugo Pipes),
 *     of the root or of `layouts/`.
 *
 * So a variant lives where its source is published: a static image's in
 * IMAGES/IMGOPT_OUTPUT_DIR when IMAGES is inside a static folder (all of
 * them are published at `/`), else in the image's static folder's own
 * IMGOPT_OUTPUT_DIR (the site's first for a theme's), linked by its URL
 * path; a bundle image's in the bundle's IMGOPT_OUTPUT_DIR, linked
 * relatively; any other file of the content folder's beside it.
 */
#include <string.h>

#include "fsio.h"
#include "site_gen.h"

/* The static folder holding @path (relative to the root), or NULL. */
static const char *
static_dir_of(const ImgoptSite *site, const char *path)
{
	const GPtrArray *dirs = imgopt_site_get_static_dirs(site);

	for (guint i = 0; i < dirs->len; i++) {
		const char *dir = g_ptr_array_index(dirs, i);

		if (imgopt_fs_is_below(dir, path))
			return dir;
	}
	return NULL;
}

/* Whether @dir (relative to the root) holds a content file named @stem
 * with an extension: `index.md`, `_index.html`… */
static bool
has_index(const ImgoptSite *site, const char *dir, const char *stem)
{
	g_autofree char *abs =
		g_build_filename(imgopt_site_get_root(site), dir, NULL);
	g_autoptr(GDir) d = g_dir_open(abs, 0, NULL);
	const char *name;
	size_t n = strlen(stem);

	while (d != NULL && (name = g_dir_read_name(d)) != NULL)
		if (strncmp(name, stem, n) == 0 && name[n] == '.' &&
		    name[n + 1] != '\0')
			return true;
	return false;
}

/* The folder of the content folder where @path (a file below it) is
 * published from: the nearest leaf bundle holding it (*@is_leaf_out
 * set), else the file's own folder. */
static char *
bundle_of(const ImgoptSite *site, const char *content, const char *path,
	  bool *is_leaf_out)
{
	g_autofree char *own = g_path_get_dirname(path);
	g_autofree char *dir = g_strdup(own);

	*is_leaf_out = false;
	while (imgopt_fs_is_below(content, dir) || strcmp(dir, content) == 0) {
		if (has_index(site, dir, "index")) {
			*is_leaf_out = true;
			return g_steal_pointer(&dir);
		}
		if (strcmp(dir, content) == 0)
			break;
		char *parent = g_path_get_dirname(dir);
		g_free(dir);
		dir = parent;
	}
	return g_steal_pointer(&own);
}

/* Hugo's content folder if @path lies in it, else NULL. */
static const char *
content_dir_of(const ImgoptSite *site, const char *path)
{
	const char *content = imgopt_site_get_content_dir(site);

	return content != NULL && imgopt_fs_is_below(content, path) ? content
								    : NULL;
}

/* IMAGES/IMGOPT_OUTPUT_DIR, or IMGOPT_OUTPUT_DIR in @dir. */
static char *
output_dir_in(const char *dir)
{
	return imgopt_fs_join(dir, IMGOPT_OUTPUT_DIR);
}

/* Whether IMAGES is published at `/`: it is (or is inside) one of the
 * site's static folders. */
static bool
is_images_static(const ImgoptSite *site)
{
	const char *images = imgopt_site_get_images_dir(site);
	const GPtrArray *dirs = imgopt_site_get_static_dirs(site);

	for (guint i = 0; i < dirs->len; i++) {
		const char *dir = g_ptr_array_index(dirs, i);

		if (strcmp(images, dir) == 0 || imgopt_fs_is_below(dir, images))
			return true;
	}
	return false;
}

/* Where the variant of an image of static folder @dir lives.  Every
 * static folder is published at `/`, so any will do: IMAGES' variant
 * folder when IMAGES is published, else @dir's own; for a theme's (often
 * a git submodule, not the site's to write to) the site's first. */
static char *
static_output_dir(const ImgoptSite *site, const char *dir)
{
	const GPtrArray *dirs = imgopt_site_get_static_dirs(site);

	if (is_images_static(site))
		return output_dir_in(imgopt_site_get_images_dir(site));
	if (g_str_has_prefix(dir, "themes/"))
		return output_dir_in(g_ptr_array_index(dirs, 0));
	return output_dir_in(dir);
}

char *
imgopt_hugo_variant_dir(const ImgoptSite *site, const ImgoptRef *ref)
{
	const char *images = imgopt_site_get_images_dir(site);
	const char *path = ref->resolved;
	const char *dir = path != NULL ? static_dir_of(site, path) : NULL;
	const char *content = path != NULL ? content_dir_of(site, path) : NULL;
	bool is_leaf = false;

	if (dir != NULL)
		return static_output_dir(site, dir);
	if (content != NULL) {
		g_autofree char *bundle =
			bundle_of(site, content, path, &is_leaf);
		return output_dir_in(bundle);
	}
	return output_dir_in(images);
}

char *
imgopt_hugo_url_path(const ImgoptSite *site, const char *path)
{
	const char *dir = static_dir_of(site, path);
	const char *content = content_dir_of(site, path);
	bool is_leaf = false;

	if (dir != NULL)
		return g_strdup(path + strlen(dir) + 1);
	if (content == NULL)
		return NULL; /* assets/, layouts/, the root: not published */
	g_autofree char *bundle = bundle_of(site, content, path, &is_leaf);
	return is_leaf ? NULL : g_strdup(path + strlen(content) + 1);
}
