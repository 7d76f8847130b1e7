/*
 * test_rewrite.c: the rewrite stage: byte-exact span replacement,
 * destination styles, --srcset markup, planning a post's edits from
 * explicit inputs, and the --dry-run diff (compared with GNU diff's on the
 * same files).
 */
#include <string.h>

#include "imgopt/diff.h"
#include "imgopt/error.h"
#include "imgopt/rewrite.h"
#include "imgopt/scan.h"
#include "testutil.h"

static GPtrArray *
new_edits(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)imgopt_edit_free);
}

static void
add_edit(GPtrArray *edits, const char *text, const char *find,
	 const char *replace)
{
	const char *at = strstr(text, find);

	g_assert_nonnull(at);
	g_ptr_array_add(edits,
			imgopt_edit_new((gsize)(at - text), find, strlen(find),
					replace, strlen(replace)));
}

static char *
apply(const char *text, const GPtrArray *edits, GError **error)
{
	g_autoptr(GBytes) out =
		imgopt_rewrite_text(text, strlen(text), edits, error);
	gsize n = 0;

	if (out == NULL)
		return NULL;
	const char *data = g_bytes_get_data(out, &n);
	return g_strndup(data, n);
}

static void
test_apply_basic(void)
{
	const char *text = "a ![](x.jpg) b ![](y.jpg)\r\n";
	g_autoptr(GPtrArray) edits = new_edits();
	g_autoptr(GError) error = NULL;

	/* Given in reverse order: the stage sorts them. */
	add_edit(edits, text, "y.jpg", "/o/2-960.jpg");
	add_edit(edits, text, "x.jpg", "/o/1-960.jpg");
	g_autofree char *out = apply(text, edits, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(out, ==, "a ![](/o/1-960.jpg) b ![](/o/2-960.jpg)\r\n");
}

static void
test_apply_conflict(void)
{
	const char *text = "![](x.jpg)\n";
	g_autoptr(GPtrArray) edits = new_edits();
	g_autoptr(GError) error = NULL;

	/* The post now says x.jpg where the scan saw z.jpg. */
	g_ptr_array_add(edits, imgopt_edit_new(4, "z.jpg", 5, "n.jpg", 5));
	g_autofree char *out = apply(text, edits, &error);
	g_assert_null(out);
	g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT);
}

static void
test_apply_overlap_and_range(void)
{
	const char *text = "![](x.jpg)\n";
	g_autoptr(GPtrArray) overlap = new_edits();
	g_autoptr(GPtrArray) past = new_edits();
	g_autoptr(GPtrArray) inserts = new_edits();
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autoptr(GError) e3 = NULL;

	g_ptr_array_add(overlap, imgopt_edit_new(4, "x.jpg", 5, "a", 1));
	g_ptr_array_add(overlap, imgopt_edit_new(6, "jpg", 3, "b", 1));
	g_assert_null(imgopt_rewrite_text(text, strlen(text), overlap, &e1));
	g_assert_error(e1, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT);
	g_ptr_array_add(past, imgopt_edit_new(9, "g)\n?", 4, "", 0));
	g_assert_null(imgopt_rewrite_text(text, strlen(text), past, &e2));
	g_assert_error(e2, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT);
	g_ptr_array_add(inserts, imgopt_edit_new(3, "", 0, "a", 1));
	g_ptr_array_add(inserts, imgopt_edit_new(3, "", 0, "b", 1));
	g_assert_null(imgopt_rewrite_text(text, strlen(text), inserts, &e3));
	g_assert_error(e3, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT);
}

/* Decodes the \n \r \t \\ escapes of a .edits fixture field. */
static char *
unescape(const char *s)
{
	GString *out = g_string_new(NULL);

	for (; *s != '\0'; s++) {
		if (*s != '\\' || s[1] == '\0') {
			g_string_append_c(out, *s);
			continue;
		}
		s++;
		g_string_append_c(out, *s == 'n'   ? '\n'
				       : *s == 'r' ? '\r'
				       : *s == 't' ? '\t'
						   : *s);
	}
	return g_string_free(out, false);
}

/* fixtures/rewrite/<case>.{md,edits,expected,diff}: each edit line is
 * "find<TAB>replace", find occurring once in the input. */
static void
test_golden(gconstpointer data)
{
	const char *name = data;
	g_autofree char *md = g_strconcat(name, ".md", NULL);
	g_autofree char *in_path = tu_fixture("rewrite", md, NULL);
	g_autofree char *ed_name = g_strconcat(name, ".edits", NULL);
	g_autofree char *ed_path = tu_fixture("rewrite", ed_name, NULL);
	g_autofree char *exp_name = g_strconcat(name, ".expected", NULL);
	g_autofree char *exp_path = tu_fixture("rewrite", exp_name, NULL);
	g_autofree char *diff_name = g_strconcat(name, ".diff", NULL);
	g_autofree char *diff_path = tu_fixture("rewrite", diff_name, NULL);
	g_autofree char *text = tu_read(in_path, NULL);
	g_autofree char *spec = tu_read(ed_path, NULL);
	g_auto(GStrv) lines = g_strsplit(spec, "\n", -1);
	g_autoptr(GPtrArray) edits = new_edits();
	g_autoptr(GError) error = NULL;

	for (char **l = lines; *l != NULL && **l != '\0'; l++) {
		g_auto(GStrv) f = g_strsplit(*l, "\t", 2);
		g_autofree char *find = unescape(f[0]);
		g_autofree char *repl = unescape(f[1]);

		add_edit(edits, text, find, repl);
	}
	g_autofree char *out = apply(text, edits, &error);
	g_assert_no_error(error);
	tu_assert_golden(out, exp_path);
	g_autofree char *diff = imgopt_diff_unified(md, text, strlen(text), out,
						    strlen(out), edits);
	tu_assert_golden(diff, diff_path);
}

/* ---- random property test ---- */

/* Random bytes of the kinds posts hold.  Every line end is preceded by a
 * serial number: lines are distinct, so a line diff has one minimal
 * answer and ours must be GNU diff's. */
static char *
random_text(GRand *rng, gsize *len_out)
{
	static const char *pieces[] = {"a",        "b",
				       " ",        "~%d\n",
				       "~%d\r\n",  "\t",
				       "é",        "![](",
				       ")",        "{{site.baseurl}}",
				       "```~%d\n", "\xef\xbb\xbf",
				       "~%d  \n",  "x"};
	GString *s = g_string_new(NULL);
	int n = g_rand_int_range(rng, 0, 120);

	for (int i = 0; i < n; i++) {
		const char *p =
			pieces[g_rand_int_range(rng, 0, G_N_ELEMENTS(pieces))];
		const char *num = strstr(p, "%d");

		if (num == NULL) {
			g_string_append(s, p);
			continue;
		}
		g_string_append_len(s, p, num - p);
		g_string_append_printf(s, "%d", i);
		g_string_append(s, num + 2);
	}
	*len_out = s->len;
	return g_string_free(s, false);
}

/* Random non-overlapping spans over @text, each replaced by a fresh
 * token (so no replacement equals any other line: the diff is unique). */
static GPtrArray *
random_edits(GRand *rng, const char *text, gsize len, int *serial)
{
	GPtrArray *edits = new_edits();
	gsize pos = 0;

	while (pos < len && g_rand_int_range(rng, 0, 4) != 0) {
		gsize off = pos + (gsize)g_rand_int_range(
					  rng, 0, (gint32)(len - pos) + 1);
		gsize n = (gsize)g_rand_int_range(
			rng, 0, (gint32)MIN(len - off, 12) + 1);
		g_autofree char *repl = g_strdup_printf(
			"<%d%s>", (*serial)++,
			g_rand_int_range(rng, 0, 5) == 0 ? "\n" : "");

		if (off >= len && n == 0 && edits->len > 0)
			break;
		g_ptr_array_add(edits, imgopt_edit_new(off, text + off, n, repl,
						       strlen(repl)));
		pos = off + n + 1;
	}
	return edits;
}

/* The output minus the replacements equals the input minus the spans. */
static void
check_outside_bytes(const char *text, gsize len, GBytes *out,
		    const GPtrArray *edits)
{
	g_autoptr(GString) a = g_string_new(NULL);
	g_autoptr(GString) b = g_string_new(NULL);
	gsize n = 0, pos = 0, npos = 0;
	const char *o = g_bytes_get_data(out, &n);

	for (guint i = 0; i < edits->len; i++) {
		const ImgoptEdit *e = g_ptr_array_index(edits, i);
		gsize gap = e->offset - pos;

		g_string_append_len(a, text + pos, (gssize)gap);
		g_string_append_len(b, o + npos, (gssize)gap);
		g_assert_cmpmem(o + npos + gap, e->replacement_len,
				e->replacement, e->replacement_len);
		pos = e->offset + e->length;
		npos += gap + e->replacement_len;
	}
	g_string_append_len(a, text + pos, (gssize)(len - pos));
	g_string_append_len(b, o + npos, (gssize)(n - npos));
	g_assert_cmpmem(a->str, a->len, b->str, b->len);
}

static void
check_invert_and_serialise(const char *text, gsize len, GBytes *out,
			   const GPtrArray *edits)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) inverse = imgopt_rewrite_invert(edits);
	gsize n = 0;
	const char *o = g_bytes_get_data(out, &n);
	g_autoptr(GBytes) back = imgopt_rewrite_text(o, n, inverse, &error);

	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(back, NULL), g_bytes_get_size(back),
			text, len);
	g_autofree char *ser = imgopt_rewrite_format_edits(edits);
	g_autoptr(GPtrArray) parsed = imgopt_rewrite_parse_edits(ser, &error);
	g_assert_no_error(error);
	g_autoptr(GBytes) again =
		imgopt_rewrite_text(text, len, parsed, &error);
	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(again, out));
}

/* Writes both texts and compares our diff with `diff -u`'s. */
static void
check_diff_against_gnu(const char *dir, const char *text, gsize len,
		       GBytes *out, const GPtrArray *edits)
{
	g_autofree char *a = g_build_filename(dir, "a.md", NULL);
	g_autofree char *b = g_build_filename(dir, "b.md", NULL);
	g_autofree char *gnu = NULL;
	gsize n = 0;
	const char *o = g_bytes_get_data(out, &n);

	g_assert_true(g_file_set_contents(a, text, (gssize)len, NULL));
	g_assert_true(g_file_set_contents(b, o, (gssize)n, NULL));
	const char *argv[] = {"diff",   "-u", "--label", "a/p.md", "--label",
			      "b/p.md", a,    b,         NULL};
	tu_run(argv, &gnu, NULL);
	g_autofree char *ours =
		imgopt_diff_unified("p.md", text, len, o, n, edits);
	if (strcmp(ours, gnu) != 0) {
		g_autofree char *ser = imgopt_rewrite_format_edits(edits);
		g_printerr("input:\n%s\nedits:\n%s\n", text, ser);
	}
	g_assert_cmpstr(ours, ==, gnu);
}

static void
test_random_properties(void)
{
	g_autoptr(GRand) rng = g_rand_new_with_seed(20201414);
	g_autofree char *dir = tu_tmpdir();
	int serial = 0;

	for (int round = 0; round < 400; round++) {
		gsize len = 0;
		g_autofree char *text = random_text(rng, &len);
		g_autoptr(GPtrArray) edits =
			random_edits(rng, text, len, &serial);
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) out =
			imgopt_rewrite_text(text, len, edits, &error);

		g_assert_no_error(error);
		check_outside_bytes(text, len, out, edits);
		check_invert_and_serialise(text, len, out, edits);
		if (round % 2 == 0)
			check_diff_against_gnu(dir, text, len, out, edits);
	}
	tu_rmtree(dir);
}

/* ---- destinations ---- */

typedef struct {
	const char *written, *resolved, *post, *baseurl, *fallback;
	ImgoptRefKind kind;
	bool is_angle;
	const char *target, *expected;
} UrlCase;

static const UrlCase url_cases[] = {
	{"{{site.baseurl}}/postimg/abc.jpeg", "postimg/abc.jpeg", "_posts/p.md",
	 NULL, NULL, IMGOPT_REF_MARKDOWN, false,
	 "postimg/optimized/0123-960.jpeg",
	 "{{site.baseurl}}/postimg/optimized/0123-960.jpeg"},
	{"{{ site.url }}{{ site.baseurl }}/img/a.jpg", "img/a.jpg",
	 "_posts/p.md", NULL, NULL, IMGOPT_REF_MARKDOWN, false,
	 "img/optimized/1-960.jpg",
	 "{{ site.url }}{{ site.baseurl }}/img/optimized/1-960.jpg"},
	{"{{ \"/img/a.jpg\" | relative_url }}", "img/a.jpg", "_posts/p.md",
	 NULL, NULL, IMGOPT_REF_HTML, false, "img/optimized/1-960.jpg",
	 "{{ \"/img/optimized/1-960.jpg\" | relative_url }}"},
	{"img/post-bg.jpg", "img/post-bg.jpg", "_posts/p.md", NULL, NULL,
	 IMGOPT_REF_FRONT_MATTER, false, "img/optimized/2-1600.jpg",
	 "img/optimized/2-1600.jpg"},
	{"/img/a.jpg", "img/a.jpg", "_posts/p.md", NULL, NULL,
	 IMGOPT_REF_MARKDOWN, false, "img/optimized/3-960.jpg",
	 "/img/optimized/3-960.jpg"},
	{"/blog/img/a.jpg?v=2#top", "img/a.jpg", "_posts/p.md", "/blog", NULL,
	 IMGOPT_REF_MARKDOWN, false, "img/optimized/3-960.jpg",
	 "/blog/img/optimized/3-960.jpg?v=2#top"},
	{"../img/a%20b.jpg", "img/a b.jpg", "_posts/p.md", NULL, NULL,
	 IMGOPT_REF_MARKDOWN, false, "img/optimized/4-960.jpg",
	 "../img/optimized/4-960.jpg"},
	{"pics/a.jpg", "content/posts/x/pics/a.jpg", "content/posts/x/index.md",
	 NULL, NULL, IMGOPT_REF_MARKDOWN, false,
	 "content/posts/x/pics/optimized/5-480.jpg",
	 "pics/optimized/5-480.jpg"},
	{"2020-07-14\r\nT\\\\m6.jpeg", NULL, "_posts/p.md", NULL,
	 "{{site.baseurl}}/", IMGOPT_REF_MARKDOWN, false,
	 "postimg/optimized/6-960.jpeg",
	 "{{site.baseurl}}/postimg/optimized/6-960.jpeg"},
	{"/my pics/a (1).jpg", "my pics/a (1).jpg", "_posts/p.md", NULL, NULL,
	 IMGOPT_REF_MARKDOWN, false, "my pics/optimized/7-960.jpg",
	 "/my%20pics/optimized/7-960.jpg"},
	{"/my pics/a.jpg", "my pics/a.jpg", "_posts/p.md", NULL, NULL,
	 IMGOPT_REF_MARKDOWN, true, "my pics/optimized/7-960.jpg",
	 "/my pics/optimized/7-960.jpg"},
	{"/a&b/x.jpg", "a&b/x.jpg", "p.html", NULL, NULL, IMGOPT_REF_HTML,
	 false, "a&b/optimized/8-960.jpg", "/a&amp;b/optimized/8-960.jpg"},
	{"x.png", "_posts/p/x.png", "_posts/p.md", NULL, NULL,
	 IMGOPT_REF_LIQUID_TAG, false, "_posts/p/optimized/9-960.png",
	 "optimized/9-960.png"},
};

static void
test_format_url(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(url_cases); i++) {
		const UrlCase *c = &url_cases[i];
		ImgoptUrlStyle style = {c->written,  c->resolved, c->post,
					c->baseurl,  c->fallback, c->kind,
					c->is_angle, NULL};
		g_autofree char *got =
			imgopt_rewrite_format_url(&style, c->target);

		g_test_message("case %zu: %s", i, c->written);
		g_assert_cmpstr(got, ==, c->expected);
	}
}

static void
test_format_img(void)
{
	ImgoptSrcsetItem items[] = {{"/o/h-960.jpg", 960},
				    {"/o/h-480.jpg", 480}};
	ImgoptImgMarkup m = {"/o/h-960.jpg",
			     items,
			     2,
			     960,
			     960,
			     540,
			     "a \"quoted\" <b> & more",
			     NULL,
			     NULL,
			     0};
	g_autofree char *html = imgopt_rewrite_format_img(&m);

	g_assert_cmpstr(
		html, ==,
		"<img src=\"/o/h-960.jpg\" srcset=\"/o/h-480.jpg 480w, "
		"/o/h-960.jpg 960w\" sizes=\"(max-width: 960px) 100vw, "
		"960px\" width=\"960\" height=\"540\" alt=\"a &quot;quoted"
		"&quot; &lt;b&gt; &amp; more\" loading=\"lazy\" "
		"decoding=\"async\">");
	ImgoptImgMarkup one = {"x.gif", NULL, 0, 960, 0, 0, NULL, "t", NULL, 0};
	g_autofree char *plain = imgopt_rewrite_format_img(&one);
	g_assert_cmpstr(plain, ==,
			"<img src=\"x.gif\" alt=\"\" title=\"t\" "
			"loading=\"lazy\" decoding=\"async\">");
}

/* With extra formats, the <img> goes inside a <picture> whose <source>s
 * come first, AVIF before WebP, each with its own srcset and the sizes. */
static void
test_format_picture(void)
{
	ImgoptSrcsetItem items[] = {{"/o/h-480.jpg", 480},
				    {"/o/h-960.jpg", 960}};
	ImgoptSrcsetItem avif[] = {{"/o/h-480.avif", 480},
				   {"/o/h-960.avif", 960}};
	ImgoptSrcsetItem webp[] = {{"/o/h-480.webp", 480}};
	ImgoptPictureSource sources[] = {{"image/avif", avif, 2},
					 {"image/webp", webp, 1}};
	ImgoptImgMarkup m = {"/o/h-960.jpg", items,   2, 960, 960, 540, "x",
			     NULL,           sources, 2};
	g_autofree char *html = imgopt_rewrite_format_img(&m);

	g_assert_cmpstr(
		html, ==,
		"<picture><source type=\"image/avif\" srcset=\"/o/h-480.avif "
		"480w, /o/h-960.avif 960w\" sizes=\"(max-width: 960px) 100vw, "
		"960px\"><source type=\"image/webp\" srcset=\"/o/h-480.webp "
		"480w\" sizes=\"(max-width: 960px) 100vw, 960px\"><img "
		"src=\"/o/h-960.jpg\" srcset=\"/o/h-480.jpg 480w, /o/h-960.jpg "
		"960w\" sizes=\"(max-width: 960px) 100vw, 960px\" "
		"width=\"960\" height=\"540\" alt=\"x\" loading=\"lazy\" "
		"decoding=\"async\"></picture>");
}

static void
test_pick_variant(void)
{
	g_autoptr(GPtrArray) vs = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_variant_free);
	uint32_t widths[] = {480, 960, 1080};

	for (gsize i = 0; i < G_N_ELEMENTS(widths); i++) {
		ImgoptVariant *v = imgopt_variant_new();
		v->format = IMGOPT_FORMAT_JPEG;
		v->width = widths[i];
		g_ptr_array_add(vs, v);
	}
	g_assert_cmpuint(
		imgopt_rewrite_pick_variant(vs, IMGOPT_FORMAT_JPEG, 960)->width,
		==, 960);
	g_assert_cmpuint(
		imgopt_rewrite_pick_variant(vs, IMGOPT_FORMAT_JPEG, 2000)
			->width,
		==, 1080);
	g_assert_cmpuint(
		imgopt_rewrite_pick_variant(vs, IMGOPT_FORMAT_JPEG, 100)->width,
		==, 480);
	g_assert_null(imgopt_rewrite_pick_variant(vs, IMGOPT_FORMAT_GIF, 960));
	/* Where the original (1000 px) was kept for the 960 slot, a page
	 * showing 960 px gets it, not the 480 variant. */
	((ImgoptVariant *)g_ptr_array_index(vs, 1))->width = 1000;
	g_assert_cmpuint(
		imgopt_rewrite_pick_variant(vs, IMGOPT_FORMAT_JPEG, 960)->width,
		==, 480);
	g_assert_cmpuint(
		imgopt_rewrite_pick_covering(vs, IMGOPT_FORMAT_JPEG, 960)
			->width,
		==, 1000);
	g_assert_cmpuint(
		imgopt_rewrite_pick_covering(vs, IMGOPT_FORMAT_JPEG, 2000)
			->width,
		==, 1080);
	g_assert_cmpuint(
		imgopt_rewrite_pick_covering(vs, IMGOPT_FORMAT_JPEG, 100)
			->width,
		==, 480);
	g_assert_null(imgopt_rewrite_pick_covering(vs, IMGOPT_FORMAT_GIF, 960));
}

/* ---- planning ---- */

/* A site with one content, img/x.jpg (hash 11…, 1200 px, 50000 bytes),
 * made into 480 and 960 px JPEG variants, for imgopt_rewrite_plan_post();
 * plan_site_init_with() sets its width and its variants' widths and
 * bytes. */
typedef struct {
	GHashTable *files;      /* path → ImgoptAsset */
	GHashTable *variants;   /* hex → GPtrArray of ImgoptVariant */
	GHashTable *variant_of; /* variant path → ImgoptVariant */
	ImgoptPlanInput in;
} PlanSite;

static void
plan_site_init_with(PlanSite *ps, uint32_t width, const uint32_t *widths,
		    const uint64_t *bytes, gsize n)
{
	ImgoptAsset *a = imgopt_asset_new("img/x.jpg");
	GPtrArray *vs = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_variant_free);

	memset(a->hash.bytes, 0x11, sizeof a->hash.bytes);
	a->format = IMGOPT_FORMAT_JPEG;
	a->size = 50000;
	a->width = width;
	a->height = width / 2;
	ps->files = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					  (GDestroyNotify)imgopt_asset_free);
	g_hash_table_insert(ps->files, a->path, a);
	ps->variant_of = g_hash_table_new(g_str_hash, g_str_equal);
	for (gsize i = 0; i < n; i++) {
		ImgoptVariant *v = imgopt_variant_new();

		v->hash = a->hash;
		v->format = IMGOPT_FORMAT_JPEG;
		v->width = widths[i];
		v->height = widths[i] / 2;
		v->bytes = bytes[i];
		v->path = g_strdup_printf("img/optimized/x-%u.jpg", widths[i]);
		g_ptr_array_add(vs, v);
		g_hash_table_insert(ps->variant_of, v->path, v);
	}
	ps->variants = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					     (GDestroyNotify)g_ptr_array_unref);
	g_hash_table_insert(ps->variants,
			    g_strdup("11111111111111111111111111111111"), vs);
	ps->in = (ImgoptPlanInput){.out_dir = "img/optimized",
				   .files = ps->files,
				   .variants = ps->variants,
				   .variant_of = ps->variant_of,
				   .display_width = 960,
				   .banner_width = 960};
}

static void
plan_site_init(PlanSite *ps)
{
	static const uint32_t widths[] = {480, 960};
	static const uint64_t bytes[] = {4800, 9600};

	plan_site_init_with(ps, 1200, widths, bytes, G_N_ELEMENTS(widths));
}

static void
plan_site_clear(PlanSite *ps)
{
	g_hash_table_unref(ps->variant_of);
	g_hash_table_unref(ps->variants);
	g_hash_table_unref(ps->files);
}

/* Scans @text, resolves every reference to its url if that is a file of
 * @ps (else broken), plans it and applies the edits. */
static char *
plan_text(const PlanSite *ps, const char *text, GArray **plans_out,
	  GPtrArray **refs_out)
{
	g_autoptr(GError) error = NULL;
	GPtrArray *refs = imgopt_scan_text("p.md", text, strlen(text), &error);
	g_autoptr(GPtrArray) edits = new_edits();

	g_assert_no_error(error);
	for (guint i = 0; i < refs->len; i++) {
		ImgoptRef *r = g_ptr_array_index(refs, i);
		const char *path = r->url + (r->url[0] == '/');
		bool is_file = g_hash_table_contains(ps->files, path) ||
			       g_hash_table_contains(ps->variant_of, path);

		r->status = is_file ? IMGOPT_REF_STATUS_OK
				    : IMGOPT_REF_STATUS_BROKEN;
		r->resolved = is_file ? g_strdup(path) : NULL;
	}
	*plans_out = imgopt_rewrite_plan_post(&ps->in, text, strlen(text), refs,
					      edits);
	*refs_out = refs;
	return apply(text, edits, &error);
}

/* Planning from explicit inputs: an original gets the variant for the
 * display width, an <img> a srcset, a link on a narrower variant moves,
 * a broken one stays, and a definition used twice is planned once. */
static void
test_plan_post(void)
{
	const char *text = "![a](img/x.jpg \"t\") <img src=\"/img/x.jpg\">\n"
			   "![b](img/optimized/x-480.jpg) ![c](gone.png)\n"
			   "![d][r] ![e][r]\n\n[r]: /img/x.jpg\n";
	PlanSite ps;
	g_autoptr(GArray) plans = NULL;
	g_autoptr(GPtrArray) refs = NULL;

	plan_site_init(&ps);
	g_autofree char *out = plan_text(&ps, text, &plans, &refs);

	g_assert_cmpstr(
		out, ==,
		"![a](img/optimized/x-960.jpg \"t\") <img "
		"src=\"/img/optimized/x-960.jpg\" srcset=\"/img/optimized/"
		"x-480.jpg 480w, /img/optimized/x-960.jpg 960w\" "
		"sizes=\"1200px\">\n"
		"![b](img/optimized/x-960.jpg) ![c](gone.png)\n"
		"![d][r] ![e][r]\n\n[r]: /img/optimized/x-960.jpg\n");
	g_assert_cmpuint(refs->len, ==, 6);
	g_assert_cmpuint(plans->len, ==, 5);
	static const ImgoptRefPlanKind kinds[] = {
		IMGOPT_REF_PLAN_REWRITTEN, IMGOPT_REF_PLAN_REWRITTEN,
		IMGOPT_REF_PLAN_REWRITTEN, IMGOPT_REF_PLAN_UNUSED,
		IMGOPT_REF_PLAN_REWRITTEN};
	for (guint i = 0; i < plans->len; i++) {
		const ImgoptRefPlan *p =
			&g_array_index(plans, ImgoptRefPlan, i);

		g_assert_cmpint(p->kind, ==, kinds[i]);
		g_assert_true((p->variant != NULL) ==
			      (p->kind == IMGOPT_REF_PLAN_REWRITTEN));
		if (p->variant != NULL)
			g_assert_cmpuint(p->variant->width, ==, 960);
	}
	plan_site_clear(&ps);
}

/* Adds a WebP variant of img/x.jpg's content, @width px, @bytes. */
static void
plan_site_add_webp(PlanSite *ps, uint32_t width, uint64_t bytes)
{
	GPtrArray *vs = g_hash_table_lookup(ps->variants,
					    "11111111111111111111111111111111");
	ImgoptVariant *v = imgopt_variant_copy(g_ptr_array_index(vs, 0));

	v->format = IMGOPT_FORMAT_WEBP;
	v->width = width;
	v->height = width / 2;
	v->bytes = bytes;
	g_free(v->path);
	v->path = g_strdup_printf("img/optimized/x-%u.webp", width);
	g_ptr_array_add(vs, v);
	g_hash_table_insert(ps->variant_of, v->path, v);
}

/* Plans @text with @link and returns the new text. */
static char *
plan_linked(PlanSite *ps, ImgoptLinkFormat link, const char *text)
{
	g_autoptr(GArray) plans = NULL;
	g_autoptr(GPtrArray) refs = NULL;

	ps->in.link_format = link;
	return plan_text(ps, text, &plans, &refs);
}

/* --link-format: a link names the lightest variant of its width among
 * the formats allowed (the srcset an <img> gains too), original names
 * the JPEG as before, webp the WebP even where heavier; the <img>
 * fallback of --srcset markup stays JPEG; a re-run changes nothing. */
static void
test_plan_link_format(void)
{
	const char *text = "![a](img/x.jpg) <img src=\"/img/x.jpg\">\n";
	PlanSite ps;

	plan_site_init(&ps); /* JPEG 480: 4800 bytes, 960: 9600 */
	plan_site_add_webp(&ps, 480, 3000);
	plan_site_add_webp(&ps, 960, 7000);
	g_autofree char *orig = plan_linked(&ps, IMGOPT_LINK_ORIGINAL, text);
	g_assert_cmpstr(orig, ==,
			"![a](img/optimized/x-960.jpg) <img "
			"src=\"/img/optimized/x-960.jpg\" srcset=\"/img/"
			"optimized/x-480.jpg 480w, /img/optimized/x-960.jpg "
			"960w\" sizes=\"1200px\">\n");
	g_autofree char *aut = plan_linked(&ps, IMGOPT_LINK_AUTO, text);
	g_assert_cmpstr(aut, ==,
			"![a](img/optimized/x-960.webp) <img "
			"src=\"/img/optimized/x-960.webp\" srcset=\"/img/"
			"optimized/x-480.webp 480w, /img/optimized/x-960.webp "
			"960w\" sizes=\"1200px\">\n");
	g_autofree char *again = plan_linked(&ps, IMGOPT_LINK_AUTO, aut);
	g_assert_cmpstr(again, ==, aut);
	/* from today's links, auto moves a link to the lighter WebP (an
	 * srcset already there keeps its candidates: one a <picture>'s
	 * fallback <img> holds must stay JPEG) */
	g_autofree char *moved = plan_linked(&ps, IMGOPT_LINK_AUTO,
					     "![a](img/optimized/x-960.jpg)\n");
	g_assert_cmpstr(moved, ==, "![a](img/optimized/x-960.webp)\n");

	ps.in.use_srcset = true;
	g_autofree char *pic =
		plan_linked(&ps, IMGOPT_LINK_AUTO, "![a](img/x.jpg)\n");
	g_assert_nonnull(strstr(pic, "<source type=\"image/webp\""));
	g_assert_nonnull(strstr(pic, "src=\"img/optimized/x-960.jpg\""));
	g_autofree char *pic_again = plan_linked(&ps, IMGOPT_LINK_AUTO, pic);
	g_assert_cmpstr(pic_again, ==, pic);
	ps.in.use_srcset = false;
	plan_site_clear(&ps);

	/* a heavier WebP: auto keeps the JPEG, webp takes the WebP */
	plan_site_init(&ps);
	plan_site_add_webp(&ps, 960, 12000);
	g_autofree char *heavy =
		plan_linked(&ps, IMGOPT_LINK_AUTO, "![a](img/x.jpg)\n");
	g_assert_cmpstr(heavy, ==, "![a](img/optimized/x-960.jpg)\n");
	g_autofree char *forced =
		plan_linked(&ps, IMGOPT_LINK_WEBP, "![a](img/x.jpg)\n");
	g_assert_cmpstr(forced, ==, "![a](img/optimized/x-960.webp)\n");
	g_autofree char *kept = plan_linked(&ps, IMGOPT_LINK_WEBP, forced);
	g_assert_cmpstr(kept, ==, forced);
	plan_site_clear(&ps);
}

/* A re-link under auto on a variant of the primary format picks among
 * that format's variants, as the first run did: a WebP at a width the
 * JPEGs lack (the JPEG there lost to the source, so the WebP was matched
 * to an encoding no page shows) does not take the link, heavier than the
 * JPEG linked (6700 against 3500 bytes).  A link on a WebP whose JPEG of
 * its width the first run left out (only the variants linked are kept)
 * stays on it. */
static void
test_plan_relink_widths(void)
{
	static const uint32_t full[] = {1000};
	static const uint64_t full_bytes[] = {3500};
	static const uint32_t narrow[] = {480};
	static const uint64_t narrow_bytes[] = {4800};
	PlanSite ps;

	plan_site_init_with(&ps, 1000, full, full_bytes, 1);
	plan_site_add_webp(&ps, 960, 6700);
	g_autofree char *jpeg = plan_linked(&ps, IMGOPT_LINK_AUTO,
					    "![a](img/optimized/x-1000.jpg)\n");
	g_assert_cmpstr(jpeg, ==, "![a](img/optimized/x-1000.jpg)\n");
	plan_site_clear(&ps);

	plan_site_init_with(&ps, 1200, narrow, narrow_bytes, 1);
	plan_site_add_webp(&ps, 960, 7000);
	g_autofree char *webp = plan_linked(&ps, IMGOPT_LINK_AUTO,
					    "![a](img/optimized/x-960.webp)\n");
	g_assert_cmpstr(webp, ==, "![a](img/optimized/x-960.webp)\n");
	plan_site_clear(&ps);
}

/* Moves img/x.jpg to @dir/x.jpg and its variants to @dir/optimized/. */
static void
plan_site_move(PlanSite *ps, const char *dir)
{
	ImgoptAsset *a = NULL;
	GPtrArray *vs = g_hash_table_lookup(ps->variants,
					    "11111111111111111111111111111111");

	g_hash_table_steal_extended(ps->files, "img/x.jpg", NULL,
				    (gpointer *)&a);
	g_free(a->path);
	a->path = g_strdup_printf("%s/x.jpg", dir);
	g_hash_table_insert(ps->files, a->path, a);
	for (guint i = 0; i < vs->len; i++) {
		ImgoptVariant *v = g_ptr_array_index(vs, i);

		g_hash_table_remove(ps->variant_of, v->path);
		g_free(v->path);
		v->path =
			g_strdup_printf("%s/optimized/x-%u.jpg", dir, v->width);
		g_hash_table_insert(ps->variant_of, v->path, v);
	}
}

/* Hexo's tags: a name in the post asset folder (p/ for p.md) moves to a
 * variant in that folder, the rest of the tag as it was; a variant it
 * cannot name (outside the folder) leaves it as it is; a site path is
 * rewritten as a Markdown image would be. */
static void
test_plan_hexo_tags(void)
{
	const char *text = "{% asset_img x.jpg \"A title\" %}\n\n"
			   "<td>{% asset_img left 'x.jpg' 10 %}</td>\n";
	PlanSite ps;
	g_autoptr(GArray) plans = NULL;
	g_autoptr(GPtrArray) refs = NULL;

	plan_site_init(&ps);
	/* the variants are in img/optimized/: the tags cannot reach them */
	g_autofree char *kept =
		plan_text(&ps, "{% asset_img img/x.jpg %}\n", &plans, &refs);
	g_assert_cmpstr(kept, ==, "{% asset_img img/x.jpg %}\n");
	g_assert_cmpint(g_array_index(plans, ImgoptRefPlan, 0).kind, ==,
			IMGOPT_REF_PLAN_KEPT);
	g_clear_pointer(&plans, g_array_unref);
	g_clear_pointer(&refs, g_ptr_array_unref);
	g_autofree char *site =
		plan_text(&ps, "{% img big /img/x.jpg 10 %}\n", &plans, &refs);
	g_assert_cmpstr(site, ==,
			"{% img big /img/optimized/x-960.jpg 10 %}\n");
	g_clear_pointer(&plans, g_array_unref);
	g_clear_pointer(&refs, g_ptr_array_unref);

	plan_site_move(&ps, "p");
	/* plan_text() resolves a url as a path: name the asset folder's
	 * file by its site path, as resolving would have */
	g_autofree char *input = g_strdup(text);
	g_autoptr(GError) error = NULL;
	refs = imgopt_scan_text("p.md", input, strlen(input), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(refs->len, ==, 2);
	for (guint i = 0; i < refs->len; i++) {
		ImgoptRef *r = g_ptr_array_index(refs, i);
		r->status = IMGOPT_REF_STATUS_OK;
		r->resolved = g_strdup("p/x.jpg");
	}
	g_autoptr(GPtrArray) edits = new_edits();
	plans = imgopt_rewrite_plan_post(&ps.in, input, strlen(input), refs,
					 edits);
	g_autofree char *out = apply(input, edits, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(out, ==,
			"{% asset_img optimized/x-960.jpg \"A title\" %}\n\n"
			"<td>{% asset_img left 'optimized/x-960.jpg' 10 %}"
			"</td>\n");
	for (guint i = 0; i < plans->len; i++)
		g_assert_cmpint(g_array_index(plans, ImgoptRefPlan, i).kind, ==,
				IMGOPT_REF_PLAN_REWRITTEN);
	plan_site_clear(&ps);
}

/* --srcset: the whole inline image, as the scanner recorded it, becomes
 * an <img> keeping its alt and title; the tag already planned stays. */
static void
test_plan_srcset(void)
{
	const char *text = "x ![a *b*](<img/x.jpg> 'it\\'s') y\n"
			   "<img src=/img/optimized/x-960.jpg>\n";
	PlanSite ps;
	g_autoptr(GArray) plans = NULL;
	g_autoptr(GPtrArray) refs = NULL;

	plan_site_init(&ps);
	ps.in.use_srcset = true;
	g_autofree char *out = plan_text(&ps, text, &plans, &refs);

	g_assert_cmpstr(
		out, ==,
		"x <img src=\"img/optimized/x-960.jpg\" "
		"srcset=\"img/optimized/x-480.jpg 480w, "
		"img/optimized/x-960.jpg 960w\" sizes=\"(max-width: 960px) "
		"100vw, 960px\" width=\"960\" height=\"480\" alt=\"a *b*\" "
		"title=\"it&apos;s\" loading=\"lazy\" decoding=\"async\"> y\n"
		"<img src=/img/optimized/x-960.jpg>\n");
	g_assert_cmpint(g_array_index(plans, ImgoptRefPlan, 1).kind, ==,
			IMGOPT_REF_PLAN_DONE);
	plan_site_clear(&ps);
}

/* A definition a plain link uses too keeps its destination (the link
 * still opens the full-size photo); each image using it gets the variant
 * written inline, its alt and the definition's title kept, or with
 * --srcset the <img> markup.  A definition only images use is still
 * rewritten once. */
static void
test_plan_shared_def(void)
{
	const char *text =
		"![a \\[1\\]][p] see [the full-size photo][p] or [p]\n"
		"![p][] ![p]\n\n"
		"![b][own] ![c][own]\n\n"
		"[p]: <img/x.jpg> \"a \\\\ \\\"t\\\"\"\n"
		"[own]: img/x.jpg\n";
	PlanSite ps;
	g_autoptr(GArray) plans = NULL;
	g_autoptr(GPtrArray) refs = NULL;

	plan_site_init(&ps);
	g_autofree char *out = plan_text(&ps, text, &plans, &refs);

	g_assert_cmpstr(out, ==,
			"![a \\[1\\]](img/optimized/x-960.jpg \"a \\\\ "
			"\\\"t\\\"\") see [the full-size photo][p] or [p]\n"
			"![p](img/optimized/x-960.jpg \"a \\\\ \\\"t\\\"\") "
			"![p](img/optimized/x-960.jpg \"a \\\\ \\\"t\\\"\")"
			"\n\n![b][own] ![c][own]\n\n"
			"[p]: <img/x.jpg> \"a \\\\ \\\"t\\\"\"\n"
			"[own]: img/optimized/x-960.jpg\n");
	g_assert_cmpuint(plans->len, ==, 4);
	/* The rewritten post scans to the same images, now inline. */
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) again =
		imgopt_scan_text("p.md", out, strlen(out), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(again->len, ==, 5);
	for (guint i = 0; i < 3; i++) {
		const ImgoptRef *r = g_ptr_array_index(again, i);

		g_assert_cmpint(r->kind, ==, IMGOPT_REF_MARKDOWN);
		g_assert_cmpstr(r->url, ==, "img/optimized/x-960.jpg");
		g_assert_cmpstr(r->title, ==, "a \\ \"t\"");
	}
	g_assert_cmpstr(((ImgoptRef *)g_ptr_array_index(again, 0))->alt, ==,
			"a [1]");

	g_clear_pointer(&plans, g_array_unref);
	g_clear_pointer(&refs, g_ptr_array_unref);
	ps.in.use_srcset = true;
	g_autofree char *tags =
		plan_text(&ps, "![p] [p]\n\n[p]: img/x.jpg\n", &plans, &refs);
	g_assert_true(g_str_has_prefix(tags, "<img src=\"img/optimized/"));
	g_assert_true(g_str_has_suffix(tags, "> [p]\n\n[p]: img/x.jpg\n"));
	plan_site_clear(&ps);
}

/* Plans @text on @ps and returns the new text; the plans are freed. */
static char *
plan_simply(const PlanSite *ps, const char *text)
{
	g_autoptr(GArray) plans = NULL;
	g_autoptr(GPtrArray) refs = NULL;

	return plan_text(ps, text, &plans, &refs);
}

/* srcset and sizes tell the truth: a `w` candidate moved to a variant
 * says the variant's width; an `x` candidate (or one without descriptor)
 * scales its file's pixels, so it only moves to a variant of the same
 * width; an <img> without a width attribute drew at its file's width,
 * and keeps it: the sizes added say that width, and a src whose tag's
 * srcset has no sizes only moves to a variant of its width.  With a
 * width attribute, sizes only picks a candidate. */
static void
test_plan_descriptors(void)
{
	PlanSite ps;

	plan_site_init(&ps);
	g_autofree char *w = plan_simply(
		&ps, "<img src=/img/x.jpg srcset=\"/img/x.jpg 2000w\" "
		     "sizes=\"50vw\">\n");
	g_assert_cmpstr(w, ==,
			"<img src=/img/optimized/x-960.jpg "
			"srcset=\"/img/optimized/x-960.jpg 960w\" "
			"sizes=\"50vw\">\n");
	const char *x = "<img src=\"/img/x.jpg\" srcset=\"/img/x.jpg 2x, "
			"/img/x.jpg\">\n";
	g_autofree char *x_out = plan_simply(&ps, x);
	g_assert_cmpstr(x_out, ==, x);
	g_autofree char *sized =
		plan_simply(&ps, "<img width=\"600\" src=\"/img/x.jpg\">\n");
	g_assert_cmpstr(sized, ==,
			"<img width=\"600\" src=\"/img/optimized/x-960.jpg\" "
			"srcset=\"/img/optimized/x-480.jpg 480w, "
			"/img/optimized/x-960.jpg 960w\" sizes=\"(max-width: "
			"960px) 100vw, 960px\">\n");
	/* An author's sizes would start to size a tag without a width. */
	g_autofree char *own =
		plan_simply(&ps, "<img sizes=\"10vw\" src=\"/img/x.jpg\">\n");
	g_assert_cmpstr(own, ==, "<img sizes=\"10vw\" src=\"/img/x.jpg\">\n");
	plan_site_clear(&ps);

	/* With a variant of the file's own width (a lossless re-coding),
	 * the x candidates and the src move to it. */
	static const uint32_t widths[] = {480, 960, 1200};
	static const uint64_t bytes[] = {4800, 9600, 40000};
	plan_site_init_with(&ps, 1200, widths, bytes, 3);
	g_autofree char *x_same = plan_simply(&ps, x);
	g_assert_cmpstr(x_same, ==,
			"<img src=\"/img/optimized/x-1200.jpg\" "
			"srcset=\"/img/optimized/x-1200.jpg 2x, "
			"/img/optimized/x-1200.jpg\">\n");
	plan_site_clear(&ps);
}

/* A 581 px diagram (a lossless re-coding at its own width, a 480 px
 * variant): an <img> without width keeps drawing at 581 px, and the
 * --srcset markup of a Markdown image says 581 px in sizes too. */
static void
test_plan_narrow(void)
{
	static const uint32_t widths[] = {480, 581};
	static const uint64_t bytes[] = {4800, 40000};
	PlanSite ps;

	plan_site_init_with(&ps, 581, widths, bytes, 2);
	g_autofree char *img = plan_simply(&ps, "<img src=\"/img/x.jpg\">\n");
	g_assert_cmpstr(img, ==,
			"<img src=\"/img/optimized/x-581.jpg\" "
			"srcset=\"/img/optimized/x-480.jpg 480w, "
			"/img/optimized/x-581.jpg 581w\" sizes=\"581px\">\n");
	ps.in.use_srcset = true;
	g_autofree char *md = plan_simply(&ps, "![d](img/x.jpg)\n");
	g_assert_cmpstr(md, ==,
			"<img src=\"img/optimized/x-581.jpg\" "
			"srcset=\"img/optimized/x-480.jpg 480w, "
			"img/optimized/x-581.jpg 581w\" sizes=\"(max-width: "
			"581px) 100vw, 581px\" width=\"581\" height=\"290\" "
			"alt=\"d\" loading=\"lazy\" decoding=\"async\">\n");
	plan_site_clear(&ps);
}

/* The display width rule (docs/imgopt.1): the variant made for the
 * display width, which may be the image at its own width where a
 * narrower encoding lost; but a variant holding the source's own bytes
 * (it saved nothing) is never linked: the source stays, and in srcset
 * markup the source stands for that width. */
static void
test_plan_copy(void)
{
	static const uint32_t widths[] = {480, 1000};
	static const uint64_t bytes[] = {4800, 50000};
	PlanSite ps;
	g_autoptr(GArray) plans = NULL;
	g_autoptr(GPtrArray) refs = NULL;

	plan_site_init_with(&ps, 1000, widths, bytes, 2);
	const char *text = "![a](img/x.jpg) <img src=\"/img/x.jpg\" "
			   "srcset=\"/img/x.jpg 1000w\" sizes=\"50vw\">\n";
	g_autofree char *out = plan_text(&ps, text, &plans, &refs);
	g_assert_cmpstr(out, ==, text);
	for (guint i = 0; i < plans->len; i++)
		g_assert_cmpint(g_array_index(plans, ImgoptRefPlan, i).kind, ==,
				IMGOPT_REF_PLAN_KEPT);
	ps.in.use_srcset = true;
	g_autofree char *md = plan_simply(&ps, "![a](img/x.jpg)\n");
	g_assert_cmpstr(md, ==,
			"<img src=\"img/x.jpg\" srcset=\"img/optimized/"
			"x-480.jpg 480w, img/x.jpg 1000w\" sizes=\"(max-width: "
			"960px) 100vw, 960px\" width=\"1000\" height=\"500\" "
			"alt=\"a\" loading=\"lazy\" decoding=\"async\">\n");

	/* A duplicate copy of the source links the first copy, so that
	 * duplicates still converge on one file. */
	ImgoptAsset *dup =
		imgopt_asset_copy(g_hash_table_lookup(ps.files, "img/x.jpg"));
	g_autoptr(GHashTable) originals =
		g_hash_table_new(g_str_hash, g_str_equal);

	g_free(dup->path);
	dup->path = g_strdup("img/y.jpg");
	g_hash_table_insert(ps.files, dup->path, dup);
	g_hash_table_insert(originals,
			    (gpointer) "11111111111111111111111111111111",
			    g_hash_table_lookup(ps.files, "img/x.jpg"));
	ps.in.originals = originals;
	ps.in.use_srcset = false;
	g_clear_pointer(&plans, g_array_unref);
	g_clear_pointer(&refs, g_ptr_array_unref);
	g_autofree char *dups = plan_text(
		&ps, "![a](img/y.jpg) ![b](img/x.jpg)\n", &plans, &refs);
	g_assert_cmpstr(dups, ==, "![a](img/x.jpg) ![b](img/x.jpg)\n");
	g_assert_cmpint(g_array_index(plans, ImgoptRefPlan, 0).kind, ==,
			IMGOPT_REF_PLAN_REWRITTEN);
	g_assert_cmpstr(g_array_index(plans, ImgoptRefPlan, 0).path, ==,
			"img/x.jpg");
	g_assert_null(g_array_index(plans, ImgoptRefPlan, 0).variant);
	g_assert_cmpint(g_array_index(plans, ImgoptRefPlan, 1).kind, ==,
			IMGOPT_REF_PLAN_KEPT);
	plan_site_clear(&ps);
}

static void
test_diff_empty(void)
{
	g_autoptr(GPtrArray) edits = new_edits();
	g_autofree char *d =
		imgopt_diff_unified("p.md", "a\n", 2, "a\n", 2, edits);

	g_assert_cmpstr(d, ==, "");
}

int
main(int argc, char **argv)
{
	static const char *golden[] = {"crlf", "bom-no-final-newline",
				       "liquid-and-code", "windows-multiline",
				       "hunks"};

	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/rewrite/apply/basic", test_apply_basic);
	g_test_add_func("/rewrite/apply/conflict", test_apply_conflict);
	g_test_add_func("/rewrite/apply/overlap-and-range",
			test_apply_overlap_and_range);
	for (gsize i = 0; i < G_N_ELEMENTS(golden); i++) {
		g_autofree char *path =
			g_strconcat("/rewrite/golden/", golden[i], NULL);
		g_test_add_data_func(path, golden[i], test_golden);
	}
	g_test_add_func("/rewrite/random-properties", test_random_properties);
	g_test_add_func("/rewrite/format-url", test_format_url);
	g_test_add_func("/rewrite/format-img", test_format_img);
	g_test_add_func("/rewrite/format-picture", test_format_picture);
	g_test_add_func("/rewrite/pick-variant", test_pick_variant);
	g_test_add_func("/rewrite/diff-empty", test_diff_empty);
	g_test_add_func("/rewrite/plan/post", test_plan_post);
	g_test_add_func("/rewrite/plan/srcset", test_plan_srcset);
	g_test_add_func("/rewrite/plan/link-format", test_plan_link_format);
	g_test_add_func("/rewrite/plan/relink-widths", test_plan_relink_widths);
	g_test_add_func("/rewrite/plan/hexo-tags", test_plan_hexo_tags);
	g_test_add_func("/rewrite/plan/shared-def", test_plan_shared_def);
	g_test_add_func("/rewrite/plan/descriptors", test_plan_descriptors);
	g_test_add_func("/rewrite/plan/narrow", test_plan_narrow);
	g_test_add_func("/rewrite/plan/copy", test_plan_copy);
	return g_test_run();
}
