/*
 * resample.h: the zimg adapter (the only includer of <zimg.h>).
 *
 * The horizontal half of a resize: rows of 8-bit pixels, grey or RGB,
 * with or without alpha, to a smaller width, with a 3-lobe Lanczos
 * filter; alpha is straight, and the colours are resized premultiplied
 * by it (so a transparent pixel's colour never bleeds into its
 * neighbours), as libvips does.  Why not libvips for
 * this half too: Debian 12's libvips (8.14) reduces rows in plain C, one
 * sample at a time, which was 29% of `imgopt build`'s CPU on Hux; zimg's
 * SIMD kernels do the same work in a fifth of the time.  libvips keeps
 * the vertical half (vips_reducev() is vectorised there), and everything
 * else: decoding, colour, orientation (image.c).
 *
 * The source is read row by row through a callback, so a caller can
 * stream an image from its decoder without holding it whole.
 *
 * Thread-safety: reentrant.
 */
#ifndef IMGOPT_RESAMPLE_H
#define IMGOPT_RESAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h> /* GError */

/**
 * ImgoptRowSource:
 * @user: the caller's data
 * @i: a source row, 0-based
 * @error: return location for a #GError
 *
 * Gives source row @i: @bands interleaved 8-bit samples per pixel, valid
 * until the next call.  Rows are asked for top to bottom, normally each
 * once (zimg may ask for a row again).
 *
 * Returns: the row, or NULL with @error set.
 */
typedef const uint8_t *(*ImgoptRowSource)(void *user, uint32_t i,
					  GError **error);

/** A horizontal resize: what imgopt_resample_rows() reads and writes. */
typedef struct {
	uint32_t width_in;  /* pixels per source row (>= 1) */
	uint32_t width_out; /* pixels per output row (>= 1) */
	uint32_t height;    /* rows (>= 1) */
	int bands; /* samples per pixel: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA
		    */
	ImgoptRowSource source;
	void *user;        /* for @source */
	uint8_t *out;      /* the first output row */
	size_t out_stride; /* bytes from one output row to the next */
} ImgoptRowResize;

/**
 * imgopt_resample_rows:
 * @resize: the rows to resize, and where they go
 * @error: return location for a #GError
 *
 * Resizes every row of the source to @resize->width_out pixels with a
 * 3-lobe Lanczos filter, reading the source row by row through its
 * callback.
 *
 * Returns: true, or false with @error set: the source's error, or
 *   IMGOPT_ERROR_DECODE with zimg's message.
 */
bool imgopt_resample_rows(const ImgoptRowResize *resize, GError **error);

#endif /* IMGOPT_RESAMPLE_H */
