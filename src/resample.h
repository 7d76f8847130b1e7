/*
 * resample.h: the zimg adapter (the only includer of <zimg.h>).
 *
 * Resizing: 8-bit pixels, grey or RGB, with or without alpha, to a
 * smaller size, with a 3-lobe Lanczos filter in each direction; alpha is
 * straight, and the colours are resized premultiplied by it (so a
 * transparent pixel's colour never bleeds into its neighbours), as
 * libvips does.  Why not libvips: Debian 12's libvips (8.14) reduces
 * rows in plain C, one sample at a time (29% of `imgopt build`'s CPU on
 * Hux), and its pipelines zero a fresh buffer at every step for every
 * strip (image.c, "The split resize"); zimg's SIMD kernels do the work
 * in a fraction of the time.  libvips keeps decoding, colour and
 * orientation (image.c).
 *
 * The source is read through a callback, each row once, top to bottom,
 * so a caller can stream an image from a decoder that cannot go back,
 * without holding it whole: the rows are resized as they come, the
 * columns after, from a copy already narrowed to the output's width.
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
 * until the next call.  Rows are asked for top to bottom, each once.
 *
 * Returns: the row, or NULL with @error set.
 */
typedef const uint8_t *(*ImgoptRowSource)(void *user, uint32_t i,
					  GError **error);

/** A resize: what imgopt_resample_image() reads and writes. */
typedef struct {
	uint32_t width_in;   /* pixels per source row (>= 1) */
	uint32_t width_out;  /* pixels per output row (>= 1) */
	uint32_t height_in;  /* source rows (>= 1) */
	uint32_t height_out; /* output rows (>= 1) */
	int bands; /* samples per pixel: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA
		    */
	ImgoptRowSource source;
	void *user;        /* for @source */
	uint8_t *out;      /* the first output row */
	size_t out_stride; /* bytes from one output row to the next */
} ImgoptRowResize;

/**
 * imgopt_resample_image:
 * @resize: the picture to resize, and where it goes
 * @error: return location for a #GError
 *
 * Resizes the source to @resize->width_out x @resize->height_out with a
 * 3-lobe Lanczos filter, reading it row by row through its callback,
 * each row once, top to bottom.  Holds, besides zimg's few rows, the
 * source's rows narrowed to the output's width when the height changes.
 *
 * Returns: true, or false with @error set: the source's error, or
 *   IMGOPT_ERROR_DECODE with zimg's message.
 */
bool imgopt_resample_image(const ImgoptRowResize *resize, GError **error);

#endif /* IMGOPT_RESAMPLE_H */
