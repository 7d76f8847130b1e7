/*
 * scan_tag.c: Hexo's image tags, `{% asset_img %}`, `{% asset_path %}`,
 * `{% asset_link %}` and `{% img %}` (scan_priv.h).
 *
 * Hexo renders tags before Markdown, so a tag works wherever the text is
 * not code: in paragraphs, headings, list items, block quotes, tables
 * and HTML blocks alike (a `<td>` cell).  Code blocks never become leaves
 * (scan_block.c) and code spans are consumed by the inline scanner before
 * it looks for a tag, so what reaches this file is outside code.
 *
 * A tag is one line, `{%` to `%}` (`{%-` and `-%}` too); its arguments
 * are split at blanks, a quoted argument being one (quotes removed).
 * The image argument, whose bytes are the reference's span, is:
 *   asset_img, asset_image   the first argument holding a '.' or a '/'
 *                            (the file name; before it may come classes),
 *                            else the first;
 *   asset_path, asset_link   the first; asset_link's is pinned
 *                            (types.h): a link to the file itself,
 *                            often the full-size original, not an image
 *                            shown, so never rewritten to a variant;
 *   img, image               the first that starts with '/' or holds
 *                            "://" (before it come classes; Hexo takes a
 *                            bare `a.jpg` for a class name).
 * The reference kind is IMGOPT_REF_LIQUID_TAG for all of them: a relative
 * name resolves in the post asset folder only (site.h), which is where
 * Hexo looks for an asset tag's name and where a relative `{% img %}`
 * lands once the post is published at its folder's URL.
 */
#include <string.h>

#include "scan_priv.h"

/* Which argument of a tag names the image. */
typedef enum {
	PICK_NONE,  /* not an image tag */
	PICK_FILE,  /* the first holding '.' or '/', else the first */
	PICK_FIRST, /* the first */
	PICK_LINK,  /* the first, a link to the file: pinned */
	PICK_URL,   /* the first starting with '/' or holding "://" */
} Pick;

/* The rule for tag @name (@len bytes). */
static Pick
pick_of(const char *name, gsize len)
{
	static const struct {
		const char *name;
		Pick pick;
	} tags[] = {
		{"asset_img", PICK_FILE},   {"asset_image", PICK_FILE},
		{"asset_path", PICK_FIRST}, {"asset_link", PICK_LINK},
		{"img", PICK_URL},          {"image", PICK_URL},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(tags); i++)
		if (strlen(tags[i].name) == len &&
		    memcmp(tags[i].name, name, len) == 0)
			return tags[i].pick;
	return PICK_NONE;
}

/* Whether the argument [@a, @b) of @s is the image under @pick. */
static bool
is_image_arg(Pick pick, const char *s, gsize a, gsize b)
{
	if (pick == PICK_FIRST || pick == PICK_LINK)
		return true;
	if (pick == PICK_URL)
		return (b > a && s[a] == '/') ||
		       g_strstr_len(s + a, (gssize)(b - a), "://") != NULL;
	return memchr(s + a, '.', b - a) != NULL ||
	       memchr(s + a, '/', b - a) != NULL;
}

/* The next argument from @i (at a non-blank, before @end): its bytes
 * without quotes at [*@a, *@b); returns the offset after it. */
static gsize
next_arg(const char *s, gsize end, gsize i, gsize *a, gsize *b)
{
	if (s[i] == '"' || s[i] == '\'') {
		const char *q = memchr(s + i + 1, s[i], end - i - 1);
		*a = i + 1;
		*b = q != NULL ? (gsize)(q - s) : end;
		return *b < end ? *b + 1 : end;
	}
	*a = i;
	while (i < end && s[i] != ' ' && s[i] != '\t')
		i++;
	*b = i;
	return i;
}

bool
imgopt_scan_tag(Scanner *sc, const ScanLines *lines, GPtrArray *pending,
		gsize pos, gsize close)
{
	const char *s = lines->str;
	gsize i = imgopt_scan_skip_blanks(s, close,
					  pos + 2 + (s[pos + 2] == '-'));
	gsize name = i;

	while (i < close && (g_ascii_isalnum(s[i]) || s[i] == '_'))
		i++;
	Pick pick = pick_of(s + name, i - name);
	if (pick == PICK_NONE || i == close || (s[i] != ' ' && s[i] != '\t'))
		return false;
	gsize end = close > i && s[close - 1] == '-' ? close - 1 : close;
	gsize img_a = 0, img_b = 0;
	for (i = imgopt_scan_skip_blanks(s, end, i); i < end;
	     i = imgopt_scan_skip_blanks(s, end, i)) {
		gsize a, b;
		bool is_image;

		i = next_arg(s, end, i, &a, &b);
		is_image = is_image_arg(pick, s, a, b);
		if (is_image || (pick == PICK_FILE && img_b == 0)) {
			img_a = a;
			img_b = b;
		}
		if (is_image)
			break;
	}
	if (img_b <= img_a)
		return true; /* no image argument: nothing to report */
	gsize from = imgopt_scan_lines_map(lines, img_a);
	gsize to = imgopt_scan_lines_map(lines, img_b - 1) + 1;
	ImgoptRef *ref = NULL;
	if (to > from)
		ref = imgopt_scan_add_ref(
			sc, pending, IMGOPT_REF_LIQUID_TAG, from, to - from,
			g_strndup(s + img_a, img_b - img_a), NULL);
	if (ref != NULL && pick == PICK_LINK)
		ref->role = IMGOPT_REF_ROLE_PINNED;
	return true;
}

/* Appends to @out the references of the tags of @lines, in order; every
 * offset is visited a bounded number of times. */
static void
scan_tags(Scanner *sc, const ScanLines *lines, GPtrArray *out)
{
	const char *s = lines->str;
	gsize n = lines->len, close = 0, eol = 0;
	bool has_close = false;

	for (gsize i = 0; i + 1 < n;) {
		const char *p = memchr(s + i, '{', n - 1 - i);
		if (p == NULL)
			break;
		i = (gsize)(p - s);
		if (s[i + 1] != '%') {
			i++;
			continue;
		}
		if (eol <= i) {
			const char *nl = memchr(s + i, '\n', n - i);
			eol = nl != NULL ? (gsize)(nl - s) : n;
			has_close = false;
		}
		if (!has_close || close < i + 2) {
			const char *c = g_strstr_len(
				s + i + 2, (gssize)(eol - i - 2), "%}");
			close = c != NULL ? (gsize)(c - s) : eol;
			has_close = true;
		}
		if (close < eol && imgopt_scan_tag(sc, lines, out, i, close))
			i = close + 2;
		else
			i += 2;
	}
}

/* Orders references by file offset. */
static int
by_offset(gconstpointer a, gconstpointer b)
{
	const ImgoptRef *x = *(ImgoptRef *const *)a;
	const ImgoptRef *y = *(ImgoptRef *const *)b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

void
imgopt_scan_html_leaf(Scanner *sc, const ScanLines *lines)
{
	/* owns nothing: every reference moves to @sc->refs */
	g_autoptr(GPtrArray) tags = g_ptr_array_new();

	if (memchr(lines->str, '{', lines->len) != NULL)
		scan_tags(sc, lines, tags);
	if (tags->len == 0) {
		imgopt_scan_html_range(sc, lines, sc->refs, 0, lines->len);
		return;
	}
	guint first = sc->refs->len;
	imgopt_scan_html_range(sc, lines, sc->refs, 0, lines->len);
	for (guint i = 0; i < tags->len; i++)
		g_ptr_array_add(sc->refs, g_ptr_array_index(tags, i));
	/* the leaf's references, tags and tags' markup, in document order */
	qsort(sc->refs->pdata + first, sc->refs->len - first, sizeof(gpointer),
	      by_offset);
}
