/*
 * test_probe.c: the header probe (probe.c) on hand-built headers, a table
 * per format: good headers, truncated ones and lying ones (lengths that
 * point past the file or hide the record that matters), each also fed
 * a byte at a time and through seeks, as the index feeds it; and the
 * checks made before libvips sees a file (PNG chunk lengths, GIF screen,
 * frames and animation against the pixel limit).
 */
#include "imgopt/imgopt.h"

#include <string.h>

#include "probe.h"

/* A header and what the probe must find in it. */
typedef struct {
	const char *name;
	const char *bytes;
	gsize len;
	ImgoptFormat format;
	uint32_t width, height, n_frames;
} Case;

#define B(s) s, sizeof(s) - 1

/* PNG signature, IHDR of 64x48 (length 13) with its 4 CRC bytes. */
#define PNG_SIG "\x89PNG\r\n\x1a\n"
#define PNG_IHDR                                                               \
	"\0\0\0\x0dIHDR\0\0\0\x40\0\0\0\x30\x08\x06\0\0\0"                     \
	"crc!"
#define PNG_IEND "\0\0\0\0IEND\xae\x42\x60\x82"

/* GIF89a, screen 16x8, no global table; a 4x4 frame, its LZW data. */
#define GIF_HEAD "GIF89a\x10\0\x08\0\0\0\0"
#define GIF_FRAME "\x2c\0\0\0\0\x04\0\x04\0\0\x02\x02\xaa\xbb\0"
#define GIF_GCE "\x21\xf9\x04\0\x0a\0\0\0"

static const Case jpeg_cases[] = {
	{"sof0",
	 B("\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
	   "\xff\xc0\0\x11\x08\0\x30\0\x40\x03"),
	 IMGOPT_FORMAT_JPEG, 64, 48, 1},
	{"progressive-after-junk-and-fill",
	 B("\xff\xd8\xff\x01junk\xff\xff\xff\xc2\0\x11\x08\x01\0\x02\0\x03"),
	 IMGOPT_FORMAT_JPEG, 512, 256, 1},
	{"truncated-before-sof", B("\xff\xd8\xff\xe0\0\x10JFIF"),
	 IMGOPT_FORMAT_JPEG, 0, 0, 0},
	{"truncated-in-sof", B("\xff\xd8\xff\xc0\0\x11\x08\0"),
	 IMGOPT_FORMAT_JPEG, 0, 0, 0},
	{"lying-app1-hides-sof",
	 B("\xff\xd8\xff\xe1\xff\xff\xff\xc0\0\x11\x08\0\x30\0\x40\x03"),
	 IMGOPT_FORMAT_JPEG, 0, 0, 0},
	{"scan-before-sof",
	 B("\xff\xd8\xff\xda\0\x08\xff\xc0\0\x11\x08\0\x30"
	   "\0\x40\x03"),
	 IMGOPT_FORMAT_JPEG, 0, 0, 0},
	{"short-sof-length-skipped",
	 B("\xff\xd8\xff\xc0\0\x04\0\0\xff\xc1\0\x11\x08\0\x02\0\x03\x01"),
	 IMGOPT_FORMAT_JPEG, 3, 2, 1},
};

static const Case png_cases[] = {
	{"still", B(PNG_SIG PNG_IHDR PNG_IEND), IMGOPT_FORMAT_PNG, 64, 48, 1},
	{"apng",
	 B(PNG_SIG PNG_IHDR "\0\0\0\x08"
			    "acTL\0\0\0\x03\0\0\0\0crc!"
			    "\0\0\0\0IDAT"),
	 IMGOPT_FORMAT_PNG, 64, 48, 3},
	{"actl-zero-frames",
	 B(PNG_SIG PNG_IHDR "\0\0\0\x08"
			    "acTL\0\0\0\0\0\0\0\0crc!"),
	 IMGOPT_FORMAT_PNG, 64, 48, 1},
	{"actl-after-idat-ignored",
	 B(PNG_SIG PNG_IHDR "\0\0\0\0IDATcrc!\0\0\0\x08"
			    "acTL\0\0\0\x03"),
	 IMGOPT_FORMAT_PNG, 64, 48, 1},
	{"truncated-in-ihdr", B(PNG_SIG "\0\0\0\x0dIHDR\0\0\0\x40"),
	 IMGOPT_FORMAT_PNG, 0, 0, 0},
	{"lying-ihdr-length", B(PNG_SIG "\0\0\0\x04IHDR\0\0\0\x40\0\0\0\x30"),
	 IMGOPT_FORMAT_PNG, 0, 0, 0},
	{"signature-only", B(PNG_SIG), IMGOPT_FORMAT_PNG, 0, 0, 0},
};

static const Case gif_cases[] = {
	{"one-frame", B(GIF_HEAD GIF_FRAME "\x3b"), IMGOPT_FORMAT_GIF, 16, 8,
	 1},
	{"three-frames-with-extensions",
	 B(GIF_HEAD GIF_GCE GIF_FRAME GIF_GCE GIF_FRAME GIF_FRAME "\x3b"),
	 IMGOPT_FORMAT_GIF, 16, 8, 3},
	{"global-table-skipped",
	 B("GIF87a\x10\0\x08\0\x80\0\0" /* 2 colours */
	   "\0\0\0\xff\xff\xff" GIF_FRAME "\x3b"),
	 IMGOPT_FORMAT_GIF, 16, 8, 1},
	{"truncated-in-second-frame", B(GIF_HEAD GIF_FRAME "\x2c\0\0\0"),
	 IMGOPT_FORMAT_GIF, 16, 8, 1},
	{"truncated-screen", B("GIF89a\x10\0"), IMGOPT_FORMAT_GIF, 0, 0, 0},
	{"lying-sub-block-swallows-frames",
	 B(GIF_HEAD "\x21\xfe\xff" GIF_FRAME GIF_FRAME), IMGOPT_FORMAT_GIF, 16,
	 8, 0},
};

/* RIFF size fields are not checked: 0 stands for "whatever". */
#define RIFF "RIFF\0\0\0\0WEBP"

static const Case webp_cases[] = {
	{"vp8", B(RIFF "VP8 \x0a\0\0\0\0\0\0\x9d\x01\x2a\x40\0\x30\0"),
	 IMGOPT_FORMAT_WEBP, 64, 48, 1},
	{"vp8l", B(RIFF "VP8L\x05\0\0\0\x2f\x63\x40\x0c\0"), IMGOPT_FORMAT_WEBP,
	 100, 50, 1},
	{"vp8x-still", B(RIFF "VP8X\x0a\0\0\0\0\0\0\0\x3f\0\0\x2f\0\0"),
	 IMGOPT_FORMAT_WEBP, 64, 48, 1},
	{"vp8x-animated",
	 B(RIFF "VP8X\x0a\0\0\0\x02\0\0\0\x3f\0\0\x2f\0\0"
		"ANIM\x06\0\0\0\0\0\0\0\0\0"
		"ANMF\x01\0\0\0\0\0" /* odd size: one byte of padding */
		"ANMF\x02\0\0\0\0\0"),
	 IMGOPT_FORMAT_WEBP, 64, 48, 2},
	{"bad-vp8-start-code",
	 B(RIFF "VP8 \x0a\0\0\0\0\0\0\x9d\x01\x2b\x40\0\x30\0"),
	 IMGOPT_FORMAT_WEBP, 0, 0, 0},
	{"lying-chunk-size",
	 B(RIFF "ICCP\xff\xff\xff\x7fVP8L\x05\0\0\0\x2f"
		"\x63\x40\x0c\0"),
	 IMGOPT_FORMAT_WEBP, 0, 0, 0},
	{"truncated-riff", B("RIFF\0\0\0\0WEB"), IMGOPT_FORMAT_UNKNOWN, 0, 0,
	 0},
};

static const Case sniffed_cases[] = {
	{"avif",
	 B("\0\0\0\x14"
	   "ftypavif\0\0\0\0mif1"
	   "\0\0\0\x14ispe\0\0\0\0\0\0\x01\0\0\0\0\x80"),
	 IMGOPT_FORMAT_AVIF, 256, 128, 1},
	{"avif-compatible-brand-sequence",
	 B("\0\0\0\x18"
	   "ftypavis\0\0\0\0mif1avif"),
	 IMGOPT_FORMAT_AVIF, 0, 0, 0},
	{"avif-truncated-ispe",
	 B("\0\0\0\x14"
	   "ftypavif\0\0\0\0mif1"
	   "\0\0\0\x14ispe\0\0\0\0\0\0"),
	 IMGOPT_FORMAT_AVIF, 0, 0, 1},
	{"heic-not-avif",
	 B("\0\0\0\x14"
	   "ftypheic\0\0\0\0mif1"),
	 IMGOPT_FORMAT_UNKNOWN, 0, 0, 0},
	{"svg",
	 B("\xef\xbb\xbf <?xml version='1.0'?>\n"
	   "<svg xmlns='x' width=\"20\" height='10px'>"),
	 IMGOPT_FORMAT_SVG, 20, 10, 1},
	{"svg-relative-size", B("<svg width=\"50%\" height=\"3em\">"),
	 IMGOPT_FORMAT_SVG, 0, 0, 1},
	{"html-not-svg", B("<html><body>no picture</body></html>"),
	 IMGOPT_FORMAT_UNKNOWN, 0, 0, 0},
	{"bmp-bottom-up",
	 B("BM\0\0\0\0\0\0\0\0\0\0\0\0"
	   "\x28\0\0\0"
	   "\x20\0\0\0\x10\0\0\0"),
	 IMGOPT_FORMAT_OTHER, 32, 16, 0},
	{"bmp-top-down",
	 B("BM\0\0\0\0\0\0\0\0\0\0\0\0"
	   "\x28\0\0\0"
	   "\x20\0\0\0\xf0\xff\xff\xff"),
	 IMGOPT_FORMAT_OTHER, 32, 16, 0},
	{"bmp-lying-dib-size",
	 B("BM\0\0\0\0\0\0\0\0\0\0\0\0"
	   "\x29\0\0\0"
	   "\x20\0\0\0\x10\0\0\0"),
	 IMGOPT_FORMAT_UNKNOWN, 0, 0, 0},
	{"ico", B("\0\0\x01\0\x01\0"), IMGOPT_FORMAT_OTHER, 0, 0, 0},
	{"tiff", B("MM\0*\0\0\0\x08"), IMGOPT_FORMAT_OTHER, 0, 0, 0},
	{"empty", "", 0, IMGOPT_FORMAT_UNKNOWN, 0, 0, 0},
	{"text", B("hello, world"), IMGOPT_FORMAT_UNKNOWN, 0, 0, 0},
};

static void
assert_facts(const Case *c, const ImgoptProbeFacts *f, const char *how)
{
	if (f->format != c->format || f->width != c->width ||
	    f->height != c->height || f->n_frames != c->n_frames)
		g_error("%s (%s): got %s %ux%u, %u frames; want %s %ux%u, %u "
			"frames",
			c->name, how, imgopt_format_name(f->format), f->width,
			f->height, f->n_frames, imgopt_format_name(c->format),
			c->width, c->height, c->n_frames);
}

/* The first 12 bytes choose a pushed format; then one byte at a time. */
static void
probe_bytewise(const Case *c, ImgoptProbeFacts *out)
{
	const uint8_t *d = (const uint8_t *)c->bytes;
	gsize first = MIN(c->len, 12);
	ImgoptProbe p;

	imgopt_probe_init(&p);
	imgopt_probe_feed(&p, d, first);
	for (gsize i = first; i < c->len; i++)
		imgopt_probe_feed(&p, d + i, 1);
	*out = p.facts;
}

/* As imgopt_index_probe_file() reads: windows of 12 bytes, skips seeked
 * over. */
static void
probe_seeking(const Case *c, ImgoptProbeFacts *out)
{
	const uint8_t *d = (const uint8_t *)c->bytes;
	uint64_t off = 0;
	ImgoptProbe p;

	imgopt_probe_init(&p);
	while ((off == 0 || !imgopt_probe_is_done(&p)) && off < c->len) {
		gsize n = (gsize)MIN((uint64_t)12, c->len - off);

		imgopt_probe_feed(&p, d + off, n);
		off += n + imgopt_probe_take_skip(&p);
	}
	*out = p.facts;
}

/* One table of cases; the pushed formats are also fed in pieces. */
typedef struct {
	const Case *cases;
	gsize n_cases;
	bool is_pushed;
} Table;

#define TABLE(cases, is_pushed)                                                \
	{                                                                      \
		cases, G_N_ELEMENTS(cases), is_pushed                          \
	}

static const Table jpeg_table = TABLE(jpeg_cases, true);
static const Table png_table = TABLE(png_cases, true);
static const Table gif_table = TABLE(gif_cases, true);
static const Table webp_table = TABLE(webp_cases, true);
static const Table sniffed_table = TABLE(sniffed_cases, false);

static void
test_table(gconstpointer data)
{
	const Table *t = data;

	for (gsize i = 0; i < t->n_cases; i++) {
		const Case *c = &t->cases[i];
		ImgoptProbeFacts f;

		imgopt_probe_buffer(c->bytes, c->len, &f);
		assert_facts(c, &f, "whole");
		if (!t->is_pushed)
			continue;
		probe_bytewise(c, &f);
		assert_facts(c, &f, "a byte at a time");
		probe_seeking(c, &f);
		assert_facts(c, &f, "seeking");
	}
}

/* A sniffed format is decided by the first chunk: given it a byte at a
 * time, the probe knows nothing (the index's first chunk is 256 KB). */
static void
test_sniffed_needs_first_chunk(void)
{
	ImgoptProbe p;

	imgopt_probe_init(&p);
	g_assert_false(imgopt_probe_is_done(&p));
	imgopt_probe_feed(&p, (const uint8_t *)"<", 1);
	imgopt_probe_feed(&p, (const uint8_t *)"svg>", 4);
	g_assert_true(imgopt_probe_is_done(&p));
	g_assert_cmpint(p.facts.format, ==, IMGOPT_FORMAT_UNKNOWN);
}

/* ---- before libvips ---- */

typedef struct {
	const char *name;
	const char *bytes;
	gsize len;
	uint64_t max_pixels;
	int code; /* -1: accepted */
	const char *message;
} UnsafeCase;

static const UnsafeCase unsafe_cases[] = {
	{"png-good", B(PNG_SIG PNG_IHDR PNG_IEND), 100, -1, NULL},
	{"png-chunk-claims-gigabytes",
	 B(PNG_SIG "\x7f\xff\xff\xffIHDR\0\0\0\x40"), 100, IMGOPT_ERROR_DECODE,
	 "malformed PNG: chunk 'IHDR' claims 2147483647 bytes, the file has "
	 "4 left"},
	{"png-hostile-chunk-name", B(PNG_SIG "\0\0\x01\0\xff\n\"xdata"), 100,
	 IMGOPT_ERROR_DECODE,
	 "malformed PNG: chunk '\\377\\n\\\"x' claims 256 bytes, the file has "
	 "4 left"},
	{"png-no-iend", B(PNG_SIG PNG_IHDR), 100, IMGOPT_ERROR_DECODE,
	 "malformed PNG: no IEND chunk (truncated file)"},
	{"gif-good", B(GIF_HEAD GIF_FRAME "\x3b"), 128, -1, NULL},
	{"gif-screen-too-large", B(GIF_HEAD GIF_FRAME "\x3b"), 127,
	 IMGOPT_ERROR_UNSAFE,
	 "GIF logical screen of 16x8 exceeds the pixel limit of 127 "
	 "(--max-pixels)"},
	{"gif-empty-screen", B("GIF89a\0\0\x08\0\0\0\0" GIF_FRAME "\x3b"), 128,
	 IMGOPT_ERROR_DECODE, "GIF logical screen is empty (0x8)"},
	{"gif-frame-outside-screen",
	 B("GIF89a\x02\0\x02\0\0\0\0"
	   "\x2c\0\0\0\0\x40\0\x40\0\0\x02\x02\xaa\xbb\0\x3b"),
	 1000, IMGOPT_ERROR_UNSAFE,
	 "a GIF frame of 4096 pixels exceeds the pixel limit of 1000 "
	 "(--max-pixels)"},
	{"gif-toilet-roll",
	 B(GIF_HEAD GIF_FRAME GIF_FRAME GIF_FRAME GIF_FRAME GIF_FRAME "\x3b"),
	 128, IMGOPT_ERROR_UNSAFE,
	 "a GIF of 5 frames of 16x8 exceeds 4 times the pixel limit"},
	{"gif-no-frame", B(GIF_HEAD "\x3b"), 128, IMGOPT_ERROR_DECODE,
	 "malformed GIF: no frame"},
	{"jpeg-not-walked", B("\xff\xd8\xff"), 1, -1, NULL},
	{"text-not-walked", B("hello"), 1, -1, NULL},
};

static void
test_check_unsafe(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(unsafe_cases); i++) {
		const UnsafeCase *c = &unsafe_cases[i];
		g_autoptr(GError) error = NULL;
		bool ok = imgopt_probe_check_unsafe(c->bytes, c->len,
						    c->max_pixels, &error);

		g_test_message("%s", c->name);
		if (c->code < 0) {
			g_assert_no_error(error);
			g_assert_true(ok);
			continue;
		}
		g_assert_false(ok);
		g_assert_error(error, IMGOPT_ERROR, c->code);
		g_assert_cmpstr(error->message, ==, c->message);
	}
}

/* A GIF giflib cannot read is refused with giflib's reason. */
static void
test_check_unsafe_bad_gif(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_false(
		imgopt_probe_check_unsafe(B("GIF89a\x10\0"), 100, &error));
	g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_DECODE);
	g_assert_true(
		g_str_has_prefix(error->message, "malformed GIF: cannot read"));
}

static void
test_check_size_and_frames(void)
{
	g_autoptr(GError) empty = NULL;
	g_autoptr(GError) big = NULL;
	g_autoptr(GError) roll = NULL;

	g_assert_true(imgopt_probe_check_size(10, 10, 100, "an image", NULL));
	g_assert_false(imgopt_probe_check_size(0, 10, 100, "an image", &empty));
	g_assert_error(empty, IMGOPT_ERROR, IMGOPT_ERROR_DECODE);
	g_assert_cmpstr(empty->message, ==, "an image is empty (0x10)");
	g_assert_false(imgopt_probe_check_size(G_MAXUINT32, G_MAXUINT32, 100,
					       "an image", &big));
	g_assert_error(big, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE);
	g_assert_true(imgopt_probe_check_frames(10, 10, 4, 100, "an animation",
						NULL));
	g_assert_false(imgopt_probe_check_frames(10, 10, 5, 100, "an animation",
						 &roll));
	g_assert_error(roll, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE);
	g_assert_cmpstr(roll->message, ==,
			"an animation of 5 frames of 10x10 exceeds 4 times the "
			"pixel limit");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_data_func("/probe/jpeg", &jpeg_table, test_table);
	g_test_add_data_func("/probe/png", &png_table, test_table);
	g_test_add_data_func("/probe/gif", &gif_table, test_table);
	g_test_add_data_func("/probe/webp", &webp_table, test_table);
	g_test_add_data_func("/probe/avif-svg-other", &sniffed_table,
			     test_table);
	g_test_add_func("/probe/sniffed-needs-first-chunk",
			test_sniffed_needs_first_chunk);
	g_test_add_func("/probe/check-unsafe", test_check_unsafe);
	g_test_add_func("/probe/check-unsafe-bad-gif",
			test_check_unsafe_bad_gif);
	g_test_add_func("/probe/check-size-and-frames",
			test_check_size_and_frames);
	return g_test_run();
}
