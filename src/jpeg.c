/*
 * jpeg.c: lossless JPEG optimisation with libjpeg-turbo's transcoding API.
 *
 * How it works: jpeg_read_coefficients() gives the quantised DCT blocks
 * of every component; jpeg_copy_critical_parameters() carries the
 * quantisation tables and sampling over to a compressor, which is told to
 * compute optimal Huffman tables and to use the standard progressive scan
 * script; jpeg_write_coefficients() then entropy-codes the same blocks
 * into memory.  The pixels are bit-identical to the source's.
 *
 * libjpeg reports fatal errors through error_exit(), which must not
 * return: it longjmp()s back to transcode(), which turns the message into
 * a GError.  Warnings (corrupt data, premature end of file) go through
 * emit_message(); they are counted and treated as fatal afterwards, as
 * decoding is with fail_on=warning.
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>

#include "imgopt/error.h"

#include "jpeg.h"

/* libjpeg's error manager extended with the jump target and message. */
typedef struct {
	struct jpeg_error_mgr pub;     /* must come first: libjpeg casts */
	jmp_buf jump;                  /* where error_exit() returns to */
	char message[JMSG_LENGTH_MAX]; /* the first error or warning */
	int n_warnings;                /* warnings seen */
} ErrorManager;

static void
on_error_exit(j_common_ptr cinfo)
{
	ErrorManager *err = (ErrorManager *)cinfo->err;

	(*cinfo->err->format_message)(cinfo, err->message);
	longjmp(err->jump, 1);
}

static void
on_emit_message(j_common_ptr cinfo, int level)
{
	ErrorManager *err = (ErrorManager *)cinfo->err;

	if (level >= 0)
		return; /* trace messages */
	if (err->n_warnings++ == 0)
		(*cinfo->err->format_message)(cinfo, err->message);
}

/* Sets @err up to catch libjpeg's errors and warnings; returns what a
 * codec's `err` field takes. */
static struct jpeg_error_mgr *
error_manager_init(ErrorManager *err)
{
	struct jpeg_error_mgr *pub = jpeg_std_error(&err->pub);

	pub->error_exit = on_error_exit;
	pub->emit_message = on_emit_message;
	return pub;
}

/*
 * The progressive scan script of every JPEG imgopt writes, encoded or
 * losslessly re-coded: the DC of all components, luma's lowest AC
 * frequencies, each chroma component whole, then luma's higher
 * frequencies in two bands; no successive approximation.  Against
 * libjpeg's standard script (jpeg_simple_progression(): ten scans, with
 * successive approximation), measured on Hux's JPEGs and bench/'s
 * generated photos encoded at 1600 px: half the CPU (libjpeg-turbo's
 * refinement scans are its slowest part, and each scan is one more pass
 * over the coefficients to gather statistics and one to code them) and
 * 1.7% (Hux) to 2.9% (photos) fewer bytes.  A picture still arrives in
 * the usual progressive order: a blurred whole first, detail after.
 */
static const jpeg_scan_info colour_scans[] = {
	{3, {0, 1, 2}, 0, 0, 0, 0}, {1, {0}, 1, 8, 0, 0},
	{1, {1}, 1, 63, 0, 0},      {1, {2}, 1, 63, 0, 0},
	{1, {0}, 9, 20, 0, 0},      {1, {0}, 21, 63, 0, 0},
};
static const jpeg_scan_info grey_scans[] = {
	{1, {0}, 0, 0, 0, 0},
	{1, {0}, 1, 8, 0, 0},
	{1, {0}, 9, 20, 0, 0},
	{1, {0}, 21, 63, 0, 0},
};

/* Makes @out progressive with imgopt's scans and optimised Huffman
 * tables; once its components are set. */
static void
set_progressive(j_compress_ptr out)
{
	out->optimize_coding = TRUE;
	if (out->num_components == 3) {
		out->scan_info = colour_scans;
		out->num_scans = (int)G_N_ELEMENTS(colour_scans);
	}
	else if (out->num_components == 1) {
		out->scan_info = grey_scans;
		out->num_scans = (int)G_N_ELEMENTS(grey_scans);
	}
	else
		jpeg_simple_progression(out);
}

/* The two codecs and the output buffer, so one cleanup frees them all.
 * Both codecs share one error manager, hence one jump target. */
typedef struct {
	struct jpeg_decompress_struct in; /* reads the source */
	struct jpeg_compress_struct out;  /* writes the result */
	ErrorManager err;                 /* errors of both */
	unsigned char *buffer;            /* jpeg_mem_dest()'s output */
	unsigned long size;               /* its length */
} Transcoder;

/* Runs the transcode proper.  Returns false with the reason in the error
 * manager's message.  Nothing read after a longjmp() changes after the
 * setjmp(), so no local needs to be volatile. */
static bool
transcode(Transcoder *t, const void *data, gsize len)
{
	if (setjmp(t->err.jump) != 0)
		return false;

	jpeg_mem_src(&t->in, data, (unsigned long)len);
	jpeg_read_header(&t->in, TRUE);
	jvirt_barray_ptr *coefficients = jpeg_read_coefficients(&t->in);
	if (t->err.n_warnings > 0)
		return false;

	jpeg_copy_critical_parameters(&t->in, &t->out);
	set_progressive(&t->out);
	jpeg_mem_dest(&t->out, &t->buffer, &t->size);
	jpeg_write_coefficients(&t->out, coefficients);
	jpeg_finish_compress(&t->out);
	jpeg_finish_decompress(&t->in);
	return t->err.n_warnings == 0;
}

GBytes *
imgopt_jpeg_optimize(const void *data, gsize len, GError **error)
{
	g_return_val_if_fail(data != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	Transcoder *t = g_new0(Transcoder, 1);

	t->in.err = t->out.err = error_manager_init(&t->err);
	jpeg_create_decompress(&t->in);
	jpeg_create_compress(&t->out);
	bool is_ok = transcode(t, data, len);
	jpeg_destroy_compress(&t->out);
	jpeg_destroy_decompress(&t->in);

	GBytes *result = NULL;
	if (is_ok)
		result = g_bytes_new_take(g_steal_pointer(&t->buffer), t->size);
	else
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_DECODE,
			    "lossless JPEG optimisation failed: %s",
			    t->err.message[0] ? t->err.message : "no output");
	/* jpeg_mem_dest() allocates with malloc(); GLib's allocator is the
	 * system one since 2.46, so g_free() is the matching release and the
	 * bytes are taken, not copied. */
	g_free(t->buffer);
	g_free(t);
	return result;
}

/* The compressor and its output, so one cleanup frees them. */
typedef struct {
	struct jpeg_compress_struct out; /* writes the result */
	ErrorManager err;                /* its errors */
	unsigned char *buffer;           /* jpeg_mem_dest()'s output */
	unsigned long size;              /* its length */
} Encoder;

/* Rows handed to libjpeg per call. */
#define ROWS_PER_WRITE 16

/* Runs the encoding proper; false with the reason in the error manager's
 * message.  As in transcode(), no local is read after a longjmp(). */
static bool
encode(Encoder *e, const ImgoptJpegPixels *pixels, int quality,
       bool is_full_chroma)
{
	if (setjmp(e->err.jump) != 0)
		return false;

	e->out.image_width = pixels->width;
	e->out.image_height = pixels->height;
	e->out.input_components = pixels->bands;
	e->out.in_color_space = pixels->bands == 3 ? JCS_RGB : JCS_GRAYSCALE;
	jpeg_set_defaults(&e->out);
	jpeg_set_quality(&e->out, quality, TRUE);
	if (is_full_chroma)
		e->out.comp_info[0].h_samp_factor =
			e->out.comp_info[0].v_samp_factor = 1;
	set_progressive(&e->out);
	jpeg_mem_dest(&e->out, &e->buffer, &e->size);
	jpeg_start_compress(&e->out, TRUE);
	while (e->out.next_scanline < e->out.image_height) {
		JSAMPROW rows[ROWS_PER_WRITE];
		JDIMENSION n = MIN(ROWS_PER_WRITE,
				   e->out.image_height - e->out.next_scanline);
		for (JDIMENSION i = 0; i < n; i++)
			rows[i] = (JSAMPROW)(pixels->data +
					     (e->out.next_scanline + i) *
						     pixels->stride);
		jpeg_write_scanlines(&e->out, rows, n);
	}
	jpeg_finish_compress(&e->out);
	return e->err.n_warnings == 0;
}

GBytes *
imgopt_jpeg_encode(const ImgoptJpegPixels *pixels, int quality,
		   bool is_full_chroma, GError **error)
{
	g_return_val_if_fail(pixels != NULL && pixels->data != NULL, NULL);
	g_return_val_if_fail(pixels->bands == 1 || pixels->bands == 3, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	Encoder *e = g_new0(Encoder, 1);

	e->out.err = error_manager_init(&e->err);
	jpeg_create_compress(&e->out);
	bool is_ok = encode(e, pixels, CLAMP(quality, 1, 100), is_full_chroma);
	jpeg_destroy_compress(&e->out);

	GBytes *result = NULL;
	/* malloc()ed by jpeg_mem_dest(): g_free() is its release (see
	 * imgopt_jpeg_optimize()), so the bytes are taken, not copied */
	if (is_ok && e->size > 0)
		result = g_bytes_new_take(g_steal_pointer(&e->buffer), e->size);
	else
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_ENCODE,
			    "cannot encode JPEG at width %u: %s", pixels->width,
			    e->err.message[0] ? e->err.message : "no output");
	g_free(e->buffer);
	g_free(e);
	return result;
}

const char *
imgopt_jpeg_version(void)
{
#ifdef LIBJPEG_TURBO_VERSION
	return G_STRINGIFY(JPEG_LIB_VERSION) "/" G_STRINGIFY(
		LIBJPEG_TURBO_VERSION);
#else
	return G_STRINGIFY(JPEG_LIB_VERSION);
#endif
}
