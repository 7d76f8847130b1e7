/*
 * fsio.c: atomic writes, path arithmetic and the directory walk.
 *
 * The walk uses lstat() and never follows symlinks: a symlink loop cannot
 * make it recurse, and a link leading out of the site is reported as a
 * link, not silently entered.  Results are sorted so nothing downstream
 * depends on readdir() order.
 */
#include "fsio.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

bool
imgopt_fs_write_atomic(const char *path, const void *data, gsize len,
		       int mode, bool is_durable, GError **error)
{
	GFileSetContentsFlags flags = G_FILE_SET_CONTENTS_CONSISTENT;

	g_return_val_if_fail(path != NULL, false);
	if (is_durable)
		flags |= G_FILE_SET_CONTENTS_DURABLE;
	return g_file_set_contents_full(path, data, (gssize)len, flags, mode,
					error);
}

char *
imgopt_fs_realpath(const char *path, GError **error)
{
	char *resolved = realpath(path, NULL); /* lint-allow: libc allocates */

	if (resolved == NULL) {
		int saved = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
			    "cannot resolve '%s': %s", path, g_strerror(saved));
		return NULL;
	}
	/* realpath() allocates with malloc(); hand back a g_malloc() copy. */
	char *copy = g_strdup(resolved);
	free(resolved); /* lint-allow: pairs with realpath() */
	return copy;
}

char *
imgopt_fs_relative(const char *root, const char *path)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return g_strdup(path[0] == '/' ? path + 1 : path);
	if (strncmp(path, root, n) != 0)
		return NULL;
	if (path[n] == '\0')
		return g_strdup("");
	if (path[n] != '/')
		return NULL;
	return g_strdup(path + n + 1);
}

char *
imgopt_fs_normalize(const char *path)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	g_autoptr(GPtrArray) out = g_ptr_array_new();

	for (char **p = parts; *p != NULL; p++) {
		if (**p == '\0' || strcmp(*p, ".") == 0)
			continue;
		if (strcmp(*p, "..") == 0) {
			if (out->len == 0)
				return NULL;
			g_ptr_array_set_size(out, out->len - 1);
			continue;
		}
		g_ptr_array_add(out, *p);
	}
	g_ptr_array_add(out, NULL);
	return g_strjoinv("/", (char **)out->pdata);
}

/* State of one walk: the root, the filter and the two parallel outputs. */
typedef struct {
	const char *root;        /* absolute or relative walk root */
	ImgoptFsEntryFunc filter; /* nullable */
	void *user_data;         /* for @filter */
	GPtrArray *paths;        /* (element-type filename) results */
	GPtrArray *types;        /* ImgoptFsType per result */
} Walk;

static ImgoptFsType
classify(const GStatBuf *st)
{
	if (S_ISLNK(st->st_mode))
		return IMGOPT_FS_SYMLINK;
	if (S_ISREG(st->st_mode))
		return IMGOPT_FS_REGULAR;
	return IMGOPT_FS_SPECIAL;
}

static void
walk_dir(Walk *w, const char *rel)
{
	g_autofree char *abs = g_build_filename(w->root, rel, NULL);
	g_autoptr(GDir) dir = g_dir_open(abs, 0, NULL);
	const char *name;

	if (dir == NULL)
		return;
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *child_rel = *rel ? g_build_filename(rel, name, NULL)
						  : g_strdup(name);
		g_autofree char *child_abs = g_build_filename(w->root, child_rel, NULL);
		GStatBuf st;

		if (g_lstat(child_abs, &st) != 0)
			continue;
		bool is_dir = S_ISDIR(st.st_mode);

		if (w->filter != NULL &&
		    !w->filter(child_rel, name, is_dir, w->user_data))
			continue;
		if (is_dir) {
			walk_dir(w, child_rel);
			continue;
		}
		g_ptr_array_add(w->paths, g_steal_pointer(&child_rel));
		g_ptr_array_add(w->types, GUINT_TO_POINTER(classify(&st)));
	}
}

static int
compare_index(gconstpointer a, gconstpointer b, gpointer user_data)
{
	GPtrArray *paths = user_data;
	guint ia = *(const guint *)a, ib = *(const guint *)b;

	return strcmp(g_ptr_array_index(paths, ia), g_ptr_array_index(paths, ib));
}

GPtrArray *
imgopt_fs_walk(const char *root, ImgoptFsEntryFunc filter, void *user_data,
	       GPtrArray **types, GError **error)
{
	g_autoptr(GDir) probe = g_dir_open(root, 0, error);
	Walk w = {root, filter, user_data, NULL, NULL};

	if (probe == NULL)
		return NULL;
	g_autoptr(GPtrArray) paths = w.paths = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) kinds = w.types = g_ptr_array_new();
	walk_dir(&w, "");

	/* Sort an index permutation, then apply it to both arrays. */
	g_autoptr(GArray) order = g_array_sized_new(FALSE, FALSE, sizeof(guint),
						    paths->len);
	for (guint i = 0; i < paths->len; i++)
		g_array_append_val(order, i);
	g_array_sort_with_data(order, compare_index, paths);

	g_autoptr(GPtrArray) sorted = g_ptr_array_new_full(paths->len, g_free);
	g_autoptr(GPtrArray) sorted_types = g_ptr_array_new_full(paths->len, NULL);
	for (guint i = 0; i < order->len; i++) {
		guint k = g_array_index(order, guint, i);

		g_ptr_array_add(sorted, g_steal_pointer(&paths->pdata[k]));
		g_ptr_array_add(sorted_types, kinds->pdata[k]);
	}
	if (types != NULL)
		*types = g_steal_pointer(&sorted_types);
	return g_steal_pointer(&sorted);
}
