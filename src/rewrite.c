/*
 * rewrite.c: stage 5's span replacement: applying edits to a post's text
 * (and storing and inverting them), and writing what goes into a span in
 * the post's own style.  Which edits a post gets is plan.c's decision.
 *
 * A rewrite is a list of byte spans and their replacements.  The text is
 * copied in one pass: the bytes between spans verbatim, each span checked
 * against the bytes the scanner saw and replaced.  Nothing else is
 * parsed, so whatever the post holds outside the spans (CRLF, a BOM,
 * trailing blanks, Liquid, code blocks, invalid UTF-8) comes out as it
 * went in.
 *
 * Destination style.  A new destination is written the way the old one
 * was: the Liquid prefix kept, a `/` path kept root-relative, a relative
 * path made relative to the same folder it resolved against.  Only the
 * path part is escaped for its context; a Liquid prefix is copied as is
 * because Jekyll renders Liquid before Markdown sees the text.
 */
#include "imgopt/rewrite.h"

#include <stdlib.h>
#include <string.h>

#include "imgopt/error.h"

ImgoptEdit *
imgopt_edit_new(gsize offset, const char *expected, gsize length,
		const char *replacement, gsize replacement_len)
{
	ImgoptEdit *edit = g_new0(ImgoptEdit, 1);

	edit->offset = offset;
	edit->length = length;
	edit->expected = g_strndup(expected != NULL ? expected : "", length);
	edit->replacement = g_strndup(replacement != NULL ? replacement : "",
				      replacement_len);
	edit->replacement_len = replacement_len;
	/* g_strndup stops at a NUL; the copies must keep every byte. */
	if (expected != NULL)
		memcpy(edit->expected, expected, length);
	if (replacement != NULL)
		memcpy(edit->replacement, replacement, replacement_len);
	return edit;
}

void
imgopt_edit_free(ImgoptEdit *edit)
{
	if (edit == NULL)
		return;
	g_free(edit->expected);
	g_free(edit->replacement);
	g_free(edit);
}

static int
compare_edits(gconstpointer a, gconstpointer b)
{
	const ImgoptEdit *x = *(const ImgoptEdit *const *)a;
	const ImgoptEdit *y = *(const ImgoptEdit *const *)b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	if (x->length != y->length)
		return x->length < y->length ? -1 : 1;
	return 0;
}

GPtrArray *
imgopt_rewrite_sort_edits(const GPtrArray *edits)
{
	GPtrArray *view = g_ptr_array_sized_new(edits->len);

	for (guint i = 0; i < edits->len; i++)
		g_ptr_array_add(view, g_ptr_array_index(edits, i));
	g_ptr_array_sort(view, compare_edits);
	return view;
}

static bool
check_edits(const char *text, gsize len, const GPtrArray *sorted,
	    GError **error)
{
	gsize end = 0;

	for (guint i = 0; i < sorted->len; i++) {
		const ImgoptEdit *e = g_ptr_array_index(sorted, i);

		if (e->offset > len || e->length > len - e->offset) {
			g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT,
				    "edit at byte %zu lies past the end of the "
				    "text (%zu bytes)",
				    e->offset, len);
			return false;
		}
		const ImgoptEdit *prev =
			i > 0 ? g_ptr_array_index(sorted, i - 1) : NULL;
		/* Two insertions at one offset have no defined order. */
		if (prev != NULL &&
		    (e->offset < end || (prev->length == 0 && e->length == 0 &&
					 prev->offset == e->offset))) {
			g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT,
				    "edits overlap at byte %zu", e->offset);
			return false;
		}
		if (memcmp(text + e->offset, e->expected, e->length) != 0) {
			g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT,
				    "the text at byte %zu is not '%s' any more "
				    "(edited since it was scanned)",
				    e->offset, e->expected);
			return false;
		}
		end = e->offset + e->length;
	}
	return true;
}

GBytes *
imgopt_rewrite_text(const char *text, gsize len, const GPtrArray *edits,
		    GError **error)
{
	g_return_val_if_fail(text != NULL || len == 0, NULL);
	g_return_val_if_fail(edits != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	g_autoptr(GPtrArray) sorted = imgopt_rewrite_sort_edits(edits);
	if (!check_edits(text, len, sorted, error))
		return NULL;

	g_autoptr(GByteArray) out = g_byte_array_sized_new((guint)len + 64);
	gsize pos = 0;

	for (guint i = 0; i < sorted->len; i++) {
		const ImgoptEdit *e = g_ptr_array_index(sorted, i);

		g_byte_array_append(out, (const guint8 *)text + pos,
				    (guint)(e->offset - pos));
		g_byte_array_append(out, (const guint8 *)e->replacement,
				    (guint)e->replacement_len);
		pos = e->offset + e->length;
	}
	g_byte_array_append(out, (const guint8 *)text + pos,
			    (guint)(len - pos));
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

GPtrArray *
imgopt_rewrite_invert(const GPtrArray *edits)
{
	g_autoptr(GPtrArray) sorted = imgopt_rewrite_sort_edits(edits);
	GPtrArray *out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_edit_free);
	gssize delta = 0;

	for (guint i = 0; i < sorted->len; i++) {
		const ImgoptEdit *e = g_ptr_array_index(sorted, i);
		gsize at = (gsize)((gssize)e->offset + delta);

		g_ptr_array_add(out, imgopt_edit_new(at, e->replacement,
						     e->replacement_len,
						     e->expected, e->length));
		delta += (gssize)e->replacement_len - (gssize)e->length;
	}
	return out;
}

/* ---- serialisation ---- */

static void
append_base64(GString *s, const char *data, gsize len)
{
	g_autofree char *b64 = g_base64_encode((const guchar *)data, len);

	g_string_append(s, b64);
}

char *
imgopt_rewrite_format_edits(const GPtrArray *edits)
{
	g_autoptr(GPtrArray) sorted = imgopt_rewrite_sort_edits(edits);
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < sorted->len; i++) {
		const ImgoptEdit *e = g_ptr_array_index(sorted, i);

		g_string_append_printf(s, "%zu ", e->offset);
		append_base64(s, e->expected, e->length);
		g_string_append_c(s, ' ');
		append_base64(s, e->replacement, e->replacement_len);
		g_string_append_c(s, '\n');
	}
	return g_string_free(s, false);
}

static ImgoptEdit *
parse_edit_line(const char *line, GError **error)
{
	g_auto(GStrv) f = g_strsplit(line, " ", 3);
	guint64 offset = 0;

	if (g_strv_length(f) != 3 ||
	    !g_ascii_string_to_unsigned(f[0], 10, 0, G_MAXSIZE, &offset,
					NULL)) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_PARSE,
			    "bad edit record '%s'", line);
		return NULL;
	}
	gsize n_old = 0, n_new = 0;
	g_autofree guchar *old = g_base64_decode(f[1], &n_old);
	g_autofree guchar *new = g_base64_decode(f[2], &n_new);

	return imgopt_edit_new((gsize)offset, (const char *)old, n_old,
			       (const char *)new, n_new);
}

GPtrArray *
imgopt_rewrite_parse_edits(const char *text, GError **error)
{
	g_return_val_if_fail(text != NULL, NULL);

	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_edit_free);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (char **l = lines; *l != NULL; l++) {
		if (**l == '\0')
			continue;
		ImgoptEdit *e = parse_edit_line(*l, error);
		if (e == NULL)
			return NULL;
		g_ptr_array_add(out, e);
	}
	return g_steal_pointer(&out);
}

/* ---- destinations ---- */

gsize
imgopt_rewrite_liquid_prefix_len(const char *url)
{
	gsize n = 0;

	while (g_str_has_prefix(url + n, "{{")) {
		const char *close = strstr(url + n, "}}");
		if (close == NULL)
			break;
		n = (gsize)(close + 2 - url);
	}
	return n;
}

static bool
is_markdown_kind(ImgoptRefKind kind)
{
	return kind == IMGOPT_REF_MARKDOWN || kind == IMGOPT_REF_MARKDOWN_REF;
}

/* Whether byte @c must be %-encoded in a destination of @style's kind. */
static bool
needs_percent(const ImgoptUrlStyle *style, unsigned char c)
{
	if (c < 0x20 || c == 0x7f || c == '%')
		return true;
	if (style->kind == IMGOPT_REF_FRONT_MATTER)
		return false;
	if (is_markdown_kind(style->kind) && style->is_angle)
		return c == '<' || c == '>';
	if (is_markdown_kind(style->kind) || style->kind == IMGOPT_REF_STYLE)
		return strchr(" ()<>\\\"'", c) != NULL;
	if (style->kind == IMGOPT_REF_SRCSET)
		return c == ' ' || c == ',';
	return c == ' ';
}

/* Appends @path escaped for @style's context. */
static void
append_escaped(GString *out, const ImgoptUrlStyle *style, const char *path)
{
	bool is_html = style->kind == IMGOPT_REF_HTML ||
		       style->kind == IMGOPT_REF_SRCSET ||
		       style->kind == IMGOPT_REF_STYLE;

	for (const char *p = path; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (needs_percent(style, c))
			g_string_append_printf(out, "%%%02X", c);
		else if (is_html && c == '&')
			g_string_append(out, "&amp;");
		else if (is_html && c == '"')
			g_string_append(out, "&quot;");
		else if (is_html && c == '\'')
			g_string_append(out, "&#39;");
		else
			g_string_append_c(out, (char)c);
	}
}

/* Decodes %XX escapes and turns `\` into `/`, as resolving does. */
static char *
decode_path(const char *path, gsize len)
{
	GString *out = g_string_sized_new(len);

	for (gsize i = 0; i < len; i++) {
		bool is_escape = path[i] == '%' && i + 2 < len &&
				 g_ascii_isxdigit(path[i + 1]) &&
				 g_ascii_isxdigit(path[i + 2]);

		if (is_escape) {
			g_string_append_c(
				out,
				(char)(g_ascii_xdigit_value(path[i + 1]) * 16 +
				       g_ascii_xdigit_value(path[i + 2])));
			i += 2;
		}
		else
			g_string_append_c(out, path[i] == '\\' ? '/' : path[i]);
	}
	return g_string_free(out, false);
}

/* @to (a path relative to the site root) relative to folder @from. */
static char *
relative_path(const char *from, const char *to)
{
	g_auto(GStrv) a = g_strsplit(from, "/", -1);
	g_auto(GStrv) b = g_strsplit(to, "/", -1);
	guint na = g_strv_length(a), nb = g_strv_length(b), k = 0;
	GString *out = g_string_new(NULL);

	if (na == 1 && a[0][0] == '\0')
		na = 0;
	while (k < na && k + 1 < nb && strcmp(a[k], b[k]) == 0)
		k++;
	for (guint i = k; i < na; i++)
		g_string_append(out, "../");
	for (guint i = k; i < nb; i++) {
		g_string_append(out, b[i]);
		if (i + 1 < nb)
			g_string_append_c(out, '/');
	}
	return g_string_free(out, false);
}

/* The folder a relative @path resolved against to give @resolved, or
 * NULL if none of the folders resolving tries gives it. */
static char *
resolving_base(const ImgoptUrlStyle *style, const char *path)
{
	g_autofree char *post_dir = g_path_get_dirname(style->post);
	const char *dot = strrchr(style->post, '.');
	g_autofree char *asset =
		dot != NULL ? g_strndup(style->post, (gsize)(dot - style->post))
			    : g_strdup(style->post);
	const char *bases[] = {"", post_dir, asset};
	gsize first = style->kind == IMGOPT_REF_FRONT_MATTER ? 0 : 1;

	if (strcmp(post_dir, ".") == 0)
		bases[1] = "";
	for (gsize i = first; i < G_N_ELEMENTS(bases); i++) {
		g_autofree char *joined =
			*bases[i] != '\0'
				? g_strconcat(bases[i], "/", path, NULL)
				: g_strdup(path);
		g_autoptr(GString) norm = g_string_new(NULL);
		g_auto(GStrv) parts = g_strsplit(joined, "/", -1);
		g_autoptr(GPtrArray) stack = g_ptr_array_new();

		for (char **p = parts; *p != NULL; p++) {
			if (**p == '\0' || strcmp(*p, ".") == 0)
				continue;
			if (strcmp(*p, "..") == 0 && stack->len > 0)
				g_ptr_array_set_size(stack, stack->len - 1);
			else if (strcmp(*p, "..") != 0)
				g_ptr_array_add(stack, *p);
		}
		for (guint k = 0; k < stack->len; k++)
			g_string_append_printf(
				norm, "%s%s", k ? "/" : "",
				(char *)g_ptr_array_index(stack, k));
		if (strcmp(norm->str, style->resolved) == 0)
			return g_strdup(bases[i]);
	}
	return NULL;
}

/* `{{ "…" | relative_url }}`: put @target inside the quotes. */
static bool
format_filter_form(GString *out, const ImgoptUrlStyle *style,
		   const char *target)
{
	const char *w = style->written;
	const char *q = strpbrk(w, "\"'");

	if (!g_str_has_prefix(w, "{{") || q == NULL || strstr(w, "}}") < q)
		return false;
	const char *q2 = strchr(q + 1, *q);
	if (q2 == NULL)
		return false;
	g_string_append_len(out, w, q + 1 - w);
	if (q[1] == '/')
		g_string_append_c(out, '/');
	append_escaped(out, style,
		       style->url_path != NULL ? style->url_path : target);
	g_string_append(out, q2);
	return true;
}

/* Writes the path part (without query/fragment) of the new destination. */
static void
format_path(GString *out, const ImgoptUrlStyle *style, const char *path,
	    gsize path_len, const char *target)
{
	gsize pre = imgopt_rewrite_liquid_prefix_len(path);
	const char *base = style->baseurl;

	if (pre > 0) {
		g_string_append_len(out, path, pre);
		if (path[pre] == '/' || path[pre] == '\0')
			g_string_append_c(out, '/');
	}
	else if (path[0] == '/') {
		if (base != NULL && g_str_has_prefix(path, base) &&
		    path[strlen(base)] == '/')
			g_string_append(out, base);
		g_string_append_c(out, '/');
	}
	else {
		g_autofree char *decoded = decode_path(path, path_len);
		g_autofree char *from = style->resolved != NULL
						? resolving_base(style, decoded)
						: NULL;

		if (from != NULL) {
			g_autofree char *rel = relative_path(from, target);
			append_escaped(out, style, rel);
			return;
		}
		if (style->kind != IMGOPT_REF_FRONT_MATTER)
			g_string_append(out, style->fallback != NULL
						     ? style->fallback
						     : "/");
	}
	/* From the site's URL root: where the generator publishes it. */
	append_escaped(out, style,
		       style->url_path != NULL ? style->url_path : target);
}

char *
imgopt_rewrite_format_url(const ImgoptUrlStyle *style, const char *target)
{
	g_return_val_if_fail(style != NULL && style->written != NULL, NULL);
	g_return_val_if_fail(target != NULL, NULL);

	GString *out = g_string_new(NULL);
	const char *w = style->written;
	gsize pre = imgopt_rewrite_liquid_prefix_len(w);

	if (pre > 0 && format_filter_form(out, style, target))
		return g_string_free(out, false);
	gsize path_len = pre + strcspn(w + pre, "?#");
	g_autofree char *path = g_strndup(w, path_len);

	format_path(out, style, path, path_len, target);
	/* The query or fragment was valid as written: copied as is. */
	g_string_append(out, w + path_len);
	return g_string_free(out, false);
}

static int
compare_items(gconstpointer a, gconstpointer b)
{
	const ImgoptSrcsetItem *x = a, *y = b;

	return x->width < y->width ? -1 : x->width > y->width;
}

char *
imgopt_rewrite_format_srcset(const ImgoptSrcsetItem *items, gsize n_items)
{
	g_autofree ImgoptSrcsetItem *copy =
		g_memdup2(items, n_items * sizeof(*items));
	GString *out = g_string_new(NULL);

	if (n_items > 0)
		qsort(copy, n_items, sizeof(*copy), compare_items);
	for (gsize i = 0; i < n_items; i++)
		g_string_append_printf(out, "%s%s %uw", i > 0 ? ", " : "",
				       copy[i].url, copy[i].width);
	return g_string_free(out, false);
}

static void
append_attr(GString *out, const char *name, const char *value)
{
	g_autofree char *esc = g_markup_escape_text(value, -1);

	g_string_append_printf(out, " %s=\"%s\"", name, esc);
}

/* `<picture>` and a `<source>` for each extra format, or nothing. */
static void
append_sources(GString *out, const ImgoptImgMarkup *m)
{
	if (m->n_sources == 0)
		return;
	g_string_append(out, "<picture>");
	for (gsize i = 0; i < m->n_sources; i++) {
		const ImgoptPictureSource *src = &m->sources[i];
		g_autofree char *set =
			imgopt_rewrite_format_srcset(src->items, src->n_items);

		g_string_append_printf(out,
				       "<source type=\"%s\" srcset=\"%s\" "
				       "sizes=\"(max-width: %upx) 100vw, "
				       "%upx\">",
				       src->type, set, m->display_width,
				       m->display_width);
	}
}

char *
imgopt_rewrite_format_img(const ImgoptImgMarkup *m)
{
	g_return_val_if_fail(m != NULL && m->src != NULL, NULL);

	GString *out = g_string_new(NULL);

	append_sources(out, m);
	g_string_append(out, "<img");

	/* src and srcset are already escaped for an attribute. */
	g_string_append_printf(out, " src=\"%s\"", m->src);
	if (m->n_items > 0) {
		g_autofree char *set =
			imgopt_rewrite_format_srcset(m->items, m->n_items);
		g_string_append_printf(out,
				       " srcset=\"%s\" sizes=\"(max-width: "
				       "%upx) 100vw, %upx\"",
				       set, m->display_width, m->display_width);
	}
	if (m->width > 0 && m->height > 0)
		g_string_append_printf(out, " width=\"%u\" height=\"%u\"",
				       m->width, m->height);
	append_attr(out, "alt", m->alt != NULL ? m->alt : "");
	if (m->title != NULL)
		append_attr(out, "title", m->title);
	g_string_append(out, " loading=\"lazy\" decoding=\"async\">");
	if (m->n_sources > 0)
		g_string_append(out, "</picture>");
	return g_string_free(out, false);
}
