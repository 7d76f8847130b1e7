/*
 * layout.c: where a site keeps things (see layout.h): what its generator's
 * own configuration (_config.yml, hugo.toml) says, and finding POSTS and
 * IMAGES in a site root.
 */
#include <string.h>

#include "imgopt/layout.h"
#include "imgopt/site.h"

#include "fsio.h"
#include "site_gen.h"

/* Hugo's config files at the root, in the order Hugo looks for them, and
 * in its config folder (whose files it merges with the root's). */
static const char *const hugo_configs[] = {"hugo.toml", "hugo.yaml",
					   "config.toml", "config.yaml", NULL};
static const char *const hugo_dir_configs[] = {
	"config/_default/hugo.toml", "config/_default/hugo.yaml",
	"config/_default/config.toml", "config/_default/config.yaml", NULL};

/* Whether @dir holds a regular file of one of @names (NULL-terminated). */
static bool
has_any(const char *dir, const char *const *names)
{
	for (size_t i = 0; names[i] != NULL; i++) {
		g_autofree char *path = g_build_filename(dir, names[i], NULL);

		if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
			return true;
	}
	return false;
}

bool
imgopt_layout_is_site_root(const char *dir)
{
	/* The files that make a folder a site root (Jekyll/Hexo, Hugo). */
	static const char *const names[] = {"_config.yml", "_config.yaml",
					    NULL};

	return has_any(dir, names) || imgopt_layout_is_hugo(dir);
}

bool
imgopt_layout_is_hugo(const char *root)
{
	return has_any(root, hugo_configs) || has_any(root, hugo_dir_configs);
}

/* Whether @root/@name exists as a folder. */
static bool
has_dir(const char *root, const char *name)
{
	g_autofree char *path = g_build_filename(root, name, NULL);

	return g_file_test(path, G_FILE_TEST_IS_DIR);
}

/* Whether @root's package.json names hexo (a dependency or a script). */
static bool
package_names_hexo(const char *root)
{
	g_autofree char *path = g_build_filename(root, "package.json", NULL);
	g_autofree char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return false;
	return strstr(text, "\"hexo\"") != NULL;
}

ImgoptGenerator
imgopt_layout_generator(const char *root)
{
	static const char *const jekyll[] = {"_config.yml", "_config.yaml",
					     NULL};

	if (imgopt_layout_is_hugo(root))
		return IMGOPT_GENERATOR_HUGO;
	if (has_any(root, jekyll) &&
	    (has_dir(root, "scaffolds") || has_dir(root, "source/_posts") ||
	     package_names_hexo(root)))
		return IMGOPT_GENERATOR_HEXO;
	return IMGOPT_GENERATOR_JEKYLL;
}

/* ---- the site's own configuration ---- */

void
imgopt_site_layout_free(ImgoptSiteLayout *config)
{
	if (config == NULL)
		return;
	g_free(config->baseurl);
	g_clear_pointer(&config->exclude, g_ptr_array_unref);
	g_free(config->content_dir);
	g_clear_pointer(&config->static_dirs, g_ptr_array_unref);
	g_clear_pointer(&config->themes, g_ptr_array_unref);
	g_free(config->asset_dir);
	g_free(config->source_dir);
	g_free(config->theme);
	g_free(config);
}

/* @text without quotes, spaces or a trailing comment. */
static char *
scalar(const char *text)
{
	g_autofree char *v = g_strstrip(g_strdup(text));
	size_t n = strlen(v);

	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
		return g_strndup(v + 1, n - 2);
	char *hash = strstr(v, " #");
	if (hash != NULL)
		*hash = '\0';
	return g_strstrip(g_strdup(v));
}

/* "https://host/blog/" or "/blog/" → "/blog"; NULL for "" and "/". */
static char *
url_path(const char *url)
{
	const char *p = url;
	const char *scheme = strstr(url, "://");

	if (scheme != NULL) {
		p = strchr(scheme + 3, '/');
		if (p == NULL)
			return NULL;
	}
	g_autofree char *path = g_strdup(p);
	size_t n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		path[--n] = '\0';
	if (n == 0)
		return NULL;
	return path[0] == '/' ? g_steal_pointer(&path)
			      : g_strconcat("/", path, NULL);
}

/* Adds the comma-separated scalars of @flow (no brackets) to @out. */
static void
add_flow_items(const char *flow, GPtrArray *out)
{
	g_auto(GStrv) items = g_strsplit(flow, ",", -1);

	for (int i = 0; items[i] != NULL; i++) {
		char *v = scalar(items[i]);
		if (*v != '\0')
			g_ptr_array_add(out, v);
		else
			g_free(v);
	}
}

/* A list value starting at @rest, a part of lines[@at] after its key:
 * a flow list `[a, b]` (on one line or over several, as the Hux theme
 * writes Jekyll's exclude and Hugo's TOML arrays run), or, when @rest is
 * empty, the `- a` lines that follow (YAML). */
static void
read_list(char **lines, int at, const char *rest_text, GPtrArray *out)
{
	g_autofree char *rest = g_strstrip(g_strdup(rest_text));
	int i = at + 1;

	if (rest[0] == '\0' && lines[i] != NULL) {
		/* the flow list may start on the next line */
		g_autofree char *next = g_strstrip(g_strdup(lines[i]));
		if (next[0] == '[') {
			g_free(rest);
			rest = g_steal_pointer(&next);
			i++;
		}
	}
	if (rest[0] == '[') {
		g_autoptr(GString) flow = g_string_new(rest + 1);
		for (; strchr(flow->str, ']') == NULL && lines[i] != NULL; i++)
			g_string_append(g_string_append_c(flow, ','), lines[i]);
		char *close = strchr(flow->str, ']');
		if (close != NULL)
			*close = '\0';
		add_flow_items(flow->str, out);
		return;
	}
	if (rest[0] != '\0') {
		g_ptr_array_add(out, scalar(rest));
		return;
	}
	for (; lines[i] != NULL; i++) {
		g_autofree char *l = g_strstrip(g_strdup(lines[i]));
		if (*l == '\0' || *l == '#')
			continue;
		if (*l != '-')
			break;
		g_ptr_array_add(out, scalar(l + 1));
	}
}

/* The text of the first of @names (NULL-terminated) that can be read in
 * @root, or NULL. */
static char *
read_first(const char *root, const char *const *names)
{
	for (size_t i = 0; names[i] != NULL; i++) {
		g_autofree char *p = g_build_filename(root, names[i], NULL);
		char *text = NULL;

		if (g_file_get_contents(p, &text, NULL, NULL))
			return text;
	}
	return NULL;
}

static void
read_jekyll(const char *root, ImgoptSiteLayout *c)
{
	static const char *const names[] = {"_config.yml", "_config.yaml",
					    NULL};
	g_autofree char *text = read_first(root, names);

	if (text == NULL)
		return;
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], "baseurl:")) {
			g_autofree char *v = scalar(lines[i] + 8);
			g_free(c->baseurl);
			c->baseurl = url_path(v);
		}
		else if (g_str_has_prefix(lines[i], "exclude:"))
			read_list(lines, i, lines[i] + 8, c->exclude);
	}
}

/* Splits a top-level line of a Hugo config into its key and what
 * follows the separator (`key = value` in TOML, before any [table];
 * `key: value` in YAML, not indented).  Returns false for any other
 * line; sets *@is_table_out when a TOML [table] starts, which ends the
 * top level. */
static bool
hugo_key(const char *line, bool is_toml, char **key_out, const char **rest_out,
	 bool *is_table_out)
{
	const char *sep = strchr(line, is_toml ? '=' : ':');

	*is_table_out = is_toml && line[0] == '[';
	if (*is_table_out || sep == NULL || line[0] == '#' || line[0] == ' ' ||
	    line[0] == '\t' || line[0] == '-')
		return false;
	*key_out = g_strstrip(g_strndup(line, (gsize)(sep - line)));
	*rest_out = sep + 1;
	return true;
}

static void
replace_str(char **field, const char *value)
{
	g_free(*field);
	*field = g_strdup(value);
}

/* Adds the non-empty strings of @values to @out. */
static void
add_all(GPtrArray *out, const GPtrArray *values)
{
	for (guint i = 0; i < values->len; i++)
		if (*(char *)g_ptr_array_index(values, i) != '\0')
			g_ptr_array_add(out,
					g_strdup(g_ptr_array_index(values, i)));
}

/* Hugo's folder keys: one value, the first of a list for contentDir and
 * assetDir, every one of a list for staticDir and theme. */
static void
set_hugo_key(ImgoptSiteLayout *c, const char *key, GPtrArray *values)
{
	const char *first = values->len > 0 ? g_ptr_array_index(values, 0) : "";

	if (g_ascii_strcasecmp(key, "baseURL") == 0 && c->baseurl == NULL)
		c->baseurl = url_path(first);
	else if (g_ascii_strcasecmp(key, "contentDir") == 0 && *first != '\0')
		replace_str(&c->content_dir, first);
	else if (g_ascii_strcasecmp(key, "assetDir") == 0 && *first != '\0')
		replace_str(&c->asset_dir, first);
	else if (g_ascii_strcasecmp(key, "staticDir") == 0)
		add_all(c->static_dirs, values);
	else if (g_ascii_strcasecmp(key, "theme") == 0)
		add_all(c->themes, values);
}

/* The top level of the Hugo config @text into @c. */
static void
read_hugo_text(char *text, bool is_toml, ImgoptSiteLayout *c)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	bool is_table = false;

	for (int i = 0; lines[i] != NULL; i++) {
		g_autofree char *key = NULL;
		const char *rest = NULL;
		g_strchomp(lines[i]);
		if (!hugo_key(lines[i], is_toml, &key, &rest, &is_table)) {
			if (is_table)
				break;
			continue;
		}
		g_autoptr(GPtrArray) values =
			g_ptr_array_new_with_free_func(g_free);
		read_list(lines, i, rest, values);
		set_hugo_key(c, key, values);
	}
}

/* The first of @names (NULL-terminated) in @root into @c, where @c has
 * no value yet. */
static void
read_hugo_first(const char *root, const char *const *names, ImgoptSiteLayout *c)
{
	for (size_t n = 0; names[n] != NULL; n++) {
		g_autofree char *p = g_build_filename(root, names[n], NULL);
		g_autofree char *text = NULL;
		ImgoptSiteLayout f = {0};

		if (!g_file_get_contents(p, &text, NULL, NULL))
			continue;
		f.static_dirs = g_ptr_array_new_with_free_func(g_free);
		f.themes = g_ptr_array_new_with_free_func(g_free);
		read_hugo_text(text, g_str_has_suffix(names[n], ".toml"), &f);
		if (c->baseurl == NULL)
			c->baseurl = g_steal_pointer(&f.baseurl);
		if (c->content_dir == NULL)
			c->content_dir = g_steal_pointer(&f.content_dir);
		if (c->asset_dir == NULL)
			c->asset_dir = g_steal_pointer(&f.asset_dir);
		if (c->static_dirs->len == 0)
			add_all(c->static_dirs, f.static_dirs);
		if (c->themes->len == 0)
			add_all(c->themes, f.themes);
		g_free(f.baseurl);
		g_free(f.content_dir);
		g_free(f.asset_dir);
		g_ptr_array_unref(f.static_dirs);
		g_ptr_array_unref(f.themes);
		return;
	}
}

/* Whether a Hugo config text turns on Goldmark's raw HTML: an `unsafe`
 * key set to true in a text that names goldmark (TOML `[markup.goldmark.
 * renderer]` then `unsafe = true`, the dotted key, or YAML's nesting). */
static bool
sets_raw_html(const char *text)
{
	g_autoptr(GRegex) re = NULL;

	if (strstr(text, "goldmark") == NULL)
		return false;
	re = g_regex_new("^[ \t]*(?:markup\\.goldmark\\.renderer\\.)?unsafe"
			 "[ \t]*[=:][ \t]*true\\b",
			 G_REGEX_MULTILINE, 0, NULL);
	return g_regex_match(re, text, 0, NULL);
}

/* Whether any Hugo config file of @root (the root's, config/_default/'s,
 * its markup file) turns on raw HTML. */
static bool
reads_raw_html(const char *root)
{
	static const char *const names[] = {
		"hugo.toml",
		"hugo.yaml",
		"config.toml",
		"config.yaml",
		"config/_default/hugo.toml",
		"config/_default/hugo.yaml",
		"config/_default/config.toml",
		"config/_default/config.yaml",
		"config/_default/markup.toml",
		"config/_default/markup.yaml",
		NULL,
	};

	for (size_t n = 0; names[n] != NULL; n++) {
		g_autofree char *p = g_build_filename(root, names[n], NULL);
		g_autofree char *text = NULL;

		if (g_file_get_contents(p, &text, NULL, NULL) &&
		    sets_raw_html(text))
			return true;
	}
	return false;
}

/* The first Hugo config at the root, then (for what it left unset) the
 * first in config/_default/. */
static void
read_hugo(const char *root, ImgoptSiteLayout *c)
{
	read_hugo_first(root, hugo_configs, c);
	read_hugo_first(root, hugo_dir_configs, c);
	c->hugo_raw_html = reads_raw_html(root);
}

/* Hexo's `_config.yml`: `root:` (else the path of `url:`) is the base
 * URL; `source_dir:`, `theme:`, `post_asset_folder:`. */
static void
read_hexo(const char *root, ImgoptSiteLayout *c)
{
	static const char *const names[] = {"_config.yml", "_config.yaml",
					    NULL};
	g_autofree char *text = read_first(root, names);
	g_autofree char *url = NULL, *web_root = NULL;

	if (text == NULL)
		return;
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(lines[i], ":", 2);
		if (kv[0] == NULL || kv[1] == NULL || kv[0][0] == ' ' ||
		    kv[0][0] == '#')
			continue;
		char **slot = strcmp(kv[0], "root") == 0  ? &web_root
			      : strcmp(kv[0], "url") == 0 ? &url
			      : strcmp(kv[0], "source_dir") == 0
				      ? &c->source_dir
			      : strcmp(kv[0], "theme") == 0 ? &c->theme
							    : NULL;
		g_autofree char *value = scalar(kv[1]);
		if (strcmp(kv[0], "post_asset_folder") == 0)
			c->post_asset_folder = strcmp(value, "true") == 0;
		else if (slot != NULL && *value != '\0') {
			g_free(*slot);
			*slot = g_steal_pointer(&value);
		}
	}
	g_free(c->baseurl);
	c->baseurl = url_path(web_root != NULL ? web_root
			      : url != NULL    ? url
					       : "/");
}

ImgoptSiteLayout *
imgopt_site_layout_read(const char *root)
{
	ImgoptSiteLayout *c = g_new0(ImgoptSiteLayout, 1);

	c->exclude = g_ptr_array_new_with_free_func(g_free);
	c->static_dirs = g_ptr_array_new_with_free_func(g_free);
	c->themes = g_ptr_array_new_with_free_func(g_free);
	read_jekyll(root, c);
	read_hugo(root, c);
	if (imgopt_layout_generator(root) == IMGOPT_GENERATOR_HEXO)
		read_hexo(root, c);
	return c;
}

bool
imgopt_layout_is_excluded(const GPtrArray *exclude, const char *path)
{
	for (guint i = 0; exclude != NULL && i < exclude->len; i++) {
		g_autofree char *e = g_strdup(g_ptr_array_index(exclude, i));
		size_t n = strlen(e);

		while (n > 1 && e[n - 1] == '/')
			e[--n] = '\0';
		if (strcmp(path, e) == 0 ||
		    (g_str_has_prefix(path, e) && path[n] == '/') ||
		    g_pattern_match_simple(e, path))
			return true;
	}
	return false;
}

/* ---- POSTS and IMAGES ---- */

static char *
detect_posts(const char *root)
{
	g_autoptr(ImgoptSiteLayout) sc = imgopt_site_layout_read(root);
	g_autofree char *hexo_posts = g_build_filename(
		sc->source_dir != NULL ? sc->source_dir : "source", "_posts",
		NULL);
	const char *candidates[] = {"_posts", hexo_posts, sc->content_dir,
				    "content"};

	for (size_t i = 0; i < G_N_ELEMENTS(candidates); i++) {
		if (candidates[i] == NULL ||
		    !imgopt_fs_is_inside_root(candidates[i]))
			continue;
		g_autofree char *p =
			g_build_filename(root, candidates[i], NULL);
		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			return g_strdup(candidates[i]);
	}
	return NULL;
}

/* "postimg/a.jpg" → "postimg"; "static/images/a.jpg" → "static/images"
 * (and so for each of a Hugo site's static folders); NULL for a file at
 * the root. */
static char *
image_folder(const ImgoptSite *site, const char *path)
{
	const GPtrArray *statics = imgopt_site_get_static_dirs(site);
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	guint n = g_strv_length(parts);

	for (guint i = 0; i < statics->len; i++) {
		const char *dir = g_ptr_array_index(statics, i);
		const char *rest = path + strlen(dir) + 1;
		const char *slash = strchr(rest, '/');

		if (imgopt_fs_is_below(dir, path) && slash != NULL)
			return g_strndup(path, (gsize)(slash - path));
	}
	if (n < 2)
		return NULL;
	if (n >= 3 && (strcmp(parts[0], "static") == 0 ||
		       strcmp(parts[0], "source") == 0 ||
		       strcmp(parts[0], "assets") == 0))
		return g_strconcat(parts[0], "/", parts[1], NULL);
	return g_strdup(parts[0]);
}

/* Counts, per folder, the distinct files the posts' references resolve
 * to. */
static bool
count_folders(ImgoptSite *site, GHashTable *counts, GError **error)
{
	g_autoptr(GPtrArray) posts = imgopt_site_list_posts(site, error);
	g_autoptr(GHashTable) seen =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	if (posts == NULL)
		return false;
	for (guint i = 0; i < posts->len; i++) {
		g_autoptr(GPtrArray) refs = imgopt_site_scan_post(
			site, g_ptr_array_index(posts, i), NULL);
		for (guint k = 0; refs != NULL && k < refs->len; k++) {
			const ImgoptRef *r = g_ptr_array_index(refs, k);
			if (r->resolved == NULL ||
			    !g_hash_table_add(seen, g_strdup(r->resolved)))
				continue;
			char *folder = image_folder(site, r->resolved);
			if (folder == NULL)
				continue;
			guint n = GPOINTER_TO_UINT(
				g_hash_table_lookup(counts, folder));
			g_hash_table_replace(counts, folder,
					     GUINT_TO_POINTER(n + 1));
		}
	}
	return true;
}

static char *
busiest(GHashTable *counts)
{
	GHashTableIter it;
	gpointer key, value;
	const char *best = NULL;
	guint best_n = 0;

	g_hash_table_iter_init(&it, counts);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		guint n = GPOINTER_TO_UINT(value);
		if (n > best_n ||
		    (n == best_n && best != NULL && strcmp(key, best) < 0)) {
			best = key;
			best_n = n;
		}
	}
	return g_strdup(best);
}

bool
imgopt_layout_detect_dirs(const char *root, char **posts_out, char **images_out,
			  GError **error)
{
	g_autofree char *posts = detect_posts(root);
	g_autoptr(GHashTable) counts =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	*posts_out = *images_out = NULL;
	if (posts == NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
			    "no posts folder in '%s' (_posts, source/_posts, "
			    "content): give POSTS and IMAGES",
			    root);
		return false;
	}
	if (imgopt_layout_generator(root) == IMGOPT_GENERATOR_HEXO) {
		*images_out = g_path_get_dirname(posts);
		*posts_out = g_steal_pointer(&posts);
		return true;
	}
	g_autofree char *abs_posts = g_build_filename(root, posts, NULL);
	g_autoptr(ImgoptSite) site =
		imgopt_site_open(abs_posts, root, root, error);
	if (site == NULL || !count_folders(site, counts, error))
		return false;
	char *images = busiest(counts);
	if (images == NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
			    "no post in '%s' shows a local image: give IMAGES",
			    posts);
		return false;
	}
	*posts_out = g_steal_pointer(&posts);
	*images_out = images;
	return true;
}
