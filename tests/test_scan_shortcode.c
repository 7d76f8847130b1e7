/*
 * test_scan_shortcode.c: Hugo's forms in a page (issue 17): shortcodes
 * wherever Hugo expands them, TOML front matter, and the front matter
 * lists and maps Hugo themes use (images, cover.image) in YAML.
 */
#include <string.h>

#include "imgopt/imgopt.h"
#include "testutil.h"

/* "line:column kind url [key]" per reference, in order. */
static char *
scan_hugo(const char *text, bool is_hugo)
{
	const ImgoptScanOptions opts = {IMGOPT_SCAN_COMMONMARK, is_hugo};
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) refs = imgopt_scan_text_full(
		"content/posts/a/index.md", text, strlen(text), &opts, &error);
	GString *out = g_string_new(NULL);

	g_assert_no_error(error);
	for (guint i = 0; i < refs->len; i++) {
		const ImgoptRef *r = g_ptr_array_index(refs, i);

		/* the span is exactly the value: a rewrite replaces it */
		g_assert_cmpmem(text + r->offset, r->length, r->raw,
				strlen(r->raw));
		g_string_append_printf(out, "%zu:%zu %s %s", (size_t)r->line,
				       (size_t)r->column,
				       imgopt_ref_kind_name(r->kind), r->url);
		if (r->key != NULL)
			g_string_append_printf(out, " %s", r->key);
		g_string_append_c(out, '\n');
	}
	return g_string_free(out, FALSE);
}

static void
assert_scan(const char *text, const char *want)
{
	g_autofree char *got = scan_hugo(text, true);

	g_assert_cmpstr(got, ==, want);
}

/* figure's src, any shortcode's src= and image=, an image shortcode's
 * first positional parameter; every quoting; in code too; not in the
 * comment form, not what names no image. */
static void
test_shortcodes(void)
{
	assert_scan(
		"Text ![a](a.jpg) {{< figure src=\"diagram.png\" "
		"caption=\"c\" >}}\n"
		"{{% img \"pos.jpg\" \"x.jpg\" %}} {{< figure src=/bare.jpg "
		">}} "
		"{{< x image=`raw.png` >}}\n"
		"{{</* figure src=\"no.jpg\" */>}} `{{< figure "
		"src=\"code.jpg\" >}}`\n"
		"{{< video src=\"v.mp4\" >}} {{< figure src=\"e\\\"q.jpg\" "
		"/>}}\n\n"
		"```\n{{< figure\n  src=\"fenced.jpg\"\n  alt=\"x\" >}}\n```\n"
		"{{< /figure >}} {{< figure src=\"open.jpg\"\n",
		"1:11 markdown a.jpg\n"
		"1:34 shortcode diagram.png\n"
		"2:10 shortcode pos.jpg\n"
		"2:46 shortcode /bare.jpg\n"
		"2:73 shortcode raw.png\n"
		"3:50 shortcode code.jpg\n"
		"4:43 shortcode e\"q.jpg\n"
		"8:8 shortcode fenced.jpg\n");
}

/* Without Hugo the same text has no shortcode. */
static void
test_not_hugo(void)
{
	g_autofree char *got =
		scan_hugo("{{< figure src=\"a.png\" >}}\n\n+++\n", false);

	g_assert_cmpstr(got, ==, "");
}

/* TOML front matter between `+++` lines, keyed by dotted path; the
 * body starts after it. */
static void
test_toml_front_matter(void)
{
	assert_scan("+++\ntitle = \"x.jpg is not\"\n"
		    "images = [\"img/card.jpg\",\n  'b.png']\n"
		    "featured_image = \"f.webp\" # a comment.png\n"
		    "[cover]\nimage = \"img/cover.jpg\"\n+++\n"
		    "![a](a.jpg)\n",
		    "3:12 front-matter img/card.jpg images\n"
		    "4:4 front-matter b.png images\n"
		    "5:19 front-matter f.webp featured_image\n"
		    "7:10 front-matter img/cover.jpg cover.image\n"
		    "9:6 markdown a.jpg\n");
	/* unterminated: no front matter */
	assert_scan("+++\nimage = \"a.png\"\n", "");
}

/* YAML: `images` as a flow or a block list, `cover` as a map. */
static void
test_yaml_front_matter(void)
{
	assert_scan("---\nimages: [a.jpg, \"b c.png\"]\ncover:\n"
		    "  image: img/cover.jpg\n  alt: x.png\n"
		    "featured_image: f.jpg\n---\nbody\n",
		    "2:10 front-matter a.jpg images\n"
		    "2:18 front-matter b c.png images\n"
		    "4:10 front-matter img/cover.jpg cover.image\n"
		    "6:17 front-matter f.jpg featured_image\n");
	assert_scan("---\nimages:\n- one.jpg\n  - two.jpg\ntitle: t.jpg\n"
		    "cover: {image: c.jpg}\n---\n",
		    "3:3 front-matter one.jpg images\n"
		    "4:5 front-matter two.jpg images\n"
		    "6:16 front-matter c.jpg cover.image\n");
}

/* Many unclosed openers and quotes stay fast. */
static void
test_hostile(void)
{
	GString *text = g_string_new(NULL);

	for (int i = 0; i < 20000; i++)
		g_string_append(text, "{{< figure src=\"a.jpg {{% x ");
	gint64 t0 = g_get_monotonic_time();
	g_autofree char *got = scan_hugo(text->str, true);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 5 * G_USEC_PER_SEC);
	g_string_free(text, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/scan-shortcode/shortcodes", test_shortcodes);
	g_test_add_func("/scan-shortcode/not-hugo", test_not_hugo);
	g_test_add_func("/scan-shortcode/toml-front-matter",
			test_toml_front_matter);
	g_test_add_func("/scan-shortcode/yaml-front-matter",
			test_yaml_front_matter);
	g_test_add_func("/scan-shortcode/hostile", test_hostile);
	return g_test_run();
}
