/*
 * config.c: imgopt.conf, the site's own config, and POSTS/IMAGES
 * detection (see config.h).
 *
 * GKeyFile parses imgopt.conf, but it gives no line numbers, and an
 * error that names the file, the line and the key is what lets a person
 * fix a config fast.  So the text is also scanned line by line: each key
 * is found within its group, and a line GKeyFile refuses is found by
 * looking for the first line that is neither blank, a comment, a group
 * header nor `key = value`.
 */
#include <string.h>

#include "imgopt/config.h"
#include "imgopt/error.h"
#include "imgopt/settings.h"
#include "imgopt/site.h"

#include "fsio.h"

/* One key's value and where it is set. */
typedef struct {
	char *value; /* lists joined with ',' */
	int line;    /* 1-based */
} Entry;

struct ImgoptConfig {
	char *path;         /* the file */
	GHashTable *values; /* key → Entry */
};

static void
entry_free(gpointer p)
{
	Entry *e = p;

	g_free(e->value);
	g_free(e);
}

void
imgopt_config_free(ImgoptConfig *config)
{
	if (config == NULL)
		return;
	g_free(config->path);
	g_clear_pointer(&config->values, g_hash_table_unref);
	g_free(config);
}

/* The line of @key in [@group] (the last one), or 0. */
static int
find_key_line(char **lines, const char *group, const char *key)
{
	bool is_in = false;
	int found = 0;
	size_t klen = strlen(key);

	for (int i = 0; lines[i] != NULL; i++) {
		const char *l = lines[i];

		while (*l == ' ' || *l == '\t')
			l++;
		if (*l == '[') {
			const char *end = strchr(l, ']');
			is_in = end != NULL &&
				(size_t)(end - l - 1) == strlen(group) &&
				strncmp(l + 1, group, strlen(group)) == 0;
		}
		else if (is_in && strncmp(l, key, klen) == 0) {
			const char *r = l + klen;
			while (*r == ' ' || *r == '\t')
				r++;
			if (*r == '=')
				found = i + 1;
		}
	}
	return found;
}

/* The first line GKeyFile would refuse, or 1. */
static int
find_bad_line(char **lines)
{
	for (int i = 0; lines[i] != NULL; i++) {
		g_autofree char *l = g_strstrip(g_strdup(lines[i]));

		if (*l == '\0' || *l == '#' || *l == ';')
			continue;
		if (*l == '[' && l[strlen(l) - 1] == ']')
			continue;
		if (strchr(l, '=') != NULL && *l != '=')
			continue;
		return i + 1;
	}
	return 1;
}

/* A value as one line: `;` lists become `,` lists, no trailing `,`. */
static char *
normalise(const char *raw)
{
	char *v = g_strstrip(g_strdup(raw));
	size_t n = strlen(v);

	for (char *p = v; *p != '\0'; p++)
		if (*p == ';')
			*p = ',';
	while (n > 0 && v[n - 1] == ',')
		v[--n] = '\0';
	return v;
}

static void
take_group(ImgoptConfig *c, GKeyFile *kf, char **lines, const char *group)
{
	g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);

	for (int i = 0; keys != NULL && keys[i] != NULL; i++) {
		g_autofree char *raw =
			g_key_file_get_string(kf, group, keys[i], NULL);
		Entry *e = g_new0(Entry, 1);

		if (raw == NULL)
			raw = g_key_file_get_value(kf, group, keys[i], NULL);
		e->value = normalise(raw != NULL ? raw : "");
		e->line = find_key_line(lines, group, keys[i]);
		g_hash_table_replace(c->values, g_strdup(keys[i]), e);
	}
}

/* Whether @dir, relative to the site root, names a folder inside it
 * (the root itself included) on its face: not absolute, no `..` climbing
 * out.  Symlinks are imgopt_site_open()'s to check. */
static bool
is_site_dir(const char *dir)
{
	g_autofree char *norm = dir[0] != '/' ? imgopt_fs_normalize(dir) : NULL;

	return norm != NULL;
}

/* `posts` and `images` must stay inside the site root (the config's
 * folder): a config is not a way to work on another folder. */
static bool
check_site_dir(const ImgoptConfig *c, const char *key, GError **error)
{
	const Entry *e = g_hash_table_lookup(c->values, key);

	if (e == NULL || is_site_dir(e->value))
		return true;
	g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_PARSE,
		    "%s:%d: key '%s': '%s' is outside the site root (give a "
		    "folder inside it, relative to it)",
		    c->path, e->line, key, e->value);
	return false;
}

ImgoptConfig *
imgopt_config_load(const char *path, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) local = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &text, &len, &local)) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_PARSE, "%s",
			    local->message);
		return NULL;
	}
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE,
				       &local)) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_PARSE,
			    "%s:%d: %s", path, find_bad_line(lines),
			    local->message);
		return NULL;
	}
	ImgoptConfig *c = g_new0(ImgoptConfig, 1);
	c->path = g_strdup(path);
	c->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					  entry_free);
	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
	for (int i = 0; groups[i] != NULL; i++)
		take_group(c, kf, lines, groups[i]);
	if (!check_site_dir(c, "posts", error) ||
	    !check_site_dir(c, "images", error)) {
		imgopt_config_free(c);
		return NULL;
	}
	return c;
}

const char *
imgopt_config_get_path(const ImgoptConfig *config)
{
	return config->path;
}

const char *
imgopt_config_get(const ImgoptConfig *config, const char *key, int *line_out)
{
	const Entry *e = g_hash_table_lookup(config->values, key);

	if (line_out != NULL)
		*line_out = e != NULL ? e->line : 0;
	return e != NULL ? e->value : NULL;
}

/* ---- values ---- */

bool
imgopt_config_check_value(const char *key, const char *value, GError **error)
{
	return imgopt_settings_check_value(key, value, error);
}

/* ---- finding the file ---- */

static bool
has_site_config(const char *dir)
{
	static const char *const names[] = {
		"_config.yml", "_config.yaml", "hugo.toml",
		"hugo.yaml",   "config.toml",  "config.yaml",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *p = g_build_filename(dir, names[i], NULL);
		if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
			return true;
	}
	return false;
}

char *
imgopt_config_find(const char *start)
{
	g_autofree char *dir = g_canonicalize_filename(start, NULL);

	for (;;) {
		g_autofree char *conf =
			g_build_filename(dir, IMGOPT_CONFIG_NAME, NULL);
		if (g_file_test(conf, G_FILE_TEST_IS_REGULAR))
			return g_steal_pointer(&conf);
		if (has_site_config(dir))
			return NULL;
		g_autofree char *up = g_path_get_dirname(dir);
		if (strcmp(up, dir) == 0)
			return NULL;
		g_free(dir);
		dir = g_steal_pointer(&up);
	}
}

/* ---- the site's own configuration ---- */

void
imgopt_site_config_free(ImgoptSiteConfig *config)
{
	if (config == NULL)
		return;
	g_free(config->baseurl);
	g_clear_pointer(&config->exclude, g_ptr_array_unref);
	g_free(config->content_dir);
	g_free(config->static_dir);
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

/* `exclude: [a, b]` (on one line or over several, as the Hux theme writes
 * it) or `exclude:` followed by `- a` lines. */
static void
read_exclude(char **lines, int at, GPtrArray *out)
{
	g_autofree char *rest = g_strstrip(g_strdup(lines[at] + 8));
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
	for (; lines[i] != NULL; i++) {
		g_autofree char *l = g_strstrip(g_strdup(lines[i]));
		if (*l == '\0' || *l == '#')
			continue;
		if (*l != '-')
			break;
		g_ptr_array_add(out, scalar(l + 1));
	}
}

static void
read_jekyll(const char *root, ImgoptSiteConfig *c)
{
	static const char *const names[] = {"_config.yml", "_config.yaml"};
	g_autofree char *text = NULL;

	for (size_t i = 0; i < G_N_ELEMENTS(names) && text == NULL; i++) {
		g_autofree char *p = g_build_filename(root, names[i], NULL);
		if (!g_file_get_contents(p, &text, NULL, NULL))
			text = NULL;
	}
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
			read_exclude(lines, i, c->exclude);
	}
}

/* `key = value` at the top level of a TOML file (before any [table]). */
static void
read_hugo(const char *root, ImgoptSiteConfig *c)
{
	static const char *const names[] = {"hugo.toml", "config.toml"};
	g_autofree char *text = NULL;

	for (size_t i = 0; i < G_N_ELEMENTS(names) && text == NULL; i++) {
		g_autofree char *p = g_build_filename(root, names[i], NULL);
		if (!g_file_get_contents(p, &text, NULL, NULL))
			text = NULL;
	}
	if (text == NULL)
		return;
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i] != NULL && lines[i][0] != '['; i++) {
		g_auto(GStrv) kv = g_strsplit(lines[i], "=", 2);
		if (kv[0] == NULL || kv[1] == NULL)
			continue;
		g_autofree char *key = g_strstrip(g_strdup(kv[0]));
		char *value = scalar(kv[1]);
		if (strcmp(key, "baseURL") == 0 && c->baseurl == NULL)
			c->baseurl = url_path(value);
		else if (strcmp(key, "contentDir") == 0 && *value != '\0')
			c->content_dir = g_strdup(value);
		else if (strcmp(key, "staticDir") == 0 && *value != '\0')
			c->static_dir = g_strdup(value);
		g_free(value);
	}
}

ImgoptSiteConfig *
imgopt_site_config_read(const char *root)
{
	ImgoptSiteConfig *c = g_new0(ImgoptSiteConfig, 1);

	c->exclude = g_ptr_array_new_with_free_func(g_free);
	read_jekyll(root, c);
	read_hugo(root, c);
	return c;
}

bool
imgopt_config_is_excluded(const GPtrArray *exclude, const char *path)
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
	g_autoptr(ImgoptSiteConfig) sc = imgopt_site_config_read(root);
	const char *candidates[] = {"_posts", "source/_posts", sc->content_dir,
				    "content"};

	for (size_t i = 0; i < G_N_ELEMENTS(candidates); i++) {
		if (candidates[i] == NULL || !is_site_dir(candidates[i]))
			continue;
		g_autofree char *p =
			g_build_filename(root, candidates[i], NULL);
		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			return g_strdup(candidates[i]);
	}
	return NULL;
}

/* "postimg/a.jpg" → "postimg"; "static/images/a.jpg" → "static/images";
 * NULL for a file at the root. */
static char *
image_folder(const char *path)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	guint n = g_strv_length(parts);

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
			char *folder = image_folder(r->resolved);
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
imgopt_config_detect_dirs(const char *root, char **posts_out, char **images_out,
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
