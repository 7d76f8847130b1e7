/*
 * scan_html.c: raw HTML for the scanner: the CommonMark tag grammar (for
 * inline HTML and HTML block starts), a lenient tag walk for HTML blocks,
 * and the attributes that load images.
 *
 *   <img src=U srcset="U 1x, U 2x" style="background: url(U)">
 *   <source src=U srcset="U 480w">     (inside <picture>)
 *   <image src=U>  <video poster=U>
 *   <any style="...url('U')...">
 *
 * Attribute values may be double-quoted, single-quoted or bare; tag and
 * attribute names are case-insensitive; entities in values are decoded in
 * the url, and the span is the URL's own bytes.  A value broken across
 * lines is one reference, its url without the line ends (as a browser
 * reads it).  <source> counts in <picture>, not in <video> or <audio>
 * (media, not images); <video poster> and <image src> (which the HTML
 * parser turns into <img>) count.  In HTML blocks, comments and
 * the contents of <script> and <style> are skipped.
 */
#include <string.h>

#include "scan_priv.h"

static gsize
tag_name(const char *s, gsize n, gsize i)
{
	if (i >= n || !g_ascii_isalpha(s[i]))
		return i;
	while (i < n && (g_ascii_isalnum(s[i]) || s[i] == '-'))
		i++;
	return i;
}

/* A CommonMark attribute value at @i; returns the offset after it or 0.
 * If @strict (kramdown), an unquoted value holds only word characters. */
static gsize
attr_value(const char *s, gsize n, gsize i, bool strict)
{
	if (i >= n)
		return 0;
	if (s[i] == '"' || s[i] == '\'') {
		const char *q = memchr(s + i + 1, s[i], n - i - 1);
		return q != NULL ? (gsize)(q - s) + 1 : 0;
	}
	gsize j = i;
	while (j < n && !imgopt_scan_is_space((unsigned char)s[j]) &&
	       strchr("\"'=<>`", s[j]) == NULL && s[j] != '\0') {
		if (strict && (unsigned char)s[j] < 0x80 &&
		    !g_ascii_isalnum(s[j]) && s[j] != '_')
			return 0;
		j++;
	}
	return j > i ? j : 0;
}

/* One CommonMark attribute (whitespace, name, optional value) at @i;
 * returns the offset after it, or 0. */
static gsize
attribute(const char *s, gsize n, gsize i, bool strict)
{
	gsize j = imgopt_scan_skip_space(s, n, i);

	if (j == i || j >= n ||
	    !(g_ascii_isalpha(s[j]) || s[j] == '_' || s[j] == ':'))
		return 0;
	while (j < n && (g_ascii_isalnum(s[j]) || strchr("_.:-", s[j]) != NULL))
		j++;
	gsize k = imgopt_scan_skip_space(s, n, j);
	if (k < n && s[k] == '=') {
		gsize v = attr_value(s, n, imgopt_scan_skip_space(s, n, k + 1),
				     strict);
		return v;
	}
	return j;
}

gsize
imgopt_scan_html_open_tag(const char *s, gsize len, bool strict)
{
	gsize i = tag_name(s, len, 1), next;

	if (len < 3 || s[0] != '<' || i == 1)
		return 0;
	while ((next = attribute(s, len, i, strict)) != 0)
		i = next;
	i = imgopt_scan_skip_space(s, len, i);
	if (i < len && s[i] == '/')
		i++;
	return i < len && s[i] == '>' ? i + 1 : 0;
}

gsize
imgopt_scan_html_close_tag(const char *s, gsize len)
{
	if (len < 4 || s[0] != '<' || s[1] != '/')
		return 0;
	gsize i = tag_name(s, len, 2);
	if (i == 2)
		return 0;
	i = imgopt_scan_skip_space(s, len, i);
	return i < len && s[i] == '>' ? i + 1 : 0;
}

/* ---- the references in one tag ---- */

/* Where a tag's attributes are, in the leaf's text. */
typedef struct {
	Scanner *sc;
	const ScanLines *lines;
	GPtrArray *pending; /* where references go */
	const char *s;      /* the leaf's text */
} TagCtx;

/* The URL a browser parses from the value [a, b) broken across lines:
 * entities decoded, tabs and line ends removed (as the URL parser
 * removes them). */
static char *
joined_url(const TagCtx *t, gsize a, gsize b)
{
	g_autofree char *value = imgopt_scan_decode(t->s + a, b - a, false);
	GString *url = g_string_sized_new(b - a);

	for (const char *p = value; *p != '\0'; p++)
		if (*p != '\n' && *p != '\r' && *p != '\t')
			g_string_append_c(url, *p);
	return g_string_free(url, FALSE);
}

/* Reports the URL at [a, b) as @kind if it is not empty; returns the
 * reference (transfer none) or NULL.  A value broken across lines is
 * one reference whose span runs from its first byte to its last
 * (container prefixes of the lines between included), marked
 * is_multiline. */
static ImgoptRef *
add_url(const TagCtx *t, ImgoptRefKind kind, gsize a, gsize b)
{
	if (b <= a)
		return NULL;
	bool is_multiline = memchr(t->s + a, '\n', b - a) != NULL;
	gsize start = imgopt_scan_lines_map(t->lines, a);
	gsize stop = imgopt_scan_lines_map(t->lines, b - 1) + 1;
	char *url = is_multiline ? joined_url(t, a, b)
				 : imgopt_scan_decode(t->s + a, b - a, false);
	ImgoptRef *ref = imgopt_scan_add_ref(t->sc, t->pending, kind, start,
					     stop - start, url, NULL);

	if (ref != NULL)
		ref->is_multiline = is_multiline;
	return ref;
}

/* One step through a URL: a Liquid `{{ ... }}` (spaces and all, at most 256
 * bytes, since Jekyll expands it before a browser splits anything) or one byte.
 */
static gsize
skip_liquid(const char *s, gsize i, gsize end)
{
	if (i + 1 < end && s[i] == '{' && s[i + 1] == '{') {
		for (gsize j = i + 2;
		     j + 1 < end && j < i + 256 && s[j] != '\n'; j++)
			if (s[j] == '}' && s[j + 1] == '}')
				return j + 2;
	}
	return i + 1;
}

/* srcset="url [descriptor], url [descriptor], ..." as the HTML standard
 * splits it: a URL ending in ',' has no descriptors. */
static void
scan_srcset(const TagCtx *t, gsize i, gsize end)
{
	const char *s = t->s;

	while (i < end) {
		while (i < end && (imgopt_scan_is_space((unsigned char)s[i]) ||
				   s[i] == ','))
			i++;
		gsize a = i;
		while (i < end && !imgopt_scan_is_space((unsigned char)s[i]))
			i = skip_liquid(s, i, end);
		gsize b = i;
		if (b > a && s[b - 1] == ',') {
			while (b > a && s[b - 1] == ',')
				b--;
		}
		else {
			bool in_paren = false;
			for (; i < end && (in_paren || s[i] != ','); i++) {
				if (s[i] == '(')
					in_paren = true;
				else if (s[i] == ')')
					in_paren = false;
			}
		}
		add_url(t, IMGOPT_REF_SRCSET, a, b);
	}
}

/* The quote that opens a url(): ' or " or the entity &quot;, and its
 * length in bytes. */
static gsize
url_quote(const char *s, gsize i, gsize end, const char **quote)
{
	if (i < end && (s[i] == '"' || s[i] == '\'')) {
		*quote = s[i] == '"' ? "\"" : "'";
		return 1;
	}
	if (end - i >= 6 && g_ascii_strncasecmp(s + i, "&quot;", 6) == 0) {
		*quote = "&quot;";
		return 6;
	}
	*quote = NULL;
	return 0;
}

/* Every url(...) inside a style value. */
static void
scan_style(const TagCtx *t, gsize i, gsize end)
{
	const char *s = t->s;
	const char *quote;

	for (; i + 4 <= end; i++) {
		if (g_ascii_strncasecmp(s + i, "url(", 4) != 0)
			continue;
		gsize a = i + 4;
		while (a < end && imgopt_scan_is_space((unsigned char)s[a]))
			a++;
		a += url_quote(s, a, end, &quote);
		gsize b = a;
		if (quote != NULL) {
			gsize k = strlen(quote);
			while (b + k <= end && memcmp(s + b, quote, k) != 0)
				b++;
			if (b + k > end)
				return;
		}
		else {
			while (b < end && s[b] != ')' &&
			       !imgopt_scan_is_space((unsigned char)s[b]))
				b = skip_liquid(s, b, end);
		}
		add_url(t, IMGOPT_REF_STYLE, a, b);
		i = b;
	}
}

/* A lenient attribute at @i: name [= value]; sets the extents and returns
 * the offset after it (never less than @i + 1 unless at @end). */
static gsize
next_attr(const char *s, gsize i, gsize end, gsize *name, gsize *name_end,
	  gsize *value, gsize *value_end)
{
	while (i < end &&
	       (imgopt_scan_is_space((unsigned char)s[i]) || s[i] == '/'))
		i++;
	*name = i;
	while (i < end && !imgopt_scan_is_space((unsigned char)s[i]) &&
	       strchr("/>=", s[i]) == NULL)
		i++;
	*name_end = i;
	*value = *value_end = 0;
	gsize k = imgopt_scan_skip_space(s, end, i);
	if (k >= end || s[k] != '=')
		return i == *name ? i + 1 : i;
	k = imgopt_scan_skip_space(s, end, k + 1);
	if (k < end && (s[k] == '"' || s[k] == '\'')) {
		const char *q = memchr(s + k + 1, s[k], end - k - 1);
		*value = k + 1;
		*value_end = q != NULL ? (gsize)(q - s) : end;
		return q != NULL ? *value_end + 1 : end;
	}
	*value = k;
	while (k < end && !imgopt_scan_is_space((unsigned char)s[k]) &&
	       s[k] != '>')
		k++;
	*value_end = k;
	return k > i ? k : i + 1;
}

static bool
name_is(const char *s, gsize a, gsize b, const char *name)
{
	return b - a == strlen(name) &&
	       g_ascii_strncasecmp(s + a, name, b - a) == 0;
}

/* The src value at [@v, @w): its reference records where the
 * attribute ends, after the closing quote if it is quoted. */
static void
add_src(const TagCtx *t, gsize v, gsize w, gsize end)
{
	ImgoptRef *ref = add_url(t, IMGOPT_REF_HTML, v, w);
	char q = v > 0 ? t->s[v - 1] : '\0';

	if (ref == NULL)
		return;
	ref->attr_end = ref->offset + ref->length;
	if ((q == '"' || q == '\'') && w < end && t->s[w] == q)
		ref->attr_end++;
}

/* What a tag's references record of it (see ImgoptRef). */
typedef struct {
	bool is_img_tag; /* a complete <img> */
	bool has_srcset; /* it has a srcset attribute */
	bool has_sizes;  /* it has a sizes attribute */
	bool has_width;  /* it has a width attribute */
} TagFacts;

/* The references of the tag at [@start, @end), those of @t->pending from
 * @first on, record its span and @facts. */
static void
note_tag(const TagCtx *t, guint first, gsize start, gsize end,
	 const TagFacts *facts)
{
	gsize a = imgopt_scan_lines_map(t->lines, start);
	gsize b = imgopt_scan_lines_map(t->lines, end - 1) + 1;

	for (guint k = first; k < t->pending->len; k++) {
		ImgoptRef *ref = g_ptr_array_index(t->pending, k);

		ref->construct_offset = a;
		ref->construct_length = b - a;
		ref->is_img_tag = facts->is_img_tag;
		ref->has_srcset = facts->has_srcset;
		ref->has_sizes = facts->has_sizes;
		ref->has_width = facts->has_width;
	}
}

/* Which of a tag's attributes load an image: src and srcset on <img>,
 * on <image> (which the HTML parser turns into <img>) and on a <source>
 * outside <video> and <audio> (whose sources are media, not images);
 * poster on <video>. */
typedef struct {
	bool src;    /* src and srcset */
	bool poster; /* poster */
} TagLoads;

static TagLoads
tag_loads(const Scanner *sc, const char *s, gsize a, gsize b)
{
	TagLoads loads = {
		.src = name_is(s, a, b, "img") || name_is(s, a, b, "image") ||
		       (name_is(s, a, b, "source") && sc->media_depth == 0),
		.poster = name_is(s, a, b, "video"),
	};
	return loads;
}

void
imgopt_scan_html_tag(Scanner *sc, const ScanLines *lines, GPtrArray *pending,
		     gsize start, gsize end)
{
	TagCtx t = {sc, lines, pending, lines->str};
	const char *s = t.s;
	gsize i = tag_name(s, end, start + 1);
	TagLoads loads = tag_loads(sc, s, start + 1, i);
	TagFacts facts = {.is_img_tag = name_is(s, start + 1, i, "img") &&
					s[end - 1] == '>'};
	guint first = pending->len;
	gsize a, b, v, w;

	while (i < end && s[i] != '>') {
		i = next_attr(s, i, end, &a, &b, &v, &w);
		facts.has_srcset |= name_is(s, a, b, "srcset");
		facts.has_sizes |= name_is(s, a, b, "sizes");
		facts.has_width |= name_is(s, a, b, "width");
		if (w == 0 && v == 0)
			continue;
		if ((loads.src && name_is(s, a, b, "src")) ||
		    (loads.poster && name_is(s, a, b, "poster")))
			add_src(&t, v, w, end);
		else if (loads.src && name_is(s, a, b, "srcset"))
			scan_srcset(&t, v, w);
		else if (name_is(s, a, b, "style"))
			scan_style(&t, v, w);
	}
	note_tag(&t, first, start, end, &facts);
}

/* ---- HTML streams ---- */

/* Raw-text elements: their content is not markup, up to the end tag. */
static const char *const raw_elements[] = {
	"script",
	"style",
	"textarea",
	NULL,
};

/* The end of a tag starting at @i ('<' + letter or "</"): just past '>',
 * quotes respected; or @n if it does not close. */
static gsize
lenient_tag_end(const char *s, gsize n, gsize i)
{
	for (i++; i < n && s[i] != '>'; i++) {
		if (s[i] == '"' || s[i] == '\'') {
			const char *q = memchr(s + i + 1, s[i], n - i - 1);
			if (q == NULL)
				return n;
			i = (gsize)(q - s);
		}
	}
	return i < n ? i + 1 : n;
}

static gsize
find_ci(const char *s, gsize n, gsize i, const char *needle)
{
	gsize k = strlen(needle);

	for (; i + k <= n; i++)
		if (g_ascii_strncasecmp(s + i, needle, k) == 0)
			return i;
	return n;
}

static bool
is_media(const char *s, gsize a, gsize b)
{
	return name_is(s, a, b, "video") || name_is(s, a, b, "audio");
}

/* An end tag named [@a, @b): `</video>` and `</audio>` close what
 * open_element() opened. */
static void
close_element(Scanner *sc, const char *s, gsize a, gsize b)
{
	if (is_media(s, a, b) && sc->media_depth > 0)
		sc->media_depth--;
}

/* Inside a comment or a raw-text element: returns where its end is (the
 * end tag itself is left to be read as a tag), and leaves the state. */
static gsize
skip_raw(Scanner *sc, const char *s, gsize i, gsize to)
{
	if (sc->raw_state == SCAN_RAW_COMMENT) {
		gsize e = find_ci(s, to, i, "-->");
		if (e >= to)
			return to;
		sc->raw_state = SCAN_RAW_NONE;
		return e + 3;
	}
	g_autofree char *end_tag = g_strconcat(
		"</", raw_elements[sc->raw_state - SCAN_RAW_ELEMENT], NULL);
	gsize e = find_ci(s, to, i, end_tag);
	if (e >= to)
		return to;
	sc->raw_state = SCAN_RAW_NONE;
	return e;
}

/* Markup at @i that is not a start tag: a comment opens; "<?", "<!x" and
 * a CDATA section are bogus comments up to the next '>' (as HTML parses
 * them outside SVG and MathML).  Returns where to go on. */
static gsize
skip_other(Scanner *sc, const char *s, gsize i, gsize to)
{
	if (to - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
		if (to - i >= 5 && s[i + 4] == '>')
			return i + 5;
		if (to - i >= 6 && s[i + 4] == '-' && s[i + 5] == '>')
			return i + 6;
		sc->raw_state = SCAN_RAW_COMMENT;
		return i + 4;
	}
	if (s[i + 1] == '/' && i + 2 < to && g_ascii_isalpha(s[i + 2])) {
		close_element(sc, s, i + 2, tag_name(s, to, i + 2));
		return lenient_tag_end(s, to, i);
	}
	const char *gt = memchr(s + i, '>', to - i);
	return gt != NULL ? (gsize)(gt - s) + 1 : to;
}

/* A start tag named [@a, @b), ending at @end: a raw-text element
 * changes the state; a <video> or <audio> holds media sources. */
static void
open_element(Scanner *sc, const char *s, gsize a, gsize b, gsize end)
{
	for (guint k = 0; raw_elements[k] != NULL; k++)
		if (name_is(s, a, b, raw_elements[k]))
			sc->raw_state = SCAN_RAW_ELEMENT + (int)k;
	if (is_media(s, a, b) && !(end >= 2 && s[end - 2] == '/'))
		sc->media_depth++;
}

void
imgopt_scan_html_range(Scanner *sc, const ScanLines *lines, GPtrArray *pending,
		       gsize from, gsize to)
{
	const char *s = lines->str;
	gsize i = from;

	while (i < to) {
		if (sc->raw_state != SCAN_RAW_NONE) {
			i = skip_raw(sc, s, i, to);
			continue;
		}
		const char *lt = memchr(s + i, '<', to - i);
		if (lt == NULL || (gsize)(lt - s) + 1 >= to)
			break;
		i = (gsize)(lt - s);
		if (s[i + 1] == '!' || s[i + 1] == '?' || s[i + 1] == '/') {
			i = skip_other(sc, s, i, to);
			continue;
		}
		if (!g_ascii_isalpha(s[i + 1])) {
			i++;
			continue;
		}
		if (sc->strict_tags &&
		    imgopt_scan_html_open_tag(s + i, to - i, true) == 0) {
			i++; /* kramdown leaves it as text */
			continue;
		}
		gsize name_end = tag_name(s, to, i + 1);
		gsize end = lenient_tag_end(s, to, i);
		imgopt_scan_html_tag(sc, lines, pending, i, end);
		open_element(sc, s, i + 1, name_end, end);
		i = end;
	}
}
