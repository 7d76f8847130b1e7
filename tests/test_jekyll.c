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
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "fsio.h"
#include "testutil.h"

/* What the built site names and shows. */
typedef struct {
	const char *out;      /* the built site */
	const char *site_url; /* URLs under it are local (feeds, og:image) */
	GHashTable *missing;  /* url → page, local images not in the output */
	GHashTable *shown;    /* distinct local images shown: path relative to
				 @out → its size */
	guint64 bytes;        /* bytes of every image shown, with repeats */
	guint n_urls;         /* local image URLs named, every kind */
	guint n_images;       /* local images shown (with repeats) */
	guint n_sources;      /* <source> tags */
	guint n_pictures;     /* <picture> tags holding a <source> */
} Shown;

static void
shown_clear(Shown *s)
{
	g_clear_pointer(&s->missing, g_hash_table_unref);
	g_clear_pointer(&s->shown, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Shown, shown_clear)

static void
shown_init(Shown *s, const char *out, const char *site_url)
{
	s->out = out;
	s->site_url = site_url;
	s->missing =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	s->shown = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

static bool
is_remote(const char *url)
{
	return g_uri_peek_scheme(url) != NULL || g_str_has_prefix(url, "//") ||
	       *url == '\0' || *url == '#';
}

static bool
has_image_extension(const char *url)
{
	static const char *const exts[] = {".jpg", ".jpeg", ".png",
					   ".gif", ".webp", ".avif",
					   ".svg", ".ico",  NULL};
	g_autofree char *lower = g_ascii_strdown(url, -1);

	lower[strcspn(lower, "?#")] = '\0';
	for (guint i = 0; exts[i] != NULL; i++)
		if (g_str_has_suffix(lower, exts[i]))
			return true;
	return false;
}

/* @raw as a path relative to @s->out, or NULL if it is not local. */
static char *
local_path(const Shown *s, const char *page, const char *raw)
{
	g_autofree char *url = g_strstrip(g_strdup(raw));
	char *e;

	while ((e = strstr(url, "&amp;")) != NULL)
		memmove(e + 1, e + 5, strlen(e + 5) + 1);
	url[strcspn(url, "?#")] = '\0';
	if (s->site_url != NULL && g_str_has_prefix(url, s->site_url))
		memmove(url, url + strlen(s->site_url),
			strlen(url + strlen(s->site_url)) + 1);
	if (is_remote(url))
		return NULL;
	g_autofree char *path = g_uri_unescape_string(url, NULL);
	if (path == NULL)
		return g_strdup("");
	if (path[0] == '/')
		return g_strdup(path + 1);
	g_autofree char *dir = g_path_get_dirname(page);
	return g_build_filename(dir, path, NULL);
}

/* Notes one image URL @page names; counts it as shown if @is_shown. */
static void
note_url(Shown *s, const char *page, const char *raw, bool is_shown)
{
	g_autofree char *rel = local_path(s, page, raw);
	GStatBuf st;

	if (rel == NULL)
		return;
	g_autofree char *full = g_build_filename(s->out, rel, NULL);
	g_autofree char *canon = g_canonicalize_filename(full, "/");
	s->n_urls++;
	s->n_images += is_shown;
	if (!g_str_has_prefix(canon, s->out) || g_stat(canon, &st) != 0 ||
	    !S_ISREG(st.st_mode)) {
		g_hash_table_replace(s->missing, g_strdup(raw), g_strdup(page));
		return;
	}
	if (!is_shown)
		return;
	s->bytes += (guint64)st.st_size;
	g_hash_table_replace(s->shown, g_strdup(canon + strlen(s->out) + 1),
			     GSIZE_TO_POINTER(st.st_size));
}

static void
note_srcset(Shown *s, const char *page, const char *set)
{
	g_auto(GStrv) items = g_strsplit(set, ",", -1);

	for (char **it = items; *it != NULL; it++) {
		g_autofree char *item = g_strstrip(g_strdup(*it));
		item[strcspn(item, " \t\n")] = '\0';
		if (*item != '\0')
			note_url(s, page, item, false);
	}
}

/* The value of attribute @name in @tag, or NULL. */
static char *
attr_of(const char *tag, const char *name)
{
	g_autofree char *pattern = g_strdup_printf(
		"\\s%s\\s*=\\s*(?:\"([^\"]*)\"|'([^']*)'|([^\\s>]+))", name);
	g_autoptr(GRegex) re = g_regex_new(pattern, G_REGEX_CASELESS, 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;

	if (!g_regex_match(re, tag, 0, &m))
		return NULL;
	for (int g = 1; g <= 3; g++) {
		char *v = g_match_info_fetch(m, g);
		if (v != NULL && *v != '\0')
			return v;
		g_free(v);
	}
	return NULL;
}

/* One tag that can load an image: what it names and shows. */
static void
note_tag(Shown *s, const char *page, const char *name, const char *tag)
{
	g_autofree char *src = attr_of(tag, "src");
	g_autofree char *set = attr_of(tag, "srcset");
	g_autofree char *rel = attr_of(tag, "rel");
	g_autofree char *href = attr_of(tag, "(?:xlink:)?href");
	g_autofree char *poster = attr_of(tag, "poster");
	g_autofree char *content = attr_of(tag, "content");
	g_autofree char *prop = attr_of(tag, "(?:property|name|itemprop)");

	if (g_ascii_strcasecmp(name, "img") == 0 && src != NULL)
		note_url(s, page, src, true);
	else if (g_ascii_strcasecmp(name, "source") == 0) {
		s->n_sources++;
		if (src != NULL && has_image_extension(src))
			note_url(s, page, src, true);
	}
	else if (g_ascii_strcasecmp(name, "image") == 0 && href != NULL)
		note_url(s, page, href, true);
	else if (g_ascii_strcasecmp(name, "link") == 0 && rel != NULL &&
		 strstr(rel, "icon") != NULL && href != NULL)
		note_url(s, page, href, true);
	else if (g_ascii_strcasecmp(name, "meta") == 0 && prop != NULL &&
		 strstr(prop, "image") != NULL && content != NULL &&
		 has_image_extension(content))
		note_url(s, page, content, true);
	if (poster != NULL)
		note_url(s, page, poster, true);
	if (set != NULL && g_ascii_strcasecmp(name, "img") == 0)
		note_srcset(s, page, set);
	else if (set != NULL && has_image_extension(set))
		note_srcset(s, page, set);
}

/* Every url(...) of @text that names an image: shown. */
static void
note_css_urls(Shown *s, const char *page, const char *text)
{
	g_autoptr(GRegex) url = g_regex_new(
		"url\\(\\s*(?:&quot;|['\"])?([^'\")&]+)", 0, 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;

	for (g_regex_match(url, text, 0, &m); g_match_info_matches(m);
	     g_match_info_next(m, NULL)) {
		g_autofree char *v = g_match_info_fetch(m, 1);
		if (has_image_extension(g_strstrip(v)))
			note_url(s, page, v, true);
	}
}

/* Every quoted string of a script or JSON file that names an image. */
static void
note_quoted(Shown *s, const char *page, const char *text)
{
	g_autoptr(GRegex) q = g_regex_new(
		"[\"'`]([^\"'`\\s<>()]+\\.(?:jpe?g|png|gif|webp|avif|svg|ico))"
		"[\"'`]",
		G_REGEX_CASELESS, 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;

	for (g_regex_match(q, text, 0, &m); g_match_info_matches(m);
	     g_match_info_next(m, NULL)) {
		g_autofree char *v = g_match_info_fetch(m, 1);
		note_url(s, page, v, false);
	}
}

static void
scan_html(Shown *s, const char *page, const char *html)
{
	g_autoptr(GRegex) tags = g_regex_new(
		"<(img|source|image|video|link|meta|input)\\b[^>]*>",
		G_REGEX_CASELESS, 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;

	for (g_regex_match(tags, html, 0, &m); g_match_info_matches(m);
	     g_match_info_next(m, NULL)) {
		g_autofree char *tag = g_match_info_fetch(m, 0);
		g_autofree char *name = g_match_info_fetch(m, 1);
		note_tag(s, page, name, tag);
	}
	note_css_urls(s, page, html);
	for (const char *p = html;
	     (p = strstr(p, "<picture><source type=\"image/")) != NULL; p++)
		s->n_pictures++;
}

/* A feed embeds pages' HTML escaped. */
static char *
unescape_xml(const char *xml)
{
	GString *out = g_string_new(NULL);
	static const char *const from[] = {"&lt;", "&gt;", "&quot;", "&#39;",
					   NULL};
	static const char to[] = {'<', '>', '"', '\''};

	for (const char *p = xml; *p != '\0'; p++) {
		guint i = 0;
		for (; from[i] != NULL; i++)
			if (g_str_has_prefix(p, from[i]))
				break;
		if (from[i] == NULL) {
			g_string_append_c(out, *p);
			continue;
		}
		g_string_append_c(out, to[i]);
		p += strlen(from[i]) - 1;
	}
	return g_string_free(out, false);
}

static void
scan_file(Shown *s, const char *rel, const char *text)
{
	if (g_str_has_suffix(rel, ".html"))
		scan_html(s, rel, text);
	else if (g_str_has_suffix(rel, ".xml")) {
		g_autofree char *html = unescape_xml(text);
		scan_html(s, rel, html);
	}
	else if (g_str_has_suffix(rel, ".css"))
		note_css_urls(s, rel, text);
	else if (g_str_has_suffix(rel, ".js") ||
		 g_str_has_suffix(rel, ".json") ||
		 g_str_has_suffix(rel, ".webmanifest"))
		note_quoted(s, rel, text);
}

/* Everything the built site @out names: pages, feeds, stylesheets,
 * scripts and JSON. */
static void
collect_shown(const char *out, const char *site_url, Shown *s)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) files =
		imgopt_fs_walk(out, NULL, NULL, NULL, &error);

	g_assert_no_error(error);
	shown_init(s, out, site_url);
	for (guint i = 0; i < files->len; i++) {
		const char *rel = g_ptr_array_index(files, i);
		g_autofree char *full = g_build_filename(out, rel, NULL);
		g_autofree char *text = tu_read(full, NULL);

		scan_file(s, rel, text);
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

/* Nothing the built site named before is missing after, it names as many
 * images, and the images its pages show weigh less. */
static void
compare_shown(const Shown *before, const Shown *after)
{
	GHashTableIter it;
	gpointer url, page;

	g_test_message(
		"%u image URLs named, %u images shown: %" G_GUINT64_FORMAT
		" -> %" G_GUINT64_FORMAT " bytes; missing %u -> %u",
		before->n_urls, before->n_images, before->bytes, after->bytes,
		g_hash_table_size(before->missing),
		g_hash_table_size(after->missing));
	g_hash_table_iter_init(&it, before->missing);
	while (g_hash_table_iter_next(&it, &url, &page))
		g_test_message("missing before the run too: %s in %s",
			       (char *)url, (char *)page);
	g_hash_table_iter_init(&it, after->missing);
	while (g_hash_table_iter_next(&it, &url, &page))
		if (!g_hash_table_contains(before->missing, url))
			g_error("%s names '%s', which is not in the output",
				(char *)page, (char *)url);
	g_assert_cmpuint(after->n_urls, >=, before->n_urls);
	g_assert_cmpuint(after->n_images, ==, before->n_images);
	g_assert_cmpuint(after->bytes, <, before->bytes);
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
	collect_shown(out1, NULL, &before);
	g_assert_cmpint(tu_run(argv, NULL, NULL), <=, 1);
	jekyll_build(site, out2);
	collect_shown(out2, NULL, &after);
	compare_shown(&before, &after);
	if (after_out != NULL) {
		*after_out = after;
		after.missing = NULL;
		after.shown = NULL;
	}
}

/* Runs `imgopt COMMAND _posts img` in @site (as a user would, from the
 * site root); fails the test on a fatal error. */
static void
imgopt_in(const char *site, const char *command)
{
	const char *bin = g_getenv("IMGOPT_BIN");
	const char *argv[] = {bin, command, "_posts", "img", "-q", NULL};
	g_autofree char *err = NULL;
	g_autoptr(GError) error = NULL;
	int status = 0;

	g_assert_nonnull(bin);
	g_spawn_sync(site, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
		     NULL, &err, &status, &error);
	g_assert_no_error(error);
	g_test_message("imgopt %s: exit %d%s%s", command,
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		       *err != '\0' ? "\n" : "", err);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), <=, 1);
}

static char *
file_checksum(const char *path)
{
	gsize len = 0;
	g_autofree char *data = tu_read(path, &len);

	return g_compute_checksum_for_data(G_CHECKSUM_SHA256,
					   (const guchar *)data, len);
}

/* The checksums of every file in a variant folder of the built site. */
static GHashTable *
variant_checksums(const char *out)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) files =
		imgopt_fs_walk(out, NULL, NULL, NULL, &error);
	GHashTable *sums =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	g_assert_no_error(error);
	for (guint i = 0; i < files->len; i++) {
		const char *rel = g_ptr_array_index(files, i);
		g_autofree char *full = g_build_filename(out, rel, NULL);

		if (strstr(rel, "/optimized/") != NULL)
			g_hash_table_add(sums, file_checksum(full));
	}
	return sums;
}

/* Of the distinct raster images the pages show, how many come from the
 * variant folder: a variant, or an original whose very bytes are its best
 * variant (imgopt made nothing smaller, and a variant that is a copy of
 * its source is never linked: the page keeps the source's link). */
static void
count_variants(const Shown *s, guint *n_raster_out, guint *n_variants_out)
{
	static const char *const raster[] = {".jpg",  ".jpeg", ".png", ".gif",
					     ".webp", ".avif", NULL};
	g_autoptr(GHashTable) sums = variant_checksums(s->out);
	GHashTableIter it;
	gpointer key;
	guint n_kept = 0;

	*n_raster_out = *n_variants_out = 0;
	g_hash_table_iter_init(&it, s->shown);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		g_autofree char *lower = g_ascii_strdown(key, -1);
		g_autofree char *full = g_build_filename(s->out, key, NULL);
		bool is_raster = false;

		for (guint i = 0; raster[i] != NULL; i++)
			is_raster |= g_str_has_suffix(lower, raster[i]);
		if (!is_raster)
			continue;
		(*n_raster_out)++;
		g_autofree char *sum = file_checksum(full);
		if (strstr(key, "/optimized/") != NULL) {
			(*n_variants_out)++;
		}
		else if (g_hash_table_contains(sums, sum)) {
			(*n_variants_out)++;
			n_kept++;
		}
		else {
			g_test_message("shown, not optimized: %s",
				       (const char *)key);
		}
	}
	g_test_message("%u of them originals whose bytes are their best "
		       "variant",
		       n_kept);
}

/* The whole Hux Blog as users have it (theme, pages, config, CSS, JS, a
 * service worker): run then prune must leave every image URL the built
 * site names resolving, the pages showing variants, and undo then restore
 * must give back the original tree. */
static void
test_hux_full(void)
{
	g_autofree char *hux = tu_shared("sites", "hux-full", NULL);

	if (hux == NULL || !has_jekyll()) {
		g_test_skip("no ../shared/sites/hux-full or no jekyll");
		return;
	}
	g_autofree char *tmp = tu_tmpdir();
	g_autofree char *site = g_build_filename(tmp, "hux-full", NULL);
	g_autofree char *out1 = g_build_filename(tmp, "out-before", NULL);
	g_autofree char *out2 = g_build_filename(tmp, "out-after", NULL);
	g_auto(Shown) before = {0};
	g_auto(Shown) after = {0};
	guint n_raster = 0, n_variants = 0;

	tu_copytree(hux, site);
	g_autoptr(GHashTable) original = tu_load_tree(site, ".imgopt");
	jekyll_build(site, out1);
	collect_shown(out1, "https://huangxuan.me", &before);
	imgopt_in(site, "run");
	imgopt_in(site, "prune");
	jekyll_build(site, out2);
	collect_shown(out2, "https://huangxuan.me", &after);
	compare_shown(&before, &after);
	count_variants(&after, &n_raster, &n_variants);
	g_test_message("%u of %u distinct raster images shown come from the "
		       "variant folder",
		       n_variants, n_raster);
	g_assert_cmpuint(n_variants * 100, >=, 95 * n_raster);
	imgopt_in(site, "undo");
	imgopt_in(site, "restore");
	g_autoptr(GHashTable) back = tu_load_tree(site, ".imgopt");
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, back);
	/* The variants stay (undo keeps them for the next run); jekyll
	 * keeps its cache in the source folder. */
	while (g_hash_table_iter_next(&it, &key, NULL))
		if (g_str_has_prefix(key, "img/optimized/") ||
		    g_str_has_prefix(key, ".jekyll-cache/"))
			g_hash_table_iter_remove(&it);
	tu_assert_same_tree(original, back, "hux-full after undo and restore");
	tu_rmtree(tmp);
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
	g_test_add_func("/jekyll/hux-full", test_hux_full);
	g_test_add_data_func("/jekyll/genblog", NULL, test_genblog);
	g_test_add_data_func("/jekyll/genblog-picture", "picture",
			     test_genblog);
	return g_test_run();
}
