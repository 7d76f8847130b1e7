/*
 * fsio.h: file system helpers shared by the stages: path arithmetic
 * relative to the site root, and the one directory walker, sorted, that
 * every job listing a folder tree uses, with its filters.  Atomic writes
 * are atomic.h's.
 *
 * Ownership: returned strings and arrays are transfer full.
 * Thread-safety: all functions are reentrant.
 */
#ifndef IMGOPT_FSIO_H
#define IMGOPT_FSIO_H

#include <stdbool.h>
#include <sys/stat.h>
#include <glib.h> /* GPtrArray, GError */

#include "imgopt/observer.h"

/**
 * imgopt_fs_realpath:
 *
 * Returns: (transfer full): the absolute, symlink-free path of an existing
 *   @path, or NULL with @error set (G_FILE_ERROR).
 */
char *imgopt_fs_realpath(const char *path, GError **error);

/**
 * imgopt_fs_realpath_below:
 * @root: an absolute folder path free of symlinks (a realpath())
 * @rel: a path relative to @root
 * @st_out: (out) (optional): the lstat() of the path returned, which is
 *   its stat(), when no symlink was met on the way; else its st_mode is 0
 *   (the caller stats the target, once it knows where that is)
 * @error: return location for a #GError
 *
 * imgopt_fs_realpath() of @root/@rel, without resolving @root again:
 * realpath() calls readlink() on every prefix of the path, each a walk
 * from `/`, so a deep root costs its depth on every call.  Here the path
 * itself is lstat()ed (there at all? a symlink?) and only the folder
 * prefixes below @root are asked; a symlink among them (or a @rel with
 * `.`, `..` or empty components) hands the whole path to realpath().
 * Nothing is opened.
 *
 * Returns: (transfer full): as imgopt_fs_realpath(), or NULL with @error
 *   set (G_FILE_ERROR).
 */
char *imgopt_fs_realpath_below(const char *root, const char *rel,
			       struct stat *st_out, GError **error);

/**
 * imgopt_fs_relative:
 * @root: an absolute folder path without a trailing `/`
 * @path: an absolute path
 *
 * Returns: (transfer full) (nullable): @path relative to @root ("" for
 *   @root itself), or NULL if @path is not inside @root.
 */
char *imgopt_fs_relative(const char *root, const char *path);

/**
 * imgopt_fs_normalize:
 * @path: a relative path with `/` separators
 *
 * Folds `.` and `..` components and repeated slashes lexically.
 *
 * Returns: (transfer full) (nullable): the normalised path ("" for the
 *   root), or NULL if a `..` would climb above the starting folder.
 */
char *imgopt_fs_normalize(const char *path);

/**
 * imgopt_fs_join:
 * @dir: a folder path ("" for the current folder)
 * @name: a path inside it
 *
 * The same string as g_build_filename(@dir, @name, NULL), without its
 * general separator handling in the common case (@dir non-empty without
 * a trailing `/`, @name non-empty without a leading `/`): walks join
 * tens of thousands of paths.
 *
 * Returns: (transfer full): the joined path.
 */
char *imgopt_fs_join(const char *dir, const char *name);

/**
 * imgopt_fs_is_inside_root:
 * @path: a path meant relative to the site root
 *
 * Returns: whether @path names a place inside the root (the root itself
 *   included) on its face: not absolute, no `..` climbing out.  Symlinks
 *   are imgopt_site_open()'s to check.
 */
bool imgopt_fs_is_inside_root(const char *path);

/**
 * imgopt_fs_is_below:
 * @dir: a relative folder path without a trailing `/` ("" for the root)
 * @path: a relative path
 *
 * Returns: whether @path names something inside @dir (not @dir itself);
 *   everything is below "".
 */
bool imgopt_fs_is_below(const char *dir, const char *path);

/**
 * imgopt_fs_check_site_path:
 * @root: the absolute, symlink-free site root
 * @path: a path meant to be relative to @root, from a source that is not
 *   trusted: the manifest (it may come from a repository or a shared
 *   cache)
 * @error: return location for a #GError
 *
 * The one check every path read from the manifest passes before it is
 * used.  @path must be relative, normalised (no empty, `.` or `..`
 * component, no leading or trailing `/`), and what of it exists must lie
 * inside @root once symlinks are followed: the deepest existing prefix
 * (the file itself if it exists, even as a dangling symlink) is passed
 * through realpath().  Only lstat() and realpath() are called: nothing is
 * opened.
 *
 * Returns: true, or false with @error set (IMGOPT_ERROR_UNSAFE) to
 *   "'PATH' is absolute" or the like.
 */
bool imgopt_fs_check_site_path(const char *root, const char *path,
			       GError **error);

/**
 * imgopt_fs_path_cmp:
 *
 * A GCompareFunc for g_ptr_array_sort() of an array of paths (strings):
 * byte order, the order of every path list imgopt hands out.
 */
int imgopt_fs_path_cmp(gconstpointer a, gconstpointer b);

/** What imgopt_fs_walk() found at a path. */
typedef enum {
	IMGOPT_FS_REGULAR, /* a regular file */
	IMGOPT_FS_SYMLINK, /* a symbolic link (not followed) */
	IMGOPT_FS_SPECIAL, /* FIFO, socket or device */
} ImgoptFsType;

/**
 * ImgoptFsEntryFunc:
 * @rel: the entry's path relative to the walk's root
 * @name: its last component
 * @is_dir: whether it is a folder (to decide whether to descend)
 * @user_data: what imgopt_fs_walk() was given
 *
 * The walk's filter: which folders it enters and which other entries it
 * lists.
 *
 * Returns: true to keep the entry (descend into a folder, list a file).
 */
typedef bool (*ImgoptFsEntryFunc)(const char *rel, const char *name,
				  bool is_dir, void *user_data);

/**
 * imgopt_fs_walk_dir:
 * @root: the folder the paths are relative to (e.g. the site root)
 * @dir: the folder to walk, relative to @root ("" for @root itself)
 * @filter: (nullable): decides what is kept, given paths relative to
 *   @root; NULL keeps everything
 * @user_data: passed to @filter
 * @types: (nullable) (out) (transfer full): if not NULL, an array of
 *   ImgoptFsType values (as GUINT_TO_POINTER) parallel to the result
 * @unlisted: (nullable) (out) (transfer full) (element-type ImgoptProblem):
 *   if not NULL, the folders that could not be listed, @dir included,
 *   sorted, each with why ("PATH: folder not listed: REASON"); else they
 *   are skipped silently and @dir failing is an error
 * @error: return location for a #GError
 *
 * Lists every non-folder entry below @dir, recursively, without following
 * symlinks (so loops cannot hang it), sorted by byte order of the path.
 * Each entry's type comes from readdir() (an lstat() only where the file
 * system does not say): the walk costs no stat per file.
 *
 * Returns: (transfer full) (element-type filename): paths relative to
 *   @root, or NULL with @error set if @dir itself cannot be read (only
 *   when @unlisted is NULL).
 */
GPtrArray *imgopt_fs_walk_dir(const char *root, const char *dir,
			      ImgoptFsEntryFunc filter, void *user_data,
			      GPtrArray **types, GPtrArray **unlisted,
			      GError **error);

/**
 * imgopt_fs_walk:
 *
 * imgopt_fs_walk_dir(@root, "", @filter, @user_data, @types, NULL,
 * @error): every entry below @root, relative to it.
 */
GPtrArray *imgopt_fs_walk(const char *root, ImgoptFsEntryFunc filter,
			  void *user_data, GPtrArray **types, GError **error);

#endif /* IMGOPT_FSIO_H */
