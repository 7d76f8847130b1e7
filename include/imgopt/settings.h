/*
 * settings.h: what the recompress stage produces, and how hard it tries.
 *
 * An ImgoptSettings is a plain struct embedded by its user: initialise it
 * with imgopt_settings_init() (the documented defaults), change fields or
 * parse command-line values into it with the imgopt_settings_parse_*()
 * helpers, and release it with imgopt_settings_clear() (or declare it
 * `g_auto(ImgoptSettings)`).
 *
 * The settings fingerprint (imgopt_settings_fingerprint()) keys variants
 * in the manifest together with the source's content hash: it changes
 * whenever anything that affects the encoded bytes changes (widths,
 * formats, quality, target, and the versions of the image libraries), and
 * does not change for options that only affect how the work is done
 * (jobs, the pixel limit).
 *
 * Ownership: returned strings are transfer full.
 * Thread-safety: a settings value is read-only once the run starts and may
 * then be read from any thread.
 */
#ifndef IMGOPT_SETTINGS_H
#define IMGOPT_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* GArray, GError */

/** Widths made when --widths is not given. */
#define IMGOPT_DEFAULT_WIDTHS "480,960,1600"

/** JPEG/WebP/AVIF quality when --quality is not given (libvips' scale). */
#define IMGOPT_DEFAULT_QUALITY 80

/**
 * IMGOPT_DEFAULT_MAX_PIXELS:
 *
 * The largest image imgopt decodes, in pixels of one frame (width ×
 * height as the header claims them): 100 megapixels, e.g. 10000×10000,
 * which is ~400 MB decoded.  Bigger headers are refused before decoding.
 */
#define IMGOPT_DEFAULT_MAX_PIXELS UINT64_C(100000000)

/**
 * IMGOPT_DEFAULT_TARGET:
 *
 * The perceptual target used by `--target` without a value: a luminance
 * SSIM (0 to 1, higher is closer to the reference resize) of 0.98.  See
 * recompress.c for how the quality is searched.
 */
#define IMGOPT_DEFAULT_TARGET 0.98

/**
 * ImgoptOutputFormats:
 * @IMGOPT_OUTPUT_JPEG: JPEG for stills (PNG for stills with alpha, GIF for
 *   animations: the "primary" variant, always made)
 * @IMGOPT_OUTPUT_WEBP: also WebP (animated WebP for animations)
 * @IMGOPT_OUTPUT_AVIF: also AVIF (stills only)
 *
 * The --formats set, as bit flags.
 */
typedef enum {
	IMGOPT_OUTPUT_JPEG = 1 << 0,
	IMGOPT_OUTPUT_WEBP = 1 << 1,
	IMGOPT_OUTPUT_AVIF = 1 << 2,
} ImgoptOutputFormats;

/**
 * ImgoptSettings:
 *
 * Everything the recompress stage is told.
 */
typedef struct {
	GArray *widths;      /* uint32_t, ascending, distinct, > 0 */
	unsigned formats;    /* ImgoptOutputFormats bits; JPEG always set */
	int quality;         /* 1..100; the fixed quality when target is 0 */
	double target;       /* 0: fixed quality; else the SSIM to reach */
	uint64_t max_pixels; /* decode limit per frame, see above */
	int jobs;            /* worker threads; 0 = number of cores */
} ImgoptSettings;

/**
 * imgopt_settings_init:
 * @settings: (out caller-allocates): the struct to fill
 *
 * Fills @settings with the defaults: widths 480, 960, 1600; JPEG only;
 * quality 80; no target; 100 megapixels; jobs 0.
 */
void imgopt_settings_init(ImgoptSettings *settings);

/**
 * imgopt_settings_clear:
 * @settings: settings filled by imgopt_settings_init()
 *
 * Frees what @settings owns.  Safe to call twice.
 */
void imgopt_settings_clear(ImgoptSettings *settings);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ImgoptSettings, imgopt_settings_clear)

/**
 * imgopt_settings_parse_widths:
 * @settings: settings to change
 * @text: a comma-separated list of widths, e.g. "480,960,1600"
 * @error: return location for a #GError
 *
 * Replaces the widths with @text's, sorted and without repeats.  Each
 * must be a whole number from 1 to 16383.
 *
 * Returns: true, or false with @error set (IMGOPT_ERROR_PARSE, naming the
 *   bad item) and @settings unchanged.
 */
bool imgopt_settings_parse_widths(ImgoptSettings *settings, const char *text,
				  GError **error);

/**
 * imgopt_settings_parse_formats:
 * @text: a comma-separated list from "jpeg", "webp" and "avif"
 *
 * Replaces the formats.  JPEG (the primary variant) is always made, so
 * "webp" means JPEG and WebP.
 *
 * Returns: true, or false with @error set (IMGOPT_ERROR_PARSE, naming the
 *   bad item) and @settings unchanged.
 */
bool imgopt_settings_parse_formats(ImgoptSettings *settings, const char *text,
				   GError **error);

/**
 * imgopt_settings_format_formats:
 *
 * Returns: (transfer full): the formats as "jpeg,webp,avif" text.
 */
char *imgopt_settings_format_formats(const ImgoptSettings *settings);

/**
 * imgopt_settings_fingerprint:
 *
 * Returns: (transfer full): a short text that identifies every setting
 *   affecting the encoded bytes, including the image libraries' versions,
 *   e.g. "v1;w=480,960,1600;f=jpeg;q=80;t=0;vips=8.14.1;jpeg=…".
 */
char *imgopt_settings_fingerprint(const ImgoptSettings *settings);

#endif /* IMGOPT_SETTINGS_H */
