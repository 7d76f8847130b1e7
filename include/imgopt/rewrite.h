/*
 * rewrite.h: stage 5, post text + references + variants → edits → new
 * post text.
 *
 * Everything here is pure but for one check of planning: functions take
 * bytes and return bytes, never writing the file system, so the
 * byte-exactness of a rewrite can be tested and fuzzed alone.  The run
 * (run.h) reads a post, scans and resolves it, has
 * imgopt_rewrite_plan_post() decide one ImgoptEdit per reference to
 * change, calls imgopt_rewrite_text(), and writes the result atomically.
 *
 * An edit replaces the bytes of one span with new bytes.  Only those bytes
 * change: CRLF line ends, a BOM, trailing spaces, a missing final newline,
 * Liquid and code blocks outside the spans are copied through untouched.
 * Each edit carries the bytes it expects to find at its span (the
 * reference's `raw`), so a post edited between scanning and rewriting is
 * detected (IMGOPT_ERROR_CONFLICT) rather than damaged.
 *
 * The helpers format what goes into a span in the post's own style:
 * imgopt_rewrite_format_url() (Liquid prefix, root- or post-relative),
 * imgopt_rewrite_format_img() (`--srcset` markup),
 * and imgopt_rewrite_format_srcset() (a srcset attribute value).  What
 * surrounds a span (the whole `![alt](dest "title")`, the tag of a src)
 * is what the scanner recorded in the ImgoptRef, not parsed again here.
 * The unified diff of a rewrite is in diff.h.
 * imgopt_rewrite_format_edits()/_parse_edits() serialise edits for the
 * manifest, and imgopt_rewrite_invert() turns them into the edits that
 * undo them.
 *
 * Ownership: returned values are transfer full; arrays own their elements.
 * Thread-safety: all functions are reentrant.
 */
#ifndef IMGOPT_REWRITE_H
#define IMGOPT_REWRITE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* GBytes, GPtrArray, GError */

#include "imgopt/settings.h" /* ImgoptLinkFormat */
#include "imgopt/site.h"
#include "imgopt/types.h"

/**
 * ImgoptEdit:
 *
 * Replace @length bytes at @offset, which must equal @expected, by
 * @replacement.  A zero @length inserts.
 */
typedef struct {
	gsize offset;          /* byte offset in the original text */
	gsize length;          /* bytes replaced */
	char *expected;        /* the @length bytes that must be there */
	char *replacement;     /* the new bytes */
	gsize replacement_len; /* their length */
} ImgoptEdit;

/**
 * imgopt_edit_new:
 * @offset: where the span starts
 * @expected: (array length=length): the bytes the span holds now
 * @length: the span's length
 * @replacement: (array length=replacement_len): the new bytes
 * @replacement_len: their length
 *
 * Returns: (transfer full): a new edit owning copies of both buffers.
 */
ImgoptEdit *imgopt_edit_new(gsize offset, const char *expected, gsize length,
			    const char *replacement, gsize replacement_len);

/** Frees @edit (nullable). */
void imgopt_edit_free(ImgoptEdit *edit);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptEdit, imgopt_edit_free)

/**
 * imgopt_rewrite_text:
 * @text: (array length=len): the post's bytes
 * @len: their number
 * @edits: (element-type ImgoptEdit): the edits, in any order; not changed
 * @error: return location for a #GError
 *
 * Applies @edits to @text.  Every byte outside the spans is copied as is.
 *
 * Returns: (transfer full): the new bytes, or NULL with @error set:
 *   IMGOPT_ERROR_CONFLICT if a span lies past the end of @text, if two
 *   spans overlap (two insertions at one offset count as overlapping), or
 *   if the bytes at a span are not its @expected bytes (the post was edited
 *   since it was scanned).
 */
GBytes *imgopt_rewrite_text(const char *text, gsize len, const GPtrArray *edits,
			    GError **error);

/**
 * imgopt_rewrite_sort_edits:
 * @edits: (element-type ImgoptEdit): edits, in any order; not changed
 *
 * Returns: (transfer container) (element-type ImgoptEdit): a new array
 *   borrowing the elements of @edits, sorted by offset (then length).
 */
GPtrArray *imgopt_rewrite_sort_edits(const GPtrArray *edits);

/**
 * imgopt_rewrite_invert:
 * @edits: (element-type ImgoptEdit): valid, non-overlapping edits of a text
 *
 * Returns: (transfer full) (element-type ImgoptEdit): the edits that turn
 *   the rewritten text back into the original, sorted by offset.
 */
GPtrArray *imgopt_rewrite_invert(const GPtrArray *edits);

/**
 * imgopt_rewrite_format_edits:
 * @edits: (element-type ImgoptEdit): edits
 *
 * Serialises @edits as text, one edit a line (`offset base64(expected)
 * base64(replacement)`), sorted by offset, for the manifest's rewrites
 * table.
 *
 * Returns: (transfer full): the text ("" for no edits).
 */
char *imgopt_rewrite_format_edits(const GPtrArray *edits);

/**
 * imgopt_rewrite_parse_edits:
 * @text: what imgopt_rewrite_format_edits() produced
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type ImgoptEdit): the edits, or NULL
 *   with @error set (IMGOPT_ERROR_PARSE).
 */
GPtrArray *imgopt_rewrite_parse_edits(const char *text, GError **error);

/**
 * ImgoptUrlStyle:
 *
 * How a new destination should be written: what the old one looked like
 * and where it resolved.  All strings are transfer none.
 */
typedef struct {
	const char *written;  /* the url as written (ImgoptRef.url) */
	const char *resolved; /* what it resolved to, relative to the site
				 root, or NULL if it was repaired or broken */
	const char *post;     /* the post, relative to the site root */
	const char *baseurl;  /* the site's baseurl ("/blog") or NULL */
	const char *fallback; /* prefix to use for a path that resolved
				 nowhere as written (a repaired link), e.g.
				 "{{site.baseurl}}/" or "/"; NULL means "/" */
	ImgoptRefKind kind;   /* where the reference is */
	bool is_angle;        /* Markdown `<dest>` form */
	const char *url_path; /* the URL path the generator publishes the
				 target at (imgopt_site_url_path()), for a
				 root-relative or Liquid-prefixed link; NULL:
				 the target's own path */
} ImgoptUrlStyle;

/**
 * imgopt_rewrite_format_url:
 * @style: the old destination
 * @target: the new file, relative to the site root
 *
 * Writes the destination of @target the way @style's was written:
 * - Liquid prefixes (`{{site.baseurl}}`, `{{ site.url }}{{ site.baseurl
 *   }}`) are kept and followed by `/` and @target; `{{ "x" | relative_url
 *   }}` gets @target inside its quotes;
 * - a `/` path stays root-relative (after the site's baseurl if the old
 *   one started with it);
 * - a relative path stays relative to the folder it resolved against
 *   (the post's folder, the post's asset folder, or the site root for
 *   front matter values like `header-img: img/x.jpg`), using `../` where
 *   needed;
 * - a repaired link (@style->resolved NULL) gets @style->fallback;
 * - a `?query` or `#fragment` of the old one is kept.
 * The result is escaped for where it goes: in a Markdown destination,
 * spaces, parentheses, `<`, `>` and control bytes are %-encoded (in
 * `<dest>` form only `<`, `>` and line ends are); in HTML and style
 * attributes `&` and quotes become entities; front matter values are
 * written plain.
 *
 * Returns: (transfer full): the new destination text, ready to replace the
 *   old span (without the angle brackets of the `<dest>` form).
 */
char *imgopt_rewrite_format_url(const ImgoptUrlStyle *style,
				const char *target);

/**
 * imgopt_rewrite_liquid_prefix_len:
 * @url: a destination as written
 *
 * Returns: the length of the Liquid `{{ … }}` groups @url starts with
 *   (`{{ site.url }}{{ site.baseurl }}` counts as one prefix), 0 if none.
 */
gsize imgopt_rewrite_liquid_prefix_len(const char *url);

/**
 * ImgoptSrcsetItem:
 *
 * One candidate of a srcset: a destination (already formatted) and the
 * width of the image it names.
 */
typedef struct {
	const char *url; /* transfer none */
	uint32_t width;  /* pixels */
} ImgoptSrcsetItem;

/**
 * imgopt_rewrite_format_srcset:
 * @items: (array length=n_items): candidates, in any order
 * @n_items: their number
 *
 * Returns: (transfer full): `url1 480w, url2 960w` in ascending width
 *   order, with `,` and spaces in urls %-encoded.
 */
char *imgopt_rewrite_format_srcset(const ImgoptSrcsetItem *items,
				   gsize n_items);

/**
 * ImgoptPictureSource:
 *
 * One `<source>` of a `<picture>`: the variants of one extra format.
 */
typedef struct {
	const char *type;              /* "image/avif", "image/webp" */
	const ImgoptSrcsetItem *items; /* its srcset candidates */
	gsize n_items;                 /* their number (at least 1) */
} ImgoptPictureSource;

/**
 * ImgoptImgMarkup:
 *
 * What the `--srcset` markup of one image says.  Strings are transfer
 * none; @alt is plain text (it is HTML-escaped here).
 */
typedef struct {
	const char *src;               /* the fallback image (display width) */
	const ImgoptSrcsetItem *items; /* srcset candidates */
	gsize n_items;          /* their number (0: no srcset, no sizes) */
	uint32_t display_width; /* the width the page shows it at */
	uint32_t width;         /* width attribute: the src's pixels */
	uint32_t height;        /* height attribute: the src's pixels */
	const char *alt;        /* alt text, or NULL for "" */
	const char *title;      /* title, or NULL for none */
	const ImgoptPictureSource *sources; /* extra formats, the first
					      preferred (AVIF, then WebP) */
	gsize n_sources;                    /* their number (0: a bare <img>) */
} ImgoptImgMarkup;

/**
 * imgopt_rewrite_format_img:
 *
 * Returns: (transfer full): one line of HTML that kramdown and goldmark
 *   pass through: `<img src="…" srcset="…" sizes="(max-width: Wpx) 100vw,
 *   Wpx" width="…" height="…" alt="…" [title="…"] loading="lazy"
 *   decoding="async">`; with sources, that tag inside
 *   `<picture><source type="…" srcset="…" sizes="…">…<img …></picture>`
 *   (kramdown keeps it as a block or inside a paragraph, CommonMark
 *   renderers such as goldmark as inline raw HTML).
 */
char *imgopt_rewrite_format_img(const ImgoptImgMarkup *markup);

/**
 * imgopt_rewrite_pick_variant:
 * @variants: (element-type ImgoptVariant): the variants of one content
 * @format: the format wanted, or IMGOPT_FORMAT_UNKNOWN for any
 * @width: the display width wanted
 *
 * Picks the variant of @format with the largest width not above @width,
 * or, if every one is wider, the narrowest.
 *
 * Returns: (transfer none) (nullable): the variant, or NULL if none has
 *   @format.
 */
const ImgoptVariant *imgopt_rewrite_pick_variant(const GPtrArray *variants,
						 ImgoptFormat format,
						 uint32_t width);

/**
 * imgopt_rewrite_pick_covering:
 * @variants: (element-type ImgoptVariant): the variants of one content
 * @format: the format wanted, or IMGOPT_FORMAT_UNKNOWN for any
 * @width: the width the page shows the image at
 *
 * Picks the variant of @format with the smallest width not below @width,
 * or, if every one is narrower, the widest.  Unlike
 * imgopt_rewrite_pick_variant() (for srcset descriptors), this finds the
 * variant made for @width even where it is wider than @width: where
 * re-encoding lost, the original stands in for a width, at its own size.
 *
 * Returns: (transfer none) (nullable): the variant, or NULL if none has
 *   @format.
 */
const ImgoptVariant *imgopt_rewrite_pick_covering(const GPtrArray *variants,
						  ImgoptFormat format,
						  uint32_t width);

/**
 * ImgoptPlanInput:
 *
 * What planning a post's edits needs beyond its text and references: the
 * site's files and variants, and how its pages show images.  Everything
 * is borrowed.
 */
typedef struct {
	const char *baseurl;    /* the site's baseurl ("/blog") or NULL */
	const char *root;       /* the site root, to check that the variant
				   file a relink would link exists; NULL not
				   to check (a dry run's new variants exist
				   only in memory) */
	const char *out_dir;    /* the variant folder, relative to the root */
	GHashTable *files;      /* path → ImgoptAsset: the site's files */
	GHashTable *variants;   /* hex of a content → GPtrArray of the
				   ImgoptVariant rows made with these
				   settings (an empty array: none) */
	GHashTable *variant_of; /* variant path → its ImgoptVariant row,
				   whatever its settings */
	GHashTable *originals;  /* hex of a content → the ImgoptAsset a post
				   links where the content's variant would
				   be a byte-identical copy of it: its first
				   original by path, so duplicate copies
				   still converge; NULL: each reference
				   keeps its own file */
	uint32_t display_width; /* the width pages show images at */
	uint32_t banner_width;  /* the width of front matter images (the
				   widest configured, or G_MAXUINT32) */
	bool use_srcset;        /* --srcset: Markdown images become <img
				   srcset>, an <img> gains a srcset */
	ImgoptLinkFormat link_format; /* which format a link names: the
					 lightest of those allowed (plan.c);
					 0 (ORIGINAL): the primary variant */
	const ImgoptSite *site; /* (nullable) where each reference's variants
				   live and at which URL path they are
				   published (imgopt_site_variant_dir(),
				   _url_path()); NULL: in @out_dir, at their
				   own path */
	GHashTable *named;      /* (nullable) set of paths: receives every
				   variant path the planned edits name (a
				   src, each srcset candidate, each <source>)
				   and every variant a reference already on
				   one keeps: what a run must make */
} ImgoptPlanInput;

/**
 * ImgoptRefPlanKind:
 *
 * What planning decided for one reference.
 */
typedef enum {
	IMGOPT_REF_PLAN_UNUSED,    /* not a file of the site (broken, remote,
				      outside): nothing shown, no edit */
	IMGOPT_REF_PLAN_KEPT,      /* shows its file as is: no variants, or
				      none a Hexo tag can name */
	IMGOPT_REF_PLAN_DONE,      /* already on the variant it should show */
	IMGOPT_REF_PLAN_REWRITTEN, /* edited to show @variant */
} ImgoptRefPlanKind;

/**
 * ImgoptRefPlan:
 *
 * The plan of one reference.  Pointers are transfer none: @ref is one of
 * the references planned, @variant a row of the ImgoptPlanInput's tables.
 */
typedef struct {
	const ImgoptRef *ref;         /* the reference */
	ImgoptRefPlanKind kind;       /* what was decided */
	const ImgoptVariant *variant; /* REWRITTEN: what it shows now, else
					 NULL (also where it shows an
					 original, whose variant would be a
					 copy of it) */
	const char *path;             /* the file it shows once rewritten
					 (site-relative), NULL for UNUSED */
} ImgoptRefPlan;

/**
 * imgopt_rewrite_plan_post:
 * @in: the site's files and variants, and how pages show images
 * @text: (array length=len): the post's bytes, as scanned
 * @len: their number
 * @refs: (element-type ImgoptRef): the references imgopt_scan_text()
 *   found in @text, resolved against the site
 * @edits: (element-type ImgoptEdit): where the edits are appended
 *
 * Decides, reference by reference in document order, which edits make the
 * post show the variants: a reference on an original gets the variant
 * made for its width, written in the old destination's style; one on a
 * variant file is moved only if these settings or widths call for another
 * (see run.h for the whole policy).  A link reference definition used by
 * several images is planned once; one a plain link uses too is never
 * edited (the link would open the variant): each image using it gets the
 * variant inline (docs/references.md).  Nothing is read but, when @in->root is
 * set, whether a relinked variant file exists.
 *
 * Returns: (transfer full) (element-type ImgoptRefPlan): one plan per
 *   distinct reference span, in document order.
 */
GArray *imgopt_rewrite_plan_post(const ImgoptPlanInput *in, const char *text,
				 gsize len, const GPtrArray *refs,
				 GPtrArray *edits);

#endif /* IMGOPT_REWRITE_H */
