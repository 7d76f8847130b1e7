/*
 * test_scan_site.c: the scanners of the site's other files (stylesheets,
 * data and config, scripts and JSON) and the roles of every referrer
 * kind.  Table cases give one file and the expected `line:col kind role
 * url [key]` lines; every case also checks that each span is exact: the
 * spans replaced by markers are found again at their new places, and
 * replacing the markers back gives the file byte for byte.  Then the
 * whole Hux Blog (hux-full): the theme's images are found and resolved.
 */
#include <string.h>

#include "imgopt/imgopt.h"
#include "testutil.h"

typedef struct {
	ImgoptReferrerKind kind;
	const char *path;
	const char *text;
	const char *expected; /* one line per reference */
} Case;

static const Case cases[] = {
	/* ---- stylesheets ---- */
	{IMGOPT_REFERRER_STYLESHEET, "css/a.css",
	 "a{background:url(img/a.png)}\n"
	 "b{background:URL( \"b.jpg\" ) no-repeat}\n"
	 "c{background-image:url('c d.gif')}\n",
	 "1:18 css rewritable img/a.png\n"
	 "2:20 css rewritable b.jpg\n"
	 "3:25 css rewritable c d.gif\n"},
	{IMGOPT_REFERRER_STYLESHEET, "css/a.css",
	 "/* url(no.png) */ x{content:\"url(no2.png)\"}\n"
	 "y{background:myurl(no3.png)} z{src:url(f.woff)}\n"
	 "w{background:url(data:image/png;base64,AAAA)}\n"
	 "v{background:url(unclosed.png}\n",
	 ""},
	{IMGOPT_REFERRER_STYLESHEET, "css/e.css",
	 "a{background:url(a\\(1\\).png)}\nb{background:url(e\\2e png)}\n"
	 "c{background:url(x.svg#frag) , url(\"q.webp?v=2\")}\n",
	 "1:18 css rewritable a(1).png\n"
	 "2:18 css rewritable e.png\n"
	 "3:18 css rewritable x.svg#frag\n"
	 "3:37 css rewritable q.webp?v=2\n"},
	{IMGOPT_REFERRER_STYLESHEET, "_sass/s.scss",
	 "// url(no.png)\n"
	 ".a { background: url(#{$base}/p.png); }\n"
	 ".b { background: url('//cdn.example.com/r.png'); }\n",
	 "2:22 css pinned #{$base}/p.png\n"
	 "3:23 css rewritable //cdn.example.com/r.png\n"},
	{IMGOPT_REFERRER_STYLESHEET, "less/l.less",
	 "@x: url(\"@{root}/l.png\"); /* url(n.png) */ .y{b:url(m.jpeg)}\r\n",
	 "1:10 css pinned @{root}/l.png\n"
	 "1:53 css rewritable m.jpeg\n"},
	/* ---- YAML config and data ---- */
	{IMGOPT_REFERRER_CONFIG, "_config.yml",
	 "title: Hux Blog\n"
	 "header-img: img/home-bg.jpg\n"
	 "# header-img: img/old.jpg\n"
	 "sidebar-avatar: https://github.com/Huxpro.png # absolute\n"
	 "author:\n"
	 "  name: me # not.png\n"
	 "  avatar: \"img/me.png\" # comment\n"
	 "friends: [{title: a, img: 'f1.png'}, f2.png]\n",
	 "2:13 data rewritable img/home-bg.jpg header-img\n"
	 "4:17 data rewritable https://github.com/Huxpro.png sidebar-avatar\n"
	 "7:12 data rewritable img/me.png author.avatar\n"
	 "8:28 data rewritable f1.png friends\n"
	 "8:38 data rewritable f2.png friends\n"},
	{IMGOPT_REFERRER_DATA, "_data/gallery.yml",
	 "---\n"
	 "gallery:\n"
	 "- src: a.jpg\n"
	 "  caption: |\n"
	 "    see b.png\n"
	 "- 'it''s.png'\n"
	 "- &x !!str c.GIF\n"
	 "images: [\n"
	 "  one.png,\n"
	 "  \"two.png\" ]\n"
	 "a.png: key, not a value\n"
	 "deep:\n"
	 "  deeper:\n"
	 "    - {path: d/e.webp}\r\n",
	 "3:8 data rewritable a.jpg gallery.src\n"
	 "6:4 data rewritable it's.png gallery\n"
	 "7:12 data rewritable c.GIF gallery\n"
	 "9:3 data rewritable one.png images\n"
	 "10:4 data rewritable two.png images\n"
	 "14:14 data rewritable d/e.webp deep.deeper\n"},
	/* ---- JSON, CSV, TOML ---- */
	{IMGOPT_REFERRER_DATA, "_data/d.json",
	 "{\"logo\": \"img/logo.png\", \"x.png\": 1,\n"
	 " \"list\": [\"a\\/b.png\", \"text\"]}\n",
	 "1:11 data rewritable img/logo.png logo\n"
	 "2:12 data rewritable a/b.png list\n"},
	{IMGOPT_REFERRER_JSON, "pwa/manifest.json",
	 "{\"icons\": [{\"src\": \"icons/128.png\", \"sizes\": \"128x128\"}]}",
	 "1:21 string pinned icons/128.png src\n"},
	{IMGOPT_REFERRER_DATA, "_data/people.csv",
	 "name,photo\nann, img/ann.jpg \n\"bob\",\"img/b\"\"ob.png\"\n",
	 "2:6 data rewritable img/ann.jpg photo\n"
	 "3:8 data rewritable img/b\"ob.png photo\n"},
	{IMGOPT_REFERRER_CONFIG, "hugo.toml",
	 "[params]\nlogo = \"img/logo.png\" # \"no.png\"\nicon = 'i.ico'\n",
	 "2:9 data rewritable img/logo.png\n"
	 "3:9 data rewritable i.ico\n"},
	/* ---- scripts ---- */
	{IMGOPT_REFERRER_SCRIPT, "sw.js",
	 "const a = ['./img/a.png', \"b.jpg\", `c.gif`, `${x}.png`];\n"
	 "// 'no.png'\n"
	 "/* \"no2.png\" */ var r = /'x.png/; var s = 'd\\'s.svg';\n"
	 "if (n.endsWith('.png') || n == \"*.jpg\") {}\n"
	 "var t = n / 2 + 'e.png';\n",
	 "1:13 string pinned ./img/a.png\n"
	 "1:28 string pinned b.jpg\n"
	 "1:37 string pinned c.gif\n"
	 "3:44 string pinned d's.svg\n"
	 "5:18 string pinned e.png\n"},
	/* ---- pages, layouts, includes: Liquid computes some paths ---- */
	{IMGOPT_REFERRER_LAYOUT, "_layouts/default.html",
	 "<img src=\"/img/icon_wechat.png\">\n"
	 "<img src=\"{{ site.baseurl }}/img/a.png\">\n"
	 "<img src=\"{{ page.header-img }}\">\n"
	 "<img src=\"{{ site.baseurl }}/{{ include.img }}\">\n",
	 "1:11 html rewritable /img/icon_wechat.png\n"
	 "2:11 html rewritable {{ site.baseurl }}/img/a.png\n"
	 "3:11 html pinned {{ page.header-img }}\n"
	 "4:11 html pinned {{ site.baseurl }}/{{ include.img }}\n"},
	{IMGOPT_REFERRER_PAGE, "about.html",
	 "---\nheader-img: \"img/bg-me-2022.jpg\"\n---\n<p>hi</p>\n",
	 "2:14 front-matter rewritable img/bg-me-2022.jpg\n"},
};

static GPtrArray *
scan(const Case *c, const char *text, gsize len)
{
	g_autoptr(GError) error = NULL;
	GPtrArray *refs =
		imgopt_scan_referrer(c->kind, NULL, c->path, text, len, &error);

	g_assert_no_error(error);
	g_assert_nonnull(refs);
	return refs;
}

static char *
describe(const GPtrArray *refs)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < refs->len; i++) {
		const ImgoptRef *r = g_ptr_array_index(refs, i);

		g_string_append_printf(out, "%zu:%zu %s %s %s", r->line,
				       r->column, imgopt_ref_kind_name(r->kind),
				       imgopt_ref_role_name(r->role), r->url);
		if (r->key != NULL && r->kind != IMGOPT_REF_FRONT_MATTER)
			g_string_append_printf(out, " %s", r->key);
		g_string_append_c(out, '\n');
	}
	return g_string_free(out, FALSE);
}

/* Replaces every span by a marker (from the last, so offsets hold). */
static char *
mark(const char *text, const GPtrArray *refs)
{
	GString *out = g_string_new(text);

	for (guint i = refs->len; i-- > 0;) {
		const ImgoptRef *r = g_ptr_array_index(refs, i);
		g_autofree char *marker = g_strdup_printf("MARK%u.png", i);

		if (i + 1 < refs->len) {
			const ImgoptRef *next = g_ptr_array_index(refs, i + 1);
			g_assert_cmpuint(r->offset + r->length, <=,
					 next->offset);
		}
		g_string_erase(out, (gssize)r->offset, (gssize)r->length);
		g_string_insert(out, (gssize)r->offset, marker);
	}
	return g_string_free(out, FALSE);
}

/* The markers found again, put back: the original bytes. */
static void
check_spans(const Case *c, const GPtrArray *refs)
{
	g_autofree char *marked = mark(c->text, refs);
	g_autoptr(GPtrArray) again = scan(c, marked, strlen(marked));
	GString *back = g_string_new(marked);

	g_assert_cmpuint(again->len, ==, refs->len);
	for (guint i = again->len; i-- > 0;) {
		const ImgoptRef *r = g_ptr_array_index(again, i);
		const ImgoptRef *orig = g_ptr_array_index(refs, i);
		g_autofree char *marker = g_strdup_printf("MARK%u.png", i);

		g_assert_cmpstr(r->raw, ==, marker);
		g_assert_cmpint(r->role, ==, orig->role);
		g_string_erase(back, (gssize)r->offset, (gssize)r->length);
		g_string_insert(back, (gssize)r->offset, orig->raw);
	}
	g_assert_cmpstr(back->str, ==, c->text);
	g_string_free(back, TRUE);
}

static void
test_case(gconstpointer data)
{
	const Case *c = data;
	g_autoptr(GPtrArray) refs = scan(c, c->text, strlen(c->text));
	g_autofree char *got = describe(refs);

	g_assert_cmpstr(got, ==, c->expected);
	for (guint i = 0; i < refs->len; i++) {
		const ImgoptRef *r = g_ptr_array_index(refs, i);

		g_assert_cmpint(r->referrer, ==, c->kind);
		g_assert_cmpstr(r->post, ==, c->path);
		g_assert_true(memcmp(r->raw, c->text + r->offset, r->length) ==
			      0);
	}
	/* a template's path cannot be marked: it is not a written name */
	bool is_markable = true;
	for (guint i = 0; i < refs->len; i++)
		is_markable = is_markable &&
			      ((ImgoptRef *)g_ptr_array_index(refs, i))->role ==
				      IMGOPT_REF_ROLE_REWRITABLE;
	if (is_markable || c->kind == IMGOPT_REFERRER_SCRIPT ||
	    c->kind == IMGOPT_REFERRER_JSON)
		check_spans(c, refs);
}

/* Truncated inputs and hostile bytes end, and keep spans in the file. */
static void
test_truncated(void)
{
	for (gsize k = 0; k < G_N_ELEMENTS(cases); k++) {
		const Case *c = &cases[k];
		gsize len = strlen(c->text);

		for (gsize n = 0; n <= len; n++) {
			g_autoptr(GPtrArray) refs = scan(c, c->text, n);

			for (guint i = 0; i < refs->len; i++) {
				const ImgoptRef *r = g_ptr_array_index(refs, i);

				g_assert_cmpuint(r->offset + r->length, <=, n);
			}
		}
	}
}

/* The new kinds have their `scan --json` names. */
static void
test_names(void)
{
	g_assert_cmpstr(imgopt_ref_kind_name(IMGOPT_REF_CSS), ==, "css");
	g_assert_cmpstr(imgopt_ref_kind_name(IMGOPT_REF_DATA), ==, "data");
	g_assert_cmpstr(imgopt_ref_kind_name(IMGOPT_REF_STRING), ==, "string");
	g_assert_true(imgopt_site_is_computed_url("{{ page.header-img }}"));
	g_assert_true(
		imgopt_site_is_computed_url("{{ site.baseurl }}/{{ x }}"));
	g_assert_true(imgopt_site_is_computed_url("#{$a}/b.png"));
	g_assert_false(imgopt_site_is_computed_url("{{ site.baseurl }}/a.png"));
	g_assert_false(
		imgopt_site_is_computed_url("{{ '/a.png' | relative_url }}"));
	g_assert_false(imgopt_site_is_computed_url("img/a.png"));
}

/* ---- hux-full ---- */

static const ImgoptRef *
find(const GPtrArray *refs, const char *post, const char *resolved)
{
	for (guint i = 0; i < refs->len; i++) {
		const ImgoptRef *r = g_ptr_array_index(refs, i);

		if (g_str_has_prefix(r->post, post) &&
		    g_strcmp0(r->resolved, resolved) == 0)
			return r;
	}
	g_test_message("no reference in %s to %s", post, resolved);
	g_assert_not_reached();
}

static GPtrArray *
scan_site(const char *root)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *p = g_build_filename(root, "_posts", NULL);
	g_autofree char *i = g_build_filename(root, "img", NULL);
	g_autoptr(ImgoptSite) site = imgopt_site_open(p, i, root, &error);
	g_assert_no_error(error);
	g_autoptr(GPtrArray) files = imgopt_referrers_list(site, &error);
	g_assert_no_error(error);
	GPtrArray *refs =
		g_ptr_array_new_with_free_func((GDestroyNotify)imgopt_ref_free);

	for (guint k = 0; k < files->len; k++) {
		g_autoptr(GPtrArray) some = imgopt_referrers_scan(
			site, g_ptr_array_index(files, k), &error);
		g_assert_no_error(error);
		g_ptr_array_extend_and_steal(refs, g_steal_pointer(&some));
	}
	return refs;
}

/* What the Hux Blog's theme names, where: the file (or its folder), the
 * file it resolves to, and how it is named. */
typedef struct {
	const char *post;
	const char *resolved;
	ImgoptRefKind kind;
	ImgoptRefRole role;
} HuxRef;

#define RW IMGOPT_REF_ROLE_REWRITABLE
#define PIN IMGOPT_REF_ROLE_PINNED

static const HuxRef hux_refs[] = {
	{"_config.yml", "img/home-bg.jpg", IMGOPT_REF_DATA, RW},
	{"about.html", "img/bg-me-2022.jpg", IMGOPT_REF_FRONT_MATTER, RW},
	{"_layouts/default.html", "img/icon_wechat.png", IMGOPT_REF_HTML, RW},
	{"css/bootstrap.css", "fonts/glyphicons-halflings-regular.svg",
	 IMGOPT_REF_CSS, RW},
	{"sw.js", "img/icon_wechat.png", IMGOPT_REF_STRING, PIN},
	{"sw.js", "img/home-bg.jpg", IMGOPT_REF_STRING, PIN},
	{"pwa/manifest.json", "pwa/icons/128.png", IMGOPT_REF_STRING, PIN},
	{"pwa/manifest.json", "pwa/icons/512.png", IMGOPT_REF_STRING, PIN},
	{"_includes/posts/", "img/in-post/post-eleme-pwa/Architecture.png",
	 IMGOPT_REF_MARKDOWN, RW},
};

static void
assert_ref(const GPtrArray *refs, const HuxRef *want)
{
	const ImgoptRef *r = find(refs, want->post, want->resolved);

	g_assert_cmpint(r->kind, ==, want->kind);
	g_assert_cmpint(r->role, ==, want->role);
	g_assert_cmpint(r->status, ==, IMGOPT_REF_STATUS_OK);
}

static void
test_hux_full(void)
{
	g_autofree char *root = tu_shared("sites", "hux-full", NULL);
	guint n_included = 0;

	if (root == NULL) {
		g_test_skip("no ../shared/sites/hux-full");
		return;
	}
	g_autoptr(GPtrArray) refs = scan_site(root);
	for (gsize k = 0; k < G_N_ELEMENTS(hux_refs); k++)
		assert_ref(refs, &hux_refs[k]);
	for (guint i = 0; i < refs->len; i++) {
		const ImgoptRef *r = g_ptr_array_index(refs, i);

		n_included += g_str_has_prefix(r->post, "_includes/posts/") &&
			      r->status == IMGOPT_REF_STATUS_OK;
		/* a computed path is pinned, never broken */
		if (r->role == PIN)
			g_assert_cmpint(r->status, !=,
					IMGOPT_REF_STATUS_BROKEN);
		if (strcmp(r->post, "_includes/intro-header.html") == 0)
			g_assert_cmpint(r->role, ==, PIN);
	}
	g_assert_cmpuint(n_included, >=, 11);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (gsize k = 0; k < G_N_ELEMENTS(cases); k++) {
		g_autofree char *name = g_strdup_printf(
			"/scan-site/case/%zu-%s", k, cases[k].path);
		g_test_add_data_func(name, &cases[k], test_case);
	}
	g_test_add_func("/scan-site/truncated", test_truncated);
	g_test_add_func("/scan-site/names", test_names);
	g_test_add_func("/scan-site/hux-full", test_hux_full);
	return g_test_run();
}
