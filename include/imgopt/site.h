/*
 * site.h: the site being worked on, its posts, and resolving references.
 *
 * An ImgoptSite holds the absolute, symlink-free paths of the site root,
 * the posts folder and the images folder, and an index of the image files'
 * names used to repair broken links.  It is built once per run and then
 * read-only.
 *
 * Calling sequence:
 *   site = imgopt_site_open(posts, images, site_root_or_NULL, &error);
 *   posts = imgopt_site_list_posts(site, &error);
 *   for each post: read, imgopt_scan_text(), imgopt_site_resolve_ref() each
 *   (imgopt_site_scan_post() does those three);
 *   imgopt_site_free(site);
 *
 * Path safety: a reference never resolves to a path outside the site root
 * (`..`, absolute file system paths, `%2e%2e`, `\` separators, symlinks
 * leading out); such a reference gets status OUTSIDE and the file it names
 * is never opened.
 *
 * Ownership: the site owns its strings; getters return transfer none.
 * Thread-safety: after imgopt_site_open() returns, all functions taking a
 * const ImgoptSite may be called from several threads at once.
 */
#ifndef IMGOPT_SITE_H
#define IMGOPT_SITE_H

#include <stdbool.h>
#include <glib.h> /* GPtrArray, GError */

#include "imgopt/types.h"

/** The site: roots and the image-name index.  Opaque. */
typedef struct ImgoptSite ImgoptSite;

/**
 * imgopt_site_open:
 * @posts_dir: the POSTS argument (relative to the current directory or
 *   absolute)
 * @images_dir: the IMAGES argument
 * @site_root: (nullable): --site-root, or NULL to detect it: the nearest
 *   folder at or above @posts_dir holding a site config (`_config.yml`,
 *   `hugo.toml`, `config.toml`, …), else the deepest folder holding both
 *   @posts_dir and @images_dir
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the site, or NULL with @error set if a folder
 *   does not exist or @posts_dir/@images_dir lie outside the site root.
 */
ImgoptSite *imgopt_site_open(const char *posts_dir, const char *images_dir,
			     const char *site_root, GError **error);

/**
 * imgopt_site_free:
 * @site: (nullable): a site
 */
void imgopt_site_free(ImgoptSite *site);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptSite, imgopt_site_free)

/**
 * imgopt_site_get_root:
 *
 * Returns: (transfer none): the absolute site root.
 */
const char *imgopt_site_get_root(const ImgoptSite *site);

/**
 * imgopt_site_get_posts_dir:
 *
 * Returns: (transfer none): POSTS relative to the site root ("" if equal).
 */
const char *imgopt_site_get_posts_dir(const ImgoptSite *site);

/**
 * imgopt_site_get_images_dir:
 *
 * Returns: (transfer none): IMAGES relative to the site root ("" if equal).
 */
const char *imgopt_site_get_images_dir(const ImgoptSite *site);

/**
 * imgopt_site_list_posts:
 * @site: the site
 * @error: return location for a #GError
 *
 * Lists, recursively and sorted by byte order, the `.md`, `.markdown` and
 * `.html` files under POSTS, skipping imgopt's own folders and folders
 * whose name starts with `.`.  Symlinks are not followed.
 *
 * Returns: (transfer full) (element-type utf8): post paths relative to the
 *   site root, or NULL with @error set if POSTS cannot be read.
 */
GPtrArray *imgopt_site_list_posts(const ImgoptSite *site, GError **error);

/**
 * imgopt_site_resolve_ref:
 * @site: the site
 * @ref: a scanned reference whose `post` is relative to the site root
 *
 * Sets @ref's status, resolved path and message.  Never fails: a
 * reference that cannot be resolved is BROKEN, OUTSIDE or REMOTE.  Only
 * looks at paths inside the site root.
 */
void imgopt_site_resolve_ref(const ImgoptSite *site, ImgoptRef *ref);

/**
 * imgopt_site_scan_post:
 * @site: the site
 * @post: a post path relative to the site root
 * @error: return location for a #GError
 *
 * Reads @post, scans it and resolves every reference.
 *
 * Returns: (transfer full) (element-type ImgoptRef): the references, or
 *   NULL with @error set if the post cannot be read.
 */
GPtrArray *imgopt_site_scan_post(const ImgoptSite *site, const char *post,
				 GError **error);

#endif /* IMGOPT_SITE_H */
