/*
 * fuzz_probe.c: libFuzzer target for the header probe (probe.c).  Any
 * bytes are a file; abort() when an invariant breaks:
 *   - a pushed format (JPEG, PNG, GIF, WebP) gives the same facts whole,
 *     fed in small pieces, and read in windows that seek over what the
 *     parser skips (how the index reads big files);
 *   - an unknown format has no size or frames;
 *   - imgopt_probe_check_unsafe() fails exactly when it sets an
 *     IMGOPT_ERROR with a UTF-8 message (messages reach JSON and TAP);
 *   - the provenance reader (provenance.c) finds only printable lines of
 *     its own prefix, and in the head of a file only the line it finds
 *     in the whole;
 *     a line stamped into a JPEG, PNG, GIF or WebP is read back from the
 *     head (WebP: the tail),
 *     parsed, and leaves what the probe says unchanged.
 * The same entry point is replayed over a corpus by fuzz_main.c when no
 * fuzzing engine is configured.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imgopt/imgopt.h"

#include "probe.h"
#include "provenance.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Enough for the signatures of the pushed formats. */
#define FIRST_PIECE 12

static bool
same_facts(const ImgoptProbeFacts *a, const ImgoptProbeFacts *b)
{
	return a->format == b->format && a->width == b->width &&
	       a->height == b->height && a->n_frames == b->n_frames;
}

static bool
is_pushed(ImgoptFormat format)
{
	return format == IMGOPT_FORMAT_JPEG || format == IMGOPT_FORMAT_PNG ||
	       format == IMGOPT_FORMAT_GIF || format == IMGOPT_FORMAT_WEBP;
}

static void
probe_pieces(const uint8_t *data, size_t size, size_t piece,
	     ImgoptProbeFacts *out)
{
	size_t first = MIN(size, (size_t)FIRST_PIECE);
	ImgoptProbe p;

	imgopt_probe_init(&p);
	imgopt_probe_feed(&p, data, first);
	for (size_t off = first; off < size; off += piece)
		imgopt_probe_feed(&p, data + off, MIN(piece, size - off));
	*out = p.facts;
}

static void
probe_seeking(const uint8_t *data, size_t size, size_t window,
	      ImgoptProbeFacts *out)
{
	uint64_t off = 0;
	ImgoptProbe p;

	imgopt_probe_init(&p);
	while ((off == 0 || !imgopt_probe_is_done(&p)) && off < size) {
		size_t n = (size_t)MIN((uint64_t)window, size - off);

		imgopt_probe_feed(&p, data + off, n);
		off += n + imgopt_probe_take_skip(&p);
	}
	*out = p.facts;
}

static void
check_facts(const uint8_t *data, size_t size)
{
	ImgoptProbeFacts whole, pieces, seeking;
	size_t piece = size > 0 ? 1 + data[size - 1] % 7 : 1;

	imgopt_probe_buffer(data, size, &whole);
	if (whole.format == IMGOPT_FORMAT_UNKNOWN &&
	    (whole.width != 0 || whole.height != 0 || whole.n_frames != 0))
		abort();
	if (!is_pushed(whole.format))
		return;
	probe_pieces(data, size, piece, &pieces);
	probe_seeking(data, size, FIRST_PIECE + piece, &seeking);
	if (!same_facts(&whole, &pieces) || !same_facts(&whole, &seeking))
		abort();
}

static void
check_unsafe(const uint8_t *data, size_t size, uint64_t max_pixels)
{
	GError *error = NULL;
	bool ok = imgopt_probe_check_unsafe(data, size, max_pixels, &error);

	if (ok != (error == NULL))
		abort();
	if (error != NULL && (error->domain != IMGOPT_ERROR ||
			      !g_utf8_validate(error->message, -1, NULL)))
		abort();
	g_clear_error(&error);
}

static void
check_read(const uint8_t *data, size_t size)
{
	char *line = imgopt_provenance_read(data, size);
	char *head = NULL;
	char *tail = imgopt_provenance_read_tail(data, size);

	if (tail != NULL && (!g_str_has_prefix(tail, "imgopt:v1 ") ||
			     strlen(tail) >= IMGOPT_PROVENANCE_MAX))
		abort();
	g_free(tail);

	if (line == NULL) {
		/* nor in the head alone */
		if (imgopt_provenance_read(
			    data, MIN(size, (size_t)IMGOPT_PROVENANCE_HEAD)) !=
		    NULL)
			abort();
		return;
	}
	if (!g_str_has_prefix(line, "imgopt:v1 ") ||
	    strlen(line) >= IMGOPT_PROVENANCE_MAX)
		abort();
	for (const char *c = line; *c != '\0'; c++)
		if (*c < 0x20 || *c > 0x7e)
			abort();
	/* a line found in the head is the one found in the whole */
	head = imgopt_provenance_read(
		data, MIN(size, (size_t)IMGOPT_PROVENANCE_HEAD));
	if (head != NULL && strcmp(head, line) != 0)
		abort();
	g_free(head);
	g_free(line);
}

static void
check_stamp(const uint8_t *data, size_t size)
{
	static const char line[] =
		"imgopt:v1 src=001c4f6096d57b807943e4c3ef505eb2 "
		"set=0123456789abcdef w=16 f=jpeg n=2";
	ImgoptProbeFacts before, after;
	ImgoptProvenance prov;

	imgopt_probe_buffer(data, size, &before);
	GBytes *stamped =
		imgopt_provenance_stamp(before.format, data, size, line);
	if (stamped == NULL)
		return;
	gsize n = 0;
	const uint8_t *s = g_bytes_get_data(stamped, &n);
	gsize tail = MIN(n, (gsize)IMGOPT_PROVENANCE_TAIL);
	char *got = before.format == IMGOPT_FORMAT_WEBP
			    ? imgopt_provenance_read_tail(s + n - tail, tail)
			    : imgopt_provenance_read(
				      s, MIN(n, IMGOPT_PROVENANCE_HEAD));
	if (got == NULL || strcmp(got, line) != 0 ||
	    !imgopt_provenance_parse(got, &prov))
		abort();
	imgopt_probe_buffer(s, n, &after);
	if (!same_facts(&before, &after))
		abort();
	/* the stamp keeps the end as it was */
	if (imgopt_provenance_ends_whole(before.format, data, size, data, size,
					 size) !=
	    imgopt_provenance_ends_whole(before.format, s, n, s, n, n))
		abort();
	g_free(got);
	g_bytes_unref(stamped);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_facts(data, size);
	check_unsafe(data, size, 64);
	check_unsafe(data, size, 40000000);
	check_read(data, size);
	check_stamp(data, size);
	return 0;
}
