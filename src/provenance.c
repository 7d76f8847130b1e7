/*
 * provenance.c: a variant's provenance line, written into and read from
 * the comment places of JPEG, PNG and GIF headers (see provenance.h).
 */
#include "provenance.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "probe.h"

/* What every provenance line starts with. */
#define PREFIX "imgopt:v1 "
#define PREFIX_LEN (sizeof(PREFIX) - 1)

/* The PNG tEXt keyword, with its NUL separator. */
#define PNG_KEYWORD "imgopt"
#define PNG_KEYWORD_LEN (sizeof(PNG_KEYWORD)) /* with the NUL */

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

static void
put_le(uint8_t *p, uint32_t v, int n_bytes)
{
	for (int i = 0; i < n_bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void
imgopt_provenance_settings_id(const char *fingerprint, char *id_out)
{
	ImgoptHash hash;
	char hex[IMGOPT_HASH_HEX_LEN + 1];

	imgopt_hash_buffer(fingerprint, strlen(fingerprint), &hash);
	imgopt_hash_format(&hash, hex);
	memcpy(id_out, hex, 16);
	id_out[16] = '\0';
}

char *
imgopt_provenance_format(const ImgoptProvenance *prov)
{
	char hex[IMGOPT_HASH_HEX_LEN + 1];

	imgopt_hash_format(&prov->source, hex);
	return g_strdup_printf(PREFIX "src=%s set=%s w=%u f=%s n=%u", hex,
			       prov->settings, prov->width,
			       imgopt_format_name(prov->format),
			       prov->n_variants);
}

/* ---- parsing ---- */

/* The value of "KEY=value" in @token, or NULL if @token is not that. */
static const char *
field(const char *token, const char *key)
{
	size_t key_len = strlen(key);

	if (strncmp(token, key, key_len) != 0 || token[key_len] != '=' ||
	    token[key_len + 1] == '\0')
		return NULL;
	return token + key_len + 1;
}

static bool
parse_u32(const char *text, uint32_t *out)
{
	guint64 v = 0;

	if (!g_ascii_string_to_unsigned(text, 10, 1, G_MAXUINT32, &v, NULL))
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool
parse_format(const char *name, ImgoptFormat *out)
{
	for (ImgoptFormat f = IMGOPT_FORMAT_JPEG; f <= IMGOPT_FORMAT_AVIF; f++)
		if (strcmp(name, imgopt_format_name(f)) == 0) {
			*out = f;
			return true;
		}
	return false;
}

static bool
is_hex(const char *text)
{
	for (; *text != '\0'; text++)
		if (!g_ascii_isxdigit(*text))
			return false;
	return true;
}

bool
imgopt_provenance_parse(const char *line, ImgoptProvenance *prov_out)
{
	static const char *const keys[] = {"src", "set", "w", "f", "n"};
	const char *v[G_N_ELEMENTS(keys)];

	if (strncmp(line, PREFIX, PREFIX_LEN) != 0)
		return false;
	g_auto(GStrv) tokens = g_strsplit(line + PREFIX_LEN, " ", -1);
	if (g_strv_length(tokens) != G_N_ELEMENTS(keys))
		return false;
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if ((v[i] = field(tokens[i], keys[i])) == NULL)
			return false;
	if (strlen(v[1]) != 16 || !is_hex(v[1]))
		return false;
	memcpy(prov_out->settings, v[1], 17);
	return strlen(v[0]) == IMGOPT_HASH_HEX_LEN &&
	       imgopt_hash_parse(v[0], &prov_out->source) &&
	       parse_u32(v[2], &prov_out->width) &&
	       parse_format(v[3], &prov_out->format) &&
	       parse_u32(v[4], &prov_out->n_variants);
}

/* ---- stamping ---- */

static uint32_t
crc32_update(uint32_t crc, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		crc ^= data[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
	}
	return crc;
}

/* Inserts @add (@add_len bytes) into @data at @at. */
static GBytes *
insert(const uint8_t *data, size_t len, size_t at, const uint8_t *add,
       size_t add_len)
{
	uint8_t *out = g_malloc(len + add_len);

	memcpy(out, data, at);
	memcpy(out + at, add, add_len);
	memcpy(out + at + add_len, data + at, len - at);
	return g_bytes_new_take(out, len + add_len);
}

/* JPEG: a COM segment right after SOI. */
static GBytes *
stamp_jpeg(const uint8_t *data, size_t len, const char *line)
{
	size_t n = strlen(line);
	uint8_t seg[4 + IMGOPT_PROVENANCE_MAX];

	if (len < 4 || data[0] != 0xFF || data[1] != 0xD8)
		return NULL;
	seg[0] = 0xFF;
	seg[1] = 0xFE;
	seg[2] = (uint8_t)((n + 2) >> 8);
	seg[3] = (uint8_t)(n + 2);
	memcpy(seg + 4, line, n);
	return insert(data, len, 2, seg, 4 + n);
}

/* PNG: a tEXt chunk right after IHDR (and before IEND at least). */
static GBytes *
stamp_png(const uint8_t *data, size_t len, const char *line)
{
	static const uint8_t signature[8] = {0x89, 'P',  'N',  'G',
					     '\r', '\n', 0x1A, '\n'};
	size_t n = PNG_KEYWORD_LEN + strlen(line);
	uint8_t chunk[12 + PNG_KEYWORD_LEN + IMGOPT_PROVENANCE_MAX];

	if (len < 45 || memcmp(data, signature, 8) != 0 ||
	    be32(data + 8) != 13 || memcmp(data + 12, "IHDR", 4) != 0)
		return NULL;
	put_be32(chunk, (uint32_t)n);
	memcpy(chunk + 4, "tEXt", 4);
	memcpy(chunk + 8, PNG_KEYWORD, PNG_KEYWORD_LEN);
	memcpy(chunk + 8 + PNG_KEYWORD_LEN, line, strlen(line));
	put_be32(chunk + 8 + n, ~crc32_update(0xFFFFFFFFu, chunk + 4, 4 + n));
	return insert(data, len, 33, chunk, 12 + n);
}

/* The offset of a GIF's first block after its global colour table, or 0
 * if @data is too short. */
static size_t
gif_blocks_start(const uint8_t *data, size_t len)
{
	if (len < 13 || memcmp(data, "GIF8", 4) != 0)
		return 0;
	size_t at = 13;
	if (data[10] & 0x80)
		at += (size_t)3 << ((data[10] & 7) + 1);
	return at <= len ? at : 0;
}

/* GIF (89a only: 87a has no extensions): a comment extension right after
 * the global colour table. */
static GBytes *
stamp_gif(const uint8_t *data, size_t len, const char *line)
{
	size_t n = strlen(line);
	size_t at = gif_blocks_start(data, len);
	uint8_t ext[4 + IMGOPT_PROVENANCE_MAX];

	/* blocks must follow (a trailer at least): the file's end stays */
	if (at == 0 || at >= len || memcmp(data, "GIF89a", 6) != 0 || n > 255)
		return NULL;
	ext[0] = 0x21;
	ext[1] = 0xFE;
	ext[2] = (uint8_t)n;
	memcpy(ext + 3, line, n);
	ext[3 + n] = 0;
	return insert(data, len, at, ext, 4 + n);
}

/* The VP8X header of a simple WebP (VP8 or VP8L alone): its canvas, and
 * the alpha flag a VP8L bitstream's header gives. */
static bool
make_vp8x(const uint8_t *data, size_t len, uint8_t *vp8x)
{
	ImgoptProbeFacts facts;
	bool is_lossless = memcmp(data + 12, "VP8L", 4) == 0;

	if (!is_lossless && memcmp(data + 12, "VP8 ", 4) != 0)
		return false;
	imgopt_probe_buffer(data, len, &facts);
	if (facts.width == 0 || facts.height == 0 ||
	    (is_lossless && (len < 25 || data[20] != 0x2f)))
		return false;
	memcpy(vp8x, "VP8X", 4);
	put_le(vp8x + 4, 10, 4);
	memset(vp8x + 8, 0, 4);
	if (is_lossless && (le32(data + 21) >> 28 & 1))
		vp8x[8] = 0x10; /* alpha */
	put_le(vp8x + 12, facts.width - 1, 3);
	put_le(vp8x + 15, facts.height - 1, 3);
	return true;
}

/* WebP: an "IMGO" chunk at the end, where the container puts unknown
 * chunks (and readers skip them); a simple file becomes an extended one,
 * with a VP8X header of the same canvas. */
static GBytes *
stamp_webp(const uint8_t *data, size_t len, const char *line)
{
	uint8_t vp8x[18], head[8];
	size_t n = strlen(line);
	bool is_extended = len >= 16 && memcmp(data + 12, "VP8X", 4) == 0;

	if (len < 30 || len > G_MAXUINT32 || memcmp(data, "RIFF", 4) != 0 ||
	    memcmp(data + 8, "WEBP", 4) != 0 || le32(data + 4) != len - 8 ||
	    (!is_extended && !make_vp8x(data, len, vp8x)))
		return NULL;
	GByteArray *out = g_byte_array_sized_new((guint)(len + 36 + n));
	g_byte_array_append(out, data, 12);
	if (!is_extended)
		g_byte_array_append(out, vp8x, sizeof(vp8x));
	g_byte_array_append(out, data + 12, (guint)(len - 12));
	memcpy(head, "IMGO", 4);
	put_le(head + 4, (uint32_t)n, 4);
	g_byte_array_append(out, head, 8);
	g_byte_array_append(out, (const uint8_t *)line, (guint)n);
	if (n & 1)
		g_byte_array_append(out, (const uint8_t *)"", 1);
	put_le(out->data + 4, out->len - 8, 4);
	return g_byte_array_free_to_bytes(out);
}

GBytes *
imgopt_provenance_stamp(ImgoptFormat format, const void *data, size_t len,
			const char *line)
{
	g_return_val_if_fail(data != NULL && line != NULL, NULL);
	g_return_val_if_fail(strlen(line) < IMGOPT_PROVENANCE_MAX, NULL);

	switch (format) {
	case IMGOPT_FORMAT_JPEG:
		return stamp_jpeg(data, len, line);
	case IMGOPT_FORMAT_PNG:
		return stamp_png(data, len, line);
	case IMGOPT_FORMAT_GIF:
		return stamp_gif(data, len, line);
	case IMGOPT_FORMAT_WEBP:
		return stamp_webp(data, len, line);
	default:
		return NULL;
	}
}

/* ---- reading ---- */

/* The line in @text (@len bytes), if it is one: printable ASCII that
 * starts with PREFIX. */
static char *
take_line(const uint8_t *text, size_t len)
{
	if (len < PREFIX_LEN || len >= IMGOPT_PROVENANCE_MAX ||
	    memcmp(text, PREFIX, PREFIX_LEN) != 0)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (text[i] < 0x20 || text[i] > 0x7E)
			return NULL;
	return g_strndup((const char *)text, len);
}

/* JPEG: the COM segments between SOI and the first SOS. */
static char *
read_jpeg(const uint8_t *data, size_t len)
{
	size_t at = 2;

	while (at + 4 <= len) {
		if (data[at] != 0xFF)
			return NULL;
		uint8_t marker = data[at + 1];
		if (marker == 0xFF) { /* fill byte */
			at++;
			continue;
		}
		if (marker == 0xDA || marker == 0xD9 || marker == 0x00)
			return NULL;
		size_t seg = (size_t)data[at + 2] << 8 | data[at + 3];
		if (seg < 2)
			return NULL;
		if (marker == 0xFE && at + 2 + seg <= len) {
			char *line = take_line(data + at + 4, seg - 2);
			if (line != NULL)
				return line;
		}
		at += 2 + seg;
	}
	return NULL;
}

/* PNG: the tEXt chunks before the first IDAT, CRC checked. */
static char *
read_png(const uint8_t *data, size_t len)
{
	size_t at = 8;

	if (len < 8 || memcmp(data, "\x89PNG\r\n\x1a\n", 8) != 0)
		return NULL;
	while (at + 12 <= len) {
		size_t n = be32(data + at);
		if (n > len - at - 12 || memcmp(data + at + 4, "IDAT", 4) == 0)
			return NULL;
		const uint8_t *body = data + at + 8;
		if (memcmp(data + at + 4, "tEXt", 4) == 0 &&
		    n > PNG_KEYWORD_LEN &&
		    memcmp(body, PNG_KEYWORD, PNG_KEYWORD_LEN) == 0 &&
		    ~crc32_update(0xFFFFFFFFu, data + at + 4, 4 + n) ==
			    be32(body + n))
			return take_line(body + PNG_KEYWORD_LEN,
					 n - PNG_KEYWORD_LEN);
		at += 12 + n;
	}
	return NULL;
}

/* Joins the sub-blocks at @at into @buf (at most @cap bytes); returns
 * the offset after the terminator, or 0 if @data ends first. */
static size_t
gif_sub_blocks(const uint8_t *data, size_t len, size_t at, uint8_t *buf,
	       size_t cap, size_t *n_out)
{
	*n_out = 0;
	while (at < len) {
		size_t n = data[at];
		if (n == 0)
			return at + 1;
		if (at + 1 + n > len)
			return 0;
		if (*n_out + n <= cap)
			memcpy(buf + *n_out, data + at + 1, n);
		*n_out += n;
		at += 1 + n;
	}
	return 0;
}

/* GIF: the comment extensions before the first image descriptor. */
static char *
read_gif(const uint8_t *data, size_t len)
{
	size_t at = gif_blocks_start(data, len);
	uint8_t text[IMGOPT_PROVENANCE_MAX];

	while (at != 0 && at + 2 <= len && data[at] == 0x21) {
		size_t n = 0;
		bool is_comment = data[at + 1] == 0xFE;
		at = gif_sub_blocks(data, len, at + 2, text, sizeof(text), &n);
		char *line = at != 0 && is_comment && n <= sizeof(text)
				     ? take_line(text, n)
				     : NULL;
		if (line != NULL)
			return line;
	}
	return NULL;
}

char *
imgopt_provenance_read(const void *data, size_t len)
{
	const uint8_t *p = data;

	g_return_val_if_fail(data != NULL || len == 0, NULL);
	if (len >= 2 && p[0] == 0xFF && p[1] == 0xD8)
		return read_jpeg(p, len);
	if (len >= 8 && p[0] == 0x89)
		return read_png(p, len);
	if (len >= 6 && p[0] == 'G')
		return read_gif(p, len);
	return NULL;
}

char *
imgopt_provenance_read_tail(const void *data, size_t len)
{
	const uint8_t *p = data;

	g_return_val_if_fail(data != NULL || len == 0, NULL);
	for (size_t n = 0; n < IMGOPT_PROVENANCE_MAX; n++) {
		size_t chunk = 8 + n + (n & 1);
		if (chunk > len)
			break;
		const uint8_t *c = p + len - chunk;
		if (memcmp(c, "IMGO", 4) == 0 && le32(c + 4) == n)
			return take_line(c + 8, n);
	}
	return NULL;
}

bool
imgopt_provenance_ends_whole(ImgoptFormat format, const void *head,
			     size_t head_len, const void *tail, size_t tail_len,
			     uint64_t size)
{
	static const uint8_t iend[12] = {0,   0,   0,    0,    'I',  'E',
					 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
	const uint8_t *h = head, *t = tail;

	g_return_val_if_fail(head != NULL || head_len == 0, false);
	g_return_val_if_fail(tail != NULL || tail_len == 0, false);
	switch (format) {
	case IMGOPT_FORMAT_JPEG:
		return tail_len >= 2 && t[tail_len - 2] == 0xFF &&
		       t[tail_len - 1] == 0xD9;
	case IMGOPT_FORMAT_PNG:
		return tail_len >= sizeof(iend) &&
		       memcmp(t + tail_len - sizeof(iend), iend,
			      sizeof(iend)) == 0;
	case IMGOPT_FORMAT_GIF:
		return tail_len >= 1 && t[tail_len - 1] == 0x3B;
	case IMGOPT_FORMAT_WEBP:
		return head_len >= 8 && (uint64_t)le32(h + 4) + 8 == size;
	default:
		return true;
	}
}
