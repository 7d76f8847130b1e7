/*
 * jpeg.h: the libjpeg-turbo adapter (the only includer of <jpeglib.h>).
 *
 * Lossless JPEG optimisation through the transcoding API: the DCT
 * coefficients are read and written back unchanged, with optimised
 * Huffman tables and progressive scans, so not one pixel changes.  No
 * marker is copied: EXIF, XMP, comments and ICC profiles are dropped.
 * Dropping an ICC profile or an EXIF orientation would change how the
 * image looks, so the caller (recompress.c) only uses this for sources
 * with neither; for the others the fallback is the original bytes.
 *
 * Ownership: returned GBytes are transfer full.
 * Thread-safety: reentrant (each call has its own decompressor and
 * compressor, and the error handler keeps its state on the stack).
 */
#ifndef IMGOPT_JPEG_ADAPTER_H
#define IMGOPT_JPEG_ADAPTER_H

#include <stdbool.h>
#include <glib.h> /* GBytes, GError */

/**
 * imgopt_jpeg_optimize:
 * @data: @len: a JPEG file's bytes
 * @error: return location for a #GError
 *
 * Rewrites the JPEG losslessly: progressive, optimised Huffman tables, no
 * metadata.  libjpeg warnings (a truncated scan, a corrupt marker) are
 * fatal, as they are for decoding.
 *
 * Returns: (transfer full): the new JPEG, or NULL with @error set
 *   (IMGOPT_ERROR_DECODE with libjpeg's message).
 */
GBytes *imgopt_jpeg_optimize(const void *data, gsize len, GError **error);

/**
 * imgopt_jpeg_version:
 *
 * Returns: (transfer none): libjpeg's API version and, for libjpeg-turbo,
 *   its release, e.g. "62/2.1.5".
 */
const char *imgopt_jpeg_version(void);

#endif /* IMGOPT_JPEG_ADAPTER_H */
