/*
 * image.c: the libvips adapter's implementation (image.h maps the
 * adapter's files): everything imgopt asks of libvips, built into the
 * module imgopt-vips.so.
 *
 * Error attribution.  libvips reports failures through one process-wide
 * error buffer.  imgopt_vips_error() copies that buffer into the GError
 * and clears it, after imgopt's own exact context (the caller's message:
 * path, width, format).  When several workers fail at the same moment,
 * one worker may copy text another worker's failure appended, or find
 * the buffer already cleared: the libvips detail can then be missing or
 * belong to a different image.  imgopt's own prefix is always right, and
 * the error code is decided by imgopt, never parsed from libvips' text.
 *
 * Untrusted input.  vips_block_untrusted_set(TRUE) disables loaders that
 * were not written with hostile files in mind (ImageMagick, PDF, FITS…);
 * on top of that only the loaders in `loaders[]` are accepted, chosen by
 * libvips from the bytes.  Dimensions are checked against a pixel limit
 * before anything is decoded (probe.c; GIFs are walked with giflib first)
 * because libvips' GIF loader allocates the logical screen while reading
 * the header.  Decoding is strict: fail_on=warning turns a truncated or
 * corrupt file into an error rather than a grey picture.
 */
#include <string.h>

#include <vips/vips.h>

#include "imgopt/error.h"

#include "image.h"
#include "probe.h"
#include "quality.h"
#include "resample.h"

/* libvips 8.14 ships no g_autoptr cleanup for its image class. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VipsImage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VipsRegion, g_object_unref)

struct ImgoptPicture {
	VipsImage *image;     /* in memory; frames stacked vertically */
	uint32_t page_height; /* height of one frame */
	uint32_t n_frames;    /* frames in @image */
};

/* The loaders imgopt accepts, by libvips nickname, and what they read. */
static const struct {
	const char *loader;
	ImgoptFormat format;
} loaders[] = {
	{"jpegload_buffer", IMGOPT_FORMAT_JPEG},
	{"pngload_buffer", IMGOPT_FORMAT_PNG},
	{"gifload_buffer", IMGOPT_FORMAT_GIF},
	{"webpload_buffer", IMGOPT_FORMAT_WEBP},
	{"heifload_buffer", IMGOPT_FORMAT_AVIF},
};

G_GNUC_PRINTF(3, 4)
static void
imgopt_vips_error(GError **error, ImgoptError code, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	g_autofree char *context = g_strdup_vprintf(format, args);
	va_end(args);

	g_autofree char *buffer = vips_error_buffer_copy();
	g_auto(GStrv) lines = g_strsplit(g_strstrip(buffer), "\n", -1);
	g_autoptr(GString) detail = g_string_new(NULL);

	/* libvips repeats a warning once per tile: keep each line once. */
	for (guint i = 0; lines[i] != NULL; i++)
		if (lines[i][0] != '\0' &&
		    !g_strv_contains((const char *const *)lines + i + 1,
				     lines[i]))
			g_string_append_printf(detail, "%s%s",
					       detail->len ? "; " : "",
					       lines[i]);
	if (detail->len > 0)
		g_set_error(error, IMGOPT_ERROR, code, "%s: %s", context,
			    detail->str);
	else
		g_set_error_literal(error, IMGOPT_ERROR, code, context);
}

/* libvips logs decode warnings with g_warning() in its "VIPS" domain.
 * The core never prints, and with fail_on=warning those warnings come
 * back as errors anyway, so the log copy is dropped.  (It cannot be
 * forwarded to g_debug(): logging from a log handler is a recursion,
 * which GLib treats as fatal.) */
static void
on_vips_log(const char *domain, GLogLevelFlags level, const char *message,
	    gpointer user_data)
{
	(void)domain;
	(void)level;
	(void)message;
	(void)user_data;
}

/* libvips starts on first use (start_vips()), not in imgopt_init(): its
 * start loads every module it has (HEIF, PDF, ImageMagick…), which cost
 * commands that never decode an image (scan, dupes, check) most of their
 * time on an unchanged re-run.  vips_state: 0 not tried yet, 1 started,
 * 2 failed (vips_failure says why). */
static char *vips_argv0;
static gsize vips_state;
static char *vips_failure;
static gint vips_up; /* 1 once started, read without starting it */

static bool
start_vips(void)
{
	if (VIPS_INIT(vips_argv0 != NULL ? vips_argv0 : "imgopt") != 0) {
		g_autoptr(GError) error = NULL;
		imgopt_vips_error(&error, IMGOPT_ERROR_UNSUPPORTED,
				  "cannot start libvips");
		vips_failure = g_strdup(error->message);
		return false;
	}
	g_log_set_handler("VIPS",
			  G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE |
				  G_LOG_LEVEL_INFO,
			  on_vips_log, NULL);
	vips_block_untrusted_set(TRUE);
	vips_cache_set_max(0);
	g_atomic_int_set(&vips_up, 1);
	return true;
}

/* Starts libvips once, from whichever thread needs it first; the others
 * wait for it.  False with @error set if it could not start. */
static bool
ensure_vips(GError **error)
{
	if (g_once_init_enter(&vips_state))
		g_once_init_leave(&vips_state, start_vips() ? 1 : 2);
	if (vips_state == 1)
		return true;
	g_set_error_literal(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSUPPORTED,
			    vips_failure);
	return false;
}

/* Whether libvips has been started (without starting it). */
static bool
vips_started(void)
{
	return g_atomic_int_get(&vips_up) == 1;
}

bool
imgopt_vips_init(const char *argv0, GError **error)
{
	g_return_val_if_fail(error == NULL || *error == NULL, false);

	if (vips_argv0 == NULL)
		vips_argv0 = g_strdup(argv0 != NULL ? argv0 : "imgopt");
	return true;
}

void
imgopt_vips_shutdown(void)
{
	if (vips_started())
		vips_shutdown();
}

void
imgopt_vips_set_concurrency(int n_threads)
{
	/* libvips reads its default concurrency when it starts: start it
	 * first so that this setting is the one that stays.  A failure to
	 * start is reported by the first image that needs it. */
	if (ensure_vips(NULL))
		vips_concurrency_set(MAX(n_threads, 1));
}

void
imgopt_vips_thread_done(void)
{
	if (vips_started())
		vips_thread_shutdown();
}

const char *
imgopt_vips_version(void)
{
	return vips_version_string();
}

static bool
choose_loader(const void *data, gsize len, ImgoptFormat *format_out,
	      GError **error)
{
	const char *class_name = vips_foreign_find_load_buffer(data, len);
	const char *loader =
		class_name != NULL
			? vips_nickname_find(g_type_from_name(class_name))
			: NULL;

	if (loader == NULL) {
		vips_error_clear();
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSUPPORTED,
			    "not an image format imgopt decodes");
		return false;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(loaders); i++)
		if (strcmp(loader, loaders[i].loader) == 0) {
			*format_out = loaders[i].format;
			return true;
		}
	g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSUPPORTED,
		    "not a web image format (libvips would use %s)", loader);
	return false;
}

static void
fill_info(VipsImage *image, ImgoptImageInfo *info)
{
	int page_height = vips_image_get_page_height(image);
	int n_pages = image->Ysize / MAX(page_height, 1);
	int orientation = 1;

	if (vips_image_get_typeof(image, VIPS_META_ORIENTATION) &&
	    vips_image_get_int(image, VIPS_META_ORIENTATION, &orientation))
		orientation = 1;
	info->width = (uint32_t)image->Xsize;
	info->height = (uint32_t)page_height;
	info->n_frames = (uint32_t)MAX(n_pages, 1);
	info->orientation =
		orientation >= 1 && orientation <= 8 ? orientation : 1;
	info->has_alpha = vips_image_hasalpha(image);
	info->has_icc = vips_image_get_typeof(image, VIPS_META_ICC_NAME) != 0;
	info->is_cmyk = image->Type == VIPS_INTERPRETATION_CMYK;
	info->is_16bit = image->BandFmt != VIPS_FORMAT_UCHAR &&
			 image->BandFmt != VIPS_FORMAT_CHAR;
	info->is_interlaced = vips_image_get_typeof(image, "interlaced") != 0;
	vips_error_clear();
}

/* Loader options for vips_thumbnail_buffer(): every frame of an
 * animation, and strictness.  libvips 8.14's thumbnail_buffer does not
 * pass its own fail_on argument to the loader, so it goes here too. */
static const char *
load_options(ImgoptFormat format)
{
	return format == IMGOPT_FORMAT_GIF || format == IMGOPT_FORMAT_WEBP
		       ? "n=-1,fail_on=warning"
		       : "fail_on=warning";
}

bool
imgopt_vips_probe(const void *data, gsize len, uint64_t max_pixels,
		  ImgoptImageInfo *info_out, GError **error)
{
	g_return_val_if_fail(data != NULL || len == 0, false);
	g_return_val_if_fail(info_out != NULL, false);
	g_return_val_if_fail(error == NULL || *error == NULL, false);
	if (!ensure_vips(error))
		return false;

	memset(info_out, 0, sizeof(*info_out));
	if (len == 0) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_DECODE,
			    "empty file");
		return false;
	}
	if (!imgopt_probe_check_unsafe(data, len, max_pixels, error))
		return false;
	if (!choose_loader(data, len, &info_out->format, error))
		return false;

	g_autoptr(VipsImage) image = vips_image_new_from_buffer(
		data, len, load_options(info_out->format), NULL);
	if (image == NULL) {
		imgopt_vips_error(error, IMGOPT_ERROR_DECODE,
				  "cannot read the %s header",
				  imgopt_format_name(info_out->format));
		return false;
	}
	fill_info(image, info_out);
	return imgopt_probe_check_size(info_out->width, info_out->height,
				       max_pixels, "an image", error) &&
	       imgopt_probe_check_frames(info_out->width, info_out->height,
					 info_out->n_frames, max_pixels,
					 "an animation", error);
}

/* Brings a thumbnail to what browsers expect: 8-bit sRGB (or grey), with
 * or without alpha.  ICC and CMYK were handled by the thumbnail's colour
 * management; this covers 16-bit samples and other interpretations. */
static VipsImage *
to_srgb8(VipsImage *in)
{
	VipsInterpretation want = in->Bands <= 2 ? VIPS_INTERPRETATION_B_W
						 : VIPS_INTERPRETATION_sRGB;
	VipsImage *out = NULL;

	if (in->BandFmt == VIPS_FORMAT_UCHAR && in->Type == want)
		return g_object_ref(in);
	if (vips_colourspace(in, &out, want, NULL) != 0)
		return NULL;
	if (out->BandFmt == VIPS_FORMAT_UCHAR)
		return out;
	VipsImage *cast = NULL;
	int failed = vips_cast_uchar(out, &cast, NULL);
	g_object_unref(out);
	return failed ? NULL : cast;
}

/* Makes @image (transfer full) a picture: 8-bit sRGB, decoded into
 * memory so decode errors surface here and later steps are cheap. */
static ImgoptPicture *
wrap_picture(VipsImage *image_in, GError **error, const char *what)
{
	g_autoptr(VipsImage) image = image_in;
	g_autoptr(VipsImage) srgb = to_srgb8(image);
	g_autoptr(VipsImage) memory = NULL;

	if (srgb == NULL || (memory = vips_image_copy_memory(srgb)) == NULL) {
		imgopt_vips_error(error, IMGOPT_ERROR_DECODE, "%s", what);
		return NULL;
	}
	ImgoptPicture *picture = g_new0(ImgoptPicture, 1);
	int page_height = vips_image_get_page_height(memory);
	picture->page_height = (uint32_t)page_height;
	picture->n_frames = (uint32_t)(memory->Ysize / page_height);
	picture->image = g_steal_pointer(&memory);
	return picture;
}

/*
 * The split resize.  vips_thumbnail() resizes in both directions with
 * vips_resize(), whose horizontal pass is plain C in Debian 12's libvips
 * 8.14 (29% of the CPU of a Hux build), and its pipeline of copies
 * (loader, sequential cache, thumbnail, resize: about twenty buffers a
 * strip) costs libvips a freshly zeroed allocation per step for every
 * strip read (8.14's vips_tracked_malloc()): 13.7 GB zeroed in a Hux
 * build, 8% of its CPU.  So a still is resized by zimg (resample.c) in
 * both directions: from the loader's rows as it decodes them, 16 at a
 * time, each read once (load_split()), or from a picture in memory
 * (imgopt_picture_shrink()).  libvips keeps decoding; the colour
 * conversion of an embedded profile and the EXIF orientation are applied
 * to the small picture after, as vips_thumbnail() orders them.  Colour
 * spaces other than grey and RGB (CMYK, Lab) take vips_thumbnail() for
 * the vertical half, then zimg across.
 * Kept on the libvips path, where its thumbnail does better:
 *   - animations: libvips resizes frame by frame;
 *   - shrink-on-load: a JPEG reduced by 4 or more (vips_thumbnail()
 *     then decodes it at a half, quarter or eighth of its size), and
 *     WebP and HEIF sources, whose loaders scale by any factor.  PNG and
 *     GIF have no scaled decoding, nor has a picture already in memory.
 */
#define STRIP_HEIGHT 16

/* Whether to resize a still of @width_in to @width by zimg;
 * @format is its source's (IMGOPT_FORMAT_UNKNOWN: a picture in memory). */
static bool
is_split_resize(uint32_t n_frames, ImgoptFormat format, uint32_t width_in,
		uint32_t width)
{
	if (n_frames != 1 || width >= width_in)
		return false;
	switch (format) {
	case IMGOPT_FORMAT_JPEG:
		return (uint64_t)width * 4 > width_in;
	case IMGOPT_FORMAT_WEBP:
	case IMGOPT_FORMAT_AVIF:
		return false;
	default:
		return true;
	}
}

/* The size of @info's image once EXIF orientation 5-8 swapped its axes. */
static void
upright_size(const ImgoptImageInfo *info, uint32_t *width, uint32_t *height)
{
	bool is_turned = info->orientation >= 5;

	*width = is_turned ? info->height : info->width;
	*height = is_turned ? info->width : info->height;
}

/* The height vips_thumbnail() gives an image of @width_in x @height_in
 * resized to @width (vips_resize()'s rounding), at least 1. */
static int
resized_height(uint32_t width_in, uint32_t height_in, uint32_t width)
{
	double scale = 1.0 / ((double)width_in / width);

	return MAX(1, (int)VIPS_ROUND_UINT(height_in * scale));
}

/* The rows of a libvips image, decoded STRIP_HEIGHT at a time. */
typedef struct {
	VipsRegion *region;
	const char *what; /* for errors */
} Strips;

static const uint8_t *
strip_row(void *user, uint32_t i, GError **error)
{
	Strips *strips = user;
	VipsRegion *region = strips->region;
	VipsImage *image = region->im;
	int top = (int)i;

	if (top < region->valid.top ||
	    top >= region->valid.top + region->valid.height) {
		VipsRect strip = {0, top, image->Xsize,
				  MIN(STRIP_HEIGHT, image->Ysize - top)};
		if (vips_region_prepare(region, &strip) != 0) {
			imgopt_vips_error(error, IMGOPT_ERROR_DECODE, "%s",
					  strips->what);
			return NULL;
		}
	}
	return VIPS_REGION_ADDR(region, 0, top);
}

/* Resizes @in (8-bit, 1 to 4 bands) to @width x @height into a new
 * image in memory; @what starts the error message. */
static VipsImage *
resample_image(VipsImage *in, uint32_t width, int height, const char *what,
	       GError **error)
{
	g_autoptr(VipsImage) out = vips_image_new_memory();
	g_autoptr(VipsRegion) region = vips_region_new(in);
	Strips strips = {region, what};

	vips_image_init_fields(out, (int)width, height, in->Bands,
			       VIPS_FORMAT_UCHAR, VIPS_CODING_NONE, in->Type,
			       in->Xres, in->Yres);
	if (vips_image_write_prepare(out) != 0) {
		imgopt_vips_error(error, IMGOPT_ERROR_DECODE, "%s", what);
		return NULL;
	}
	ImgoptRowResize resize = {
		.width_in = (uint32_t)in->Xsize,
		.width_out = width,
		.height_in = (uint32_t)in->Ysize,
		.height_out = (uint32_t)height,
		.bands = in->Bands,
		.source = strip_row,
		.user = &strips,
		.out = VIPS_IMAGE_ADDR(out, 0, 0),
		.out_stride = VIPS_IMAGE_SIZEOF_LINE(out),
	};
	if (!imgopt_resample_image(&resize, error))
		return NULL;
	return g_steal_pointer(&out);
}

/* @in brought to 8-bit sRGB or grey and resized to @width x @height
 * into memory: by zimg (more than 4 bands, which no accepted loader
 * gives: libvips). */
static VipsImage *
resample_srgb8(VipsImage *in, uint32_t width, int height, const char *what,
	       GError **error)
{
	g_autoptr(VipsImage) srgb = to_srgb8(in);
	VipsImage *out = NULL;

	if (srgb == NULL) {
		imgopt_vips_error(error, IMGOPT_ERROR_DECODE, "%s", what);
		return NULL;
	}
	if (srgb->Bands <= 4)
		return resample_image(srgb, width, height, what, error);
	if (vips_resize(srgb, &out, (double)width / srgb->Xsize, "vscale",
			(double)height / srgb->Ysize, NULL) != 0)
		imgopt_vips_error(error, IMGOPT_ERROR_DECODE, "%s", what);
	return out;
}

/* resample_srgb8() of @image_in (transfer full), as a picture. */
static ImgoptPicture *
resample_picture(VipsImage *image_in, uint32_t width, int height,
		 GError **error, const char *what)
{
	g_autoptr(VipsImage) image = image_in;
	VipsImage *small = resample_srgb8(image, width, height, what, error);

	return small == NULL ? NULL : wrap_picture(small, error, what);
}

/* Whether the direct load (load_split()) takes @image as its loader
 * gives it: grey or RGB, 8 or 16 bits, with or without alpha.  The rest
 * (CMYK, Lab, ...) is left to vips_thumbnail()'s colour handling. */
static bool
is_plain(const VipsImage *image)
{
	switch (image->Type) {
	case VIPS_INTERPRETATION_B_W:
	case VIPS_INTERPRETATION_GREY16:
		return image->Bands <= 2 && image->Coding == VIPS_CODING_NONE;
	case VIPS_INTERPRETATION_sRGB:
	case VIPS_INTERPRETATION_RGB16:
		return (image->Bands == 3 || image->Bands == 4) &&
		       image->Coding == VIPS_CODING_NONE;
	default:
		return false;
	}
}

/* A split resize of a still in @data to an upright @width, without
 * vips_thumbnail(): the loader's rows resized by zimg as they are
 * decoded, then, on the small picture, the embedded profile converted
 * to sRGB and the EXIF orientation applied.  NULL with no error set:
 * the image is not plain (is_plain()); use vips_thumbnail(). */
static ImgoptPicture *
load_split(const void *data, gsize len, const ImgoptImageInfo *info,
	   uint32_t width, GError **error)
{
	g_autoptr(VipsImage) image = vips_image_new_from_buffer(
		data, len, load_options(info->format), "access",
		VIPS_ACCESS_SEQUENTIAL, NULL);
	if (image == NULL) {
		imgopt_vips_error(error, IMGOPT_ERROR_DECODE,
				  "cannot decode the %s image",
				  imgopt_format_name(info->format));
		return NULL;
	}
	if (!is_plain(image))
		return NULL;

	uint32_t upright_width = 0, upright_height = 0;
	upright_size(info, &upright_width, &upright_height);
	int height = resized_height(upright_width, upright_height, width);
	bool is_turned = info->orientation >= 5;
	int stored_width = is_turned ? height : (int)width;
	int stored_height = is_turned ? (int)width : height;

	const char *what = "cannot decode the image";
	g_autoptr(VipsImage) small = resample_srgb8(
		image, (uint32_t)stored_width, stored_height, what, error);
	if (small == NULL)
		return NULL;

	/* then what vips_thumbnail() does after resizing */
	VipsImage *base = vips_image_new();
	VipsImage **t =
		(VipsImage **)vips_object_local_array(VIPS_OBJECT(base), 2);
	VipsImage *done = small;
	const void *profile = NULL;
	size_t profile_len = 0;
	bool is_ok = true;
	if (info->has_icc && vips_image_get_blob(image, VIPS_META_ICC_NAME,
						 &profile, &profile_len) == 0) {
		vips_image_set_blob_copy(done, VIPS_META_ICC_NAME, profile,
					 profile_len);
		is_ok = vips_icc_transform(done, &t[0], "srgb", "embedded",
					   TRUE, NULL) == 0;
		done = t[0];
	}
	if (is_ok && info->orientation != 1) {
		vips_image_set_int(done, VIPS_META_ORIENTATION,
				   info->orientation);
		is_ok = vips_autorot(done, &t[1], NULL) == 0;
		done = t[1];
	}
	ImgoptPicture *picture = NULL;
	if (is_ok)
		picture = wrap_picture(g_object_ref(done), error, what);
	else
		imgopt_vips_error(error, IMGOPT_ERROR_DECODE, "%s", what);
	g_object_unref(base);
	return picture;
}

ImgoptPicture *
imgopt_picture_load(const void *data, gsize len, const ImgoptImageInfo *info,
		    uint32_t width, GError **error)
{
	g_return_val_if_fail(data != NULL && info != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);
	if (!ensure_vips(error))
		return NULL;

	/* An embedded profile is converted to sRGB (export_profile); CMYK
	 * is always imported and exported to sRGB by thumbnail itself.  An
	 * image without a profile is sRGB already, and must not get
	 * export_profile: libvips would then import it with its fallback
	 * profile and export it again, shifting its colours by several
	 * levels (measured: mean -4, red -6). */
	uint32_t upright_width = 0, upright_height = 0;
	upright_size(info, &upright_width, &upright_height);
	bool is_split = is_split_resize(info->n_frames, info->format,
					upright_width, width);
	if (is_split) {
		g_autoptr(GError) load_error = NULL;
		ImgoptPicture *picture =
			load_split(data, len, info, width, &load_error);
		if (load_error != NULL) {
			g_propagate_error(error, g_steal_pointer(&load_error));
			return NULL;
		}
		if (picture != NULL)
			return picture;
	}
	VipsImage *image = NULL;
	if (vips_thumbnail_buffer(
		    (void *)data, len, &image,
		    is_split ? (int)upright_width : (int)width, "height",
		    is_split ? resized_height(upright_width, upright_height,
					      width)
			     : VIPS_MAX_COORD,
		    "size", is_split ? VIPS_SIZE_FORCE : VIPS_SIZE_DOWN,
		    "fail_on", VIPS_FAIL_ON_WARNING, "export_profile",
		    info->has_icc ? "srgb" : NULL, "option_string",
		    load_options(info->format), NULL) != 0) {
		imgopt_vips_error(error, IMGOPT_ERROR_DECODE,
				  "cannot decode the %s image at width %u",
				  imgopt_format_name(info->format), width);
		return NULL;
	}
	if (is_split)
		return resample_picture(image, width, image->Ysize, error,
					"cannot decode the image");
	return wrap_picture(image, error, "cannot decode the image");
}

ImgoptPicture *
imgopt_picture_decode(const void *data, gsize len, GError **error)
{
	g_return_val_if_fail(data != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	ImgoptImageInfo info;
	if (!imgopt_vips_probe(data, len, G_MAXUINT32, &info, error))
		return NULL;
	uint32_t upright_width = 0, upright_height = 0;
	upright_size(&info, &upright_width, &upright_height);
	return imgopt_picture_load(data, len, &info, upright_width, error);
}

ImgoptPicture *
imgopt_picture_shrink(const ImgoptPicture *picture, uint32_t width,
		      GError **error)
{
	g_return_val_if_fail(picture != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	VipsImage *in = picture->image;
	VipsImage *image = NULL;

	if (is_split_resize(picture->n_frames, IMGOPT_FORMAT_UNKNOWN,
			    (uint32_t)in->Xsize, width)) {
		int height = resized_height((uint32_t)in->Xsize,
					    (uint32_t)in->Ysize, width);
		return resample_picture(g_object_ref(in), width, height, error,
					"cannot resize the image");
	}
	if (vips_thumbnail_image(in, &image, (int)width, "height",
				 VIPS_MAX_COORD, "size", VIPS_SIZE_DOWN,
				 "no_rotate", TRUE, NULL) != 0) {
		imgopt_vips_error(error, IMGOPT_ERROR_DECODE,
				  "cannot resize to width %u", width);
		return NULL;
	}
	return wrap_picture(image, error, "cannot resize the image");
}

void
imgopt_picture_free(ImgoptPicture *picture)
{
	if (picture == NULL)
		return;
	g_clear_object(&picture->image);
	g_free(picture);
}

uint32_t
imgopt_picture_get_width(const ImgoptPicture *picture)
{
	return (uint32_t)picture->image->Xsize;
}

uint32_t
imgopt_picture_get_height(const ImgoptPicture *picture)
{
	return picture->page_height;
}

uint32_t
imgopt_picture_get_n_frames(const ImgoptPicture *picture)
{
	return picture->n_frames;
}

int
imgopt_picture_get_bands(const ImgoptPicture *picture)
{
	return picture->image->Bands;
}

bool
imgopt_picture_is_srgb8(const ImgoptPicture *picture)
{
	const VipsImage *image = picture->image;

	return image->BandFmt == VIPS_FORMAT_UCHAR &&
	       (image->Type == VIPS_INTERPRETATION_sRGB ||
		image->Type == VIPS_INTERPRETATION_B_W);
}

const uint8_t *
imgopt_picture_get_pixels(const ImgoptPicture *picture, gsize *stride_out)
{
	g_return_val_if_fail(picture != NULL && stride_out != NULL, NULL);

	/* a picture is a memory image (wrap_picture()): no computation */
	*stride_out = VIPS_IMAGE_SIZEOF_LINE(picture->image);
	return vips_image_get_data(picture->image);
}

bool
imgopt_picture_get_mean(const ImgoptPicture *picture, int left, int top,
			int width, int height, double *mean_out, GError **error)
{
	g_return_val_if_fail(picture != NULL && mean_out != NULL, false);

	g_autoptr(VipsImage) area = NULL;
	g_autoptr(VipsImage) stats = NULL;

	memset(mean_out, 0, 4 * sizeof(double));
	if (vips_extract_area(picture->image, &area, left, top, width, height,
			      NULL) != 0 ||
	    vips_stats(area, &stats, NULL) != 0) {
		imgopt_vips_error(error, IMGOPT_ERROR_DECODE,
				  "cannot measure the area %dx%d+%d+%d", width,
				  height, left, top);
		return false;
	}
	/* vips_stats: row 0 is all bands, row b + 1 is band b; column 4 is
	 * the mean. */
	for (int b = 0; b < MIN(area->Bands, 4); b++)
		mean_out[b] = *VIPS_MATRIX(stats, 4, b + 1);
	return true;
}

/* JPEG has no alpha: flatten onto white, as a page background would be. */
static VipsImage *
without_alpha(VipsImage *in)
{
	VipsImage *out = NULL;

	if (!vips_image_hasalpha(in))
		return g_object_ref(in);
	double white[] = {255, 255, 255};
	VipsArrayDouble *background = vips_array_double_new(white, 3);
	int failed = vips_flatten(in, &out, "background", background, NULL);
	vips_area_unref(VIPS_AREA(background));
	return failed ? NULL : out;
}

static int
save_jpeg(VipsImage *in, void **buf, size_t *len,
	  const ImgoptEncodeOptions *options)
{
	g_autoptr(VipsImage) flat = without_alpha(in);

	if (flat == NULL)
		return -1;
	return vips_jpegsave_buffer(
		flat, buf, len, "Q", options->quality, "optimize_coding", TRUE,
		"interlace", TRUE, "strip", TRUE, "subsample_mode",
		options->is_full_chroma ? VIPS_FOREIGN_SUBSAMPLE_OFF
					: VIPS_FOREIGN_SUBSAMPLE_ON,
		NULL);
}

static int
save_image(VipsImage *in, void **buf, size_t *len,
	   const ImgoptEncodeOptions *options)
{
	switch (options->format) {
	case IMGOPT_FORMAT_JPEG:
		return save_jpeg(in, buf, len, options);
	case IMGOPT_FORMAT_PNG:
		/* zlib level 6: level 9 took 2.5-3x the CPU (0.3-0.4 s per
		 * 1600 px screenshot of Hux) for 1-3% fewer bytes; no row
		 * filter (libvips' default): "all" made these bigger */
		return vips_pngsave_buffer(in, buf, len, "compression", 6,
					   "strip", TRUE, NULL);
	case IMGOPT_FORMAT_GIF:
		/* reuse: keep the source's palette rather than quantise
		 * each frame again (faster, and no new dithering);
		 * interframe_maxerror: a pixel that changes by at most 4
		 * levels between frames is left transparent, which LZW
		 * packs far better (what gifsicle's --lossy-free
		 * optimisation does); no dithering: a resized frame maps to
		 * its nearest colours of the source's own palette, which
		 * dithering's noise would only break up between frames
		 * (measured on a 39-frame 760 px GIF at 480: 35% less CPU,
		 * 1% fewer bytes). */
		return vips_gifsave_buffer(in, buf, len, "strip", TRUE, "reuse",
					   TRUE, "interframe_maxerror", 4.0,
					   "dither", 0.0, NULL);
	case IMGOPT_FORMAT_WEBP:
		/* lossless at effort 2: on Hux's PNGs at 480 px 2-3 times
		 * less CPU than effort 4 for 1-5% more bytes */
		return vips_webpsave_buffer(in, buf, len, "Q", options->quality,
					    "lossless", options->is_lossless,
					    "strip", TRUE, "effort",
					    options->is_lossless ? 2 : 4, NULL);
	case IMGOPT_FORMAT_AVIF:
		return vips_heifsave_buffer(in, buf, len, "Q", options->quality,
					    "compression",
					    VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
					    "effort", 2, "strip", TRUE, NULL);
	default:
		vips_error("imgopt", "no encoder");
		return -1;
	}
}

GBytes *
imgopt_picture_encode(const ImgoptPicture *picture,
		      const ImgoptEncodeOptions *options, GError **error)
{
	g_return_val_if_fail(picture != NULL && options != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	void *buf = NULL;
	size_t len = 0;

	if (save_image(picture->image, &buf, &len, options) != 0 || len == 0) {
		g_free(buf);
		imgopt_vips_error(error, IMGOPT_ERROR_ENCODE,
				  "cannot encode %s at width %u",
				  imgopt_format_name(options->format),
				  imgopt_picture_get_width(picture));
		return NULL;
	}
	return g_bytes_new_take(buf, len);
}

/*
 * Animated WebP.  libwebp's animation encoder stores each frame as the
 * rectangle that changed since the one before (a frame that changes
 * nothing is merged into the previous one, its duration added), and
 * libvips writes each page's `delay` (a delay of 10 ms or less as
 * 100 ms, what browsers show) and the `loop` count (plays) that its GIF
 * loader read.  Lossless, or mixed: each frame lossy at the quality or
 * lossless, whichever libwebp finds smaller (recompress.c chooses).
 * Left at libvips' defaults: key frames (kmin, kmax: almost never; a key
 * frame every frame, kmax=1, took 2 to 7 times the bytes) and min_size
 * (1-2% fewer bytes for twice the CPU).
 */
GBytes *
imgopt_picture_encode_animated_webp(const ImgoptPicture *picture, int quality,
				    bool is_lossless, GError **error)
{
	g_return_val_if_fail(picture != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	void *buf = NULL;
	size_t len = 0;

	if (vips_webpsave_buffer(picture->image, &buf, &len, "Q", quality,
				 "lossless", is_lossless, "mixed", !is_lossless,
				 "strip", TRUE, "effort", 4, NULL) != 0 ||
	    len == 0) {
		g_free(buf);
		imgopt_vips_error(
			error, IMGOPT_ERROR_ENCODE,
			"cannot encode a %s animated WebP at width %u",
			is_lossless ? "lossless" : "mixed",
			imgopt_picture_get_width(picture));
		return NULL;
	}
	return g_bytes_new_take(buf, len);
}

/* The frames of an animation the chroma test looks at, spread over it:
 * the test holds two float planes of what it looks at, which for all the
 * frames of wuffs' 380-frame 472 px muybridge was 430 MB. */
#define CHROMA_FRAMES 5

bool
imgopt_picture_wants_full_chroma(const ImgoptPicture *picture)
{
	g_return_val_if_fail(picture != NULL, false);

	VipsImage *image = picture->image;
	const uint8_t *data = vips_image_get_data(image);
	gsize stride = VIPS_IMAGE_SIZEOF_LINE(image);
	int height = (int)picture->page_height;
	guint n = MIN(picture->n_frames, CHROMA_FRAMES);
	guint n_sharp = 0;

	for (guint k = 0; k < n; k++) {
		guint frame =
			n == 1 ? 0 : k * (picture->n_frames - 1) / (n - 1);
		n_sharp += imgopt_quality_full_chroma(
			data + (gsize)frame * height * stride, stride,
			image->Xsize, height, height, image->Bands);
	}
	return 2 * n_sharp > n;
}

/* The first frame of @image (8-bit) as luma, written to memory. */
static double *
image_luma(VipsImage *image, int height)
{
	g_autoptr(VipsImage) frame = NULL;

	if (image->BandFmt != VIPS_FORMAT_UCHAR ||
	    vips_extract_area(image, &frame, 0, 0, image->Xsize, height,
			      NULL) != 0)
		return NULL;
	size_t size = 0;
	uint8_t *data = vips_image_write_to_memory(frame, &size);
	if (data == NULL)
		return NULL;
	double *luma =
		imgopt_quality_luma(data, frame->Xsize, height, frame->Bands);
	g_free(data);
	return luma;
}

bool
imgopt_picture_score(const ImgoptPicture *reference, GBytes *encoded,
		     ImgoptQualityScore *score_out, GError **error)
{
	g_return_val_if_fail(reference != NULL && encoded != NULL, false);
	g_return_val_if_fail(score_out != NULL, false);

	gsize len = 0;
	const void *data = g_bytes_get_data(encoded, &len);
	int width = reference->image->Xsize;
	int height = (int)reference->page_height;
	g_autoptr(VipsImage) decoded = vips_image_new_from_buffer(
		data, len, "", "fail_on", VIPS_FAIL_ON_WARNING, NULL);
	g_autofree double *x = image_luma(reference->image, height);
	g_autofree double *y = decoded != NULL && decoded->Xsize == width &&
					       decoded->Ysize >= height
				       ? image_luma(decoded, height)
				       : NULL;

	if (x == NULL || y == NULL) {
		imgopt_vips_error(error, IMGOPT_ERROR_ENCODE,
				  "cannot compare an encoding with its "
				  "reference");
		return false;
	}
	imgopt_quality_score(x, y, width, height, score_out);
	return true;
}

bool
imgopt_picture_ssim(const ImgoptPicture *reference, GBytes *encoded,
		    double *ssim_out, GError **error)
{
	ImgoptQualityScore score = {0};

	g_return_val_if_fail(ssim_out != NULL, false);
	if (!imgopt_picture_score(reference, encoded, &score, error))
		return false;
	*ssim_out = score.ssim;
	return true;
}
