/*
 * test_report.c: the HTML report in-process: hostile names and URLs are
 * escaped (no markup, no URL the page did not make), duplicate copies
 * share one thumbnail, broken references show post:line, the bytes per
 * format, and the per-post download figures of the run result (median,
 * largest).
 */
#include <string.h>

#include "imgopt/imgopt.h"

#include "testutil.h"

/* A site with a duplicate pair (one named like markup), a broken link
 * whose URL is markup, and a post without images. */
static char *
make_site(void)
{
	char *root = tu_tmpdir();
	g_autofree char *img = g_build_filename(root, "img", NULL);
	g_autofree char *posts = g_build_filename(root, "_posts", NULL);
	g_autofree char *a = g_build_filename(img, "a.png", NULL);
	g_autofree char *b = g_build_filename(img, "<b>\"x'.png", NULL);
	g_autofree char *p1 = g_build_filename(posts, "2020-01-01-a.md", NULL);
	g_autofree char *p2 = g_build_filename(posts, "2020-01-02-b.md", NULL);
	g_autofree char *conf = g_build_filename(root, "_config.yml", NULL);
	g_autofree char *bytes = NULL;
	gsize len = 0;

	g_assert_cmpint(g_mkdir_with_parents(img, 0755), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(posts, 0755), ==, 0);
	tu_write(conf, "title: t\n");
	tu_vips((const char *const[]){"xyz", a, "300", "200", NULL});
	bytes = tu_read(a, &len);
	g_assert_true(g_file_set_contents(b, bytes, (gssize)len, NULL));
	tu_write(p1, "![a](/img/a.png)\n\n"
		     "<img src=\"/img/<script>alert(1)</script>.png\">\n");
	tu_write(p2, "![b](/img/%3Cb%3E%22x'.png)\nno more\n");
	return root;
}

/* The bytes per format: both PNG copies shown before (the files on
 * disk), the formats adding up to the totals, and a row on the page for
 * each format shown. */
static void
assert_formats(const char *root, const ImgoptRunResult *run, const char *html)
{
	g_autofree char *a = g_build_filename(root, "img", "a.png", NULL);
	gsize len = 0;
	g_autofree char *bytes = tu_read(a, &len);
	uint64_t before = 0, after = 0;

	g_assert_cmpuint(run->bytes_before_by_format[IMGOPT_FORMAT_PNG], ==,
			 2 * len);
	for (int f = 0; f <= IMGOPT_FORMAT_OTHER; f++) {
		g_autofree char *row =
			g_strdup_printf("<tr class=\"format\"><td>%s</td>",
					imgopt_format_name(f));
		bool is_shown = run->bytes_before_by_format[f] > 0 ||
				run->bytes_after_by_format[f] > 0;

		before += run->bytes_before_by_format[f];
		after += run->bytes_after_by_format[f];
		g_assert_true((strstr(html, row) != NULL) == is_shown);
	}
	g_assert_cmpuint(before, ==, run->bytes_before);
	g_assert_cmpuint(after, ==, run->bytes_after);
	g_assert_cmpuint(after, >, 0);
}

static void
test_page(void)
{
	g_autofree char *root = make_site();
	g_autofree char *posts = g_build_filename(root, "_posts", NULL);
	g_autofree char *img = g_build_filename(root, "img", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptSite) site = imgopt_site_open(posts, img, root, &error);
	g_assert_no_error(error);
	g_autoptr(ImgoptManifest) m = imgopt_manifest_open(":memory:", &error);
	g_autoptr(ImgoptRunResult) run = NULL;
	g_auto(ImgoptSettings) settings = {0};

	imgopt_settings_init(&settings);
	ImgoptRunOptions opt = {IMGOPT_RUN_DRY_RUN, 960, false, &settings,
				false};
	g_assert_true(imgopt_run_site(site, m, &opt, NULL, &run, &error));
	g_assert_no_error(error);
	/* The run hands back its dupes job's result: report needs no other. */
	g_assert_nonnull(run->dupes);
	g_assert_cmpuint(run->dupes->groups->len, ==, 1);
	g_assert_cmpuint(run->n_groups, ==, run->dupes->groups->len);

	ImgoptReportInput in = {site, run->dupes, run, settings.max_pixels};
	g_autofree char *html = imgopt_report_html(&in);

	g_assert_null(strstr(html, "<script"));
	g_assert_null(strstr(html, "<b>\"x"));
	g_assert_nonnull(strstr(html, "&lt;b&gt;&quot;x&apos;.png"));
	g_assert_nonnull(strstr(html, "_posts/2020-01-01-a.md:3</td>"));
	g_assert_null(strstr(html, "href="));
	g_assert_null(strstr(html, "url("));
	for (const char *p = html; (p = strstr(p, " src=\"")); p++)
		g_assert_true(g_str_has_prefix(p + 6, "data:image/"));
	/* The pair shares one thumbnail: the same data: URI twice. */
	const char *first = strstr(html, "src=\"data:image/webp;base64,");
	g_assert_nonnull(first);
	g_autofree char *uri = g_strndup(first, strcspn(first + 5, "\"") + 5);
	g_assert_nonnull(strstr(first + 1, uri));
	/* One savings row per post showing a local image. */
	guint rows = 0;
	for (const char *p = html; (p = strstr(p, "<tr class=\"saving\">"));
	     p++)
		rows++;
	g_assert_cmpuint(rows, ==, 2);
	assert_formats(root, run, html);
	tu_rmtree(root);
}

/* The run result's per-post figures: each file once per post, the lower
 * middle post for an even count, posts without local images left out. */
static void
test_post_bytes(void)
{
	ImgoptRunResult res = {0};
	/* The post names play no part in the figures. */
	const ImgoptPostBytes posts[] = {
		{NULL, 400, 100}, {NULL, 100, 90},  {NULL, 0, 0},
		{NULL, 300, 50},  {NULL, 200, 200},
	};
	uint64_t median = 0, largest = 0;

	res.post_bytes = g_array_new(FALSE, FALSE, sizeof(ImgoptPostBytes));
	g_array_append_vals(res.post_bytes, posts, G_N_ELEMENTS(posts));
	imgopt_run_result_post_bytes(&res, false, &median, &largest);
	g_assert_cmpuint(median, ==, 200);
	g_assert_cmpuint(largest, ==, 400);
	imgopt_run_result_post_bytes(&res, true, &median, &largest);
	g_assert_cmpuint(median, ==, 90);
	g_assert_cmpuint(largest, ==, 200);
	g_array_unref(res.post_bytes);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_assert_true(imgopt_init(argv[0], NULL));
	g_test_add_func("/report/page", test_page);
	g_test_add_func("/report/post-bytes", test_post_bytes);
	int code = g_test_run();
	imgopt_shutdown();
	return code;
}
