/*
 * resample.c: horizontal Lanczos resampling of 8-bit rows by zimg.
 *
 * zimg works on planar images; imgopt's pictures are interleaved (RGB
 * RGB ...).  zimg's own callbacks bridge the two: it asks for a span of
 * a source row before it reads it (unpack() fetches the row from the
 * caller and splits the span into the planes) and tells when a span of
 * an output row is ready (pack() interleaves it into the caller's row).
 * The planes only ever hold the few rows zimg's buffering asks for.
 *
 * A graph that only resizes rows processes them whole, top to bottom,
 * one at a time, so a source decoded on demand is read once, in order.
 * The graph is built for the whole height, and kept for the next resize
 * of the same size (graph_for()).
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

/* Planar rows for one side of the graph: a ring of zimg's buffering. */
typedef struct {
	uint8_t *data;   /* the planes, one after another */
	size_t stride;   /* bytes from one plane row to the next */
	unsigned mask;   /* row index mask (ZIMG_BUFFER_MAX: whole planes) */
	unsigned n_rows; /* rows per plane */
} Planes;

/* One run of zimg_filter_graph_process(), for its callbacks. */
typedef struct {
	const ImgoptRowResize *resize;
	Planes in, out;
	GError *error; /* the source's, when it fails */
} Run;

static size_t
align_up(size_t n)
{
	return (n + ALIGNMENT - 1) & ~(size_t)(ALIGNMENT - 1);
}

static uint8_t *
plane_row(const Planes *planes, int plane, unsigned i)
{
	return planes->data +
	       ((size_t)plane * planes->n_rows + (i & planes->mask)) *
		       planes->stride;
}

/* A ring of @buffering rows (as zimg asks; ZIMG_BUFFER_MAX: all @height
 * rows) of @width samples in each of zimg's planes. */
static void
planes_init(Planes *planes, unsigned buffering, uint32_t height, uint32_t width)
{
	planes->mask = zimg_select_buffer_mask(buffering);
	planes->n_rows =
		planes->mask == ZIMG_BUFFER_MAX ? height : planes->mask + 1;
	planes->stride = align_up(width);
	planes->data = g_aligned_alloc((gsize)N_PLANES * planes->n_rows,
				       planes->stride, ALIGNMENT);
}

/* The zimg plane of sample @b of a pixel of @bands samples. */
static int
plane_of(int b, int bands)
{
	return (bands == 2 || bands == 4) && b == bands - 1 ? 3 : b;
}

static zimg_image_buffer
buffer_of(const Planes *planes)
{
	zimg_image_buffer b = {.version = ZIMG_API_VERSION};

	for (int p = 0; p < N_PLANES; p++) {
		b.plane[p].data = plane_row(planes, p, 0);
		b.plane[p].stride = (ptrdiff_t)planes->stride;
		b.plane[p].mask = planes->mask;
	}
	return b;
}

static zimg_image_buffer_const
const_buffer_of(const Planes *planes)
{
	zimg_image_buffer b = buffer_of(planes);
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

/* zimg asks for columns [left, right) of source row @i. */
static int
unpack(void *user, unsigned i, unsigned left, unsigned right)
{
	Run *run = user;
	const ImgoptRowResize *resize = run->resize;

	if (run->error != NULL)
		return 1;
	const uint8_t *row = resize->source(resize->user, i, &run->error);
	if (row == NULL)
		return 1;
	int bands = resize->bands;
	if (bands == 1) {
		memcpy(plane_row(&run->in, 0, i) + left, row + left,
		       right - left);
	}
	else if (bands == 3) {
		uint8_t *p0 = plane_row(&run->in, 0, i);
		uint8_t *p1 = plane_row(&run->in, 1, i);
		uint8_t *p2 = plane_row(&run->in, 2, i);
		for (unsigned x = left; x < right; x++) {
			p0[x] = row[3 * x];
			p1[x] = row[3 * x + 1];
			p2[x] = row[3 * x + 2];
		}
	}
	else {
		for (int b = 0; b < bands; b++) {
			uint8_t *p = plane_row(&run->in, plane_of(b, bands), i);
			for (unsigned x = left; x < right; x++)
				p[x] = row[(size_t)bands * x + b];
		}
	}
	return 0;
}

/* Columns [left, right) of output row @i are ready. */
static int
pack(void *user, unsigned i, unsigned left, unsigned right)
{
	Run *run = user;
	const ImgoptRowResize *resize = run->resize;
	uint8_t *row = resize->out + (size_t)i * resize->out_stride;

	int bands = resize->bands;
	if (bands == 1) {
		memcpy(row + left, plane_row(&run->out, 0, i) + left,
		       right - left);
	}
	else if (bands == 3) {
		const uint8_t *p0 = plane_row(&run->out, 0, i);
		const uint8_t *p1 = plane_row(&run->out, 1, i);
		const uint8_t *p2 = plane_row(&run->out, 2, i);
		for (unsigned x = left; x < right; x++) {
			row[3 * x] = p0[x];
			row[3 * x + 1] = p1[x];
			row[3 * x + 2] = p2[x];
		}
	}
	else {
		for (int b = 0; b < bands; b++) {
			const uint8_t *p =
				plane_row(&run->out, plane_of(b, bands), i);
			for (unsigned x = left; x < right; x++)
				row[(size_t)bands * x + b] = p[x];
		}
	}
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
#define CACHED_GRAPHS 6

typedef struct {
	uint32_t width_in, width_out, height;
	int bands;
	zimg_filter_graph *graph;
	size_t tmp_size;   /* zimg's scratch memory */
	unsigned in_rows;  /* its input buffering */
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
graph_build(const ImgoptRowResize *resize, GError **error)
{
	zimg_image_format from, to;
	zimg_graph_builder_params params;
	Graph *graph = g_new0(Graph, 1);

	graph->width_in = resize->width_in;
	graph->width_out = resize->width_out;
	graph->height = resize->height;
	graph->bands = resize->bands;
	describe(&from, resize->width_in, resize->height, resize->bands);
	describe(&to, resize->width_out, resize->height, resize->bands);
	zimg_graph_builder_params_default(&params, ZIMG_API_VERSION);
	params.resample_filter = ZIMG_RESIZE_LANCZOS;
	params.filter_param_a = 3; /* lobes, as libvips' lanczos3 */
	params.dither_type = ZIMG_DITHER_NONE;
	graph->graph = zimg_filter_graph_build(&from, &to, &params);
	if (graph->graph == NULL ||
	    zimg_filter_graph_get_tmp_size(graph->graph, &graph->tmp_size) ||
	    zimg_filter_graph_get_input_buffering(graph->graph,
						  &graph->in_rows) ||
	    zimg_filter_graph_get_output_buffering(graph->graph,
						   &graph->out_rows)) {
		set_zimg_error(error);
		graph_free(graph);
		return NULL;
	}
	return graph;
}

/* The graph for @resize: this thread's cached one, or a new one (then
 * cached).  Owned by the cache. */
static const Graph *
graph_for(const ImgoptRowResize *resize, GError **error)
{
	GQueue *cache = g_private_get(&cache_key);

	if (cache == NULL) {
		cache = g_queue_new();
		g_private_set(&cache_key, cache);
	}
	for (GList *link = cache->head; link != NULL; link = link->next) {
		const Graph *graph = link->data;
		if (graph->width_in == resize->width_in &&
		    graph->width_out == resize->width_out &&
		    graph->height == resize->height &&
		    graph->bands == resize->bands) {
			g_queue_unlink(cache, link);
			g_queue_push_head_link(cache, link);
			return graph;
		}
	}
	Graph *graph = graph_build(resize, error);
	if (graph == NULL)
		return NULL;
	g_queue_push_head(cache, graph);
	if (cache->length > CACHED_GRAPHS)
		graph_free(g_queue_pop_tail(cache));
	return graph;
}

bool
imgopt_resample_rows(const ImgoptRowResize *resize, GError **error)
{
	g_return_val_if_fail(resize != NULL && resize->source != NULL, false);
	g_return_val_if_fail(resize->out != NULL, false);
	g_return_val_if_fail(resize->bands >= 1 && resize->bands <= 4, false);
	g_return_val_if_fail(resize->width_in >= 1 && resize->width_out >= 1,
			     false);
	g_return_val_if_fail(resize->height >= 1, false);
	g_return_val_if_fail(error == NULL || *error == NULL, false);

	const Graph *graph = graph_for(resize, error);
	if (graph == NULL)
		return false;

	Run run = {.resize = resize};
	planes_init(&run.in, graph->in_rows, resize->height, resize->width_in);
	planes_init(&run.out, graph->out_rows, resize->height,
		    resize->width_out);
	void *tmp = g_aligned_alloc(1, align_up(MAX(graph->tmp_size, 1)),
				    ALIGNMENT);
	zimg_image_buffer_const src = const_buffer_of(&run.in);
	zimg_image_buffer dst = buffer_of(&run.out);
	zimg_error_code_e code = zimg_filter_graph_process(
		graph->graph, &src, &dst, tmp, unpack, &run, pack, &run);

	bool is_ok = code == ZIMG_ERROR_SUCCESS && run.error == NULL;
	if (run.error != NULL)
		g_propagate_error(error, g_steal_pointer(&run.error));
	else if (!is_ok)
		set_zimg_error(error);
	g_aligned_free(tmp);
	g_aligned_free(run.in.data);
	g_aligned_free(run.out.data);
	return is_ok;
}
