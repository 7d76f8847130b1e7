/*
 * resample.c: Lanczos resampling of 8-bit pictures by zimg, for the
 * libvips adapter (image.h maps its files; built into its module).
 *
 * zimg works on planar images; imgopt's pictures are interleaved (RGB
 * RGB ...).  zimg's own callbacks bridge the two: it asks for a span of
 * a source row before it reads it (unpack() fetches the row from the
 * caller and splits it into the planes) and tells when a span of an
 * output row is ready (pack() interleaves it into the caller's row).
 *
 * Two passes, each a zimg graph: the rows, in bands of BAND_ROWS as the
 * source gives them (resize_rows()), into planes as tall as the source
 * and as wide as the output; then, when the height changes, the columns
 * of those planes (resize_columns()).  One graph for both directions
 * would need the source whole, or read it again: zimg works on wide
 * images in column tiles, each from the top.  Graphs are kept for the
 * next resize of the same size (graph_for()).
 */
#include <string.h>

#include <zimg.h>

#include "imgopt/error.h"

#include "resample.h"

/* zimg's alignment for plane rows and its scratch buffer: 32 bytes on
 * x86-64 (64 if it were allowed AVX-512), more elsewhere never. */
#define ALIGNMENT 64

/* zimg's planes: R G B A or Y - - A (alpha is always the fourth). */
#define N_PLANES 4

/* Planar rows for one side of a graph: a ring of zimg's buffering, or
 * whole planes. */
typedef struct {
	uint8_t *data;   /* the planes, one after another */
	size_t stride;   /* bytes from one plane row to the next */
	unsigned mask;   /* row index mask (ZIMG_BUFFER_MAX: whole planes) */
	unsigned n_rows; /* rows per plane */
	int bands;       /* planes held: one a sample, alpha's last */
} Planes;

/* A run of zimg_filter_graph_process(), for its callbacks. */
typedef struct {
	const ImgoptRowResize *resize;
	uint32_t top;     /* the first source or output row of the run */
	uint32_t rows;    /* the run's rows that exist (a last band: fewer) */
	unsigned fetched; /* rows read from the source in this run */
	Planes in, out;
	GError *error; /* the source's, when it fails */
} Run;

static size_t
align_up(size_t n)
{
	return (n + ALIGNMENT - 1) & ~(size_t)(ALIGNMENT - 1);
}

/* The zimg plane of sample @b of a pixel of @bands samples. */
static int
plane_of(int b, int bands)
{
	return (bands == 2 || bands == 4) && b == bands - 1 ? 3 : b;
}

static uint8_t *
plane_row(const Planes *planes, int plane, unsigned i)
{
	int slot = plane == 3 ? planes->bands - 1 : plane;

	return planes->data +
	       ((size_t)slot * planes->n_rows + (i & planes->mask)) *
		       planes->stride;
}

/* A ring of @buffering rows (as zimg asks; ZIMG_BUFFER_MAX: all @height
 * rows) of @width samples in a plane for each of @bands. */
static void
planes_init(Planes *planes, int bands, unsigned buffering, uint32_t height,
	    uint32_t width)
{
	planes->mask = zimg_select_buffer_mask(buffering);
	planes->n_rows =
		planes->mask == ZIMG_BUFFER_MAX ? height : planes->mask + 1;
	planes->stride = align_up(width);
	planes->bands = bands;
	planes->data = g_aligned_alloc((gsize)bands * planes->n_rows,
				       planes->stride, ALIGNMENT);
}

/* zimg's view of @planes from row @top (0 for a ring). */
static zimg_image_buffer
buffer_of(const Planes *planes, unsigned top)
{
	zimg_image_buffer b = {.version = ZIMG_API_VERSION};

	for (int band = 0; band < planes->bands; band++) {
		int p = plane_of(band, planes->bands);
		b.plane[p].data = plane_row(planes, p, top);
		b.plane[p].stride = (ptrdiff_t)planes->stride;
		b.plane[p].mask = planes->mask;
	}
	return b;
}

static zimg_image_buffer_const
const_buffer_of(const Planes *planes)
{
	zimg_image_buffer b = buffer_of(planes, 0);
	zimg_image_buffer_const c = {.version = ZIMG_API_VERSION};

	for (int p = 0; p < N_PLANES; p++) {
		c.plane[p].data = b.plane[p].data;
		c.plane[p].stride = b.plane[p].stride;
		c.plane[p].mask = b.plane[p].mask;
	}
	return c;
}

static void
describe(zimg_image_format *format, uint32_t width, uint32_t height, int bands)
{
	zimg_image_format_default(format, ZIMG_API_VERSION);
	format->width = width;
	format->height = height;
	format->pixel_type = ZIMG_PIXEL_BYTE;
	format->color_family = bands <= 2 ? ZIMG_COLOR_GREY : ZIMG_COLOR_RGB;
	format->pixel_range = ZIMG_RANGE_FULL;
	/* zimg resizes straight alpha premultiplied, as libvips does */
	format->alpha = bands == 2 || bands == 4 ? ZIMG_ALPHA_STRAIGHT
						 : ZIMG_ALPHA_NONE;
}

/*
 * Interleaved samples to planes and back: the loops GCC vectorises, as
 * it cannot with an unsigned index (which may wrap) or pointers that may
 * overlap.  Three bytes a pixel (RGB, most of imgopt's pictures) need
 * byte shuffles that x86-64's baseline lacks: those loops are also
 * built for SSSE3 and AVX2, chosen at load time by the CPU.
 */
#if defined(__x86_64__) && defined(__GNUC__)
#define WITH_SHUFFLES __attribute__((target_clones("default", "ssse3", "avx2")))
#else
#define WITH_SHUFFLES
#endif

WITH_SHUFFLES static void
split3(const uint8_t *restrict px, uint8_t *restrict p0, uint8_t *restrict p1,
       uint8_t *restrict p2, size_t n)
{
	for (size_t x = 0; x < n; x++) {
		p0[x] = px[3 * x];
		p1[x] = px[3 * x + 1];
		p2[x] = px[3 * x + 2];
	}
}

WITH_SHUFFLES static void
join3(const uint8_t *restrict p0, const uint8_t *restrict p1,
      const uint8_t *restrict p2, uint8_t *restrict px, size_t n)
{
	for (size_t x = 0; x < n; x++) {
		px[3 * x] = p0[x];
		px[3 * x + 1] = p1[x];
		px[3 * x + 2] = p2[x];
	}
}

static void
split4(const uint8_t *restrict px, uint8_t *restrict p0, uint8_t *restrict p1,
       uint8_t *restrict p2, uint8_t *restrict p3, size_t n)
{
	for (size_t x = 0; x < n; x++) {
		p0[x] = px[4 * x];
		p1[x] = px[4 * x + 1];
		p2[x] = px[4 * x + 2];
		p3[x] = px[4 * x + 3];
	}
}

static void
join4(const uint8_t *restrict p0, const uint8_t *restrict p1,
      const uint8_t *restrict p2, const uint8_t *restrict p3,
      uint8_t *restrict px, size_t n)
{
	for (size_t x = 0; x < n; x++) {
		px[4 * x] = p0[x];
		px[4 * x + 1] = p1[x];
		px[4 * x + 2] = p2[x];
		px[4 * x + 3] = p3[x];
	}
}

/* @n pixels of @bands samples at @px to the planes @p (one a band). */
static void
split(const uint8_t *px, int bands, uint8_t *const p[N_PLANES], size_t n)
{
	switch (bands) {
	case 1:
		memcpy(p[0], px, n);
		break;
	case 3:
		split3(px, p[0], p[1], p[2], n);
		break;
	case 4:
		split4(px, p[0], p[1], p[2], p[3], n);
		break;
	default:
		for (size_t x = 0; x < n; x++) {
			p[0][x] = px[2 * x];
			p[1][x] = px[2 * x + 1];
		}
	}
}

static void
join(uint8_t *const p[N_PLANES], int bands, uint8_t *px, size_t n)
{
	switch (bands) {
	case 1:
		memcpy(px, p[0], n);
		break;
	case 3:
		join3(p[0], p[1], p[2], px, n);
		break;
	case 4:
		join4(p[0], p[1], p[2], p[3], px, n);
		break;
	default:
		for (size_t x = 0; x < n; x++) {
			px[2 * x] = p[0][x];
			px[2 * x + 1] = p[1][x];
		}
	}
}

/* Where sample @b of @bands of pixel @left of row @i is in @planes. */
static void
bands_at(const Planes *planes, int bands, unsigned i, unsigned left,
	 uint8_t *p[N_PLANES])
{
	for (int b = 0; b < bands; b++)
		p[b] = plane_row(planes, plane_of(b, bands), i) + left;
}

/* zimg asks for columns [left, right) of row @i of a band (resize_rows()):
 * it may come back for other columns of the row, which the whole planes
 * of the band keep, so each row is read whole, once. */
static int
unpack(void *user, unsigned i, unsigned left, unsigned right)
{
	Run *run = user;
	const ImgoptRowResize *resize = run->resize;
	int bands = resize->bands;
	uint8_t *p[N_PLANES];

	(void)left;
	(void)right;
	if (run->error != NULL)
		return 1;
	/* rows up to @i not read yet, in order (zimg asks in order; were it
	 * to skip one, the source would still be read in order) */
	for (; run->fetched <= i; run->fetched++) {
		unsigned k = run->fetched;
		bands_at(&run->in, bands, k, 0, p);
		if (k >= run->rows) {
			/* padding of a last band: resized, never packed */
			for (int b = 0; b < bands; b++)
				memset(p[b], 0, resize->width_in);
			continue;
		}
		const uint8_t *row =
			resize->source(resize->user, run->top + k, &run->error);
		if (row == NULL)
			return 1;
		split(row, bands, p, resize->width_in);
	}
	return 0;
}

/* Columns [left, right) of output row @i are ready. */
static int
pack(void *user, unsigned i, unsigned left, unsigned right)
{
	Run *run = user;
	const ImgoptRowResize *resize = run->resize;
	if (i >= run->rows)
		return 0;
	uint8_t *row =
		resize->out + (size_t)(run->top + i) * resize->out_stride;

	uint8_t *p[N_PLANES];
	bands_at(&run->out, resize->bands, i, left, p);
	join(p, resize->bands, row + (size_t)resize->bands * left,
	     right - left);
	return 0;
}

static void
set_zimg_error(GError **error)
{
	char message[256] = "";

	zimg_get_last_error(message, sizeof message);
	g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_DECODE,
		    "cannot resample: %s", message);
}

/*
 * Graphs for reuse.  Building one (its filter weights, a sine per tap)
 * costs 1 to 1.5 ms, as much as running it on a 1600 px picture, and a
 * blog's images come in few sizes (Hux's headers are all 1900x870, so
 * are their 1600, 960 and 480 px steps).  Each thread keeps the
 * CACHED_GRAPHS it used last, so no lock is needed; they go when the
 * thread does.
 */
#define CACHED_GRAPHS 16

/* Rows per zimg run of the rows pass (resize_rows()): one graph serves
 * every band, the last one padded (see unpack()). */
#define BAND_ROWS 16

typedef struct {
	uint32_t width_in, width_out, height_in, height_out;
	int bands;
	zimg_filter_graph *graph;
	size_t tmp_size;   /* zimg's scratch memory */
	unsigned out_rows; /* its output buffering */
} Graph;

static void
graph_free(gpointer data)
{
	Graph *graph = data;

	zimg_filter_graph_free(graph->graph);
	g_free(graph);
}

static void
cache_free(gpointer queue)
{
	g_queue_free_full(queue, graph_free);
}

static GPrivate cache_key = G_PRIVATE_INIT(cache_free);

static Graph *
graph_build(const Graph *key, GError **error)
{
	zimg_image_format from, to;
	zimg_graph_builder_params params;
	Graph *graph = g_memdup2(key, sizeof *key);

	describe(&from, key->width_in, key->height_in, key->bands);
	describe(&to, key->width_out, key->height_out, key->bands);
	zimg_graph_builder_params_default(&params, ZIMG_API_VERSION);
	params.resample_filter = ZIMG_RESIZE_LANCZOS;
	params.filter_param_a = 3; /* lobes, as libvips' lanczos3 */
	params.dither_type = ZIMG_DITHER_NONE;
	graph->graph = zimg_filter_graph_build(&from, &to, &params);
	if (graph->graph == NULL ||
	    zimg_filter_graph_get_tmp_size(graph->graph, &graph->tmp_size) ||
	    zimg_filter_graph_get_output_buffering(graph->graph,
						   &graph->out_rows)) {
		set_zimg_error(error);
		graph_free(graph);
		return NULL;
	}
	return graph;
}

/* The graph for @key's sizes: this thread's cached one, or a new one
 * (then cached).  Owned by the cache, valid until the next call. */
static const Graph *
graph_for(Graph key, GError **error)
{
	GQueue *cache = g_private_get(&cache_key);

	if (cache == NULL) {
		cache = g_queue_new();
		g_private_set(&cache_key, cache);
	}
	for (GList *link = cache->head; link != NULL; link = link->next) {
		const Graph *graph = link->data;
		if (graph->width_in == key.width_in &&
		    graph->width_out == key.width_out &&
		    graph->height_in == key.height_in &&
		    graph->height_out == key.height_out &&
		    graph->bands == key.bands) {
			g_queue_unlink(cache, link);
			g_queue_push_head_link(cache, link);
			return graph;
		}
	}
	Graph *graph = graph_build(&key, error);
	if (graph == NULL)
		return NULL;
	g_queue_push_head(cache, graph);
	if (cache->length > CACHED_GRAPHS)
		graph_free(g_queue_pop_tail(cache));
	return graph;
}

/* Runs @graph from @src to @dst (a zimg callback NULL: that side is
 * whole planes already), with @tmp of at least its tmp_size. */
static bool
process(const Graph *graph, Run *run, const zimg_image_buffer_const *src,
	const zimg_image_buffer *dst, zimg_filter_graph_callback unpack_cb,
	zimg_filter_graph_callback pack_cb, void *tmp, GError **error)
{
	zimg_error_code_e code = zimg_filter_graph_process(
		graph->graph, src, dst, tmp, unpack_cb, run, pack_cb, run);

	if (run->error != NULL) {
		g_propagate_error(error, g_steal_pointer(&run->error));
		return false;
	}
	if (code != ZIMG_ERROR_SUCCESS) {
		set_zimg_error(error);
		return false;
	}
	return true;
}

/* zimg's scratch memory for @graph. */
static void *
tmp_for(const Graph *graph)
{
	return g_aligned_alloc(1, align_up(MAX(graph->tmp_size, 1)), ALIGNMENT);
}

/*
 * The rows, BAND_ROWS at a time: each band's source rows are read whole
 * into whole planes and kept until zimg is done with them, so the
 * source is read once, in order, whatever columns zimg works in (it
 * works in column tiles on wide images, top to bottom for each).  Into
 * @mid from its row @top when given (whole planes, the height of the
 * bands), else packed into the caller's rows.
 */
static bool
resize_rows(const ImgoptRowResize *resize, Planes *mid, GError **error)
{
	uint32_t band = MIN(BAND_ROWS, resize->height_in);
	const Graph key = {.width_in = resize->width_in,
			   .width_out = resize->width_out,
			   .height_in = band,
			   .height_out = band,
			   .bands = resize->bands};
	/* one graph, the same for every band (owned by the cache, which
	 * nothing else touches while the bands run) */
	const Graph *graph = graph_for(key, error);
	if (graph == NULL)
		return false;

	Run run = {.resize = resize};
	planes_init(&run.in, resize->bands, ZIMG_BUFFER_MAX, band,
		    resize->width_in);
	if (mid == NULL)
		planes_init(&run.out, resize->bands, graph->out_rows, band,
			    resize->width_out);
	void *tmp = tmp_for(graph);
	bool is_ok = true;
	for (uint32_t top = 0; is_ok && top < resize->height_in; top += band) {
		run.top = top;
		run.rows = MIN(band, resize->height_in - top);
		run.fetched = 0;
		zimg_image_buffer_const src = const_buffer_of(&run.in);
		zimg_image_buffer dst = mid != NULL ? buffer_of(mid, top)
						    : buffer_of(&run.out, 0);
		is_ok = process(graph, &run, &src, &dst, unpack,
				mid != NULL ? NULL : pack, tmp, error);
	}
	g_aligned_free(tmp);
	g_aligned_free(run.in.data);
	g_aligned_free(run.out.data);
	return is_ok;
}

/* The columns of @mid (whole planes, the rows resized) to the height
 * wanted, packed into the caller's rows. */
static bool
resize_columns(const ImgoptRowResize *resize, const Planes *mid, GError **error)
{
	const Graph key = {.width_in = resize->width_out,
			   .width_out = resize->width_out,
			   .height_in = resize->height_in,
			   .height_out = resize->height_out,
			   .bands = resize->bands};
	const Graph *graph = graph_for(key, error);
	if (graph == NULL)
		return false;

	Run run = {.resize = resize, .rows = resize->height_out};
	planes_init(&run.out, resize->bands, graph->out_rows,
		    resize->height_out, resize->width_out);
	zimg_image_buffer_const src = const_buffer_of(mid);
	zimg_image_buffer dst = buffer_of(&run.out, 0);
	void *tmp = tmp_for(graph);
	bool is_ok = process(graph, &run, &src, &dst, NULL, pack, tmp, error);
	g_aligned_free(tmp);
	g_aligned_free(run.out.data);
	return is_ok;
}

bool
imgopt_resample_image(const ImgoptRowResize *resize, GError **error)
{
	g_return_val_if_fail(resize != NULL && resize->source != NULL, false);
	g_return_val_if_fail(resize->out != NULL, false);
	g_return_val_if_fail(resize->bands >= 1 && resize->bands <= 4, false);
	g_return_val_if_fail(resize->width_in >= 1 && resize->width_out >= 1,
			     false);
	g_return_val_if_fail(resize->height_in >= 1 && resize->height_out >= 1,
			     false);
	g_return_val_if_fail(error == NULL || *error == NULL, false);

	if (resize->height_in == resize->height_out)
		return resize_rows(resize, NULL, error);

	/* rows first, as the source gives them, into planes the height of
	 * the source (rounded up to bands), then the columns */
	uint32_t band = MIN(BAND_ROWS, resize->height_in);
	uint32_t height = (resize->height_in + band - 1) / band * band;
	Planes mid;
	planes_init(&mid, resize->bands, ZIMG_BUFFER_MAX, height,
		    resize->width_out);
	bool is_ok = resize_rows(resize, &mid, error) &&
		     resize_columns(resize, &mid, error);
	g_aligned_free(mid.data);
	return is_ok;
}
