/*
 * htmlimg.c: what the differential tests (test_cmark_diff.c,
 * test_kramdown_diff.c) share: the images a browser loads from a
 * renderer's HTML, URLs normalised so both sides compare, the body of a
 * post, and the post lists.
 */
#include "htmlimg.h"

#include <string.h>

#include "imgopt/imgopt.h"
#include "scan_priv.h"
#include "testutil.h"

/* ---- normalising URLs ---- */

char *
hi_collapse_liquid(const char *s)
{
	GString *out = g_string_new(NULL);
	const char *p = s;

	while (*p != '\0') {
		const char *open = strstr(p, "{{");
		const char *close =
			open != NULL ? strstr(open + 2, "}}") : NULL;
		const char *eol = open != NULL ? strchr(open, '\n') : NULL;

		if (open == NULL || close == NULL ||
		    (eol != NULL && eol < close)) {
			g_string_append(out, p);
			break;
		}
		g_string_append_len(out, p, open - p);
		for (const char *q = open; q < close + 2; q++)
			if (!g_ascii_isspace(*q))
				g_string_append_c(out, *q);
		p = close + 2;
	}
	return g_string_free(out, FALSE);
}

char *
hi_normalise(const char *url)
{
	g_autofree char *decoded = imgopt_scan_decode(url, strlen(url), false);
	GString *out = g_string_new(NULL);

	for (const char *p = decoded; *p != '\0'; p++) {
		if (p[0] == '%' && g_ascii_isxdigit(p[1]) &&
		    g_ascii_isxdigit(p[2])) {
			g_string_append_c(
				out, (char)(g_ascii_xdigit_value(p[1]) * 16 +
					    g_ascii_xdigit_value(p[2])));
			p += 2;
		}
		else if (*p != '\n' && *p != '\r' && *p != '\t')
			g_string_append_c(out, *p);
	}
	g_autofree char *flat = g_string_free(out, FALSE);
	return hi_collapse_liquid(flat);
}

/* ---- what a browser loads from HTML ---- */

static const char *
tag_end(const char *p)
{
	for (p++; *p != '\0' && *p != '>'; p++) {
		if (*p == '"' || *p == '\'') {
			const char *q = strchr(p + 1, *p);
			if (q == NULL)
				return p + strlen(p);
			p = q;
		}
	}
	return *p == '>' ? p + 1 : p;
}

static void
add_srcset(GPtrArray *out, const char *v)
{
	g_auto(GStrv) words = g_strsplit_set(v, " \t\n\r\f", -1);
	bool want_url = true;

	for (guint i = 0; words[i] != NULL; i++) {
		char *w = words[i];
		gsize n = strlen(w);

		if (n == 0)
			continue;
		if (want_url) {
			while (n > 0 && w[0] == ',') {
				w++;
				n--;
			}
			bool ends = n > 0 && w[n - 1] == ',';
			while (n > 0 && w[n - 1] == ',')
				n--;
			if (n > 0)
				g_ptr_array_add(out, g_strndup(w, n));
			want_url = ends || n == 0;
		}
		else if (strchr(w, ',') != NULL) {
			/* "2x,next.png": a descriptor, then the next URL */
			const char *rest = strchr(w, ',') + 1;
			while (*rest == ',')
				rest++;
			if (*rest != '\0') {
				gsize k = strlen(rest);
				bool ends = rest[k - 1] == ',';
				while (k > 0 && rest[k - 1] == ',')
					k--;
				g_ptr_array_add(out, g_strndup(rest, k));
				want_url = ends;
			}
			else
				want_url = true;
		}
	}
}

static void
add_style(GPtrArray *out, const char *v)
{
	for (const char *p = v; (p = strstr(p, "url(")) != NULL;) {
		p += 4;
		while (*p == ' ' || *p == '\t')
			p++;
		const char *quote = *p == '"'                       ? "\""
				    : *p == '\''                    ? "'"
				    : g_str_has_prefix(p, "&quot;") ? "&quot;"
								    : NULL;
		if (quote != NULL)
			p += strlen(quote);
		const char *e = quote != NULL ? strstr(p, quote) : p;
		while (quote == NULL && *e != '\0' && *e != ')' &&
		       !g_ascii_isspace(*e))
			e++;
		if (e == NULL)
			return;
		g_ptr_array_add(out, g_strndup(p, (gsize)(e - p)));
		p = e;
	}
}

/* Attributes of the tag text [p, end) of a tag @name (lowercase);
 * @media_depth counts the <video> and <audio> open around it. */
static void
add_attrs(GPtrArray *out, const char *name, const char *p, const char *end,
	  guint media_depth)
{
	bool is_img = strcmp(name, "img") == 0 || strcmp(name, "image") == 0 ||
		      (strcmp(name, "source") == 0 && media_depth == 0);
	bool is_video = strcmp(name, "video") == 0;

	while (p < end) {
		while (p < end &&
		       (g_ascii_isspace(*p) || *p == '/' || *p == '>'))
			p++;
		const char *a = p;
		while (p < end && !g_ascii_isspace(*p) && !strchr("/>=", *p))
			p++;
		g_autofree char *attr = g_ascii_strdown(a, p - a);
		while (p < end && g_ascii_isspace(*p))
			p++;
		if (p >= end || *p != '=')
			continue;
		for (p++; p < end && g_ascii_isspace(*p); p++)
			;
		const char *v = p, *ve;
		if (p < end && (*p == '"' || *p == '\'')) {
			ve = memchr(p + 1, *p, end - p - 1);
			ve = ve != NULL ? ve : end;
			v++;
			p = ve + 1;
		}
		else {
			while (p < end && !g_ascii_isspace(*p) && *p != '>')
				p++;
			ve = p;
		}
		g_autofree char *value = g_strndup(v, ve - v);
		if ((is_img && strcmp(attr, "src") == 0) ||
		    (is_video && strcmp(attr, "poster") == 0))
			g_ptr_array_add(out, g_strdup(value));
		else if (is_img && strcmp(attr, "srcset") == 0)
			add_srcset(out, value);
		else if (strcmp(attr, "style") == 0)
			add_style(out, value);
	}
}

static bool
is_media(const char *name)
{
	return strcmp(name, "video") == 0 || strcmp(name, "audio") == 0;
}

/* Markup that is not a start tag; an end tag of a <video> or <audio>
 * lowers @media_depth. */
static const char *
skip_markup(const char *p, guint *media_depth)
{
	const char *e;

	if (g_str_has_prefix(p, "<!-->"))
		return p + 5;
	if (g_str_has_prefix(p, "<!--->"))
		return p + 6;
	if (g_str_has_prefix(p, "<!--")) {
		e = strstr(p + 4, "-->");
		return e != NULL ? e + 3 : p + strlen(p);
	}
	if (p[1] == '/' && g_ascii_isalpha(p[2])) {
		const char *n = p + 2;
		while (g_ascii_isalnum(*n) || *n == '-')
			n++;
		g_autofree char *name = g_ascii_strdown(p + 2, n - p - 2);
		if (is_media(name) && *media_depth > 0)
			(*media_depth)--;
		return tag_end(p);
	}
	e = strchr(p, '>');
	return e != NULL ? e + 1 : p + strlen(p);
}

GPtrArray *
hi_browser_urls(const char *html)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	const char *p = html;
	guint media_depth = 0;

	while ((p = strchr(p, '<')) != NULL && p[1] != '\0') {
		if (p[1] == '!' || p[1] == '?' || p[1] == '/') {
			p = skip_markup(p, &media_depth);
			continue;
		}
		if (!g_ascii_isalpha(p[1])) {
			p++;
			continue;
		}
		const char *n = p + 1, *end = tag_end(p);
		while (g_ascii_isalnum(*n) || *n == '-')
			n++;
		g_autofree char *name = g_ascii_strdown(p + 1, n - p - 1);
		add_attrs(out, name, n, end, media_depth);
		p = end;
		media_depth += is_media(name) && end[-2] != '/';
		if (strcmp(name, "script") == 0 || strcmp(name, "style") == 0 ||
		    strcmp(name, "textarea") == 0) {
			g_autofree char *close = g_strconcat("</", name, NULL);
			const char *c = p;
			while (*c != '\0' &&
			       g_ascii_strncasecmp(c, close, strlen(close)) !=
				       0)
				c++;
			c = *c != '\0' ? c : NULL;
			p = c != NULL ? c : p + strlen(p);
		}
	}
	return out;
}

/* ---- posts ---- */

gsize
hi_body_start(const char *text, gsize len)
{
	gsize pos = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;

	if (!g_str_has_prefix(text + pos, "---"))
		return 0;
	const char *p = text + pos;
	const char *eol = strpbrk(p, "\r\n");
	for (const char *q = p + 3; q < eol; q++)
		if (*q != ' ' && *q != '\t')
			return 0;
	while (eol != NULL) {
		p = eol + (eol[0] == '\r' && eol[1] == '\n' ? 2 : 1);
		eol = strpbrk(p, "\r\n");
		const char *e = eol != NULL ? eol : p + strlen(p);
		if ((g_str_has_prefix(p, "---") ||
		     g_str_has_prefix(p, "...")) &&
		    strspn(p + 3, " \t") == (gsize)(e - p - 3))
			return eol == NULL
				       ? len
				       : (gsize)(eol - text) +
						 (eol[0] == '\r' &&
								  eol[1] == '\n'
							  ? 2
							  : 1);
	}
	return 0;
}

int
hi_cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *
hi_joined(GPtrArray *urls)
{
	GString *s = g_string_new(NULL);

	g_ptr_array_sort(urls, hi_cmp_str);
	for (guint i = 0; i < urls->len; i++)
		g_string_append_printf(s, "  %s\n", (char *)urls->pdata[i]);
	return g_string_free(s, FALSE);
}

void
hi_collect(const char *dir, bool with_html, GPtrArray *out)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(dir, name, NULL);

		if (g_file_test(path, G_FILE_TEST_IS_DIR))
			hi_collect(path, with_html, out);
		else if (g_str_has_suffix(name, ".md") ||
			 g_str_has_suffix(name, ".markdown") ||
			 (with_html && g_str_has_suffix(name, ".html")))
			g_ptr_array_add(out, g_steal_pointer(&path));
	}
}

void
hi_fixture_posts(GPtrArray *out)
{
	g_autofree char *md = tu_fixture("markdown", NULL);
	g_autofree char *sites = tu_fixture("sites", NULL);

	hi_collect(md, false, out);
	hi_collect(sites, false, out);
	g_assert_cmpuint(out->len, >, 0);
}

/* ---- the two sides ---- */

void
hi_sides(const GPtrArray *refs, const char *html, bool with_multiline,
	 GPtrArray *mine, GPtrArray *theirs)
{
	g_autoptr(GPtrArray) raw = hi_browser_urls(html);

	for (guint i = 0; i < refs->len; i++) {
		const ImgoptRef *r = refs->pdata[i];

		if (r->kind != IMGOPT_REF_FRONT_MATTER &&
		    r->kind != IMGOPT_REF_LIQUID_TAG &&
		    (with_multiline || !r->is_multiline ||
		     r->kind != IMGOPT_REF_MARKDOWN))
			g_ptr_array_add(mine, hi_normalise(r->url));
	}
	for (guint i = 0; i < raw->len; i++)
		if (*(char *)raw->pdata[i] != '\0')
			g_ptr_array_add(theirs, hi_normalise(raw->pdata[i]));
}

bool
hi_agree(const char *path, const char *renderer, GPtrArray *mine,
	 GPtrArray *theirs)
{
	g_autofree char *a = hi_joined(mine);
	g_autofree char *b = hi_joined(theirs);

	if (strcmp(a, b) == 0)
		return true;
	g_test_message("MISMATCH %s\n %s:\n%s scanner:\n%s", path, renderer, b,
		       a);
	return false;
}

void
hi_compare_all(GPtrArray *posts, const char *renderer, HiCompare compare,
	       gpointer data)
{
	guint n_agree = 0;

	g_ptr_array_sort(posts, hi_cmp_str);
	for (guint i = 0; i < posts->len; i++)
		n_agree += compare(i, posts->pdata[i], data);
	g_test_message("%u of %u posts agree with %s", n_agree, posts->len,
		       renderer);
	g_assert_cmpuint(n_agree, ==, posts->len);
}
