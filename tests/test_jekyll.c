/*
 * test_jekyll.c: the real client.  On a copy of ../shared/sites/hux and on
 * a genblog blog, `jekyll build` must succeed before and after `imgopt`,
 * every local image the built pages show (`<img src>`, `srcset`
 * candidates, `url(...)` in styles) must exist in the output after the
 * run (no image lost: whatever was missing before, broken links being
 * left as written, is the most that may be missing after), and the bytes
 * of the images the pages show must drop.
 */
#include <string.h>

#include <glib/gstdio.h>

#include "fsio.h"
#include "testutil.h"

/* What the built pages show. */
typedef struct {
	GHashTable *missing; /* url → page, local images not in the output */
	guint64 bytes;       /* bytes of every src and url() shown */
	guint n_images;      /* local images shown (with repeats) */
	guint n_sources;     /* <source> tags */
	guint n_pictures;    /* <picture> tags holding a <source> */
} Shown;

static void
shown_clear(Shown *s)
{
	g_clear_pointer(&s->missing, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Shown, shown_clear)

static bool
is_remote(const char *url)
{
	return g_uri_peek_scheme(url) != NULL || g_str_has_prefix(url, "//") ||
	       *url == '\0' || *url == '#';
}

/* Checks one url shown by @page (relative to @out); counts its bytes if
 * @is_counted. */
static void
check_url(Shown *s, const char *out, const char *page, const char *raw,
	  bool is_counted)
{
	g_autofree char *amp = g_strdup(raw);
	char *e;

	while ((e = strstr(amp, "&amp;")) != NULL)
		memmove(e + 1, e + 5, strlen(e + 5) + 1);
	amp[strcspn(amp, "?#")] = '\0';
	if (is_remote(amp))
		return;
	g_autofree char *path = g_uri_unescape_string(amp, NULL);
	g_autofree char *dir = g_path_get_dirname(page);
	g_autofree char *full =
		path == NULL     ? g_strdup("")
		: path[0] == '/' ? g_build_filename(out, path, NULL)
				 : g_build_filename(out, dir, path, NULL);
	GStatBuf st;

	s->n_images += is_counted;
	if (g_stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
		g_hash_table_replace(s->missing, g_strdup(raw), g_strdup(page));
		return;
	}
	if (is_counted)
		s->bytes += (guint64)st.st_size;
}

static void
check_srcset(Shown *s, const char *out, const char *page, const char *set)
{
	g_auto(GStrv) items = g_strsplit(set, ",", -1);

	for (char **it = items; *it != NULL; it++) {
		g_autofree char *item = g_strstrip(g_strdup(*it));
		item[strcspn(item, " \t\n")] = '\0';
		if (*item != '\0')
			check_url(s, out, page, item, false);
	}
}

/* First capture group of @re that matched, or NULL. */
static char *
group_of(GMatchInfo *m, int first, int last)
{
	for (int g = first; g <= last; g++) {
		char *v = g_match_info_fetch(m, g);
		if (v != NULL && *v != '\0')
			return v;
		g_free(v);
	}
	return NULL;
}

static void
scan_page(Shown *s, const char *out, const char *page, const char *html)
{
	g_autoptr(GRegex) img =
		g_regex_new("<img\\b[^>]*>", G_REGEX_CASELESS, 0, NULL);
	g_autoptr(GRegex) src = g_regex_new(
		"\\ssrc\\s*=\\s*(?:\"([^\"]*)\"|'([^']*)'|([^\\s>]+))",
		G_REGEX_CASELESS, 0, NULL);
	g_autoptr(GRegex) set =
		g_regex_new("\\ssrcset\\s*=\\s*(?:\"([^\"]*)\"|'([^']*)')",
			    G_REGEX_CASELESS, 0, NULL);
	g_autoptr(GRegex) url = g_regex_new(
		"url\\(\\s*(?:&quot;|['\"])?([^'\")&]+)", 0, 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;

	for (g_regex_match(img, html, 0, &m); g_match_info_matches(m);
	     g_match_info_next(m, NULL)) {
		g_autofree char *tag = g_match_info_fetch(m, 0);
		g_autoptr(GMatchInfo) ms = NULL;
		g_autoptr(GMatchInfo) mset = NULL;

		if (g_regex_match(src, tag, 0, &ms)) {
			g_autofree char *v = group_of(ms, 1, 3);
			if (v != NULL)
				check_url(s, out, page, v, true);
		}
		if (g_regex_match(set, tag, 0, &mset)) {
			g_autofree char *v = group_of(mset, 1, 2);
			if (v != NULL)
				check_srcset(s, out, page, v);
		}
	}
	/* <picture><source srcset>: every candidate must exist too. */
	g_autoptr(GRegex) source =
		g_regex_new("<source\\b[^>]*>", G_REGEX_CASELESS, 0, NULL);
	g_autoptr(GMatchInfo) msrc = NULL;
	for (g_regex_match(source, html, 0, &msrc); g_match_info_matches(msrc);
	     g_match_info_next(msrc, NULL)) {
		g_autofree char *tag = g_match_info_fetch(msrc, 0);
		g_autoptr(GMatchInfo) mset = NULL;

		s->n_sources++;
		if (g_regex_match(set, tag, 0, &mset)) {
			g_autofree char *v = group_of(mset, 1, 2);
			if (v != NULL)
				check_srcset(s, out, page, v);
		}
	}
	g_autoptr(GMatchInfo) mu = NULL;
	for (g_regex_match(url, html, 0, &mu); g_match_info_matches(mu);
	     g_match_info_next(mu, NULL)) {
		g_autofree char *v = g_match_info_fetch(mu, 1);
		check_url(s, out, page, g_strstrip(v), true);
	}
}

static void
collect_shown(const char *out, Shown *s)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) files =
		imgopt_fs_walk(out, NULL, NULL, NULL, &error);

	g_assert_no_error(error);
	s->missing =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (guint i = 0; i < files->len; i++) {
		const char *rel = g_ptr_array_index(files, i);
		if (!g_str_has_suffix(rel, ".html"))
			continue;
		g_autofree char *full = g_build_filename(out, rel, NULL);
		g_autofree char *html = tu_read(full, NULL);
		scan_page(s, out, rel, html);
		for (const char *p = html;
		     (p = strstr(p, "<picture><source type=\"image/")) != NULL;
		     p++)
			s->n_pictures++;
	}
}

static bool
has_jekyll(void)
{
	g_autofree char *path = g_find_program_in_path("jekyll");

	return path != NULL;
}

static void
jekyll_build(const char *site, const char *out)
{
	const char *argv[] = {"jekyll", "build", "-q", "-s",
			      site,     "-d",    out,  NULL};
	g_autofree char *err = NULL;
	int code = tu_run(argv, NULL, &err);

	if (code != 0)
		g_error("jekyll build -s %s failed (%d): %s", site, code, err);
}

/* Builds @site, runs imgopt on POSTS/IMAGES (with @option1 and @option2
 * if not NULL), builds again, compares; *@after_out gets what the pages
 * show after the run. */
static void
check_site(const char *tmp, const char *site, const char *images,
	   const char *option1, const char *option2, Shown *after_out)
{
	g_autofree char *out1 = g_build_filename(tmp, "out-before", NULL);
	g_autofree char *out2 = g_build_filename(tmp, "out-after", NULL);
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *imgdir = g_build_filename(site, images, NULL);
	g_auto(Shown) before = {0};
	g_auto(Shown) after = {0};
	const char *argv[] = {"imgopt", posts,   imgdir, "-q",
			      option1,  option2, NULL};

	jekyll_build(site, out1);
	collect_shown(out1, &before);
	g_assert_cmpint(tu_run(argv, NULL, NULL), <=, 1);
	jekyll_build(site, out2);
	collect_shown(out2, &after);
	g_test_message("%u images shown: %" G_GUINT64_FORMAT
		       " -> %" G_GUINT64_FORMAT " bytes; missing %u -> %u",
		       before.n_images, before.bytes, after.bytes,
		       g_hash_table_size(before.missing),
		       g_hash_table_size(after.missing));
	GHashTableIter it;
	gpointer url, page;
	g_hash_table_iter_init(&it, before.missing);
	while (g_hash_table_iter_next(&it, &url, &page))
		g_test_message("missing before the run too: %s in %s",
			       (char *)url, (char *)page);
	g_hash_table_iter_init(&it, after.missing);
	while (g_hash_table_iter_next(&it, &url, &page))
		if (!g_hash_table_contains(before.missing, url))
			g_error("%s shows '%s', which is not in the output",
				(char *)page, (char *)url);
	g_assert_cmpuint(after.n_images, ==, before.n_images);
	g_assert_cmpuint(after.bytes, <, before.bytes);
	if (after_out != NULL) {
		*after_out = after;
		after.missing = NULL;
	}
}

static void
test_hux(void)
{
	g_autofree char *hux = tu_shared("sites", "hux", NULL);

	if (hux == NULL || !has_jekyll()) {
		g_test_skip("no ../shared/sites/hux or no jekyll");
		return;
	}
	g_autofree char *tmp = tu_tmpdir();
	g_autofree char *site = g_build_filename(tmp, "hux", NULL);

	tu_copytree(hux, site);
	check_site(tmp, site, "img", NULL, NULL, NULL);
	tu_rmtree(tmp);
}

static void
test_genblog(gconstpointer data)
{
	bool is_picture = data != NULL;
	const char *genblog = g_getenv("GENBLOG");
	g_autofree char *layouts = tu_shared("sites", "hux", "_layouts", NULL);

	if (genblog == NULL || !has_jekyll()) {
		g_test_skip("no GENBLOG (tools/genblog) or no jekyll");
		return;
	}
	g_autofree char *tmp = tu_tmpdir();
	g_autofree char *site = g_build_filename(tmp, "blog", NULL);
	const char *argv[] = {genblog, "--posts", "40", "--images",
			      "120",   "--seed",  "7",  "--sizes",
			      "tiny",  "--out",   site, NULL};

	g_assert_cmpint(tu_run(argv, NULL, NULL), ==, 0);
	/* The Hux layouts show header-img as a style url(). */
	if (layouts != NULL) {
		g_autofree char *dst = g_build_filename(site, "_layouts", NULL);
		tu_copytree(layouts, dst);
	}
	if (!is_picture) {
		check_site(tmp, site, "postimg", NULL, NULL, NULL);
		tu_rmtree(tmp);
		return;
	}
	/* --srcset with WebP and AVIF: each Markdown image becomes a
	 * <picture> whose <source>s kramdown keeps in the built page. */
	g_auto(Shown) after = {0};
	check_site(tmp, site, "postimg", "--srcset", "--formats=jpeg,webp,avif",
		   &after);
	g_test_message("%u <picture>, %u <source> in the built pages",
		       after.n_pictures, after.n_sources);
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autoptr(GHashTable) tree = tu_load_tree(posts, NULL);
	GHashTableIter it;
	gpointer text;
	guint in_posts = 0;

	g_hash_table_iter_init(&it, tree);
	while (g_hash_table_iter_next(&it, NULL, &text)) {
		g_autofree char *t = g_strndup(g_bytes_get_data(text, NULL),
					       g_bytes_get_size(text));
		for (const char *p = t;
		     (p = strstr(p, "<picture><source type=\"image/")) != NULL;
		     p++)
			in_posts++;
	}
	g_test_message("%u <picture> in the posts", in_posts);
	/* Recompress keeps an AVIF or WebP variant only where it pays, so a
	 * <picture> has one or two <source>s. */
	g_assert_cmpuint(in_posts, >, 10);
	g_assert_cmpuint(after.n_pictures, >=, in_posts);
	g_assert_cmpuint(after.n_sources, >=, after.n_pictures);
	g_assert_cmpuint(after.n_sources, <=, 2 * after.n_pictures);
	tu_rmtree(tmp);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/jekyll/hux", test_hux);
	g_test_add_data_func("/jekyll/genblog", NULL, test_genblog);
	g_test_add_data_func("/jekyll/genblog-picture", "picture",
			     test_genblog);
	return g_test_run();
}
