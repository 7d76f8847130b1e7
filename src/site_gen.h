/*
 * site_gen.h: what each generator but Jekyll decides for site.c: where a
 * reference's variant must live and at which URL path a file is
 * published (site.h: imgopt_site_variant_dir(), imgopt_site_url_path()).
 * site_hugo.c for Hugo, site_hexo.c for Hexo.  Private to src/.
 */
#ifndef IMGOPT_SITE_GEN_H
#define IMGOPT_SITE_GEN_H

#include "imgopt/site.h"

/**
 * imgopt_site_get_content_dir:
 *
 * Returns: (transfer none) (nullable): a Hugo site's contentDir
 *   ("content" unless its config says otherwise), NULL for other sites.
 */
const char *imgopt_site_get_content_dir(const ImgoptSite *site);

/**
 * imgopt_site_get_static_dirs:
 *
 * Returns: (transfer none) (element-type utf8): a Hugo site's staticDir
 *   folders (`static` unless its config says otherwise), then its
 *   themes' (`themes/<theme>/static`), relative to the root, whether they
 *   exist or not; empty for other sites.
 */
const GPtrArray *imgopt_site_get_static_dirs(const ImgoptSite *site);

char *imgopt_hugo_variant_dir(const ImgoptSite *site, const ImgoptRef *ref);
char *imgopt_hugo_url_path(const ImgoptSite *site, const char *path);
char *imgopt_hexo_variant_dir(const ImgoptSite *site, const ImgoptRef *ref);
char *imgopt_hexo_url_path(const ImgoptSite *site, const char *path);

/**
 * imgopt_hexo_add_web_dirs:
 * @root: a Hexo site root
 * @dirs: (element-type utf8): receives the folders Hexo publishes at the
 *   site root that exist, relative to @root: `source_dir` (`source`),
 *   then the theme's `themes/<theme>/source`
 */
void imgopt_hexo_add_web_dirs(const char *root, GPtrArray *dirs);

/**
 * imgopt_hexo_forget_cache:
 * @site: any site; only a Hexo site's cache is touched
 *
 * Removes Hexo's cache (`db.json` at the site root), as `hexo clean` does:
 * it remembers a post asset folder as Hexo last read it, and the next
 * `hexo generate` left out the variants a run had placed there (the
 * pages linked files that were not published).  Hexo builds it again.
 * A cache that cannot be removed is logged (g_debug), not an error.
 */
void imgopt_hexo_forget_cache(const ImgoptSite *site);

/**
 * imgopt_hexo_read_dirs:
 * @root: a Hexo site root
 *
 * Returns: (transfer full) (element-type utf8): the folders Hexo builds
 *   the site from, relative to @root: `source_dir` (`source`) and, if the
 *   config names a theme, `themes/<theme>` (layouts and theme source).
 */
GPtrArray *imgopt_hexo_read_dirs(const char *root);

/**
 * imgopt_site_get_web_dirs:
 *
 * Returns: (transfer none) (element-type utf8): the folders a `/x` path
 *   is looked up in, in order, relative to the root ("" for the root).
 */
const GPtrArray *imgopt_site_get_web_dirs(const ImgoptSite *site);

#endif /* IMGOPT_SITE_GEN_H */
