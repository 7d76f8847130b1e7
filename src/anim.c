/*
 * anim.c: animation timing as browsers play it (anim.h says the rules).
 *
 * The WebP container (RIFF): "RIFF", the size of what follows (32 bits,
 * little-endian), "WEBP", then chunks: a FourCC, a 32-bit payload size,
 * the payload and a pad byte when the size is odd.  An animation starts
 * with VP8X (flags byte, bit 1: animation), then ANIM (background colour,
 * 16-bit loop count) and one ANMF per frame (x, y, width - 1, height - 1,
 * then the duration in ms: 24 bits each).
 */
#include <string.h>

#include "imgopt/error.h"

#include "anim.h"

#define RIFF_HEADER 12         /* "RIFF", size, "WEBP" */
#define CHUNK_HEADER 8         /* FourCC, size */
#define VP8X_ANIMATION 0x02    /* VP8X flags: an animation */
#define ANIM_PAYLOAD 6         /* background colour, loop count */
#define ANMF_DURATION_AT 12    /* after x, y, width - 1, height - 1 */
#define BROWSER_MIN_MS 10      /* a frame this short or shorter ... */
#define BROWSER_DEFAULT_MS 100 /* ... is shown this long */

static uint32_t
shown_ms(uint32_t ms)
{
	return ms <= BROWSER_MIN_MS ? BROWSER_DEFAULT_MS : ms;
}

static void
timing_init(ImgoptAnimTiming *timing)
{
	memset(timing, 0, sizeof(*timing));
	timing->durations = g_array_new(FALSE, TRUE, sizeof(uint32_t));
}

static void
add_duration(ImgoptAnimTiming *timing, uint32_t ms)
{
	uint32_t shown = shown_ms(ms);

	g_array_append_val(timing->durations, shown);
}

bool
imgopt_anim_timing_from_gif(const ImgoptGifInfo *gif,
			    ImgoptAnimTiming *timing_out)
{
	g_return_val_if_fail(gif != NULL && timing_out != NULL, false);

	timing_init(timing_out);
	for (guint i = 0; gif->delays != NULL && i < gif->delays->len; i++) {
		int centiseconds = g_array_index(gif->delays, int, i);
		add_duration(timing_out, (uint32_t)MAX(centiseconds, 0) * 10);
	}
	/* no NETSCAPE2.0 block: once; 0: forever; n: the first play and n
	 * repeats */
	if (gif->loop < 0)
		timing_out->plays = 1;
	else if (gif->loop == 0)
		timing_out->plays = 0;
	else
		timing_out->plays = (uint32_t)gif->loop + 1;
	return timing_out->durations->len > 0 &&
	       timing_out->plays <= IMGOPT_ANIM_MAX_PLAYS;
}

static uint32_t
read_le(const uint8_t *p, int n_bytes)
{
	uint32_t value = 0;

	for (int i = n_bytes - 1; i >= 0; i--)
		value = value << 8 | p[i];
	return value;
}

static bool
webp_fail(GError **error, const char *why)
{
	g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_DECODE,
		    "malformed WebP: %s", why);
	return false;
}

/* What the chunk walk has seen. */
typedef struct {
	bool is_extended; /* a VP8X chunk came first */
	bool is_animated; /* its animation flag */
	bool has_anim;    /* an ANIM chunk */
} Walk;

/* Takes one chunk's facts into @timing. */
static bool
read_chunk(const char *fourcc, const uint8_t *payload, uint32_t size,
	   Walk *walk, ImgoptAnimTiming *timing, GError **error)
{
	if (memcmp(fourcc, "VP8X", 4) == 0) {
		if (size < 1)
			return webp_fail(error, "VP8X chunk too short");
		walk->is_extended = true;
		walk->is_animated = (payload[0] & VP8X_ANIMATION) != 0;
	}
	else if (memcmp(fourcc, "ANIM", 4) == 0) {
		if (size < ANIM_PAYLOAD)
			return webp_fail(error, "ANIM chunk too short");
		walk->has_anim = true;
		timing->plays = read_le(payload + 4, 2);
	}
	else if (memcmp(fourcc, "ANMF", 4) == 0) {
		if (size < ANMF_DURATION_AT + 3)
			return webp_fail(error, "ANMF chunk too short");
		add_duration(timing, read_le(payload + ANMF_DURATION_AT, 3));
	}
	return true;
}

/* Walks the chunks of [@p, @end). */
static bool
walk_chunks(const uint8_t *p, const uint8_t *end, Walk *walk,
	    ImgoptAnimTiming *timing, GError **error)
{
	while (p < end) {
		if ((gsize)(end - p) < CHUNK_HEADER)
			return webp_fail(error, "truncated chunk header");
		char fourcc[4];
		memcpy(fourcc, p, 4);
		uint32_t size = read_le(p + 4, 4);
		p += CHUNK_HEADER;
		if ((gsize)(end - p) < size)
			return webp_fail(error, "truncated chunk");
		if (!read_chunk(fourcc, p, size, walk, timing, error))
			return false;
		p += size;
		p += MIN((gsize)(size & 1), (gsize)(end - p));
	}
	return true;
}

bool
imgopt_anim_timing_from_webp(const void *data, gsize len,
			     ImgoptAnimTiming *timing_out, GError **error)
{
	g_return_val_if_fail(data != NULL || len == 0, false);
	g_return_val_if_fail(timing_out != NULL, false);
	g_return_val_if_fail(error == NULL || *error == NULL, false);

	const uint8_t *bytes = data;
	Walk walk = {0};

	timing_init(timing_out);
	if (len < RIFF_HEADER || memcmp(bytes, "RIFF", 4) != 0 ||
	    memcmp(bytes + 8, "WEBP", 4) != 0)
		return webp_fail(error, "no RIFF/WEBP header");
	/* the RIFF size counts from byte 8; bytes past it are not WebP's */
	gsize riff_end = MIN((gsize)read_le(bytes + 4, 4) + 8, len);
	if (riff_end < RIFF_HEADER)
		return webp_fail(error, "RIFF size too small");
	if (!walk_chunks(bytes + RIFF_HEADER, bytes + riff_end, &walk,
			 timing_out, error))
		return false;
	timing_out->is_still = !walk.is_extended || !walk.is_animated;
	if (timing_out->is_still) {
		g_array_set_size(timing_out->durations, 0);
		timing_out->plays = 0;
		return true;
	}
	if (!walk.has_anim)
		return webp_fail(error, "animation without an ANIM chunk");
	if (timing_out->durations->len == 0)
		return webp_fail(error, "animation without frames");
	return true;
}

static uint32_t
duration_at(const ImgoptAnimTiming *timing, guint i)
{
	return g_array_index(timing->durations, uint32_t, i);
}

bool
imgopt_anim_same_timeline(const ImgoptAnimTiming *source,
			  const ImgoptAnimTiming *made)
{
	g_return_val_if_fail(source != NULL && made != NULL, false);

	guint n_source = source->durations->len;
	guint i = 0;

	if (made->is_still)
		return n_source > 0;
	if (source->is_still || made->plays != source->plays)
		return false;
	/* every duration is positive, so each stored frame of @made
	 * matches one run of @source's frames or none */
	for (guint j = 0; j < made->durations->len; j++) {
		uint64_t sum = 0;
		if (i == n_source)
			return false;
		while (i < n_source && sum < duration_at(made, j))
			sum += duration_at(source, i++);
		if (sum != duration_at(made, j))
			return false;
	}
	return i == n_source;
}

void
imgopt_anim_timing_clear(ImgoptAnimTiming *timing)
{
	if (timing != NULL)
		g_clear_pointer(&timing->durations, g_array_unref);
}
