/*
 * scan_shortcode.c: Hugo's own forms in a page (issue 17): shortcodes
 * and TOML front matter.  Used when ImgoptScanOptions.is_hugo is set.
 *
 * Hugo expands shortcodes before Markdown runs, wherever they are in the
 * body: paragraphs, HTML blocks, lists, tables, and code spans and code
 * blocks too (hugo 0.111 puts a shortcode's output inside `<code>` as raw
 * HTML, so its image loads; a page shows a shortcode as text by writing
 * it as a comment: `/` `*` after the opener, `*` `/` before the closer).
 * So the body is read as plain text for them, after the block and inline
 * passes:
 *
 *   shortcode := "{{<" sp name (sp param)* sp ["/"] ">}}"
 *              | "{{%" sp name (sp param)* sp ["/"] "%}}"
 *   closing   := "{{<" sp "/" name sp ">}}"   (and the "{{%" form)
 *   comment   := opener sp "/" "*" … "*" "/" sp closer     (skipped)
 *   param     := key "=" value | value              (sp: blanks, EOLs)
 *   value     := '"' (char | '\' char)* '"' | '`' char* '`' | bare
 *   bare      := bytes up to a blank, an EOL or the closer
 *
 * A shortcode that does not close (a quote or the closer missing) ends
 * the scan: Hugo fails to build such a page.
 *
 * An image is the value of a `src=` or `image=` parameter, or the first
 * positional parameter of an `img` or `image` shortcode, when it names an
 * image file (imgopt_index_is_image_name()); its span is the value inside
 * its quotes, so a rewrite replaces the path and keeps the quoting.
 *
 * TOML front matter: `+++` on the first line, up to the next `+++` line;
 * every string in it that names an image is a front-matter reference
 * (`images = ["a.jpg"]`, `featured_image = "b.jpg"`, `[cover]
 * image = "c.jpg"`), its key the dotted path (`cover.image`).
 */
#include <string.h>

#include "imgopt/index.h"

#include "scan_file.h"
#include "scan_priv.h"

/* ---- TOML front matter ---- */

/* The end of the line at @i (its '\n' or '\r', or @n). */
static gsize
line_end(const char *s, gsize n, gsize i)
{
	while (i < n && s[i] != '\n' && s[i] != '\r')
		i++;
	return i;
}

/* The start of the line after the one ending at @end. */
static gsize
next_line(const char *s, gsize n, gsize end)
{
	if (end < n && s[end] == '\r' && end + 1 < n && s[end + 1] == '\n')
		return end + 2;
	return end < n ? end + 1 : n;
}

/* Whether the line [@i, @end) is a `+++` fence (blanks may follow). */
static bool
is_toml_fence(const char *s, gsize i, gsize end)
{
	if (end - i < 3 || memcmp(s + i, "+++", 3) != 0)
		return false;
	for (i += 3; i < end; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* The dotted key of the value at @offset: the last `[table]` above it
 * and the last `key =` at or above its line, from @from. */
static char *
toml_key(const char *s, gsize from, gsize offset)
{
	g_autofree char *table = NULL, *key = NULL;

	for (gsize i = from; i <= offset;) {
		gsize end = line_end(s, offset, i);
		gsize a = imgopt_scan_skip_blanks(s, end, i);
		const char *eq = memchr(s + a, '=', end - a);

		if (a < end && s[a] == '[') {
			gsize b = a;
			while (b < end && s[b] != ']')
				b++;
			g_free(table);
			table = g_strstrip(g_strndup(s + a + 1, b - a - 1));
			g_strdelimit(table, "[", ' ');
			g_strstrip(table);
		}
		else if (eq != NULL && s[a] != '"' && s[a] != '\'') {
			g_free(key);
			key = g_strstrip(g_strndup(s + a, (gsize)(eq - s) - a));
		}
		if (end >= offset)
			break;
		i = next_line(s, offset, end);
	}
	if (key == NULL)
		return g_steal_pointer(&table);
	return table != NULL ? g_strconcat(table, ".", key, NULL)
			     : g_steal_pointer(&key);
}

gsize
imgopt_scan_toml_front_matter(Scanner *sc, gsize pos)
{
	const char *s = sc->text;
	gsize end = line_end(s, sc->len, pos), first, close = 0;
	FileScan fs;

	if (!is_toml_fence(s, pos, end))
		return pos;
	first = next_line(s, sc->len, end);
	for (gsize i = first; i < sc->len;) {
		gsize e = line_end(s, sc->len, i);
		if (is_toml_fence(s, i, e)) {
			close = i;
			end = e;
			break;
		}
		i = next_line(s, sc->len, e);
	}
	if (close == 0)
		return pos; /* unterminated: no front matter at all */
	imgopt_scan_file_init(&fs, sc->post, s, close, IMGOPT_REF_FRONT_MATTER,
			      IMGOPT_REF_ROLE_REWRITABLE);
	imgopt_scan_strings(&fs, SCAN_COMMENTS_HASH);
	g_autoptr(GPtrArray) refs = imgopt_scan_file_finish(&fs);
	for (guint i = 0; i < refs->len; i++) {
		ImgoptRef *ref = g_ptr_array_index(refs, i);

		ref->key = toml_key(s, first, ref->offset);
		g_ptr_array_add(sc->refs, g_steal_pointer(&refs->pdata[i]));
	}
	return next_line(s, sc->len, end);
}

/* ---- shortcodes ---- */

/* One shortcode being read. */
typedef struct {
	Scanner *sc;
	const char *s;      /* the file */
	gsize n;            /* its length */
	const char *closer; /* ">}}" or "%}}" */
	char *name;         /* the shortcode's name */
	guint n_positional; /* positional parameters read so far */
	GPtrArray *pending; /* (element-type ImgoptRef) its images, added
			       to the result if it closes (an unclosed
			       shortcode fails Hugo's build) */
} Shortcode;

static bool
is_closer_at(const Shortcode *c, gsize i)
{
	return i + 3 <= c->n && memcmp(c->s + i, c->closer, 3) == 0;
}

/* Whether byte @b may be part of a shortcode's name or a key. */
static bool
is_name_byte(char b)
{
	return g_ascii_isalnum(b) || b == '_' || b == '-' || b == '.' ||
	       b == '/';
}

/* A value at @i: sets [*@a, *@b) to its bytes (inside quotes) and
 * returns the offset after it, or 0 if a quote is not closed. */
static gsize
read_value(const Shortcode *c, gsize i, gsize *a, gsize *b)
{
	const char *s = c->s;

	if (s[i] == '"' || s[i] == '`') {
		gsize k = i + 1;
		while (k < c->n && s[k] != s[i])
			k += s[i] == '"' && s[k] == '\\' ? 2 : 1;
		if (k >= c->n)
			return 0;
		*a = i + 1;
		*b = k;
		return k + 1;
	}
	*a = i;
	while (i < c->n && !imgopt_scan_is_space((unsigned char)s[i]) &&
	       !is_closer_at(c, i) && !(s[i] == '/' && is_closer_at(c, i + 1)))
		i++;
	*b = i;
	return i;
}

/* The value [@a, @b) as Hugo reads it: `\"` and `\\` unescaped in a
 * "…" value. */
static char *
decode_value(const Shortcode *c, gsize a, gsize b)
{
	GString *out = g_string_sized_new(b - a);
	bool is_dq = a > 0 && c->s[a - 1] == '"';

	for (gsize i = a; i < b; i++) {
		if (is_dq && c->s[i] == '\\' && i + 1 < b)
			i++;
		g_string_append_c(out, c->s[i]);
	}
	return g_string_free(out, FALSE);
}

/* Adds the value [@a, @b) of parameter @key (NULL for a positional one)
 * if it is an image. */
static void
add_param(Shortcode *c, const char *key, gsize a, gsize b)
{
	bool is_image_shortcode =
		strcmp(c->name, "img") == 0 || strcmp(c->name, "image") == 0;
	bool wanted = key != NULL ? strcmp(key, "src") == 0 ||
					    strcmp(key, "image") == 0
				  : is_image_shortcode && c->n_positional == 0;

	if (key == NULL)
		c->n_positional++;
	if (!wanted || b <= a)
		return;
	g_autofree char *url = decode_value(c, a, b);
	if (!imgopt_index_is_image_name(url))
		return;
	imgopt_scan_add_ref(c->sc, c->pending, IMGOPT_REF_SHORTCODE, a, b - a,
			    g_steal_pointer(&url), NULL);
}

/* The parameters from @i to the closer; returns the offset after it, or
 * 0 if the shortcode does not close. */
static gsize
read_params(Shortcode *c, gsize i)
{
	const char *s = c->s;
	gsize a, b, k;

	for (;;) {
		i = imgopt_scan_skip_space(s, c->n, i);
		if (i >= c->n)
			return 0;
		if (is_closer_at(c, i))
			return i + 3;
		if (s[i] == '/' && is_closer_at(c, i + 1))
			return i + 4;
		for (k = i; k < c->n && is_name_byte(s[k]); k++)
			;
		if (k > i && k < c->n && s[k] == '=') {
			g_autofree char *key = g_strndup(s + i, k - i);
			if ((i = read_value(c, k + 1, &a, &b)) == 0)
				return 0;
			add_param(c, key, a, b);
			continue;
		}
		if ((k = read_value(c, i, &a, &b)) == 0 || k == i)
			return 0;
		add_param(c, NULL, a, b);
		i = k;
	}
}

/* The comment form at @i (after "{{<" or "{{%"): returns the offset
 * after it, or 0 if it is no comment. */
static gsize
skip_comment(const Shortcode *c, gsize i)
{
	i = imgopt_scan_skip_space(c->s, c->n, i);
	if (i + 1 >= c->n || c->s[i] != '/' || c->s[i + 1] != '*')
		return 0;
	for (i += 2; i + 1 < c->n; i++) {
		if (c->s[i] != '*' || c->s[i + 1] != '/')
			continue;
		gsize k = imgopt_scan_skip_space(c->s, c->n, i + 2);
		if (is_closer_at(c, k))
			return k + 3;
	}
	return c->n;
}

/* The shortcode at @i ("{{<" or "{{%"); returns where to go on. */
static gsize
read_shortcode(Scanner *sc, gsize i, bool *is_added)
{
	Shortcode c = {.sc = sc,
		       .s = sc->text,
		       .n = sc->len,
		       .closer = sc->text[i + 2] == '<' ? ">}}" : "%}}"};
	gsize k = skip_comment(&c, i + 3), end;

	if (k != 0)
		return k;
	k = imgopt_scan_skip_space(c.s, c.n, i + 3);
	if (k < c.n && c.s[k] == '/') /* a closing shortcode */
		k++;
	gsize name = k;
	while (k < c.n && is_name_byte(c.s[k]))
		k++;
	if (k == name)
		return i + 2;
	c.name = g_strndup(c.s + name, k - name);
	c.pending =
		g_ptr_array_new_with_free_func((GDestroyNotify)imgopt_ref_free);
	end = read_params(&c, k);
	for (guint r = 0; end != 0 && r < c.pending->len; r++)
		g_ptr_array_add(sc->refs,
				g_steal_pointer(&c.pending->pdata[r]));
	*is_added |= end != 0 && c.pending->len > 0;
	g_ptr_array_unref(c.pending);
	g_free(c.name);
	/* Hugo refuses a page whose shortcode does not close: nothing
	 * after it is shown (and reading on from each opener again would
	 * cost the square of the openers) */
	return end != 0 ? end : sc->len;
}

/* Document order: by where each reference's construct starts (a
 * reference-style image at its use), stable. */
static gint
construct_cmp(gconstpointer a, gconstpointer b)
{
	const ImgoptRef *x = *(ImgoptRef *const *)a;
	const ImgoptRef *y = *(ImgoptRef *const *)b;

	return (x->construct_offset > y->construct_offset) -
	       (x->construct_offset < y->construct_offset);
}

void
imgopt_scan_shortcodes(Scanner *sc, gsize body)
{
	bool is_added = false;

	for (gsize i = body; i + 3 < sc->len;) {
		const char *p = memchr(sc->text + i, '{', sc->len - i);

		if (p == NULL)
			break;
		i = (gsize)(p - sc->text);
		if (i + 3 < sc->len && p[1] == '{' &&
		    (p[2] == '<' || p[2] == '%'))
			i = read_shortcode(sc, i, &is_added);
		else
			i++;
	}
	if (is_added)
		g_ptr_array_sort(sc->refs, construct_cmp);
}
