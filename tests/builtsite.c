/*
 * builtsite.c: what the pages of a built site show (builtsite.h).
 */
#include "builtsite.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "imgopt/manifest.h"

#include "fsio.h"
#include "testutil.h"

void
built_shown_clear(BuiltShown *s)
{
	g_clear_pointer(&s->missing, g_hash_table_unref);
	g_clear_pointer(&s->shown, g_hash_table_unref);
	g_clear_pointer(&s->named, g_hash_table_unref);
	g_clear_pointer(&s->kept, g_hash_table_unref);
}

static void
built_shown_init(BuiltShown *s, const char *out, const char *site_url)
{
	s->out = out;
	s->site_url = site_url;
	s->missing =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	s->shown = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	s->named = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
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
local_path(const BuiltShown *s, const char *page, const char *raw)
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
note_url(BuiltShown *s, const char *page, const char *raw, bool is_shown)
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
	g_hash_table_add(s->named, g_strdup(canon + strlen(s->out) + 1));
	if (!is_shown)
		return;
	s->bytes += (guint64)st.st_size;
	g_hash_table_replace(s->shown, g_strdup(canon + strlen(s->out) + 1),
			     GSIZE_TO_POINTER(st.st_size));
}

static void
note_srcset(BuiltShown *s, const char *page, const char *set)
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
note_tag(BuiltShown *s, const char *page, const char *name, const char *tag)
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
note_css_urls(BuiltShown *s, const char *page, const char *text)
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
note_quoted(BuiltShown *s, const char *page, const char *text)
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
scan_html(BuiltShown *s, const char *page, const char *html)
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
scan_file(BuiltShown *s, const char *rel, const char *text)
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
void
built_collect(const char *out, const char *site_url, BuiltShown *s)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) files =
		imgopt_fs_walk(out, NULL, NULL, NULL, &error);

	g_assert_no_error(error);
	built_shown_init(s, out, site_url);
	for (guint i = 0; i < files->len; i++) {
		const char *rel = g_ptr_array_index(files, i);
		g_autofree char *full = g_build_filename(out, rel, NULL);
		g_autofree char *text = tu_read(full, NULL);

		scan_file(s, rel, text);
	}
}

/* Nothing the built site named before is missing after, it names as many
 * images, and the images its pages show weigh less. */
void
built_compare(const BuiltShown *before, const BuiltShown *after)
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

static char *
file_checksum(const char *path)
{
	gsize len = 0;
	g_autofree char *data = tu_read(path, &len);

	return g_compute_checksum_for_data(G_CHECKSUM_SHA256,
					   (const guchar *)data, len);
}

/* Whether @rel is in a variant folder, the output root's `optimized/`
 * (Hexo publishes `source/optimized/` there) included. */
static bool
is_variant(const char *rel)
{
	return g_str_has_prefix(rel, "optimized/") ||
	       strstr(rel, "/optimized/") != NULL;
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

		if (is_variant(rel))
			g_hash_table_add(sums, file_checksum(full));
	}
	return sums;
}

void
built_note_kept(BuiltShown *s, const char *site)
{
	g_autofree char *db =
		g_build_filename(site, ".imgopt", "manifest.db", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptManifest) m = imgopt_manifest_open(db, &error);
	g_assert_no_error(error);
	g_autoptr(GPtrArray) rows = imgopt_manifest_load_variants(m, &error);
	g_assert_no_error(error);
	g_autoptr(GHashTable) files = imgopt_manifest_load_files(m, &error);
	g_assert_no_error(error);
	g_autoptr(GHashTable) copies =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTableIter it;
	gpointer value;

	for (guint i = 0; i < rows->len; i++) {
		const ImgoptVariant *v = g_ptr_array_index(rows, i);
		char hex[IMGOPT_HASH_HEX_LEN + 1];

		imgopt_hash_format(&v->hash, hex);
		if (*v->path == '\0')
			g_hash_table_add(copies, g_strdup(hex));
	}
	if (s->kept == NULL)
		s->kept = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
						NULL);
	g_hash_table_iter_init(&it, files);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		const ImgoptAsset *a = value;
		char hex[IMGOPT_HASH_HEX_LEN + 1];

		imgopt_hash_format(&a->hash, hex);
		if (!a->has_hash || !g_hash_table_contains(copies, hex))
			continue;
		g_autofree char *full = g_build_filename(site, a->path, NULL);
		if (g_file_test(full, G_FILE_TEST_IS_REGULAR))
			g_hash_table_add(s->kept, file_checksum(full));
	}
}

/* Of the distinct raster images the pages show, how many come from the
 * variant folder: a variant, or an original whose very bytes are its best
 * variant (imgopt made nothing smaller, and a variant that is a copy of
 * its source is never linked: the page keeps the source's link). */
void
built_count_variants(const BuiltShown *s, guint *n_raster_out,
		     guint *n_variants_out)
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
		if (is_variant(key)) {
			(*n_variants_out)++;
		}
		else if (g_hash_table_contains(sums, sum) ||
			 (s->kept != NULL &&
			  g_hash_table_contains(s->kept, sum))) {
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

/* Whether @rel (relative to a source site) is a build output, a tool's
 * folder or a dot-folder: not the site's own. */
static bool
is_output(const char *rel)
{
	static const char *const dirs[] = {"_site", "public", "resources",
					   "node_modules", NULL};
	g_auto(GStrv) parts = g_strsplit(rel, "/", -1);

	if (parts[0] == NULL || parts[1] == NULL)
		return false;
	for (guint i = 0; parts[i + 1] != NULL; i++)
		if (parts[i][0] == '.')
			return true;
	for (guint i = 0; dirs[i] != NULL; i++)
		if (strcmp(parts[0], dirs[i]) == 0)
			return true;
	return false;
}

/* The text of every source file that may link an image. */
static GString *
source_texts(const char *site, GPtrArray *files)
{
	static const char *const exts[] = {
		".md",   ".markdown", ".html", ".htm", ".yml",
		".yaml", ".toml",     ".json", ".css", ".scss",
		".js",   ".ejs",      ".xml",  ".txt", NULL};
	GString *all = g_string_new(NULL);

	for (guint i = 0; i < files->len; i++) {
		const char *rel = g_ptr_array_index(files, i);
		bool is_text = false;

		for (guint k = 0; exts[k] != NULL; k++)
			is_text |= g_str_has_suffix(rel, exts[k]);
		if (!is_text || is_output(rel))
			continue;
		g_autofree char *full = g_build_filename(site, rel, NULL);
		g_autofree char *text = tu_read(full, NULL);
		g_string_append(all, text);
		g_string_append_c(all, '\n');
	}
	return all;
}

GPtrArray *
built_unlinked_variants(const char *site, const BuiltShown *after)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) files =
		imgopt_fs_walk(site, NULL, NULL, NULL, &error);
	g_autoptr(GHashTable) named =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *unlinked = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	gpointer key;

	g_assert_no_error(error);
	g_hash_table_iter_init(&it, after->named);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		g_autofree char *full = g_build_filename(after->out, key, NULL);
		g_hash_table_add(named, file_checksum(full));
	}
	g_autoptr(GString) texts = source_texts(site, files);
	for (guint i = 0; i < files->len; i++) {
		const char *rel = g_ptr_array_index(files, i);
		g_autofree char *full = g_build_filename(site, rel, NULL);
		g_autofree char *base = g_path_get_basename(rel);

		if (!is_variant(rel) || is_output(rel))
			continue;
		g_autofree char *sum = file_checksum(full);
		if (!g_hash_table_contains(named, sum) &&
		    strstr(texts->str, base) == NULL)
			g_ptr_array_add(unlinked, g_strdup(rel));
	}
	return unlinked;
}

void
built_assert_all_linked(const char *site, const BuiltShown *after)
{
	g_autoptr(GPtrArray) unlinked = built_unlinked_variants(site, after);

	g_test_message("%u variant files linked by nothing", unlinked->len);
	for (guint i = 0; i < unlinked->len; i++)
		g_test_message("linked by nothing: %s",
			       (char *)g_ptr_array_index(unlinked, i));
	g_assert_cmpuint(unlinked->len, ==, 0);
}
