/*
 * postfile.h: replacing a post atomically and durably with its exact mode.
 *
 * imgopt_fs_write_atomic() (fsio.h) goes through g_file_set_contents_full(),
 * whose new file gets the mode through open(), so the umask is applied:
 * a 0664 post written under umask 022 would come back 0644.  A post must
 * keep its mode bit for bit, so this writer sets it with fchmod() on the
 * temporary file before the rename.
 *
 * Thread-safety: reentrant.
 */
#ifndef IMGOPT_POSTFILE_H
#define IMGOPT_POSTFILE_H

#include <stdbool.h>
#include <glib.h> /* GError */

/**
 * imgopt_postfile_write:
 * @path: the post to replace
 * @data: @len: its new bytes
 * @mode: the permission bits it must have (st_mode & 07777 of the old one)
 * @error: return location for a #GError
 *
 * Writes @data to a temporary file beside @path (`.<name>.imgopt-XXXXXX`),
 * sets @mode, fsyncs it, renames it over @path and fsyncs the folder: a
 * reader sees the old or the new post, never a mix, and after a crash the
 * new one is on disk.  Hard links to the old file are broken.
 *
 * Returns: true, or false with @error set (G_FILE_ERROR); the temporary
 *   file is then removed and @path left as it was.
 */
bool imgopt_postfile_write(const char *path, const void *data, gsize len,
			   int mode, GError **error);

#endif /* IMGOPT_POSTFILE_H */
