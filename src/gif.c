/*
 * gif.c: reading a GIF's block structure with giflib, for the pixel limit
 * and for checking that an animated variant kept its source's timing.
 *
 * The walk calls DGifGetCode/DGifGetCodeNext to step over each frame's
 * LZW data block by block, so nothing is decompressed and the cost is one
 * pass over the bytes whatever the claimed dimensions are.
 */
#include <string.h>

#include <gif_lib.h>

#include "imgopt/error.h"

#include "gif.h"

/* The cursor giflib reads through (DGifOpen's user pointer). */
typedef struct {
	const uint8_t *data; /* the whole file */
	gsize len;           /* its length */
	gsize pos;           /* next byte to hand out */
} Reader;

static int
read_bytes(GifFileType *gif, GifByteType *buf, int n)
{
	Reader *reader = gif->UserData;
	gsize left = reader->len - reader->pos;
	gsize count = n < 0 ? 0 : MIN((gsize)n, left);

	memcpy(buf, reader->data + reader->pos, count);
	reader->pos += count;
	return (int)count;
}

static void
close_gif(GifFileType *gif)
{
	int code = 0;

	if (gif != NULL)
		DGifCloseFile(gif, &code);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GifFileType, close_gif)

static bool
gif_fail(int code, const char *what, GError **error)
{
	const char *reason = GifErrorString(code);

	g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_DECODE,
		    "malformed GIF: %s: %s", what,
		    reason != NULL ? reason : "unknown giflib error");
	return false;
}

/* Steps over the LZW blocks of the frame whose descriptor was just read. */
static bool
skip_frame_data(GifFileType *gif)
{
	int code_size = 0;
	GifByteType *block = NULL;

	if (DGifGetCode(gif, &code_size, &block) != GIF_OK)
		return false;
	while (block != NULL)
		if (DGifGetCodeNext(gif, &block) != GIF_OK)
			return false;
	return true;
}

/* Reads one extension: a graphic control block gives the next frame's
 * delay, a NETSCAPE2.0 (or ANIMEXTS1.0) block the loop count. */
static bool
read_extension(GifFileType *gif, ImgoptGifInfo *info, int *pending_delay)
{
	int code = 0;
	GifByteType *ext = NULL;
	bool is_loop_block = false;

	if (DGifGetExtension(gif, &code, &ext) != GIF_OK)
		return false;
	if (ext != NULL && code == GRAPHICS_EXT_FUNC_CODE) {
		GraphicsControlBlock gcb;
		if (DGifExtensionToGCB(ext[0], ext + 1, &gcb) == GIF_OK)
			*pending_delay = gcb.DelayTime;
	}
	if (ext != NULL && code == APPLICATION_EXT_FUNC_CODE && ext[0] == 11)
		is_loop_block = memcmp(ext + 1, "NETSCAPE2.0", 11) == 0 ||
				memcmp(ext + 1, "ANIMEXTS1.0", 11) == 0;
	while (ext != NULL) {
		if (DGifGetExtensionNext(gif, &ext) != GIF_OK)
			return false;
		if (is_loop_block && ext != NULL && ext[0] >= 3 &&
		    ext[1] == 1 && info->loop < 0)
			info->loop = ext[2] | (ext[3] << 8);
	}
	return true;
}

static void
add_frame(GifFileType *gif, ImgoptGifInfo *info, int *pending_delay)
{
	uint64_t pixels = (uint64_t)gif->Image.Width * gif->Image.Height;

	info->max_frame_pixels = MAX(info->max_frame_pixels, pixels);
	info->n_frames++;
	g_array_append_val(info->delays, *pending_delay);
	*pending_delay = 0;
}

static bool
walk_records(GifFileType *gif, ImgoptGifInfo *info)
{
	int pending_delay = 0;

	for (;;) {
		GifRecordType type = UNDEFINED_RECORD_TYPE;
		if (DGifGetRecordType(gif, &type) != GIF_OK)
			return false;
		switch (type) {
		case IMAGE_DESC_RECORD_TYPE:
			if (DGifGetImageDesc(gif) != GIF_OK)
				return false;
			add_frame(gif, info, &pending_delay);
			if (!skip_frame_data(gif))
				return false;
			break;
		case EXTENSION_RECORD_TYPE:
			if (!read_extension(gif, info, &pending_delay))
				return false;
			break;
		case TERMINATE_RECORD_TYPE:
			return true;
		default:
			return false;
		}
	}
}

bool
imgopt_gif_read_info(const void *data, gsize len, ImgoptGifInfo *info_out,
		     GError **error)
{
	g_return_val_if_fail(data != NULL || len == 0, false);
	g_return_val_if_fail(info_out != NULL, false);
	g_return_val_if_fail(error == NULL || *error == NULL, false);

	Reader reader = {data, len, 0};
	int code = 0;

	memset(info_out, 0, sizeof(*info_out));
	info_out->loop = -1;
	info_out->delays = g_array_new(FALSE, TRUE, sizeof(int));

	g_autoptr(GifFileType) gif = DGifOpen(&reader, read_bytes, &code);
	if (gif == NULL)
		return gif_fail(code, "cannot read the header", error);
	info_out->screen_width = (uint32_t)gif->SWidth;
	info_out->screen_height = (uint32_t)gif->SHeight;
	/* A file cut short after its last frame is still usable: libvips
	 * shows it, so the walk only fails when no frame was seen. */
	if (!walk_records(gif, info_out) && info_out->n_frames == 0)
		return gif_fail(gif->Error, "cannot read the blocks", error);
	if (info_out->n_frames == 0) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_DECODE,
			    "malformed GIF: no frame");
		return false;
	}
	return true;
}

void
imgopt_gif_info_clear(ImgoptGifInfo *info)
{
	if (info != NULL)
		g_clear_pointer(&info->delays, g_array_unref);
}

bool
imgopt_gif_same_timing(const ImgoptGifInfo *a, const ImgoptGifInfo *b)
{
	g_return_val_if_fail(a != NULL && b != NULL, false);

	int loop_a = a->loop < 0 ? 1 : a->loop;
	int loop_b = b->loop < 0 ? 1 : b->loop;

	if (a->n_frames != b->n_frames || loop_a != loop_b)
		return false;
	for (guint i = 0; i < a->n_frames; i++)
		if (g_array_index(a->delays, int, i) !=
		    g_array_index(b->delays, int, i))
			return false;
	return true;
}

const char *
imgopt_gif_version(void)
{
	return G_STRINGIFY(GIFLIB_MAJOR) "." G_STRINGIFY(
		GIFLIB_MINOR) "." G_STRINGIFY(GIFLIB_RELEASE);
}
