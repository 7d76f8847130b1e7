/*
 * image.h: the libvips adapter's interface: what imgopt asks of libvips.
 *
 * The adapter is one interface and the files that serve it:
 *   image.h         this: the functions, in domain terms
 *   image.c         their implementation with libvips (the only includer
 *                   of <vips/vips.h>), built into the module imgopt-vips.so
 *   resample.c      the zimg resize image.c uses (in the module)
 *   quality.c       chroma decision and SSIM on pixels (in the module)
 *   image_api.h     the one list of these functions, which makes the table
 *                   the module exports and the loader calls through
 *   image_table.c   the module's exported table (generated from the list)
 *   image_loader.c  libimgopt's side: loads the module on first use and
 *                   forwards each function (generated from the list)
 * image_api.h says why libvips is a module, and how to add an operation.
 *
 * What imgopt asks of libvips, in domain terms:
 *   imgopt_vips_init()            once, from imgopt_init(): records
 *                                 argv0; libvips itself starts on first
 *                                 use (untrusted loaders blocked, cache
 *                                 off), so commands that decode nothing
 *                                 never pay for its modules
 *   imgopt_vips_probe()           header only: format, size, frames,
 *                                 orientation, ICC; refuses images above
 *                                 the pixel limit before any decoding
 *   imgopt_picture_load()         decode once, with shrink-on-load, to the
 *                                 largest width needed: upright, sRGB,
 *                                 8 bits, every frame of an animation
 *   imgopt_picture_shrink()       a smaller width from a loaded picture
 *                                 (both resize stills with zimg;
 *                                 image.c, "The split resize")
 *   imgopt_picture_encode()       JPEG/PNG/GIF/WebP/AVIF into memory
 *   imgopt_picture_encode_animated_webp()
 *                                 an animation as a lossless or mixed
 *                                 animated WebP
 *   imgopt_picture_ssim()         how close an encoding is to a picture
 *
 * A picture (ImgoptPicture) is fully decoded into memory, so later steps
 * never re-read the source and decode errors surface in
 * imgopt_picture_load().  Loading is strict: libvips warnings are fatal
 * (fail_on=warning), and only JPEG, PNG, GIF, WebP and HEIF/AVIF loaders
 * are accepted, chosen from the bytes, never from a file name.
 *
 * Errors: libvips' error buffer is copied into the GError as detail after
 * imgopt's own context; see image.c for why that detail may be imperfect
 * under concurrency.
 *
 * Ownership: pictures and GBytes returned are transfer full.
 * Thread-safety: everything but init/shutdown may be called from worker
 * threads; a worker calls imgopt_vips_thread_done() after each item.
 */
#ifndef IMGOPT_IMAGE_H
#define IMGOPT_IMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* GBytes, GError */

#include "imgopt/types.h"
#include "quality.h" /* ImgoptQualityScore */

/** What an image's header says (imgopt_vips_probe()). */
typedef struct {
	ImgoptFormat format; /* from the loader libvips chose for the bytes */
	uint32_t width;      /* one frame, as stored (before orientation) */
	uint32_t height;     /* one frame, as stored */
	uint32_t n_frames;   /* 1 for stills */
	int orientation;     /* EXIF orientation 1..8 (1 when absent) */
	bool has_alpha;      /* an alpha channel */
	bool has_icc;        /* an embedded ICC profile */
	bool is_cmyk;        /* CMYK (or YCCK) pixels */
	bool is_16bit;       /* more than 8 bits per sample */
	bool is_interlaced;  /* progressive JPEG / interlaced PNG or GIF */
} ImgoptImageInfo;

/** A decoded picture in memory.  Opaque. */
typedef struct ImgoptPicture ImgoptPicture;

/** How to encode a picture (imgopt_picture_encode()). */
typedef struct {
	ImgoptFormat format; /* JPEG, PNG, GIF, WEBP or AVIF */
	int quality;         /* 1..100, for the lossy formats */
	bool is_full_chroma; /* JPEG: 4:4:4 rather than 4:2:0 */
	bool is_lossless;    /* WebP: lossless (quality ignored) */
} ImgoptEncodeOptions;

/**
 * imgopt_vips_init:
 * @argv0: the program name
 * @error: return location for a #GError
 *
 * Records the program name for libvips, which starts on first use: the
 * first imgopt_vips_probe(), imgopt_picture_load() or
 * imgopt_vips_set_concurrency(), from any thread, starts it once (its
 * untrusted loaders blocked, its operation cache off: every image is
 * different); a failure to start is that call's error.  Commands that
 * never decode an image never load libvips' modules.  Main thread only.
 *
 * Returns: true.
 */
bool imgopt_vips_init(const char *argv0, GError **error);

/** Shuts libvips down if it was started.  Main thread only. */
void imgopt_vips_shutdown(void);

/**
 * imgopt_vips_set_concurrency:
 * @n_threads: libvips worker threads per image (>= 1)
 *
 * Sets how many threads libvips uses for one image; imgopt runs several
 * images at once, so this is cores / pool size.
 */
void imgopt_vips_set_concurrency(int n_threads);

/** Frees libvips' per-thread state; called by a worker after each item. */
void imgopt_vips_thread_done(void);

/** Returns: (transfer none): libvips' version, e.g. "8.14.1". */
const char *imgopt_vips_version(void);

/**
 * imgopt_vips_probe:
 * @data: @len: the file's bytes (kept by the caller)
 * @max_pixels: the largest frame accepted (width × height)
 * @info_out: (out caller-allocates): the header's facts
 * @error: return location for a #GError
 *
 * Reads the header only.  GIFs are first walked with giflib, so their
 * logical screen and every frame rectangle are checked before libvips
 * sees them.
 *
 * Returns: true, or false with @error set: IMGOPT_ERROR_UNSUPPORTED (not
 *   a web image format), IMGOPT_ERROR_DECODE (a bad header) or
 *   IMGOPT_ERROR_UNSAFE (above the pixel limit).
 */
bool imgopt_vips_probe(const void *data, gsize len, uint64_t max_pixels,
		       ImgoptImageInfo *info_out, GError **error);

/**
 * imgopt_picture_load:
 * @data: @len: the file's bytes, already probed
 * @info: what imgopt_vips_probe() said
 * @width: the width wanted (never upscaled: a narrower image keeps its
 *   own width)
 * @error: return location for a #GError
 *
 * Decodes with shrink-on-load: EXIF orientation applied, ICC profile (or
 * CMYK) converted to sRGB, 16-bit samples reduced to 8, all frames of an
 * animation kept with their delays and loop count.
 *
 * Returns: (transfer full): the picture, or NULL with @error set
 *   (IMGOPT_ERROR_DECODE, libvips' reason as detail).
 */
ImgoptPicture *imgopt_picture_load(const void *data, gsize len,
				   const ImgoptImageInfo *info, uint32_t width,
				   GError **error);

/**
 * imgopt_picture_decode:
 * @data: @len: an image's bytes
 *
 * Loads at full size (for tests and checks: what a browser would show):
 * upright, sRGB, 8 bits, all frames.
 *
 * Returns: (transfer full): the picture, or NULL with @error set.
 */
ImgoptPicture *imgopt_picture_decode(const void *data, gsize len,
				     GError **error);

/**
 * imgopt_picture_shrink:
 * @width: a width no larger than @picture's
 *
 * Returns: (transfer full): @picture resized to @width (all frames), or
 *   NULL with @error set.
 */
ImgoptPicture *imgopt_picture_shrink(const ImgoptPicture *picture,
				     uint32_t width, GError **error);

/** Frees @picture (nullable). */
void imgopt_picture_free(ImgoptPicture *picture);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptPicture, imgopt_picture_free)

/** Returns: the width of @picture, in pixels. */
uint32_t imgopt_picture_get_width(const ImgoptPicture *picture);

/** Returns: the height of one frame of @picture, in pixels. */
uint32_t imgopt_picture_get_height(const ImgoptPicture *picture);

/** Returns: the number of frames of @picture. */
uint32_t imgopt_picture_get_n_frames(const ImgoptPicture *picture);

/** Returns: the number of bands (1 grey … 4 RGBA). */
int imgopt_picture_get_bands(const ImgoptPicture *picture);

/** Returns: whether @picture is 8-bit sRGB or grey, as a browser wants. */
bool imgopt_picture_is_srgb8(const ImgoptPicture *picture);

/**
 * imgopt_picture_get_pixels:
 * @stride_out: (out): bytes from the start of one row to the next
 *
 * The samples of @picture in memory, row after row from the top, frames
 * one below the other, imgopt_picture_get_bands() samples a pixel (8 bits
 * each when imgopt_picture_is_srgb8()): for encoders outside libvips.
 *
 * Returns: (transfer none): the first sample; valid while @picture is.
 */
const uint8_t *imgopt_picture_get_pixels(const ImgoptPicture *picture,
					 gsize *stride_out);

/**
 * imgopt_picture_get_mean:
 * @left: @top: @width: @height: an area of the first frame
 * @mean_out: (out caller-allocates): 4 values, the mean of each band
 *   (unused bands are 0)
 *
 * Returns: true, or false with @error set if the area is outside.
 */
bool imgopt_picture_get_mean(const ImgoptPicture *picture, int left, int top,
			     int width, int height, double *mean_out,
			     GError **error);

/**
 * imgopt_picture_wants_full_chroma:
 *
 * Looks at the colour detail of @picture: sharp colour edges (graphics,
 * text, screenshots) blur visibly with 4:2:0 chroma subsampling; photos
 * do not.  An animation: five frames spread over it, and the answer of
 * most of them.
 *
 * Returns: true if JPEG should keep full chroma (4:4:4).
 */
bool imgopt_picture_wants_full_chroma(const ImgoptPicture *picture);

/**
 * imgopt_picture_encode:
 * @options: format and quality
 *
 * Encodes into memory, progressive with optimised Huffman tables for
 * JPEG, metadata stripped.  Alpha is flattened onto white for JPEG.
 * Animated pictures keep their frames, delays and loop count (GIF and
 * WebP).
 *
 * Returns: (transfer full): the encoded bytes, or NULL with @error set
 *   (IMGOPT_ERROR_ENCODE).
 */
GBytes *imgopt_picture_encode(const ImgoptPicture *picture,
			      const ImgoptEncodeOptions *options,
			      GError **error);

/**
 * imgopt_picture_encode_animated_webp:
 * @picture: an animation (every frame, with its delays and loop count)
 * @quality: 1..100, for the frames encoded lossy
 * @is_lossless: every frame lossless; else mixed (each frame lossy at
 *   @quality or lossless, whichever is smaller)
 *
 * Encodes an animated WebP: metadata stripped, the frames' delays (10 ms
 * or less written as 100 ms, as browsers show them), the loop count and
 * the alpha of transparent frames kept.  Frames that change nothing are
 * merged into the previous one (anim.h).
 *
 * Returns: (transfer full): the encoded bytes, or NULL with @error set
 *   (IMGOPT_ERROR_ENCODE).
 */
GBytes *imgopt_picture_encode_animated_webp(const ImgoptPicture *picture,
					    int quality, bool is_lossless,
					    GError **error);

/**
 * imgopt_picture_ssim:
 * @reference: the picture that was encoded
 * @encoded: its encoding
 * @ssim_out: (out): the SSIM of the luminance of the first frame where
 *   the encoding is worst: the 5th percentile over 8x8 windows every 4
 *   pixels (1 = identical)
 *
 * Returns: true, or false with @error set if @encoded does not decode.
 */
bool imgopt_picture_ssim(const ImgoptPicture *reference, GBytes *encoded,
			 double *ssim_out, GError **error);

/**
 * imgopt_picture_score:
 * @reference: the picture that was encoded
 * @encoded: its encoding
 * @score_out: (out): imgopt_picture_ssim()'s SSIM and the mean squared
 *   error of the luminance of the first frame
 *
 * Returns: true, or false with @error set if @encoded does not decode.
 */
bool imgopt_picture_score(const ImgoptPicture *reference, GBytes *encoded,
			  ImgoptQualityScore *score_out, GError **error);

#endif /* IMGOPT_IMAGE_H */
