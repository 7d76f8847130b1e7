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

/**
 * hi_sides:
 * @refs: (element-type ImgoptRef): the scanner's references of a post
 * @html: what a renderer made of it
 * @with_multiline: compare the Markdown references broken across lines
 *   too (kramdown renders them; cmark does not)
 * @mine: (element-type utf8): receives the references a renderer can
 *   show (not front matter, not Liquid tags), normalised
 * @theirs: (element-type utf8): receives the non-empty URLs a browser
 *   loads from @html, normalised
 */
void hi_sides(const GPtrArray *refs, const char *html, bool with_multiline,
	      GPtrArray *mine, GPtrArray *theirs);

/** Whether the sides of hi_sides() are the same multiset; if not, logs
 * both under @path and the @renderer's name. */
bool hi_agree(const char *path, const char *renderer, GPtrArray *mine,
	      GPtrArray *theirs);

/** Compares post number @i, @post, with its rendering; true if they
 * agree. */
typedef bool (*HiCompare)(guint i, const char *post, gpointer data);

/** Sorts @posts, compares each with @compare, logs how many agree with
 * @renderer and fails the test unless all do. */
void hi_compare_all(GPtrArray *posts, const char *renderer, HiCompare compare,
		    gpointer data);

/** Adds every fixture post (fixtures/markdown, fixtures/sites) to @out. */
void hi_fixture_posts(GPtrArray *out);

/** Adds every .md and .markdown (and, with @with_html, .html) file below
 * @dir to @out. */
void hi_collect(const char *dir, bool with_html, GPtrArray *out);

#endif /* IMGOPT_HTMLIMG_H */
