/*
 * test_recompress.c: stage 4.  Every variant decodes, has its width and
 * is smaller than its source; widths are never upscaled; animated GIFs
 * keep frames, delays and loop count; extra formats; the quality search;
 * and a second run over the same site encodes nothing.
 *
 * Photos are generated at test time with `vips`; animated GIFs come from
 * the shared edge-case collection.
 */
#include <string.h>

#include "imgopt/imgopt.h"

#include "gif.h"
#include "hash.h"
#include "image.h"
#include "testutil.h"

static char *tmp_dir;

/* A photo-like JPEG (noise plus gradients) of @w × @h at quality @q:
 * colour (the noise in one band), or @is_grey (noise on the gradient, the
 * same in every band: no colour edges, so the quality search runs). */
static char *
make_photo(const char *name, int w, int h, int q, bool is_grey)
{
	g_autofree char *noise = g_build_filename(tmp_dir, "noise.v", NULL);
	g_autofree char *grad = g_build_filename(tmp_dir, "grad.v", NULL);
	g_autofree char *lin = g_build_filename(tmp_dir, "lin.v", NULL);
	g_autofree char *mix = g_build_filename(tmp_dir, "mix.v", NULL);
	g_autofree char *ws = g_strdup_printf("%d", w);
	g_autofree char *hs = g_strdup_printf("%d", h);
	g_autofree char *bands = g_strdup_printf("%s %s %s", lin, noise, lin);
	char *path = g_build_filename(tmp_dir, name, NULL);
	g_autofree char *out = g_strdup_printf("%s[Q=%d]", path, q);
	const char *a1[] = {"gaussnoise", noise, ws, hs, "--sigma", "20", NULL};
	const char *a2[] = {"sines", grad, ws, hs, "--hfreq", "3", NULL};
	const char *a3[] = {"linear", grad, lin, "90", "120", NULL};
	const char *grey_add[] = {"add", lin, noise, mix, NULL};
	const char *grey_save[] = {"cast", mix, out, "uchar", NULL};
	const char *rgb_join[] = {"bandjoin", bands, mix, NULL};
	const char *rgb_save[] = {"copy", mix, out, "--interpretation",
				  "srgb", NULL};

	tu_vips(a1);
	tu_vips(a2);
	tu_vips(a3);
	tu_vips(is_grey ? grey_add : rgb_join);
	tu_vips(is_grey ? grey_save : rgb_save);
	return path;
}

static char *
generate_photo(const char *name, int w, int h, int q)
{
	return make_photo(name, w, h, q, false);
}

/* Runs recompress on a file; fails the test if it fails. */
static GPtrArray *
recompress_file(const char *path, const ImgoptSettings *settings,
		gsize *len_out)
{
	gsize len = 0;
	g_autofree char *data = tu_read(path, &len);
	ImgoptHash hash;
	g_autoptr(GError) error = NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_encoded_free);

	imgopt_hash_buffer(data, len, &hash);
	bool is_ok = imgopt_recompress_buffer(path, data, len, &hash, settings,
					      out, &error);
	g_assert_no_error(error);
	g_assert_true(is_ok);
	if (len_out != NULL)
		*len_out = len;
	return out;
}

/* Each variant decodes to its recorded size and is smaller than the
 * source. */
static void
assert_variants_valid(const GPtrArray *variants, gsize source_len)
{
	g_assert_cmpuint(variants->len, >, 0);
	for (guint i = 0; i < variants->len; i++) {
		const ImgoptEncoded *e = g_ptr_array_index(variants, i);
		gsize len = 0;
		const void *data = g_bytes_get_data(e->data, &len);
		g_autoptr(GError) error = NULL;
		g_autoptr(ImgoptPicture) picture =
			imgopt_picture_decode(data, len, &error);

		g_test_message("%s: %" G_GSIZE_FORMAT " bytes, kind %d, q %d",
			       e->variant->path, len, e->kind, e->quality);
		g_assert_no_error(error);
		g_assert_cmpuint(imgopt_picture_get_width(picture), ==,
				 e->variant->width);
		g_assert_cmpuint(imgopt_picture_get_height(picture), ==,
				 e->variant->height);
		g_assert_cmpuint(e->variant->bytes, ==, len);
		if (e->kind != IMGOPT_ENCODED_ORIGINAL)
			g_assert_cmpuint(len, <, source_len);
		else
			g_assert_cmpuint(len, ==, source_len);
	}
}

static uint32_t
variant_width(const GPtrArray *variants, guint i)
{
	const ImgoptEncoded *e = g_ptr_array_index(variants, i);

	return e->variant->width;
}

static void
test_widths(void)
{
	g_autofree char *path = generate_photo("w.jpg", 1200, 800, 95);
	g_auto(ImgoptSettings) settings = {0};
	gsize len = 0;

	imgopt_settings_init(&settings);
	g_autoptr(GPtrArray) variants = recompress_file(path, &settings, &len);
	assert_variants_valid(variants, len);
	/* 1600 is clamped to the source's 1200: no upscale */
	g_assert_cmpuint(variants->len, ==, 3);
	g_assert_cmpuint(variant_width(variants, 0), ==, 480);
	g_assert_cmpuint(variant_width(variants, 1), ==, 960);
	g_assert_cmpuint(variant_width(variants, 2), ==, 1200);
	const ImgoptEncoded *e = g_ptr_array_index(variants, 0);
	g_assert_cmpint(e->variant->format, ==, IMGOPT_FORMAT_JPEG);
	g_assert_cmpuint(e->variant->height, ==, 320);
	g_assert_true(g_str_has_suffix(e->variant->path, "-480.jpg"));
	g_assert_cmpuint(strlen(e->variant->path), ==, 16 + strlen("-480.jpg"));
}

static void
test_never_upscale(void)
{
	g_autofree char *path = generate_photo("small.jpg", 300, 200, 95);
	g_auto(ImgoptSettings) settings = {0};
	gsize len = 0;

	imgopt_settings_init(&settings);
	g_autoptr(GPtrArray) variants = recompress_file(path, &settings, &len);
	assert_variants_valid(variants, len);
	g_assert_cmpuint(variants->len, ==, 1);
	g_assert_cmpuint(variant_width(variants, 0), ==, 300);
}

/* A source already smaller than any re-encoding: quality 30 photo asked
 * for quality 100 variants.  Nothing may be larger than the source. */
static void
test_never_larger(void)
{
	g_autofree char *path = generate_photo("tight.jpg", 700, 500, 30);
	g_auto(ImgoptSettings) settings = {0};
	gsize len = 0;

	imgopt_settings_init(&settings);
	settings.quality = 100;
	g_assert_true(imgopt_settings_parse_widths(&settings, "600,700", NULL));
	g_autoptr(GPtrArray) variants = recompress_file(path, &settings, &len);
	assert_variants_valid(variants, len);
	/* the full width falls back to a lossless rewrite or the source */
	const ImgoptEncoded *last =
		g_ptr_array_index(variants, variants->len - 1);
	g_assert_cmpuint(last->variant->width, ==, 700);
	g_assert_cmpint(last->kind, !=, IMGOPT_ENCODED_RESIZED);
}

static void
assert_same_timing(GBytes *a, GBytes *b)
{
	g_auto(ImgoptGifInfo) ia = {0};
	g_auto(ImgoptGifInfo) ib = {0};
	gsize la = 0, lb = 0;
	const void *da = g_bytes_get_data(a, &la);
	const void *db = g_bytes_get_data(b, &lb);

	g_assert_true(imgopt_gif_read_info(da, la, &ia, NULL));
	g_assert_true(imgopt_gif_read_info(db, lb, &ib, NULL));
	g_assert_cmpuint(ia.n_frames, ==, ib.n_frames);
	for (guint i = 0; i < ia.n_frames; i++)
		g_assert_cmpint(g_array_index(ia.delays, int, i), ==,
				g_array_index(ib.delays, int, i));
	g_assert_true(imgopt_gif_same_timing(&ia, &ib));
}

static void
test_animated_gif(void)
{
	g_autofree char *path = tu_shared("badimages", "pillow__chi.gif", NULL);
	if (path == NULL || !g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_test_skip("../shared/badimages is missing");
		return;
	}
	g_auto(ImgoptSettings) settings = {0};
	gsize len = 0;
	g_autofree char *source = tu_read(path, &len);
	g_autoptr(GBytes) source_bytes = g_bytes_new(source, len);

	imgopt_settings_init(&settings);
	g_assert_true(imgopt_settings_parse_widths(&settings, "160,240", NULL));
	g_assert_true(
		imgopt_settings_parse_formats(&settings, "jpeg,webp", NULL));
	g_autoptr(GPtrArray) variants = recompress_file(path, &settings, NULL);
	assert_variants_valid(variants, len);
	guint n_gif = 0, n_webp = 0;
	for (guint i = 0; i < variants->len; i++) {
		const ImgoptEncoded *e = g_ptr_array_index(variants, i);
		g_assert_cmpuint(e->variant->n_frames, ==, 31);
		if (e->variant->format == IMGOPT_FORMAT_GIF) {
			n_gif++;
			assert_same_timing(source_bytes, e->data);
		}
		else {
			g_assert_cmpint(e->variant->format, ==,
					IMGOPT_FORMAT_WEBP);
			n_webp++;
		}
	}
	g_assert_cmpuint(n_gif, ==, 2);
	g_assert_cmpuint(n_webp, >=, 1);
}

static void
test_extra_formats(void)
{
	g_autofree char *path = generate_photo("f.jpg", 640, 480, 95);
	g_auto(ImgoptSettings) settings = {0};
	gsize len = 0;

	imgopt_settings_init(&settings);
	g_assert_true(imgopt_settings_parse_widths(&settings, "320", NULL));
	g_assert_true(imgopt_settings_parse_formats(&settings, "jpeg,webp,avif",
						    NULL));
	g_autoptr(GPtrArray) variants = recompress_file(path, &settings, &len);
	assert_variants_valid(variants, len);
	bool seen[3] = {false, false, false};
	for (guint i = 0; i < variants->len; i++) {
		const ImgoptEncoded *e = g_ptr_array_index(variants, i);
		seen[0] |= e->variant->format == IMGOPT_FORMAT_JPEG;
		seen[1] |= e->variant->format == IMGOPT_FORMAT_WEBP;
		seen[2] |= e->variant->format == IMGOPT_FORMAT_AVIF;
	}
	g_assert_true(seen[0] && seen[1] && seen[2]);
}

static void
test_target_quality(void)
{
	g_autofree char *path = make_photo("t.jpg", 960, 640, 95, true);
	g_auto(ImgoptSettings) settings = {0};
	gsize len = 0;

	imgopt_settings_init(&settings);
	g_assert_true(imgopt_settings_parse_widths(&settings, "960", NULL));
	settings.quality = 95; /* the highest quality the search may pick */
	settings.target = 0.5; /* reached low in the range */
	g_autoptr(GPtrArray) low = recompress_file(path, &settings, &len);
	settings.target = 0.9999; /* reached nowhere in the range */
	g_autoptr(GPtrArray) high = recompress_file(path, &settings, &len);
	settings.target = 0.5;
	settings.quality = 60;
	g_autoptr(GPtrArray) capped = recompress_file(path, &settings, &len);
	assert_variants_valid(low, len);
	assert_variants_valid(high, len);
	assert_variants_valid(capped, len);
	const ImgoptEncoded *l = g_ptr_array_index(low, 0);
	const ImgoptEncoded *h = g_ptr_array_index(high, 0);
	const ImgoptEncoded *c = g_ptr_array_index(capped, 0);
	/* the search stays within the five steps below --quality */
	g_assert_cmpint(l->quality, >=, 90);
	g_assert_cmpint(l->quality, <, 95);
	g_assert_cmpint(h->quality, ==, 95);
	g_assert_cmpint(c->quality, >=, 55);
	g_assert_cmpint(c->quality, <, 60);
	/* the encoding reaches the target it was searched for */
	gsize vlen = 0;
	const void *vdata = g_bytes_get_data(l->data, &vlen);
	g_autofree char *src = tu_read(path, NULL);
	g_autoptr(ImgoptPicture) reference =
		imgopt_picture_decode(src, len, NULL);
	double ssim = 0;
	g_autoptr(GBytes) vbytes = g_bytes_new(vdata, vlen);
	g_assert_true(imgopt_picture_ssim(reference, vbytes, &ssim, NULL));
	g_assert_cmpfloat(ssim, >=, 0.5);
	g_assert_cmpfloat(ssim, <, 1.0);
}

/* The SSIM of @e against @path's picture at @e's width. */
static double
variant_ssim(const char *path, const ImgoptEncoded *e)
{
	gsize len = 0;
	g_autofree char *src = tu_read(path, &len);
	g_autoptr(ImgoptPicture) full = imgopt_picture_decode(src, len, NULL);
	g_autoptr(ImgoptPicture) reference =
		imgopt_picture_shrink(full, e->variant->width, NULL);
	double ssim = 0;

	g_assert_true(imgopt_picture_ssim(reference, e->data, &ssim, NULL));
	return ssim;
}

static const ImgoptEncoded *
find_format(const GPtrArray *variants, ImgoptFormat format)
{
	for (guint i = 0; i < variants->len; i++) {
		const ImgoptEncoded *e = g_ptr_array_index(variants, i);
		if (e->variant->format == format)
			return e;
	}
	return NULL;
}

/* --link-format webp makes WebP matched to the JPEG's quality: its SSIM
 * reaches the JPEG's on the same picture, at a quality of its own; auto
 * keeps it only where lighter than the JPEG; original makes none.  A
 * lossless primary (a PNG with alpha) gets lossless WebP. */
static void
test_link_format_matched(void)
{
	g_autofree char *path = make_photo("m.jpg", 960, 640, 95, true);
	g_auto(ImgoptSettings) settings = {0};
	gsize len = 0;

	imgopt_settings_init(&settings);
	g_assert_true(imgopt_settings_parse_widths(&settings, "480", NULL));
	g_autoptr(GPtrArray) plain = recompress_file(path, &settings, &len);
	g_assert_null(find_format(plain, IMGOPT_FORMAT_WEBP));
	/* auto: a WebP only where lighter than the JPEG of its width */
	settings.link_format = IMGOPT_LINK_AUTO;
	g_autoptr(GPtrArray) lighter = recompress_file(path, &settings, &len);
	const ImgoptEncoded *lj = find_format(lighter, IMGOPT_FORMAT_JPEG);
	const ImgoptEncoded *lw = find_format(lighter, IMGOPT_FORMAT_WEBP);
	g_assert_true(lj != NULL);
	if (lj != NULL && lw != NULL)
		g_assert_cmpuint(lw->variant->bytes, <, lj->variant->bytes);
	/* webp: made wherever it can be matched, lighter or not */
	settings.link_format = IMGOPT_LINK_WEBP;
	g_autoptr(GPtrArray) linked = recompress_file(path, &settings, &len);
	assert_variants_valid(linked, len);
	const ImgoptEncoded *jpeg = find_format(linked, IMGOPT_FORMAT_JPEG);
	const ImgoptEncoded *webp = find_format(linked, IMGOPT_FORMAT_WEBP);
	if (jpeg == NULL || webp == NULL)
		g_error("no JPEG or no WebP variant");
	g_assert_cmpint(webp->quality, >, 0);
	/* within the decode's rounding of the picture compared */
	g_assert_cmpfloat(variant_ssim(path, webp), >=,
			  variant_ssim(path, jpeg) - 0.002);

	g_autofree char *png = g_build_filename(tmp_dir, "logo.png", NULL);
	g_autofree char *sines = g_build_filename(tmp_dir, "s.v", NULL);
	g_autofree char *out = g_strdup_printf("%s", png);
	const char *a1[] = {"sines", sines, "600", "400", NULL};
	const char *a2[] = {"linear", sines,     out, "120",
			    "128",    "--uchar", NULL};
	tu_vips(a1);
	tu_vips(a2);
	g_autoptr(GPtrArray) lossless = recompress_file(png, &settings, &len);
	const ImgoptEncoded *w = find_format(lossless, IMGOPT_FORMAT_WEBP);
	if (w != NULL) { /* kept only where smaller than the PNG */
		g_assert_cmpint(w->quality, ==, 0);
		g_assert_cmpfloat(variant_ssim(png, w), ==, 1.0);
	}
}

/* The options build and run share: each checked, each applied only if
 * given, the target on by default and 0 turning it off. */
static void
test_apply_args(void)
{
	g_auto(ImgoptSettings) s = {0};
	g_autoptr(GError) error = NULL;

	imgopt_settings_init(&s);
	g_assert_cmpfloat(s.target, ==, IMGOPT_DEFAULT_TARGET);
	ImgoptSettingsArgs none = {NULL, NULL, 0, -1, 0, NULL};
	g_assert_true(imgopt_settings_apply_args(&s, &none, &error));
	g_assert_cmpint(s.quality, ==, IMGOPT_DEFAULT_QUALITY);
	g_assert_cmpfloat(s.target, ==, IMGOPT_DEFAULT_TARGET);
	g_assert_cmpuint(s.max_pixels, ==, IMGOPT_DEFAULT_MAX_PIXELS);
	g_assert_cmpint(s.link_format, ==, IMGOPT_LINK_ORIGINAL);

	ImgoptSettingsArgs all = {"300,100", "webp", 70, 0, 5000, "AVIF"};
	g_assert_true(imgopt_settings_apply_args(&s, &all, &error));
	g_assert_cmpuint(s.widths->len, ==, 2);
	g_assert_cmpuint(g_array_index(s.widths, uint32_t, 0), ==, 100);
	g_assert_cmpuint(s.formats, ==,
			 IMGOPT_OUTPUT_JPEG | IMGOPT_OUTPUT_WEBP);
	g_assert_cmpint(s.quality, ==, 70);
	g_assert_cmpfloat(s.target, ==, 0);
	g_assert_cmpuint(s.max_pixels, ==, 5000);
	g_assert_cmpint(s.link_format, ==, IMGOPT_LINK_AVIF);

	const ImgoptSettingsArgs bad[] = {
		{NULL, NULL, 101, -1, 0, NULL}, {NULL, NULL, 0, 1.0, 0, NULL},
		{NULL, NULL, 0, -1, -2, NULL},  {"0", NULL, 0, -1, 0, NULL},
		{NULL, "gif", 0, -1, 0, NULL},  {NULL, NULL, 0, -1, 0, "png"},
	};
	const char *named[] = {"--quality", "--target", "--max-pixels",
			       "'0'",       "'gif'",    "'png'"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_false(imgopt_settings_apply_args(&s, &bad[i], &error));
		g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_PARSE);
		g_assert_nonnull(strstr(error->message, named[i]));
		g_clear_error(&error);
	}
}

static void
test_fingerprint(void)
{
	g_auto(ImgoptSettings) a = {0};
	g_auto(ImgoptSettings) b = {0};
	g_autoptr(GError) error = NULL;

	imgopt_settings_init(&a);
	imgopt_settings_init(&b);
	g_autofree char *fa = imgopt_settings_fingerprint(&a);
	b.jobs = 7;
	b.max_pixels = 5;
	g_autofree char *fb = imgopt_settings_fingerprint(&b);
	g_assert_cmpstr(fa, ==, fb); /* how, not what: same fingerprint */
	b.quality = 81;
	g_autofree char *fc = imgopt_settings_fingerprint(&b);
	g_assert_cmpstr(fa, !=, fc);
	g_assert_true(strstr(fa, "vips=") != NULL);
	/* a link that may name WebP makes WebP, searched anew */
	b.quality = a.quality;
	b.link_format = IMGOPT_LINK_AUTO;
	g_autofree char *fd = imgopt_settings_fingerprint(&b);
	g_assert_nonnull(strstr(fd, ";f=jpeg,webp;"));
	g_assert_nonnull(strstr(fd, ";l=matched3;"));
	g_assert_null(strstr(fa, ";l="));
	g_assert_cmpuint(imgopt_settings_formats_made(&b), ==,
			 IMGOPT_OUTPUT_JPEG | IMGOPT_OUTPUT_WEBP);
	b.link_format = IMGOPT_LINK_AVIF;
	g_assert_cmpuint(imgopt_settings_formats_made(&b), ==,
			 IMGOPT_OUTPUT_JPEG | IMGOPT_OUTPUT_WEBP |
				 IMGOPT_OUTPUT_AVIF);

	g_assert_false(imgopt_settings_parse_widths(&a, "480,abc", &error));
	g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_PARSE);
	g_assert_true(strstr(error->message, "'abc'") != NULL);
	g_clear_error(&error);
	g_assert_false(imgopt_settings_parse_formats(&a, "jpeg,bmp", &error));
	g_assert_true(strstr(error->message, "'bmp'") != NULL);
	g_assert_true(imgopt_settings_parse_widths(&a, "960, 480,960", NULL));
	g_assert_cmpuint(a.widths->len, ==, 2);
}

/* Indexes @rel under @root into a hashed asset. */
static ImgoptAsset *
index_file(const char *root, const char *rel)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptAsset) asset = imgopt_index_stat(root, rel, &error);

	g_assert_no_error(error);
	g_assert_true(imgopt_index_read(root, asset, NULL, &error));
	g_assert_no_error(error);
	return g_steal_pointer(&asset);
}

static void
copy_file(const char *from, const char *to)
{
	gsize len = 0;
	g_autofree char *data = tu_read(from, &len);

	g_assert_true(g_file_set_contents(to, data, (gssize)len, NULL));
}

/* A site with two names for one photo and one broken JPEG. */
static GPtrArray *
make_site(const char *root)
{
	g_autofree char *img = g_build_filename(root, "img", NULL);
	g_autofree char *photo = generate_photo("site.jpg", 1000, 700, 92);
	g_autofree char *a = g_build_filename(img, "a.jpg", NULL);
	g_autofree char *b = g_build_filename(img, "b.jpeg", NULL);
	g_autofree char *bad = g_build_filename(img, "bad.jpg", NULL);
	gsize len = 0;
	g_autofree char *data = tu_read(photo, &len);
	GPtrArray *assets = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_asset_free);

	g_assert_cmpint(g_mkdir_with_parents(img, 0755), ==, 0);
	copy_file(photo, a);
	copy_file(photo, b);
	g_assert_true(g_file_set_contents(bad, data, (gssize)len / 2, NULL));
	g_ptr_array_add(assets, index_file(root, "img/a.jpg"));
	g_ptr_array_add(assets, index_file(root, "img/b.jpeg"));
	g_ptr_array_add(assets, index_file(root, "img/bad.jpg"));
	return assets;
}

static void
count_failure(const ImgoptAsset *asset, const GError *error, void *data)
{
	g_test_message("failed: %s: %s", asset->path, error->message);
	g_assert_true(strstr(error->message, asset->path) != NULL);
	(*(int *)data)++;
}

static void
run_all(const char *root, ImgoptManifest *manifest, const GPtrArray *assets,
	ImgoptRecompressSummary *summary)
{
	g_auto(ImgoptSettings) settings = {0};
	int n_failures = 0;
	ImgoptRecompressObserver observer = {NULL, count_failure, &n_failures,
					     NULL};
	g_autoptr(GError) error = NULL;

	imgopt_settings_init(&settings);
	settings.jobs = 2;
	bool is_ok = imgopt_recompress_all(root, "img/" IMGOPT_OUTPUT_DIR,
					   assets, &settings, manifest,
					   &observer, summary, &error);
	g_assert_no_error(error);
	g_assert_true(is_ok);
	g_assert_cmpint(n_failures, ==, (int)summary->n_failed);
}

static void
test_second_run_encodes_nothing(void)
{
	g_autofree char *root = g_build_filename(tmp_dir, "site", NULL);
	g_autoptr(GPtrArray) assets = make_site(root);
	g_autofree char *db = g_build_filename(root, "manifest.db", NULL);
	g_autoptr(ImgoptManifest) manifest = imgopt_manifest_open(db, NULL);
	ImgoptRecompressSummary first, second;

	g_assert_nonnull(manifest);
	run_all(root, manifest, assets, &first);
	g_assert_cmpuint(first.n_sources, ==, 2); /* a.jpg = b.jpeg */
	g_assert_cmpuint(first.n_encoded, ==, 1);
	g_assert_cmpuint(first.n_failed, ==, 1);
	g_assert_cmpuint(first.n_written, ==, 3);

	g_autofree char *out =
		g_build_filename(root, "img", IMGOPT_OUTPUT_DIR, NULL);
	g_autoptr(GDir) dir = g_dir_open(out, 0, NULL);
	g_assert_nonnull(dir);
	guint n_files = 0;
	for (const char *name; (name = g_dir_read_name(dir)) != NULL;) {
		g_autofree char *full = g_build_filename(out, name, NULL);
		gsize len = 0;
		g_autofree char *data = tu_read(full, &len);
		g_assert_cmpuint(len, >, 0);
		g_assert_true(g_str_has_suffix(name, ".jpg"));
		n_files++;
	}
	g_assert_cmpuint(n_files, ==, 3);

	run_all(root, manifest, assets, &second);
	g_assert_cmpuint(second.n_encoded, ==, 0);
	g_assert_cmpuint(second.n_cached, ==, 1);
	g_assert_cmpuint(second.n_written, ==, 0);
	g_assert_cmpuint(second.n_failed, ==, 1); /* still bad, still alone */
	tu_rmtree(root);
}

/* Records each failure's error code (the first one). */
static void
note_failure(const ImgoptAsset *asset, const GError *error, void *data)
{
	GError **first = data;

	g_test_message("failed: %s: %s", asset->path, error->message);
	if (*first == NULL)
		*first = g_error_copy(error);
}

/* A file replaced between its hashing and its decoding (the hook
 * IMGOPT_FAULT_SWAP does it every time, no timing): no variant named
 * after the hash it had may hold the pixels it has now.  Either the
 * variants are of the hashed content (4:3) or the image is reported
 * failed and nothing is recorded; never the new picture (2:1). */
static void
test_swapped_between_hash_and_decode(void)
{
	g_autofree char *root = g_build_filename(tmp_dir, "swap", NULL);
	g_autofree char *img = g_build_filename(root, "img", NULL);
	g_autofree char *hashed = generate_photo("hashed.jpg", 800, 600, 92);
	g_autofree char *swapped = generate_photo("swapped.jpg", 900, 450, 92);
	g_autofree char *a = g_build_filename(img, "a.jpg", NULL);
	g_autofree char *db = g_build_filename(root, "manifest.db", NULL);
	g_autofree char *hook = g_strdup_printf("img/a.jpg=%s", swapped);
	g_autoptr(GPtrArray) assets = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_asset_free);
	g_autoptr(GError) failure = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(ImgoptSettings) settings = {0};
	ImgoptRecompressObserver observer = {NULL, note_failure, &failure,
					     NULL};
	ImgoptRecompressSummary sum = {0};

	g_assert_cmpint(g_mkdir_with_parents(img, 0755), ==, 0);
	copy_file(hashed, a);
	g_ptr_array_add(assets, index_file(root, "img/a.jpg"));
	g_autoptr(ImgoptManifest) manifest = imgopt_manifest_open(db, NULL);
	g_assert_nonnull(manifest);
	imgopt_settings_init(&settings);
	g_setenv("IMGOPT_FAULT_SWAP", hook, TRUE);
	bool is_ok = imgopt_recompress_all(root, "img/" IMGOPT_OUTPUT_DIR,
					   assets, &settings, manifest,
					   &observer, &sum, &error);
	g_unsetenv("IMGOPT_FAULT_SWAP");
	g_assert_no_error(error);
	g_assert_true(is_ok);

	/* the hook did swap the file */
	gsize now_len = 0, swapped_len = 0;
	g_autofree char *now = tu_read(a, &now_len);
	g_autofree char *want = tu_read(swapped, &swapped_len);
	g_assert_cmpmem(now, now_len, want, swapped_len);

	const ImgoptAsset *asset = g_ptr_array_index(assets, 0);
	g_autofree char *fingerprint = imgopt_settings_fingerprint(&settings);
	g_autoptr(GPtrArray) rows = imgopt_manifest_lookup_variants(
		manifest, &asset->hash, fingerprint, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < rows->len; i++) {
		const ImgoptVariant *v = g_ptr_array_index(rows, i);

		g_test_message("variant %s: %ux%u", v->path, v->width,
			       v->height);
		g_assert_cmpuint(v->width * 3, ==, v->height * 4);
	}
	if (rows->len == 0) {
		g_assert_cmpuint(sum.n_failed, ==, 1);
		g_assert_error(failure, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT);
		g_assert_cmpuint(sum.n_written, ==, 0);
	}
	tu_rmtree(root);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	/* libvips logs its decode warnings (which imgopt turns into errors)
	 * with g_warning(); only criticals stay fatal. */
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	g_assert_true(imgopt_init(argv[0], NULL));
	tmp_dir = tu_tmpdir();

	g_test_add_func("/recompress/widths", test_widths);
	g_test_add_func("/recompress/never-upscale", test_never_upscale);
	g_test_add_func("/recompress/never-larger", test_never_larger);
	g_test_add_func("/recompress/animated-gif-keeps-frames-and-delays",
			test_animated_gif);
	g_test_add_func("/recompress/extra-formats", test_extra_formats);
	g_test_add_func("/recompress/target-quality", test_target_quality);
	g_test_add_func("/recompress/apply-args", test_apply_args);
	g_test_add_func("/recompress/settings-fingerprint", test_fingerprint);
	g_test_add_func("/recompress/link-format-matched",
			test_link_format_matched);
	g_test_add_func("/recompress/second-run-encodes-nothing",
			test_second_run_encodes_nothing);
	g_test_add_func("/recompress/swapped-between-hash-and-decode",
			test_swapped_between_hash_and_decode);

	int status = g_test_run();
	tu_rmtree(tmp_dir);
	g_free(tmp_dir);
	imgopt_shutdown();
	return status;
}
