/*
 * htmlimg.h: helpers of the differential tests: the image URLs a browser
 * loads from HTML, and URLs normalised so that a renderer's output and the
 * scanner's references compare.
 *
 * Ownership: returned strings and arrays are transfer full.
 */
#ifndef IMGOPT_HTMLIMG_H
#define IMGOPT_HTMLIMG_H

#include <stdbool.h>
#include <glib.h>

/** @s with the whitespace inside each Liquid `{{ }}` removed (Jekyll
 * expands Liquid before Markdown; a renderer alone would stop a
 * destination at its spaces). */
char *hi_collapse_liquid(const char *s);

/** @url entity- and percent-decoded, tabs and line ends removed (as the
 * URL parser does), Liquid collapsed. */
char *hi_normalise(const char *url);

/**
 * hi_browser_urls:
 *
 * Returns: (element-type utf8): the URLs a browser loads as images from
 *   @html, as written: src and srcset of img, image and of source outside
 *   video and audio, video poster, style url(); nothing in comments,
 *   bogus comments, script, style or textarea.
 */
GPtrArray *hi_browser_urls(const char *html);

/** The offset of a post's body: after its front matter, if complete. */
gsize hi_body_start(const char *text, gsize len);

/** strcmp() for a GPtrArray of strings. */
int hi_cmp_str(gconstpointer a, gconstpointer b);

/** Sorts @urls and returns them one per line, indented. */
char *hi_joined(GPtrArray *urls);

/** Adds every .md and .markdown (and, with @with_html, .html) file below
 * @dir to @out. */
void hi_collect(const char *dir, bool with_html, GPtrArray *out);

#endif /* IMGOPT_HTMLIMG_H */
