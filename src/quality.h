/*
 * quality.h: how an encoding will look, measured in plain C on 8-bit
 * pixels in memory: the 4:2:0 chroma decision (Lab chroma) and the SSIM
 * the quality search (recompress.c) compares trial encodings by.  Part of
 * the libvips module (image.c hands it the pixels of a picture), but it
 * knows nothing of libvips.
 *
 * Thread-safety: reentrant (a table is filled once, under a GOnce).
 */
#ifndef IMGOPT_QUALITY_H
#define IMGOPT_QUALITY_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* gsize */

/**
 * imgopt_quality_full_chroma:
 * @pixels: 8-bit sRGB samples, @bands a pixel (grey, grey + alpha, RGB,
 *   RGBA), rows @stride bytes apart
 * @width: @height: the whole image (all frames, one below the other)
 * @frame_height: the height of one frame
 *
 * Looks at the colour detail: sharp colour edges (graphics, text,
 * screenshots) blur visibly with 4:2:0 chroma subsampling; photos do not.
 *
 * Returns: true if JPEG should keep full chroma (4:4:4).
 */
bool imgopt_quality_full_chroma(const uint8_t *pixels, gsize stride, int width,
				int height, int frame_height, int bands);

/**
 * imgopt_quality_luma:
 * @pixels: @width x @height 8-bit pixels, @bands samples each, rows packed
 *
 * Returns: (transfer full): each pixel's luma (Rec. 601 weights, alpha
 *   flattened onto white as the encoders do), row after row.
 */
double *imgopt_quality_luma(const uint8_t *pixels, int width, int height,
			    int bands);

/**
 * imgopt_quality_ssim:
 * @x: @y: two luma planes of @width x @height (imgopt_quality_luma())
 *
 * Returns: the SSIM where @y is worst: the 5th percentile over 8x8 windows
 *   every 4 pixels (1 = identical).
 */
double imgopt_quality_ssim(const double *x, const double *y, int width,
			   int height);

/**
 * ImgoptQualityScore:
 *
 * How close an encoding's luma is to its picture's.
 */
typedef struct {
	double ssim; /* imgopt_quality_ssim()'s value */
	double mse;  /* mean squared error over every pixel: what SSIM's
			windows miss where texture is smoothed away
			everywhere (what WebP's filters do to fine grain) */
} ImgoptQualityScore;

/**
 * imgopt_quality_score:
 * @x: @y: two luma planes of @width x @height (imgopt_quality_luma())
 * @score_out: (out): both measures of @y against @x
 */
void imgopt_quality_score(const double *x, const double *y, int width,
			  int height, ImgoptQualityScore *score_out);

#endif /* IMGOPT_QUALITY_H */
