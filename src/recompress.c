/*
 * recompress.c: stage 4, one distinct content → web-size variants.
 *
 * The variant policy
 * ==================
 *
 * Widths.  Each width of --widths (default 480, 960, 1600) is clamped to
 * the upright width of the source (EXIF orientation 5-8 swap the axes),
 * and repeats are dropped: a 1080 px photo gives 480, 960 and 1080, never
 * an upscaled 1600.  Heights follow the aspect ratio.  An animated GIF is
 * not resized by less than a fifth of its width (is_near_full_gif()).
 *
 * Decode once.  The source is decoded a single time, with shrink-on-load
 * (libjpeg's DCT scaling, WebP's scaled decode), to the largest width
 * needed; every smaller width is resized from that picture in memory,
 * when it is first needed (a width whose encoding is skipped, see "Never
 * larger", costs no resize), and freed once encoded.  Resizing is
 * Lanczos-3, premultiplied by alpha, by zimg for stills (image.c says
 * why), by libvips for animations.
 * The picture is upright, sRGB (embedded ICC profiles and CMYK converted)
 * and 8-bit; encoders strip all metadata.
 *
 * Formats.  One "primary" variant per width, always:
 *
 *     source                     primary      extra (--formats)
 *     animated GIF (or any GIF)  GIF (cgif)   WebP (animated); no AVIF
 *     animated WebP              WebP         -
 *     still with alpha           PNG          WebP, AVIF
 *     any other still            JPEG         WebP, AVIF
 *
 * JPEG is progressive with optimised Huffman tables (encoded by jpeg.c
 * with imgopt's own scan script, see there); its chroma is 4:2:0
 * unless the picture has sharp colour edges (graphics, screenshots: see
 * imgopt_picture_wants_full_chroma()), then 4:4:4.
 *
 * Quality.  By default (IMGOPT_DEFAULT_TARGET) the JPEG, WebP and AVIF
 * quality is chosen per content: the lowest quality within SEARCH_SPAN
 * (5) steps below --quality whose SSIM (imgopt_picture_ssim():
 * luminance, 8x8 windows, where the encoding is worst) reaches the
 * target, to within SEARCH_PRECISION (3) steps: one trial encoding, of
 * the narrowest variant's picture, whose result is used for every width
 * (and which is that width's variant when it is at the chosen quality).
 * --quality is the highest it may choose: the search only spends fewer
 * bytes where a content needs fewer.  The span is that narrow because
 * SSIM misses the ringing around text that butteraugli (and eyes) see:
 * measured on Hux with every output scored, median butteraugli 2.82 at
 * fixed quality 80, 2.88 with a span of 10 and 2.99 with a floor of 40,
 * for 1-2% fewer bytes.  Pictures with sharp colour edges (4:4:4, see
 * below) keep --quality for the same reason.
 * --target 0 turns the search off (every image at --quality);
 * animations always use --quality (a search over all frames would be
 * costly).  How the default was calibrated: settings.h.
 *
 * Never larger.  No variant may be as large as the source file it
 * replaces.  An encoding that does not win is not kept:
 *   - at the source's own width, the primary variant falls back to a
 *     lossless optimisation of the source (a JPEG re-coded progressive
 *     with optimised Huffman tables by jpeg.c: no pixel changes) when that
 *     is smaller, and else to the source's own bytes, in the source's
 *     format.  The lossless path drops metadata, so it is only taken for
 *     a JPEG without an ICC profile or an EXIF orientation; GIFs use the
 *     original bytes (see gif.h for why giflib is not used to re-write);
 *   - a smaller width that loses is dropped, and the fallback at the
 *     source's own width is added if it is not there yet, so a page can
 *     always use a variant;
 *   - an extra format (WebP, AVIF) that loses is dropped; one a link
 *     may name in place of the primary (matched to it) is not made at a
 *     width whose primary variant lost, but at the next wider one, as
 *     the primary (is_lost_with_primary());
 *   - an animated GIF is not re-encoded at its own width at all (see
 *     is_gif_at_full_size()): that variant is the source's bytes;
 *   - an encoding predicted to lose, from the bytes of the same format at
 *     the next narrower width, is not made at all (GROWTH_FLOOR).
 * An animated GIF variant must also keep its source's frame count, delays
 * and loop count (checked by re-reading it with giflib); otherwise it
 * counts as losing.  Its WebP variant must play on the GIF's clock and
 * have fewer bytes than the GIF variant of its width (see "Animated GIF
 * -> animated WebP" below).
 *
 * Incremental.  Variants are keyed in the manifest by the content hash
 * and the settings fingerprint (imgopt_settings_fingerprint()); the
 * writer (imgopt_recompress_all()) skips a content whose rows and files
 * are all present.
 */
/* syncfs() is a GNU extension: one flush per batch of variant files
 * instead of an fsync() per file (4 ms each on ext4 here). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "imgopt/error.h"
#include "imgopt/recompress.h"

#include "anim.h"
#include "atomic.h"
#include "fault.h"
#include "fsio.h"
#include "hash.h"
#include "gif.h"
#include "image.h"
#include "jpeg.h"
#include "ondisk.h"
#include "provenance.h"

/* The quality search: a bisection over [--quality - SEARCH_SPAN,
 * --quality] until the bounds are SEARCH_PRECISION apart. */
#define SEARCH_SPAN 5
#define SEARCH_PRECISION 3

/* Formats a content can get, at most (primary + two extras). */
#define MAX_FORMATS 3

/* Everything known about one content while its variants are made. */
typedef struct {
	const char *name;                  /* the source, for messages */
	const uint8_t *data;               /* its bytes */
	gsize len;                         /* their count */
	const ImgoptHash *hash;            /* its content hash */
	const ImgoptSettings *settings;    /* what to make */
	const ImgoptWanted *wanted;        /* the widths to encode, or NULL
					      for every one */
	char *fingerprint;                 /* of @settings */
	ImgoptImageInfo info;              /* the probe's facts */
	ImgoptGifInfo gif;                 /* a GIF source's timing */
	uint32_t full_width;               /* upright width */
	uint32_t full_height;              /* upright height of one frame */
	GArray *widths;                    /* uint32_t, ascending */
	ImgoptFormat formats[MAX_FORMATS]; /* [0] is the primary */
	int n_formats;                     /* used entries of @formats */
	GPtrArray *pictures;               /* ImgoptPicture, one per width */
	guint n_decoded;                   /* widths that can have a picture */
	GPtrArray *out;                    /* ImgoptEncoded made so far */
	GBytes *trials[MAX_FORMATS];       /* the quality search's encoding of
					    * the narrowest picture, per format,
					    * if it is at the chosen quality */
	guint match_k;                     /* the width formats are matched on
					      (match_index()) */
	GBytes *matched[MAX_FORMATS];      /* the match's encoding of widths
					      [match_k], per format, if kept */
} Job;

static void
job_clear(Job *job)
{
	g_clear_pointer(&job->fingerprint, g_free);
	imgopt_gif_info_clear(&job->gif);
	g_clear_pointer(&job->widths, g_array_unref);
	g_clear_pointer(&job->pictures, g_ptr_array_unref);
	g_clear_pointer(&job->out, g_ptr_array_unref);
	for (int f = 0; f < MAX_FORMATS; f++) {
		g_clear_pointer(&job->trials[f], g_bytes_unref);
		g_clear_pointer(&job->matched[f], g_bytes_unref);
	}
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Job, job_clear)

void
imgopt_encoded_free(ImgoptEncoded *encoded)
{
	if (encoded == NULL)
		return;
	imgopt_variant_free(encoded->variant);
	g_clear_pointer(&encoded->data, g_bytes_unref);
	g_free(encoded);
}

const char *
imgopt_format_extension(ImgoptFormat format)
{
	/* The format's name, but for JPEG's usual file extension. */
	if (format == IMGOPT_FORMAT_JPEG)
		return "jpg";
	return imgopt_format_is_recompressed(format)
		       ? imgopt_format_name(format)
		       : "bin";
}

char *
imgopt_variant_file_name(const ImgoptHash *hash, uint32_t width,
			 ImgoptFormat format)
{
	char hex[IMGOPT_HASH_HEX_LEN + 1];

	imgopt_hash_format(hash, hex);
	return g_strdup_printf("%.16s-%u.%s", hex, width,
			       imgopt_format_extension(format));
}

bool
imgopt_variant_parse_file_name(const char *name, ImgoptHash *hash_out,
			       uint32_t *width_out, ImgoptFormat *format_out)
{
	static const ImgoptFormat formats[] = {
		IMGOPT_FORMAT_JPEG, IMGOPT_FORMAT_PNG, IMGOPT_FORMAT_GIF,
		IMGOPT_FORMAT_WEBP, IMGOPT_FORMAT_AVIF};
	const char *dot = strrchr(name, '.');
	g_autofree char *hex = g_strnfill(32, '0');
	guint64 w = 0;

	if (strlen(name) < 20 || name[16] != '-' || dot == NULL ||
	    dot < name + 18)
		return false;
	memcpy(hex, name, 16);
	g_autofree char *digits =
		g_strndup(name + 17, (gsize)(dot - name - 17));
	if (!imgopt_hash_parse(hex, hash_out) ||
	    !g_ascii_string_to_unsigned(digits, 10, 1, G_MAXUINT32, &w, NULL))
		return false;
	for (gsize i = 0; i < G_N_ELEMENTS(formats); i++) {
		g_autofree char *again = imgopt_variant_file_name(
			hash_out, (uint32_t)w, formats[i]);

		if (strcmp(again, name) == 0) {
			*width_out = (uint32_t)w;
			*format_out = formats[i];
			return true;
		}
	}
	return false;
}

static bool
is_animated(const Job *job)
{
	return job->info.n_frames > 1;
}

static ImgoptFormat
primary_format(const ImgoptImageInfo *info)
{
	if (info->format == IMGOPT_FORMAT_GIF)
		return IMGOPT_FORMAT_GIF;
	if (info->n_frames > 1)
		return IMGOPT_FORMAT_WEBP;
	return info->has_alpha ? IMGOPT_FORMAT_PNG : IMGOPT_FORMAT_JPEG;
}

static void
plan_formats(Job *job)
{
	unsigned wanted = imgopt_settings_formats_made(job->settings);
	ImgoptFormat primary = primary_format(&job->info);

	job->formats[job->n_formats++] = primary;
	if ((wanted & IMGOPT_OUTPUT_WEBP) && primary != IMGOPT_FORMAT_WEBP)
		job->formats[job->n_formats++] = IMGOPT_FORMAT_WEBP;
	if ((wanted & IMGOPT_OUTPUT_AVIF) && !is_animated(job))
		job->formats[job->n_formats++] = IMGOPT_FORMAT_AVIF;
}

/* An animated GIF is only resized where that removes at least a fifth
 * of its width: a GIF resized by less re-encodes every frame to save
 * little or nothing (Hux's 500 px navbar GIF at 480 px: 1.2 MB against
 * the source's 0.8 MB), so such a width gets the source's own width. */
static bool
is_near_full_gif(const Job *job, uint32_t width)
{
	return job->info.format == IMGOPT_FORMAT_GIF &&
	       job->info.n_frames > 1 &&
	       (uint64_t)width * 5 > (uint64_t)job->full_width * 4;
}

static void
plan_widths(Job *job)
{
	const GArray *wanted = job->settings->widths;
	bool is_turned = job->info.orientation >= 5;

	job->full_width = is_turned ? job->info.height : job->info.width;
	job->full_height = is_turned ? job->info.width : job->info.height;
	job->widths = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	for (guint i = 0; i < wanted->len; i++) {
		uint32_t width = MIN(g_array_index(wanted, uint32_t, i),
				     job->full_width);
		if (is_near_full_gif(job, width))
			width = job->full_width;
		guint n = job->widths->len;
		if (n == 0 ||
		    g_array_index(job->widths, uint32_t, n - 1) != width)
			g_array_append_val(job->widths, width);
	}
}

static uint32_t
width_at(const Job *job, guint i)
{
	return g_array_index(job->widths, uint32_t, i);
}

/* An animated GIF at its own size is not re-encoded: cgif quantises
 * every frame again and without inter-frame optimisation, which loses
 * to the source's own encoder almost always (wuffs' 380-frame
 * muybridge: 517 KB against 357 KB) at seconds of CPU per file.  The
 * source's bytes are the variant at that width. */
static bool
is_gif_at_full_size(const Job *job, ImgoptFormat format, uint32_t width)
{
	return format == IMGOPT_FORMAT_GIF &&
	       job->info.format == IMGOPT_FORMAT_GIF && is_animated(job) &&
	       width == job->full_width;
}

/* How many of the widths (from the narrowest) need a picture: an
 * animated GIF's own width is not decoded when nothing is encoded there
 * (a 30-frame 640 px GIF is 27 MB decoded). */
static guint
n_decoded_widths(const Job *job)
{
	for (guint i = job->widths->len; i > 0; i--)
		for (int f = 0; f < job->n_formats; f++)
			if (!is_gif_at_full_size(job, job->formats[f],
						 width_at(job, i - 1)))
				return i;
	g_assert_not_reached(); /* is_source_only() jobs are not decoded */
}

/* Decodes once at the largest width needed (pictures[n_decoded - 1]);
 * the smaller pictures are made from it when first asked for
 * (picture_at()), so a width whose encoding is skipped costs no resize.
 * pictures[i] matches widths[i] (always NULL above n_decoded). */
static bool
decode_pictures(Job *job, GError **error)
{
	job->n_decoded = n_decoded_widths(job);
	ImgoptPicture *largest =
		imgopt_picture_load(job->data, job->len, &job->info,
				    width_at(job, job->n_decoded - 1), error);

	if (largest == NULL)
		return false;
	job->pictures = g_ptr_array_new_full(
		job->widths->len, (GDestroyNotify)imgopt_picture_free);
	g_ptr_array_set_size(job->pictures, (int)job->widths->len);
	g_ptr_array_index(job->pictures, job->n_decoded - 1) = largest;
	return true;
}

/* The picture at widths[i] (i < n_decoded), resized from the largest on
 * first use.  NULL with @error set if the resize fails. */
static const ImgoptPicture *
picture_at(Job *job, guint i, GError **error)
{
	gpointer *slot = &g_ptr_array_index(job->pictures, i);

	if (*slot == NULL)
		*slot = imgopt_picture_shrink(
			g_ptr_array_index(job->pictures, job->n_decoded - 1),
			width_at(job, i), error);
	return *slot;
}

/* Frees a smaller picture once its width is encoded: the largest stays
 * until the end, as every other picture is made from it. */
static void
release_picture(Job *job, guint i)
{
	if (i + 1 < job->n_decoded)
		g_clear_pointer(&g_ptr_array_index(job->pictures, i),
				imgopt_picture_free);
}

/* Encodes @picture: JPEG through jpeg.c (imgopt's own progressive scans,
 * from the picture's memory), the other formats through libvips. */
static GBytes *
encode_picture(const ImgoptPicture *picture, const ImgoptEncodeOptions *options,
	       GError **error)
{
	int bands = imgopt_picture_get_bands(picture);
	ImgoptJpegPixels pixels = {
		.width = imgopt_picture_get_width(picture),
		.height = imgopt_picture_get_height(picture),
		.bands = bands,
	};

	if (options->format != IMGOPT_FORMAT_JPEG ||
	    (bands != 1 && bands != 3) || !imgopt_picture_is_srgb8(picture))
		return imgopt_picture_encode(picture, options, error);
	pixels.data = imgopt_picture_get_pixels(picture, &pixels.stride);
	return imgopt_jpeg_encode(&pixels, options->quality,
				  options->is_full_chroma, error);
}

static bool
is_lossy(ImgoptFormat format)
{
	return format == IMGOPT_FORMAT_JPEG || format == IMGOPT_FORMAT_WEBP ||
	       format == IMGOPT_FORMAT_AVIF;
}

/* Bisection for the lowest quality whose SSIM reaches the target, to
 * within SEARCH_PRECISION, over [@low, options->quality] (the
 * SEARCH_SPAN below --quality: one trial encoding with the spans of
 * today).  The result is the lowest
 * quality seen to reach it (--quality if none did); *trial_out is the
 * trial encoding at that quality, if there was one (the narrowest
 * variant then needs no encoding of its own), else NULL.  With a
 * target's max_bytes reached, options->quality is 0 and no trial. */
/* What an encoding must reach: the SSIM where it is worst, and at most
 * a mean squared error of the luma (a negative value: no matter). */
typedef struct {
	double ssim;
	double mse;
	gsize max_bytes; /* give up once an encoding that misses the target
			    has this many bytes (0: never): a higher quality
			    only takes more, so it cannot be lighter */
} SsimTarget;

/* Whether @bytes, an encoding of @picture, reaches @target. */
static bool
reaches(const ImgoptPicture *picture, GBytes *bytes, const SsimTarget *target,
	bool *reaches_out, GError **error)
{
	ImgoptQualityScore score = {0};

	if (!imgopt_picture_score(picture, bytes, &score, error))
		return false;
	*reaches_out = score.ssim >= target->ssim &&
		       (target->mse < 0 || score.mse <= target->mse);
	return true;
}

static bool
search_quality(const ImgoptPicture *picture, ImgoptEncodeOptions *options,
	       int low, const SsimTarget *target, GBytes **trial_out,
	       GError **error)
{
	int high = options->quality;
	g_autoptr(GBytes) best = NULL; /* the encoding at @high, if made */

	while (high - low > SEARCH_PRECISION) {
		options->quality = (low + high) / 2;
		g_autoptr(GBytes) bytes =
			encode_picture(picture, options, error);
		bool is_reached = false;
		if (bytes == NULL ||
		    !reaches(picture, bytes, target, &is_reached, error))
			return false;
		if (is_reached) {
			high = options->quality;
			g_clear_pointer(&best, g_bytes_unref);
			best = g_steal_pointer(&bytes);
		}
		else if (target->max_bytes > 0 &&
			 g_bytes_get_size(bytes) >= target->max_bytes) {
			options->quality = 0; /* hopeless: see SsimTarget */
			return true;
		}
		else {
			low = options->quality;
		}
	}
	options->quality = high;
	*trial_out = g_steal_pointer(&best);
	return true;
}

/*
 * The formats a link may name (--link-format)
 * ===========================================
 *
 * A page's link names the variant of its width with the fewest bytes
 * among the formats --link-format allows (plan.c): WebP for auto and
 * webp, WebP and AVIF for avif.  Fewer bytes only means lighter if the
 * quality is the same, so those formats are not searched like the
 * primary one (the SEARCH_SPAN below --quality, on their own scale) but
 * matched to it, on the picture of the width links name most
 * (match_index()): the quality starts at the primary's plus an offset
 * learned from butteraugli (MATCH_OFFSET_WEBP, _AVIF), and the encoding
 * there is kept (as that width's variant) if it has fewer bytes than the
 * primary's encoding of the same picture and passes a guard: its SSIM at
 * most MATCH_SSIM_SLACK below the primary's (and at least the target),
 * its mean squared luma error at most MATCH_MSE_RATIO times the
 * primary's.  If only the guard fails, one more try MATCH_RETRY above;
 * where that fails too, or the encoding is not lighter (a higher quality
 * would only weigh more), the format is not made for this content.  One
 * or two encodings, each the variant itself when it is kept: a bisection
 * over 50-95 cost about eight times a JPEG-only run's CPU.
 *
 * Why not SSIM and the error alone (the match before): they do not
 * track butteraugli across formats.  WebP's smoothing keeps SSIM and
 * the luma error where the JPEG's are while butteraugli sees the texture
 * go (on bench/lighter.sh's grain a WebP of equal SSIM scored 2.3-3.1
 * against the JPEG's 1.4-1.6), and requiring both equal asked Hux's
 * photos for WebP quality 92, heavier than the JPEG, where 86 already
 * beats the JPEG in butteraugli.  The calibration: 14 of Hux's photos
 * (JPEGs of img/) and 4 of bench/lighter.sh's grain pictures (1600 px,
 * saved at quality 85), each resized to 960 px (vips thumbnail), the
 * JPEG at the quality imgopt's search picks (77 or 80), WebP (effort 4)
 * from 50 to 95 (every 3), each scored by the butteraugli binary against
 * the resized picture as PNG.  The lowest WebP quality at least as good
 * as the JPEG was the JPEG's plus 0 to 9 for 13 of the 14 photos
 * (median 6), more than 12 for one; at the JPEG's plus 9:
 *
 *     picture              JPEG: q KB    ba    WebP: q KB           ba   auto
 *     post-bg-alibaba      77    15.6  3.18  86    10.5 (0.67x)  2.83 WebP
 *     home-bg-geek         77    19.5  2.74  86    11.1 (0.57x)  2.66 WebP
 *     post-bg-android      77    24.5  3.61  86    17.8 (0.73x)  2.75 WebP
 *     post-bg-kuaidi       80    34.4  2.39  89    26.8 (0.78x)  2.21 WebP
 *     post-bg-alitrip      80    40.8  2.90  89    36.0 (0.88x)  2.25 WebP
 *     home-bg-art          80    37.6  3.24  89    34.1 (0.91x)  2.71 WebP
 *     404-bg               80    41.8  3.46  89    39.4 (0.94x)  2.31 WebP
 *     bg-walle             80    27.3  2.70  89    28.8 (1.05x)  2.55 JPEG
 *     post-bg-2015         80    57.9  2.50  89    62.5 (1.08x)  2.11 JPEG
 *     home-bg              80    77.3  2.67  89    88.9 (1.15x)  1.81 JPEG
 *     contact-bg           80    61.7  2.39  89    76.2 (1.23x)  2.45 JPEG
 *     bg-little-universe   80    45.8  2.72  89    56.7 (1.24x)  2.00 JPEG
 *     post-bg-universe     80    30.0  2.29  89    39.5 (1.32x)  1.89 JPEG
 *     post-bg-css          80    78.9  4.32  89   105.2 (1.33x)  3.63 JPEG
 *     grain (4 pictures)   80   187-191 1.54-1.58 89  1.44-1.45x 0.77-0.82 JPEG
 *
 * So auto links WebP for 7 of the 14 photos, at 0.57-0.94x the JPEG's
 * bytes, each with a lower butteraugli than the JPEG (median of what
 * auto links over the 14: 2.67, the JPEGs' 2.73), and for none of the grain
 * pictures (at equal butteraugli their WebP is no lighter).  An offset
 * of 6 would link more WebP, lighter, but some visibly worse (kuaidi at
 * 86: 2.85 against 2.39).  The guard never decided in the calibration:
 * it stops a WebP far worse than the JPEG on pictures unlike these.
 * The offset is 13, not 9, since bench/lighter.sh's photo crops (23
 * distinct crops of Hux's photos at the sizes of the seed's images, saved
 * at quality 85, their 960 px variants scored against the source resized
 * by Lanczos 3): at plus 9 auto linked WebP for 19 of the 23 and 16 of
 * those scored worse than their JPEG (median of what auto links 2.38,
 * the JPEGs' 2.19); at plus 11, 15 and 8 (2.28); at plus 13, 11 and 5
 * (2.19, the JPEGs' median); at plus 15, 2 and 1.  The shown bytes rose
 * 11% from plus 9 to plus 13.  On Hux's photos above, plus 13 links
 * fewer of the seven (those at 0.88-0.94x the JPEG's bytes at plus 9 lose
 * to it).  Matching each picture on butteraugli itself (libjxl's, in
 * process) was tried: it costs about 0.25 s a 960 px comparison, seven
 * times the CPU of this match, and libjxl's distance and the butteraugli
 * binary's disagree on which encoding is better for 2 of 4 photos.
 * AVIF (libvips' heifsave, AV1): its quality scale runs lower; quality
 * 70 matched a JPEG at 78 in butteraugli on two of three of Hux's
 * photos (alibaba 2.97 against 3.01 at 0.33x the bytes, 2015 2.54
 * against 2.62), hence the JPEG's minus 8, not calibrated further.
 *
 * Pictures with sharp colour edges (the primary keeps 4:4:4 chroma)
 * cannot be matched by lossy WebP or AVIF, which are 4:2:0, nor can a
 * lossless primary (a PNG or GIF still: logos, diagrams, screenshots,
 * where SSIM misses the ringing around text): WebP is then lossless,
 * kept only if its narrowest encoding is smaller than the primary's (a
 * screenshot's usually is, a photo's never), and AVIF is not made.  With
 * --target 0 (fixed quality) every format is at --quality, as before.
 * Animations keep --quality too.
 */
#define MATCH_OFFSET_WEBP 13
#define MATCH_OFFSET_AVIF (-8)
#define MATCH_RETRY 4
#define MATCH_SSIM_SLACK 0.01
#define MATCH_MSE_RATIO 1.5

/* Whether formats[@f] is one a link may name, matched to the primary. */
static bool
is_matched_format(const Job *job, int f)
{
	ImgoptFormat format = job->formats[f];
	ImgoptLinkFormat link = job->settings->link_format;

	if (f == 0 || job->settings->target <= 0 || is_animated(job))
		return false;
	if (format == IMGOPT_FORMAT_WEBP)
		return link != IMGOPT_LINK_ORIGINAL;
	return format == IMGOPT_FORMAT_AVIF && link == IMGOPT_LINK_AVIF;
}

/* The primary variant's encoding of the narrowest picture, at its
 * chosen quality: the search's trial, else made now (and kept as the
 * trial, which it is). */
static GBytes *
primary_trial(Job *job, const ImgoptEncodeOptions *options,
	      const ImgoptPicture *picture, GError **error)
{
	if (job->trials[0] == NULL)
		job->trials[0] = encode_picture(picture, options, error);
	return job->trials[0];
}

/* The picture formats are matched on: the widest variant's not above
 * MATCH_WIDTH, the width pages show images at by default (run.h's
 * IMGOPT_DEFAULT_DISPLAY_WIDTH), the variant most links name.  Not the
 * narrowest: a quality that matches there need not at twice the width
 * (a grainy photo's WebP matched the JPEG's SSIM and error at 480 px at
 * quality 46, and was far worse at 960). */
#define MATCH_WIDTH 960

static guint
match_index(const Job *job)
{
	guint k = 0;

	for (guint i = 1; i < job->n_decoded; i++)
		if (width_at(job, i) <= MATCH_WIDTH)
			k = i;
	return k;
}

/* The primary variant's encoding of widths[@k]: the search's trial for
 * the narrowest, else made once and kept as that width's variant. */
static GBytes *
primary_at(Job *job, const ImgoptEncodeOptions *options, guint k,
	   const ImgoptPicture *picture, GError **error)
{
	if (k == 0)
		return primary_trial(job, options, picture, error);
	if (job->matched[0] == NULL)
		job->matched[0] = encode_picture(picture, options, error);
	return job->matched[0];
}

/* What the other formats must reach on widths[@k]'s @picture, from the
 * primary's encoding there (see above). */
static bool
match_target(Job *job, const ImgoptEncodeOptions *options, guint k,
	     const ImgoptPicture *picture, SsimTarget *target_out,
	     GError **error)
{
	ImgoptQualityScore score = {0};

	*target_out = (SsimTarget){job->settings->target, -1, 0};
	if (!is_lossy(options->format))
		return true;
	GBytes *bytes = primary_at(job, options, k, picture, error);
	if (bytes == NULL ||
	    !imgopt_picture_score(picture, bytes, &score, error))
		return false;
	target_out->ssim =
		MAX(score.ssim - MATCH_SSIM_SLACK, job->settings->target);
	target_out->mse = score.mse * MATCH_MSE_RATIO;
	/* webp links WebP even where heavier; the others only the lighter */
	if (job->settings->link_format != IMGOPT_LINK_WEBP)
		target_out->max_bytes = g_bytes_get_size(bytes);
	return true;
}

/* formats[@f] for a picture with sharp colour edges: lossless WebP if it
 * beats the primary's bytes at the narrowest width, else nothing. */
static bool
match_sharp(Job *job, int f, ImgoptEncodeOptions *options,
	    const ImgoptPicture *picture, bool *is_matched_out, GError **error)
{
	*is_matched_out = false;
	if (options[f].format != IMGOPT_FORMAT_WEBP)
		return true;
	options[f].is_lossless = true;
	g_autoptr(GBytes) lossless =
		encode_picture(picture, &options[f], error);
	GBytes *primary = primary_trial(job, &options[0], picture, error);
	if (lossless == NULL || primary == NULL)
		return false;
	*is_matched_out =
		g_bytes_get_size(lossless) < g_bytes_get_size(primary);
	if (*is_matched_out)
		job->trials[f] = g_steal_pointer(&lossless);
	return true;
}

/* Where formats[@f] starts: the primary's quality @primary plus its
 * offset (see above), within libvips' scale. */
static int
match_start(const Job *job, int f, int primary)
{
	int offset = job->formats[f] == IMGOPT_FORMAT_AVIF ? MATCH_OFFSET_AVIF
							   : MATCH_OFFSET_WEBP;

	return CLAMP(primary + offset, 1, 100);
}

/* formats[@f] at the quality predicted from the primary's @primary, or
 * MATCH_RETRY above it, if its encoding of widths[@k]'s @picture reaches
 * @target with fewer bytes than target->max_bytes; that encoding is
 * kept as the variant of that width. */
static bool
match_quality(Job *job, int f, ImgoptEncodeOptions *options, int primary,
	      guint k, const ImgoptPicture *picture, const SsimTarget *target,
	      bool *is_matched_out, GError **error)
{
	int start = match_start(job, f, primary);

	*is_matched_out = false;
	for (int q = start; q <= MIN(start + MATCH_RETRY, 100);
	     q += MATCH_RETRY) {
		options->quality = q;
		g_autoptr(GBytes) bytes =
			encode_picture(picture, options, error);
		if (bytes == NULL)
			return false;
		/* no lighter than the primary: a higher quality only
		 * weighs more, and a heavier one is never linked */
		if (target->max_bytes > 0 &&
		    g_bytes_get_size(bytes) >= target->max_bytes)
			return true;
		if (!reaches(picture, bytes, target, is_matched_out, error))
			return false;
		if (*is_matched_out) {
			GBytes **slot =
				k == 0 ? &job->trials[f] : &job->matched[f];
			g_clear_pointer(slot, g_bytes_unref);
			*slot = g_steal_pointer(&bytes);
			return true;
		}
	}
	return true;
}

/* Forgets formats[@f]: it is not made for this content. */
static void
drop_format(Job *job, ImgoptEncodeOptions *options, int f)
{
	g_clear_pointer(&job->trials[f], g_bytes_unref);
	g_clear_pointer(&job->matched[f], g_bytes_unref);
	for (int k = f; k + 1 < job->n_formats; k++) {
		job->formats[k] = job->formats[k + 1];
		options[k] = options[k + 1];
		job->trials[k] = job->trials[k + 1];
		job->matched[k] = job->matched[k + 1];
	}
	job->n_formats--;
	job->trials[job->n_formats] = NULL;
	job->matched[job->n_formats] = NULL;
}

/* Chooses the quality of each format a link may name (see above). */
static bool
match_link_formats(Job *job, ImgoptEncodeOptions *options,
		   const ImgoptPicture *picture, bool is_full_chroma,
		   GError **error)
{
	SsimTarget target = {0, -1, 0};
	bool is_sharp = is_full_chroma, is_needed = false;

	for (int f = 1; f < job->n_formats; f++)
		is_needed |= is_matched_format(job, f);
	if (!is_needed)
		return true;
	/* a PNG or GIF still (lossless: logos, diagrams, screenshots) */
	if (!is_lossy(options[0].format))
		is_sharp = true;
	guint k = is_sharp ? 0 : match_index(job);
	job->match_k = k;
	const ImgoptPicture *at = picture_at(job, k, error);
	if (at == NULL || (!is_sharp && !match_target(job, &options[0], k, at,
						      &target, error)))
		return false;
	for (int f = job->n_formats - 1; f >= 1; f--) {
		bool is_matched = false;
		if (!is_matched_format(job, f))
			continue;
		if (!(is_sharp ? match_sharp(job, f, options, picture,
					     &is_matched, error)
			       : match_quality(job, f, &options[f],
					       options[0].quality, k, at,
					       &target, &is_matched, error)))
			return false;
		if (!is_matched)
			drop_format(job, options, f);
	}
	return true;
}

/* Chooses quality and chroma for each format, once per content. */
static bool
choose_options(Job *job, ImgoptEncodeOptions *options, GError **error)
{
	/* colour edges show at any scale, and the quality a content needs
	 * changes little between these widths: the narrowest picture is
	 * enough for both, and the cheapest to look at */
	const ImgoptPicture *picture = picture_at(job, 0, error);

	if (picture == NULL)
		return false;
	bool is_full_chroma = job->formats[0] == IMGOPT_FORMAT_JPEG &&
			      imgopt_picture_wants_full_chroma(picture);

	for (int f = 0; f < job->n_formats; f++) {
		options[f] = (ImgoptEncodeOptions){
			.format = job->formats[f],
			.quality = job->settings->quality,
			.is_full_chroma = is_full_chroma,
		};
		if (job->settings->target <= 0 || is_animated(job) ||
		    is_full_chroma || !is_lossy(job->formats[f]) ||
		    is_matched_format(job, f))
			continue;
		SsimTarget target = {job->settings->target, -1, 0};
		if (!search_quality(picture, &options[f],
				    MAX(options[f].quality - SEARCH_SPAN, 1),
				    &target, &job->trials[f], error))
			return false;
	}
	return match_link_formats(job, options, picture, is_full_chroma, error);
}

static ImgoptEncoded *
encoded_new(const Job *job, ImgoptFormat format, uint32_t width,
	    uint32_t height, uint32_t n_frames, GBytes *data)
{
	ImgoptEncoded *encoded = g_new0(ImgoptEncoded, 1);
	ImgoptVariant *variant = imgopt_variant_new();

	variant->hash = *job->hash;
	variant->settings = g_strdup(job->fingerprint);
	variant->width = width;
	variant->height = height;
	variant->format = format;
	variant->path = imgopt_variant_file_name(job->hash, width, format);
	variant->bytes = g_bytes_get_size(data);
	variant->n_frames = n_frames;
	encoded->variant = variant;
	encoded->data = g_bytes_ref(data);
	return encoded;
}

/* Adds @encoded (transfer full) unless a variant of the same name is
 * there: then the smaller of the two stays. */
static void
add_encoded(Job *job, ImgoptEncoded *encoded)
{
	for (guint i = 0; i < job->out->len; i++) {
		ImgoptEncoded *old = g_ptr_array_index(job->out, i);
		if (strcmp(old->variant->path, encoded->variant->path) != 0)
			continue;
		if (encoded->variant->bytes < old->variant->bytes)
			g_ptr_array_index(job->out, i) = encoded;
		else
			old = encoded;
		imgopt_encoded_free(old);
		return;
	}
	g_ptr_array_add(job->out, encoded);
}

static bool
has_variant(const Job *job, ImgoptFormat format, uint32_t width)
{
	for (guint i = 0; i < job->out->len; i++) {
		const ImgoptEncoded *e = g_ptr_array_index(job->out, i);
		if (e->variant->format == format && e->variant->width == width)
			return true;
	}
	return false;
}

/* The source as a variant at its own width: losslessly re-coded when
 * that is smaller and safe (see the policy above), else its bytes. */
static void
add_fallback(Job *job)
{
	const ImgoptImageInfo *info = &job->info;
	g_autoptr(GBytes) bytes = NULL;
	ImgoptEncodedKind kind = IMGOPT_ENCODED_ORIGINAL;

	if (has_variant(job, info->format, job->full_width))
		return;
	if (info->format == IMGOPT_FORMAT_JPEG && info->orientation == 1 &&
	    !info->has_icc && !info->is_cmyk) {
		bytes = imgopt_jpeg_optimize(job->data, job->len, NULL);
		if (bytes != NULL && g_bytes_get_size(bytes) < job->len)
			kind = IMGOPT_ENCODED_LOSSLESS;
		else
			g_clear_pointer(&bytes, g_bytes_unref);
	}
	if (bytes == NULL)
		bytes = g_bytes_new(job->data, job->len);
	ImgoptEncoded *encoded =
		encoded_new(job, info->format, job->full_width,
			    job->full_height, info->n_frames, bytes);
	encoded->kind = kind;
	add_encoded(job, encoded);
}

/* Whether an encoding may replace the source: smaller, and for an
 * animated GIF, the same frames, delays and loop count. */
static bool
is_winner(const Job *job, ImgoptFormat format, GBytes *bytes)
{
	gsize len = 0;
	const void *data = g_bytes_get_data(bytes, &len);

	if (len >= job->len)
		return false;
	if (format != IMGOPT_FORMAT_GIF || job->gif.delays == NULL)
		return true;
	g_auto(ImgoptGifInfo) made = {0};
	if (!imgopt_gif_read_info(data, len, &made, NULL))
		return false;
	return imgopt_gif_same_timing(&job->gif, &made);
}

/*
 * Animated GIF -> animated WebP
 * =============================
 *
 * An animated GIF's WebP variant (made when the WebP format is planned)
 * has every frame at the width's size, encoded lossless and mixed (each
 * frame lossy at --quality or lossless, whichever libwebp finds smaller:
 * imgopt_picture_encode_animated_webp()); the mixed one is kept where it
 * has fewer bytes and its first frame reaches the SSIM target (--target;
 * a search over quality and frames would be costly), else the lossless
 * one.  Pictures with sharp colour edges (the 4:4:4 test of JPEG, on
 * five frames), which lossy WebP's halved chroma blurs, are lossless
 * only.  Measured at quality 80: lossless won for wuffs' 380-frame
 * muybridge (302 KB, against 582 KB mixed and 1096 KB lossy), mixed for
 * pillow's chi (6.5 KB, lossless 6.8 KB).
 *
 * It is kept only where a browser plays it exactly as it plays the GIF
 * (anim.h: each frame's duration, read back from the WebP's chunks, and
 * the number of plays; a frame libwebp merged into the previous one for
 * changing nothing counts with that one), and where it has fewer bytes
 * than the GIF variant of the same width, else the GIF serves that width
 * alone.  A GIF whose timing no WebP holds (a loop count of 65535) gets
 * no WebP at all.
 */

static bool
is_gif_to_webp(const Job *job, ImgoptFormat format)
{
	return format == IMGOPT_FORMAT_WEBP &&
	       job->info.format == IMGOPT_FORMAT_GIF && is_animated(job);
}

/* Whether a WebP can play the source GIF as browsers play it. */
static bool
is_webp_able(const Job *job)
{
	g_auto(ImgoptAnimTiming) timing = {0};

	return imgopt_anim_timing_from_gif(&job->gif, &timing);
}

/* Whether @data, a WebP of the source GIF, plays on the GIF's clock. */
static bool
is_same_animation(const Job *job, const void *data, gsize len)
{
	g_auto(ImgoptAnimTiming) source = {0};
	g_auto(ImgoptAnimTiming) made = {0};

	return imgopt_anim_timing_from_gif(&job->gif, &source) &&
	       imgopt_anim_timing_from_webp(data, len, &made, NULL) &&
	       imgopt_anim_same_timeline(&source, &made);
}

/* Whether the WebP @bytes of the source GIF at @width has fewer bytes
 * than the GIF variant of that width, if there is one. */
static bool
beats_gif_variant(const Job *job, uint32_t width, GBytes *bytes)
{
	for (guint i = 0; i < job->out->len; i++) {
		const ImgoptVariant *v =
			((const ImgoptEncoded *)g_ptr_array_index(job->out, i))
				->variant;
		if (v->format == IMGOPT_FORMAT_GIF && v->width == width)
			return g_bytes_get_size(bytes) < v->bytes;
	}
	return true;
}

/* The animated WebP of the source GIF at @picture's width (see above). */
static GBytes *
encode_animated_webp(const Job *job, const ImgoptPicture *picture, int quality,
		     GError **error)
{
	g_autoptr(GBytes) lossless = imgopt_picture_encode_animated_webp(
		picture, quality, true, error);
	double ssim = 1;

	if (lossless == NULL || imgopt_picture_wants_full_chroma(picture))
		return g_steal_pointer(&lossless);
	g_autoptr(GBytes) mixed = imgopt_picture_encode_animated_webp(
		picture, quality, false, error);
	if (mixed == NULL)
		return NULL;
	if (g_bytes_get_size(mixed) >= g_bytes_get_size(lossless))
		return g_steal_pointer(&lossless);
	if (job->settings->target > 0 &&
	    !imgopt_picture_ssim(picture, mixed, &ssim, error))
		return NULL;
	return job->settings->target > 0 && ssim < job->settings->target
		       ? g_steal_pointer(&lossless)
		       : g_steal_pointer(&mixed);
}

/* Encodes @picture for the format of @options: an animated GIF's WebP
 * as above, the rest by encode_picture(). */
static GBytes *
encode_variant(const Job *job, const ImgoptPicture *picture,
	       const ImgoptEncodeOptions *options, GError **error)
{
	if (is_gif_to_webp(job, options->format))
		return encode_animated_webp(job, picture, options->quality,
					    error);
	return encode_picture(picture, options, error);
}

/* Whether the WebP @bytes of the source GIF at @width may be kept. */
static bool
is_webp_of_gif_kept(const Job *job, uint32_t width, GBytes *bytes)
{
	gsize len = 0;
	const void *data = g_bytes_get_data(bytes, &len);

	return is_same_animation(job, data, len) &&
	       beats_gif_variant(job, width, bytes);
}

/*
 * Skipping encodings that cannot win.  The bytes an encoding takes per
 * pixel fall as the width grows (smooth areas cover more pixels), but by
 * a bounded factor: from one width to the next, measured on Hux's images
 * and the generated corpus of bench/, an encoding never took less than
 * 0.55 of the narrower encoding's bytes scaled by the area (median 0.78).
 * So once an encoding of a format is known, a wider one is predicted to
 * take at least GROWTH_FLOOR of that scaled size; where the prediction
 * already reaches the source's size the encoding is not made, and counts
 * as losing (the never-larger rule would have dropped it anyway).  Hux's
 * sources are mostly small, heavily compressed files: 49 of its 75 losing
 * encodings are skipped so, and none that would have won.  A wrong guess
 * can only drop an encoding within 1 - 0.55 / GROWTH_FLOOR (8%) of the
 * source's size, whose place the source-width fallback then takes.
 */
#define GROWTH_FLOOR 0.6

/* The last encoding made of one format: width and bytes (0: none). */
typedef struct {
	uint32_t width;
	gsize bytes;
} LastEncoding;

static bool
is_predicted_loser(const Job *job, const LastEncoding *last, uint32_t width)
{
	if (last->bytes == 0)
		return false;
	double scale = (double)width / last->width;
	return (double)last->bytes * scale * scale * GROWTH_FLOOR >=
	       (double)job->len;
}

/* The encoding of widths[@i] in formats[@f] that choosing the quality
 * made already (transfer full), or NULL. */
static GBytes *
take_made(Job *job, int f, guint i)
{
	if (i == job->match_k && job->matched[f] != NULL)
		return g_steal_pointer(&job->matched[f]);
	if (i == 0 && job->trials[f] != NULL)
		return g_steal_pointer(&job->trials[f]);
	return NULL;
}

/* Encodes one width in one format (or takes the encoding choosing the
 * quality made of it, take_made()); adds the result if it wins.  Sets
 * *is_loser if it did not. */
static bool
encode_one(Job *job, guint i, int f, const ImgoptEncodeOptions *options,
	   LastEncoding *last, bool *is_loser, GError **error)
{
	bool is_gif_webp = is_gif_to_webp(job, options->format);

	*is_loser = is_gif_webp && !is_webp_able(job);
	if (*is_loser)
		return true;
	const ImgoptPicture *picture = picture_at(job, i, error);
	g_autoptr(GBytes) bytes = NULL;

	if (picture == NULL)
		return false;
	bytes = take_made(job, f, i);
	if (bytes == NULL)
		bytes = encode_variant(job, picture, options, error);

	if (bytes == NULL)
		return false;
	/* an animated GIF's WebP at a narrower width predicts nothing: its
	 * resized frames lost the GIF's palette, which lossless WebP packs
	 * far better at the GIF's own width */
	if (!is_gif_webp) {
		last->width = width_at(job, i);
		last->bytes = g_bytes_get_size(bytes);
	}
	*is_loser = !is_winner(job, options->format, bytes) ||
		    (is_gif_webp &&
		     !is_webp_of_gif_kept(job, width_at(job, i), bytes));
	if (*is_loser)
		return true;
	ImgoptEncoded *encoded =
		encoded_new(job, options->format, width_at(job, i),
			    imgopt_picture_get_height(picture),
			    imgopt_picture_get_n_frames(picture), bytes);
	encoded->quality = is_lossy(options->format) && !options->is_lossless
				   ? options->quality
				   : 0;
	add_encoded(job, encoded);
	return true;
}

/* Whether @width (one of job->widths) of format @f is to be encoded: one
 * of the wanted widths of --widths clamps to it (as plan_widths() does). */
static bool
is_wanted(const Job *job, int f, uint32_t width)
{
	const ImgoptWanted *wanted = job->wanted;

	if (wanted == NULL)
		return true;
	if (f > 0 && !wanted->with_extras)
		return false;
	for (guint i = 0; i < wanted->widths->len; i++) {
		uint32_t w = MIN(g_array_index(wanted->widths, uint32_t, i),
				 job->full_width);

		if (is_near_full_gif(job, w))
			w = job->full_width;
		if (w == width)
			return true;
	}
	return false;
}

/* A width not wanted is not encoded.  The prediction only holds from one
 * width to the next: the quality search's trial, when there is one, is
 * the narrowest width's encoding; otherwise the next width has none. */
static void
skip_unwanted(const Job *job, int f, uint32_t width, LastEncoding *last)
{
	last->width = 0;
	last->bytes = 0;
	if (job->trials[f] != NULL && width == width_at(job, 0)) {
		last->width = width;
		last->bytes = g_bytes_get_size(job->trials[f]);
	}
}

/* Whether formats[@f], a format a link may name in place of the primary
 * one, is not made at @width, where the primary variant lost
 * (@is_primary_lost), and so is carried to the next wider one, as the
 * primary is.  It was matched to the primary's encoding of that width,
 * which no page shows: a page wanting that width links the wider primary
 * variant, which may weigh less (a 1000 px source's JPEG at 960 px
 * 9.9 kB, more than the source, its WebP 6.6 kB, its JPEG at 1000 px
 * 3.4 kB).  Not at the source's own width: the fallback that stands in
 * for the primary there has that width, and a link names the lighter of
 * the two.  Its prediction from a narrower width no longer holds two
 * widths on (see above). */
static bool
is_lost_with_primary(const Job *job, int f, uint32_t width,
		     bool is_primary_lost, LastEncoding *last)
{
	if (f == 0 || !is_primary_lost || width == job->full_width ||
	    !is_matched_format(job, f))
		return false;
	*last = (LastEncoding){0};
	return true;
}

/* Encodes every wanted width in every format, narrowest first, applying
 * the never-larger rule.  Where a wanted width loses, the next wider one
 * is made instead: the variant a page wanting that width then links. */
static bool
encode_all(Job *job, const ImgoptEncodeOptions *options, GError **error)
{
	bool needs_fallback = false;
	LastEncoding last[MAX_FORMATS] = {{0}};
	bool is_carried[MAX_FORMATS] = {false};

	for (guint i = 0; i < job->widths->len; i++) {
		uint32_t width = width_at(job, i);
		bool is_primary_lost = false;
		for (int f = 0; f < job->n_formats; f++) {
			bool is_loser = true;
			if (!is_carried[f] && !is_wanted(job, f, width)) {
				skip_unwanted(job, f, width, &last[f]);
				continue;
			}
			if (is_gif_at_full_size(job, options[f].format,
						width) ||
			    is_predicted_loser(job, &last[f], width) ||
			    is_lost_with_primary(job, f, width, is_primary_lost,
						 &last[f]))
				is_loser = true;
			else if (!encode_one(job, i, f, &options[f], &last[f],
					     &is_loser, error))
				return false;
			needs_fallback |= is_loser && f == 0;
			is_primary_lost |= is_loser && f == 0;
			is_carried[f] = is_loser;
		}
		if (i < job->n_decoded)
			release_picture(job, i);
	}
	if (needs_fallback)
		add_fallback(job);
	return true;
}

/* Whether every planned variant would be the source's own bytes (an
 * animated GIF asked only for widths near its own): then nothing needs
 * decoding. */
static bool
is_source_only(const Job *job)
{
	for (guint i = 0; i < job->widths->len; i++)
		for (int f = 0; f < job->n_formats; f++)
			if (!is_gif_at_full_size(job, job->formats[f],
						 width_at(job, i)))
				return false;
	return true;
}

static int
compare_encoded(gconstpointer a, gconstpointer b)
{
	const ImgoptVariant *x = (*(ImgoptEncoded *const *)a)->variant;
	const ImgoptVariant *y = (*(ImgoptEncoded *const *)b)->variant;

	if (x->format != y->format)
		return x->format < y->format ? -1 : 1;
	return x->width < y->width ? -1 : x->width > y->width;
}

static bool
make_variants(Job *job, GError **error)
{
	ImgoptEncodeOptions options[MAX_FORMATS];

	if (!imgopt_vips_probe(job->data, job->len, job->settings->max_pixels,
			       &job->info, error))
		return false;
	if (job->info.format == IMGOPT_FORMAT_GIF &&
	    !imgopt_gif_read_info(job->data, job->len, &job->gif, error))
		return false;
	plan_widths(job);
	plan_formats(job);
	if (is_source_only(job)) {
		add_fallback(job);
		return true;
	}
	return decode_pictures(job, error) &&
	       choose_options(job, options, error) &&
	       encode_all(job, options, error);
}

/* imgopt_recompress_buffer(), of the @wanted widths only (NULL: all). */
static bool
recompress_buffer(const char *name, const void *data, gsize len,
		  const ImgoptHash *hash, const ImgoptSettings *settings,
		  const ImgoptWanted *wanted, GPtrArray *out, GError **error)
{
	g_auto(Job) job = {0};
	job.wanted = wanted;
	job.name = name;
	job.data = data;
	job.len = len;
	job.hash = hash;
	job.settings = settings;
	job.fingerprint = imgopt_settings_fingerprint(settings);
	job.out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_encoded_free);

	if (!make_variants(&job, error)) {
		g_prefix_error(error, "'%s': ", name);
		return false;
	}
	g_ptr_array_sort(job.out, compare_encoded);
	for (guint i = 0; i < job.out->len; i++)
		g_ptr_array_add(out, g_steal_pointer(&job.out->pdata[i]));
	g_ptr_array_set_free_func(job.out, NULL);
	return true;
}

bool
imgopt_recompress_buffer(const char *name, const void *data, gsize len,
			 const ImgoptHash *hash, const ImgoptSettings *settings,
			 GPtrArray *out, GError **error)
{
	g_return_val_if_fail(name != NULL && hash != NULL, false);
	g_return_val_if_fail(settings != NULL && out != NULL, false);
	g_return_val_if_fail(error == NULL || *error == NULL, false);

	return recompress_buffer(name, data, len, hash, settings, NULL, out,
				 error);
}

bool
imgopt_recompress_asset(const char *root, const ImgoptAsset *asset,
			const ImgoptSettings *settings, GPtrArray *out,
			GError **error)
{
	return imgopt_recompress_asset_only(root, asset, settings, NULL, out,
					    error);
}

bool
imgopt_recompress_asset_only(const char *root, const ImgoptAsset *asset,
			     const ImgoptSettings *settings,
			     const ImgoptWanted *wanted, GPtrArray *out,
			     GError **error)
{
	g_return_val_if_fail(root != NULL && asset != NULL, false);
	g_return_val_if_fail(settings != NULL && out != NULL, false);
	g_return_val_if_fail(error == NULL || *error == NULL, false);

	/* Read, not mapped: a file truncated by someone else while mapped
	 * would kill the process with SIGBUS.  The bytes read are the bytes
	 * decoded, and they must be the bytes the index hashed: variants are
	 * named and recorded after that hash, so a file changed since (an
	 * editor saving, a checkout, two files swapped) would otherwise get
	 * the old content's variants made of its new pixels, reused by every
	 * later run. */
	g_autofree char *path = g_build_filename(root, asset->path, NULL);
	g_autofree char *data = NULL;
	gsize len = 0;

	imgopt_fault_swap(root, asset->path);
	if (!g_file_get_contents(path, &data, &len, error)) {
		g_prefix_error(error, "'%s': ", asset->path);
		return false;
	}
	if (!imgopt_hash_buffer_is(data, len, &asset->hash)) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT,
			    "'%s': changed since it was hashed; not encoded "
			    "(run again)",
			    asset->path);
		return false;
	}
	return recompress_buffer(asset->path, data, len, &asset->hash, settings,
				 wanted, out, error);
}

/*
 * The writer: imgopt_recompress_all()
 * ===================================
 *
 *   calling thread                      GThreadPool (--jobs workers)
 *   ──────────────                      ────────────────────────────
 *   distinct contents, by path
 *   manifest lookup: cached? ──no──▶    read, probe, decode, encode
 *                                       (vips_thread_shutdown after each)
 *   pop Result ◀──── GAsyncQueue ◀───── push Result
 *   write files (atomic), then rows
 *   syncfs + commit every BATCH results
 *
 * Only the calling thread touches the manifest and the file system's
 * output folder; workers own a copy of their asset and hand their result
 * back by move.  libvips gets cores / workers threads per image.
 */

/* Results written per manifest transaction. */
#define BATCH 32

/* One content's trip through the pool. */
typedef struct {
	ImgoptAsset *asset;   /* owned copy */
	ImgoptWanted *wanted; /* what to make of it (owned, never NULL) */
	GPtrArray *gone;      /* (element-type filename) its variant files
				 gone from the disk, rows to forget */
	GPtrArray *encoded;   /* ImgoptEncoded, or NULL on failure */
	GError *error;        /* why it failed, or NULL */
} Result;

static void
result_free(Result *result)
{
	if (result == NULL)
		return;
	imgopt_asset_free(result->asset);
	imgopt_wanted_free(result->wanted);
	g_clear_pointer(&result->gone, g_ptr_array_unref);
	g_clear_pointer(&result->encoded, g_ptr_array_unref);
	g_clear_error(&result->error);
	g_free(result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Result, result_free)

/* What the workers share (read-only) and where they put results. */
typedef struct {
	const char *root;               /* site root */
	const ImgoptSettings *settings; /* settings */
	GAsyncQueue *results;           /* Result *, to the writer */
} Pool;

static void
work(gpointer item, gpointer user_data)
{
	Result *result = item;
	Pool *pool = user_data;

	result->encoded = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_encoded_free);
	if (!imgopt_recompress_asset_only(pool->root, result->asset,
					  pool->settings, result->wanted,
					  result->encoded, &result->error))
		g_clear_pointer(&result->encoded, g_ptr_array_unref);
	imgopt_vips_thread_done();
	g_async_queue_push(pool->results, result);
}

/* The writer's state for one run. */
typedef struct {
	const char *root;               /* site root */
	const char *out_dir;            /* variant folder, site-relative */
	const ImgoptSettings *settings; /* the settings */
	GHashTable *wanted;             /* hex → ImgoptWanted, or NULL: all */
	const char *fingerprint;        /* of the settings */
	ImgoptManifest *manifest;       /* written by this thread only */
	const ImgoptRecompressObserver *observer; /* nullable */
	ImgoptRecompressSummary summary;          /* counts so far */
	bool has_out_dir;                         /* folder created already */
	uint64_t bytes_done;                      /* source bytes of the results
						     drained, for progress */
	bool has_other_dir;    /* wrote in another folder (a reference's own) */
	char settings_id[17];  /* the settings' id in provenance lines */
	ImgoptOnDisk *on_disk; /* the variant files without rows */
} Writer;

ImgoptWanted *
imgopt_wanted_new(void)
{
	ImgoptWanted *wanted = g_new0(ImgoptWanted, 1);

	wanted->widths = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	return wanted;
}

void
imgopt_wanted_free(ImgoptWanted *wanted)
{
	if (wanted == NULL)
		return;
	g_clear_pointer(&wanted->widths, g_array_unref);
	g_free(wanted->dir);
	g_free(wanted);
}

void
imgopt_wanted_add(ImgoptWanted *wanted, uint32_t width)
{
	guint i = 0;

	while (i < wanted->widths->len &&
	       g_array_index(wanted->widths, uint32_t, i) < width)
		i++;
	if (i == wanted->widths->len ||
	    g_array_index(wanted->widths, uint32_t, i) != width)
		g_array_insert_val(wanted->widths, i, width);
}

/* @wanted, or every width of @settings with the extra formats. */
static ImgoptWanted *
wanted_copy(const ImgoptWanted *wanted, const ImgoptSettings *settings)
{
	const GArray *widths =
		wanted != NULL ? wanted->widths : settings->widths;
	ImgoptWanted *copy = imgopt_wanted_new();

	for (guint i = 0; i < widths->len; i++)
		imgopt_wanted_add(copy, g_array_index(widths, uint32_t, i));
	copy->with_extras = wanted != NULL ? wanted->with_extras : true;
	copy->dir = wanted != NULL ? g_strdup(wanted->dir) : NULL;
	return copy;
}

static bool
is_requested(const GArray *requests, uint32_t width, bool with_extras)
{
	for (guint i = 0; i < requests->len; i++) {
		const ImgoptVariantRequest *rq =
			&g_array_index(requests, ImgoptVariantRequest, i);

		if (rq->width == width && (rq->with_extras || !with_extras))
			return true;
	}
	return false;
}

/* The variant files of @rows gone from the disk (a copy of the source
 * was never written: its path is empty). */
static GPtrArray *
gone_files(const char *root, const GPtrArray *rows)
{
	GPtrArray *gone = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < rows->len; i++) {
		const ImgoptVariant *v = g_ptr_array_index(rows, i);
		g_autofree char *full = g_build_filename(root, v->path, NULL);

		if (*v->path != '\0' &&
		    !g_file_test(full, G_FILE_TEST_IS_REGULAR))
			g_ptr_array_add(gone, g_strdup(v->path));
	}
	return gone;
}

/* The part of @want not made yet (NULL if none), given @rows. */
static bool
missing_of(ImgoptManifest *manifest, const ImgoptHash *hash,
	   const char *fingerprint, const ImgoptWanted *want,
	   const GPtrArray *rows, ImgoptWanted **missing_out, GError **error)
{
	g_autoptr(GArray) requests = NULL;
	ImgoptWanted *missing = NULL;

	*missing_out = NULL;
	requests = imgopt_manifest_lookup_requests(manifest, hash, fingerprint,
						   error);
	if (requests == NULL)
		return false;
	/* Rows without requests: a manifest older than schema 6, whose runs
	 * made every width. */
	if (rows->len > 0 && requests->len == 0)
		return true;
	for (guint i = 0; i < want->widths->len; i++) {
		uint32_t w = g_array_index(want->widths, uint32_t, i);

		if (is_requested(requests, w, want->with_extras))
			continue;
		if (missing == NULL) {
			missing = imgopt_wanted_new();
			missing->dir = g_strdup(want->dir);
		}
		missing->with_extras = want->with_extras;
		imgopt_wanted_add(missing, w);
	}
	*missing_out = missing;
	return true;
}

bool
imgopt_recompress_missing(const char *root, ImgoptManifest *manifest,
			  const ImgoptHash *hash,
			  const ImgoptSettings *settings,
			  const ImgoptWanted *wanted,
			  ImgoptWanted **missing_out, GError **error)
{
	g_return_val_if_fail(root != NULL && manifest != NULL, false);
	g_return_val_if_fail(missing_out != NULL, false);

	g_autofree char *fingerprint = imgopt_settings_fingerprint(settings);
	g_autoptr(ImgoptWanted) want = wanted_copy(wanted, settings);
	g_autoptr(GPtrArray) rows = imgopt_manifest_lookup_variants(
		manifest, hash, fingerprint, error);
	g_autoptr(GPtrArray) gone = NULL;

	*missing_out = NULL;
	if (rows == NULL)
		return false;
	gone = gone_files(root, rows);
	if (gone->len > 0) {
		*missing_out = g_steal_pointer(&want);
		return true;
	}
	return missing_of(manifest, hash, fingerprint, want, rows, missing_out,
			  error);
}

/* What of @asset's content is still to make (NULL with *@gone_out NULL:
 * nothing; its variants are reported as kept). */
static bool
to_make(Writer *w, const ImgoptAsset *asset, const ImgoptWanted *wanted,
	ImgoptWanted **missing_out, GPtrArray **gone_out, GError **error)
{
	g_autoptr(ImgoptWanted) want = wanted_copy(wanted, w->settings);
	g_autoptr(GPtrArray) rows = imgopt_manifest_lookup_variants(
		w->manifest, &asset->hash, w->fingerprint, error);

	*missing_out = NULL;
	*gone_out = NULL;
	if (rows == NULL)
		return false;
	*gone_out = gone_files(w->root, rows);
	if ((*gone_out)->len > 0) {
		*missing_out = g_steal_pointer(&want);
		return true;
	}
	g_clear_pointer(gone_out, g_ptr_array_unref);
	if (!missing_of(w->manifest, &asset->hash, w->fingerprint, want, rows,
			missing_out, error))
		return false;
	for (guint i = 0; *missing_out == NULL && w->observer &&
			  w->observer->on_variant && i < rows->len;
	     i++)
		w->observer->on_variant(g_ptr_array_index(rows, i), true,
					w->observer->user_data);
	return true;
}

/* Writes @encoded in @out_dir (site-relative), then its row. */
static bool
write_variant(Writer *w, const char *out_dir, ImgoptEncoded *encoded,
	      GError **error)
{
	ImgoptVariant *v = encoded->variant;
	g_autofree char *dir = g_build_filename(w->root, out_dir, NULL);
	bool is_main = strcmp(out_dir, w->out_dir) == 0;

	/* a variant folder that is a symlink leading out of the site, as a
	 * repository may hold, is not written through (a file in it that is
	 * a symlink is replaced by the rename, not followed) */
	if ((!is_main || !w->has_out_dir) &&
	    !imgopt_fs_check_site_path(w->root, out_dir, error))
		return false;
	if ((!is_main || !w->has_out_dir) &&
	    g_mkdir_with_parents(dir, 0755) != 0) {
		int saved = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
			    "cannot create '%s': %s", out_dir,
			    g_strerror(saved));
		return false;
	}
	w->has_out_dir |= is_main;
	w->has_other_dir |= !is_main;

	g_autofree char *rel = g_build_filename(out_dir, v->path, NULL);
	g_autofree char *full = g_build_filename(w->root, rel, NULL);
	gsize len = 0;
	const void *data = g_bytes_get_data(encoded->data, &len);
	/* A run links the source where its variant would be its copy: the
	 * row says so, no file is written. */
	if (w->wanted != NULL && encoded->kind == IMGOPT_ENCODED_ORIGINAL) {
		g_free(v->path);
		v->path = g_strdup("");
		return imgopt_manifest_put_variant(w->manifest, v, error);
	}
	if (!imgopt_atomic_write(full, data, len, 0644, false, error))
		return false;
	g_free(v->path);
	v->path = g_steal_pointer(&rel);
	if (!imgopt_manifest_put_variant(w->manifest, v, error))
		return false;
	w->summary.n_written++;
	w->summary.bytes_output += len;
	if (w->observer && w->observer->on_variant)
		w->observer->on_variant(v, false, w->observer->user_data);
	return true;
}

/* Makes the batch's variant files durable before their rows commit:
 * written (renamed into place) without an fsync each, then one syncfs()
 * of the file system holding the variant folder. */
static bool
sync_output(const Writer *w, GError **error)
{
	if (!w->has_out_dir && !w->has_other_dir)
		return true;
	/* One file system: the root's, unless the variant folder is a mount
	 * of its own. */
	g_autofree char *dir =
		w->has_out_dir ? g_build_filename(w->root, w->out_dir, NULL)
			       : g_strdup(w->root);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) != 0) {
		int saved = errno;
		if (fd >= 0)
			close(fd);
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
			    "cannot flush '%s' to disk: %s", w->out_dir,
			    g_strerror(saved));
		return false;
	}
	close(fd);
	return true;
}

static bool
commit_batch(const Writer *w, GError **error)
{
	return sync_output(w, error) &&
	       imgopt_manifest_commit(w->manifest, error);
}

/* Records that @wanted's widths of @hash were made (won or lost). */
static bool
put_requests(Writer *w, const ImgoptHash *hash, const ImgoptWanted *wanted,
	     GError **error)
{
	for (guint i = 0; i < wanted->widths->len; i++) {
		ImgoptVariantRequest rq = {
			g_array_index(wanted->widths, uint32_t, i),
			wanted->with_extras};

		if (!imgopt_manifest_put_request(w->manifest, hash,
						 w->fingerprint, &rq, error))
			return false;
	}
	return true;
}

/* Records the variant files @missing needs of @asset's content, found in
 * its folder and verified (ondisk.h), and its requests, as encoding it
 * would have; *@is_reused_out is false (nothing recorded) when one of
 * them is not there.  A file that is the source's own bytes (never
 * larger: no encoded variant has the source's size) gets a row with an
 * empty path in a run, as write_variant() gives it. */
static bool
reuse_on_disk(Writer *w, const ImgoptAsset *asset, const ImgoptWanted *missing,
	      const GPtrArray *gone, bool *is_reused_out, GError **error)
{
	const char *dir = missing->dir != NULL ? missing->dir : w->out_dir;
	g_autoptr(GPtrArray) found =
		imgopt_on_disk_find(w->on_disk, dir, asset, missing);

	*is_reused_out = found != NULL;
	if (found == NULL)
		return true;
	if (gone != NULL &&
	    !imgopt_manifest_forget_variants(w->manifest, &asset->hash,
					     w->fingerprint, gone, error))
		return false;
	for (guint i = 0; i < found->len; i++) {
		ImgoptVariant *v = g_ptr_array_index(found, i);

		if (w->wanted != NULL && v->bytes == asset->size) {
			g_free(v->path);
			v->path = g_strdup("");
		}
		if (!imgopt_manifest_put_variant(w->manifest, v, error))
			return false;
		if (*v->path != '\0' && w->observer && w->observer->on_variant)
			w->observer->on_variant(v, true,
						w->observer->user_data);
	}
	w->summary.n_reused++;
	return put_requests(w, &asset->hash, missing, error);
}

/* Writes @encoded's provenance line into it (see provenance.h), unless
 * it is the source's own bytes, its format has no place for one, or the
 * line would make it as large as the source (@source_size): the
 * never-larger rule stays whole.  It costs about 90 bytes a variant. */
static void
stamp(const Writer *w, ImgoptEncoded *encoded, const ImgoptHash *hash,
      uint32_t n_variants, uint64_t source_size)
{
	ImgoptVariant *v = encoded->variant;
	ImgoptProvenance prov = {*hash, {0}, v->width, v->format, n_variants};
	gsize len = 0;
	const void *data = g_bytes_get_data(encoded->data, &len);

	if (encoded->kind == IMGOPT_ENCODED_ORIGINAL)
		return;
	memcpy(prov.settings, w->settings_id, sizeof(prov.settings));
	g_autofree char *line = imgopt_provenance_format(&prov);
	g_autoptr(GBytes) stamped =
		imgopt_provenance_stamp(v->format, data, len, line);
	if (stamped == NULL || g_bytes_get_size(stamped) >= source_size)
		return;
	g_bytes_unref(encoded->data);
	encoded->data = g_steal_pointer(&stamped);
	v->bytes = g_bytes_get_size(encoded->data);
}

/* Files first, then rows (and the requests made): a row never names a
 * file not yet written. */
static bool
write_result(Writer *w, Result *result, GError **error)
{
	GPtrArray *encoded = result->encoded;

	if (encoded == NULL) {
		w->summary.n_failed++;
		if (w->observer && w->observer->on_failure)
			w->observer->on_failure(result->asset, result->error,
						w->observer->user_data);
		return true;
	}
	w->summary.n_encoded++;
	w->summary.bytes_source += result->asset->size;
	const char *dir =
		result->wanted->dir != NULL ? result->wanted->dir : w->out_dir;
	if (result->gone != NULL &&
	    !imgopt_manifest_forget_variants(w->manifest, &result->asset->hash,
					     w->fingerprint, result->gone,
					     error))
		return false;
	for (guint i = 0; i < encoded->len; i++)
		stamp(w, g_ptr_array_index(encoded, i), &result->asset->hash,
		      encoded->len, result->asset->size);
	for (guint i = 0; i < encoded->len; i++)
		if (!write_variant(w, dir, g_ptr_array_index(encoded, i),
				   error))
			return false;
	/* what no file is written for, said where the files are */
	if (!imgopt_on_disk_mark(w->on_disk, dir, result->asset, result->wanted,
				 encoded, error))
		return false;
	return put_requests(w, &result->asset->hash, result->wanted, error);
}

/* The canonical copy of each content: the first path in byte order. */
static GPtrArray *
distinct_contents(const GPtrArray *assets)
{
	/* Borrowed pointers: no free function (g_ptr_array_copy() would
	 * inherit the caller's). */
	g_autoptr(GPtrArray) sorted = g_ptr_array_sized_new(assets->len);
	g_autoptr(GHashTable) seen =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *distinct = g_ptr_array_new();

	for (guint i = 0; i < assets->len; i++)
		g_ptr_array_add(sorted, g_ptr_array_index(assets, i));
	g_ptr_array_sort(sorted, imgopt_asset_path_cmp);
	for (guint i = 0; i < sorted->len; i++) {
		ImgoptAsset *asset = g_ptr_array_index(sorted, i);
		char hex[IMGOPT_HASH_HEX_LEN + 1];
		if (!asset->has_hash)
			continue;
		imgopt_hash_format(&asset->hash, hex);
		if (g_hash_table_add(seen, g_strdup(hex)))
			g_ptr_array_add(distinct, asset);
	}
	return distinct;
}

static void
discard(GAsyncQueue *results, guint n_pending)
{
	for (guint i = 0; i < n_pending; i++)
		result_free(g_async_queue_pop(results));
}

/* Writes the pool's @n_pending results; after a fatal error it only
 * drains the queue.  Commits every BATCH results. */
static bool
drain(Writer *w, GAsyncQueue *results, guint n_pending, GError **error)
{
	bool is_ok = true;

	for (guint i = 0; i < n_pending; i++) {
		g_autoptr(Result) result = g_async_queue_pop(results);
		if (!is_ok)
			continue;
		is_ok = write_result(w, result, error);
		w->bytes_done += result->asset->size;
		if (is_ok && w->observer && w->observer->on_progress)
			w->observer->on_progress(i + 1, n_pending,
						 w->bytes_done,
						 w->observer->user_data);
		if (is_ok && (i + 1) % BATCH == 0)
			is_ok = commit_batch(w, error) &&
				imgopt_manifest_begin(w->manifest, error);
	}
	return is_ok;
}

/* glibc gives threads that allocate at once heaps of their own ("arenas",
 * up to eight per core) and keeps the memory freed in each for reuse by
 * that heap: the workers and libvips' pipeline threads, each holding a
 * decoded picture in turn, then keep several pictures' worth resident.
 * One heap per two workers halves the peak (Hux: 249 MB -> 117 MB
 * peak RSS with two workers) at no measurable CPU cost. */
static void
limit_heaps(int n_workers)
{
#ifdef M_ARENA_MAX
	mallopt(M_ARENA_MAX, MAX(n_workers / 2, 1));
#else
	(void)n_workers;
#endif
}

static int
pool_size(const ImgoptSettings *settings)
{
	return settings->jobs > 0 ? settings->jobs
				  : (int)g_get_num_processors();
}

/* Queues every content the manifest does not have; returns how many. */
static bool
queue_work(Writer *w, GThreadPool *pool, const GPtrArray *distinct,
	   guint *n_pending_out, GError **error)
{
	*n_pending_out = 0;
	for (guint i = 0; i < distinct->len; i++) {
		const ImgoptAsset *asset = g_ptr_array_index(distinct, i);
		char hex[IMGOPT_HASH_HEX_LEN + 1];
		const ImgoptWanted *wanted = NULL;
		ImgoptWanted *missing = NULL;
		GPtrArray *gone = NULL;

		imgopt_hash_format(&asset->hash, hex);
		if (w->wanted != NULL &&
		    (wanted = g_hash_table_lookup(w->wanted, hex)) == NULL)
			continue;
		bool is_reused = false;
		if (!to_make(w, asset, wanted, &missing, &gone, error) ||
		    (missing != NULL && !reuse_on_disk(w, asset, missing, gone,
						       &is_reused, error))) {
			imgopt_wanted_free(missing);
			g_clear_pointer(&gone, g_ptr_array_unref);
			return false;
		}
		if (missing == NULL || is_reused) {
			imgopt_wanted_free(missing);
			g_clear_pointer(&gone, g_ptr_array_unref);
			w->summary.n_cached++;
			continue;
		}
		Result *result = g_new0(Result, 1);
		result->wanted = missing;
		result->gone = gone;
		result->asset = imgopt_asset_copy(asset);
		g_thread_pool_push(pool, result, NULL);
		(*n_pending_out)++;
	}
	return true;
}

bool
imgopt_recompress_all(const char *root, const char *out_dir,
		      const GPtrArray *assets, const ImgoptSettings *settings,
		      ImgoptManifest *manifest,
		      const ImgoptRecompressObserver *observer,
		      ImgoptRecompressSummary *summary_out, GError **error)
{
	return imgopt_recompress_wanted(root, out_dir, assets, NULL, settings,
					manifest, observer, summary_out, error);
}

bool
imgopt_recompress_wanted(const char *root, const char *out_dir,
			 const GPtrArray *assets, GHashTable *wanted,
			 const ImgoptSettings *settings,
			 ImgoptManifest *manifest,
			 const ImgoptRecompressObserver *observer,
			 ImgoptRecompressSummary *summary_out, GError **error)
{
	g_return_val_if_fail(root != NULL && out_dir != NULL, false);
	g_return_val_if_fail(assets != NULL && settings != NULL, false);
	g_return_val_if_fail(manifest != NULL, false);
	g_return_val_if_fail(error == NULL || *error == NULL, false);

	g_autofree char *fingerprint = imgopt_settings_fingerprint(settings);
	g_autoptr(GPtrArray) distinct = distinct_contents(assets);
	g_autoptr(GAsyncQueue) results = g_async_queue_new();
	Writer w = {.root = root,
		    .out_dir = out_dir,
		    .settings = settings,
		    .wanted = wanted,
		    .fingerprint = fingerprint,
		    .manifest = manifest,
		    .observer = observer};
	imgopt_provenance_settings_id(fingerprint, w.settings_id);
	w.on_disk = imgopt_on_disk_new(root, settings, wanted != NULL);
	Pool shared = {root, settings, results};
	int n_workers = pool_size(settings);
	guint n_pending = 0;

	w.summary.n_sources = distinct->len;
	limit_heaps(n_workers);
	imgopt_vips_set_concurrency(
		MAX(1, (int)g_get_num_processors() / n_workers));
	GThreadPool *pool =
		g_thread_pool_new(work, &shared, n_workers, FALSE, error);
	if (pool == NULL)
		return false;
	/* the rows of variants reused from disk go in the first batch */
	bool is_ok = imgopt_manifest_begin(manifest, error) &&
		     queue_work(&w, pool, distinct, &n_pending, error);
	/* Every queued item must come back before the pool and the queue
	 * go away, whatever failed. */
	bool is_written = is_ok && drain(&w, results, n_pending, error);
	if (!is_ok)
		discard(results, n_pending);
	g_thread_pool_free(pool, FALSE, TRUE);
	if (is_written)
		is_written = commit_batch(&w, error);
	else
		imgopt_manifest_rollback(manifest);
	if (summary_out != NULL)
		*summary_out = w.summary;
	g_clear_pointer(&w.on_disk, imgopt_on_disk_free);
	return is_written;
}
