/*
 * site.h: the site being worked on, its posts, and resolving references.
 *
 * An ImgoptSite holds the absolute, symlink-free path of the site root,
 * the posts and images folders relative to it, the site's `baseurl`, and
 * an index of the image files under IMAGES by name, used to repair broken
 * links.  It is built once per run and then read-only.
 *
 * Calling sequence:
 *   site = imgopt_site_open(posts, images, site_root_or_NULL, &error);
 *   posts = imgopt_site_list_posts(site, &error);
 *   for each post: read, imgopt_site_scan_text() (the site's Markdown
 *   dialect), imgopt_site_resolve_ref() each
 *   (imgopt_site_scan_post() does those three);
 *   imgopt_site_free(site);
 *
 * Resolving a reference (imgopt_site_resolve_ref()):
 *   1. Liquid prefixes are removed (`{{site.baseurl}}`, `{{ site.url }}`,
 *      `{{ "/x.png" | relative_url }}`, `absolute_url`,
 *      `prepend: site.baseurl`); what remains is a site-root path.
 *   2. http:, https:, //host, data:, mailto: … are REMOTE.
 *   3. `?query` and `#fragment` are cut, the site's literal `baseurl` is
 *      removed from the front of a `/` path, `%XX` escapes are decoded
 *      (UTF-8 names included) and `\` becomes `/`.
 *   4. Candidates are tried in this order; the first existing regular file
 *      inside the site root wins (status OK):
 *      - `/x` and Liquid-prefixed paths: the site root, then `static/`
 *        and `source/` (Hexo) when those folders exist; for Hugo, which
 *        publishes nothing of the root itself, its staticDir folders
 *        (one or a list, `static/` by default) then its contentDir;
 *      - front matter values: the site root (for Hugo the folders `/x`
 *        is looked up in: its templates pass the value to relURL), then
 *        the post's folder, then the post asset folder;
 *      - Hexo `{% asset_img x %}`: the post asset folder only;
 *      - any other relative `x`: the post's folder, then the post asset
 *        folder; for a Hugo page that is no bundle
 *        (`content/posts/a.md`, published at `/posts/a/`) where Hugo
 *        publishes that URL from: `content/posts/a/`, then
 *        `posts/a/` in each static folder;
 *      - a value of a config or data file: the site root (for Hugo the
 *        folders `/x` is looked up in), then the file's folder; a stylesheet's
 * url(): the stylesheet's folder (for a Sass or Less source under `_sass/`,
 * `sass/`, `scss/`, `less/`…: the root's `css/` if it exists, else the root); a
 * script's or JSON file's string: the file's folder, then the root. The post
 * asset folder of `_posts/2020-01-01-foo.md` is
 *      `_posts/2020-01-01-foo/` (Hexo); for a Hugo page bundle
 *      (`content/posts/foo/index.md`) it is the post's folder itself.
 *   5. If no candidate exists, the reference is repaired when exactly one
 *      file under IMAGES has the URL's last path component as its name
 *      (status REPAIRED); otherwise it is BROKEN and the message says
 *      whether no file or several files have that name.
 *
 * Path safety: a reference never resolves to a path outside the site root
 * (`..` climbing above it, `%2e%2e`, `..\`, `file:` URLs, Windows drive and
 * UNC paths, symlinks leading out); such a reference gets status OUTSIDE,
 * its message says why, and the file it names is never opened: candidates
 * are checked with realpath() and stat() only.  `/x` is a site path, not a
 * file system path.  Resolving never opens an image at all.
 *
 * Ownership: the site owns its strings; getters return transfer none.
 * Thread-safety: after imgopt_site_open() returns, all functions taking a
 * const ImgoptSite may be called from several threads at once.
 */
#ifndef IMGOPT_SITE_H
#define IMGOPT_SITE_H

#include <stdbool.h>
#include <glib.h> /* GPtrArray, GError */

#include "imgopt/layout.h"
#include "imgopt/scan.h"
#include "imgopt/types.h"

struct stat; /* <sys/stat.h> */

/**
 * IMGOPT_OUTPUT_DIR:
 *
 * The name of imgopt's variant folder, directly under IMAGES
 * (`<images>/optimized/`).  It is imgopt's output, never its input: posts
 * are not listed from it and its files are not in the name index (they
 * are still valid targets of a reference, once posts point at them).
 */
#define IMGOPT_OUTPUT_DIR "optimized"

/** The site: roots and the image-name index.  Opaque. */
typedef struct ImgoptSite ImgoptSite;

/**
 * imgopt_site_open:
 * @posts_dir: the POSTS argument (relative to the current directory or
 *   absolute)
 * @images_dir: the IMAGES argument
 * @site_root: (nullable): --site-root, or NULL to detect it: the nearest
 *   folder at or above @posts_dir holding a site config (`_config.yml`,
 *   `_config.yaml`, `hugo.toml`, `hugo.yaml`, `config.toml`,
 *   `config.yaml`) and also holding @images_dir, else the deepest folder
 *   holding both @posts_dir and @images_dir; detection looks at the paths
 *   as given (made absolute, symlinks not followed), so a symlinked POSTS
 *   or IMAGES leading out of the site cannot move the root: it is
 *   refused
 * @error: return location for a #GError
 *
 * Opens the site: resolves the three folders, reads the `baseurl:` line of
 * the root's `_config.yml` (or `_config.yaml`; else the path of Hugo's
 * `baseURL`) and its `exclude:` list (layout.h), and indexes the
 * regular files under @images_dir by name (skipping IMGOPT_OUTPUT_DIR,
 * in a Hexo site every folder of that name, folders whose name starts
 * with `.`, and symlinks).
 *
 * Returns: (transfer full): the site, or NULL with @error set: G_FILE_ERROR
 *   if a folder does not exist or is not a folder, IMGOPT_ERROR_UNSAFE if
 *   @posts_dir or @images_dir lie outside the site root,
 *   G_OPTION_ERROR_BAD_VALUE (a usage error) if they are one folder that
 *   the site's generator does not publish at its own path (a folder
 *   starting with `_` for Jekyll and Hexo; Hugo's content folder may be
 *   both, its bundles' variants living in the bundles), so links to its
 *   IMGOPT_OUTPUT_DIR would be broken.
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
 * Returns: (transfer none): the absolute, symlink-free site root.
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
 * imgopt_site_get_baseurl:
 *
 * Returns: (transfer none) (nullable): the `baseurl` of the site's
 *   `_config.yml` as a path with a leading and no trailing `/`
 *   ("/blog"), or NULL if there is none or it is empty or "/".
 */
const char *imgopt_site_get_baseurl(const ImgoptSite *site);

/**
 * imgopt_site_get_images:
 *
 * Returns: (transfer none) (element-type utf8): every regular file under
 *   IMAGES, relative to the site root, sorted by byte order, without
 *   IMGOPT_OUTPUT_DIR, dot-folders and symlinks.
 */
const GPtrArray *imgopt_site_get_images(const ImgoptSite *site);

/**
 * imgopt_site_describe:
 * @site: the site
 *
 * Everything imgopt_site_open() settled that resolving depends on (root,
 * folders, base URL, web folders, the config's exclude list), one
 * `key=value` line each: two opens with the same description resolve
 * the same references the same way over the same files.
 *
 * Returns: (transfer full): the description.
 */
char *imgopt_site_describe(const ImgoptSite *site);

/**
 * imgopt_site_lookup_name:
 * @site: the site
 * @name: a file name (one path component, e.g. "cat.jpg")
 *
 * Looks @name up in the name index: the files of imgopt_site_get_images()
 * whose last component is exactly @name (case-sensitive).
 *
 * Returns: (transfer none) (nullable) (element-type utf8): the matching
 *   paths relative to the site root, sorted, or NULL if there is none.
 */
const GPtrArray *imgopt_site_lookup_name(const ImgoptSite *site,
					 const char *name);

/**
 * imgopt_site_list_posts:
 * @site: the site
 * @error: return location for a #GError
 *
 * Lists, recursively and sorted by byte order, the regular files under
 * POSTS whose name ends in `.md`, `.markdown` or `.html` (any case),
 * skipping folders whose name starts with `.` (so `.imgopt/`), `_site/`,
 * `node_modules/` and IMAGES/IMGOPT_OUTPUT_DIR.  Symlinks are not
 * followed, and symlinked posts are not listed.  Posts matching an entry
 * of the `exclude:` list of the site's `_config.yml` are not listed
 * (imgopt_layout_is_excluded()).
 *
 * Returns: (transfer full) (element-type utf8): post paths relative to the
 *   site root, or NULL with @error set if POSTS cannot be read.
 */
GPtrArray *imgopt_site_list_posts(const ImgoptSite *site, GError **error);

/**
 * imgopt_site_is_excluded:
 * @path: a path relative to the site root
 *
 * Returns: whether the site's config excludes @path (Jekyll's `exclude:`
 *   list: a name, a folder and what is below it, or a glob).
 */
bool imgopt_site_is_excluded(const ImgoptSite *site, const char *path);

/**
 * imgopt_site_resolve_ref:
 * @site: the site
 * @ref: a scanned reference whose `post` is relative to the site root
 *
 * Sets @ref's status, resolved path (relative to the site root, or NULL
 * for REMOTE, BROKEN and OUTSIDE) and message (NULL for OK and REMOTE),
 * following the order described at the top of this header.  Never fails:
 * a reference that cannot be resolved is BROKEN, OUTSIDE or REMOTE.  Only
 * looks at paths inside the site root, and opens no file.
 */
void imgopt_site_resolve_ref(const ImgoptSite *site, ImgoptRef *ref);

/**
 * imgopt_site_is_computed_url:
 * @url: (nullable): a reference's destination as scanned
 *
 * Whether @url is computed by a template when the site is built rather
 * than written: Liquid other than the site-URL prefixes that resolving
 * removes (`{{ page.header-img }}`, `{{ site.baseurl }}/{{ x }}`,
 * `{% if %}`), or Sass, Less or script interpolation (`#{…}`, `@{…}`,
 * `${…}`).  Such a reference is PINNED and is not resolved.  Pure: looks at
 * @url only.
 */
bool imgopt_site_is_computed_url(const char *url);

/**
 * imgopt_site_resolve_ref_watched:
 * @site: the site
 * @ref: as for imgopt_site_resolve_ref()
 * @looked_at: (element-type filename): receives every path (relative to
 *   the root) whose state the outcome depends on: each candidate checked,
 *   in order, up to the one that decided
 *
 * imgopt_site_resolve_ref(), telling where it looked: a cached outcome
 * stays valid while nothing appears, vanishes or changes at those paths
 * (and the name index, for a repair, is unchanged).
 */
void imgopt_site_resolve_ref_watched(const ImgoptSite *site, ImgoptRef *ref,
				     GPtrArray *looked_at);

/**
 * imgopt_site_get_dialect:
 *
 * Returns: how the site's Markdown renders: IMGOPT_SCAN_KRAMDOWN for a
 *   Jekyll site (a `_config.yml` or `_config.yaml` whose `markdown:` is
 *   kramdown or absent), IMGOPT_SCAN_COMMONMARK otherwise.
 */
ImgoptScanDialect imgopt_site_get_dialect(const ImgoptSite *site);

/**
 * imgopt_site_scan_text:
 * @site: the site
 * @post: the post's path, for the references
 * @text: @len: the post's bytes
 * @error: return location for a #GError
 *
 * imgopt_scan_text_full() in the site's Markdown dialect: kramdown for a
 * Jekyll site (a `_config.yml` or `_config.yaml` whose `markdown:` is
 * kramdown or absent), CommonMark otherwise.  Resolves nothing.
 *
 * Returns: (transfer full) (element-type ImgoptRef): as imgopt_scan_text().
 */
GPtrArray *imgopt_site_scan_text(const ImgoptSite *site, const char *post,
				 const char *text, gsize len, GError **error);

/**
 * imgopt_site_scan_post:
 * @site: the site
 * @post: a post path relative to the site root
 * @error: return location for a #GError
 *
 * Reads @post, scans it (imgopt_site_scan_text()) and resolves every
 * reference.
 *
 * Returns: (transfer full) (element-type ImgoptRef): the references, or
 *   NULL with @error set if the post cannot be read (G_FILE_ERROR, the
 *   message names the post and the reason), if it lies outside the site
 *   root (IMGOPT_ERROR_UNSAFE), or if it cannot be scanned.
 */
GPtrArray *imgopt_site_scan_post(const ImgoptSite *site, const char *post,
				 GError **error);

/**
 * imgopt_site_get_generator:
 *
 * Returns: the site's generator (imgopt_layout_generator() of its root).
 */
ImgoptGenerator imgopt_site_get_generator(const ImgoptSite *site);

/**
 * imgopt_site_variant_dir:
 * @site: the site
 * @ref: a resolved reference (status OK or REPAIRED) that a run rewrites
 *
 * Where a variant that @ref links must live so that the page reaches it
 * once the generator has built the site: a folder relative to the root.
 * Jekyll: IMAGES/IMGOPT_OUTPUT_DIR for every reference.  Hugo and Hexo:
 * see site_hugo.c and site_hexo.c (a page bundle's or a post asset
 * folder's own IMGOPT_OUTPUT_DIR for what only that page can name, else
 * IMAGES/IMGOPT_OUTPUT_DIR).
 *
 * Returns: (transfer full): the folder, relative to the site root.
 */
char *imgopt_site_variant_dir(const ImgoptSite *site, const ImgoptRef *ref);

/**
 * imgopt_site_url_path:
 * @site: the site
 * @path: a file, relative to the site root
 *
 * The path, below the site's base URL and without a leading `/`, at
 * which the generator publishes @path: @path itself for Jekyll; for Hugo
 * a file of a static folder at the site root (`static/img/a.jpg` →
 * `img/a.jpg`) and any other file of the content folder but a leaf
 * bundle's at its path below it (`content/posts/a.jpg` → `posts/a.jpg`);
 * for Hexo a file of `source/` likewise.
 *
 * Returns: (transfer full) (nullable): the URL path, or NULL if the
 *   generator does not publish @path at a path of its own (a Hugo page
 *   bundle's file is published at its page's URL: link it relatively)
 *   or at all (Hugo's `assets/`, `layouts/`, files at the root).
 */
char *imgopt_site_url_path(const ImgoptSite *site, const char *path);

/** Where a reference's variant must live (see imgopt_site_variant_dir()):
 * a folder relative to the root, transfer full. */
typedef char *(*ImgoptSiteVariantDirFunc)(const ImgoptRef *ref,
					  void *user_data);

/**
 * imgopt_site_set_entries:
 * @entries: (transfer full) (nullable): every entry of a walk of the site
 *   made just before (imgopt_memo_take_entries()): path relative to the
 *   root → struct stat from lstat(); NULL to forget them
 *
 * Lets the next job take what the walk saw instead of asking the disk
 * again: a reference resolving to a regular file the walk met (through
 * real folders only) is found without a stat(), and dupes takes the
 * files' identities from it (reading a file still checks that it did not
 * change since).  Only for a job that does not change the tree it walked
 * (dupes); a path the walk did not see is looked up on disk as before.
 * Not thread-safe: call before a job shares the site.
 */
void imgopt_site_set_entries(ImgoptSite *site, GHashTable *entries);

/**
 * imgopt_site_lookup_entry:
 * @rel: a path relative to the site root
 *
 * Returns: (transfer none) (nullable): what the walk of
 *   imgopt_site_set_entries() said of @rel, or NULL (not seen, or none).
 */
const struct stat *imgopt_site_lookup_entry(const ImgoptSite *site,
					    const char *rel);

/**
 * imgopt_site_set_variant_dir_func:
 * @func: (nullable): decides imgopt_site_variant_dir() for @site instead
 *   of its generator; NULL to go back to the generator's
 *
 * For tests: a site whose references need their variants in folders of
 * the test's choosing (a page bundle's own, without Hugo).  Not
 * thread-safe: call before the site is shared.
 */
void imgopt_site_set_variant_dir_func(ImgoptSite *site,
				      ImgoptSiteVariantDirFunc func,
				      void *user_data);

/**
 * imgopt_site_renders_raw_html:
 *
 * Whether the site's Markdown renderer shows raw HTML written in a post:
 * kramdown (Jekyll) and marked (Hexo) do; Hugo's Goldmark omits it unless
 * its config sets `markup.goldmark.renderer.unsafe = true`.  Where it does
 * not, a run must not turn a Markdown image into HTML (`--srcset`): the
 * image would vanish from the built page.
 */
bool imgopt_site_renders_raw_html(const ImgoptSite *site);

#endif /* IMGOPT_SITE_H */
