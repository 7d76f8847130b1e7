/*
 * test_animated.c: an animated GIF's WebP variant plays as the GIF plays
 * in a browser.  For GIFs made here with giflib (differing delays, loop
 * counts 0, 3 and none, transparency, a repeated frame, delays browsers
 * stretch) and the animated GIFs of ../shared/badimages: the WebP's
 * stored frames, their durations and its loop count, read back from its
 * chunks, match the GIF's timeline (anim.h's rules); every frame
 * decodes and shows the GIF's picture of that moment, alpha included.
 * Colour edges get a lossless WebP, a loop count no WebP holds none; a
 * malformed GIF is a clear error and `imgopt build` goes on past it.
 * Also the pure parts: the browser rules, the timeline comparison, and
 * the WebP chunk reader against libvips'.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gif_lib.h>

#include "imgopt/imgopt.h"

#include "anim.h"
#include "gif.h"
#include "hash.h"
#include "image.h"
#include "testutil.h"

static char *tmp_dir;

#define GIF_W 160
#define GIF_H 120
#define N_COLOURS 64

/* What a generated GIF holds. */
typedef struct {
	const char *name;
	const int *delays;   /* centiseconds, one per frame */
	int n_frames;        /* of @delays */
	const int *pictures; /* which picture each frame shows (NULL: its
				index), to repeat one */
	int loop;            /* NETSCAPE2.0 loop count; -1: no block */
	bool is_transparent; /* a transparent stripe at the left */
	bool is_colourful;   /* blue and orange blocks (else grey): sharp
				colour edges */
} GifSpec;

/* Palette index of pixel (@x, @y) in picture @k of @spec: a dithered
 * gradient (which GIF's LZW packs poorly, as in a GIF made from a video),
 * in colourful pictures cut into 4-pixel blocks of two far-apart hues,
 * with a square that moves; index 0 is the transparent stripe at the
 * left. */
static GifPixelType
pixel_at(const GifSpec *spec, int k, int x, int y)
{
	uint32_t h = (uint32_t)x * 73856093u ^ (uint32_t)y * 19349663u;
	int half = (N_COLOURS - 2) / 2;
	int level = (x + y) * (half - 2) / (GIF_W + GIF_H);

	if (spec->is_transparent && x < 8)
		return 0;
	if (x >= 10 * k + 20 && x < 10 * k + 60 && y >= 30 && y < 70)
		return N_COLOURS - 1;
	if (spec->is_colourful && (x / 4 + y / 4) % 2 == 1)
		level += half;
	return (GifPixelType)(1 + level + ((h >> 9) % 4 == 0));
}

static void
put_loop(GifFileType *gif, int loop)
{
	GifByteType app[] = "NETSCAPE2.0";
	GifByteType sub[3] = {1, (GifByteType)(loop & 0xff),
			      (GifByteType)(loop >> 8)};

	g_assert_cmpint(EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE),
			==, GIF_OK);
	g_assert_cmpint(EGifPutExtensionBlock(gif, 11, app), ==, GIF_OK);
	g_assert_cmpint(EGifPutExtensionBlock(gif, 3, sub), ==, GIF_OK);
	g_assert_cmpint(EGifPutExtensionTrailer(gif), ==, GIF_OK);
}

static void
put_frame(GifFileType *gif, const GifSpec *spec, int f)
{
	GraphicsControlBlock gcb = {
		.DisposalMode = DISPOSE_BACKGROUND,
		.DelayTime = spec->delays[f],
		.TransparentColor =
			spec->is_transparent ? 0 : NO_TRANSPARENT_COLOR,
	};
	GifByteType ext[4];
	size_t n = EGifGCBToExtension(&gcb, ext);
	int k = spec->pictures != NULL ? spec->pictures[f] : f;

	g_assert_cmpint(
		EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, (int)n, ext), ==,
		GIF_OK);
	g_assert_cmpint(EGifPutImageDesc(gif, 0, 0, GIF_W, GIF_H, false, NULL),
			==, GIF_OK);
	for (int y = 0; y < GIF_H; y++) {
		GifPixelType row[GIF_W];
		for (int x = 0; x < GIF_W; x++)
			row[x] = pixel_at(spec, k, x, y);
		g_assert_cmpint(EGifPutLine(gif, row, GIF_W), ==, GIF_OK);
	}
}

/* Writes @spec's GIF into the temporary folder; returns its path. */
static char *
make_gif(const GifSpec *spec)
{
	GifColorType colours[N_COLOURS];
	int half = (N_COLOURS - 2) / 2;
	for (int i = 0; i < N_COLOURS; i++) {
		int v = 40 + 3 * (i % half);
		colours[i] = (GifColorType){(GifByteType)v, (GifByteType)v,
					    (GifByteType)(v + 10)};
		if (spec->is_colourful)
			colours[i] =
				i <= half
					? (GifColorType){20,
							 (GifByteType)(v / 2),
							 (GifByteType)(v + 60)}
					: (GifColorType){(GifByteType)(v + 60),
							 (GifByteType)(v / 2),
							 20};
	}
	colours[N_COLOURS - 1] = (GifColorType){250, 250, 250};
	char *path = g_build_filename(tmp_dir, spec->name, NULL);
	int code = 0;
	GifFileType *gif = EGifOpenFileName(path, false, &code);

	g_assert_nonnull(gif);
	ColorMapObject *map = GifMakeMapObject(N_COLOURS, colours);
	EGifSetGifVersion(gif, true);
	g_assert_cmpint(EGifPutScreenDesc(gif, GIF_W, GIF_H, 6, 0, map), ==,
			GIF_OK);
	GifFreeMapObject(map);
	if (spec->loop >= 0)
		put_loop(gif, spec->loop);
	for (int f = 0; f < spec->n_frames; f++)
		put_frame(gif, spec, f);
	g_assert_cmpint(EGifCloseFile(gif, &code), ==, GIF_OK);
	return path;
}

/* ---- the pure parts ---- */

static ImgoptGifInfo
gif_info(const int *delays, int n, int loop)
{
	ImgoptGifInfo info = {.n_frames = (uint32_t)n, .loop = loop};

	info.delays = g_array_new(FALSE, TRUE, sizeof(int));
	g_array_append_vals(info.delays, delays, (guint)n);
	return info;
}

static uint32_t
duration(const ImgoptAnimTiming *timing, guint i)
{
	return g_array_index(timing->durations, uint32_t, i);
}

static void
test_gif_rules(void)
{
	const int delays[] = {0, 1, 2, 3, 50, 65535};
	const uint32_t shown[] = {100, 100, 20, 30, 500, 655350};
	const struct {
		int loop;
		uint32_t plays;
		bool is_able;
	} loops[] = {{-1, 1, true},
		     {0, 0, true},
		     {3, 4, true},
		     {65534, 65535, true},
		     {65535, 65536, false}};

	for (guint k = 0; k < G_N_ELEMENTS(loops); k++) {
		g_auto(ImgoptGifInfo) info = gif_info(delays, 6, loops[k].loop);
		g_auto(ImgoptAnimTiming) timing = {0};
		g_assert_cmpint(imgopt_anim_timing_from_gif(&info, &timing), ==,
				loops[k].is_able);
		g_assert_cmpuint(timing.plays, ==, loops[k].plays);
		g_assert_cmpuint(timing.durations->len, ==, 6);
		for (guint i = 0; i < 6; i++)
			g_assert_cmpuint(duration(&timing, i), ==, shown[i]);
	}
	g_auto(ImgoptGifInfo) empty = gif_info(delays, 0, 0);
	g_auto(ImgoptAnimTiming) none = {0};
	g_assert_false(imgopt_anim_timing_from_gif(&empty, &none));
}

static ImgoptAnimTiming
timing_of(const uint32_t *ms, guint n, uint32_t plays)
{
	ImgoptAnimTiming timing = {.plays = plays};

	timing.durations = g_array_new(FALSE, TRUE, sizeof(uint32_t));
	g_array_append_vals(timing.durations, ms, n);
	return timing;
}

static void
test_same_timeline(void)
{
	const uint32_t source[] = {30, 70, 500, 100};
	const uint32_t merged[] = {100, 500, 100}; /* 30 + 70 */
	const uint32_t merged2[] = {30, 670};      /* 70 + 500 + 100 */
	const uint32_t shifted[] = {30, 80, 490, 100};
	const uint32_t short_[] = {30, 70, 500};
	const uint32_t long_[] = {30, 70, 500, 100, 100};
	const uint32_t split[] = {30, 35, 35, 500, 100};
	g_auto(ImgoptAnimTiming) s = timing_of(source, 4, 0);
	struct {
		const uint32_t *ms;
		guint n;
		uint32_t plays;
		bool is_same;
	} cases[] = {
		{source, 4, 0, true},   {merged, 3, 0, true},
		{merged2, 2, 0, true},  {source, 4, 1, false},
		{shifted, 4, 0, false}, {short_, 3, 0, false},
		{long_, 5, 0, false},   {split, 5, 0, false},
	};

	for (guint k = 0; k < G_N_ELEMENTS(cases); k++) {
		g_auto(ImgoptAnimTiming) m =
			timing_of(cases[k].ms, cases[k].n, cases[k].plays);
		g_assert_cmpint(imgopt_anim_same_timeline(&s, &m), ==,
				cases[k].is_same);
	}
	g_auto(ImgoptAnimTiming) still = timing_of(NULL, 0, 0);
	still.is_still = true;
	g_assert_true(imgopt_anim_same_timeline(&s, &still));
	g_assert_false(imgopt_anim_same_timeline(&still, &s));
}

/* Runs `vipsheader -f @field @path[n=-1]`; returns its output, trimmed. */
static char *
vipsheader_field(const char *path, const char *field)
{
	g_autofree char *arg = g_strdup_printf("%s[n=-1]", path);
	const char *argv[] = {"vipsheader", "-f", field, arg, NULL};
	char *out = NULL;

	g_assert_cmpint(tu_run(argv, &out, NULL), ==, 0);
	return g_strstrip(out);
}

/* The chunk reader says what libvips' WebP loader says. */
static void
assert_reader_agrees(const char *webp_path)
{
	gsize len = 0;
	g_autofree char *data = tu_read(webp_path, &len);
	g_auto(ImgoptAnimTiming) timing = {0};
	g_autoptr(GError) error = NULL;

	g_assert_true(imgopt_anim_timing_from_webp(data, len, &timing, &error));
	g_assert_no_error(error);
	g_assert_false(timing.is_still);
	g_autofree char *delay = vipsheader_field(webp_path, "delay");
	g_autofree char *loop = vipsheader_field(webp_path, "loop");
	g_autofree char *n_pages = vipsheader_field(webp_path, "n-pages");
	g_autoptr(GString) mine = g_string_new(NULL);
	for (guint i = 0; i < timing.durations->len; i++)
		g_string_append_printf(mine, "%s%u", i ? " " : "",
				       duration(&timing, i));
	g_assert_cmpstr(mine->str, ==, delay);
	g_assert_cmpuint(timing.plays, ==, g_ascii_strtoull(loop, NULL, 10));
	g_assert_cmpuint(timing.durations->len, ==,
			 g_ascii_strtoull(n_pages, NULL, 10));
}

static void
test_webp_reader(void)
{
	const int delays[] = {3, 7, 50, 20};
	GifSpec spec = {"reader.gif", delays, 4, NULL, 3, true, false};
	g_autofree char *gif = make_gif(&spec);
	g_autofree char *webp = g_build_filename(tmp_dir, "reader.webp", NULL);
	g_autofree char *in = g_strdup_printf("%s[n=-1]", gif);
	g_autofree char *out = g_strdup_printf("%s[Q=60]", webp);
	const char *argv[] = {"copy", in, out, NULL};

	tu_vips(argv);
	assert_reader_agrees(webp);

	/* every truncation is either read or refused, never misread */
	gsize len = 0;
	g_autofree char *data = tu_read(webp, &len);
	for (gsize cut = 0; cut < len; cut++) {
		g_auto(ImgoptAnimTiming) timing = {0};
		g_autoptr(GError) error = NULL;
		g_autofree char *copy = g_memdup2(data, cut);
		if (imgopt_anim_timing_from_webp(copy, cut, &timing, &error))
			g_assert_cmpuint(timing.durations->len, <=, 4);
		else
			g_assert_error(error, IMGOPT_ERROR,
				       IMGOPT_ERROR_DECODE);
	}
	g_auto(ImgoptAnimTiming) timing = {0};
	g_autoptr(GError) error = NULL;
	g_assert_false(
		imgopt_anim_timing_from_webp("GIF89a", 6, &timing, &error));
	g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_DECODE);
}

/* ---- variants ---- */

/* The largest mean difference of colour (0-255, premultiplied) between
 * a frame of the GIF and the WebP's frame at that moment: lossy WebP at
 * the default quality measured 0-6 on the pictures of this test. */
#define MAX_LOSS 8.0

/* Runs recompress on @path with WebP asked for; NULL with *@error_out
 * set if it failed. */
static GPtrArray *
recompress(const char *path, const char *widths, GError **error_out)
{
	gsize len = 0;
	g_autofree char *data = tu_read(path, &len);
	ImgoptHash hash;
	g_auto(ImgoptSettings) settings = {0};
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_encoded_free);

	imgopt_settings_init(&settings);
	g_assert_true(imgopt_settings_parse_widths(&settings, widths, NULL));
	g_assert_true(
		imgopt_settings_parse_formats(&settings, "jpeg,webp", NULL));
	imgopt_hash_buffer(data, len, &hash);
	if (!imgopt_recompress_buffer(path, data, len, &hash, &settings, out,
				      error_out))
		return NULL;
	return g_steal_pointer(&out);
}

/* The stored frame of @made that a browser shows while @source shows
 * its frame @i. */
static guint
frame_shown(const ImgoptAnimTiming *source, const ImgoptAnimTiming *made,
	    guint i)
{
	uint64_t start = 0, end = 0;
	guint j = 0;

	if (made->is_still)
		return 0;
	for (guint k = 0; k < i; k++)
		start += duration(source, k);
	for (j = 0; j < made->durations->len; j++) {
		end += duration(made, j);
		if (start < end)
			return j;
	}
	g_assert_not_reached();
}

/* How @a's frame @fa and @b's frame @fb differ: the mean absolute
 * difference of colour (premultiplied by alpha) and the largest
 * difference of alpha (a picture without alpha band is opaque). */
static void
frame_difference(const ImgoptPicture *a, guint fa, const ImgoptPicture *b,
		 guint fb, double *colour_out, int *alpha_out)
{
	uint32_t w = imgopt_picture_get_width(a);
	uint32_t h = imgopt_picture_get_height(a);
	int na = imgopt_picture_get_bands(a), nb = imgopt_picture_get_bands(b);
	gsize sa = 0, sb = 0;
	const uint8_t *pa = imgopt_picture_get_pixels(a, &sa) + fa * h * sa;
	const uint8_t *pb = imgopt_picture_get_pixels(b, &sb) + fb * h * sb;
	double colour = 0;

	*alpha_out = 0;
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			const uint8_t *qa = pa + y * sa + x * (gsize)na;
			const uint8_t *qb = pb + y * sb + x * (gsize)nb;
			int aa = na == 4 ? qa[3] : 255;
			int ab = nb == 4 ? qb[3] : 255;
			*alpha_out = MAX(*alpha_out, abs(aa - ab));
			for (int c = 0; c < 3; c++)
				colour += fabs(qa[c] * aa / 255.0 -
					       qb[c] * ab / 255.0);
		}
	*colour_out = colour / (3.0 * w * h);
}

/* Every frame of the WebP @e decodes and shows, at each moment, what
 * the source GIF (@source_full, decoded, resized to the WebP's width)
 * shows then: colour within @max_colour, alpha exactly. */
static void
assert_same_pictures(const ImgoptPicture *source_full, const ImgoptEncoded *e,
		     const ImgoptAnimTiming *source,
		     const ImgoptAnimTiming *made, double max_colour)
{
	gsize len = 0;
	const void *data = g_bytes_get_data(e->data, &len);
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptPicture) webp =
		imgopt_picture_decode(data, len, &error);
	g_assert_no_error(error);
	g_autoptr(ImgoptPicture) want =
		imgopt_picture_shrink(source_full, e->variant->width, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(imgopt_picture_get_width(webp), ==,
			 imgopt_picture_get_width(want));
	g_assert_cmpuint(imgopt_picture_get_height(webp), ==,
			 imgopt_picture_get_height(want));
	g_assert_cmpuint(imgopt_picture_get_n_frames(webp), ==,
			 made->is_still ? 1 : made->durations->len);
	for (guint i = 0; i < source->durations->len; i++) {
		double colour = 0;
		int alpha = 0;
		guint j = frame_shown(source, made, i);
		frame_difference(want, i, webp, j, &colour, &alpha);
		g_test_message("%s frame %u (webp %u): colour %.2f alpha %d",
			       e->variant->path, i, j, colour, alpha);
		g_assert_cmpfloat(colour, <, max_colour);
		g_assert_cmpint(alpha, <=, 0);
	}
}

/* Checks every WebP variant of @path against the GIF; returns how many
 * there were. */
static guint
check_webp_variants(const char *path, const GPtrArray *variants,
		    double max_colour)
{
	gsize len = 0;
	g_autofree char *data = tu_read(path, &len);
	g_auto(ImgoptGifInfo) info = {0};
	g_auto(ImgoptAnimTiming) source = {0};
	g_autoptr(GError) error = NULL;
	guint n_webp = 0;

	g_assert_true(imgopt_gif_read_info(data, len, &info, &error));
	g_assert_true(imgopt_anim_timing_from_gif(&info, &source));
	g_autoptr(ImgoptPicture) full =
		imgopt_picture_decode(data, len, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < variants->len; i++) {
		const ImgoptEncoded *e = g_ptr_array_index(variants, i);
		gsize n = 0;
		const void *bytes = g_bytes_get_data(e->data, &n);
		g_auto(ImgoptAnimTiming) made = {0};
		if (e->variant->format != IMGOPT_FORMAT_WEBP)
			continue;
		n_webp++;
		g_assert_cmpuint(n, <, len);
		g_assert_cmpuint(e->variant->n_frames, ==, info.n_frames);
		g_assert_true(
			imgopt_anim_timing_from_webp(bytes, n, &made, &error));
		g_assert_true(imgopt_anim_same_timeline(&source, &made));
		assert_same_pictures(full, e, &source, &made, max_colour);
	}
	return n_webp;
}

/* The WebP variants of a GIF whose frames all differ: as many stored
 * frames as the GIF, each with the GIF's delay as browsers show it. */
static void
assert_frame_for_frame(const char *path, const GPtrArray *variants,
		       const uint32_t *ms, guint n, uint32_t plays)
{
	guint n_webp = 0;

	for (guint i = 0; i < variants->len; i++) {
		const ImgoptEncoded *e = g_ptr_array_index(variants, i);
		gsize len = 0;
		const void *data = g_bytes_get_data(e->data, &len);
		g_auto(ImgoptAnimTiming) made = {0};
		if (e->variant->format != IMGOPT_FORMAT_WEBP)
			continue;
		n_webp++;
		g_assert_true(
			imgopt_anim_timing_from_webp(data, len, &made, NULL));
		g_assert_cmpuint(made.plays, ==, plays);
		g_assert_cmpuint(made.durations->len, ==, n);
		for (guint k = 0; k < n; k++)
			g_assert_cmpuint(duration(&made, k), ==, ms[k]);
	}
	/* both widths */
	g_assert_cmpuint(n_webp, ==, 2);
	g_assert_cmpuint(check_webp_variants(path, variants, MAX_LOSS), ==, 2);
}

static void
test_generated(void)
{
	const int d1[] = {3, 7, 50};
	const uint32_t m1[] = {30, 70, 500};
	const int d2[] = {50, 3, 7, 50, 20};
	const uint32_t m2[] = {500, 30, 70, 500, 200};
	const int d3[] = {0, 1, 2, 4};
	const uint32_t m3[] = {100, 100, 20, 40};
	const struct {
		GifSpec spec;
		const uint32_t *ms;
		uint32_t plays;
	} cases[] = {
		{{"loop0-alpha.gif", d1, 3, NULL, 0, true, false}, m1, 0},
		{{"loop3.gif", d2, 5, NULL, 3, false, false}, m2, 4},
		{{"loop3-alpha.gif", d1, 3, NULL, 3, true, false}, m1, 4},
		{{"once.gif", d1, 3, NULL, -1, false, false}, m1, 1},
		{{"stretched.gif", d3, 4, NULL, 0, true, false}, m3, 0},
	};

	for (guint k = 0; k < G_N_ELEMENTS(cases); k++) {
		g_autofree char *path = make_gif(&cases[k].spec);
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) variants =
			recompress(path, "100,160", &error);
		g_assert_no_error(error);
		assert_frame_for_frame(path, variants, cases[k].ms,
				       (guint)cases[k].spec.n_frames,
				       cases[k].plays);
	}
}

/* A frame shown twice in a row: libwebp may store it once, for both
 * delays; either way the WebP plays on the GIF's clock and shows the
 * GIF's picture at every moment. */
static void
test_repeated_frame(void)
{
	const int delays[] = {3, 7, 50, 20};
	const int pictures[] = {0, 0, 1, 2};
	GifSpec spec = {"repeat.gif", delays, 4, pictures, 0, true, false};
	g_autofree char *path = make_gif(&spec);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) variants = recompress(path, "100,160", &error);

	g_assert_no_error(error);
	g_assert_cmpuint(check_webp_variants(path, variants, MAX_LOSS), ==, 2);
}

/* Colour edges, which lossy WebP's halved chroma blurs: the WebP is
 * lossless, each frame the GIF's own pixels.  Resized, the frames lose
 * the GIF's palette and lossless WebP loses to the GIF; that predicts
 * nothing about the GIF's own width, where it wins. */
static void
test_colour_edges(void)
{
	const int delays[] = {3, 7, 50};
	GifSpec spec = {"colourful.gif", delays, 3, NULL, 0, true, true};
	g_autofree char *path = make_gif(&spec);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) variants = recompress(path, "100,160", &error);

	g_assert_no_error(error);
	g_assert_cmpuint(check_webp_variants(path, variants, 0.5), ==, 1);
	for (guint i = 0; i < variants->len; i++) {
		const ImgoptEncoded *e = g_ptr_array_index(variants, i);
		if (e->variant->format == IMGOPT_FORMAT_WEBP)
			g_assert_cmpuint(e->variant->width, ==, GIF_W);
	}
}

/* A loop count WebP cannot hold: the GIF serves every width alone. */
static void
test_loop_too_large(void)
{
	const int delays[] = {3, 7, 50};
	GifSpec spec = {"loop65535.gif", delays, 3, NULL, 65535, false, false};
	g_autofree char *path = make_gif(&spec);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) variants = recompress(path, "100,160", &error);

	g_assert_no_error(error);
	g_assert_cmpuint(variants->len, >, 0);
	for (guint i = 0; i < variants->len; i++) {
		const ImgoptEncoded *e = g_ptr_array_index(variants, i);
		g_assert_cmpint(e->variant->format, ==, IMGOPT_FORMAT_GIF);
	}
}

/* Whether INDEX.tsv's facts column says "frames=N" with N > 1. */
static bool
is_animated_row(const char *facts)
{
	const char *frames = strstr(facts, "frames=");

	return frames != NULL &&
	       g_ascii_strtoull(frames + strlen("frames="), NULL, 10) > 1;
}

/* One animated GIF of the collection: WebP variants that match it, or
 * a clear error. */
static void
check_bad_image(const char *path, guint *n_webp, guint *n_failed)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) variants = recompress(path, "160,480", &error);

	if (variants == NULL) {
		g_test_message("%s: %s", path, error->message);
		g_assert_true(error->domain == IMGOPT_ERROR);
		g_assert_nonnull(strstr(error->message, path));
		g_assert_cmpuint(strlen(error->message), >, strlen(path) + 6);
		(*n_failed)++;
		return;
	}
	*n_webp += check_webp_variants(path, variants, MAX_LOSS);
}

static void
test_badimages(void)
{
	g_autofree char *dir = tu_shared("badimages", NULL);
	g_autofree char *index = g_build_filename(dir, "INDEX.tsv", NULL);
	if (!g_file_test(index, G_FILE_TEST_EXISTS)) {
		g_test_skip("../shared/badimages is missing");
		return;
	}
	g_autofree char *text = tu_read(index, NULL);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	guint n_files = 0, n_webp = 0, n_failed = 0;

	for (guint i = 1; lines[i] != NULL; i++) {
		g_auto(GStrv) cols = g_strsplit(lines[i], "\t", -1);
		if (g_strv_length(cols) < 6 || strcmp(cols[4], "gif") != 0 ||
		    !is_animated_row(cols[5]))
			continue;
		g_autofree char *path = g_build_filename(dir, cols[0], NULL);
		n_files++;
		check_bad_image(path, &n_webp, &n_failed);
	}
	g_test_message("%u animated GIFs: %u WebP variants, %u refused",
		       n_files, n_webp, n_failed);
	g_assert_cmpuint(n_files, >=, 30);
	g_assert_cmpuint(n_webp, >=, 10);
}

/* Copies @name of ../shared/badimages to @dir; false if it is missing. */
static bool
copy_bad_image(const char *name, const char *dir)
{
	g_autofree char *from = tu_shared("badimages", name, NULL);
	g_autofree char *to = g_build_filename(dir, name, NULL);
	gsize len = 0;

	if (!g_file_test(from, G_FILE_TEST_EXISTS))
		return false;
	g_autofree char *data = tu_read(from, &len);
	g_assert_true(g_file_set_contents(to, data, (gssize)len, NULL));
	return true;
}

/* `imgopt build` with WebP over a malformed animated GIF and good ones:
 * the bad one is named with its reason, the run goes on and the others
 * get their WebP. */
static void
test_build_goes_on(void)
{
	g_autofree char *root = g_build_filename(tmp_dir, "site", NULL);
	g_autofree char *img = g_build_filename(root, "img", NULL);
	g_autofree char *posts = g_build_filename(root, "_posts", NULL);
	g_autofree char *post =
		g_build_filename(posts, "2020-01-01-a.md", NULL);
	const int delays[] = {3, 7, 50};
	GifSpec spec = {"site/img/made.gif", delays, 3, NULL, 0, true, false};

	g_assert_cmpint(g_mkdir_with_parents(img, 0755), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(posts, 0755), ==, 0);
	g_free(make_gif(&spec));
	if (!copy_bad_image("pillow__chi.gif", img) ||
	    !copy_bad_image("libvips__invalid_multiframe.gif", img)) {
		g_test_skip("../shared/badimages is missing");
		return;
	}
	tu_write(post, "![](/img/made.gif)\n\n![](/img/pillow__chi.gif)\n\n"
		       "![](/img/libvips__invalid_multiframe.gif)\n");
	const char *argv[] = {"imgopt",    "build",       "-q", "--formats",
			      "jpeg,webp", "--site-root", root, posts,
			      img,         NULL};
	g_autofree char *err = NULL;
	g_assert_cmpint(tu_run(argv, NULL, &err), ==, 1);
	g_test_message("%s", err);
	g_assert_nonnull(strstr(err, "libvips__invalid_multiframe.gif"));
	g_assert_nonnull(strstr(err, "Invalid frame data"));

	g_autofree char *out = g_build_filename(img, IMGOPT_OUTPUT_DIR, NULL);
	g_autoptr(GDir) dir = g_dir_open(out, 0, NULL);
	guint n_webp = 0;
	g_assert_nonnull(dir);
	for (const char *name; (name = g_dir_read_name(dir)) != NULL;)
		n_webp += g_str_has_suffix(name, ".webp");
	g_assert_cmpuint(n_webp, ==, 2);
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

	g_test_add_func("/animated/gif-timing-as-browsers-show-it",
			test_gif_rules);
	g_test_add_func("/animated/same-timeline", test_same_timeline);
	g_test_add_func("/animated/webp-reader-agrees-with-libvips",
			test_webp_reader);
	g_test_add_func("/animated/generated-gifs-keep-timing", test_generated);
	g_test_add_func("/animated/repeated-frame", test_repeated_frame);
	g_test_add_func("/animated/colour-edges-lossless", test_colour_edges);
	g_test_add_func("/animated/loop-count-webp-cannot-hold",
			test_loop_too_large);
	g_test_add_func("/animated/badimages", test_badimages);
	g_test_add_func("/animated/build-goes-on-past-a-bad-gif",
			test_build_goes_on);

	int status = g_test_run();
	tu_rmtree(tmp_dir);
	g_free(tmp_dir);
	imgopt_shutdown();
	return status;
}
