/*
 * report.h: `imgopt report --html`: the facts of a dupes job and a dry
 * run as one self-contained HTML page, for people deciding what to clean
 * up.
 *
 * The page holds, in this order: the totals; the image bytes now and
 * after per format (of the files' bytes); the savings per post (bytes
 * a reader downloads before and after, largest saving first); every
 * duplicate group as thumbnails side by side, each copy with the posts
 * that use it; the broken references with post and line; the largest
 * images before and after.  It needs nothing else: the CSS is inline, the
 * thumbnails are `data:` URIs (small WebP images made here), there is no
 * script and no URL outside the page, so it opens offline and from a
 * mail attachment.
 *
 * The core never prints: imgopt_report_html() returns the page as text
 * and the CLI writes it.
 *
 * Ownership: the input is transfer none; the page is transfer full.
 * Thread-safety: one call per thread (it decodes images with libvips).
 */
#ifndef IMGOPT_REPORT_H
#define IMGOPT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* GError */

#include "imgopt/dupes.h"
#include "imgopt/run.h"
#include "imgopt/site.h"

/** Thumbnails made at most, so a huge site gives a page a browser opens. */
#define IMGOPT_REPORT_MAX_THUMBNAILS 200

/** Thumbnail width in pixels (never upscaled). */
#define IMGOPT_REPORT_THUMBNAIL_WIDTH 120

/** Rows of the "largest images" table. */
#define IMGOPT_REPORT_N_LARGEST 20

/** What the page is made of.  Everything is transfer none. */
typedef struct {
	const ImgoptSite *site;         /* for reading thumbnails' sources */
	const ImgoptDupesResult *dupes; /* groups and the posts per file */
	const ImgoptRunResult *run;     /* a dry run: savings, broken refs,
					   shown images */
	uint64_t max_pixels;            /* decode limit for thumbnails */
} ImgoptReportInput;

/**
 * imgopt_report_html:
 * @input: the results to show
 *
 * Renders the page.  An image that cannot be read or decoded gets a
 * labelled placeholder instead of its thumbnail; nothing fails.
 *
 * Returns: (transfer full): the HTML document (UTF-8).
 */
char *imgopt_report_html(const ImgoptReportInput *input);

#endif /* IMGOPT_REPORT_H */
