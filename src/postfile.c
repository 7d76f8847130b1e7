/*
 * postfile.c: see postfile.h.  The steps are git's lockfile and redis'
 * rdbSave: write a temporary file, make it durable, rename it into place,
 * make the rename durable.
 */
#include "postfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

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
imgopt_postfile_write(const char *path, const void *data, gsize len, int mode,
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
	if (g_rename(tmp, path) != 0) {
		set_errno_error(error, "replace", path);
		g_unlink(tmp);
		return false;
	}
	return sync_dir(dir, error);
}
