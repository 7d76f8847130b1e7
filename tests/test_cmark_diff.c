/*
 * test_cmark_diff.c: the scanner against `cmark --unsafe`, post by post.
 *
 * For every fixture post and every post of the shared hux site, the body
 * (front matter removed) goes through cmark; the image URLs a browser would
 * load from its HTML (tests/htmlimg.c: img, image and picture source src
 * and srcset, video poster, style url(), outside comments and
 * script/style/textarea) must equal, as a sorted multiset, the
 * scanner's references that are neither front matter, Liquid tags nor the
 * multi-line export damage.  Both sides are entity- and percent-decoded
 * (cmark percent-encodes what it writes) and lose tabs and line ends (as
 * the URL parser does; tests/htmlimg.c), and whitespace inside Liquid
 * `{{ }}` is removed on both sides, since Jekyll expands Liquid before
 * Markdown and cmark would otherwise stop a destination at the space.
 */
#include "imgopt/imgopt.h"

#include <string.h>

#include "htmlimg.h"
#include "testutil.h"

/* ---- running cmark ---- */

static char *
run_cmark(const char *dir, const char *body)
{
	g_autofree char *input = g_build_filename(dir, "body.md", NULL);
	g_autofree char *liquid = hi_collapse_liquid(body);
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

/* Compares one post; returns true if both sides agree. */
static bool
compare_post(const char *dir, const char *path)
{
	gsize len = 0;
	g_autofree char *text = tu_read(path, &len);
	g_autoptr(GPtrArray) refs = imgopt_scan_text(path, text, len, NULL);
	g_autoptr(GPtrArray) mine = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) theirs = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *html = run_cmark(dir, text + hi_body_start(text, len));

	hi_sides(refs, html, false, mine, theirs);
	return hi_agree(path, "cmark", mine, theirs);
}

/* ---- the post lists ---- */

static bool
compare_one(guint i, const char *post, gpointer dir)
{
	(void)i;
	return compare_post(dir, post);
}

static void
compare_all(GPtrArray *posts)
{
	g_autofree char *dir = tu_tmpdir();

	hi_compare_all(posts, "cmark", compare_one, dir);
	tu_rmtree(dir);
}

static void
test_fixtures(void)
{
	g_autoptr(GPtrArray) posts = g_ptr_array_new_with_free_func(g_free);

	hi_fixture_posts(posts);
	/* kramdown-*.md hold kramdown's rules (test_kramdown_diff.c) */
	for (guint i = posts->len; i > 0; i--) {
		g_autofree char *base =
			g_path_get_basename(posts->pdata[i - 1]);
		if (g_str_has_prefix(base, "kramdown-"))
			g_ptr_array_remove_index(posts, i - 1);
	}
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
	hi_collect(posts_dir, false, posts);
	hi_collect(includes, false, posts);
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
