/*
 * fsio.c: the file system layer the stages share (see fsio.h): path
 * arithmetic and the one directory walker.
 *
 * The walk takes each entry's type from readdir() (lstat() only where the
 * file system does not say) and never follows symlinks: a symlink loop
 * cannot make it recurse, and a link leading out of the site is reported
 * as a link, not silently entered.  Results are sorted so nothing downstream
 * depends on readdir() order.
 */
#include "fsio.h"

#include "imgopt/error.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

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

/* Whether @rel is a plain relative path: components neither empty, "."
 * nor "..". */
static bool
is_plain_relative(const char *rel)
{
	if (*rel == '\0' || *rel == '/')
		return false;
	for (const char *p = rel; *p != '\0';) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (*p == '/')
			p++;
		if (*p == '\0' && p[-1] == '/')
			return false;
	}
	return true;
}

static char *
resolve_error(const char *path, int err, GError **error)
{
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
		    "cannot resolve '%s': %s", path, g_strerror(err));
	return NULL;
}

char *
imgopt_fs_realpath_below(const char *root, const char *rel, struct stat *st_out,
			 GError **error)
{
	g_autofree char *abs = imgopt_fs_join(root, rel);
	size_t start = strlen(root) + 1;
	struct stat st;
	char one;

	if (st_out != NULL)
		st_out->st_mode = 0;
	if (!is_plain_relative(rel) || strcmp(root, "/") == 0)
		return imgopt_fs_realpath(abs, error);
	/* The path itself: there? a symlink?  Its lstat() is the caller's
	 * stat() if no folder on the way is a symlink either. */
	if (lstat(abs, &st) != 0)
		return resolve_error(abs, errno, error);
	if (S_ISLNK(st.st_mode))
		return imgopt_fs_realpath(abs, error);
	/* readlink() of each folder prefix below the root: EINVAL says "not
	 * a symlink"; a symlink anywhere hands the path to realpath(). */
	for (size_t i = start; abs[i] != '\0'; i++) {
		if (abs[i] != '/')
			continue;
		abs[i] = '\0';
		ssize_t n = readlink(abs, &one, 1);
		int err = errno;

		if (n < 0 && err != EINVAL)
			return resolve_error(abs, err, error);
		abs[i] = '/';
		if (n >= 0)
			return imgopt_fs_realpath(abs, error);
	}
	if (st_out != NULL)
		*st_out = st;
	return g_steal_pointer(&abs);
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

/* State of one walk: the root, the filter and the outputs. */
typedef struct {
	const char *root;         /* absolute or relative root of the paths */
	ImgoptFsEntryFunc filter; /* nullable */
	void *user_data;          /* for @filter */
	GPtrArray *paths;         /* (element-type filename) results */
	GPtrArray *types;         /* ImgoptFsType per result */
	GPtrArray *unlisted;      /* (element-type ImgoptProblem) nullable */
} Walk;

bool
imgopt_fs_is_inside_root(const char *path)
{
	g_autofree char *norm =
		path[0] != '/' ? imgopt_fs_normalize(path) : NULL;

	return norm != NULL;
}

bool
imgopt_fs_is_below(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	return n == 0 || (strncmp(path, dir, n) == 0 && path[n] == '/');
}

/* What makes @path unfit as a site path on its face, or NULL. */
static const char *
lexical_flaw(const char *path)
{
	if (*path == '\0')
		return "is empty";
	if (path[0] == '/')
		return "is absolute";
	g_autofree char *norm = imgopt_fs_normalize(path);
	if (norm == NULL)
		return "climbs out of the site with '..'";
	if (strcmp(norm, path) != 0)
		return "is not normalised";
	return NULL;
}

/* Whether the deepest existing prefix of @root/@path is inside @root once
 * symlinks are followed (a dangling symlink is not). */
static bool
is_physically_inside(const char *root, const char *path)
{
	g_autofree char *abs = imgopt_fs_join(root, path);
	GStatBuf st;

	while (g_lstat(abs, &st) != 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return false;
		char *up = g_path_get_dirname(abs);

		g_free(abs);
		abs = up;
		if (strlen(abs) < strlen(root))
			return false; /* the root itself is gone */
	}
	g_autofree char *real = imgopt_fs_realpath(abs, NULL);
	g_autofree char *rel = real ? imgopt_fs_relative(root, real) : NULL;

	return rel != NULL;
}

bool
imgopt_fs_check_site_path(const char *root, const char *path, GError **error)
{
	const char *flaw = lexical_flaw(path);

	if (flaw == NULL && !is_physically_inside(root, path))
		flaw = "leads out of the site through a symlink";
	if (flaw == NULL)
		return true;
	g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE, "'%s' %s", path,
		    flaw);
	return false;
}

int
imgopt_fs_path_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *
imgopt_fs_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n == 0 || dir[n - 1] == '/' || name[0] == '\0' || name[0] == '/')
		return g_build_filename(dir, name, NULL);
	return g_strconcat(dir, "/", name, NULL);
}

/* The type of @e, from readdir() where the file system gives it (no
 * system call), else from lstat(): DT_DIR, DT_REG, DT_LNK or DT_UNKNOWN
 * for anything else (FIFO, socket, device) or a vanished entry. */
static unsigned char
entry_type(const char *abs_dir, const struct dirent *e)
{
	g_autofree char *abs = NULL;
	GStatBuf st;

	switch (e->d_type) {
	case DT_DIR:
	case DT_REG:
	case DT_LNK:
		return e->d_type;
	case DT_UNKNOWN:
		break;
	default:
		return DT_FIFO;
	}
	abs = imgopt_fs_join(abs_dir, e->d_name);
	if (g_lstat(abs, &st) != 0)
		return DT_UNKNOWN;
	if (S_ISDIR(st.st_mode))
		return DT_DIR;
	if (S_ISREG(st.st_mode))
		return DT_REG;
	return S_ISLNK(st.st_mode) ? DT_LNK : DT_FIFO;
}

static ImgoptFsType
classify(unsigned char type)
{
	if (type == DT_LNK)
		return IMGOPT_FS_SYMLINK;
	if (type == DT_REG)
		return IMGOPT_FS_REGULAR;
	return IMGOPT_FS_SPECIAL;
}

/* Records that the folder @rel could not be opened. */
static void
note_unlisted(Walk *w, const char *rel, int err)
{
	g_autofree char *msg = NULL;

	if (w->unlisted == NULL)
		return;
	msg = g_strdup_printf("%s: folder not listed: %s", rel,
			      g_strerror(err));
	g_ptr_array_add(w->unlisted, imgopt_problem_new(rel, msg));
}

static void
walk_dir(Walk *w, const char *rel)
{
	g_autofree char *abs =
		*rel ? imgopt_fs_join(w->root, rel) : g_strdup(w->root);
	DIR *dir = opendir(abs);
	const struct dirent *e;

	if (dir == NULL) {
		note_unlisted(w, rel, errno);
		return;
	}
	while ((e = readdir(dir)) != NULL) {
		const char *name = e->d_name;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		unsigned char type = entry_type(abs, e);
		if (type == DT_UNKNOWN)
			continue; /* vanished since readdir() */
		g_autofree char *child_rel =
			*rel ? imgopt_fs_join(rel, name) : g_strdup(name);
		bool is_dir = type == DT_DIR;

		if (w->filter != NULL &&
		    !w->filter(child_rel, name, is_dir, w->user_data))
			continue;
		if (is_dir) {
			walk_dir(w, child_rel);
			continue;
		}
		g_ptr_array_add(w->paths, g_steal_pointer(&child_rel));
		g_ptr_array_add(w->types, GUINT_TO_POINTER(classify(type)));
	}
	closedir(dir);
}

static int
compare_index(gconstpointer a, gconstpointer b, gpointer user_data)
{
	GPtrArray *paths = user_data;
	guint ia = *(const guint *)a, ib = *(const guint *)b;

	return strcmp(g_ptr_array_index(paths, ia),
		      g_ptr_array_index(paths, ib));
}

/* Sorts @w's paths, and its types alike: an index permutation is sorted,
 * then applied to both arrays. */
static GPtrArray *
sorted_paths(Walk *w, GPtrArray **types)
{
	g_autoptr(GArray) order =
		g_array_sized_new(FALSE, FALSE, sizeof(guint), w->paths->len);
	for (guint i = 0; i < w->paths->len; i++)
		g_array_append_val(order, i);
	g_array_sort_with_data(order, compare_index, w->paths);

	g_autoptr(GPtrArray) sorted =
		g_ptr_array_new_full(w->paths->len, g_free);
	g_autoptr(GPtrArray) sorted_types =
		g_ptr_array_new_full(w->paths->len, NULL);
	for (guint i = 0; i < order->len; i++) {
		guint k = g_array_index(order, guint, i);

		g_ptr_array_add(sorted, g_steal_pointer(&w->paths->pdata[k]));
		g_ptr_array_add(sorted_types, w->types->pdata[k]);
	}
	if (types != NULL)
		*types = g_steal_pointer(&sorted_types);
	return g_steal_pointer(&sorted);
}

GPtrArray *
imgopt_fs_walk_dir(const char *root, const char *dir, ImgoptFsEntryFunc filter,
		   void *user_data, GPtrArray **types, GPtrArray **unlisted,
		   GError **error)
{
	g_return_val_if_fail(root != NULL && dir != NULL, NULL);

	Walk w = {root, filter, user_data, NULL, NULL, NULL};

	if (unlisted == NULL) {
		g_autofree char *abs = g_build_filename(root, dir, NULL);
		g_autoptr(GDir) probe = g_dir_open(abs, 0, error);

		if (probe == NULL)
			return NULL;
	}
	g_autoptr(GPtrArray) paths = w.paths =
		g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) kinds = w.types = g_ptr_array_new();
	g_autoptr(GPtrArray) failed = w.unlisted =
		unlisted != NULL ? imgopt_problem_list_new() : NULL;
	walk_dir(&w, dir);
	if (unlisted != NULL) {
		g_ptr_array_sort(failed, imgopt_problem_path_cmp);
		*unlisted = g_steal_pointer(&failed);
	}
	return sorted_paths(&w, types);
}

GPtrArray *
imgopt_fs_walk(const char *root, ImgoptFsEntryFunc filter, void *user_data,
	       GPtrArray **types, GError **error)
{
	return imgopt_fs_walk_dir(root, "", filter, user_data, types, NULL,
				  error);
}
