/*
 * nameguard.c: which candidate orphans a text file of the site names
 * (see nameguard.h).  One pass over each file: the text is cut into
 * words, each looked up among the candidates' file names.
 */
#include "nameguard.h"

#include <string.h>

#include "imgopt/referrers.h"

#include "fsio.h"

void
imgopt_kept_by_name_free(ImgoptKeptByName *kept)
{
	if (kept == NULL)
		return;
	g_free(kept->path);
	g_free(kept->named_in);
	g_free(kept);
}

/* Where a path or URL written in any text ends. */
static bool
is_cut(char c)
{
	return g_ascii_isspace(c) ||
	       strchr("\"'`/\\()<>[]{}|,;:=*?#&!^$@", c) != NULL;
}

typedef struct {
	GHashTable *by_name; /* file name → GPtrArray of candidate paths
				(borrowed) not named yet */
	GPtrArray *kept;     /* (element-type ImgoptKeptByName) */
} Guard;

/* Keeps every candidate named @word, if any, as named at @file:@line. */
static void
look_up(Guard *g, const char *word, const char *file, gsize line)
{
	GPtrArray *paths = g_hash_table_lookup(g->by_name, word);

	for (guint i = 0; paths != NULL && i < paths->len; i++) {
		ImgoptKeptByName *k = g_new0(ImgoptKeptByName, 1);

		k->path = g_strdup(g_ptr_array_index(paths, i));
		k->named_in = g_strdup(file);
		k->line = line;
		g_ptr_array_add(g->kept, k);
	}
	if (paths != NULL)
		g_hash_table_remove(g->by_name, word);
}

/* One word of @file's text, %-decoded too when it holds a `%`. */
static void
look_up_word(Guard *g, const char *start, gsize len, const char *file,
	     gsize line)
{
	g_autofree char *word = g_strndup(start, len);

	look_up(g, word, file, line);
	if (memchr(word, '%', len) != NULL) {
		g_autofree char *decoded = g_uri_unescape_string(word, NULL);

		if (decoded != NULL)
			look_up(g, decoded, file, line);
	}
}

static void
search_text(Guard *g, const char *text, gsize len, const char *file)
{
	gsize line = 1, start = 0;

	for (gsize i = 0; i <= len && g_hash_table_size(g->by_name) > 0; i++) {
		if (i < len && !is_cut(text[i]))
			continue;
		if (i > start)
			look_up_word(g, text + start, i - start, file, line);
		line += i < len && text[i] == '\n';
		start = i + 1;
	}
}

static int
kept_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp((*(ImgoptKeptByName *const *)a)->path,
		      (*(ImgoptKeptByName *const *)b)->path);
}

GPtrArray *
imgopt_name_guard(const char *root, const GPtrArray *referrers,
		  const GPtrArray *paths)
{
	Guard g = {
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
				      (GDestroyNotify)g_ptr_array_unref),
		g_ptr_array_new_with_free_func(
			(GDestroyNotify)imgopt_kept_by_name_free),
	};

	for (guint i = 0; i < paths->len; i++) {
		const char *p = g_ptr_array_index(paths, i);
		const char *slash = strrchr(p, '/');
		const char *name = slash != NULL ? slash + 1 : p;
		GPtrArray *same = g_hash_table_lookup(g.by_name, name);

		if (same == NULL) {
			same = g_ptr_array_new();
			g_hash_table_insert(g.by_name, g_strdup(name), same);
		}
		g_ptr_array_add(same, (gpointer)p);
	}
	for (guint i = 0;
	     i < referrers->len && g_hash_table_size(g.by_name) > 0; i++) {
		const ImgoptReferrer *r = g_ptr_array_index(referrers, i);
		g_autofree char *abs = imgopt_fs_join(root, r->path);
		g_autofree char *text = NULL;
		gsize len = 0;

		if (g_file_get_contents(abs, &text, &len, NULL))
			search_text(&g, text, len, r->path);
	}
	g_hash_table_unref(g.by_name);
	g_ptr_array_sort(g.kept, kept_cmp);
	return g.kept;
}
