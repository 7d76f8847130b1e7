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
	t->out.optimize_coding = TRUE;
	jpeg_simple_progression(&t->out);
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

	t->in.err = jpeg_std_error(&t->err.pub);
	t->out.err = &t->err.pub;
	t->err.pub.error_exit = on_error_exit;
	t->err.pub.emit_message = on_emit_message;
	jpeg_create_decompress(&t->in);
	jpeg_create_compress(&t->out);
	bool is_ok = transcode(t, data, len);
	jpeg_destroy_compress(&t->out);
	jpeg_destroy_decompress(&t->in);

	GBytes *result = NULL;
	if (is_ok)
		result = g_bytes_new(t->buffer, t->size);
	else
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_DECODE,
			    "lossless JPEG optimisation failed: %s",
			    t->err.message[0] ? t->err.message : "no output");
	/* jpeg_mem_dest() allocates with malloc(); GLib's allocator is the
	 * system one since 2.46, so g_free() is the matching release. */
	g_free(t->buffer);
	g_free(t);
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
