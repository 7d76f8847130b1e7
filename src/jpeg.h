/*
 * jpeg.h: the libjpeg-turbo adapter (the only includer of <jpeglib.h>).
 *
 * Encoding: imgopt_jpeg_encode() writes the JPEG variants from a
 * picture's pixels in memory, progressive with imgopt's own scan script
 * (jpeg.c says why: half the CPU of libjpeg's standard script, and fewer
 * bytes), where libvips could only use the standard one.
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
#include <stdint.h>
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

/** 8-bit samples in memory, as imgopt_jpeg_encode() reads them. */
typedef struct {
	const uint8_t *data; /* the top row's first sample */
	gsize stride;        /* bytes from one row to the next */
	uint32_t width;      /* pixels per row */
	uint32_t height;     /* rows */
	int bands;           /* samples a pixel: 1 (grey) or 3 (sRGB) */
} ImgoptJpegPixels;

/**
 * imgopt_jpeg_encode:
 * @pixels: what to encode
 * @quality: libjpeg quality, 1-100 (standard tables, scaled)
 * @is_full_chroma: 4:4:4 rather than 4:2:0 (colour only)
 * @error: return location for a #GError
 *
 * Encodes a progressive JPEG with optimised Huffman tables and imgopt's
 * scan script (see jpeg.c), and no metadata but the JFIF header.
 *
 * Returns: (transfer full): the JPEG, or NULL with @error set
 *   (IMGOPT_ERROR_ENCODE with libjpeg's message).
 */
GBytes *imgopt_jpeg_encode(const ImgoptJpegPixels *pixels, int quality,
			   bool is_full_chroma, GError **error);

/**
 * imgopt_jpeg_version:
 *
 * Returns: (transfer none): libjpeg's API version and, for libjpeg-turbo,
 *   its release, e.g. "62/2.1.5".
 */
const char *imgopt_jpeg_version(void);

#endif /* IMGOPT_JPEG_ADAPTER_H */
