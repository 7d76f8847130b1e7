/*
 * test_provenance.c: a variant's provenance line (provenance.c): the line
 * formatted and parsed back, malformed lines refused; stamped into JPEG,
 * PNG and GIF files, found again in the header bytes (WebP: the last
 * bytes), with what the header probe and libvips say unchanged, the
 * file still decoding and ending whole (and not once cut); found after
 * other comments; not found in files cut short or with a bad CRC; and
 * never stamped where a format has no place for it.
 */
#include "imgopt/imgopt.h"

#include <string.h>

#include "hash.h"
#include "image.h"
#include "probe.h"
#include "provenance.h"
#include "testutil.h"

static ImgoptProvenance
sample(void)
{
	ImgoptProvenance prov = {0};

	g_assert_true(imgopt_hash_parse("001c4f6096d57b807943e4c3ef505eb2",
					&prov.source));
	imgopt_provenance_settings_id("v3;w=480,960,1600;f=jpeg;q=80",
				      prov.settings);
	prov.width = 960;
	prov.format = IMGOPT_FORMAT_JPEG;
	prov.n_variants = 3;
	return prov;
}

static void
test_format_parse(void)
{
	ImgoptProvenance prov = sample(), back;
	g_autofree char *line = imgopt_provenance_format(&prov);

	g_assert_true(g_str_has_prefix(
		line, "imgopt:v1 src=001c4f6096d57b807943e4c3ef505eb2 set="));
	g_assert_true(g_str_has_suffix(line, " w=960 f=jpeg n=3"));
	g_assert_cmpuint(strlen(line), <, 100);
	g_assert_true(imgopt_provenance_parse(line, &back));
	g_assert_true(imgopt_hash_equal(&back.source, &prov.source));
	g_assert_cmpstr(back.settings, ==, prov.settings);
	g_assert_cmpuint(back.width, ==, 960);
	g_assert_cmpint(back.format, ==, IMGOPT_FORMAT_JPEG);
	g_assert_cmpuint(back.n_variants, ==, 3);
}

static void
test_parse_refuses(void)
{
	static const char *const bad[] = {
		"",
		"imgopt:v1 ",
		"imgopt:v2 src=001c4f6096d57b807943e4c3ef505eb2 "
		"set=0123456789abcdef "
		"w=1 f=png n=1",
		"imgopt:v1 src=001c4f6096d57b807943e4c3ef505eb2 "
		"set=0123456789abcdef "
		"w=1 f=png",
		"imgopt:v1 src=001c4f6096d57b807943e4c3ef505eb2 "
		"set=0123456789abcdef "
		"w=1 f=png n=1 x=2",
		"imgopt:v1 src=001c4f6096d57b807943e4c3ef505eb2 "
		"set=0123456789abcdef "
		"w=1 f=png n=1 ",
		"imgopt:v1 set=0123456789abcdef "
		"src=001c4f6096d57b807943e4c3ef505eb2 "
		"w=1 f=png n=1",
		"imgopt:v1 src=001c4f6096d57b80 set=0123456789abcdef w=1 f=png "
		"n=1",
		"imgopt:v1 src=001c4f6096d57b807943e4c3ef505eb2 "
		"set=0123456789abcdeg "
		"w=1 f=png n=1",
		"imgopt:v1 src=001c4f6096d57b807943e4c3ef505eb2 "
		"set=0123456789abcdef "
		"w=0 f=png n=1",
		"imgopt:v1 src=001c4f6096d57b807943e4c3ef505eb2 "
		"set=0123456789abcdef "
		"w=-5 f=png n=1",
		"imgopt:v1 src=001c4f6096d57b807943e4c3ef505eb2 "
		"set=0123456789abcdef "
		"w=1 f=bmp n=1",
		"imgopt:v1 src=001c4f6096d57b807943e4c3ef505eb2 "
		"set=0123456789abcdef "
		"w=1 f=png n=",
	};
	ImgoptProvenance prov;

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_test_message("%s", bad[i]);
		g_assert_false(imgopt_provenance_parse(bad[i], &prov));
	}
}

/* The probe says the same of @s (@n bytes) as @before. */
static void
assert_same_facts(const uint8_t *s, gsize n, const ImgoptProbeFacts *before)
{
	ImgoptProbeFacts after;

	imgopt_probe_buffer(s, n, &after);
	g_assert_cmpint(after.format, ==, before->format);
	g_assert_cmpuint(after.width, ==, before->width);
	g_assert_cmpuint(after.height, ==, before->height);
	g_assert_cmpuint(after.n_frames, ==, before->n_frames);
}

/* @s (@n bytes) ends whole, and not once its last byte is cut. */
static void
assert_ends_whole(ImgoptFormat format, const uint8_t *s, gsize n)
{
	g_assert_true(imgopt_provenance_ends_whole(format, s, n, s, n, n));
	g_assert_false(imgopt_provenance_ends_whole(format, s, n - 1, s, n - 1,
						    n - 1));
}

/* @s (@n bytes) decodes: its variants can be made. */
static void
assert_decodes(const char *name, const uint8_t *s, gsize n)
{
	g_auto(ImgoptSettings) settings = {0};
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_encoded_free);
	g_autoptr(GError) error = NULL;
	ImgoptHash hash;

	imgopt_settings_init(&settings);
	imgopt_hash_buffer(s, n, &hash);
	g_assert_true(imgopt_recompress_buffer(name, s, n, &hash, &settings,
					       out, &error));
	g_assert_no_error(error);
}

/* Stamps the fixture @name; checks that the line is read back from the
 * head, that the probe's facts did not change, that the stamp costs the
 * line and its framing only, and that the file still decodes. */
static void
test_stamp_file(gconstpointer data)
{
	const char *name = data;
	g_autofree char *path = tu_fixture("sites", "rewrite-basic", "input",
					   "postimg", name, NULL);
	gsize len = 0;
	g_autofree char *bytes = tu_read(path, &len);
	ImgoptProbeFacts before;
	ImgoptProvenance prov = sample();

	imgopt_probe_buffer(bytes, len, &before);
	prov.format = before.format;
	g_autofree char *line = imgopt_provenance_format(&prov);
	g_assert_null(imgopt_provenance_read(bytes, len));
	g_autoptr(GBytes) stamped =
		imgopt_provenance_stamp(before.format, bytes, len, line);
	g_assert_nonnull(stamped);
	gsize n = 0;
	const uint8_t *s = g_bytes_get_data(stamped, &n);
	g_assert_cmpuint(n - len, <=, strlen(line) + 19);
	g_autofree char *got =
		imgopt_provenance_read(s, MIN(n, IMGOPT_PROVENANCE_HEAD));
	g_assert_cmpstr(got, ==, line);
	assert_same_facts(s, n, &before);
	assert_ends_whole(before.format, s, n);

	assert_decodes(name, s, n);
	/* cut before the line ends: not found */
	g_assert_null(imgopt_provenance_read(s, n - len));
}

/* Stamps the WebP @name of the probe corpus: the line is read back from
 * the tail, the header facts and libvips' view (size, alpha, frames)
 * are unchanged, and the file still decodes. */
static void
test_stamp_webp(gconstpointer data)
{
	g_autofree char *path = tu_fixture("probe-corpus", data, NULL);
	gsize len = 0;
	g_autofree char *bytes = tu_read(path, &len);
	ImgoptProbeFacts before;
	ImgoptImageInfo vips_before, vips_after;
	ImgoptProvenance prov = sample();
	g_autoptr(GError) error = NULL;

	imgopt_probe_buffer(bytes, len, &before);
	prov.format = IMGOPT_FORMAT_WEBP;
	g_autofree char *line = imgopt_provenance_format(&prov);
	g_assert_null(imgopt_provenance_read_tail(bytes, len));
	g_autoptr(GBytes) stamped =
		imgopt_provenance_stamp(IMGOPT_FORMAT_WEBP, bytes, len, line);
	g_assert_nonnull(stamped);
	gsize n = 0;
	const uint8_t *s = g_bytes_get_data(stamped, &n);
	g_assert_cmpuint(n - len, <=, strlen(line) + 8 + 1 + 18);
	gsize tail = MIN(n, (gsize)IMGOPT_PROVENANCE_TAIL);
	g_autofree char *got = imgopt_provenance_read_tail(s + n - tail, tail);
	g_assert_cmpstr(got, ==, line);
	assert_same_facts(s, n, &before);
	assert_ends_whole(before.format, s, n);
	g_assert_true(imgopt_vips_probe(bytes, len, IMGOPT_DEFAULT_MAX_PIXELS,
					&vips_before, &error));
	g_assert_true(imgopt_vips_probe(s, n, IMGOPT_DEFAULT_MAX_PIXELS,
					&vips_after, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(vips_after.width, ==, vips_before.width);
	g_assert_cmpuint(vips_after.height, ==, vips_before.height);
	g_assert_cmpint(vips_after.has_alpha, ==, vips_before.has_alpha);
	g_assert_cmpuint(vips_after.n_frames, ==, vips_before.n_frames);

	assert_decodes(data, s, n);
}

/* JPEG SOI, an APP0 and a COM of someone else's, then ours. */
static void
test_read_after_other_comments(void)
{
	ImgoptProvenance prov = sample();
	g_autofree char *line = imgopt_provenance_format(&prov);
	const uint8_t jpeg[] = "\xff\xd8\xff\xe0\0\x04"
			       "ab\xff\xfe\0\x05xyz"
			       "\xff\xc0\0\x11\x08\0\x30\0\x40\x03";
	g_autoptr(GString) file = g_string_new_len((const char *)jpeg, 2);
	g_autoptr(GBytes) inner = imgopt_provenance_stamp(
		IMGOPT_FORMAT_JPEG, jpeg, sizeof(jpeg) - 1, line);
	gsize n = 0;
	const char *s = g_bytes_get_data(inner, &n);

	/* move our COM after the others: SOI, APP0, COM, ours, SOF */
	gsize ours = 4 + strlen(line);
	g_string_append_len(file, s + 2 + ours, 6 + 7);
	g_string_append_len(file, s + 2, (gssize)ours);
	g_string_append_len(file, s + 2 + ours + 13,
			    (gssize)(n - 2 - ours - 13));
	g_autofree char *got = imgopt_provenance_read(file->str, file->len);
	g_assert_cmpstr(got, ==, line);

	/* a GIF comment that is not ours, then ours */
	const uint8_t gif[] = "GIF89a\x10\0\x08\0\0\0\0\x21\xfe\x02hi\0"
			      "\x2c\0\0\0\0\x04\0\x04\0\0\x02\x02\xaa\xbb\0;";
	g_autoptr(GBytes) g = imgopt_provenance_stamp(IMGOPT_FORMAT_GIF, gif,
						      sizeof(gif) - 1, line);
	const char *gs = g_bytes_get_data(g, &n);
	g_autoptr(GString) moved = g_string_new_len(gs, 13);
	g_string_append_len(moved, gs + 13 + 4 + strlen(line), 6);
	g_string_append_len(moved, gs + 13, (gssize)(4 + strlen(line)));
	g_string_append_len(moved, gs + 13 + 4 + strlen(line) + 6,
			    (gssize)(n - 13 - 4 - strlen(line) - 6));
	g_autofree char *got_gif =
		imgopt_provenance_read(moved->str, moved->len);
	g_assert_cmpstr(got_gif, ==, line);
}

static void
test_refused(void)
{
	ImgoptProvenance prov = sample();
	g_autofree char *line = imgopt_provenance_format(&prov);
	const char gif87[] = "GIF87a\x10\0\x08\0\0\0\0;";
	const char webp[] = "RIFF\x10\0\0\0WEBPVP8L";
	const char avif[] = "\0\0\0\x1c"
			    "ftypavif";
	const char not_png[] = "\x89PNG\r\n\x1a\n\0\0\0\x04IHDR";

	g_assert_null(imgopt_provenance_stamp(IMGOPT_FORMAT_GIF, gif87,
					      sizeof(gif87) - 1, line));
	g_assert_null(imgopt_provenance_stamp(IMGOPT_FORMAT_WEBP, webp,
					      sizeof(webp) - 1, line));
	g_assert_null(imgopt_provenance_stamp(IMGOPT_FORMAT_AVIF, avif,
					      sizeof(avif) - 1, line));
	g_assert_null(imgopt_provenance_stamp(IMGOPT_FORMAT_PNG, not_png,
					      sizeof(not_png) - 1, line));
	g_assert_null(
		imgopt_provenance_stamp(IMGOPT_FORMAT_JPEG, "GIF8", 4, line));
}

/* A PNG whose tEXt CRC is wrong: not trusted. */
static void
test_png_bad_crc(void)
{
	g_autofree char *path = tu_fixture("sites", "rewrite-basic", "input",
					   "postimg", "small.png", NULL);
	gsize len = 0;
	g_autofree char *bytes = tu_read(path, &len);
	ImgoptProvenance prov = sample();
	g_autofree char *line = imgopt_provenance_format(&prov);
	g_autoptr(GBytes) stamped =
		imgopt_provenance_stamp(IMGOPT_FORMAT_PNG, bytes, len, line);
	gsize n = 0;
	g_autofree uint8_t *copy = g_memdup2(g_bytes_get_data(stamped, &n),
					     g_bytes_get_size(stamped));

	copy[33 + 8 + 7 + 20] ^= 1; /* a byte of the line */
	g_assert_null(imgopt_provenance_read(copy, n));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_assert_true(imgopt_init(argv[0], NULL));
	g_test_add_func("/provenance/format-parse", test_format_parse);
	g_test_add_func("/provenance/parse-refuses", test_parse_refuses);
	g_test_add_data_func("/provenance/stamp/jpeg", "photo.jpg",
			     test_stamp_file);
	g_test_add_data_func("/provenance/stamp/png", "small.png",
			     test_stamp_file);
	g_test_add_data_func("/provenance/stamp/gif", "anim.gif",
			     test_stamp_file);
	g_test_add_data_func("/provenance/stamp/webp-lossy",
			     "wuffs__hat.lossy.webp", test_stamp_webp);
	g_test_add_data_func("/provenance/stamp/webp-lossless",
			     "wuffs__bricks-dither.lossless.webp",
			     test_stamp_webp);
	g_test_add_data_func("/provenance/stamp/webp-extended-alpha",
			     "pillow__transparent.webp", test_stamp_webp);
	g_test_add_data_func(
		"/provenance/stamp/webp-lossless-alpha",
		"imagers__images__webp__lossless_images__2-color.webp",
		test_stamp_webp);
	g_test_add_data_func(
		"/provenance/stamp/webp-animated",
		"imagers__images__webp__extended_images__anim.webp",
		test_stamp_webp);
	g_test_add_func("/provenance/read-after-other-comments",
			test_read_after_other_comments);
	g_test_add_func("/provenance/refused", test_refused);
	g_test_add_func("/provenance/png-bad-crc", test_png_bad_crc);
	return g_test_run();
}
