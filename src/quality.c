/*
 * quality.c: the 4:2:0 chroma decision and SSIM, in plain C on pixels in
 * memory (see quality.h), for the libvips adapter (image.h maps its
 * files; built into its module): image.c passes a picture's pixels here.
 */
#include <math.h>

#include "quality.h"

/*
 * What 4:2:0 subsampling loses, in plain C: the same measure as a chain
 * of libvips operations (Lab in float, shrink, bilinear resize,
 * difference, mean) cost 11 ms on a 480 px picture, more than encoding
 * it; this takes about 1 ms.  Each pixel's CIE a and b (sRGB, D65), each
 * 2x2 block of them averaged (what subsampling keeps) and interpolated
 * back bilinearly as vips_resize() did for the calibration of
 * CHROMA_LOSS_LIMIT (output pixel x reads block x / 2); the loss is the
 * mean absolute difference over both.  Against the libvips chain it was
 * measured on: within 0.4% on the generated photos of bench/, within 5%
 * on Hux's images, and the same decision for every one of them.  The cube root
 * of Lab comes from a table: 4096 steps over [0, 1] interpolated linearly are
 * within 1e-5 of cbrtf() where it is used.
 */
#define CUBE_ROOT_STEPS 4096

static float srgb_linear[256];              /* 8-bit sRGB -> linear */
static float lab_root[CUBE_ROOT_STEPS + 2]; /* Lab's f(t) on [0, 1] */

static gpointer
init_lab_tables(gpointer data)
{
	(void)data;
	for (int i = 0; i < 256; i++) {
		double v = i / 255.0;
		srgb_linear[i] =
			(float)(v <= 0.04045 ? v / 12.92
					     : pow((v + 0.055) / 1.055, 2.4));
	}
	for (int i = 0; i <= CUBE_ROOT_STEPS + 1; i++) {
		double t = (double)i / CUBE_ROOT_STEPS;
		lab_root[i] =
			(float)(t > 216.0 / 24389.0
					? cbrt(t)
					: (24389.0 / 27.0 * t + 16.0) / 116.0);
	}
	return NULL;
}

static inline float
lab_f(float t)
{
	if (t >= 1.0f)
		return cbrtf(t);
	float x = t * CUBE_ROOT_STEPS;
	int i = (int)x;
	float frac = x - (float)i;
	return lab_root[i] + (lab_root[i + 1] - lab_root[i]) * frac;
}

/* @in's a and b, @bands samples a pixel (3 or 4), into @a and @b. */
static void
lab_chroma(const uint8_t *in, gsize stride, int width, int height, int bands,
	   float *a, float *b)
{
	for (int y = 0; y < height; y++) {
		const uint8_t *p = in + (gsize)y * stride;
		for (int x = 0; x < width; x++, p += bands) {
			float r = srgb_linear[p[0]];
			float g = srgb_linear[p[1]];
			float bl = srgb_linear[p[2]];
			/* sRGB to XYZ, divided by D65 white */
			float fx = lab_f(
				(0.4124f * r + 0.3576f * g + 0.1805f * bl) /
				0.95047f);
			float fy =
				lab_f(0.2126f * r + 0.7152f * g + 0.0722f * bl);
			float fz = lab_f(
				(0.0193f * r + 0.1192f * g + 0.9505f * bl) /
				1.08883f);
			a[(gsize)y * width + x] = 500.0f * (fx - fy);
			b[(gsize)y * width + x] = 200.0f * (fy - fz);
		}
	}
}

/* Where output column (or row) @x of a 2x upsampling reads: block x / 2,
 * and for an odd @x half of the next one. */
static inline void
upsample_tap(int x, int n_blocks, int *left, int *right, float *weight)
{
	*left = x / 2;
	*right = MIN(x / 2 + 1, n_blocks - 1);
	*weight = (x & 1) ? 0.5f : 0.0f;
}

/* The mean absolute difference between @plane and its 2x2 block means
 * interpolated back to full size. */
static double
subsampling_loss(const float *plane, int width, int height)
{
	int bw = (width + 1) / 2, bh = (height + 1) / 2;
	g_autofree float *blocks = g_new(float, (gsize)bw *bh);
	double sum = 0;

	for (int by = 0; by < bh; by++)
		for (int bx = 0; bx < bw; bx++) {
			int x0 = 2 * bx, x1 = MIN(2 * bx + 1, width - 1);
			int y0 = 2 * by, y1 = MIN(2 * by + 1, height - 1);
			const float *r0 = plane + (gsize)y0 * width;
			const float *r1 = plane + (gsize)y1 * width;
			blocks[(gsize)by * bw + bx] =
				(r0[x0] + r0[x1] + r1[x0] + r1[x1]) / 4.0f;
		}
	for (int y = 0; y < height; y++) {
		int top, bottom;
		float wy;
		upsample_tap(y, bh, &top, &bottom, &wy);
		const float *b0 = blocks + (gsize)top * bw;
		const float *b1 = blocks + (gsize)bottom * bw;
		const float *row = plane + (gsize)y * width;
		double row_sum = 0;
		for (int x = 0; x < width; x++) {
			int left, right;
			float wx;
			upsample_tap(x, bw, &left, &right, &wx);
			float up = (1 - wy) * ((1 - wx) * b0[left] +
					       wx * b0[right]) +
				   wy * ((1 - wx) * b1[left] + wx * b1[right]);
			row_sum += fabsf(row[x] - up);
		}
		sum += row_sum;
	}
	return sum / ((double)width * height);
}

/* The mean Lab a/b loss of subsampling @pixels (see above). */
static double
chroma_loss(const uint8_t *pixels, gsize stride, int width, int height,
	    int bands)
{
	static GOnce once = G_ONCE_INIT;
	g_autofree float *a = g_new(float, (gsize)width *height);
	g_autofree float *b = g_new(float, (gsize)width *height);

	g_once(&once, init_lab_tables, NULL);
	lab_chroma(pixels, stride, width, height, bands, a, b);
	return (subsampling_loss(a, width, height) +
		subsampling_loss(b, width, height)) /
	       2.0;
}

/* Above this mean Lab a/b loss (about one and a half just-noticeable
 * differences), colour edges are sharp enough for 4:2:0 to smear them.
 * Measured at 480 px: Hux's images 0 to 3.6, most below 0.8; the
 * generated photo textures of bench/ about 1.0. */
#define CHROMA_LOSS_LIMIT 1.5

bool
imgopt_quality_full_chroma(const uint8_t *pixels, gsize stride, int width,
			   int height, int frame_height, int bands)
{
	g_return_val_if_fail(pixels != NULL, false);

	if (bands < 3 || width < 4 || frame_height < 4)
		return false;

	double loss = chroma_loss(pixels, stride, width, height, bands);
	g_debug("chroma loss %.3f at %dx%d", loss, width, frame_height);
	return loss > CHROMA_LOSS_LIMIT;
}

/*
 * SSIM, in plain C.  The quality search (recompress.c) measures several
 * trial encodings of every content, so this must cost little next to an
 * encoding: a chain of libvips operations (float conversions and five
 * Gaussian blurs) cost several times the encoding it measured.  Here
 * both pictures' luma (Rec. 601 weights on the 8-bit values, alpha
 * flattened onto white as the encoders do) is compared over 8x8 windows
 * every 4 pixels in each direction (Wang et al. 2004's SSIM with a
 * uniform window; K1 0.01, K2 0.03, L 255).  The result is not the mean
 * over the windows but the value the worst SSIM_WORST of them fall below:
 * a picture is judged by where the encoding hurts it most, as
 * butteraugli (a maximum over the picture) judges it, and a screenshot's
 * many flat windows cannot hide the ringing around its text.
 */
#define SSIM_WINDOW 8
#define SSIM_STEP 4
#define SSIM_WORST 0.05

/* One pixel's luma from @p with @bands samples (grey, grey + alpha,
 * RGB, RGBA). */
static inline double
pixel_luma(const uint8_t *p, int bands)
{
	double y =
		bands >= 3 ? 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2] : p[0];
	if (bands == 2 || bands == 4) {
		double a = p[bands - 1] / 255.0;
		y = y * a + 255.0 * (1.0 - a);
	}
	return y;
}

/* The first @height rows of an 8-bit image in memory as luma. */
double *
imgopt_quality_luma(const uint8_t *data, int width, int height, int bands)
{
	double *luma = g_new(double, (gsize)width *height);

	for (gsize i = 0; i < (gsize)width * height; i++)
		luma[i] = pixel_luma(data + i * bands, bands);
	return luma;
}

/* The SSIM of one window at (@left, @top), @size pixels square. */
static double
window_ssim(const double *x, const double *y, int stride, int left, int top,
	    int size)
{
	const double c1 = 6.5025, c2 = 58.5225;
	double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;

	for (int r = top; r < top + size; r++)
		for (int c = left; c < left + size; c++) {
			double a = x[(gsize)r * stride + c];
			double b = y[(gsize)r * stride + c];
			sx += a;
			sy += b;
			sxx += a * a;
			syy += b * b;
			sxy += a * b;
		}
	double n = (double)size * size;
	double mx = sx / n, my = sy / n;
	double vx = sxx / n - mx * mx, vy = syy / n - my * my;
	double cov = sxy / n - mx * my;
	return (2 * mx * my + c1) * (2 * cov + c2) /
	       ((mx * mx + my * my + c1) * (vx + vy + c2));
}

static int
compare_double(gconstpointer a, gconstpointer b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The value that SSIM_WORST of the windows fall below (see above). */
double
imgopt_quality_ssim(const double *x, const double *y, int width, int height)
{
	int size = MIN(SSIM_WINDOW, MIN(width, height));
	g_autoptr(GArray) all = g_array_new(FALSE, FALSE, sizeof(double));

	for (int top = 0; top + size <= height; top += SSIM_STEP)
		for (int left = 0; left + size <= width; left += SSIM_STEP) {
			double v = window_ssim(x, y, width, left, top, size);
			g_array_append_val(all, v);
		}
	if (all->len == 0)
		return 1.0;
	g_array_sort(all, compare_double);
	return g_array_index(all, double, (guint)(SSIM_WORST * (all->len - 1)));
}

void
imgopt_quality_score(const double *x, const double *y, int width, int height,
		     ImgoptQualityScore *score_out)
{
	double sum = 0;
	gsize n = (gsize)width * height;

	for (gsize i = 0; i < n; i++)
		sum += (x[i] - y[i]) * (x[i] - y[i]);
	score_out->mse = n > 0 ? sum / n : 0;
	score_out->ssim = imgopt_quality_ssim(x, y, width, height);
}
