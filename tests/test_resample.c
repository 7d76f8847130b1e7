/*
 * test_resample.c: the zimg adapter on its own: the source is read once,
 * in order, whatever zimg's column tiles; a last band of rows shorter
 * than the others is resized and nothing past the output is written;
 * a source's error stops the resize and is the one reported.
 *
 * Pictures here are made in memory, a constant value per row, so what a
 * row must become is known: Lanczos keeps a constant.
 */
#include <string.h>

#include "imgopt/error.h"

#include "resample.h"

/* A source that checks it is read like a decoder that cannot go back. */
typedef struct {
	uint32_t width, height;
	int bands;
	uint32_t next;       /* the row it must be asked for next */
	uint32_t fail_at;    /* G_MAXUINT32: never */
	uint8_t *row;        /* the row last given */
	gboolean was_reread; /* a row was asked for twice, or out of order */
} Source;

static uint8_t
row_value(uint32_t i)
{
	return (uint8_t)(17 + 3 * i);
}

static const uint8_t *
source_row(void *user, uint32_t i, GError **error)
{
	Source *source = user;

	if (i != source->next)
		source->was_reread = TRUE;
	source->next = i + 1;
	if (i == source->fail_at) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_DECODE,
			    "row %u is corrupt", i);
		return NULL;
	}
	memset(source->row, row_value(i),
	       (size_t)source->width * (size_t)source->bands);
	return source->row;
}

/* Resizes a @width x @height source of @bands to @width_out x
 * @height_out; returns the output (with a guard row after it, checked
 * untouched) or NULL with @error set. */
static uint8_t *
resize(Source *source, uint32_t width_out, uint32_t height_out, GError **error)
{
	size_t stride = (size_t)width_out * (size_t)source->bands;
	uint8_t *out = g_malloc((height_out + 1) * stride);

	memset(out + height_out * stride, 0xA5, stride);
	source->row = g_malloc((size_t)source->width * (size_t)source->bands);
	ImgoptRowResize job = {
		.width_in = source->width,
		.width_out = width_out,
		.height_in = source->height,
		.height_out = height_out,
		.bands = source->bands,
		.source = source_row,
		.user = source,
		.out = out,
		.out_stride = stride,
	};
	bool is_ok = imgopt_resample_image(&job, error);
	g_clear_pointer(&source->row, g_free);
	for (size_t k = 0; k < stride; k++)
		g_assert_cmpint(out[height_out * stride + k], ==, 0xA5);
	if (!is_ok)
		g_clear_pointer(&out, g_free);
	return out;
}

/* 12000 px rows are wider than zimg's column tiles (about 4300 px): it
 * works tile by tile, each top to bottom, and used to ask the source for
 * every row once a tile ("out of order read" from a PNG decoder).  37
 * rows: two whole bands of 16 and a last one of 5. */
static void
test_wide_rows_read_once(void)
{
	for (int bands = 1; bands <= 4; bands++) {
		Source source = {12000, 37, bands, 0, G_MAXUINT32, NULL, FALSE};
		g_autoptr(GError) error = NULL;
		g_autofree uint8_t *out = resize(&source, 1600, 37, &error);

		g_assert_no_error(error);
		g_assert_false(source.was_reread);
		g_assert_cmpuint(source.next, ==, 37);
		for (uint32_t i = 0; i < 37; i++) {
			const uint8_t *row = out + (size_t)i * 1600 * bands;
			for (size_t k = 0; k < (size_t)1600 * bands; k++)
				if (row[k] != row_value(i))
					g_error("bands %d row %u sample %zu: "
						"%u, not %u",
						bands, i, k, row[k],
						row_value(i));
		}
	}
}

/* Both directions: the rows are resized as they come, the columns
 * after; still each source row read once, in order. */
static void
test_both_directions_read_once(void)
{
	Source source = {12000, 301, 3, 0, G_MAXUINT32, NULL, FALSE};
	g_autoptr(GError) error = NULL;
	g_autofree uint8_t *out = resize(&source, 1600, 40, &error);

	g_assert_no_error(error);
	g_assert_false(source.was_reread);
	g_assert_cmpuint(source.next, ==, 301);
	/* rows grow by 3 a row: the output's do too, by about 3 * 301 / 40 */
	const uint8_t *first = out, *last = out + (size_t)39 * 1600 * 3;
	g_assert_cmpint(first[0], <, last[0]);
	for (size_t k = 1; k < (size_t)1600 * 3; k++) {
		g_assert_cmpint(first[k], ==, first[0]);
		g_assert_cmpint(last[k], ==, last[0]);
	}
}

static void
test_source_error_stops(void)
{
	Source source = {2000, 100, 3, 0, 40, NULL, FALSE};
	g_autoptr(GError) error = NULL;
	g_autofree uint8_t *out = resize(&source, 480, 100, &error);

	g_assert_null(out);
	g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_DECODE);
	g_assert_cmpstr(error->message, ==, "row 40 is corrupt");
	g_assert_cmpuint(source.next, ==, 41);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/resample/wide-rows-read-once",
			test_wide_rows_read_once);
	g_test_add_func("/resample/both-directions-read-once",
			test_both_directions_read_once);
	g_test_add_func("/resample/source-error-stops",
			test_source_error_stops);
	return g_test_run();
}
