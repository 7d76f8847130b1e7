/*
 * scan_priv.h: what the parts of the reference scanner share.
 *
 * The scanner is split by layer: scan.c (entry point, front matter,
 * decoding helpers, the design comment), scan_block.c (CommonMark block
 * structure: containers, code blocks, HTML blocks, paragraphs and link
 * reference definitions), scan_inline.c (CommonMark inlines: code spans,
 * brackets, destinations), scan_html.c (tags and attributes: src,
 * srcset, style url()) and scan_tag.c (Hexo's `{% asset_img %}` and
 * other image tags, in inline and HTML leaves).
 *
 * Calling sequence, all inside imgopt_scan_text(): the block pass turns the
 * body into leaves (ScanLeaf) and fills the definition table; then each
 * leaf is scanned by the inline or the HTML scanner, which append
 * references through imgopt_scan_add_ref().
 *
 * Ownership: a Scanner owns its leaves, definitions and references until
 * imgopt_scan_text() steals the references.  Thread-safety: one Scanner per
 * call; nothing here is global.
 */
#ifndef IMGOPT_SCAN_PRIV_H
#define IMGOPT_SCAN_PRIV_H

#include <stdbool.h>
#include <glib.h> /* GString, GArray, GPtrArray, GHashTable */

#include "imgopt/scan.h"
#include "imgopt/types.h"

/** Where one line of a leaf's logical text starts in the file. */
typedef struct {
	gsize log;  /* offset in the leaf's logical text */
	gsize orig; /* offset in the file */
} ScanSeg;

/**
 * ScanLines:
 *
 * A view of a leaf block's content with container prefixes removed: its
 * lines joined by single '\n' whatever the file's line ends, plus the map
 * back to file offsets.  A logical offset inside line i maps to
 * segs[i].orig plus the distance from segs[i].log; the '\n' after a line
 * maps to the line's original ending.  The view borrows the scanner's
 * leaf arena and is valid until the next line is added to any leaf.
 */
typedef struct {
	const char *str;     /* logical text; str[len] is NUL */
	gsize len;           /* its length */
	const ScanSeg *segs; /* one per line, in order */
	guint n_segs;        /* at least 1 */
} ScanLines;

/** What a leaf holds, and so which scanner reads it. */
typedef enum {
	SCAN_LEAF_INLINE, /* paragraph or heading: CommonMark inlines */
	SCAN_LEAF_HTML,   /* HTML block or .html body: tags only */
} ScanLeafKind;

/** One leaf block kept for the inline pass.  Its text and line map live
 * in the scanner's arenas (Scanner.leaf_text, .leaf_segs), so a post
 * costs a few growing buffers rather than allocations per leaf. */
typedef struct {
	ScanLeafKind kind; /* which scanner reads it */
	gsize text_at;     /* offset of its text in Scanner.leaf_text */
	gsize text_len;    /* length of its text */
	guint seg_at;      /* index of its first ScanSeg in .leaf_segs */
	guint n_segs;      /* its number of lines */
	gsize start;       /* logical offset where inlines begin (after
			      link reference definitions) */
} ScanLeaf;

/** A link reference definition: `[label]: dest "title"`. */
typedef struct {
	gsize offset;   /* file offset of the destination as written */
	gsize length;   /* its byte length (inside <> if pointy) */
	char *url;      /* destination, escapes and entities decoded */
	char *title;    /* title, decoded the same way, or NULL */
	bool is_linked; /* a link (not an image) uses it too */
} ScanDef;

/** Where the raw HTML seen so far leaves a browser: in markup, inside a
 * comment, or inside a raw-text element (script, style, textarea), where
 * nothing loads until raw HTML closes it. */
typedef enum {
	SCAN_RAW_NONE,
	SCAN_RAW_COMMENT,
	SCAN_RAW_ELEMENT, /* + index in scan_html.c's raw_elements */
} ScanRawState;

/** The state of one imgopt_scan_text() call. */
typedef struct {
	const char *text;          /* the whole file */
	gsize len;                 /* its length */
	const char *post;          /* post path for ImgoptRef.post */
	ImgoptScanDialect dialect; /* the renderer followed */
	bool strict_tags;          /* kramdown reads the raw HTML of Markdown: a
				      tag with an unquoted value that is not all
				      word characters is text */
	bool has_cr;               /* the file holds a '\r' (else lines end at
				      '\n' only, and memchr finds them) */
	GArray *line_starts;       /* (element-type gsize) file offset of each
				      line; built at the first reference */
	GArray *leaves;     /* (element-type ScanLeaf) in document order */
	GString *leaf_text; /* every leaf's text, each followed by a NUL */
	GArray *leaf_segs;  /* (element-type ScanSeg) every leaf's lines */
	GHashTable *defs;   /* normalised label -> ScanDef, first one wins;
			       NULL until the first definition */
	GPtrArray *refs;    /* (element-type ImgoptRef) the result */
	int raw_state;      /* ScanRawState after the raw HTML so far */
	guint media_depth;  /* <video> and <audio> elements raw HTML
			       opened and has not closed */
	bool is_hugo;       /* Hugo's shortcodes and TOML front matter */
} Scanner;

/* ---- scan.c: shared helpers ---- */

/** The file offset of logical offset @pos of @lines. */
gsize imgopt_scan_lines_map(const ScanLines *lines, gsize pos);

/**
 * imgopt_scan_leaf_new:
 *
 * Appends an empty leaf to @sc->leaves; lines can then be added to it, and
 * only to it, until the next leaf is made.  Returns: (transfer none): the
 * leaf, valid until the next imgopt_scan_leaf_new().
 */
ScanLeaf *imgopt_scan_leaf_new(Scanner *sc, ScanLeafKind kind);

/** Appends a line (@len bytes at file offset @orig) to the last leaf. */
void imgopt_scan_leaf_add_line(Scanner *sc, gsize orig, gsize len);

/** Sets @lines to a view of @leaf's text (see ScanLines). */
void imgopt_scan_leaf_lines(const Scanner *sc, const ScanLeaf *leaf,
			    ScanLines *lines);

/**
 * imgopt_scan_add_ref:
 * @url: (transfer full): decoded destination
 * @alt: (transfer full) (nullable): alt text
 *
 * Appends a reference whose span is @length bytes at file offset @offset
 * to @refs (a per-leaf pending list or the scanner's result).  Returns the
 * new reference (transfer none), or NULL if the span holds a NUL byte or
 * leaves the file, in which case nothing is added.
 */
ImgoptRef *imgopt_scan_add_ref(Scanner *sc, GPtrArray *refs, ImgoptRefKind kind,
			       gsize offset, gsize length, char *url,
			       char *alt);

/**
 * imgopt_scan_decode:
 * @s: @len: text
 * @escapes: decode backslash escapes of ASCII punctuation
 *
 * Returns: (transfer full): @s with entity and numeric character
 *   references (and, if @escapes, backslash escapes) decoded, as CommonMark
 *   does for destinations and titles.
 */
char *imgopt_scan_decode(const char *s, gsize len, bool escapes);

/**
 * imgopt_scan_entity:
 * @s: @len: text starting with '&'
 * @out: (nullable): where to append the decoded character
 *
 * Returns: the length of the entity or numeric reference at @s (including
 *   '&' and ';'), or 0 if there is none.
 */
gsize imgopt_scan_entity(const char *s, gsize len, GString *out);

/** ASCII punctuation, as CommonMark defines it for backslash escapes. */
bool imgopt_scan_is_punct(int c);

/** Whitespace as CommonMark and HTML tags count it: space, tab, LF, CR,
 * VT, FF.  Inline: the inline and HTML scanners test it per byte. */
static inline bool
imgopt_scan_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/** The first offset at or after @i of @s (@n bytes) that is not
 * whitespace (imgopt_scan_is_space()), or @n. */
static inline gsize
imgopt_scan_skip_space(const char *s, gsize n, gsize i)
{
	while (i < n && imgopt_scan_is_space((unsigned char)s[i]))
		i++;
	return i;
}

/** The first offset at or after @i of @s (@n bytes) that is not a space
 * or a tab, or @n. */
static inline gsize
imgopt_scan_skip_blanks(const char *s, gsize n, gsize i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* ---- scan_block.c ---- */

/** Splits the body (@start to the end of the file) into leaves and
 * definitions. */
void imgopt_scan_blocks(Scanner *sc, gsize start);

/* ---- scan_inline.c ---- */

/**
 * imgopt_scan_parse_defs:
 *
 * Parses the link reference definitions at the start of a paragraph's
 * text, from @from; adds new labels to @sc->defs.  Returns the logical
 * offset where the paragraph's inline content begins.
 */
gsize imgopt_scan_parse_defs(Scanner *sc, const ScanLines *lines, gsize from);

/**
 * imgopt_scan_leaves:
 *
 * The second pass: scans every leaf in order, paragraphs and headings for
 * images, raw HTML and Liquid tags, HTML blocks as raw HTML, appending
 * the references to @sc->refs.
 */
void imgopt_scan_leaves(Scanner *sc);

/**
 * imgopt_scan_label_key:
 *
 * Returns: (transfer full): the CommonMark-normalised form of a link label
 *   (case-folded, inner whitespace collapsed, trimmed), or NULL if the label
 *   is empty or only whitespace.
 */
char *imgopt_scan_label_key(const char *s, gsize len);

/* ---- scan_html.c ---- */

/**
 * imgopt_scan_html_open_tag:
 * @s: @len: text starting with '<'
 *
 * Matches a CommonMark "open tag" (`<name attr="v" ...>` or `/>`).  Line
 * ends may appear where whitespace may; pass one line to forbid them.
 * With @strict, as kramdown: an unquoted attribute value holds only word
 * characters.  Returns: its length, or 0.
 */
gsize imgopt_scan_html_open_tag(const char *s, gsize len, bool strict);

/** Matches a CommonMark "closing tag" (`</name >`); returns its length
 * or 0. */
gsize imgopt_scan_html_close_tag(const char *s, gsize len);

/**
 * imgopt_scan_html_range:
 *
 * Reads [@from, @to) of @lines as a browser would read raw HTML, from the
 * state in @sc->raw_state, leaving the state for the next chunk: tags
 * report their references into @pending; comments, bogus comments and
 * the contents of script, style and textarea are skipped.
 */
void imgopt_scan_html_range(Scanner *sc, const ScanLines *lines,
			    GPtrArray *pending, gsize from, gsize to);

/**
 * imgopt_scan_html_tag:
 * @start: logical offset of '<' of an open tag
 * @end: logical offset just past its '>'
 *
 * Reports the src, srcset and style url() references of the tag at
 * @start..@end into @pending.
 */
void imgopt_scan_html_tag(Scanner *sc, const ScanLines *lines,
			  GPtrArray *pending, gsize start, gsize end);

/* ---- scan_shortcode.c ---- */

/**
 * imgopt_scan_toml_front_matter:
 * @pos: where the post's text starts (after a BOM)
 *
 * Hugo's TOML front matter (`+++` lines around it) at @pos: adds its
 * strings that name an image to @sc->refs (kind front-matter).  Returns
 * where the body starts: after the closing `+++`, or @pos if there is
 * none.
 */
gsize imgopt_scan_toml_front_matter(Scanner *sc, gsize pos);

/**
 * imgopt_scan_shortcodes:
 * @body: where the body starts
 *
 * Adds the images of the Hugo shortcodes of the body to @sc->refs (kind
 * shortcode), keeping the references in document order.
 */
void imgopt_scan_shortcodes(Scanner *sc, gsize body);

/* ---- scan_tag.c ---- */

/**
 * imgopt_scan_tag:
 * @pos: logical offset of the `{` of `{%`
 * @close: logical offset of the `%` of the `%}` that closes it, on the
 *   same line
 *
 * Reports the image argument of a Hexo image tag (`asset_img`,
 * `asset_path`, `asset_link`, `img`) at @pos into @pending.  Returns:
 * whether it is one of those tags (else the caller reads on inside it).
 */
bool imgopt_scan_tag(Scanner *sc, const ScanLines *lines, GPtrArray *pending,
		     gsize pos, gsize close);

/**
 * imgopt_scan_html_leaf:
 *
 * Scans an HTML block (or a .html body) as raw HTML
 * (imgopt_scan_html_range()) and for Hexo's image tags, which Hexo
 * renders before Markdown; appends their references to @sc->refs in
 * document order.
 */
void imgopt_scan_html_leaf(Scanner *sc, const ScanLines *lines);

#endif /* IMGOPT_SCAN_PRIV_H */
