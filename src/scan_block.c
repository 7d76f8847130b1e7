/*
 * scan_block.c: the CommonMark block pass of the scanner.
 *
 * One call per line, in the three steps of the CommonMark parsing strategy
 * ("Phase 1: block structure"), following cmark's decisions:
 *
 *   1. match the open containers (block quote: `>`; list item: enough
 *      indentation, or a blank line once the item has content), and then
 *      the open leaf (a fence or HTML block swallows the line);
 *   2. try block starts from the last matched container, in cmark's order;
 *      each new container consumes its marker and the loop goes on;
 *   3. what is left is lazy paragraph continuation, paragraph text, or a
 *      new paragraph.
 *
 * Columns follow 4-column tab stops, and a tab may be consumed in part (an
 * indentation of 2 taken out of a tab leaves 2 columns).  Only leaves that
 * can show an image are kept: paragraphs and headings (inline content) and
 * HTML blocks.  Code blocks are matched so their lines are skipped.
 *
 * In the kramdown dialect (Jekyll) four rules change: a block quote's
 * content starts after `> ` with its own tab stops; a span-level start
 * tag opens no HTML block, another element's block runs to its end tag
 * (a void one's is the tag alone) and a tag kramdown cannot parse is
 * text; and a fence needs a closing line somewhere after it.
 *
 * Cost: matching a container consumes at least one byte of a non-blank
 * line, except list items on blank lines; for those, `fbs` (the first
 * container a blank line cannot match) lets a blank line skip the run of
 * item containers at once, so deep nesting stays linear.
 */
#include <string.h>

#include "scan_priv.h"

typedef enum {
	CONT_QUOTE, /* > */
	CONT_ITEM,  /* - or 1. */
} ContKind;

/* An open container block. */
typedef struct {
	ContKind kind;  /* quote or list item */
	int indent;     /* item: columns of its content (marker + padding) */
	bool has_child; /* item: a block was opened inside it */
} Cont;

/* The open leaf, innermost of all. */
typedef enum {
	OPEN_NONE,
	OPEN_PARA,  /* paragraph (text collected into a leaf) */
	OPEN_FENCE, /* fenced code block (skipped) */
	OPEN_ICODE, /* indented code block (skipped) */
	OPEN_HTML,  /* HTML block (collected into a leaf) */
} OpenKind;

typedef struct {
	Scanner *sc;
	const char *s; /* the file */
	GArray *conts; /* (element-type Cont) open containers, outermost first
			*/
	guint fbs;     /* first container a blank line cannot match */
	OpenKind open; /* the open leaf */
	guint open_depth;   /* containers around the open leaf */
	char fence_char;    /* '`' or '~' */
	int fence_len;      /* length of the opening fence */
	int fence_indent;   /* indentation of the opening fence */
	int html_type;      /* 1-7, as numbered by CommonMark; or
			       HTML_KRAMDOWN(_VOID) */
	char html_name[16]; /* HTML_KRAMDOWN: the element's name */
	int html_depth;     /* HTML_KRAMDOWN: its elements still open */
	GArray *closers[2]; /* kramdown: the lines that could close a ` and
			       a ~ fence (FenceCloser), in file order; built
			       at the first fence */

	/* the current line: [line_start, line_end) without its ending */
	gsize line_start; /* file offset of the line */
	gsize line_end;   /* file offset of its line ending */
	gsize pos;        /* where matching has got to */
	int col;          /* column of pos */
	bool partial_tab; /* the tab at pos is partly consumed */
	gsize nonspace;   /* first non-blank at or after pos */
	int indent;       /* columns from pos to nonspace */
	bool blank;       /* nothing but blanks after pos */
	gsize next_nl;    /* the first '\n' at or after line_start, or the
			     end of the file; G_MAXSIZE before the first */
	gsize ns_pos;     /* pos and col of the last find_nonspace() on this */
	int ns_col;       /* line, whose results are still in place; or
			     G_MAXSIZE and -1 */
} Blocks;

static int
peek(const Blocks *b, gsize i)
{
	return i < b->line_end ? (unsigned char)b->s[i] : '\n';
}

static void
find_nonspace(Blocks *b)
{
	/* the line's matching asks again and again from the same place */
	if (b->ns_pos == b->pos && b->ns_col == b->col)
		return;
	b->ns_pos = b->pos;
	b->ns_col = b->col;
	int to_tab = 4 - b->col % 4, col = b->col;
	gsize i = b->pos;

	for (;; i++) {
		int c = peek(b, i);

		if (c == ' ') {
			col++;
			to_tab = to_tab == 1 ? 4 : to_tab - 1;
		}
		else if (c == '\t') {
			col += to_tab;
			to_tab = 4;
		}
		else
			break;
	}
	b->nonspace = i;
	b->indent = col - b->col;
	b->blank = i >= b->line_end;
}

/* Advances @count columns (a tab may be split) or @count bytes. */
static void
advance(Blocks *b, int count, bool columns)
{
	while (count > 0 && b->pos < b->line_end) {
		if (b->s[b->pos] == '\t') {
			int to_tab = 4 - b->col % 4;

			if (columns) {
				int n = MIN(count, to_tab);

				b->partial_tab = to_tab > count;
				b->col += n;
				b->pos += b->partial_tab ? 0 : 1;
				count -= n;
			}
			else {
				b->partial_tab = false;
				b->col += to_tab;
				b->pos++;
				count--;
			}
		}
		else {
			b->partial_tab = false;
			b->pos++;
			b->col++;
			count--;
		}
	}
}

static void
advance_to_nonspace(Blocks *b)
{
	advance(b, (int)(b->nonspace - b->pos), false);
}

static Cont *
cont_at(const Blocks *b, guint i)
{
	return &g_array_index(b->conts, Cont, i);
}

static bool
matches_blank(const Cont *c)
{
	return c->kind == CONT_ITEM && c->has_child;
}

/* The innermost container got a child block. */
static void
mark_child(Blocks *b)
{
	guint n = b->conts->len;

	if (n == 0)
		return;
	cont_at(b, n - 1)->has_child = true;
	while (b->fbs < n && matches_blank(cont_at(b, b->fbs)))
		b->fbs++;
}

/* The open paragraph's or HTML block's leaf: always the last one, since
 * a leaf is made only once the previous one is complete. */
static ScanLeaf *
open_leaf_of(const Blocks *b)
{
	GArray *leaves = b->sc->leaves;

	g_assert(b->open == OPEN_PARA || b->open == OPEN_HTML);
	return &g_array_index(leaves, ScanLeaf, leaves->len - 1);
}

/* Takes the link reference definitions off the start of the open
 * paragraph. */
static void
parse_para_defs(Blocks *b)
{
	ScanLeaf *leaf = open_leaf_of(b);
	ScanLines lines;

	imgopt_scan_leaf_lines(b->sc, leaf, &lines);
	leaf->start = imgopt_scan_parse_defs(b->sc, &lines, leaf->start);
}

static void
close_leaf(Blocks *b)
{
	if (b->open == OPEN_PARA)
		parse_para_defs(b);
	b->open = OPEN_NONE;
}

/* Closes the containers past @n and, if it lives in one of them, the open
 * leaf. */
static void
close_unmatched(Blocks *b, guint n)
{
	if (b->open != OPEN_NONE && b->open_depth > n)
		close_leaf(b);
	if (b->conts->len > n)
		g_array_set_size(b->conts, n);
	b->fbs = MIN(b->fbs, n);
}

static void
open_leaf(Blocks *b, OpenKind kind)
{
	close_leaf(b);
	mark_child(b);
	b->open = kind;
	b->open_depth = b->conts->len;
	if (kind == OPEN_PARA)
		imgopt_scan_leaf_new(b->sc, SCAN_LEAF_INLINE);
	else if (kind == OPEN_HTML)
		imgopt_scan_leaf_new(b->sc, SCAN_LEAF_HTML);
}

static void
push_cont(Blocks *b, ContKind kind, int indent)
{
	Cont c = {kind, indent, false};

	close_leaf(b);
	mark_child(b);
	g_array_append_val(b->conts, c);
}

static void
add_line_from(Blocks *b, gsize from)
{
	g_assert(b->open == OPEN_PARA || b->open == OPEN_HTML);
	imgopt_scan_leaf_add_line(b->sc, from, b->line_end - from);
}

/* ---- step 1: matching the open blocks ---- */

static bool
match_quote(Blocks *b)
{
	if (b->indent > 3 || peek(b, b->nonspace) != '>')
		return false;
	advance(b, b->indent + 1, true);
	int c = peek(b, b->pos);
	if (b->sc->dialect == IMGOPT_SCAN_KRAMDOWN) {
		/* kramdown strips `> ` and reads the rest as a document of
		 * its own: its tabs stop from there, a leading one indents
		 * by 4 */
		if (c == ' ')
			advance(b, 1, true);
		b->col = 0;
		b->partial_tab = false;
	}
	else if (c == ' ' || c == '\t')
		advance(b, 1, true);
	return true;
}

static guint
match_containers(Blocks *b)
{
	guint i = 0, n = b->conts->len;

	while (i < n) {
		const Cont *c = cont_at(b, i);

		find_nonspace(b);
		if (b->blank && b->pos == b->nonspace && i < b->fbs) {
			i = b->fbs; /* every item up to fbs matches as is */
			continue;
		}
		if (c->kind == CONT_QUOTE) {
			if (!match_quote(b))
				break;
		}
		else if (b->indent >= c->indent)
			advance(b, c->indent, true);
		else if (b->blank && c->has_child)
			advance_to_nonspace(b);
		else
			break;
		i++;
	}
	find_nonspace(b);
	return i;
}

static bool
is_fence_close(const Blocks *b)
{
	gsize i = b->nonspace;
	int n = 0;

	if (b->indent > 3)
		return false;
	while (peek(b, i) == b->fence_char) {
		i++;
		n++;
	}
	while (peek(b, i) == ' ' || peek(b, i) == '\t')
		i++;
	return n >= b->fence_len && i >= b->line_end;
}

/* Every needle starts with punctuation, so memchr can find the candidate
 * places and only they are compared case-insensitively. */
static bool
contains_ci(const char *s, gsize len, const char *needle)
{
	gsize n = strlen(needle);
	const char *p = s, *end = s + len;

	g_assert(!g_ascii_isalpha(needle[0]));
	while (end - p >= (ptrdiff_t)n &&
	       (p = memchr(p, needle[0], (gsize)(end - p) - n + 1)) != NULL) {
		if (g_ascii_strncasecmp(p, needle, n) == 0)
			return true;
		p++;
	}
	return false;
}

/* kramdown's HTML blocks: an element, raw up to its matching end tag,
 * blank lines included; a void element's tag alone. */
#define HTML_KRAMDOWN 8
#define HTML_KRAMDOWN_VOID 9

/* Counts the start and end tags of the element html_name in [s, s+n)
 * into html_depth. */
static void
count_element(Blocks *b, const char *s, gsize n)
{
	gsize k = strlen(b->html_name);

	for (const char *p = s, *end = s + n;
	     (p = memchr(p, '<', (gsize)(end - p))) != NULL; p++) {
		bool is_end = p + 1 < end && p[1] == '/';
		const char *name = p + 1 + is_end;

		if ((gsize)(end - name) < k ||
		    g_ascii_strncasecmp(name, b->html_name, k) != 0 ||
		    (name + k < end && (g_ascii_isalnum(name[k]) ||
					name[k] == '-' || name[k] == ':')))
			continue;
		b->html_depth += is_end ? -1 : 1;
	}
}

/* Does the line end an HTML block of type 1-5 or HTML_KRAMDOWN? */
static bool
html_ends(Blocks *b, gsize from)
{
	const char *s = b->s + from;
	gsize n = b->line_end - from;

	switch (b->html_type) {
	case HTML_KRAMDOWN:
		count_element(b, s, n);
		return b->html_depth <= 0;
	case HTML_KRAMDOWN_VOID:
		return contains_ci(s, n, ">");
	case 1:
		return contains_ci(s, n, "</script>") ||
		       contains_ci(s, n, "</pre>") ||
		       contains_ci(s, n, "</style>");
	case 2:
		return contains_ci(s, n, "-->");
	case 3:
		return contains_ci(s, n, "?>");
	case 4:
		return contains_ci(s, n, ">");
	case 5:
		return contains_ci(s, n, "]]>");
	default:
		return false;
	}
}

/* A line of an open fenced code, indented code or HTML block, when every
 * container matched.  Returns true if the line is used up. */
static bool
continue_leaf(Blocks *b)
{
	switch (b->open) {
	case OPEN_FENCE:
		if (is_fence_close(b))
			close_leaf(b);
		return true;
	case OPEN_ICODE:
		return b->indent >= 4 || b->blank;
	case OPEN_HTML:
		if (b->blank && b->html_type >= 6 &&
		    b->html_type < HTML_KRAMDOWN) {
			close_leaf(b);
			return true;
		}
		add_line_from(b, b->pos);
		if (html_ends(b, b->pos))
			close_leaf(b);
		return true;
	default:
		return false;
	}
}

/* ---- step 2: block starts ---- */

static bool
is_atx(const Blocks *b)
{
	gsize i = b->nonspace;
	int n = 0;

	while (peek(b, i) == '#' && n < 7) {
		i++;
		n++;
	}
	return n >= 1 && n <= 6 &&
	       (peek(b, i) == ' ' || peek(b, i) == '\t' || i >= b->line_end);
}

/* An ATX heading is a one-line leaf: its text without the opening and
 * the optional closing sequence of '#'. */
static void
add_atx(Blocks *b)
{
	gsize i = b->nonspace, end = b->line_end;

	while (i < end && b->s[i] == '#')
		i++;
	while (i < end && (b->s[i] == ' ' || b->s[i] == '\t'))
		i++;
	while (end > i && (b->s[end - 1] == ' ' || b->s[end - 1] == '\t'))
		end--;
	gsize hashes = end;
	while (hashes > i && b->s[hashes - 1] == '#')
		hashes--;
	if (hashes == i || b->s[hashes - 1] == ' ' || b->s[hashes - 1] == '\t')
		end = hashes;
	imgopt_scan_leaf_new(b->sc, SCAN_LEAF_INLINE);
	imgopt_scan_leaf_add_line(b->sc, i, end - i);
}

/* A line that could close a kramdown fence: after any blanks and '>',
 * a run of one fence character and then only blanks. */
typedef struct {
	gsize offset; /* where the line starts */
	int max_run;  /* the longest run on this line or any after it */
} FenceCloser;

/* The run of '`' or '~' that makes the line at @p..@e a closer
 * candidate, with its character in *@c; or 0. */
static int
closer_run(const char *s, gsize p, gsize e, int *c)
{
	while (p < e && (s[p] == ' ' || s[p] == '\t' || s[p] == '>'))
		p++;
	gsize q = p;
	if (p >= e || (s[p] != '`' && s[p] != '~'))
		return 0;
	while (q < e && s[q] == s[p])
		q++;
	*c = s[p] == '`' ? 0 : 1;
	gsize run = q - p;
	while (q < e && (s[q] == ' ' || s[q] == '\t'))
		q++;
	return q == e && run >= 3 ? (int)MIN(run, 1000) : 0;
}

/* Lists the closer candidates of the file, then makes max_run a suffix
 * maximum so one binary search answers a fence. */
static void
build_closers(Blocks *b)
{
	const Scanner *sc = b->sc;

	for (int k = 0; k < 2; k++)
		b->closers[k] = g_array_new(FALSE, FALSE, sizeof(FenceCloser));
	for (gsize p = 0; p < sc->len;) {
		gsize e = p;
		while (e < sc->len && b->s[e] != '\n' && b->s[e] != '\r')
			e++;
		int c = 0, run = closer_run(b->s, p, e, &c);
		if (run > 0) {
			FenceCloser fc = {p, run};
			g_array_append_val(b->closers[c], fc);
		}
		p = e + 1;
	}
	for (int k = 0; k < 2; k++)
		for (guint i = b->closers[k]->len; i > 1; i--) {
			FenceCloser *at = &g_array_index(b->closers[k],
							 FenceCloser, i - 2);
			at->max_run = MAX(
				at->max_run,
				g_array_index(b->closers[k], FenceCloser, i - 1)
					.max_run);
		}
}

/* kramdown's fence needs its closing fence, and its pattern backtracks:
 * an opening run of @n characters @c closes at a run of @n or more if a
 * later line has one, else at the longest shorter run (3 at least) a
 * later line has.  Returns that length, or 0 if no later line closes it.
 * (Container prefixes are skipped, not matched: an approximation.) */
static int
kramdown_fence_len(Blocks *b, int c, int n)
{
	if (b->closers[0] == NULL)
		build_closers(b);
	GArray *list = b->closers[c == '`' ? 0 : 1];
	guint lo = 0, hi = list->len;

	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		if (g_array_index(list, FenceCloser, mid).offset <=
		    b->line_start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < list->len
		       ? MIN(n, g_array_index(list, FenceCloser, lo).max_run)
		       : 0;
}

static bool
start_fence(Blocks *b)
{
	gsize i = b->nonspace;
	int c = peek(b, i), n = 0;

	if (c != '`' && c != '~')
		return false;
	while (peek(b, i) == c) {
		i++;
		n++;
	}
	if (n < 3)
		return false;
	if (c == '`' && memchr(b->s + i, '`', b->line_end - i) != NULL)
		return false;
	if (b->sc->dialect == IMGOPT_SCAN_KRAMDOWN &&
	    (n = kramdown_fence_len(b, c, n)) == 0)
		return false;
	b->fence_char = (char)c;
	b->fence_len = n;
	b->fence_indent = b->indent;
	return true;
}

static const char *const block_tags[] = {
	"address",    "article",  "aside",   "base",     "basefont",
	"blockquote", "body",     "caption", "center",   "col",
	"colgroup",   "dd",       "details", "dialog",   "dir",
	"div",        "dl",       "dt",      "fieldset", "figcaption",
	"figure",     "footer",   "form",    "frame",    "frameset",
	"h1",         "h2",       "h3",      "h4",       "h5",
	"h6",         "head",     "header",  "hr",       "html",
	"iframe",     "legend",   "li",      "link",     "main",
	"menu",       "menuitem", "nav",     "noframes", "ol",
	"optgroup",   "option",   "p",       "param",    "section",
	"source",     "summary",  "table",   "tbody",    "td",
	"tfoot",      "th",       "thead",   "title",    "tr",
	"track",      "ul",       NULL,
};

/* Is the tag name at @s (@n bytes, case-insensitive) one of @names, and
 * followed by what CommonMark requires (space, end of line, '>' or "/>")? */
static bool
tag_name_in(const char *s, gsize n, const char *const *names, bool slash_ok)
{
	if (n == 0)
		return false;
	char first = g_ascii_tolower(s[0]); /* the names are lowercase */
	for (guint i = 0; names[i] != NULL; i++) {
		if (names[i][0] != first)
			continue;
		gsize k = strlen(names[i]);

		if (k > n || g_ascii_strncasecmp(s, names[i], k) != 0)
			continue;
		if (k == n || s[k] == ' ' || s[k] == '\t' || s[k] == '>' ||
		    (slash_ok && s[k] == '/' && k + 1 < n && s[k + 1] == '>'))
			return true;
	}
	return false;
}

/* The tags kramdown calls span-level (its HTML_SPAN_ELEMENTS): a line
 * that starts with one opens a paragraph, not an HTML block. */
static const char *const kramdown_span_tags[] = {
	"a",      "abbr",   "acronym", "b",    "big",    "bdo",  "br",
	"button", "cite",   "code",    "del",  "dfn",    "em",   "i",
	"img",    "input",  "ins",     "kbd",  "label",  "mark", "option",
	"q",      "rb",     "rbc",     "rp",   "rt",     "rtc",  "ruby",
	"samp",   "select", "small",   "span", "strong", "sub",  "sup",
	"tt",     "u",      "var",     NULL,
};

static int
html_start_type(const Blocks *b, bool is_para)
{
	static const char *const raw_tags[] = {"script", "pre", "style", NULL};
	const char *s = b->s + b->nonspace;
	gsize n = b->line_end - b->nonspace;

	if (n < 2 || s[0] != '<')
		return 0;
	if (tag_name_in(s + 1, n - 1, raw_tags, false))
		return 1;
	if (n >= 4 && memcmp(s, "<!--", 4) == 0)
		return 2;
	if (s[1] == '?')
		return 3;
	if (n >= 9 && memcmp(s, "<![CDATA[", 9) == 0)
		return 5;
	if (s[1] == '!' && n >= 3 && g_ascii_isupper(s[2]))
		return 4;
	gsize skip = s[1] == '/' ? 2 : 1;
	if (b->sc->dialect == IMGOPT_SCAN_KRAMDOWN &&
	    tag_name_in(s + skip, n - skip, kramdown_span_tags, true))
		return 0;
	if (tag_name_in(s + skip, n - skip, block_tags, true))
		return 6;
	if (is_para)
		return 0;
	gsize m = imgopt_scan_html_open_tag(s, n, false);
	if (m > 0 && tag_name_in(s + 1, n - 1, raw_tags, true))
		return 0;
	if (m == 0)
		m = imgopt_scan_html_close_tag(s, n);
	if (m == 0)
		return 0;
	while (m < n && (s[m] == ' ' || s[m] == '\t'))
		m++;
	return m == n ? 7 : 0;
}

/* kramdown's elements without a body (HTML_ELEMENTS_WITHOUT_BODY) that
 * are not span-level: no end tag to wait for. */
static const char *const kramdown_void_tags[] = {
	"area", "base", "col",   "command", "embed", "hr",  "keygen",
	"link", "meta", "param", "source",  "track", "wbr", NULL,
};

/* How far a start tag is read in the kramdown dialect (it may span
 * lines); a longer one is text. */
#define MAX_KRAMDOWN_TAG 4096

/*
 * In the kramdown dialect, what a line starting with a start tag opens:
 * for an element that is neither span-level nor void, without a
 * `markdown` attribute, an HTML block that runs to the element's end tag
 * (kramdown's parse_raw_html): HTML_KRAMDOWN; for a void element, a block
 * of the tag alone: HTML_KRAMDOWN_VOID; for a tag kramdown cannot parse
 * (an unquoted value that is not all word characters), nothing, the line
 * is text: -1.  0 when CommonMark's rules decide.
 */
static int
kramdown_element(Blocks *b)
{
	const char *s = b->s + b->nonspace;
	gsize n = b->line_end - b->nonspace, k = 1;

	if (b->sc->dialect != IMGOPT_SCAN_KRAMDOWN || n < 2 || s[0] != '<' ||
	    !g_ascii_isalpha(s[1]) ||
	    tag_name_in(s + 1, n - 1, kramdown_span_tags, true))
		return 0;
	if (imgopt_scan_html_open_tag(
		    s, MIN(b->sc->len - b->nonspace, MAX_KRAMDOWN_TAG), true) ==
	    0)
		return -1;
	while (k < n && (g_ascii_isalnum(s[k]) || s[k] == '-'))
		k++;
	if (tag_name_in(s + 1, n - 1, kramdown_void_tags, true))
		return HTML_KRAMDOWN_VOID;
	if (k - 1 >= sizeof b->html_name || contains_ci(s, n, " markdown="))
		return 0;
	memcpy(b->html_name, s + 1, k - 1);
	b->html_name[k - 1] = '\0';
	b->html_depth = 0;
	return HTML_KRAMDOWN;
}

static bool
only_run_of(const Blocks *b, int c, bool spaces_inside)
{
	gsize i = b->nonspace;
	int n = 0;

	for (; i < b->line_end; i++) {
		if (b->s[i] == c)
			n++;
		else if (b->s[i] == ' ' || b->s[i] == '\t') {
			if (!spaces_inside)
				break;
		}
		else
			return false;
	}
	for (; i < b->line_end; i++)
		if (b->s[i] != ' ' && b->s[i] != '\t')
			return false;
	return spaces_inside ? n >= 3 : n >= 1;
}

static bool
is_setext(const Blocks *b)
{
	int c = peek(b, b->nonspace);

	return (c == '=' || c == '-') && only_run_of(b, c, false);
}

static bool
is_thematic_break(const Blocks *b)
{
	int c = peek(b, b->nonspace);

	return (c == '*' || c == '-' || c == '_') && only_run_of(b, c, true);
}

/* Parses a list marker at nonspace; returns its width in bytes, or 0. */
static int
list_marker(const Blocks *b, bool interrupts)
{
	gsize i = b->nonspace;
	int c = peek(b, i);
	bool is_one = false;

	if (c == '*' || c == '+' || c == '-')
		i++;
	else if (g_ascii_isdigit(c)) {
		gsize start = i;
		while (g_ascii_isdigit(peek(b, i)) && i - start < 9)
			i++;
		is_one = i - start == 1 && c == '1';
		if (peek(b, i) != '.' && peek(b, i) != ')')
			return 0;
		if (interrupts && !is_one)
			return 0;
		i++;
	}
	else
		return 0;
	c = peek(b, i);
	if (c != ' ' && c != '\t' && c != '\n')
		return 0;
	if (interrupts) {
		gsize j = i;
		while (peek(b, j) == ' ' || peek(b, j) == '\t')
			j++;
		if (j >= b->line_end)
			return 0;
	}
	return (int)(i - b->nonspace);
}

static void
start_item(Blocks *b, int width)
{
	int marker_offset = b->indent, padding;

	advance_to_nonspace(b);
	advance(b, width, false);
	gsize save_pos = b->pos;
	int save_col = b->col;
	bool save_partial = b->partial_tab;
	while (b->col - save_col <= 5 &&
	       (peek(b, b->pos) == ' ' || peek(b, b->pos) == '\t'))
		advance(b, 1, true);
	int spaces = b->col - save_col;
	if (spaces >= 5 || spaces < 1 || b->pos >= b->line_end) {
		padding = width + 1;
		b->pos = save_pos;
		b->col = save_col;
		b->partial_tab = save_partial;
		if (spaces > 0)
			advance(b, 1, true);
	}
	else
		padding = width + spaces;
	push_cont(b, CONT_ITEM, marker_offset + padding);
}

/* A setext underline under a paragraph: the paragraph becomes a heading
 * unless only link reference definitions were in it, in which case the
 * underline is paragraph text (as cmark 0.30 does). */
static void
setext_line(Blocks *b)
{
	ScanLines lines;

	parse_para_defs(b);
	const ScanLeaf *leaf = open_leaf_of(b);
	imgopt_scan_leaf_lines(b->sc, leaf, &lines);
	for (gsize i = leaf->start; i < lines.len; i++) {
		if (!g_ascii_isspace(lines.str[i])) {
			close_leaf(b);
			return;
		}
	}
	add_line_from(b, b->nonspace);
}

/* Starts a leaf block at the line; returns true if the line is used up. */
static bool
start_leaf(Blocks *b, guint matched, bool is_para)
{
	int type;

	if (b->indent >= 4)
		return false;
	if (is_atx(b)) {
		close_unmatched(b, matched);
		close_leaf(b);
		mark_child(b);
		add_atx(b);
		return true;
	}
	if (start_fence(b)) {
		close_unmatched(b, matched);
		open_leaf(b, OPEN_FENCE);
		return true;
	}
	type = kramdown_element(b);
	if (type == 0)
		type = html_start_type(b, is_para);
	if (type > 0) {
		close_unmatched(b, matched);
		open_leaf(b, OPEN_HTML);
		b->html_type = type;
		add_line_from(b, b->pos);
		if (html_ends(b, b->nonspace))
			close_leaf(b);
		return true;
	}
	if (is_para && is_setext(b)) {
		setext_line(b);
		return true;
	}
	if (is_thematic_break(b)) {
		close_unmatched(b, matched);
		close_leaf(b);
		mark_child(b);
		return true;
	}
	return false;
}

/* Step 2: container starts (which consume their markers and loop) and
 * leaf starts.  Returns true if the line is used up; *opened tells whether
 * a container was opened. */
static bool
start_blocks(Blocks *b, guint *matched, bool is_para, bool *opened)
{
	bool maybe_lazy = b->open == OPEN_PARA;
	int width;

	for (;;) {
		find_nonspace(b);
		if (b->indent <= 3 && peek(b, b->nonspace) == '>') {
			close_unmatched(b, *matched);
			match_quote(b);
			push_cont(b, CONT_QUOTE, 0);
		}
		else if (start_leaf(b, *matched, is_para))
			return true;
		else if (b->indent <= 3 &&
			 (width = list_marker(b, is_para)) > 0) {
			close_unmatched(b, *matched);
			start_item(b, width);
		}
		else if (b->indent >= 4 && !maybe_lazy && !b->blank) {
			close_unmatched(b, *matched);
			advance(b, 4, true);
			open_leaf(b, OPEN_ICODE);
			return true;
		}
		else
			return false;
		*matched = b->conts->len;
		*opened = true;
		is_para = false;
	}
}

/* ---- step 3: text ---- */

static void
process_line(Blocks *b)
{
	bool opened = false;

	b->pos = b->line_start;
	b->col = 0;
	b->partial_tab = false;
	b->ns_pos = G_MAXSIZE;
	b->ns_col = -1;
	guint matched = match_containers(b);
	bool is_all = matched == b->conts->len;
	if (is_all && continue_leaf(b))
		return;
	bool is_para = is_all && b->open == OPEN_PARA && !b->blank;
	if (start_blocks(b, &matched, is_para, &opened))
		return;
	find_nonspace(b);
	if (b->open == OPEN_PARA && !is_para && !opened && !b->blank) {
		add_line_from(b, b->nonspace); /* lazy continuation */
		return;
	}
	close_unmatched(b, matched);
	if (b->blank) {
		if (b->open == OPEN_PARA)
			close_leaf(b);
		return;
	}
	if (b->open != OPEN_PARA)
		open_leaf(b, OPEN_PARA);
	add_line_from(b, b->nonspace);
}

/* The end of the line at @p: the next '\n' or '\r', or the end.  The
 * next '\n' is remembered, so a file whose lines end in '\r' alone does
 * not search to its end for each line. */
static gsize
line_end(Blocks *b, gsize p)
{
	const Scanner *sc = b->sc;

	if (b->next_nl == G_MAXSIZE || b->next_nl < p) {
		const char *nl = memchr(b->s + p, '\n', sc->len - p);
		b->next_nl = nl != NULL ? (gsize)(nl - b->s) : sc->len;
	}
	gsize e = b->next_nl;
	if (sc->has_cr) {
		const char *cr = memchr(b->s + p, '\r', e - p);
		if (cr != NULL)
			e = (gsize)(cr - b->s);
	}
	return e;
}

void
imgopt_scan_blocks(Scanner *sc, gsize start)
{
	Blocks b = {.sc = sc, .s = sc->text, .next_nl = G_MAXSIZE};
	const char *s = sc->text;

	b.conts = g_array_new(FALSE, FALSE, sizeof(Cont));
	for (gsize p = start; p < sc->len;) {
		gsize e = line_end(&b, p);

		b.line_start = p;
		b.line_end = e;
		process_line(&b);
		if (e + 1 < sc->len && s[e] == '\r' && s[e + 1] == '\n')
			e++;
		p = e + 1;
	}
	close_unmatched(&b, 0);
	close_leaf(&b);
	g_array_unref(b.conts);
	for (int k = 0; k < 2; k++)
		g_clear_pointer(&b.closers[k], g_array_unref);
}
