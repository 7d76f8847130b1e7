/*
 * atomic.h: the one module that replaces files atomically: a reader sees
 * the old or the new contents, never a mix.
 *
 * imgopt_atomic_write() goes through g_file_set_contents_full(), whose new
 * file gets the mode through open(), so the umask is applied: a 0664 post
 * written under umask 022 would come back 0644.  A post must keep its mode
 * bit for bit, so imgopt_atomic_replace() sets it with fchmod() on the
 * temporary file before the rename.
 *
 * A write killed before its rename leaves its temporary file behind; the
 * next imgopt that holds the site lock removes such debris with
 * imgopt_atomic_remove_stale(), which matches exactly the names these
 * writers make.
 *
 * Thread-safety: reentrant.
 */
#ifndef IMGOPT_ATOMIC_H
#define IMGOPT_ATOMIC_H

#include <stdbool.h>
#include <glib.h> /* GError */

/**
 * imgopt_atomic_write:
 * @path: destination
 * @data: @len: the new contents
 * @mode: file mode for a new file (e.g. 0644, or the old file's mode)
 * @is_durable: also fsync the file and its folder before returning
 * @error: return location for a #GError
 *
 * Writes @data to a temporary file beside @path and renames it over @path,
 * so a reader sees the old or the new contents, never a mix.  Hard links to
 * the old file are broken (the rename makes a new inode).
 *
 * Returns: true on success, false with @error set (G_FILE_ERROR).
 */
bool imgopt_atomic_write(const char *path, const void *data, gsize len,
			 int mode, bool is_durable, GError **error);

/**
 * imgopt_atomic_replace:
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
bool imgopt_atomic_replace(const char *path, const void *data, gsize len,
			   int mode, GError **error);

/**
 * imgopt_atomic_is_temp_name:
 * @name: a file name (no folder)
 *
 * Returns: whether @name is one imgopt_atomic_replace() gives its
 *   temporary files: `.<name>.imgopt-` and six letters or digits.
 */
bool imgopt_atomic_is_temp_name(const char *name);

/**
 * imgopt_atomic_is_variant_temp_name:
 * @name: a file name (no folder)
 *
 * Returns: whether @name is the temporary file of a variant write
 *   (imgopt_atomic_write() through g_file_set_contents(): the variant's
 *   name `<hex>-<width>.<ext>`, a dot and six letters or digits).
 */
bool imgopt_atomic_is_variant_temp_name(const char *name);

/**
 * imgopt_atomic_remove_stale:
 * @dir: a folder
 * @is_variant_dir: match variant temporaries
 *   (imgopt_atomic_is_variant_temp_name()) rather than post ones
 * @removed: (element-type filename): gets the full path of each file removed
 * @error: return location for a #GError
 *
 * Removes the regular files of @dir (not below it) that a killed write
 * left behind.  Call it only while holding the site lock: another
 * imgopt's write in progress would otherwise lose its file.  A missing
 * @dir is not an error.
 *
 * Returns: true, or false with @error set if a file could not be removed.
 */
bool imgopt_atomic_remove_stale(const char *dir, bool is_variant_dir,
				GPtrArray *removed, GError **error);

#endif /* IMGOPT_ATOMIC_H */
