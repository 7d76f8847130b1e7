/*
 * test_cmark_diff.c: the scanner against `cmark --unsafe`, post by post.
 *
 * For every fixture post and every post of the shared hux site, the body
 * (front matter removed) goes through cmark; the image URLs a browser would
 * load from its HTML (img/source src and srcset, style url(), outside
 * comments and script/style/textarea) must equal, as a sorted multiset, the
 * scanner's references that are neither front matter, Liquid tags nor the
 * multi-line export damage.  Both sides are entity- and percent-decoded
 * (cmark percent-encodes what it writes), and whitespace inside Liquid
 * `{{ }}` is removed on both sides, since Jekyll expands Liquid before
 * Markdown and cmark would otherwise stop a destination at the space.
 */
#include "imgopt/imgopt.h"

#include <string.h>

#include "scan_priv.h"
#include "testutil.h"

/* ---- normalising URLs ---- */

static char *
collapse_liquid(const char *s)
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

static char *
normalise(const char *url)
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
		else
			g_string_append_c(out, *p);
	}
	g_autofree char *flat = g_string_free(out, FALSE);
	return collapse_liquid(flat);
}

/* ---- what a browser loads from cmark's HTML ---- */

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

/* Attributes of the tag text [p, end). */
static void
add_attrs(GPtrArray *out, const char *name, const char *p, const char *end)
{
	bool is_img = g_ascii_strcasecmp(name, "img") == 0 ||
		      g_ascii_strcasecmp(name, "source") == 0;

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
		if (is_img && strcmp(attr, "src") == 0)
			g_ptr_array_add(out, g_strdup(value));
		else if (is_img && strcmp(attr, "srcset") == 0)
			add_srcset(out, value);
		else if (strcmp(attr, "style") == 0)
			add_style(out, value);
	}
}

static const char *
skip_markup(const char *p)
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
	if (p[1] == '/' && g_ascii_isalpha(p[2]))
		return tag_end(p);
	e = strchr(p, '>');
	return e != NULL ? e + 1 : p + strlen(p);
}

static GPtrArray *
browser_urls(const char *html)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	const char *p = html;

	while ((p = strchr(p, '<')) != NULL && p[1] != '\0') {
		if (p[1] == '!' || p[1] == '?' || p[1] == '/') {
			p = skip_markup(p);
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
		add_attrs(out, name, n, end);
		p = end;
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

/* ---- running cmark ---- */

static gsize
body_start(const char *text, gsize len)
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

static char *
run_cmark(const char *dir, const char *body)
{
	g_autofree char *input = g_build_filename(dir, "body.md", NULL);
	g_autofree char *liquid = collapse_liquid(body);
	const char *argv[] = {"cmark", "--unsafe", input, NULL};
	g_autoptr(GError) error = NULL;
	char *out = NULL;
	int status = 0;

	tu_write(input, liquid);
	g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
		     &out, NULL, &status, &error);
	g_assert_no_error(error);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	return out;
}

static int
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
joined(GPtrArray *urls)
{
	GString *s = g_string_new(NULL);

	g_ptr_array_sort(urls, cmp_str);
	for (guint i = 0; i < urls->len; i++)
		g_string_append_printf(s, "  %s\n", (char *)urls->pdata[i]);
	return g_string_free(s, FALSE);
}

/* Compares one post; returns true if both sides agree. */
static bool
compare_post(const char *dir, const char *path)
{
	gsize len = 0;
	g_autofree char *text = tu_read(path, &len);
	g_autoptr(GPtrArray) refs = imgopt_scan_text(path, text, len, NULL);
	g_autoptr(GPtrArray) mine = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) theirs = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *html = run_cmark(dir, text + body_start(text, len));
	g_autoptr(GPtrArray) raw = browser_urls(html);

	for (guint i = 0; i < refs->len; i++) {
		const ImgoptRef *r = refs->pdata[i];
		if (r->kind != IMGOPT_REF_FRONT_MATTER && !r->is_multiline &&
		    r->kind != IMGOPT_REF_LIQUID_TAG)
			g_ptr_array_add(mine, normalise(r->url));
	}
	for (guint i = 0; i < raw->len; i++)
		if (*(char *)raw->pdata[i] != '\0')
			g_ptr_array_add(theirs, normalise(raw->pdata[i]));
	g_autofree char *a = joined(mine);
	g_autofree char *b = joined(theirs);
	if (strcmp(a, b) == 0)
		return true;
	g_test_message("MISMATCH %s\n cmark:\n%s scanner:\n%s", path, b, a);
	return false;
}

/* ---- the post lists ---- */

static void
collect(const char *dir, GPtrArray *out)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(dir, name, NULL);

		if (g_file_test(path, G_FILE_TEST_IS_DIR))
			collect(path, out);
		else if (g_str_has_suffix(name, ".md") ||
			 g_str_has_suffix(name, ".markdown"))
			g_ptr_array_add(out, g_steal_pointer(&path));
	}
}

static void
compare_all(GPtrArray *posts)
{
	g_autofree char *dir = tu_tmpdir();
	guint n_agree = 0;

	g_ptr_array_sort(posts, cmp_str);
	for (guint i = 0; i < posts->len; i++)
		n_agree += compare_post(dir, posts->pdata[i]);
	g_test_message("%u of %u posts agree with cmark", n_agree, posts->len);
	tu_rmtree(dir);
	g_assert_cmpuint(n_agree, ==, posts->len);
}

static void
test_fixtures(void)
{
	g_autoptr(GPtrArray) posts = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *md = tu_fixture("markdown", NULL);
	g_autofree char *sites = tu_fixture("sites", NULL);

	collect(md, posts);
	collect(sites, posts);
	g_assert_cmpuint(posts->len, >, 0);
	compare_all(posts);
}

static void
test_hux(void)
{
	g_autofree char *posts_dir = tu_shared("sites", "hux", "_posts", NULL);
	g_autofree char *includes =
		tu_shared("sites", "hux", "_includes", NULL);
	g_autoptr(GPtrArray) posts = g_ptr_array_new_with_free_func(g_free);

	if (posts_dir == NULL || !g_file_test(posts_dir, G_FILE_TEST_IS_DIR)) {
		g_test_skip("the shared hux site is missing");
		return;
	}
	collect(posts_dir, posts);
	collect(includes, posts);
	g_assert_cmpuint(posts->len, >=, 50);
	compare_all(posts);
}

/* The seed post: five destinations broken across a line by an export
 * tool, several back to back on one line. */
static void
test_seed_multiline(void)
{
	static const char *const ids[] = {
		"m6vdLvvo6W6uia2h4DXVHaGImxEiaYZIpm4EHGI7N1SjYfmibCly6ibAqqNrqJ"
		"4jBfz380Jwn5MpgicShdaEHCKGCzA",
		"m6vdLvvo6W6uia2h4DXVHaGImxEiaYZIpmuzLerE6ibc8ryop3M3cBibRjoKf1"
		"zQTAWGaQ7hTWfSDTp1ujfnYx6nEA",
		"m6vdLvvo6W6uia2h4DXVHaGImxEiaYZIpm3nibm7qTBb4XTqowHdkwmH6CmEFC"
		"aSqZriaSuqoO4fI7dajByma87icyA",
		"m6vdLvvo6W6uia2h4DXVHaGImxEiaYZIpmXpWM8l0S0BP2SkupIlUCEJsnXVrk"
		"QbonA2ed4eDaibNicWvhSLAHFvjQ",
		"m6vdLvvo6W6uia2h4DXVHaGImxEiaYZIpm4wEYpiaHYYXRxBONKq9gCJicAeky"
		"iaCsCTfNo0LdXuAUnjxOGSkqK92fA",
	};
	static const gsize lines[] = {33, 34, 43, 46, 47};
	g_autofree char *path =
		tu_shared("seed", "2020-07-14-nanning-anti-fraud.md", NULL);
	gsize len = 0;

	if (path == NULL || !g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_test_skip("the shared seed post is missing");
		return;
	}
	g_autofree char *text = tu_read(path, &len);
	g_autoptr(GPtrArray) refs = imgopt_scan_text(path, text, len, NULL);
	guint n = 0, n_markdown = 0;
	for (guint i = 0; i < refs->len; i++) {
		const ImgoptRef *r = refs->pdata[i];

		n_markdown += r->kind == IMGOPT_REF_MARKDOWN;
		if (!r->is_multiline)
			continue;
		g_assert_cmpuint(n, <, G_N_ELEMENTS(ids));
		g_autofree char *url =
			g_strdup_printf("2020-07-"
					"14\n南宁刑侦创新守护“获得”，为创城筑牢"
					"安全基石\\%s.jpeg",
					ids[n]);
		g_assert_cmpstr(r->url, ==, url);
		g_assert_cmpuint(r->line, ==, lines[n]);
		g_assert_nonnull(strstr(r->raw, "\\\\"));
		n++;
	}
	g_assert_cmpuint(n, ==, 5);
	g_assert_cmpuint(n_markdown, ==, 14);
}

int
main(int argc, char **argv)
{
	g_autofree char *cmark = g_find_program_in_path("cmark");

	g_test_init(&argc, &argv, NULL);
	if (cmark == NULL) {
		g_test_add_func("/cmark-diff/seed-multiline",
				test_seed_multiline);
		return g_test_run();
	}
	g_test_add_func("/cmark-diff/fixtures", test_fixtures);
	g_test_add_func("/cmark-diff/hux", test_hux);
	g_test_add_func("/cmark-diff/seed-multiline", test_seed_multiline);
	return g_test_run();
}
