/*
 * layout.h: where a site keeps things: what its generator's own
 * configuration (Jekyll's _config.yml, Hugo's hugo.toml) says that imgopt
 * uses, and finding POSTS and IMAGES in a site root for a command given
 * neither.  (imgopt's own file, imgopt.conf, is config.h's.)
 *
 * Ownership: returned structs and strings are transfer full.
 * Thread-safety: reentrant.
 */
#ifndef IMGOPT_LAYOUT_H
#define IMGOPT_LAYOUT_H

#include <stdbool.h>
#include <glib.h> /* GPtrArray, GError */

/**
 * imgopt_layout_is_site_root:
 * @dir: a folder
 *
 * Returns: whether @dir holds a static-site generator's configuration
 *   (`_config.yml`/`.yaml`, or a Hugo config: imgopt_layout_is_hugo()),
 *   which makes it a site root.
 */
bool imgopt_layout_is_site_root(const char *dir);

/**
 * imgopt_layout_is_hugo:
 * @root: a site root
 *
 * Returns: whether the site at @root is built by Hugo (it has a Hugo
 *   config: `hugo.toml`/`.yaml`, `config.toml`/`.yaml`, at the root or
 *   in its config folder, `config/_default/`).
 */
bool imgopt_layout_is_hugo(const char *root);

/**
 * ImgoptGenerator:
 *
 * The static-site generator that builds a site, which decides where a
 * file is published and so where a variant must live for a page to
 * reach it (site.h: imgopt_site_variant_dir(), imgopt_site_url_path()).
 */
typedef enum {
	IMGOPT_GENERATOR_JEKYLL, /* _config.yml without Hexo's marks; also
				    a folder with no generator config */
	IMGOPT_GENERATOR_HUGO,   /* hugo.toml, hugo.yaml, config.toml… */
	IMGOPT_GENERATOR_HEXO,   /* _config.yml with Hexo's marks */
} ImgoptGenerator;

/**
 * imgopt_layout_generator:
 * @root: a site root
 *
 * Returns: the generator of the site at @root: Hugo if imgopt_layout_is_hugo();
 *   Hexo if it has a `_config.yml` and Hexo's marks (a `scaffolds/`
 *   folder, a `source/_posts/` folder, or `hexo` in `package.json`);
 *   Jekyll otherwise.
 */
ImgoptGenerator imgopt_layout_generator(const char *root);

/** What a site's own configuration says that imgopt uses. */
typedef struct {
	char *baseurl;          /* "/blog" (Jekyll baseurl, the path of Hugo's
				   baseURL), or NULL */
	GPtrArray *exclude;     /* (element-type utf8) Jekyll's exclude list */
	char *content_dir;      /* Hugo contentDir ("content"), or NULL */
	GPtrArray *static_dirs; /* (element-type utf8) Hugo staticDir, one
				   or a list; empty if the config sets none
				   (then Hugo uses "static") */
	char *asset_dir;        /* Hugo assetDir ("assets"), or NULL */
	GPtrArray *themes;      /* (element-type utf8) Hugo theme, one or a
				   list (under themes/), else empty */
	bool hugo_raw_html;     /* Hugo's Goldmark renders raw HTML
				   (`markup.goldmark.renderer.unsafe =
				   true`); off by default */
	char *source_dir;       /* Hexo source_dir ("source"), or NULL */
	char *theme;            /* Hexo theme (its folder under themes/), or
				   NULL */
	bool post_asset_folder; /* Hexo post_asset_folder: true */
} ImgoptSiteLayout;

/** Frees @config (nullable). */
void imgopt_site_layout_free(ImgoptSiteLayout *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptSiteLayout, imgopt_site_layout_free)

/**
 * imgopt_site_layout_read:
 * @root: the site root
 *
 * Reads `_config.yml` (or `_config.yaml`), then the first of Hugo's
 * `hugo.toml`, `hugo.yaml`, `config.toml`, `config.yaml` at the root and
 * then in `config/_default/` (for what the root's left unset), the
 * simple way:
 * top-level `key: value` / `key = "value"` lines (Hugo's keys in any
 * case, TOML before its first [table]) and a flow (`[a, b]`, over
 * several lines too) or block (`- a`) list for exclude, staticDir and
 * theme.
 * Missing or unreadable files give empty fields.  For a Hexo site
 * (imgopt_layout_generator()) the base URL is the path of `root:`, else
 * of `url:`, and `source_dir:`, `theme:` and `post_asset_folder:` are
 * read too.
 *
 * Returns: (transfer full): what was found (never NULL).
 */
ImgoptSiteLayout *imgopt_site_layout_read(const char *root);

/**
 * imgopt_layout_is_excluded:
 * @exclude: (element-type utf8): Jekyll-style exclude entries
 * @path: a path relative to the site root
 *
 * Returns: true if an entry names @path or a folder holding it, or
 *   matches it as a glob (`*.tmp`, `_posts/drafts/x*`).
 */
bool imgopt_layout_is_excluded(const GPtrArray *exclude, const char *path);

/**
 * imgopt_layout_detect_dirs:
 * @root: a site root
 * @posts_out: (out) (transfer full): POSTS, relative to @root
 * @images_out: (out) (transfer full): IMAGES, relative to @root
 * @error: return location for a #GError
 *
 * Finds POSTS and IMAGES for a command given neither (the rule of
 * docs/configuration.md): POSTS is the first folder that exists of
 * `_posts` (Jekyll), `source/_posts` (Hexo), Hugo's contentDir or
 * `content`; IMAGES is, of the folders the posts' local references
 * resolve into, the one holding the most referenced files, counted by
 * their first path component (two for `static/`, `source/`, `assets/`
 * and a Hugo site's other staticDir folders); ties go to the first in
 * byte order.  A Hexo site's POSTS is `<source_dir>/_posts` and its
 * IMAGES `<source_dir>`, the folder Hexo publishes at the site root (post
 * asset folders included).
 *
 * Returns: true, or false with @error set (G_FILE_ERROR_NOENT) if there
 *   is no posts folder or no post references a local image.
 */
bool imgopt_layout_detect_dirs(const char *root, char **posts_out,
			       char **images_out, GError **error);

#endif /* IMGOPT_LAYOUT_H */
