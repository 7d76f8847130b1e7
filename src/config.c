/*
 * config.c: imgopt.conf, read and checked, and finding it (see config.h).
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
#include "imgopt/layout.h"
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

/* `posts` and `images` must stay inside the site root (the config's
 * folder): a config is not a way to work on another folder. */
static bool
check_site_dir(const ImgoptConfig *c, const char *key, GError **error)
{
	const Entry *e = g_hash_table_lookup(c->values, key);

	if (e == NULL || imgopt_fs_is_inside_root(e->value))
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

char *
imgopt_config_find(const char *start)
{
	g_autofree char *dir = g_canonicalize_filename(start, NULL);

	for (;;) {
		g_autofree char *conf =
			g_build_filename(dir, IMGOPT_CONFIG_NAME, NULL);
		if (g_file_test(conf, G_FILE_TEST_IS_REGULAR))
			return g_steal_pointer(&conf);
		if (imgopt_layout_is_site_root(dir))
			return NULL;
		g_autofree char *up = g_path_get_dirname(dir);
		if (strcmp(up, dir) == 0)
			return NULL;
		g_free(dir);
		dir = g_steal_pointer(&up);
	}
}
