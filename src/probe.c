/*
 * probe.c: what a file's header bytes say (see probe.h): the format, the
 * size and the frame count, and the checks that must come before a
 * decoder sees the bytes.  Pure: no I/O, no libvips.
 *
 * The header parser is a push parser, so it never needs the whole file and
 * never seeks.  Every format is a sequence of records of known length:
 *
 *     feed(chunk) ──► skip N bytes ──► collect `want` bytes ──► step()
 *                          ▲                                      │
 *                          └──────── step sets skip/want ─────────┘
 *
 * step() reads the collected record (at most IMGOPT_PROBE_RECORD bytes: a
 * PNG chunk header, a GIF image descriptor, a JPEG marker…), updates the
 * facts, and says how many bytes to skip (a segment's payload, a colour
 * table, a GIF sub-block) and how many to collect next, or that it is
 * done.  Skipping is a counter, so a GIF's frames are counted by hopping
 * over its LZW sub-blocks in time linear in the file and constant memory,
 * however large it is, and a JPEG's SOF is found behind any number of
 * APPn segments.  The parser stops at the first record it cannot make
 * sense of and keeps what it learnt.
 *
 * AVIF, SVG and the "other" formats are sniffed from the first chunk
 * alone: their facts sit at the very start.
 *
 * The pixel-limit checks (imgopt_probe_check_unsafe()) walk whole files:
 * a PNG's chunk lengths here, a GIF's blocks with giflib (gif.c).  The GIF
 * walk stays giflib's rather than the byte walker above: it is giflib's
 * reading of the blocks (and its reasons for refusing them) that decides
 * what is malformed, as when an animated variant's timing is checked
 * (recompress.c), and <gif_lib.h> has one includer.
 */
#include "imgopt/error.h"

#include <string.h>

#include "gif.h"
#include "probe.h"

/* How far into the first chunk the SVG and AVIF sniffers look. */
#define SNIFF_LIMIT 4096

static uint32_t
be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
le16(const uint8_t *p)
{
	return (uint32_t)p[1] << 8 | p[0];
}

static uint32_t
le24(const uint8_t *p)
{
	return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint32_t
le32(const uint8_t *p)
{
	return le24(p) | (uint32_t)p[3] << 24;
}

static void
probe_next(ImgoptProbe *p, int state, uint64_t skip, size_t want)
{
	g_assert(want >= 1 && want <= IMGOPT_PROBE_RECORD);
	p->state = state;
	p->skip = skip;
	p->want = want;
}

static void
probe_done(ImgoptProbe *p)
{
	p->step = NULL;
}

/* ---- JPEG: markers and segment lengths, up to the first SOF ---- */

enum { JPEG_SEEK, JPEG_MARKER, JPEG_LENGTH, JPEG_SOF };

static bool
jpeg_is_sof(uint8_t m)
{
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

/* Markers without a length field: stuffing, RSTn, SOI, TEM. */
static bool
jpeg_is_standalone(uint8_t m)
{
	return m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD8);
}

static void
jpeg_marker(ImgoptProbe *p, uint8_t m)
{
	if (m == 0xFF)
		probe_next(p, JPEG_MARKER, 0, 1); /* fill byte */
	else if (jpeg_is_standalone(m))
		probe_next(p, JPEG_SEEK, 0, 1);
	else if (m == 0xD9 || m == 0xDA)
		probe_done(p); /* EOI or a scan before any SOF: no size */
	else {
		p->marker = m;
		probe_next(p, JPEG_LENGTH, 0, 2);
	}
}

static void
jpeg_step(ImgoptProbe *p)
{
	uint32_t len;

	switch (p->state) {
	case JPEG_SEEK: /* junk between segments is skipped, as libjpeg does */
		probe_next(p, p->buf[0] == 0xFF ? JPEG_MARKER : JPEG_SEEK, 0,
			   1);
		break;
	case JPEG_MARKER:
		jpeg_marker(p, p->buf[0]);
		break;
	case JPEG_LENGTH:
		len = be16(p->buf);
		if (len < 2) /* a bad length: resynchronise on the next 0xFF */
			probe_next(p, JPEG_SEEK, 0, 1);
		else if (jpeg_is_sof(p->marker) && len >= 8)
			probe_next(p, JPEG_SOF, 0, 6);
		else
			probe_next(p, JPEG_SEEK, len - 2, 1);
		break;
	case JPEG_SOF: /* precision, height, width, components */
		p->facts.height = be16(p->buf + 1);
		p->facts.width = be16(p->buf + 3);
		p->facts.n_frames = 1;
		probe_done(p);
		break;
	}
}

/* ---- PNG: chunks up to the first IDAT ---- */

enum { PNG_CHUNK, PNG_IHDR, PNG_ACTL };

static void
png_chunk(ImgoptProbe *p)
{
	uint32_t len = be32(p->buf);
	const uint8_t *type = p->buf + 4;

	p->aux = len;
	if (memcmp(type, "IHDR", 4) == 0 && len >= 8)
		probe_next(p, PNG_IHDR, 0, 8);
	else if (memcmp(type, "acTL", 4) == 0 && len >= 4)
		probe_next(p, PNG_ACTL, 0, 4);
	else if (memcmp(type, "IDAT", 4) == 0 || memcmp(type, "IEND", 4) == 0)
		probe_done(p); /* acTL only counts before the image data */
	else
		probe_next(p, PNG_CHUNK, (uint64_t)len + 4, 8);
}

static void
png_step(ImgoptProbe *p)
{
	switch (p->state) {
	case PNG_CHUNK:
		png_chunk(p);
		break;
	case PNG_IHDR:
		p->facts.width = be32(p->buf);
		p->facts.height = be32(p->buf + 4);
		p->facts.n_frames = 1;
		probe_next(p, PNG_CHUNK, p->aux - 8 + 4, 8);
		break;
	case PNG_ACTL:
		/* num_frames; 0 is invalid and leaves the still image. */
		if (be32(p->buf) > 0)
			p->facts.n_frames = be32(p->buf);
		probe_next(p, PNG_CHUNK, p->aux - 4 + 4, 8);
		break;
	}
}

/* ---- GIF: blocks and sub-blocks, counting image descriptors ---- */

enum { GIF_SCREEN, GIF_BLOCK, GIF_LABEL, GIF_SUB, GIF_DESC, GIF_LZW };

/* Bytes of a colour table announced by a packed flags byte. */
static uint64_t
gif_table(uint8_t packed)
{
	return packed & 0x80 ? 3u << ((packed & 7) + 1) : 0;
}

static void
gif_block(ImgoptProbe *p)
{
	switch (p->buf[0]) {
	case 0x21: /* extension: label, then sub-blocks */
		probe_next(p, GIF_LABEL, 0, 1);
		break;
	case 0x2C: /* image descriptor */
		probe_next(p, GIF_DESC, 0, 9);
		break;
	default: /* 0x3B trailer, or junk: stop either way */
		probe_done(p);
		break;
	}
}

static void
gif_step(ImgoptProbe *p)
{
	switch (p->state) {
	case GIF_SCREEN: /* signature, logical screen descriptor */
		p->facts.width = le16(p->buf + 6);
		p->facts.height = le16(p->buf + 8);
		probe_next(p, GIF_BLOCK, gif_table(p->buf[10]), 1);
		break;
	case GIF_BLOCK:
		gif_block(p);
		break;
	case GIF_LABEL:
	case GIF_LZW:
		probe_next(p, GIF_SUB, 0, 1);
		break;
	case GIF_SUB: /* a sub-block's length; 0 ends the block */
		if (p->buf[0] == 0)
			probe_next(p, GIF_BLOCK, 0, 1);
		else
			probe_next(p, GIF_SUB, p->buf[0], 1);
		break;
	case GIF_DESC:
		p->facts.n_frames++;
		probe_next(p, GIF_LZW, gif_table(p->buf[8]), 1);
		break;
	}
}

/* ---- WebP: RIFF chunks ---- */

enum { WEBP_CHUNK, WEBP_VP8, WEBP_VP8L, WEBP_VP8X };

static void
webp_chunk(ImgoptProbe *p)
{
	uint32_t size = le32(p->buf + 4);
	uint64_t padded = (uint64_t)size + (size & 1);
	const uint8_t *cc = p->buf;

	p->aux = padded;
	if (memcmp(cc, "VP8 ", 4) == 0 && size >= 10)
		probe_next(p, WEBP_VP8, 0, 10);
	else if (memcmp(cc, "VP8L", 4) == 0 && size >= 5)
		probe_next(p, WEBP_VP8L, 0, 5);
	else if (memcmp(cc, "VP8X", 4) == 0 && size >= 10)
		probe_next(p, WEBP_VP8X, 0, 10);
	else {
		if (memcmp(cc, "ANMF", 4) == 0)
			p->facts.n_frames++;
		probe_next(p, WEBP_CHUNK, padded, 8);
	}
}

/* A top-level VP8/VP8L bitstream: the image is a still. */
static void
webp_still(ImgoptProbe *p, uint32_t width, uint32_t height)
{
	if (p->facts.width == 0) {
		p->facts.width = width;
		p->facts.height = height;
	}
	p->facts.n_frames = 1;
	probe_done(p);
}

static void
webp_step(ImgoptProbe *p)
{
	uint32_t bits;

	switch (p->state) {
	case WEBP_CHUNK:
		webp_chunk(p);
		break;
	case WEBP_VP8: /* frame tag (3), start code 9d 01 2a, sizes */
		if (p->buf[3] != 0x9d || p->buf[4] != 0x01 || p->buf[5] != 0x2a)
			probe_done(p);
		else
			webp_still(p, le16(p->buf + 6) & 0x3fff,
				   le16(p->buf + 8) & 0x3fff);
		break;
	case WEBP_VP8L: /* signature 0x2f, then 14-bit width-1, height-1 */
		bits = le32(p->buf + 1);
		if (p->buf[0] != 0x2f)
			probe_done(p);
		else
			webp_still(p, (bits & 0x3fff) + 1,
				   ((bits >> 14) & 0x3fff) + 1);
		break;
	case WEBP_VP8X: /* flags, reserved, 24-bit canvas width-1, height-1 */
		p->facts.width = le24(p->buf + 4) + 1;
		p->facts.height = le24(p->buf + 7) + 1;
		p->is_animated = (p->buf[0] & 0x02) != 0;
		if (!p->is_animated)
			p->facts.n_frames = 1;
		probe_next(p, WEBP_CHUNK, p->aux - 10, 8);
		if (!p->is_animated)
			probe_done(p);
		break;
	}
}

/* ---- formats sniffed from the first bytes alone ---- */

static const uint8_t *
find_bytes(const uint8_t *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; n <= len && i <= len - n; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return hay + i;
	return NULL;
}

static bool
avif_brand(const uint8_t *b)
{
	return memcmp(b, "avif", 4) == 0 || memcmp(b, "avis", 4) == 0;
}

/* ISO BMFF: the ftyp box names avif/avis as major or compatible brand;
 * the first `ispe` property box gives the primary item's size (best
 * effort: the first one is the primary image's in the files we meet). */
static bool
probe_avif(const uint8_t *d, size_t len, ImgoptProbeFacts *facts)
{
	uint32_t box;
	const uint8_t *ispe;
	bool found = false;

	if (len < 16 || memcmp(d + 4, "ftyp", 4) != 0)
		return false;
	box = MIN(be32(d), (uint32_t)MIN(len, SNIFF_LIMIT));
	found = avif_brand(d + 8);
	for (uint32_t off = 16; !found && off + 4 <= box; off += 4)
		found = avif_brand(d + off);
	if (!found)
		return false;
	facts->format = IMGOPT_FORMAT_AVIF;
	facts->n_frames = memcmp(d + 8, "avis", 4) == 0 ? 0 : 1;
	ispe = find_bytes(d, MIN(len, (size_t)SNIFF_LIMIT * 4), "ispe");
	if (ispe != NULL && ispe + 16 <= d + len) {
		facts->width = be32(ispe + 8);
		facts->height = be32(ispe + 12);
	}
	return true;
}

/* width="640" or width='640px'; anything else (%, em, missing) is 0. */
static uint32_t
svg_length(const char *tag, const char *name)
{
	g_autofree char *key = g_strdup_printf(" %s=", name);
	const char *at = strstr(tag, key);
	guint64 value = 0;
	char *end = NULL;

	if (at == NULL)
		return 0;
	at += strlen(key);
	if (*at != '"' && *at != '\'')
		return 0;
	value = g_ascii_strtoull(at + 1, &end, 10);
	if (end == at + 1 || value > G_MAXUINT32)
		return 0;
	if (g_str_has_prefix(end, "px"))
		end += 2;
	return *end == at[0] ? (uint32_t)value : 0;
}

/* Text that starts, after a BOM and white space, with `<` and holds
 * `<svg` within the first SNIFF_LIMIT bytes (after any XML declaration,
 * comments or DOCTYPE). */
static bool
probe_svg(const uint8_t *d, size_t len, ImgoptProbeFacts *facts)
{
	size_t n = MIN(len, (size_t)SNIFF_LIMIT);
	g_autofree char *head = NULL;
	const char *tag, *tag_end;
	size_t i = 0;

	if (n >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < n && g_ascii_isspace(d[i]))
		i++;
	if (i >= n || d[i] != '<' || memchr(d, 0, n) != NULL)
		return false;
	head = g_strndup((const char *)d, n);
	tag = strstr(head, "<svg");
	if (tag == NULL)
		return false;
	facts->format = IMGOPT_FORMAT_SVG;
	facts->n_frames = 1;
	tag_end = strchr(tag, '>');
	if (tag_end != NULL) {
		g_autofree char *attrs = g_strndup(tag, (gsize)(tag_end - tag));

		facts->width = svg_length(attrs, "width");
		facts->height = svg_length(attrs, "height");
	}
	return true;
}

/* BMP (with a known DIB header size), ICO/CUR, TIFF: "other". */
static bool
probe_other(const uint8_t *d, size_t len, ImgoptProbeFacts *facts)
{
	static const uint32_t dib_sizes[] = {12, 40, 52, 56, 64, 108, 124};
	bool is_other = false;

	if (len >= 26 && d[0] == 'B' && d[1] == 'M') {
		for (size_t i = 0; i < G_N_ELEMENTS(dib_sizes); i++)
			is_other |= le32(d + 14) == dib_sizes[i];
		if (is_other && le32(d + 14) >= 40) {
			int32_t h = (int32_t)le32(d + 22);

			facts->width = le32(d + 18);
			facts->height =
				h < 0 ? (uint32_t) - (int64_t)h : (uint32_t)h;
		}
	}
	else if (len >= 6 && d[0] == 0 && d[1] == 0 &&
		 (d[2] == 1 || d[2] == 2) && d[3] == 0 && le16(d + 4) > 0)
		is_other = true;
	else if (len >= 4 &&
		 (memcmp(d, "II*\0", 4) == 0 || memcmp(d, "MM\0*", 4) == 0))
		is_other = true;
	if (is_other)
		facts->format = IMGOPT_FORMAT_OTHER;
	return is_other;
}

/* ---- dispatch ---- */

/* Sets up @p for the format the first bytes announce, or sniffs the
 * one-shot formats completely.  @d holds the first @len bytes. */
static void
probe_start(ImgoptProbe *p, const uint8_t *d, size_t len)
{
	ImgoptProbeFacts *a = &p->facts;

	p->step = NULL;
	if (len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) {
		a->format = IMGOPT_FORMAT_JPEG;
		p->step = jpeg_step;
		probe_next(p, JPEG_SEEK, 2, 1);
	}
	else if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) {
		a->format = IMGOPT_FORMAT_PNG;
		p->step = png_step;
		probe_next(p, PNG_CHUNK, 8, 8);
	}
	else if (len >= 6 &&
		 (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0)) {
		a->format = IMGOPT_FORMAT_GIF;
		p->step = gif_step;
		probe_next(p, GIF_SCREEN, 0, 13);
	}
	else if (len >= 12 && memcmp(d, "RIFF", 4) == 0 &&
		 memcmp(d + 8, "WEBP", 4) == 0) {
		a->format = IMGOPT_FORMAT_WEBP;
		p->step = webp_step;
		probe_next(p, WEBP_CHUNK, 12, 8);
	}
	else if (!probe_avif(d, len, a) && !probe_svg(d, len, a))
		probe_other(d, len, a);
}

static void
probe_run(ImgoptProbe *p, const uint8_t *data, size_t len)
{
	while (len > 0 && p->step != NULL) {
		size_t n;

		if (p->skip > 0) {
			n = (size_t)MIN(p->skip, (uint64_t)len);
			p->skip -= n;
		}
		else {
			n = MIN(p->want - p->have, len);
			memcpy(p->buf + p->have, data, n);
			p->have += n;
			if (p->have == p->want) {
				p->have = 0;
				p->step(p);
			}
		}
		data += n;
		len -= n;
	}
}

void
imgopt_probe_init(ImgoptProbe *p)
{
	memset(p, 0, sizeof *p);
	p->facts.format = IMGOPT_FORMAT_UNKNOWN;
}

void
imgopt_probe_feed(ImgoptProbe *p, const uint8_t *data, size_t len)
{
	if (!p->is_started && len > 0) {
		p->is_started = true;
		probe_start(p, data, len);
	}
	probe_run(p, data, len);
}

bool
imgopt_probe_is_done(const ImgoptProbe *p)
{
	return p->is_started && p->step == NULL;
}

uint64_t
imgopt_probe_take_skip(ImgoptProbe *p)
{
	uint64_t skip = p->skip;

	p->skip = 0;
	return skip;
}

void
imgopt_probe_buffer(const void *data, size_t len, ImgoptProbeFacts *facts_out)
{
	ImgoptProbe p;

	imgopt_probe_init(&p);
	imgopt_probe_feed(&p, data, len);
	*facts_out = p.facts;
}

/* ---- before a decoder sees the bytes ---- */

bool
imgopt_probe_check_size(uint64_t width, uint64_t height, uint64_t limit,
			const char *what, GError **error)
{
	if (width * height <= limit && width > 0 && height > 0)
		return true;
	if (width == 0 || height == 0)
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_DECODE,
			    "%s is empty (%" G_GUINT64_FORMAT
			    "x%" G_GUINT64_FORMAT ")",
			    what, width, height);
	else
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE,
			    "%s of %" G_GUINT64_FORMAT "x%" G_GUINT64_FORMAT
			    " exceeds the pixel limit of %" G_GUINT64_FORMAT
			    " (--max-pixels)",
			    what, width, height, limit);
	return false;
}

bool
imgopt_probe_check_frames(uint32_t width, uint32_t height, uint32_t n_frames,
			  uint64_t limit, const char *what, GError **error)
{
	if ((uint64_t)width * height * n_frames <=
	    limit * IMGOPT_PROBE_ANIMATION_FACTOR)
		return true;
	g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE,
		    "%s of %u frames of %ux%u exceeds %d times the pixel limit",
		    what, n_frames, width, height,
		    IMGOPT_PROBE_ANIMATION_FACTOR);
	return false;
}

/* The GIF checks libvips cannot do safely itself: screen, frames, and
 * the whole animation. */
static bool
check_gif(const void *data, size_t len, uint64_t max_pixels, GError **error)
{
	g_auto(ImgoptGifInfo) gif = {0};

	if (!imgopt_gif_read_info(data, len, &gif, error))
		return false;
	if (!imgopt_probe_check_size(gif.screen_width, gif.screen_height,
				     max_pixels, "GIF logical screen", error))
		return false;
	if (gif.max_frame_pixels > max_pixels) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE,
			    "a GIF frame of %" G_GUINT64_FORMAT " pixels "
			    "exceeds the pixel limit of %" G_GUINT64_FORMAT
			    " (--max-pixels)",
			    gif.max_frame_pixels, max_pixels);
		return false;
	}
	return imgopt_probe_check_frames(gif.screen_width, gif.screen_height,
					 gif.n_frames, max_pixels, "a GIF",
					 error);
}

/* Whether every PNG chunk fits in the file.  A 57-byte PNG whose chunk
 * claims gigabytes makes the PNG loader allocate and wait for them (tens
 * of seconds per file): refuse it before libvips reads it. */
static bool
check_png(const uint8_t *data, size_t len, GError **error)
{
	size_t pos = 8; /* after the signature */

	while (pos + 8 <= len) {
		uint32_t length = be32(data + pos);

		if ((uint64_t)length + 12 > len - pos) {
			/* a hostile chunk name is escaped: messages are
			 * UTF-8 (terminals, JSON, TAP) */
			g_autofree char *name =
				g_strndup((const char *)data + pos + 4, 4);
			g_autofree char *safe = g_strescape(name, NULL);
			g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_DECODE,
				    "malformed PNG: chunk '%s' claims %u "
				    "bytes, the file has %" G_GSIZE_FORMAT
				    " left",
				    safe, length, len - pos - 8);
			return false;
		}
		if (memcmp(data + pos + 4, "IEND", 4) == 0)
			return true;
		pos += (size_t)length + 12;
	}
	g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_DECODE,
		    "malformed PNG: no IEND chunk (truncated file)");
	return false;
}

bool
imgopt_probe_check_unsafe(const void *data, size_t len, uint64_t max_pixels,
			  GError **error)
{
	ImgoptProbeFacts facts;

	g_return_val_if_fail(data != NULL || len == 0, false);
	/* the first bytes suffice for the GIF and PNG signatures */
	imgopt_probe_buffer(data, MIN(len, (size_t)16), &facts);
	if (facts.format == IMGOPT_FORMAT_GIF)
		return check_gif(data, len, max_pixels, error);
	if (facts.format == IMGOPT_FORMAT_PNG)
		return check_png(data, len, error);
	return true;
}
