/*
 * scan.c: stage 1, post text -> image references.
 *
 * The grammar we accept
 * =====================
 *
 * The scanner answers one question: which bytes of this post would a
 * reader's browser load as an image?  For Markdown the oracle is the
 * site's renderer: CommonMark as `cmark --unsafe` (0.30) renders it, or
 * for a Jekyll site kramdown 2 with GFM input (the kramdown dialect);
 * docs/references.md states both for users, and tests/test_cmark_diff.c
 * and tests/test_kramdown_diff.c hold us to cmark and to kramdown.
 *
 * The kramdown dialect is the CommonMark scanner with a few switches:
 * HTML blocks, fences and quote content as kramdown reads them
 * (scan_block.c), a tag with an unquoted non-word value is text
 * (Scanner.strict_tags), and inline destinations follow kramdown's
 * parenthesis rule without backslash escapes (scan_inline.c).
 *
 *   post        := [BOM] [front-matter] body
 *   front-matter:= "---" EOL yaml-lines ("---" | "...") EOL
 *                  (only at byte 0 after the BOM; unterminated = absent)
 *   body        := CommonMark blocks, or raw HTML for a .html/.htm post
 *
 * References, by kind:
 *
 *   markdown      ![alt](dest "title")           inline image
 *                 ![alt](<dest with spaces>)
 *   markdown-ref  ![alt][label]  ![label][]  ![label]
 *                 with  [label]: dest "title"  anywhere in the post
 *                 (span = the definition's destination)
 *   html          <img src=...>  <image src=...>  <video poster=...>
 *                 <source src=...> (not inside <video> or <audio>)
 *                 in raw HTML; a value may break across lines
 *   srcset        each URL of srcset="a.png 1x, b.png 2x" (img, source)
 *   style         each url(...) of style="..." on any tag
 *   front-matter  header-img image cover thumbnail featured_image og_image
 *                 teaser image.path header.image header.teaser
 *                 header.overlay_image cover.image, each item of images
 *                 (a flow or block list); Hugo's TOML front matter
 *                 (scan_shortcode.c)
 *   shortcode     Hugo {{< figure src="x.png" >}} (scan_shortcode.c)
 *   liquid-tag    {% asset_img x.png title %}   (Hexo)
 *
 * Two passes, as CommonMark itself needs them (a definition may follow its
 * use):
 *
 *   text --(scan_block.c: containers, code, HTML blocks)--> leaves + defs
 *   leaf --(scan_inline.c | scan_html.c)-------------------> refs
 *
 * The block pass follows the CommonMark algorithm line by line: it matches
 * the open containers (block quotes, list items, with 4-column tab stops
 * and partly consumed tabs), then tries block starts in cmark's order
 * (quote, ATX heading, fence, HTML block, setext underline, thematic break,
 * list item, indented code), then lazy paragraph continuation.  Code blocks
 * are dropped; paragraphs, headings and HTML blocks become leaves whose
 * lines keep a map back to file offsets.  Link reference definitions are
 * taken off the start of each paragraph when it closes.
 *
 * The inline pass walks a leaf once, left to right.  Code spans, autolinks
 * and raw HTML are consumed where they start (so brackets inside them do
 * not count); `[` and `![` go on a bracket stack; a `]` tries an inline
 * destination, then a reference label, against the nearest opener, exactly
 * as the CommonMark "look for link or image" procedure does.  Images inside
 * another image's alt text are dropped (cmark renders them as alt text);
 * images inside link text stay.
 *
 * Deliberate extensions beyond CommonMark, each narrow:
 *   - Liquid `{{ ... }}` and `{% ... %}` inside a bare destination are one
 *     token, spaces included: Jekyll expands them before Markdown runs.
 *   - `![alt](first line EOL second line)`, one line break inside the
 *     destination, the second line holding a path separator and ending in
 *     `.ext)`: the damage a Windows export leaves; is_multiline = true.
 *
 * Cost: every position is visited a bounded number of times.  Searches
 * that could restart from many places (code span closers, HTML comment and
 * processing-instruction ends) are memoised per leaf; destinations stop at
 * 32 nested parentheses as in cmark; labels stop at 999 bytes.  A link
 * deactivates only the openers still active below it, and alt text is
 * decoded once the leaf is done, for the images that remain (nested ones
 * are dropped), so `[[[…[a](b)[a](b)…` and `![![![…` stay linear.
 *
 * Speed (bench/scan.sh; the issue asks for 200 MB/s per core): a post is
 * mostly plain text, so the work per plain byte is what counts.  Lines are
 * found with memchr; every leaf's text and line map go into two arenas
 * per call rather than buffers per leaf; the inline pass reuses its
 * bracket stack and backtick-run lists from leaf to leaf and skips bytes
 * that cannot start anything with strcspn; the line index (for line and
 * column), the definition table and decoded strings are made only when a
 * reference or a definition needs them.
 */
#include "imgopt/error.h"
#include "imgopt/scan.h"

#include <string.h>

#include "imgopt/site.h"

#include "scan_file.h"
#include "scan_priv.h"

/* An HTML5 named character reference. */
typedef struct {
	const char *name;  /* without '&' and ';' */
	const char *value; /* UTF-8 */
} ScanEntity;

#include "scan_entities.inc"

/* Front matter keys whose value is an image: top level, then nested. */
static const char *const fm_keys[] = {
	"header-img",     "image",    "cover",  "thumbnail",
	"featured_image", "og_image", "teaser", NULL,
};
static const char *const fm_image_keys[] = {"path", NULL};
static const char *const fm_cover_keys[] = {"image", NULL};
static const char *const fm_header_keys[] = {
	"image",
	"teaser",
	"overlay_image",
	NULL,
};

bool
imgopt_scan_is_punct(int c)
{
	return c >= 0 && c < 128 && g_ascii_ispunct(c);
}

gsize
imgopt_scan_lines_map(const ScanLines *lines, gsize pos)
{
	guint lo = 0, hi = lines->n_segs;

	g_assert(hi > 0); /* a leaf always has a line */
	while (hi - lo > 1) {
		guint mid = lo + (hi - lo) / 2;

		if (lines->segs[mid].log <= pos)
			lo = mid;
		else
			hi = mid;
	}
	return lines->segs[lo].orig + (pos - lines->segs[lo].log);
}

ScanLeaf *
imgopt_scan_leaf_new(Scanner *sc, ScanLeafKind kind)
{
	/* the NUL keeps the previous leaf's text terminated, as the inline
	 * scanner's fast skip (strcspn) relies on */
	if (sc->leaves->len > 0)
		g_string_append_c(sc->leaf_text, '\0');
	ScanLeaf leaf = {kind, sc->leaf_text->len, 0, sc->leaf_segs->len, 0, 0};
	g_array_append_val(sc->leaves, leaf);
	return &g_array_index(sc->leaves, ScanLeaf, sc->leaves->len - 1);
}

void
imgopt_scan_leaf_add_line(Scanner *sc, gsize orig, gsize len)
{
	ScanLeaf *leaf =
		&g_array_index(sc->leaves, ScanLeaf, sc->leaves->len - 1);

	gsize at = sc->leaf_text->len + (leaf->n_segs > 0 ? 1 : 0);
	ScanSeg seg = {at - leaf->text_at, orig};

	g_array_append_val(sc->leaf_segs, seg);
	/* one resize and a copy: appending byte by byte costs more here */
	g_string_set_size(sc->leaf_text, at + len);
	if (leaf->n_segs > 0)
		sc->leaf_text->str[at - 1] = '\n';
	memcpy(sc->leaf_text->str + at, sc->text + orig, len);
	leaf->n_segs++;
	leaf->text_len = sc->leaf_text->len - leaf->text_at;
}

void
imgopt_scan_leaf_lines(const Scanner *sc, const ScanLeaf *leaf,
		       ScanLines *lines)
{
	lines->str = sc->leaf_text->str + leaf->text_at;
	lines->len = leaf->text_len;
	lines->segs = &g_array_index(sc->leaf_segs, ScanSeg, leaf->seg_at);
	lines->n_segs = leaf->n_segs;
}

/* Where the line after the one holding @i starts, if a line ends at @i
 * ('\n', or '\r' not followed by '\n'); else 0. */
static gsize
line_break_at(const Scanner *sc, gsize i)
{
	const char *s = sc->text;

	if (s[i] == '\n' ||
	    (s[i] == '\r' && (i + 1 >= sc->len || s[i + 1] != '\n')))
		return i + 1;
	return 0;
}

/* The offset of every line start; only posts with a reference need it.
 * Two passes, counting then filling, spare an append per line.  Without a
 * '\r' in the file, lines end at '\n' alone and memchr finds them. */
static void
index_lines(Scanner *sc)
{
	const char *s = sc->text;
	guint n = 1;

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			sc->line_starts = g_array_sized_new(FALSE, FALSE,
							    sizeof(gsize), n);
			g_array_set_size(sc->line_starts, n);
		}
		gsize *starts =
			pass == 1 ? (gsize *)sc->line_starts->data : NULL;
		n = 1;
		for (gsize i = 0, next; i < sc->len; i++) {
			if (!sc->has_cr) {
				const char *nl =
					memchr(s + i, '\n', sc->len - i);
				if (nl == NULL)
					break;
				i = (gsize)(nl - s);
			}
			if ((next = line_break_at(sc, i)) == 0)
				continue;
			if (starts != NULL)
				starts[n] = next;
			n++;
		}
		if (starts != NULL)
			starts[0] = 0;
	}
}

static void
locate(Scanner *sc, gsize offset, gsize *line_out, gsize *col_out)
{
	if (sc->line_starts == NULL)
		index_lines(sc);
	guint lo = 0, hi = sc->line_starts->len;

	while (hi - lo > 1) {
		guint mid = lo + (hi - lo) / 2;

		if (g_array_index(sc->line_starts, gsize, mid) <= offset)
			lo = mid;
		else
			hi = mid;
	}
	*line_out = lo + 1;
	*col_out = offset - g_array_index(sc->line_starts, gsize, lo) + 1;
}

ImgoptRef *
imgopt_scan_add_ref(Scanner *sc, GPtrArray *refs, ImgoptRefKind kind,
		    gsize offset, gsize length, char *url, char *alt)
{
	g_autofree char *owned_url = url;
	g_autofree char *owned_alt = alt;

	/* an empty destination names the page itself, not an image; a NUL
	 * byte could not be carried in ImgoptRef.raw */
	if (length == 0 || offset > sc->len || length > sc->len - offset ||
	    memchr(sc->text + offset, '\0', length) != NULL)
		return NULL;
	ImgoptRef *ref = imgopt_ref_new();
	ref->post = g_strdup(sc->post);
	ref->offset = offset;
	ref->length = length;
	ref->construct_offset = offset;
	ref->construct_length = length;
	ref->kind = kind;
	ref->raw = g_strndup(sc->text + offset, length);
	ref->url = g_steal_pointer(&owned_url);
	ref->alt = g_steal_pointer(&owned_alt);
	ref->status = IMGOPT_REF_STATUS_UNRESOLVED;
	locate(sc, offset, &ref->line, &ref->column);
	g_ptr_array_add(refs, ref);
	return ref;
}

/* Appends code point @cp as UTF-8; invalid ones become U+FFFD. */
static void
append_code_point(GString *out, gunichar cp)
{
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	g_string_append_unichar(out, cp);
}

static gsize
numeric_entity(const char *s, gsize len, GString *out)
{
	bool is_hex = len > 2 && (s[2] == 'x' || s[2] == 'X');
	gsize i = is_hex ? 3 : 2, start = i;
	guint64 cp = 0;

	while (i < len && i - start < (is_hex ? 6u : 7u) &&
	       (is_hex ? g_ascii_isxdigit(s[i]) : g_ascii_isdigit(s[i]))) {
		cp = cp * (is_hex ? 16 : 10) +
		     (guint64)(is_hex ? g_ascii_xdigit_value(s[i])
				      : g_ascii_digit_value(s[i]));
		i++;
	}
	if (i == start || i >= len || s[i] != ';')
		return 0;
	if (out != NULL)
		append_code_point(out, (gunichar)cp);
	return i + 1;
}

static int
entity_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const ScanEntity *)elem)->name);
}

gsize
imgopt_scan_entity(const char *s, gsize len, GString *out)
{
	if (len < 3 || s[0] != '&')
		return 0;
	if (s[1] == '#')
		return numeric_entity(s, len, out);
	gsize i = 1;
	while (i < len && i < 34 && g_ascii_isalnum(s[i]))
		i++;
	if (i == 1 || i >= len || s[i] != ';' || !g_ascii_isalpha(s[1]))
		return 0;
	char name[40];
	memcpy(name, s + 1, i - 1);
	name[i - 1] = '\0';
	const ScanEntity *e =
		bsearch(name, scan_entities, G_N_ELEMENTS(scan_entities),
			sizeof scan_entities[0], entity_cmp);
	if (e == NULL)
		return 0;
	if (out != NULL)
		g_string_append(out, e->value);
	return i + 1;
}

char *
imgopt_scan_decode(const char *s, gsize len, bool escapes)
{
	if (memchr(s, '&', len) == NULL &&
	    (!escapes || memchr(s, '\\', len) == NULL))
		return g_strndup(s, len); /* nothing to decode: most URLs */
	GString *out = g_string_sized_new(len);

	for (gsize i = 0; i < len;) {
		if (escapes && s[i] == '\\' && i + 1 < len &&
		    imgopt_scan_is_punct((unsigned char)s[i + 1])) {
			g_string_append_c(out, s[i + 1]);
			i += 2;
			continue;
		}
		gsize n = s[i] == '&' ? imgopt_scan_entity(s + i, len - i, out)
				      : 0;
		if (n == 0)
			g_string_append_c(out, s[i++]);
		else
			i += n;
	}
	return g_string_free(out, FALSE);
}

/* ---- front matter ---- */

/* One line of the front matter. */
typedef struct {
	gsize start; /* file offset of the first byte */
	gsize end;   /* file offset of the line end */
	gsize next;  /* file offset of the next line */
} FmLine;

static void
next_line(const Scanner *sc, gsize pos, FmLine *line)
{
	const char *s = sc->text;
	gsize i = pos;

	while (i < sc->len && s[i] != '\n' && s[i] != '\r')
		i++;
	line->start = pos;
	line->end = i;
	if (i < sc->len && s[i] == '\r' && i + 1 < sc->len && s[i + 1] == '\n')
		i++;
	line->next = i < sc->len ? i + 1 : i;
}

/* Is the line a front matter fence: "---" (or "..." to close), then
 * only whitespace? */
static bool
is_fence(const Scanner *sc, const FmLine *line, bool is_closing)
{
	const char *s = sc->text + line->start;
	gsize n = line->end - line->start;

	if (n < 3 || !(memcmp(s, "---", 3) == 0 ||
		       (is_closing && memcmp(s, "...", 3) == 0)))
		return false;
	for (gsize i = 3; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

static bool
in_list(const char *const *list, const char *s, gsize n)
{
	for (guint i = 0; list[i] != NULL; i++)
		if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
			return true;
	return false;
}

/* Adds a front matter value at [start, end) (already without quotes);
 * @quote is the quote character that surrounded it, or 0. */
static void
add_fm_value(Scanner *sc, const char *key, gsize start, gsize end, char quote)
{
	const char *v = sc->text + start;
	gsize n = end - start;
	static const char *const not_paths[] = {
		"true", "false", "null", "~", "yes", "no", "|", ">", NULL,
	};

	if (n == 0 || (quote == 0 && in_list(not_paths, v, n)))
		return;
	GString *url = g_string_sized_new(n);
	for (gsize i = 0; i < n; i++) {
		if (quote == '"' && v[i] == '\\' && i + 1 < n)
			i++;
		else if (quote == '\'' && v[i] == '\'' && i + 1 < n)
			i++;
		g_string_append_c(url, v[i]);
	}
	ImgoptRef *ref =
		imgopt_scan_add_ref(sc, sc->refs, IMGOPT_REF_FRONT_MATTER,
				    start, n, g_string_free(url, FALSE), NULL);
	if (ref != NULL)
		ref->key = g_strdup(key);
}

/* Parses a scalar starting at @pos (first non-space) and ending at
 * @limit or at one of @stops (for flow mappings); reports it under @key.
 * Returns where the scalar ends. */
static gsize
fm_scalar(Scanner *sc, const char *key, gsize pos, gsize limit,
	  const char *stops)
{
	const char *s = sc->text;

	if (pos < limit && (s[pos] == '"' || s[pos] == '\'')) {
		char q = s[pos];
		gsize i = pos + 1;

		while (i < limit) {
			if (q == '\'' && s[i] == q && i + 1 < limit &&
			    s[i + 1] == q)
				i += 2; /* '' is a quote inside '...' */
			else if (s[i] == q)
				break;
			else
				i += q == '"' && s[i] == '\\' ? 2 : 1;
		}
		i = MIN(i, limit);
		if (i < limit && key != NULL)
			add_fm_value(sc, key, pos + 1, i, q);
		return i < limit ? i + 1 : limit;
	}
	gsize end = pos;
	while (end < limit && strchr(stops, s[end]) == NULL &&
	       !(s[end] == '#' && end > pos &&
		 (s[end - 1] == ' ' || s[end - 1] == '\t')))
		end++;
	gsize stop = end;
	while (end > pos && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	if (key != NULL && end > pos && s[pos] != '{' && s[pos] != '[' &&
	    s[pos] != '&' && s[pos] != '*')
		add_fm_value(sc, key, pos, end, 0);
	return stop;
}

/* Finds "key:" at @pos; sets the key's extent and returns the offset after
 * the colon, or 0 if the line holds no key. */
static gsize
fm_key(const Scanner *sc, gsize pos, gsize limit, const char *stops,
       gsize *key_len)
{
	const char *s = sc->text;
	gsize i = pos;

	while (i < limit && s[i] != ':' && strchr(stops, s[i]) == NULL)
		i++;
	if (i >= limit || s[i] != ':' || i == pos ||
	    (i + 1 < limit && s[i + 1] != ' ' && s[i + 1] != '\t'))
		return 0;
	gsize n = i - pos;
	while (n > 0 && (s[pos + n - 1] == ' ' || s[pos + n - 1] == '\t'))
		n--;
	*key_len = n;
	return i + 1;
}

/* A flow mapping `{k: v, k2: v2}` on one line: reports the values of
 * @keys under "parent.k". */
static void
fm_flow(Scanner *sc, const char *parent, const char *const *keys, gsize pos,
	gsize limit)
{
	const char *s = sc->text;

	pos++; /* '{' */
	while (pos < limit && s[pos] != '}') {
		pos = imgopt_scan_skip_blanks(s, limit, pos);
		gsize n = 0, after = fm_key(sc, pos, limit, ",}", &n);
		if (after == 0)
			return;
		g_autofree char *path =
			g_strdup_printf("%s.%.*s", parent, (int)n, s + pos);
		bool wanted = in_list(keys, s + pos, n);
		pos = fm_scalar(sc, wanted ? path : NULL,
				imgopt_scan_skip_blanks(s, limit, after), limit,
				",}");
		pos = imgopt_scan_skip_blanks(s, limit, pos);
		if (pos < limit && s[pos] == ',')
			pos++;
	}
}

/* State of the block-mapping walk: the top-level key whose nested
 * children we are reading, if it is one we care about. */
typedef struct {
	const char *parent;      /* "image", "header", "cover" or "images",
				    or NULL */
	const char *const *keys; /* its wanted children (NULL for the items
				    of the images list) */
} FmNest;

/* A flow list `[a, "b"]` at @pos (its '['): reports each item under
 * @key. */
static void
fm_flow_list(Scanner *sc, const char *key, gsize pos, gsize limit)
{
	const char *s = sc->text;

	pos++; /* '[' */
	while (pos < limit && s[pos] != ']') {
		pos = imgopt_scan_skip_blanks(s, limit, pos);
		pos = fm_scalar(sc, key, pos, limit, ",]");
		pos = imgopt_scan_skip_blanks(s, limit, pos);
		if (pos < limit && s[pos] == ',')
			pos++;
		else if (pos < limit && s[pos] != ']')
			return;
	}
}

/* A line inside a nested value: a wanted child `key: v`, or an item
 * `- v` of the images list. */
static void
fm_nested(Scanner *sc, const FmLine *line, const FmNest *nest, gsize pos)
{
	const char *s = sc->text;
	gsize n = 0, after;

	if (nest->keys == NULL) {
		if (s[pos] == '-' && pos + 1 < line->end &&
		    (s[pos + 1] == ' ' || s[pos + 1] == '\t'))
			fm_scalar(
				sc, nest->parent,
				imgopt_scan_skip_blanks(s, line->end, pos + 1),
				line->end, "");
		return;
	}
	after = fm_key(sc, pos, line->end, "", &n);
	if (after == 0 || !in_list(nest->keys, s + pos, n))
		return;
	g_autofree char *key =
		g_strdup_printf("%s.%.*s", nest->parent, (int)n, s + pos);
	fm_scalar(sc, key, imgopt_scan_skip_blanks(s, line->end, after),
		  line->end, "");
}

/* The nested keys wanted under top-level key [@k, @k + @n), or NULL. */
static const char *const *
fm_nest_keys(const char *k, gsize n, const char **parent_out)
{
	static const struct {
		const char *name;
		const char *const *keys;
	} nests[] = {
		{"image", fm_image_keys},
		{"header", fm_header_keys},
		{"cover", fm_cover_keys},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(nests); i++)
		if (strlen(nests[i].name) == n &&
		    memcmp(nests[i].name, k, n) == 0) {
			*parent_out = nests[i].name;
			return nests[i].keys;
		}
	return NULL;
}

static void
fm_line(Scanner *sc, const FmLine *line, FmNest *nest)
{
	const char *s = sc->text;
	gsize pos = imgopt_scan_skip_blanks(s, line->end, line->start);
	gsize n = 0, after;
	const char *parent = NULL;

	if (pos == line->end || s[pos] == '#')
		return;
	if (pos != line->start || (nest->keys == NULL && s[pos] == '-')) {
		if (nest->parent != NULL)
			fm_nested(sc, line, nest, pos);
		return;
	}
	nest->parent = NULL;
	after = fm_key(sc, pos, line->end, "", &n);
	if (after == 0)
		return;
	gsize value = imgopt_scan_skip_blanks(s, line->end, after);
	bool is_empty = value == line->end || s[value] == '#';
	const char *const *keys = fm_nest_keys(s + pos, n, &parent);
	bool is_list = n == 6 && memcmp(s + pos, "images", 6) == 0;
	g_autofree char *key = g_strndup(s + pos, n);

	if ((keys != NULL || is_list) && is_empty)
		*nest = (FmNest){is_list ? "images" : parent, keys};
	else if (keys != NULL && s[value] == '{')
		fm_flow(sc, key, keys, value, line->end);
	else if (is_list && s[value] == '[')
		fm_flow_list(sc, key, value, line->end);
	else if (in_list(fm_keys, s + pos, n))
		fm_scalar(sc, key, value, line->end, "");
}

/* Scans the front matter starting at @pos (after the BOM).  Returns where
 * the body starts: after the closing fence, or @pos if there is no
 * complete front matter. */
static gsize
scan_front_matter(Scanner *sc, gsize pos)
{
	FmLine line;

	next_line(sc, pos, &line);
	if (!is_fence(sc, &line, false) || line.next == line.end)
		return pos;
	gsize first = line.next, body = 0;
	for (gsize p = first; p < sc->len; p = line.next) {
		next_line(sc, p, &line);
		if (is_fence(sc, &line, true)) {
			body = line.next;
			break;
		}
	}
	if (body == 0)
		return pos; /* unterminated: no front matter at all */
	FmNest nest = {NULL, NULL};
	for (gsize p = first; p < body; p = line.next) {
		next_line(sc, p, &line);
		if (is_fence(sc, &line, true))
			break;
		fm_line(sc, &line, &nest);
	}
	return body;
}

/* ---- entry point ---- */

static bool
is_html_post(const char *path)
{
	return path != NULL && (g_str_has_suffix(path, ".html") ||
				g_str_has_suffix(path, ".htm") ||
				g_str_has_suffix(path, ".HTML"));
}

/* A .html post's body is one HTML leaf. */
static void
add_html_body(Scanner *sc, gsize pos)
{
	FmLine line;

	imgopt_scan_leaf_new(sc, SCAN_LEAF_HTML);
	do {
		next_line(sc, pos, &line);
		imgopt_scan_leaf_add_line(sc, line.start,
					  line.end - line.start);
		pos = line.next;
	} while (pos < sc->len);
}

GPtrArray *
imgopt_scan_text(const char *post_path, const char *text, gsize len,
		 GError **error)
{
	return imgopt_scan_text_full(post_path, text, len, NULL, error);
}

GPtrArray *
imgopt_scan_text_full(const char *post_path, const char *text, gsize len,
		      const ImgoptScanOptions *opts, GError **error)
{
	g_return_val_if_fail(text != NULL || len == 0, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	/* sized for a typical post (a leaf per 250 bytes, a line per 50), so
	 * that they seldom grow */
	g_autoptr(GArray) leaves =
		g_array_sized_new(FALSE, FALSE, sizeof(ScanLeaf),
				  (guint)MIN(len / 250 + 16, G_MAXUINT / 2));
	g_autoptr(GString) leaf_text = g_string_sized_new(len + 64);
	g_autoptr(GArray) leaf_segs =
		g_array_sized_new(FALSE, FALSE, sizeof(ScanSeg),
				  (guint)MIN(len / 50 + 16, G_MAXUINT / 2));
	g_autoptr(GPtrArray) refs =
		g_ptr_array_new_with_free_func((GDestroyNotify)imgopt_ref_free);
	Scanner sc = {
		.text = text != NULL ? text : "",
		.len = len,
		.post = post_path,
		.dialect =
			opts != NULL ? opts->dialect : IMGOPT_SCAN_COMMONMARK,
		.has_cr = len > 0 && memchr(text, '\r', len) != NULL,
		.leaves = leaves,
		.leaf_text = leaf_text,
		.leaf_segs = leaf_segs,
		.refs = refs,
		.raw_state = SCAN_RAW_NONE,
		.is_hugo = opts != NULL && opts->is_hugo,
	};
	gsize body = 0;

	if (len >= 3 && memcmp(sc.text, "\xEF\xBB\xBF", 3) == 0)
		body = 3;
	body = scan_front_matter(&sc, body);
	if (sc.is_hugo)
		body = imgopt_scan_toml_front_matter(&sc, body);
	sc.strict_tags =
		sc.dialect == IMGOPT_SCAN_KRAMDOWN && !is_html_post(post_path);
	if (is_html_post(post_path))
		add_html_body(&sc, body);
	else
		imgopt_scan_blocks(&sc, body);
	imgopt_scan_leaves(&sc);
	if (sc.is_hugo)
		imgopt_scan_shortcodes(&sc, body);
	g_clear_pointer(&sc.line_starts, g_array_unref);
	g_clear_pointer(&sc.defs, g_hash_table_unref);
	return g_steal_pointer(&refs);
}

/* A data file's scanner, by its extension. */
static GPtrArray *
scan_data_file(const char *path, const char *text, gsize len)
{
	if (g_str_has_suffix(path, ".json"))
		return imgopt_scan_json(path, text, len, IMGOPT_REF_DATA,
					IMGOPT_REF_ROLE_REWRITABLE);
	if (g_str_has_suffix(path, ".csv") || g_str_has_suffix(path, ".tsv"))
		return imgopt_scan_csv(path, text, len);
	if (g_str_has_suffix(path, ".toml"))
		return imgopt_scan_toml(path, text, len);
	return imgopt_scan_yaml(path, text, len);
}

/* The scanner of a file that is not a page. */
static GPtrArray *
scan_other(ImgoptReferrerKind kind, const char *path, const char *text,
	   gsize len)
{
	FileScan fs;

	switch (kind) {
	case IMGOPT_REFERRER_DATA:
	case IMGOPT_REFERRER_CONFIG:
		return scan_data_file(path, text, len);
	case IMGOPT_REFERRER_STYLESHEET:
		return imgopt_scan_css(path, text, len);
	case IMGOPT_REFERRER_JSON:
		return imgopt_scan_json(path, text, len, IMGOPT_REF_STRING,
					IMGOPT_REF_ROLE_PINNED);
	default:
		imgopt_scan_file_init(&fs, path, text, len, IMGOPT_REF_STRING,
				      IMGOPT_REF_ROLE_PINNED);
		imgopt_scan_strings(&fs, SCAN_COMMENTS_C);
		return imgopt_scan_file_finish(&fs);
	}
}

GPtrArray *
imgopt_scan_referrer(ImgoptReferrerKind kind, const ImgoptScanOptions *opts,
		     const char *path, const char *text, gsize len,
		     GError **error)
{
	g_return_val_if_fail(text != NULL || len == 0, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	GPtrArray *refs = NULL;
	const char *name = path != NULL ? path : "";

	switch (kind) {
	case IMGOPT_REFERRER_POST:
	case IMGOPT_REFERRER_PAGE:
	case IMGOPT_REFERRER_LAYOUT:
	case IMGOPT_REFERRER_INCLUDE:
	case IMGOPT_REFERRER_FEED:
		refs = imgopt_scan_text_full(path, text, len, opts, error);
		break;
	default:
		refs = scan_other(kind, name, text, len);
		break;
	}
	for (guint i = 0; refs != NULL && i < refs->len; i++) {
		ImgoptRef *ref = g_ptr_array_index(refs, i);

		ref->referrer = kind;
		if (imgopt_site_is_computed_url(ref->url))
			ref->role = IMGOPT_REF_ROLE_PINNED;
	}
	return refs;
}
