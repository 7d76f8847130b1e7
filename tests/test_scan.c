/*
 * test_scan.c: the reference scanner.  Table cases (one input, the
 * expected `line:col kind url` lines), the fixtures/markdown .md files
 * against their .refs, the exact fields of a reference, and hostile inputs
 * that must neither crash nor take super-linear time (they must finish
 * under the meson timeout: that is the check, no timing is asserted).
 */
#include "imgopt/imgopt.h"

#include <string.h>

#include "testutil.h"

/* The 1-based line and byte column of @offset, counting LF, CRLF and
 * lone CR as line ends; @starts holds the offset of every line. */
static void
locate(const GArray *starts, gsize offset, gsize *line, gsize *col)
{
	guint lo = 0, hi = starts->len;

	while (hi - lo > 1) {
		guint mid = lo + (hi - lo) / 2;

		if (g_array_index(starts, gsize, mid) <= offset)
			lo = mid;
		else
			hi = mid;
	}
	*line = lo + 1;
	*col = offset - g_array_index(starts, gsize, lo) + 1;
}

/* Checks what holds for every reference of every input. */
static void
check_invariants(const char *text, gsize len, const GPtrArray *refs)
{
	g_autoptr(GArray) starts = g_array_new(FALSE, FALSE, sizeof(gsize));
	gsize zero = 0;

	g_array_append_val(starts, zero);
	for (gsize k = 0; k < len; k++) {
		if (text[k] == '\n' ||
		    (text[k] == '\r' &&
		     (k + 1 >= len || text[k + 1] != '\n'))) {
			gsize next = k + 1;
			g_array_append_val(starts, next);
		}
	}
	for (guint i = 0; i < refs->len; i++) {
		const ImgoptRef *r = g_ptr_array_index(refs, i);
		gsize line, col;

		g_assert_cmpuint(r->length, >, 0);
		g_assert_cmpuint(r->offset + r->length, <=, len);
		g_assert_cmpuint(strlen(r->raw), ==, r->length);
		g_assert_true(memcmp(r->raw, text + r->offset, r->length) == 0);
		g_assert_nonnull(r->url);
		g_assert_cmpint(r->status, ==, IMGOPT_REF_STATUS_UNRESOLVED);
		locate(starts, r->offset, &line, &col);
		g_assert_cmpuint(r->line, ==, line);
		g_assert_cmpuint(r->column, ==, col);
	}
}

/* The .refs form of a URL: \\ \n \r \t and other control bytes escaped. */
static void
append_escaped(GString *out, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\')
			g_string_append(out, "\\\\");
		else if (c == '\n')
			g_string_append(out, "\\n");
		else if (c == '\r')
			g_string_append(out, "\\r");
		else if (c == '\t')
			g_string_append(out, "\\t");
		else if (c < 0x20 || c == 0x7f)
			g_string_append_printf(out, "\\x%02x", c);
		else
			g_string_append_c(out, (char)c);
	}
}

static char *
format_refs(const GPtrArray *refs)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < refs->len; i++) {
		const ImgoptRef *r = g_ptr_array_index(refs, i);

		g_string_append_printf(out, "%zu:%zu %s ", (size_t)r->line,
				       (size_t)r->column,
				       imgopt_ref_kind_name(r->kind));
		append_escaped(out, r->url);
		g_string_append_c(out, '\n');
	}
	return g_string_free(out, FALSE);
}

static GPtrArray *
scan_in(ImgoptScanDialect dialect, const char *path, const char *text,
	gsize len)
{
	g_autoptr(GError) error = NULL;
	const ImgoptScanOptions opts = {dialect, false};
	GPtrArray *refs =
		dialect == IMGOPT_SCAN_COMMONMARK
			? imgopt_scan_text(path, text, len, &error)
			: imgopt_scan_text_full(path, text, len, &opts, &error);

	g_assert_no_error(error);
	g_assert_nonnull(refs);
	check_invariants(text, len, refs);
	return refs;
}

static GPtrArray *
scan(const char *path, const char *text, gsize len)
{
	return scan_in(IMGOPT_SCAN_COMMONMARK, path, text, len);
}

/* ---- table cases ---- */

typedef struct {
	const char *name;     /* test path under /scan/ */
	const char *input;    /* the post */
	const char *expected; /* the .refs lines */
} Case;

static const Case cases[] = {
	{"inline-link", "x ![a](/img/a.png) y\n", "1:8 markdown /img/a.png\n"},
	{"inline-title", "![a](a.png \"t\") ![b](<b c.png> 't')\n",
	 "1:6 markdown a.png\n1:23 markdown b c.png\n"},
	{"link-is-not-image", "[a](a.png) \\![b](b.png)\n", ""},
	{"image-in-link", "[![a](x.png)](y.png)\n", "1:7 markdown x.png\n"},
	{"image-in-alt", "![a ![b](b.png)](c.png)\n", "1:18 markdown c.png\n"},
	{"nested-brackets-alt", "![a [b] [c]](d.png)\n",
	 "1:14 markdown d.png\n"},
	{"escapes-entities", "![a](x\\_y&amp;z&#32;.png)\n",
	 "1:6 markdown x_y&z .png\n"},
	{"balanced-parens", "![a](x(1).png) ![b](y(.png)\n",
	 "1:6 markdown x(1).png\n"},
	{"reference-link", "![a][r]\n\n[r]: /r.png\n",
	 "3:6 markdown-ref /r.png\n"},
	{"reference-collapsed-shortcut", "![R][] ![ r ]\n\n[r]: r.png\n",
	 "3:6 markdown-ref r.png\n3:6 markdown-ref r.png\n"},
	{"reference-first-wins", "![r]\n\n[r]: 1.png\n[R]: 2.png\n",
	 "3:6 markdown-ref 1.png\n"},
	{"reference-no-interrupt", "text\n[r]: r.png\n\n![r]\n", ""},
	{"reference-unicode-case", "![ÄÖ]\n\n[äö]: u.png\n",
	 "3:9 markdown-ref u.png\n"},
	{"code-span-ignored", "`![a](a.png)` ``![b](b.png)`` `x\n", ""},
	{"code-span-unmatched", "``![a](a.png)` ![b](b.png)\n",
	 "1:8 markdown a.png\n1:21 markdown b.png\n"},
	{"fence-ignored", "```\n![a](a.png)\n```\n~~~\n![b](b.png)\n", ""},
	{"indented-code-ignored", "    ![a](a.png)\n\n\t![b](b.png)\n", ""},
	{"html-comment-ignored",
	 "<!--\n![a](a.png)\n\n-->\nx <!-- ![b](b.png) -->\n", ""},
	{"blockquote-list", "> ![a](a.png)\n\n- ![b](b.png)\n  > ![c](c.png)\n",
	 "1:8 markdown a.png\n3:8 markdown b.png\n4:10 markdown c.png\n"},
	{"code-in-list-item", "- x\n\n      ![a](a.png)\n", ""},
	{"html-img",
	 "<img src=\"a.png\">\n<p><img SRC='b.png'>\n\nx <img src=c.png>\n",
	 "1:11 html a.png\n2:14 html b.png\n4:12 html c.png\n"},
	{"html-srcset", "<img srcset=\"a.png 1x,b.png 2x, c.png\">\n",
	 "1:14 srcset a.png\n1:23 srcset b.png\n1:33 srcset c.png\n"},
	{"html-style",
	 "<div style=\"x: url( 'a.png' ); y: url(b.png)\"></div>\n",
	 "1:22 style a.png\n1:39 style b.png\n"},
	{"html-image-is-img", "<image src=\"a.png\" srcset=\"b.png 2x\">\n",
	 "1:13 html a.png\n1:28 srcset b.png\n"},
	{"html-media-source-not-image",
	 "<video poster=p.png><source src=v.mp4><SOURCE src=w.webm>"
	 "</VIDEO>\n<audio>\n<source src=a.mp3>\n</audio>\n\n"
	 "<picture><source srcset=s.png></picture><video src=x.mp4/>"
	 "<source src=after.png>\n",
	 "1:15 html p.png\n6:25 srcset s.png\n6:71 html after.png\n"},
	{"html-value-across-lines",
	 "<p><img src=\"a/\nb.png\"\nalt=x></p>\n\n"
	 "> x <img src=\"d/\n> e&amp;f.png\">\n",
	 "1:14 html a/b.png\n5:15 html d/e&f.png\n"},
	{"html-block-no-markdown", "<div>\n![a](a.png)\n</div>\n", ""},
	{"html-script-skipped",
	 "<script>\n<img src=\"a.png\">\n\n![b](b.png)\n</script>\n", ""},
	{"liquid-prefix", "![]({{ site.url }}{{site.baseurl}}/a.png)\n",
	 "1:5 markdown {{ site.url }}{{site.baseurl}}/a.png\n"},
	{"liquid-asset-img", "{% asset_img a.png Title %}\n",
	 "1:14 liquid-tag a.png\n"},
	{"hexo-tags",
	 "{% asset_img left a.png \"A title\" %} {% asset_path b.png %}\n"
	 "{% asset_link c.pdf link %} {%- img big /img/d.jpg 10 20 t -%}\n"
	 "{% img e.png %} {% image http://x/f.png %} {% if a %}g{% endif %}\n"
	 "{% asset_image 'h i.png' %}\n",
	 "1:19 liquid-tag a.png\n1:52 liquid-tag b.png\n"
	 "2:15 liquid-tag c.pdf\n2:41 liquid-tag /img/d.jpg\n"
	 "3:26 liquid-tag http://x/f.png\n4:17 liquid-tag h i.png\n"},
	{"hexo-tags-in-html-block",
	 "<table><tr><td>{% asset_img a.png %}</td>\n"
	 "<td><img src=\"b.png\">{% asset_img c.png t %}</td></tr>\n"
	 "</table>\n",
	 "1:29 liquid-tag a.png\n2:15 html b.png\n2:35 liquid-tag c.png\n"},
	{"hexo-tags-in-containers",
	 "- {% asset_img a.png %}\n\n> {% asset_img b.png %}\n\n"
	 "| x |\n|---|\n| {% asset_img c.png %} |\n",
	 "1:16 liquid-tag a.png\n3:16 liquid-tag b.png\n"
	 "7:16 liquid-tag c.png\n"},
	{"hexo-tags-not-in-code",
	 "`{% asset_img a.png %}`\n\n    {% asset_img b.png %}\n\n"
	 "```\n{% asset_img c.png %}\n```\n"
	 "<div>\n{% asset_img \"unclosed.png\"\n</div>\n",
	 ""},
	{"multiline-export", "![](d\nt\\\\i.jpeg)![](d\nt\\\\j.jpeg)\n",
	 "1:5 markdown d\\nt\\\\i.jpeg\n2:15 markdown d\\nt\\\\j.jpeg\n"},
	{"multiline-not-prose", "![a](see the\nnext.png) ![b](x\ny.png)\n", ""},
	{"crlf",
	 "![a](a.png)\r\n\r\n```\r\n![b](b.png)\r\n```\r\n![c](c.png)\r![d](d."
	 "png)",
	 "1:6 markdown a.png\n6:6 markdown c.png\n7:6 markdown d.png\n"},
	{"front-matter",
	 "---\nheader-img: \"img/h.png\"\nimage:\n  path: /p.png\n---\n",
	 "2:14 front-matter img/h.png\n4:9 front-matter /p.png\n"},
	{"front-matter-unterminated", "---\nimage: x.png\n![a](a.png)\n",
	 "3:6 markdown a.png\n"},
	{"front-matter-not-at-start", "\n---\nimage: x.png\n---\n", ""},
	{"empty-destination", "![a]() ![b](<>)\n", ""},
};

static void
test_case(gconstpointer data)
{
	const Case *c = data;
	g_autoptr(GPtrArray) refs = scan("post.md", c->input, strlen(c->input));
	g_autofree char *actual = format_refs(refs);

	g_assert_cmpstr(actual, ==, c->expected);
}

/* ---- exact fields ---- */

static const ImgoptRef *
only_ref(const GPtrArray *refs, guint i)
{
	g_assert_cmpuint(i, <, refs->len);
	return g_ptr_array_index(refs, i);
}

static void
test_fields(void)
{
	static const char text[] =
		"\xEF\xBB\xBF---\nimage: {path: \"/i.png\"}\n"
		"---\n![A \\*b\\*](<x\\>y.png> \"t\")\n"
		"![r]\n\n[r]: r.png\n"
		"![](a\nb\\\\c.png)\n";
	g_autoptr(GPtrArray) refs = scan("p/post.md", text, sizeof text - 1);
	const ImgoptRef *r;

	g_assert_cmpuint(refs->len, ==, 4);
	r = only_ref(refs, 0);
	g_assert_cmpstr(r->key, ==, "image.path");
	g_assert_cmpstr(r->raw, ==, "/i.png");
	g_assert_cmpuint(r->offset, ==, 22);
	r = only_ref(refs, 1);
	g_assert_cmpstr(r->post, ==, "p/post.md");
	g_assert_cmpstr(r->raw, ==, "x\\>y.png");
	g_assert_cmpstr(r->url, ==, "x>y.png");
	g_assert_cmpstr(r->alt, ==, "A *b*");
	g_assert_null(r->key);
	g_assert_false(r->is_multiline);
	r = only_ref(refs, 2);
	g_assert_cmpint(r->kind, ==, IMGOPT_REF_MARKDOWN_REF);
	g_assert_cmpstr(r->raw, ==, "r.png");
	g_assert_cmpuint(r->line, ==, 7);
	r = only_ref(refs, 3);
	g_assert_true(r->is_multiline);
	g_assert_cmpstr(r->raw, ==, "a\nb\\\\c.png");
	g_assert_cmpstr(r->url, ==, "a\nb\\c.png");
}

/* The whole `![alt](dest "title")` of an inline image, with nested and
 * escaped brackets, a pointy destination and an escaped quote in the
 * title; and a damaged destination's image. */
static void
test_construct_markdown(void)
{
	static const char text[] =
		"x ![a [nested] \\] alt](<my dest.jpg> \"ti\\\"tle &amp; "
		"more\") ![](2020\r\nT\\\\id.jpeg)\n\n![r]\n\n[r]: r.png "
		"\"t\"\n";
	g_autoptr(GPtrArray) refs = scan("p.md", text, sizeof text - 1);
	const ImgoptRef *r = only_ref(refs, 0);

	g_assert_cmpuint(refs->len, ==, 3);
	g_assert_cmpuint(r->construct_offset, ==, 2);
	g_assert_cmpuint(text[r->construct_offset + r->construct_length - 1],
			 ==, ')');
	g_assert_cmpuint(r->construct_offset + r->construct_length, ==,
			 (gsize)(strstr(text, " ![](") - text));
	g_assert_cmpstr(r->title, ==, "ti\"tle & more");
	g_autoptr(ImgoptRef) copy = imgopt_ref_copy(r);
	g_assert_true(copy->title != r->title && copy->raw != r->raw);
	g_assert_cmpstr(copy->title, ==, r->title);
	g_assert_cmpstr(copy->alt, ==, "a [nested] ] alt");
	g_assert_cmpuint(copy->construct_length, ==, r->construct_length);
	r = only_ref(refs, 1);
	g_assert_true(r->is_multiline);
	g_assert_cmpuint(text[r->construct_offset], ==, '!');
	g_assert_cmpuint(r->construct_offset + r->construct_length, ==,
			 (gsize)(strstr(text, "\n\n") - text));
	g_assert_null(r->title);
	/* A reference-style image: its span is the definition's
	 * destination, its construct the image where it is used, its title
	 * the definition's. */
	r = only_ref(refs, 2);
	g_assert_cmpint(r->kind, ==, IMGOPT_REF_MARKDOWN_REF);
	g_assert_cmpuint(r->construct_offset, ==,
			 (gsize)(strstr(text, "![r]") - text));
	g_assert_cmpuint(r->construct_length, ==, 4);
	g_assert_cmpstr(r->title, ==, "t");
	g_assert_false(r->is_img_tag);
	g_assert_cmpuint(r->attr_end, ==, 0);
}

/* The tag around a src: its span, where the src attribute ends, and
 * whether it is an <img> with srcset or sizes; a `>` in a quoted value
 * does not end the tag. */
static void
test_construct_tag(void)
{
	static const char t1[] = "<img alt=\"a>b\" src=\"/x.jpg\" width=240>\n";
	static const char t2[] =
		"a <IMG SRC='/x.jpg' srcset=\"/y.jpg 1x\" sizes=50vw/> b\n";
	static const char t3[] = "<picture><source src=/x.jpg></picture>\n";
	g_autoptr(GPtrArray) r1 = scan("p.md", t1, sizeof t1 - 1);
	g_autoptr(GPtrArray) r2 = scan("p.md", t2, sizeof t2 - 1);
	g_autoptr(GPtrArray) r3 = scan("p.md", t3, sizeof t3 - 1);
	const ImgoptRef *r = only_ref(r1, 0);

	g_assert_true(r->is_img_tag);
	g_assert_false(r->has_srcset || r->has_sizes);
	g_assert_cmpuint(t1[r->attr_end - 1], ==, '"');
	g_assert_cmpuint(r->construct_offset, ==, 0);
	g_assert_cmpuint(r->construct_length, ==, sizeof t1 - 2);
	g_assert_cmpuint(r2->len, ==, 2);
	for (guint i = 0; i < r2->len; i++) {
		r = only_ref(r2, i);
		g_assert_true(r->is_img_tag && r->has_srcset && r->has_sizes);
		g_assert_cmpuint(r->construct_offset, ==, 2);
		g_assert_cmpuint(t2[r->construct_offset + r->construct_length],
				 ==, ' ');
	}
	g_assert_cmpuint(only_ref(r2, 0)->attr_end, ==,
			 (gsize)(strstr(t2, " srcset") - t2));
	g_assert_cmpuint(only_ref(r2, 1)->attr_end, ==, 0);
	r = only_ref(r3, 0);
	g_assert_false(r->is_img_tag);
	g_assert_cmpuint(r->attr_end, ==, (gsize)(strstr(t3, "></") - t3));
	g_assert_cmpuint(r->construct_offset, ==, 9);
}

static void
test_html_post(void)
{
	static const char text[] =
		"---\nx: y\n---\n<p>![a](a.png)"
		"<img src=\"b.png\"></p>\n\n    <img src=c.png>\n";
	g_autoptr(GPtrArray) refs = scan("post.html", text, sizeof text - 1);
	g_autofree char *actual = format_refs(refs);

	g_assert_cmpstr(actual, ==, "4:25 html b.png\n6:14 html c.png\n");
}

/* ---- the kramdown dialect ---- */

typedef struct {
	const char *input;      /* the post */
	const char *commonmark; /* its .refs lines as CommonMark */
	const char *kramdown;   /* and as kramdown */
} DialectCase;

/* Where the two renderers differ (kramdown-html.md has more). */
static void
test_kramdown(void)
{
	static const DialectCase dialect_cases[] = {
		/* a span-level tag opens a paragraph: the image shows */
		{"<img src=\"a.png\">\n![x](b.png)\n", "1:11 html a.png\n",
		 "1:11 html a.png\n2:6 markdown b.png\n"},
		{"x\n<em>y</em>\n![x](b.png)\n", "3:6 markdown b.png\n",
		 "3:6 markdown b.png\n"},
		/* a block element runs to its end tag, not a blank line */
		{"<div>\n\n![x](a.png)\n\n</div>\n![x](b.png)\n",
		 "3:6 markdown a.png\n", "6:6 markdown b.png\n"},
		{"<section><section>\n</section>\n\n![x](a.png)\n</section>\n",
		 "4:6 markdown a.png\n", ""},
		{"<hr>\n\n![x](a.png)\n", "3:6 markdown a.png\n",
		 "3:6 markdown a.png\n"},
		/* a void element's block is its tag alone */
		{"<hr class=\"x\"\n id=\"y\">\n![x](a.png)\n", "",
		 "3:6 markdown a.png\n"},
		/* a start tag kramdown cannot parse is text */
		{"<div class=my-class>\n![x](a.png)\n</div>\n", "",
		 "2:6 markdown a.png\n"},
		/* kramdown writes a destination's backslashes as they are */
		{"![a](x\\_y.png)\n", "1:6 markdown x_y.png\n",
		 "1:6 markdown x\\\\_y.png\n"},
		/* kramdown's destination runs to the balancing ')', spaces
		 * and line ends included; a title starts at a blank and a
		 * quote */
		{"![a](my photo.png) ![b](x\ny.png \"t\") ![c](<d e.png>)\n",
		 "2:18 markdown d e.png\n",
		 "1:6 markdown my photo.png\n1:25 markdown x\\ny.png\n"
		 "2:18 markdown d e.png\n"},
		{"![a](f(1).png) ![b](<g)h\n", "1:6 markdown f(1).png\n",
		 "1:6 markdown f(1).png\n1:21 markdown <g\n"},
		/* kramdown's quote content starts after `> `: a tab there
		 * indents it by 4, as code */
		{">\t![x](a.png)\n\n> \t![y](b.png)\n",
		 "1:8 markdown a.png\n3:9 markdown b.png\n", ""},
		/* kramdown's fence needs its closing fence */
		{"```\n![x](a.png)\n", "", "2:6 markdown a.png\n"},
		{"~~~~\n![x](a.png)\n~~~\n\n> ~~~~~\n", "", ""},
		{"````\n![x](a.png)\n```\n![y](b.png)\n", "",
		 "4:6 markdown b.png\n"},
		/* an unquoted value with a '/' or '.' is no tag to kramdown */
		{"x <img src=a.png> <img src=\"b.png\">\n",
		 "1:12 html a.png\n1:29 html b.png\n", "1:29 html b.png\n"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(dialect_cases); i++) {
		const DialectCase *c = &dialect_cases[i];
		gsize n = strlen(c->input);
		g_autoptr(GPtrArray) cm = scan("p.md", c->input, n);
		g_autoptr(GPtrArray) kd =
			scan_in(IMGOPT_SCAN_KRAMDOWN, "p.md", c->input, n);
		g_autofree char *a = format_refs(cm);
		g_autofree char *b = format_refs(kd);

		g_assert_cmpstr(a, ==, c->commonmark);
		g_assert_cmpstr(b, ==, c->kramdown);
	}
	/* an .html page is not converted by kramdown: every tag counts */
	static const char page[] = "<p><img src=a.png></p>\n";
	g_autoptr(GPtrArray) refs =
		scan_in(IMGOPT_SCAN_KRAMDOWN, "p.html", page, sizeof page - 1);
	g_assert_cmpuint(refs->len, ==, 1);
}

/* ---- fixtures ---- */

static void
test_fixture(gconstpointer data)
{
	const char *path = data;
	gsize len = 0;
	g_autofree char *text = tu_read(path, &len);
	g_autofree char *base = g_path_get_basename(path);
	/* kramdown-*.md are read as Jekyll's kramdown reads them */
	g_autoptr(GPtrArray) refs = scan_in(g_str_has_prefix(base, "kramdown-")
						    ? IMGOPT_SCAN_KRAMDOWN
						    : IMGOPT_SCAN_COMMONMARK,
					    path, text, len);
	g_autofree char *actual = format_refs(refs);
	g_autofree char *stem = g_strndup(path, strlen(path) - 3);
	g_autofree char *golden = g_strconcat(stem, ".refs", NULL);

	tu_assert_golden(actual, golden);
}

static void
add_fixture_tests(void)
{
	g_autofree char *dir = tu_fixture("markdown", NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d)) != NULL)
		if (g_str_has_suffix(name, ".md"))
			g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, (GCompareFunc)g_ascii_strcasecmp);
	g_assert_cmpuint(names->len, >, 0);
	for (guint i = 0; i < names->len; i++) {
		const char *n = g_ptr_array_index(names, i);
		g_autofree char *test = g_strdup_printf("/scan/fixture/%s", n);
		/* leaked on purpose: the data lives as long as the test run */
		char *path = g_build_filename(dir, n, NULL);

		g_test_add_data_func(test, path, test_fixture);
	}
}

/* ---- hostile inputs ---- */

static GString *
repeat(const char *unit, gsize times)
{
	GString *s = g_string_sized_new(strlen(unit) * times);

	for (gsize i = 0; i < times; i++)
		g_string_append(s, unit);
	return s;
}

static guint
scan_count(const GString *s)
{
	g_autoptr(GPtrArray) refs = scan("hostile.md", s->str, s->len);

	return refs->len;
}

static void
test_hostile_repeats(void)
{
	static const struct {
		const char *unit; /* repeated ... */
		gsize times;      /* ... this many times */
		guint n_refs;     /* references expected */
	} units[] = {
		{"[", 100000, 0},
		{"![", 100000, 0},
		{"![a](b.png)", 100000, 100000},
		{"> ", 100000, 0},
		{"- ", 100000, 0},
		{"`", 100000, 0},
		{"` ``", 50000, 0},
		{"<?", 100000, 0},
		{"<!--", 100000, 0},
		{"<a b='", 100000, 0},
		{"](", 100000, 0},
		{"[](", 100000, 0},
		{"![](a{{", 100000, 0},
		{"{% asset_img ", 50000, 0},
		{"![a](b\n", 50000, 0},
		{"*", 100000, 0},
		{"\\", 100000, 0},
		{"&#", 100000, 0},
	};

	for (guint i = 0; i < G_N_ELEMENTS(units); i++) {
		g_autoptr(GString) s = repeat(units[i].unit, units[i].times);

		g_test_message("unit '%s' x %zu", units[i].unit,
			       (size_t)units[i].times);
		g_assert_cmpuint(scan_count(s), ==, units[i].n_refs);
	}
}

/* kramdown's destinations run over spaces and lines: unclosed ones must
 * not rescan the rest of the paragraph. */
static void
test_hostile_kramdown(void)
{
	static const char *const units[] = {"![a](<",    "[a](",
					    "![a](x \"", "<div>\n",
					    "<p a=\"\n", "~~~~\n![x](a.png)\n"};

	for (guint i = 0; i < G_N_ELEMENTS(units); i++) {
		g_autoptr(GString) s = repeat(units[i], 200000);
		g_autoptr(GPtrArray) refs =
			scan_in(IMGOPT_SCAN_KRAMDOWN, "h.md", s->str, s->len);

		/* the last: every other image is inside a fence */
		g_assert_cmpuint(refs->len, ==, i == 5 ? 100000 : 0);
	}
}

static void
test_hostile_deep_nesting(void)
{
	g_autoptr(GString) quotes = repeat(">", 50000);
	g_autoptr(GString) items = repeat("- ", 50000);

	g_string_append(quotes, " ![a](a.png)\n");
	g_string_append(quotes, quotes->str);
	g_assert_cmpuint(scan_count(quotes), ==, 2);
	/* blank lines inside 50000 open list items: each one must not walk
	 * every item */
	g_string_append(items, "x\n");
	for (int i = 0; i < 50000; i++)
		g_string_append(items, "\n");
	g_string_append(items, "![a](a.png)\n");
	g_assert_cmpuint(scan_count(items), ==, 1);
}

/* Openers that many closers each reach back over: a link deactivating
 * every '[' below it, or every level of nested images decoding its alt
 * text, would cost the square of the length. */
static void
test_hostile_nested_closers(void)
{
	g_autoptr(GString) links = repeat("[", 100000);
	g_autoptr(GString) refs = repeat("![", 50000);
	g_autoptr(GString) alts = repeat("![a", 50000);

	for (int i = 0; i < 100000; i++)
		g_string_append(links, "[a](b)");
	g_assert_cmpuint(scan_count(links), ==, 0);
	g_string_prepend(refs, "[a]: b.png\n\n");
	for (int i = 0; i < 50000; i++) {
		g_string_append(refs, "][a]");
		g_string_append(alts, "](b.png)");
	}
	g_assert_cmpuint(scan_count(refs), ==, 1);
	g_autoptr(GPtrArray) nested = scan("alts.md", alts->str, alts->len);
	g_assert_cmpuint(nested->len, ==, 1);
	g_assert_cmpuint(strlen(only_ref(nested, 0)->alt), ==,
			 alts->len - strlen("![](b.png)"));
}

static void
test_hostile_long_line(void)
{
	g_autoptr(GString) s = g_string_sized_new(10 * 1024 * 1024 + 64);

	g_string_append(s, "![a](");
	while (s->len < 10 * 1024 * 1024)
		g_string_append(s, "abcdefgh");
	g_string_append(s, ".png) ![b](b.png)\n");
	g_assert_cmpuint(scan_count(s), ==, 2);
}

static void
test_hostile_bytes(void)
{
	static const char nul[] = "![a](a\0b.png) ![c](c.png)\0\n";
	static const char bad_utf8[] =
		"![\xff\xfe](\xc3\x41.png) ![\xe2\x82](x.png)\n"
		"[\xff]: y.png\n";
	g_autoptr(GPtrArray) a = scan("nul.md", nul, sizeof nul - 1);
	g_autoptr(GPtrArray) b = scan("bad.md", bad_utf8, sizeof bad_utf8 - 1);

	g_assert_cmpuint(a->len, ==, 1);
	g_assert_cmpstr(only_ref(a, 0)->url, ==, "c.png");
	g_assert_cmpuint(b->len, ==, 2);
	g_assert_cmpstr(only_ref(b, 0)->raw, ==, "\xc3\x41.png");
	g_autoptr(GPtrArray) empty = scan("empty.md", "", 0);
	g_assert_cmpuint(empty->len, ==, 0);
	g_autoptr(GPtrArray) null = imgopt_scan_text("x.md", NULL, 0, NULL);
	g_assert_nonnull(null);
	g_assert_cmpuint(null->len, ==, 0);
}

static void
test_hostile_unclosed(void)
{
	g_autoptr(GString) s = g_string_new("---\nimage: x.png\n");

	for (int i = 0; i < 20000; i++)
		g_string_append(s, "```\n![a](a.png)\n");
	g_assert_cmpuint(scan_count(s), ==, 10000);
	g_string_assign(s, "- ```\n  ![a](a.png)\n\n![b](b.png)\n");
	g_assert_cmpuint(scan_count(s), ==, 1);
}

/* Hexo's asset_link links the file itself (the full-size original), not
 * an image shown: found, pinned; the other tags are rewritable. */
static void
test_hexo_link_pinned(void)
{
	const char *text = "{% asset_link a.jpg %} {% asset_img b.jpg %}\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) refs =
		imgopt_scan_text("p.md", text, strlen(text), &error);

	g_assert_no_error(error);
	g_assert_cmpuint(refs->len, ==, 2);
	const ImgoptRef *link = g_ptr_array_index(refs, 0);
	const ImgoptRef *img = g_ptr_array_index(refs, 1);
	g_assert_cmpstr(link->url, ==, "a.jpg");
	g_assert_cmpint(link->role, ==, IMGOPT_REF_ROLE_PINNED);
	g_assert_cmpstr(img->url, ==, "b.jpg");
	g_assert_cmpint(img->role, ==, IMGOPT_REF_ROLE_REWRITABLE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *path =
			g_strdup_printf("/scan/%s", cases[i].name);
		g_test_add_data_func(path, &cases[i], test_case);
	}
	g_test_add_func("/scan/fields", test_fields);
	g_test_add_func("/scan/construct/markdown", test_construct_markdown);
	g_test_add_func("/scan/construct/tag", test_construct_tag);
	g_test_add_func("/scan/html-post", test_html_post);
	g_test_add_func("/scan/hexo-link-pinned", test_hexo_link_pinned);
	g_test_add_func("/scan/kramdown", test_kramdown);
	add_fixture_tests();
	g_test_add_func("/scan/hostile/repeats", test_hostile_repeats);
	g_test_add_func("/scan/hostile/deep-nesting",
			test_hostile_deep_nesting);
	g_test_add_func("/scan/hostile/nested-closers",
			test_hostile_nested_closers);
	g_test_add_func("/scan/hostile/long-line", test_hostile_long_line);
	g_test_add_func("/scan/hostile/kramdown", test_hostile_kramdown);
	g_test_add_func("/scan/hostile/bytes", test_hostile_bytes);
	g_test_add_func("/scan/hostile/unclosed", test_hostile_unclosed);
	return g_test_run();
}
