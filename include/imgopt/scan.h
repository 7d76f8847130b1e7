/*
 * scan.h: stage 1, post text → image references.
 *
 * The scanner is pure: it reads a buffer, never the filesystem, so it can
 * be unit-tested and fuzzed alone.  It finds what the site's Markdown
 * renderer (CommonMark, or kramdown for Jekyll: ImgoptScanDialect) would
 * show as an image, plus raw HTML, front matter image keys and the
 * Liquid/Hexo forms listed in docs/references.md, and nothing inside code
 * blocks, code spans or HTML comments.
 *
 * Each reference also records the construct it sits in (the whole
 * Markdown image, the HTML tag and what rewriting needs of its
 * attributes; see ImgoptRef), so no later stage parses the post again.
 *
 * Calling sequence: imgopt_scan_text() per post, then resolve each reference
 * against the site (site.h).
 *
 * Ownership: returned arrays are transfer full and own their elements.
 * Thread-safety: reentrant; may be called from worker threads.
 */
#ifndef IMGOPT_SCAN_H
#define IMGOPT_SCAN_H

#include <stdbool.h>
#include <glib.h> /* GPtrArray, GError */

#include "imgopt/types.h"

/**
 * ImgoptScanDialect:
 *
 * The Markdown renderer whose output the scanner follows; the site
 * decides (site.h).
 */
typedef enum {
	IMGOPT_SCAN_COMMONMARK, /* CommonMark, as `cmark --unsafe` 0.30 */
	IMGOPT_SCAN_KRAMDOWN,   /* kramdown 2 (GFM input), what Jekyll runs */
} ImgoptScanDialect;

/** How to scan a post.  Zero-initialised: CommonMark. */
typedef struct {
	ImgoptScanDialect dialect; /* the renderer to follow */
	bool is_hugo; /* Hugo's forms too: shortcodes ({{< figure src=… >}}),
			 TOML front matter (`+++`); docs/references.md */
} ImgoptScanOptions;

/**
 * imgopt_scan_text_full:
 * @opts: (nullable): how to scan; NULL for the defaults (CommonMark)
 *
 * As imgopt_scan_text(), in the dialect of @opts.  Where kramdown and
 * CommonMark differ is in docs/references.md.
 */
GPtrArray *imgopt_scan_text_full(const char *post_path, const char *text,
				 gsize len, const ImgoptScanOptions *opts,
				 GError **error);

/**
 * imgopt_scan_text:
 * @post_path: the post's path, copied into each reference's `post` field
 * @text: the post's bytes, not necessarily NUL-terminated, not necessarily
 *   valid UTF-8
 * @len: the number of bytes in @text
 * @error: return location for a #GError
 *
 * Finds every image reference in @text, in document order (reference-style
 * images at the place they are used).  Runs in time linear in @len.
 * Invalid UTF-8, NUL bytes, CRLF or CR line ends, a BOM and unterminated
 * constructs are accepted.
 *
 * Returns: (transfer full) (element-type ImgoptRef): the references, all
 *   with status UNRESOLVED; NULL only if @text cannot be scanned at all,
 *   with @error set (IMGOPT_ERROR_PARSE).  CommonMark; see
 *   imgopt_scan_text_full() for the other dialects.
 */
GPtrArray *imgopt_scan_text(const char *post_path, const char *text, gsize len,
			    GError **error);

/**
 * imgopt_scan_referrer:
 * @kind: what the file is to the generator (referrers.h)
 * @opts: (nullable): how to scan its Markdown and HTML (the site's
 *   dialect); NULL for the defaults
 * @path: the file's path, copied into each reference's `post` field
 * @text: @len: its bytes, as for imgopt_scan_text()
 * @error: return location for a #GError
 *
 * Finds every image reference of a file of the site with the scanner of
 * its kind: posts, pages, layouts, includes and feeds as Markdown and
 * HTML (imgopt_scan_text_full(), in @opts' dialect); stylesheets' `url()` (kind
 * css); values of config and data files, YAML, JSON, CSV/TSV or TOML by @path's
 * extension (kind data); string literals of scripts and of JSON files outside
 * the data folders (kind string).  docs/references.md states each grammar. Only
 * values that name an image count in the files that are not pages.
 *
 * Each reference gets @kind as its referrer and its role: PINNED for the
 * strings of scripts and JSON files, and for any path a template computes
 * (imgopt_site_is_computed_url(): `{{ page.header-img }}`, Sass `#{}`);
 * REWRITABLE otherwise.
 *
 * Returns: (transfer full) (element-type ImgoptRef): the references, all
 *   UNRESOLVED, or NULL with @error set as imgopt_scan_text() does.
 */
GPtrArray *imgopt_scan_referrer(ImgoptReferrerKind kind,
				const ImgoptScanOptions *opts, const char *path,
				const char *text, gsize len, GError **error);

#endif /* IMGOPT_SCAN_H */
