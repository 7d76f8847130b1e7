/*
 * test_kramdown_diff.c: the scanner's kramdown dialect against kramdown
 * itself (Debian ruby-kramdown with kramdown-parser-gfm, what Jekyll runs
 * for `markdown: kramdown` with `input: GFM`), page by page.
 *
 * Every post and page of the shared hux-full and hux sites (.md, .markdown,
 * .html under the site, front matter removed) and every fixture post is
 * rendered: Markdown by kramdown, in one ruby process for all of them; an
 * .html page as it is (Jekyll does not convert it).  The image URLs a
 * browser loads from the result (tests/htmlimg.c) must equal, as a sorted
 * multiset, the scanner's references in the kramdown dialect that are
 * neither front matter nor Liquid tags, both sides normalised as in
 * test_cmark_diff.c (line ends dropped: kramdown keeps a destination's
 * line break, the browser removes it).  The few places where fixtures
 * written for CommonMark still differ are listed, URL by URL, in
 * divergences.
 */
#include "imgopt/imgopt.h"

#include <string.h>

#include "htmlimg.h"
#include "testutil.h"

/* Renders each FILE to FILE.html with the options Jekyll gives kramdown
 * for `input: GFM` (hard_wrap off, as Jekyll sets it). */
static const char ruby_script[] =
	"require 'kramdown'\n"
	"require 'kramdown-parser-gfm'\n"
	"ARGV.each do |f|\n"
	"  doc = Kramdown::Document.new(File.read(f, encoding: 'UTF-8'),\n"
	"    input: 'GFM', hard_wrap: false)\n"
	"  File.write(f + '.html', doc.to_html)\n"
	"end\n";

static bool
have_kramdown(void)
{
	const char *argv[] = {
		"ruby", "-e",
		"require 'kramdown'; require 'kramdown-parser-gfm'", NULL};
	int status = 0;

	if (!g_spawn_sync(NULL, (char **)argv, NULL,
			  G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
				  G_SPAWN_STDERR_TO_DEV_NULL,
			  NULL, NULL, NULL, NULL, &status, NULL))
		return false;
	return g_spawn_check_wait_status(status, NULL);
}

static bool
is_markdown(const char *path)
{
	return g_str_has_suffix(path, ".md") ||
	       g_str_has_suffix(path, ".markdown");
}

/* Writes each Markdown post's body (Liquid collapsed) to DIR/N.md and
 * renders them all; returns the input names, NULL for .html pages. */
static GPtrArray *
render_all(const char *dir, GPtrArray *posts)
{
	GPtrArray *inputs = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	int status = 0;

	g_ptr_array_add(argv, (char *)"ruby");
	g_ptr_array_add(argv, (char *)"-e");
	g_ptr_array_add(argv, (char *)ruby_script);
	for (guint i = 0; i < posts->len; i++) {
		const char *path = posts->pdata[i];
		gsize len = 0;

		if (!is_markdown(path)) {
			g_ptr_array_add(inputs, NULL);
			continue;
		}
		g_autofree char *text = tu_read(path, &len);
		g_autofree char *body =
			hi_collapse_liquid(text + hi_body_start(text, len));
		char *input = g_strdup_printf("%s/%u.md", dir, i);
		tu_write(input, body);
		g_ptr_array_add(inputs, input);
		g_ptr_array_add(argv, input);
	}
	g_ptr_array_add(argv, NULL);
	g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH,
		     NULL, NULL, NULL, NULL, &status, &error);
	g_assert_no_error(error);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	return inputs;
}

/*
 * Where the kramdown dialect still follows CommonMark, on fixtures written
 * for CommonMark: the exact URLs only kramdown shows, and only the scanner
 * reports.  Such a post must differ by exactly these (so a fix shows up
 * here as a failure, and the entry goes); every other post must agree.
 */
static const struct {
	const char *post;     /* basename of a fixtures/markdown post */
	const char *kramdown; /* hi_joined() of what only kramdown shows */
	const char *scanner;  /* and of what only the scanner reports */
} divergences[] = {
	/* kramdown's fence needs its closing fence within its list item
	 * or quote; the scanner looks for one anywhere after it */
	{"code.md", "  fence-in-item.png\n  fence-in-quote.png\n", ""},
	/* kramdown's last definition of a label wins, and a definition is
	 * one line (definitions are scan_inline.c's relink work) */
	{"reference.md",
	 "  /img/second-definition.png\n  /img/second-definition.png\n"
	 "  /img/second-definition.png\n",
	 "  /img/logo.png\n  /img/logo.png\n  /img/logo.png\n"
	 "  /img/next-line.png\n"},
};

/* The elements of sorted @a not in sorted @b (as multisets), joined. */
static char *
only_in(GPtrArray *a, GPtrArray *b)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new();
	guint j = 0;

	for (guint i = 0; i < a->len; i++) {
		while (j < b->len && strcmp(b->pdata[j], a->pdata[i]) < 0)
			j++;
		if (j < b->len && strcmp(b->pdata[j], a->pdata[i]) == 0)
			j++;
		else
			g_ptr_array_add(out, a->pdata[i]);
	}
	return hi_joined(out);
}

/* The index of the divergence listed for @path, or -1. */
static int
listed_at(const char *path)
{
	g_autofree char *base = g_path_get_basename(path);
	g_autofree char *dir = g_path_get_dirname(path);

	for (guint i = 0; i < G_N_ELEMENTS(divergences); i++)
		if (g_str_has_suffix(dir, "/markdown") &&
		    strcmp(base, divergences[i].post) == 0)
			return (int)i;
	return -1;
}

static bool
is_listed(const char *path)
{
	return listed_at(path) >= 0;
}

/* Whether @path differs from kramdown exactly as listed. */
static bool
is_known(const char *path, GPtrArray *mine, GPtrArray *theirs)
{
	int at = listed_at(path);

	g_ptr_array_sort(mine, hi_cmp_str);
	g_ptr_array_sort(theirs, hi_cmp_str);
	g_autofree char *k = only_in(theirs, mine);
	g_autofree char *s = only_in(mine, theirs);

	if (strcmp(k, divergences[at].kramdown) == 0 &&
	    strcmp(s, divergences[at].scanner) == 0)
		return true;
	g_test_message("%s no longer differs as listed\n only kramdown:\n%s"
		       " only the scanner:\n%s",
		       path, k, s);
	return false;
}

/* Compares one post with its rendering (@input.html, or for a NULL
 * @input the post's own body); returns true if both sides agree, or
 * differ exactly as listed in divergences. */
static bool
compare_post(const char *path, const char *input)
{
	gsize len = 0;
	g_autofree char *text = tu_read(path, &len);
	const ImgoptScanOptions opts = {IMGOPT_SCAN_KRAMDOWN, false};
	g_autoptr(GPtrArray) refs =
		imgopt_scan_text_full(path, text, len, &opts, NULL);
	g_autoptr(GPtrArray) mine = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) theirs = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *out_path =
		input != NULL ? g_strconcat(input, ".html", NULL) : NULL;
	g_autofree char *html =
		input != NULL ? tu_read(out_path, NULL)
			      : g_strdup(text + hi_body_start(text, len));

	hi_sides(refs, html, true, mine, theirs);
	if (is_listed(path))
		return is_known(path, mine, theirs);
	return hi_agree(path, "kramdown", mine, theirs);
}

static bool
compare_one(guint i, const char *post, gpointer inputs)
{
	return compare_post(post, g_ptr_array_index((GPtrArray *)inputs, i));
}

static void
compare_all(GPtrArray *posts)
{
	g_autofree char *dir = tu_tmpdir();

	g_ptr_array_sort(posts, hi_cmp_str);
	g_autoptr(GPtrArray) inputs = render_all(dir, posts);
	hi_compare_all(posts, "kramdown", compare_one, inputs);
	tu_rmtree(dir);
}

static void
test_fixtures(void)
{
	g_autoptr(GPtrArray) posts = g_ptr_array_new_with_free_func(g_free);

	hi_fixture_posts(posts);
	compare_all(posts);
}

/* Every page and post of a shared site: the Markdown and HTML files
 * outside the folders Jekyll does not render as pages (_site, assets
 * of the theme: js, css, less, fonts, img, node_modules). */
static void
collect_site(const char *dir, GPtrArray *out)
{
	static const char *const skipped[] = {
		"_site", "js",           "css", "less", "fonts",
		"img",   "node_modules", "pwa", NULL,
	};
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(dir, name, NULL);

		if (g_strv_contains(skipped, name) || name[0] == '.')
			continue;
		if (g_file_test(path, G_FILE_TEST_IS_DIR))
			hi_collect(path, true, out);
		else if (is_markdown(name) || g_str_has_suffix(name, ".html"))
			g_ptr_array_add(out, g_steal_pointer(&path));
	}
}

static void
test_site(gconstpointer data)
{
	const char *site = data;
	g_autofree char *root = tu_shared("sites", site, NULL);
	g_autoptr(GPtrArray) posts = g_ptr_array_new_with_free_func(g_free);

	if (root == NULL || !g_file_test(root, G_FILE_TEST_IS_DIR)) {
		g_test_skip("the shared site is missing");
		return;
	}
	collect_site(root, posts);
	g_assert_cmpuint(posts->len, >=, 20);
	compare_all(posts);
}

static void
test_missing(void)
{
	g_test_skip("ruby with kramdown and kramdown-parser-gfm is missing "
		    "(scripts/setup.sh installs them)");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	if (!have_kramdown()) {
		g_test_add_func("/kramdown-diff/missing", test_missing);
		return g_test_run();
	}
	g_test_add_func("/kramdown-diff/fixtures", test_fixtures);
	g_test_add_data_func("/kramdown-diff/hux-full", "hux-full", test_site);
	g_test_add_data_func("/kramdown-diff/hux", "hux", test_site);
	return g_test_run();
}
