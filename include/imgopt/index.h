/*
 * index.h: stage 2, file → ImgoptAsset.
 *
 * The index learns, for one file: its identity on disk (size, mtime,
 * inode, device), its real format sniffed from its bytes (the extension
 * often lies), the width, height and frame count its header claims, and
 * the XXH3-128 hash of its bytes.  It reads each file once, front to back,
 * through a fixed-size buffer: the hash and a push parser of the header
 * are fed the same chunks, so memory stays bounded whatever the file's
 * size and pixels are never decoded.
 *
 * Only regular files are ever opened: a FIFO, socket or device is refused
 * from its lstat(), before open(), so it cannot block the run, and a
 * symlink is never followed (O_NOFOLLOW).
 *
 * Calling sequence, per file:
 *   asset = imgopt_index_stat(root, rel, &error);        lstat only
 *   if (!imgopt_index_unchanged(cached, asset))
 *       imgopt_index_read(root, asset, &n_bytes, &error); hash + probe
 * (imgopt_dupes_run() runs the reads on a thread pool.)
 *
 * Ownership: returned assets are transfer full.
 * Thread-safety: every function is reentrant and may run in parallel on
 * different files.
 */
#ifndef IMGOPT_INDEX_H
#define IMGOPT_INDEX_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* GError */

#include "imgopt/types.h"

struct stat; /* <sys/stat.h> */

/** Bytes read from a file per read() call (and the index's memory per
 * worker thread). */
#define IMGOPT_INDEX_CHUNK (256 * 1024)

/* imgopt_index_files_equal() keeps the first file of a pair in memory,
 * per thread, when it is at most this big (a group's first member is
 * compared with every other member). */
#define IMGOPT_INDEX_HOLD_MAX (1024 * 1024)

/* imgopt_index_read_matched() reads files up to this size into memory
 * whole, to compare them with the others of their size as they are read
 * (every image of a 20,000-image blog: the largest are 3 MB). */
#define IMGOPT_INDEX_MATCH_MAX (4 * 1024 * 1024)

/** Bytes read per window by imgopt_index_probe_file(). */
#define IMGOPT_INDEX_PROBE_WINDOW (16 * 1024)

/** The most imgopt_index_probe_file() reads of one file. */
#define IMGOPT_INDEX_PROBE_BUDGET (64 * 1024)

/**
 * imgopt_index_probe_buffer:
 * @data: the first @len bytes of a file (the whole file, or any prefix)
 * @len: bytes at @data
 * @asset: (inout): receives format, width, height and n_frames; nothing
 *   else is touched
 *
 * Sniffs the format from the bytes and reads the dimensions and frame
 * count from the headers found within @data, with the same header probe
 * (src/probe.c) that imgopt_index_read() feeds: JPEG (first SOF), PNG
 * (IHDR; acTL before IDAT for APNG frames), GIF (logical screen; image
 * descriptors counted by skipping sub-blocks, no LZW), WebP (VP8, VP8L,
 * VP8X; ANMF frames counted), AVIF (ftyp brand, first ispe, best effort),
 * SVG (`<svg` near the start; width/height attributes if plain numbers),
 * and BMP, ICO, TIFF as IMGOPT_FORMAT_OTHER.  Anything else is
 * IMGOPT_FORMAT_UNKNOWN.  Values the header does not give stay 0.
 * Never fails; runs in time linear in @len.
 */
void imgopt_index_probe_buffer(const void *data, size_t len,
			       ImgoptAsset *asset);

/**
 * imgopt_index_stat:
 * @root: the absolute site root
 * @rel: a path relative to @root
 * @error: return location for a #GError
 *
 * lstat()s the file and fills path, size, mtime, inode and device.  The
 * bytes are not read (has_hash false).
 *
 * Returns: (transfer full): the asset, or NULL with @error set:
 *   G_FILE_ERROR_NOENT if it does not exist (or vanished),
 *   G_FILE_ERROR_ACCES and other G_FILE_ERRORs from lstat(), or
 *   IMGOPT_ERROR_UNSUPPORTED if it is not a regular file (a symlink,
 *   FIFO, socket, device or folder; the message says which).
 */
ImgoptAsset *imgopt_index_stat(const char *root, const char *rel,
			       GError **error);

/**
 * imgopt_index_from_stat:
 * @rel: a path relative to the site root
 * @st: what lstat() said of it a moment ago (a walk's)
 * @error: return location for a #GError
 *
 * imgopt_index_stat() with the lstat() already made.
 *
 * Returns: (transfer full): the asset, or NULL with @error set
 *   (IMGOPT_ERROR_UNSUPPORTED: not a regular file).
 */
ImgoptAsset *imgopt_index_from_stat(const char *rel, const struct stat *st,
				    GError **error);

/**
 * imgopt_index_unchanged:
 * @cached: (nullable): what the manifest remembers of the path
 * @now: what imgopt_index_stat() just found
 *
 * Returns: true if @cached has the same size, mtime (ns) and inode as
 *   @now: what was learnt from its bytes still holds (whether that
 *   included the hash is the caller's to check: has_hash).
 */
bool imgopt_index_unchanged(const ImgoptAsset *cached, const ImgoptAsset *now);

/**
 * imgopt_index_read:
 * @root: the absolute site root
 * @asset: (inout): from imgopt_index_stat(); receives hash, format,
 *   width, height and n_frames, and the size and mtime as read
 * @bytes_read: (out) (optional): bytes read (and hashed)
 * @error: return location for a #GError
 *
 * Opens the file (regular files only, without following a symlink, with
 * O_NONBLOCK so nothing can block the open), reads it to the end through
 * an IMGOPT_INDEX_CHUNK buffer, hashes it and probes its header.
 *
 * Returns: true, or false with @error set: a G_FILE_ERROR from open() or
 *   read() (gone, unreadable), IMGOPT_ERROR_UNSUPPORTED (not a regular
 *   file) or IMGOPT_ERROR_CONFLICT (the file was replaced or changed
 *   while it was read: size, mtime or inode moved).
 */
bool imgopt_index_read(const char *root, ImgoptAsset *asset,
		       uint64_t *bytes_read, GError **error);

/**
 * ImgoptIndexHeld:
 *
 * The distinct contents of one size class, held while its files are read
 * (imgopt_index_read_matched()), so that a duplicate is proven equal to an
 * earlier file as it is read, not read a second time to be compared.  At
 * most the budget given to imgopt_index_held_new() is held; one per
 * thread: not thread-safe.
 */
typedef struct ImgoptIndexHeld ImgoptIndexHeld;

/** Returns: (transfer full): an empty set holding at most @budget bytes. */
ImgoptIndexHeld *imgopt_index_held_new(size_t budget);

/** Frees @held (nullable). */
void imgopt_index_held_free(ImgoptIndexHeld *held);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptIndexHeld, imgopt_index_held_free)

/**
 * imgopt_index_read_matched:
 * @held: the contents read before; a file of another size than the last
 *   one read through it drops them
 * @same_as_out: (out) (transfer full): the path of the first file read
 *   through @held whose bytes are equal to @asset's (compared byte for
 *   byte, after the hashes), @asset's own path if its bytes are new and
 *   now held, or NULL: not compared (empty, larger than
 *   IMGOPT_INDEX_MATCH_MAX, or beyond the budget)
 *
 * As imgopt_index_read(), the same pieces fed to the hasher and the
 * probe; each file is read into memory whole and stable (fstat() before
 * and after), so two files matched were equal byte for byte when read.
 *
 * Returns: as imgopt_index_read().
 */
bool imgopt_index_read_matched(const char *root, ImgoptAsset *asset,
			       ImgoptIndexHeld *held, char **same_as_out,
			       uint64_t *bytes_read, GError **error);

/**
 * imgopt_index_probe_file:
 * @root: the absolute site root
 * @asset: (inout): from imgopt_index_stat(); receives format, width,
 *   height and n_frames, and the hash only if the whole file was read
 * @bytes_read: (out) (optional): bytes read
 * @error: return location for a #GError
 *
 * Learns a file's header facts while reading as little as it can: windows
 * of IMGOPT_INDEX_PROBE_WINDOW bytes, seeking over the segments the header
 * parser skips (a JPEG's APPn blocks, a WebP's frames), at most
 * IMGOPT_INDEX_PROBE_BUDGET bytes.  A file no larger than one window is
 * read whole and hashed (as imgopt_index_read()).  The frame count of a
 * GIF or WebP whose frames lie beyond what was read is 0 (unknown).  The
 * duplicate search uses this for files whose size no other file has:
 * they cannot be duplicates, so their bytes need not be hashed.
 *
 * Returns: true, or false with @error set as imgopt_index_read() does.
 */
bool imgopt_index_probe_file(const char *root, ImgoptAsset *asset,
			     uint64_t *bytes_read, GError **error);

/**
 * imgopt_index_files_equal:
 * @root: the absolute site root
 * @a: @b: two paths relative to @root
 * @equal_out: (out): whether their bytes are identical
 * @error: return location for a #GError
 *
 * Compares two regular files byte for byte, in chunks (the duplicate
 * groups' confirmation: equal hashes only nominate).  @a, if at most
 * IMGOPT_INDEX_HOLD_MAX bytes, is read once and kept by the calling
 * thread: the next comparison with @a first reads only the other file,
 * as long as @a's stat (size, mtime, inode, device) is unchanged.
 *
 * Returns: true if the comparison ran, false with @error set if a file
 *   could not be read.
 */
bool imgopt_index_files_equal(const char *root, const char *a, const char *b,
			      bool *equal_out, GError **error);

/**
 * imgopt_index_is_image_name:
 * @path: a file name or path
 *
 * Returns: true if the name ends in an image extension (jpg, jpeg, png,
 *   gif, webp, avif, svg, bmp, ico, tif, tiff; any case).
 */
bool imgopt_index_is_image_name(const char *path);

#endif /* IMGOPT_INDEX_H */
