/*
 * atomic.c: replacing a file atomically (see atomic.h).
 *
 * The steps are git's lockfile and redis' rdbSave: write a temporary
 * file, make it durable, rename it into place, make the rename durable.
 */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fault.h"

bool
imgopt_atomic_write(const char *path, const void *data, gsize len, int mode,
		    bool is_durable, GError **error)
{
	GFileSetContentsFlags flags = G_FILE_SET_CONTENTS_CONSISTENT;

	g_return_val_if_fail(path != NULL, false);
	if (is_durable)
		flags |= G_FILE_SET_CONTENTS_DURABLE;
	return g_file_set_contents_full(path, data, (gssize)len, flags, mode,
					error);
}

static bool
set_errno_error(GError **error, const char *what, const char *path)
{
	int saved = errno;

	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
		    "cannot %s '%s': %s", what, path, g_strerror(saved));
	return false;
}

static bool
write_all(int fd, const char *data, gsize len, const char *path, GError **error)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return set_errno_error(error, "write", path);
		data += n;
		len -= (gsize)n;
	}
	return true;
}

/* Fills the temporary file @tmp (open as @fd) and closes it. */
static bool
fill_temp(int fd, const char *tmp, const void *data, gsize len, int mode,
	  GError **error)
{
	bool is_ok = write_all(fd, data, len, tmp, error) &&
		     (fchmod(fd, (mode_t)mode) == 0 ||
		      set_errno_error(error, "set the mode of", tmp)) &&
		     (fsync(fd) == 0 || set_errno_error(error, "sync", tmp));

	if (close(fd) != 0 && is_ok)
		return set_errno_error(error, "close", tmp);
	return is_ok;
}

static bool
sync_dir(const char *dir, GError **error)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return set_errno_error(error, "open", dir);
	bool is_ok = fsync(fd) == 0 || set_errno_error(error, "sync", dir);
	close(fd);
	return is_ok;
}

bool
imgopt_atomic_replace(const char *path, const void *data, gsize len, int mode,
		      GError **error)
{
	g_return_val_if_fail(path != NULL && (data != NULL || len == 0), false);
	g_return_val_if_fail(error == NULL || *error == NULL, false);

	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *base = g_path_get_basename(path);
	g_autofree char *tmp =
		g_strdup_printf("%s/.%s.imgopt-XXXXXX", dir, base);
	int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600);

	if (fd < 0)
		return set_errno_error(error, "create a file beside", path);
	if (!fill_temp(fd, tmp, data, len, mode, error)) {
		g_unlink(tmp);
		return false;
	}
	imgopt_fault_point(); /* killed here, the temporary file remains */
	if (g_rename(tmp, path) != 0) {
		set_errno_error(error, "replace", path);
		g_unlink(tmp);
		return false;
	}
	return sync_dir(dir, error);
}

/* Whether @s ends in @n letters or digits after a @sep character. */
static bool
has_random_suffix(const char *s, gsize len, char sep, gsize n)
{
	if (len < n + 1 || s[len - n - 1] != sep)
		return false;
	for (gsize i = len - n; i < len; i++)
		if (!g_ascii_isalnum(s[i]))
			return false;
	return true;
}

bool
imgopt_atomic_is_temp_name(const char *name)
{
	static const char tag[] = ".imgopt";
	gsize len = strlen(name);
	gsize tag_len = sizeof tag - 1;

	/* "." + at least one character + ".imgopt" + "-XXXXXX" */
	if (name[0] != '.' || len < 2 + tag_len + 7 ||
	    !has_random_suffix(name, len, '-', 6))
		return false;
	return memcmp(name + len - 7 - tag_len, tag, tag_len) == 0;
}

bool
imgopt_atomic_is_variant_temp_name(const char *name)
{
	gsize len = strlen(name);
	gsize hex = 0, i;

	if (!has_random_suffix(name, len, '.', 6))
		return false;
	while (g_ascii_isxdigit(name[hex]) && !g_ascii_isupper(name[hex]))
		hex++;
	if (hex < 16 || name[hex] != '-' || !g_ascii_isdigit(name[hex + 1]))
		return false;
	for (i = hex + 1; g_ascii_isdigit(name[i]); i++)
		;
	if (name[i] != '.' || !g_ascii_isalpha(name[i + 1]))
		return false;
	for (i++; g_ascii_isalnum(name[i]); i++)
		;
	return i == len - 7;
}

bool
imgopt_atomic_remove_stale(const char *dir, bool is_variant_dir,
			   GPtrArray *removed, GError **error)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	if (d == NULL)
		return true;
	while ((name = g_dir_read_name(d)) != NULL) {
		bool is_temp =
			is_variant_dir
				? imgopt_atomic_is_variant_temp_name(name)
				: imgopt_atomic_is_temp_name(name);
		g_autofree char *full = NULL;
		GStatBuf st;

		if (!is_temp)
			continue;
		full = g_build_filename(dir, name, NULL);
		if (g_lstat(full, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (g_unlink(full) != 0 && errno != ENOENT)
			return set_errno_error(error, "remove", full);
		g_ptr_array_add(removed, g_steal_pointer(&full));
	}
	return true;
}
