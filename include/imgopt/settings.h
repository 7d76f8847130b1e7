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
 * The perceptual target each image's quality is chosen for unless
 * `--target` says otherwise (`--target 0`: every image at --quality).
 * The measure is an SSIM of the luminance at the narrowest variant's
 * size, over 8x8 windows, taken where it is worst (the 5th percentile of
 * the windows; 1 = identical); the quality is the lowest within the five
 * steps below --quality that reaches it.  0.94 was calibrated with
 * bench/recompress.sh so that imgopt writes no more bytes than
 * @11ty/eleventy-img at quality 80, at an equal or better median
 * butteraugli score, on the generated corpus (where fixed quality 80
 * writes 0.1% more); bench/results/recompress.md has the figures.  See
 * recompress.c for the search.
 */
#define IMGOPT_DEFAULT_TARGET 0.94

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
 * ImgoptLinkFormat:
 * @IMGOPT_LINK_ORIGINAL: links name the primary variant (the source's
 *   format: JPEG, PNG or GIF), as before --link-format existed
 * @IMGOPT_LINK_AUTO: links name the WebP variant of the width where it
 *   has fewer bytes than the primary one, else the primary one
 * @IMGOPT_LINK_WEBP: links name the WebP variant of the width wherever
 *   there is one, else the primary one
 * @IMGOPT_LINK_AVIF: links name whichever of the primary, WebP and AVIF
 *   variants of the width has the fewest bytes
 *
 * --link-format: which format a page's link names (see
 * imgopt_settings_formats_made() for what each makes).  The WebP and
 * AVIF variants a link may name are encoded to reach the quality the
 * primary one reaches (recompress.c), so fewer bytes means lighter at
 * the same quality.  The library's default (imgopt_settings_init()) is
 * IMGOPT_LINK_ORIGINAL; the command line's is IMGOPT_DEFAULT_LINK_FORMAT.
 */
typedef enum {
	IMGOPT_LINK_ORIGINAL = 0,
	IMGOPT_LINK_AUTO,
	IMGOPT_LINK_WEBP,
	IMGOPT_LINK_AVIF,
} ImgoptLinkFormat;

/**
 * IMGOPT_DEFAULT_LINK_FORMAT:
 *
 * The command line's (and imgopt.conf's) --link-format when none is
 * given: auto.  Measured (README, bench/results/lighter.md): WebP matched
 * at the JPEG's quality plus 13 scores, in median, as the JPEG does in
 * butteraugli on photo crops in the seed's sizes, and is lighter for
 * about half of them, animated
 * GIFs become animated WebP, and a run costs about three times the CPU of
 * a JPEG-only one (one WebP encoding per linked width).
 */
#define IMGOPT_DEFAULT_LINK_FORMAT IMGOPT_LINK_AUTO

/**
 * ImgoptSettings:
 *
 * Everything the recompress stage is told.
 */
typedef struct {
	GArray *widths;      /* uint32_t, ascending, distinct, > 0 */
	unsigned formats;    /* ImgoptOutputFormats bits; JPEG always set */
	int quality;         /* 1..100; with a target, the highest used */
	double target;       /* 0: fixed quality; else the SSIM to reach */
	uint64_t max_pixels; /* decode limit per frame, see above */
	int jobs;            /* worker threads; 0 = number of cores */
	ImgoptLinkFormat link_format; /* which format links name */
} ImgoptSettings;

/**
 * imgopt_settings_init:
 * @settings: (out caller-allocates): the struct to fill
 *
 * Fills @settings with the defaults: widths 480, 960, 1600; JPEG only;
 * quality 80; target IMGOPT_DEFAULT_TARGET; 100 megapixels; jobs 0.
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
 * ImgoptSettingsArgs:
 * @widths: --widths text, or NULL
 * @formats: --formats text, or NULL
 * @quality: --quality, or 0 if not given
 * @target: --target, or a negative value if not given (0 turns the
 *   search off: fixed --quality)
 * @max_pixels: --max-pixels, or 0 if not given
 * @link_format: --link-format text, or NULL
 *
 * The recompression options as a command line (or imgopt.conf) gives
 * them, before they are checked: what `imgopt build` and `imgopt run`
 * share.
 */
typedef struct {
	const char *widths;
	const char *formats;
	int quality;
	double target;
	int64_t max_pixels;
	const char *link_format;
} ImgoptSettingsArgs;

/**
 * imgopt_settings_apply_args:
 * @settings: settings to change (from imgopt_settings_init())
 * @args: the options given
 * @error: return location for a #GError
 *
 * Checks every option given in @args and sets it in @settings: widths
 * and formats as imgopt_settings_parse_widths() and _formats() do; a
 * quality from 1 to 100; a target from 0 to below 1; a positive pixel
 * limit.
 *
 * Returns: true, or false with @error set (IMGOPT_ERROR_PARSE, naming the
 *   option and what it must be).  @settings may then be partly changed.
 */
bool imgopt_settings_apply_args(ImgoptSettings *settings,
				const ImgoptSettingsArgs *args, GError **error);

/**
 * imgopt_settings_check_value:
 * @key: an option's long name ("quality")
 * @value: its text, as imgopt.conf or the command line gives it
 * @error: return location for a #GError
 *
 * The one check of option values, for imgopt.conf and the command line
 * alike: widths and formats (non-empty lists of 1 to 16383, and of jpeg,
 * webp, avif), quality (1 to 100), display-width (1 to 16383), jobs (0
 * to 4096), max-pixels (1 or more), target (an SSIM from 0 to below 1;
 * NaN is not one), manifest (a non-empty file name), link-format (auto,
 * webp, avif or original).  Other keys pass.
 *
 * Returns: true, or false with @error set (IMGOPT_ERROR_PARSE) saying
 *   what is wrong with @value, e.g. "'12x' is not a width".
 */
bool imgopt_settings_check_value(const char *key, const char *value,
				 GError **error);

/**
 * imgopt_settings_parse_link_format:
 * @text: "auto", "webp", "avif" or "original" (any case)
 * @format_out: (out): the format it names
 *
 * Returns: true, or false with @error set (IMGOPT_ERROR_PARSE).
 */
bool imgopt_settings_parse_link_format(const char *text,
				       ImgoptLinkFormat *format_out,
				       GError **error);

/**
 * imgopt_settings_link_format_name:
 *
 * Returns: (transfer none): @format's --link-format name ("auto").
 */
const char *imgopt_settings_link_format_name(ImgoptLinkFormat format);

/**
 * imgopt_settings_formats_made:
 *
 * The formats the recompress stage makes: --formats, plus WebP when
 * links may name it (--link-format auto or webp) and WebP and AVIF for
 * --link-format avif.
 *
 * Returns: ImgoptOutputFormats bits.
 */
unsigned imgopt_settings_formats_made(const ImgoptSettings *settings);

/**
 * imgopt_settings_format_formats:
 *
 * Returns: (transfer full): the formats made
 *   (imgopt_settings_formats_made()) as "jpeg,webp,avif" text.
 */
char *imgopt_settings_format_formats(const ImgoptSettings *settings);

/**
 * imgopt_settings_fingerprint:
 *
 * Returns: (transfer full): a short text that identifies every setting
 *   affecting the encoded bytes, including the image libraries' versions,
 *   e.g. "v3;w=480,960,1600;f=jpeg;q=80;t=0.9400;vips=8.14.1;jpeg=…".
 */
char *imgopt_settings_fingerprint(const ImgoptSettings *settings);

#endif /* IMGOPT_SETTINGS_H */
