/*
 * test_index.c: format sniffing and header facts (badimages/INDEX.tsv,
 * images made with vips, hand-built headers), the XXH3-128 digest, and
 * the files the index must refuse or survive: zero bytes, FIFOs, devices,
 * symlinks and their loops, files that vanish, grow or are replaced, and
 * names that are not UTF-8.
 */
#include "imgopt/imgopt.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "hash.h"
#include "testutil.h"

/* ---- helpers ---- */

static ImgoptAsset *
index_ok(const char *root, const char *rel)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptAsset) a = imgopt_index_stat(root, rel, &error);
	uint64_t n = 0;

	g_assert_no_error(error);
	g_assert_true(imgopt_index_read(root, a, &n, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(n, ==, a->size);
	return g_steal_pointer(&a);
}

static void
write_bytes(const char *path, const void *data, gsize len)
{
	g_autoptr(GError) error = NULL;

	g_file_set_contents(path, data, (gssize)len, &error);
	g_assert_no_error(error);
}

static ImgoptAsset *
probe(const void *data, gsize len)
{
	ImgoptAsset *a = imgopt_asset_new("mem");

	imgopt_index_probe_buffer(data, len, a);
	return a;
}

static char *
hex_of(const ImgoptHash *h)
{
	char *hex = g_malloc(IMGOPT_HASH_HEX_LEN + 1);

	imgopt_hash_format(h, hex);
	return hex;
}

/* ---- INDEX.tsv ---- */

static ImgoptFormat
format_of_index(const char *name)
{
	if (strcmp(name, "jpg") == 0)
		return IMGOPT_FORMAT_JPEG;
	if (strcmp(name, "png") == 0)
		return IMGOPT_FORMAT_PNG;
	if (strcmp(name, "gif") == 0)
		return IMGOPT_FORMAT_GIF;
	if (strcmp(name, "webp") == 0)
		return IMGOPT_FORMAT_WEBP;
	return IMGOPT_FORMAT_UNKNOWN; /* "empty", "unknown" */
}

/* Rows whose listed dimensions we do not reproduce, and why. */
static bool
dims_exempt(const char *file)
{
	/* The first chunk is not IHDR (its type bytes are garbage); INDEX.tsv
	 * read the bytes at IHDR's offset anyway.  We report 0x0. */
	return strcmp(file, "pillow__broken.png") == 0;
}

static void
check_index_row(const char *dir, char **f)
{
	g_autoptr(ImgoptAsset) a = index_ok(dir, f[0]);
	g_auto(GStrv) facts = g_strsplit(f[5], ";", -1);
	guint w = 0, h = 0;
	const char *frames = strstr(f[5], "frames=");

	g_test_message("%s: %s %ux%u frames %u", f[0],
		       imgopt_format_name(a->format), a->width, a->height,
		       a->n_frames);
	g_assert_cmpstr(imgopt_format_name(a->format), ==,
			imgopt_format_name(format_of_index(f[4])));
	if (facts[0] != NULL && sscanf(facts[0], "%ux%u", &w, &h) == 2 &&
	    !dims_exempt(f[0])) {
		g_assert_cmpuint(a->width, ==, w);
		g_assert_cmpuint(a->height, ==, h);
	}
	if (frames != NULL)
		g_assert_cmpuint(a->n_frames, ==,
				 (guint)g_ascii_strtoull(frames + 7, NULL, 10));
	if (strstr(f[5], "apng") != NULL &&
	    strstr(f[1], "actl_after_idat") == NULL)
		g_assert_cmpuint(a->n_frames, >=, 1);
}

static void
test_badimages_index(void)
{
	g_autofree char *dir = tu_shared("badimages", NULL);
	g_autofree char *tsv = NULL;
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	guint checked = 0;

	if (dir == NULL) {
		g_test_skip("shared folder missing");
		return;
	}
	tsv = g_build_filename(dir, "INDEX.tsv", NULL);
	text = tu_read(tsv, NULL);
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 1; lines[i] != NULL; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], "\t", -1);

		if (g_strv_length(f) < 7)
			continue;
		check_index_row(dir, f);
		checked++;
	}
	g_assert_cmpuint(checked, >, 250);
}

static void
test_lying_extensions(void)
{
	g_autofree char *dir = tu_shared("badimages", NULL);
	struct {
		const char *file;
		ImgoptFormat format;
	} cases[] = {
		{"mzlogin__images__posts__gecko__plugin_dll.gif",
		 IMGOPT_FORMAT_JPEG},
		{"jalammar__images__google-tensorflow-android.jpg",
		 IMGOPT_FORMAT_PNG},
		{"chenquan__img__favicon2.ico", IMGOPT_FORMAT_PNG},
		{"synthetic__webp-content-named.jpeg", IMGOPT_FORMAT_WEBP},
		{"synthetic__gif-content-named.jpg", IMGOPT_FORMAT_GIF},
	};

	if (dir == NULL) {
		g_test_skip("shared folder missing");
		return;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(ImgoptAsset) a = index_ok(dir, cases[i].file);

		g_assert_cmpint(a->format, ==, cases[i].format);
	}
}

/* ---- images made with vips ---- */

static void
test_vips_formats(void)
{
	g_autofree char *dir = tu_tmpdir();
	struct {
		const char *name;
		ImgoptFormat format;
	} cases[] = {
		{"a.jpg", IMGOPT_FORMAT_JPEG},  {"a.png", IMGOPT_FORMAT_PNG},
		{"a.gif", IMGOPT_FORMAT_GIF},   {"a.webp", IMGOPT_FORMAT_WEBP},
		{"a.avif", IMGOPT_FORMAT_AVIF}, {"a.tif", IMGOPT_FORMAT_OTHER},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *path =
			g_build_filename(dir, cases[i].name, NULL);
		g_autofree char *lying =
			g_strconcat(cases[i].name, ".jpeg", NULL);
		g_autofree char *lying_path =
			g_build_filename(dir, lying, NULL);
		const char *argv[] = {"black", path, "37", "21", NULL};
		g_autoptr(ImgoptAsset) a = NULL;
		g_autoptr(ImgoptAsset) b = NULL;

		tu_vips(argv);
		a = index_ok(dir, cases[i].name);
		g_assert_cmpint(a->format, ==, cases[i].format);
		if (cases[i].format != IMGOPT_FORMAT_OTHER) {
			g_assert_cmpuint(a->width, ==, 37);
			g_assert_cmpuint(a->height, ==, 21);
			g_assert_cmpuint(a->n_frames, ==, 1);
		}
		/* The same bytes under a lying name: the same facts. */
		g_assert_cmpint(g_rename(path, lying_path), ==, 0);
		b = index_ok(dir, lying);
		g_assert_cmpint(b->format, ==, a->format);
		g_assert_true(imgopt_hash_equal(&a->hash, &b->hash));
	}
	tu_rmtree(dir);
}

/* ---- hand-built headers ---- */

static void
test_svg(void)
{
	static const char svg[] =
		"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- a comment -->\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"120px\" "
		"height='80'><rect/></svg>\n";
	static const char html[] = "<html><body>no svg here</body></html>";
	static const char text[] = "hello <svg> but not markup first";
	g_autoptr(ImgoptAsset) a = probe(svg, sizeof svg - 1);
	g_autoptr(ImgoptAsset) b = probe(html, sizeof html - 1);
	g_autoptr(ImgoptAsset) c = probe(text, sizeof text - 1);

	g_assert_cmpint(a->format, ==, IMGOPT_FORMAT_SVG);
	g_assert_cmpuint(a->width, ==, 120);
	g_assert_cmpuint(a->height, ==, 80);
	g_assert_cmpint(b->format, ==, IMGOPT_FORMAT_UNKNOWN);
	g_assert_cmpint(c->format, ==, IMGOPT_FORMAT_UNKNOWN);
}

static void
test_other_formats(void)
{
	uint8_t bmp[54] = {'B', 'M'};
	static const uint8_t ico[] = {0, 0, 1, 0, 1, 0, 16, 16};
	static const uint8_t tiff[] = {'M', 'M', 0, '*', 0, 0, 0, 8};
	g_autoptr(ImgoptAsset) a = NULL;
	g_autoptr(ImgoptAsset) b = probe(ico, sizeof ico);
	g_autoptr(ImgoptAsset) c = probe(tiff, sizeof tiff);
	g_autoptr(ImgoptAsset) d = probe("BMxx", 4);

	bmp[14] = 40;   /* BITMAPINFOHEADER */
	bmp[18] = 0x40; /* width 320 */
	bmp[19] = 0x01;
	bmp[22] = 0x10, bmp[23] = 0xFF, bmp[24] = 0xFF,
	bmp[25] = 0xFF; /* -240 */
	a = probe(bmp, sizeof bmp);
	g_assert_cmpint(a->format, ==, IMGOPT_FORMAT_OTHER);
	g_assert_cmpuint(a->width, ==, 320);
	g_assert_cmpuint(a->height, ==, 240);
	g_assert_cmpint(b->format, ==, IMGOPT_FORMAT_OTHER);
	g_assert_cmpint(c->format, ==, IMGOPT_FORMAT_OTHER);
	g_assert_cmpint(d->format, ==, IMGOPT_FORMAT_UNKNOWN);
}

static void
append_le32(GByteArray *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			(uint8_t)(v >> 24)};

	g_byte_array_append(b, x, 4);
}

static void
test_webp_animated(void)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	static const uint8_t vp8x[10] = {0x02, 0, 0,    0, 0x3F,
					 0x01, 0, 0xC7, 0, 0};
	uint8_t frame[16] = {0};
	g_autoptr(ImgoptAsset) a = NULL;

	g_byte_array_append(b, (const guint8 *)"RIFF\0\0\0\0WEBPVP8X", 16);
	append_le32(b, 10);
	g_byte_array_append(b, vp8x, 10);
	g_byte_array_append(b, (const guint8 *)"ANIM", 4);
	append_le32(b, 6);
	g_byte_array_append(b, frame, 6);
	for (int i = 0; i < 3; i++) {
		g_byte_array_append(b, (const guint8 *)"ANMF", 4);
		append_le32(b, 15); /* odd: padded to 16 */
		g_byte_array_append(b, frame, 16);
	}
	a = probe(b->data, b->len);
	g_assert_cmpint(a->format, ==, IMGOPT_FORMAT_WEBP);
	g_assert_cmpuint(a->width, ==, 320);
	g_assert_cmpuint(a->height, ==, 200);
	g_assert_cmpuint(a->n_frames, ==, 3);
}

/* A GIF of @n tiny frames, each with a two-sub-block image. */
static GByteArray *
gif_with_frames(guint n)
{
	GByteArray *b = g_byte_array_new();
	static const uint8_t head[] = {'G', 'I', 'F', '8',  '9', 'a', 4,
				       0,   3,   0,   0x80, 0,   0,   0,
				       0,   0,   255, 255,  255};
	static const uint8_t frame[] = {0x21, 0xF9, 4, 0, 0, 0, 0, 0, 0x2C,
					0,    0,    0, 0, 4, 0, 3, 0, 0,
					2,    3,    1, 2, 3, 2, 9, 9, 0};

	g_byte_array_append(b, head, sizeof head);
	for (guint i = 0; i < n; i++)
		g_byte_array_append(b, frame, sizeof frame);
	g_byte_array_append(b, (const guint8 *)";", 1);
	return b;
}

static void
test_gif_frames_counted(void)
{
	g_autoptr(GByteArray) small = gif_with_frames(3);
	g_autoptr(GByteArray) big = gif_with_frames(50000);
	g_autoptr(ImgoptAsset) a = probe(small->data, small->len);
	g_autoptr(ImgoptAsset) b = probe(big->data, big->len);
	g_autoptr(ImgoptAsset) c = probe(big->data, big->len / 2);

	g_assert_cmpint(a->format, ==, IMGOPT_FORMAT_GIF);
	g_assert_cmpuint(a->width, ==, 4);
	g_assert_cmpuint(a->height, ==, 3);
	g_assert_cmpuint(a->n_frames, ==, 3);
	g_assert_cmpuint(b->n_frames, ==, 50000);
	/* Truncated: the frames seen so far. */
	g_assert_cmpuint(c->n_frames, >, 20000);
	g_assert_cmpuint(c->n_frames, <, 30000);
}

static void
test_gif_frames_across_chunks(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "many.gif", NULL);
	g_autoptr(GByteArray) big = gif_with_frames(40000); /* > 1 MB */
	g_autoptr(ImgoptAsset) a = NULL;

	g_assert_cmpuint(big->len, >, 3 * IMGOPT_INDEX_CHUNK);
	write_bytes(path, big->data, big->len);
	a = index_ok(dir, "many.gif");
	g_assert_cmpuint(a->n_frames, ==, 40000);
	tu_rmtree(dir);
}

static void
test_apng_frames(void)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	static const uint8_t sig[] = {0x89, 'P',  'N',  'G',
				      '\r', '\n', 0x1a, '\n'};
	static const uint8_t ihdr[] = {0, 0, 0, 13, 'I', 'H', 'D',  'R', 0,
				       0, 1, 0, 0,  0,   0,   0x80, 8,   6,
				       0, 0, 0, 1,  2,   3,   4};
	static const uint8_t actl[] = {0, 0, 0, 8, 'a', 'c', 'T', 'L', 0, 0,
				       0, 7, 0, 0, 0,   0,   1,   2,   3, 4};
	g_autoptr(ImgoptAsset) a = NULL;

	g_byte_array_append(b, sig, sizeof sig);
	g_byte_array_append(b, ihdr, sizeof ihdr);
	g_byte_array_append(b, actl, sizeof actl);
	a = probe(b->data, b->len);
	g_assert_cmpint(a->format, ==, IMGOPT_FORMAT_PNG);
	g_assert_cmpuint(a->width, ==, 256);
	g_assert_cmpuint(a->height, ==, 128);
	g_assert_cmpuint(a->n_frames, ==, 7);
}

/* The SOF sits behind 1 MB of APP segments: found across read chunks. */
static void
test_jpeg_sof_after_big_segments(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "icc.jpg", NULL);
	g_autoptr(GByteArray) b = g_byte_array_new();
	g_autofree uint8_t *payload = g_malloc0(65533);
	static const uint8_t sof[] = {0xFF, 0xC2, 0, 11,   8, 0x01, 0x2C, 0x02,
				      0x58, 1,    1, 0x11, 0, 0xFF, 0xD9};
	g_autoptr(ImgoptAsset) a = NULL;

	g_byte_array_append(b, (const guint8 *)"\xFF\xD8", 2);
	for (int i = 0; i < 16; i++) {
		static const uint8_t app2[] = {0xFF, 0xE2, 0xFF, 0xFF};

		g_byte_array_append(b, app2, 4);
		g_byte_array_append(b, payload, 65533);
	}
	g_byte_array_append(b, sof, sizeof sof);
	write_bytes(path, b->data, b->len);
	a = index_ok(dir, "icc.jpg");
	g_assert_cmpint(a->format, ==, IMGOPT_FORMAT_JPEG);
	g_assert_cmpuint(a->width, ==, 600);
	g_assert_cmpuint(a->height, ==, 300);
	tu_rmtree(dir);
}

/* A header-only probe seeks over 192 KB of APP segments: it finds the
 * SOF having read one window per segment, and leaves the hash unknown. */
static void
test_probe_file_seeks(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "big.jpg", NULL);
	g_autoptr(GByteArray) b = g_byte_array_new();
	g_autofree uint8_t *payload = g_malloc0(65533);
	static const uint8_t sof[] = {0xFF, 0xC0, 0, 11,   8, 0x00, 0x10, 0x00,
				      0x20, 1,    1, 0x11, 0, 0xFF, 0xD9};
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptAsset) a = NULL;
	g_autoptr(GByteArray) gif = NULL;
	g_autoptr(ImgoptAsset) g = NULL;
	uint64_t n = 0;

	g_byte_array_append(b, (const guint8 *)"\xFF\xD8", 2);
	for (int i = 0; i < 3; i++) {
		static const uint8_t app1[] = {0xFF, 0xE1, 0xFF, 0xFF};

		g_byte_array_append(b, app1, 4);
		g_byte_array_append(b, payload, 65533);
	}
	g_byte_array_append(b, sof, sizeof sof);
	write_bytes(path, b->data, b->len);
	a = imgopt_index_stat(dir, "big.jpg", &error);
	g_assert_true(imgopt_index_probe_file(dir, a, &n, &error));
	g_assert_no_error(error);
	g_assert_cmpint(a->format, ==, IMGOPT_FORMAT_JPEG);
	g_assert_cmpuint(a->width, ==, 32);
	g_assert_cmpuint(a->height, ==, 16);
	g_assert_false(a->has_hash);
	g_assert_cmpuint(n, >, 0);
	g_assert_cmpuint(n, <=, 4 * IMGOPT_INDEX_PROBE_WINDOW);
	/* A GIF whose frames run past the budget: screen size, frames unknown.
	 */
	gif = gif_with_frames(40000);
	write_bytes(path, gif->data, gif->len);
	g = imgopt_index_stat(dir, "big.jpg", &error);
	g_assert_true(imgopt_index_probe_file(dir, g, &n, &error));
	g_assert_cmpint(g->format, ==, IMGOPT_FORMAT_GIF);
	g_assert_cmpuint(g->width, ==, 4);
	g_assert_cmpuint(g->n_frames, ==, 0);
	g_assert_cmpuint(n, ==, IMGOPT_INDEX_PROBE_BUDGET);
	tu_rmtree(dir);
}

/* ---- hashing ---- */

static void
test_zero_byte_file(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "empty.jpg", NULL);
	g_autoptr(ImgoptAsset) a = NULL;
	g_autofree char *hex = NULL;

	write_bytes(path, "", 0);
	a = index_ok(dir, "empty.jpg");
	g_assert_cmpuint(a->size, ==, 0);
	g_assert_cmpint(a->format, ==, IMGOPT_FORMAT_UNKNOWN);
	g_assert_true(a->has_hash);
	/* XXH3-128 of no bytes, canonical (as `xxhsum -H2` prints it). */
	hex = hex_of(&a->hash);
	g_assert_cmpstr(hex, ==, "99aa06d3014798d86001c324468d497f");
	tu_rmtree(dir);
}

static void
test_streaming_hash_matches_oneshot(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "big.bin", NULL);
	gsize len = 3 * IMGOPT_INDEX_CHUNK + 12345;
	g_autofree uint8_t *data = g_malloc(len);
	g_autoptr(ImgoptAsset) a = NULL;
	ImgoptHash expect;

	for (gsize i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 2654435761u >> 13);
	write_bytes(path, data, len);
	a = index_ok(dir, "big.bin");
	imgopt_hash_buffer(data, len, &expect);
	g_assert_true(imgopt_hash_equal(&a->hash, &expect));
	tu_rmtree(dir);
}

/* ---- files the index must refuse or survive ---- */

static void
assert_refused(const char *root, const char *rel, const char *what)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptAsset) a = imgopt_index_stat(root, rel, &error);

	g_assert_null(a);
	g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSUPPORTED);
	g_assert_nonnull(strstr(error->message, what));
	g_assert_nonnull(strstr(error->message, rel));
}

static void
test_fifo_never_opened(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *fifo = g_build_filename(dir, "pipe.jpg", NULL);
	g_autoptr(ImgoptAsset) fake = imgopt_asset_new("pipe.jpg");
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(mkfifo(fifo, 0644), ==, 0);
	assert_refused(dir, "pipe.jpg", "FIFO");
	/* Even if a caller skips the stat, reading refuses without blocking. */
	g_assert_false(imgopt_index_read(dir, fake, NULL, &error));
	g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSUPPORTED);
	tu_rmtree(dir);
}

static void
test_device_refused(void)
{
	assert_refused("/dev", "null", "device");
	assert_refused("/", "tmp", "folder");
}

static void
test_symlinks_not_followed(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *real = g_build_filename(dir, "real.jpg", NULL);
	g_autofree char *link = g_build_filename(dir, "link.jpg", NULL);
	g_autofree char *loop_a = g_build_filename(dir, "loop_a.jpg", NULL);
	g_autofree char *loop_b = g_build_filename(dir, "loop_b.jpg", NULL);
	g_autofree char *dangling = g_build_filename(dir, "dangling.jpg", NULL);
	g_autoptr(ImgoptAsset) fake = imgopt_asset_new("loop_a.jpg");
	g_autoptr(GError) error = NULL;

	write_bytes(real, "x", 1);
	g_assert_cmpint(symlink("real.jpg", link), ==, 0);
	g_assert_cmpint(symlink("loop_b.jpg", loop_a), ==, 0);
	g_assert_cmpint(symlink("loop_a.jpg", loop_b), ==, 0);
	g_assert_cmpint(symlink("gone.jpg", dangling), ==, 0);
	assert_refused(dir, "link.jpg", "symbolic link");
	assert_refused(dir, "loop_a.jpg", "symbolic link");
	assert_refused(dir, "dangling.jpg", "symbolic link");
	/* O_NOFOLLOW: a loop fails at once (ELOOP), never spins. */
	g_assert_false(imgopt_index_read(dir, fake, NULL, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_LOOP);
	tu_rmtree(dir);
}

static void
test_vanished(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "v.jpg", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptAsset) a = NULL;
	g_autoptr(ImgoptAsset) none = NULL;

	write_bytes(path, "abc", 3);
	a = imgopt_index_stat(dir, "v.jpg", &error);
	g_assert_cmpint(g_unlink(path), ==, 0);
	g_assert_false(imgopt_index_read(dir, a, NULL, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_assert_nonnull(strstr(error->message, "vanished"));
	g_clear_error(&error);
	none = imgopt_index_stat(dir, "v.jpg", &error);
	g_assert_null(none);
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	tu_rmtree(dir);
}

static void
test_changed_or_replaced(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "c.jpg", NULL);
	g_autofree char *other = g_build_filename(dir, "other.jpg", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptAsset) a = NULL;
	FILE *f = NULL;

	write_bytes(path, "abc", 3);
	a = imgopt_index_stat(dir, "c.jpg", &error);
	/* Grows between the stat and the read. */
	f = fopen(path, "ab");
	fputs("more", f);
	fclose(f);
	g_assert_false(imgopt_index_read(dir, a, NULL, &error));
	g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT);
	g_assert_nonnull(strstr(error->message, "changed while being read"));
	g_clear_error(&error);
	/* Replaced by another file (another inode) under the same name. */
	write_bytes(other, "abcmore", 7);
	g_assert_cmpint(g_rename(other, path), ==, 0);
	g_assert_false(imgopt_index_read(dir, a, NULL, &error));
	g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT);
	g_assert_nonnull(strstr(error->message, "replaced"));
	tu_rmtree(dir);
}

static void
test_non_utf8_name(void)
{
	g_autofree char *dir = tu_tmpdir();
	const char *name = "caf\xE9-\xFF.jpg";
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autoptr(ImgoptAsset) a = NULL;

	write_bytes(path, "\xFF\xD8\xFF\xD9", 4);
	a = index_ok(dir, name);
	g_assert_cmpstr(a->path, ==, name);
	g_assert_cmpint(a->format, ==, IMGOPT_FORMAT_JPEG);
	tu_rmtree(dir);
}

static void
test_unchanged_rule(void)
{
	g_autoptr(ImgoptAsset) a = imgopt_asset_new("a");
	g_autoptr(ImgoptAsset) b = NULL;

	a->size = 10, a->mtime_ns = 5, a->inode = 3, a->has_hash = true;
	b = imgopt_asset_copy(a);
	g_assert_true(imgopt_index_unchanged(a, b));
	b->mtime_ns = 6;
	g_assert_false(imgopt_index_unchanged(a, b));
	b->mtime_ns = 5, b->inode = 4;
	g_assert_false(imgopt_index_unchanged(a, b));
	b->inode = 3, b->size = 11;
	g_assert_false(imgopt_index_unchanged(a, b));
	/* Identity only: whether the hash is known is the caller's concern. */
	a->has_hash = false;
	b->size = 10;
	g_assert_true(imgopt_index_unchanged(a, b));
	g_assert_false(imgopt_index_unchanged(NULL, b));
}

/* Rewrites @path's bytes in place (same inode, same size) and moves its
 * mtime a second on, as any later write would. */
static void
rewrite_in_place(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	struct stat st;

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, text, strlen(text)), ==,
			(gssize)strlen(text));
	g_assert_cmpint(fstat(fd, &st), ==, 0);
	st.st_mtim.tv_sec += 1;
	struct timespec t[2] = {st.st_atim, st.st_mtim};
	g_assert_cmpint(futimens(fd, t), ==, 0);
	g_assert_cmpint(close(fd), ==, 0);
}

/* The first file of a pair is held between comparisons: the answers are
 * those of reading both, including after it changed in place, and for a
 * second file longer than the first; files above IMGOPT_INDEX_HOLD_MAX
 * are streamed. */
/* Writes @len bytes of @data to @dir/@name. */
static void
write_in(const char *dir, const char *name, const void *data, gsize len)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);

	write_bytes(path, data, len);
}

static void
test_files_equal_held(void)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *a = g_build_filename(dir, "a", NULL);
	gsize big = IMGOPT_INDEX_HOLD_MAX + 3;
	g_autofree uint8_t *data = g_malloc0(big);
	bool equal = false;
	g_autoptr(GError) error = NULL;

	write_in(dir, "a", "same bytes", 10);
	write_in(dir, "b", "same bytes", 10);
	write_in(dir, "c", "other byte", 10);
	write_in(dir, "long", "same bytes and more", 19);
	g_assert_true(imgopt_index_files_equal(dir, "a", "b", &equal, &error));
	g_assert_true(equal);
	g_assert_true(
		imgopt_index_files_equal(dir, "a", "long", &equal, &error));
	g_assert_false(equal);
	rewrite_in_place(a, "other byte");
	g_assert_true(imgopt_index_files_equal(dir, "a", "b", &equal, &error));
	g_assert_false(equal);
	g_assert_true(imgopt_index_files_equal(dir, "a", "c", &equal, &error));
	g_assert_true(equal);
	write_in(dir, "big1", data, big);
	write_in(dir, "big2", data, big);
	data[big - 1] = 1;
	write_in(dir, "big3", data, big);
	g_assert_true(
		imgopt_index_files_equal(dir, "big1", "big2", &equal, &error));
	g_assert_true(equal);
	g_assert_true(
		imgopt_index_files_equal(dir, "big1", "big3", &equal, &error));
	g_assert_false(equal);
	g_assert_no_error(error);
	tu_rmtree(dir);
}

static void
test_files_equal(void)
{
	g_autofree char *dir = tu_tmpdir();
	gsize len = 2 * IMGOPT_INDEX_CHUNK + 7;
	g_autofree uint8_t *data = g_malloc0(len);
	const char *names[] = {"a", "b", "c", "d"};
	bool equal = false;
	g_autoptr(GError) error = NULL;

	for (int i = 0; i < 4; i++) {
		g_autofree char *p = g_build_filename(dir, names[i], NULL);

		if (i == 2)
			data[len - 1] = 1; /* c differs in its last byte */
		write_bytes(p, data, i == 3 ? len - 1 : len); /* d is shorter */
	}
	g_assert_true(imgopt_index_files_equal(dir, "a", "b", &equal, &error));
	g_assert_true(equal);
	g_assert_true(imgopt_index_files_equal(dir, "a", "c", &equal, &error));
	g_assert_false(equal);
	g_assert_true(imgopt_index_files_equal(dir, "a", "d", &equal, &error));
	g_assert_false(equal);
	g_assert_false(
		imgopt_index_files_equal(dir, "a", "nope", &equal, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	tu_rmtree(dir);
}

/* Reads @name through @held and checks what it was matched with
 * (@want: NULL for not compared). */
static void
expect_matched(const char *dir, const char *name, ImgoptIndexHeld *held,
	       const char *want)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptAsset) a = imgopt_index_stat(dir, name, &error);
	g_autoptr(ImgoptAsset) b = imgopt_index_stat(dir, name, &error);
	g_autofree char *same_as = NULL;
	uint64_t n = 0;

	g_assert_nonnull(a);
	g_assert_true(
		imgopt_index_read_matched(dir, a, held, &same_as, &n, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(n, ==, a->size);
	/* The same hash and facts as a plain read. */
	g_assert_true(imgopt_index_read(dir, b, NULL, &error));
	g_assert_true(imgopt_hash_equal(&a->hash, &b->hash));
	g_assert_true(a->has_hash);
	g_assert_cmpint(a->format, ==, b->format);
	g_assert_cmpstr(same_as, ==, want);
}

static void
test_read_matched(void)
{
	g_autofree char *dir = tu_tmpdir();
	gsize len = IMGOPT_INDEX_CHUNK + 5;
	g_autofree uint8_t *data = g_malloc0(len);
	g_autoptr(ImgoptIndexHeld) held = imgopt_index_held_new(2 * len);
	g_autoptr(ImgoptIndexHeld) small = imgopt_index_held_new(len - 1);
	const char *names[] = {"a", "b", "c", "d", "e"};

	for (int i = 0; i < 5; i++) {
		g_autofree char *p = g_build_filename(dir, names[i], NULL);

		data[len - 1] = i == 2 ? 1 : i == 4 ? 2 : 0;  /* c, e differ */
		write_bytes(p, data, i == 3 ? len - 1 : len); /* d is shorter */
	}
	/* a is the first of its bytes, b the same bytes, c others. */
	expect_matched(dir, "a", held, "a");
	expect_matched(dir, "b", held, "a");
	expect_matched(dir, "c", held, "c");
	/* Nothing more fits: e is not compared, b still is. */
	expect_matched(dir, "e", held, NULL);
	expect_matched(dir, "b", held, "a");
	/* Another size: the class is dropped. */
	expect_matched(dir, "d", held, "d");
	expect_matched(dir, "b", held, "b");
	/* A budget smaller than the file: never compared. */
	expect_matched(dir, "a", small, NULL);
	expect_matched(dir, "b", small, NULL);
	tu_rmtree(dir);
}

static void
test_image_names(void)
{
	g_assert_true(imgopt_index_is_image_name("postimg/a.JPEG"));
	g_assert_true(imgopt_index_is_image_name("x.webp"));
	g_assert_false(imgopt_index_is_image_name("x.jpeg/readme"));
	g_assert_false(imgopt_index_is_image_name("notes.txt"));
	g_assert_false(imgopt_index_is_image_name("jpeg"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/index/badimages-index-tsv", test_badimages_index);
	g_test_add_func("/index/lying-extensions", test_lying_extensions);
	g_test_add_func("/index/vips-formats", test_vips_formats);
	g_test_add_func("/index/svg", test_svg);
	g_test_add_func("/index/bmp-ico-tiff-other", test_other_formats);
	g_test_add_func("/index/webp-animated-frames", test_webp_animated);
	g_test_add_func("/index/gif-frames-counted", test_gif_frames_counted);
	g_test_add_func("/index/gif-frames-across-chunks",
			test_gif_frames_across_chunks);
	g_test_add_func("/index/apng-frames", test_apng_frames);
	g_test_add_func("/index/jpeg-sof-after-big-segments",
			test_jpeg_sof_after_big_segments);
	g_test_add_func("/index/probe-file-seeks", test_probe_file_seeks);
	g_test_add_func("/index/zero-byte-file", test_zero_byte_file);
	g_test_add_func("/index/streaming-hash-matches-oneshot",
			test_streaming_hash_matches_oneshot);
	g_test_add_func("/index/fifo-never-opened", test_fifo_never_opened);
	g_test_add_func("/index/device-and-folder-refused",
			test_device_refused);
	g_test_add_func("/index/symlinks-and-loops-not-followed",
			test_symlinks_not_followed);
	g_test_add_func("/index/vanished", test_vanished);
	g_test_add_func("/index/changed-or-replaced", test_changed_or_replaced);
	g_test_add_func("/index/non-utf8-name", test_non_utf8_name);
	g_test_add_func("/index/unchanged-rule", test_unchanged_rule);
	g_test_add_func("/index/files-equal", test_files_equal);
	g_test_add_func("/index/files-equal-held", test_files_equal_held);
	g_test_add_func("/index/read-matched", test_read_matched);
	g_test_add_func("/index/image-names", test_image_names);
	return g_test_run();
}
