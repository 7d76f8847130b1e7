/*
 * referrers.h: the text files of a site that can name an image, and what
 * each is to the generator.
 *
 * A site names its images from everywhere, not only from its posts: the
 * config (`header-img: img/home-bg.jpg`), layouts and includes (icons,
 * backgrounds), pages, data files, stylesheets (`url()`), scripts (a
 * service worker's precache list), JSON (a web app manifest's icons) and
 * feeds.  imgopt_referrers_list() walks the site root once and returns
 * every such file with its kind; the scanner of each kind finds its
 * references (scan.h) and the commands decide for the whole site.
 *
 * What is walked: every folder under the site root except the build
 * output (`_site/`, and `public/` of a Hugo or Hexo site), `.git/` and
 * every other folder whose name starts with `.` (imgopt's own `.imgopt/`
 * among them), `node_modules/`, `vendor/`, imgopt's variant folder
 * (IMAGES/IMGOPT_OUTPUT_DIR), what the site's config excludes (Jekyll's
 * `exclude:`), and Jekyll's folders whose name starts with `_` that
 * Jekyll neither reads nor publishes (any but `_posts`, `_drafts`,
 * `_layouts`, `_includes`, `_data`, `_sass` and the site's collections).
 * A Hexo site is built from its `source_dir` and its theme alone: only
 * those two folders (`source/`, `themes/<theme>/`) and the configs at the
 * root are walked, not `scaffolds/` nor a README.
 *
 * Ownership: results are transfer full.
 * Thread-safety: reentrant.
 */
#ifndef IMGOPT_REFERRERS_H
#define IMGOPT_REFERRERS_H

#include <glib.h> /* GPtrArray, GError */

#include "imgopt/site.h"

/** One text file of the site that can name an image. */
typedef struct {
	char *path;              /* relative to the site root */
	ImgoptReferrerKind kind; /* what it is to the generator */
} ImgoptReferrer;

/** Frees @referrer (nullable). */
void imgopt_referrer_free(ImgoptReferrer *referrer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptReferrer, imgopt_referrer_free)

/**
 * imgopt_referrers_kind_of:
 * @site: the site (for POSTS)
 * @path: a file relative to the site root
 * @kind_out: (out): its kind
 *
 * Classifies @path by its place and its name alone (nothing is read).
 *
 * Returns: whether @path is a referrer at all (a text file of a kind
 *   above); false for images, fonts, binaries and unknown text.
 */
bool imgopt_referrers_kind_of(const ImgoptSite *site, const char *path,
			      ImgoptReferrerKind *kind_out);

/**
 * imgopt_referrers_list:
 * @site: the open site
 * @error: return location for a #GError
 *
 * Walks the site root (see above) and classifies every regular file.
 * Symbolic links are not followed and not listed.
 *
 * Returns: (transfer full) (element-type ImgoptReferrer): every referrer,
 *   sorted by path, or NULL with @error set if the root cannot be read.
 */
GPtrArray *imgopt_referrers_list(const ImgoptSite *site, GError **error);

/**
 * imgopt_referrers_list_all:
 * @site: the open site
 * @skipped: (nullable) (element-type ImgoptProblem): receives each file
 *   that would be a referrer but is a symbolic link (not followed) or no
 *   regular file, its message starting with its path
 * @error: return location for a #GError
 *
 * imgopt_referrers_list(), telling which referrers it left out.
 *
 * Returns: (transfer full) (element-type ImgoptReferrer): as
 *   imgopt_referrers_list().
 */
GPtrArray *imgopt_referrers_list_all(const ImgoptSite *site, GPtrArray *skipped,
				     GError **error);

/**
 * imgopt_referrers_list_texts:
 * @site: the open site
 * @error: return location for a #GError
 *
 * Every text file of the site a person may read, published or not: the
 * referrers, and also what the config excludes, Jekyll's unread `_`
 * folders, READMEs and docs (`.md`, `.txt`, `.rst`, `.adoc`, `.org`,
 * `.textile`).  Still skipped: the build output, dot folders,
 * `node_modules/`, `vendor/` and the variants.  The orphan rule's last
 * guard reads these: an image a repository's README shows is no orphan.
 *
 * Returns: (transfer full) (element-type ImgoptReferrer): sorted by path
 *   (a file of no referrer kind is of kind page), or NULL with @error set.
 */
GPtrArray *imgopt_referrers_list_texts(const ImgoptSite *site, GError **error);

/**
 * imgopt_referrers_list_scope:
 * @site: the open site
 * @only_posts: the posts alone (--only-posts)
 * @skipped: (nullable): as for imgopt_referrers_list_all() (the whole
 *   site only)
 * @error: return location for a #GError
 *
 * The files whose references the commands honour: every referrer of the
 * site, or with @only_posts the posts alone (imgopt_site_list_posts(),
 * each of kind post).
 *
 * Returns: (transfer full) (element-type ImgoptReferrer): sorted by path,
 *   or NULL with @error set.
 */
GPtrArray *imgopt_referrers_list_scope(const ImgoptSite *site, bool only_posts,
				       GPtrArray *skipped, GError **error);

/**
 * imgopt_referrers_scan_text:
 * @site: the open site (its Markdown dialect)
 * @kind: what the file is to the generator
 * @path: the file's path relative to the site root
 * @text: @len: its bytes (as read, or as a run is about to write them)
 * @error: return location for a #GError
 *
 * imgopt_scan_referrer() in the site's dialect, without resolving.
 *
 * Returns: (transfer full) (element-type ImgoptRef): the references, or
 *   NULL with @error set.
 */
GPtrArray *imgopt_referrers_scan_text(const ImgoptSite *site,
				      ImgoptReferrerKind kind, const char *path,
				      const char *text, gsize len,
				      GError **error);

/**
 * imgopt_referrers_scan:
 * @site: the open site
 * @referrer: one of imgopt_referrers_list()'s files
 * @error: return location for a #GError
 *
 * Reads @referrer, finds its references with the scanner of its kind
 * (imgopt_scan_referrer()) and resolves each against the site, the way
 * site.h says for its kind.  A reference whose path a template computes
 * (imgopt_site_is_computed_url()) is PINNED and not resolved: it stays
 * UNRESOLVED, never BROKEN, with a message that says so.
 *
 * Returns: (transfer full) (element-type ImgoptRef): the references, each
 *   with its referrer kind and role, or NULL with @error set if the file
 *   cannot be read (G_FILE_ERROR) or scanned.
 */
GPtrArray *imgopt_referrers_scan(const ImgoptSite *site,
				 const ImgoptReferrer *referrer,
				 GError **error);

#endif /* IMGOPT_REFERRERS_H */
