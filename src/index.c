/*
 * index.c: stage 2, file → ImgoptAsset (see index.h).
 *
 * How a file is read.  lstat() first: anything but a regular file is
 * refused before open(), so a FIFO cannot block and a device is never
 * read.  open() with O_NOFOLLOW | O_NONBLOCK, then fstat() the descriptor
 * and check it is the inode lstat() saw (a file swapped in between is a
 * CONFLICT, not a silent mix-up).  The bytes are read front to back in
 * IMGOPT_INDEX_CHUNK pieces; each piece goes to the XXH3 hasher and to the
 * header probe.  After the last read, fstat() again: a size or mtime that
 * moved, or a byte count that differs from the size, means the file
 * changed while we read it, and the hash is thrown away.
 *
 * The header probe is a push parser, so it never needs the whole file and
 * never seeks.  Every format is a sequence of records of known length:
 *
 *     feed(chunk) ──► skip N bytes ──► collect `want` bytes ──► step()
 *                          ▲                                      │
 *                          └──────── step sets skip/want ─────────┘
 *
 * step() reads the collected record (at most PROBE_BUF bytes: a PNG chunk
 * header, a GIF image descriptor, a JPEG marker…), updates the facts, and
 * says how many bytes to skip (a segment's payload, a colour table, a GIF
 * sub-block) and how many to collect next, or that it is done.  Skipping
 * is a counter, so a GIF's frames are counted by hopping over its LZW
 * sub-blocks in time linear in the file and constant memory, however
 * large it is, and a JPEG's SOF is found behind any number of APPn
 * segments.  The parser stops at the first record it cannot make sense of
 * and keeps what it learnt.
 *
 * AVIF, SVG and the "other" formats are sniffed from the first chunk
 * alone: their facts sit at the very start.
 */
#include "imgopt/error.h"
#include "imgopt/index.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fsio.h"
#include "hash.h"

/* The largest record a step() needs at once. */
#define PROBE_BUF 16

/* How far into the first chunk the SVG and AVIF sniffers look. */
#define SNIFF_LIMIT 4096

typedef struct Probe Probe;

/* Reads the record just collected into p->buf and sets what comes next. */
typedef void (*ProbeStep)(Probe *p);

struct Probe {
	ImgoptAsset *asset;     /* receives format, width, height, frames */
	ProbeStep step;         /* the format's record handler; NULL = done */
	int state;              /* the format's parser state */
	uint64_t skip;          /* bytes to drop before collecting */
	uint8_t buf[PROBE_BUF]; /* the record being collected */
	size_t want;            /* record length, 1..PROBE_BUF */
	size_t have;            /* bytes of the record collected so far */
	uint64_t aux;           /* per-format scratch (a chunk length…) */
	uint8_t marker;         /* JPEG: the marker whose segment follows */
	bool is_animated;       /* WebP: VP8X said ANIM */
};

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
probe_next(Probe *p, int state, uint64_t skip, size_t want)
{
	g_assert(want >= 1 && want <= PROBE_BUF);
	p->state = state;
	p->skip = skip;
	p->want = want;
}

static void
probe_done(Probe *p)
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
jpeg_marker(Probe *p, uint8_t m)
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
jpeg_step(Probe *p)
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
		p->asset->height = be16(p->buf + 1);
		p->asset->width = be16(p->buf + 3);
		p->asset->n_frames = 1;
		probe_done(p);
		break;
	}
}

/* ---- PNG: chunks up to the first IDAT ---- */

enum { PNG_CHUNK, PNG_IHDR, PNG_ACTL };

static void
png_chunk(Probe *p)
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
png_step(Probe *p)
{
	switch (p->state) {
	case PNG_CHUNK:
		png_chunk(p);
		break;
	case PNG_IHDR:
		p->asset->width = be32(p->buf);
		p->asset->height = be32(p->buf + 4);
		p->asset->n_frames = 1;
		probe_next(p, PNG_CHUNK, p->aux - 8 + 4, 8);
		break;
	case PNG_ACTL:
		/* num_frames; 0 is invalid and leaves the still image. */
		if (be32(p->buf) > 0)
			p->asset->n_frames = be32(p->buf);
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
gif_block(Probe *p)
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
gif_step(Probe *p)
{
	switch (p->state) {
	case GIF_SCREEN: /* signature, logical screen descriptor */
		p->asset->width = le16(p->buf + 6);
		p->asset->height = le16(p->buf + 8);
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
		p->asset->n_frames++;
		probe_next(p, GIF_LZW, gif_table(p->buf[8]), 1);
		break;
	}
}

/* ---- WebP: RIFF chunks ---- */

enum { WEBP_CHUNK, WEBP_VP8, WEBP_VP8L, WEBP_VP8X };

static void
webp_chunk(Probe *p)
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
			p->asset->n_frames++;
		probe_next(p, WEBP_CHUNK, padded, 8);
	}
}

/* A top-level VP8/VP8L bitstream: the image is a still. */
static void
webp_still(Probe *p, uint32_t width, uint32_t height)
{
	if (p->asset->width == 0) {
		p->asset->width = width;
		p->asset->height = height;
	}
	p->asset->n_frames = 1;
	probe_done(p);
}

static void
webp_step(Probe *p)
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
		p->asset->width = le24(p->buf + 4) + 1;
		p->asset->height = le24(p->buf + 7) + 1;
		p->is_animated = (p->buf[0] & 0x02) != 0;
		if (!p->is_animated)
			p->asset->n_frames = 1;
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
probe_avif(const uint8_t *d, size_t len, ImgoptAsset *asset)
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
	asset->format = IMGOPT_FORMAT_AVIF;
	asset->n_frames = memcmp(d + 8, "avis", 4) == 0 ? 0 : 1;
	ispe = find_bytes(d, MIN(len, (size_t)SNIFF_LIMIT * 4), "ispe");
	if (ispe != NULL && ispe + 16 <= d + len) {
		asset->width = be32(ispe + 8);
		asset->height = be32(ispe + 12);
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
probe_svg(const uint8_t *d, size_t len, ImgoptAsset *asset)
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
	asset->format = IMGOPT_FORMAT_SVG;
	asset->n_frames = 1;
	tag_end = strchr(tag, '>');
	if (tag_end != NULL) {
		g_autofree char *attrs = g_strndup(tag, (gsize)(tag_end - tag));

		asset->width = svg_length(attrs, "width");
		asset->height = svg_length(attrs, "height");
	}
	return true;
}

/* BMP (with a known DIB header size), ICO/CUR, TIFF: "other". */
static bool
probe_other(const uint8_t *d, size_t len, ImgoptAsset *asset)
{
	static const uint32_t dib_sizes[] = {12, 40, 52, 56, 64, 108, 124};
	bool is_other = false;

	if (len >= 26 && d[0] == 'B' && d[1] == 'M') {
		for (size_t i = 0; i < G_N_ELEMENTS(dib_sizes); i++)
			is_other |= le32(d + 14) == dib_sizes[i];
		if (is_other && le32(d + 14) >= 40) {
			int32_t h = (int32_t)le32(d + 22);

			asset->width = le32(d + 18);
			asset->height =
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
		asset->format = IMGOPT_FORMAT_OTHER;
	return is_other;
}

/* ---- dispatch ---- */

/* Sets up @p for the format the first bytes announce, or sniffs the
 * one-shot formats completely.  @d holds the first @len bytes. */
static void
probe_start(Probe *p, const uint8_t *d, size_t len)
{
	ImgoptAsset *a = p->asset;

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
probe_feed(Probe *p, const uint8_t *data, size_t len)
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

static void
probe_reset(Probe *p, ImgoptAsset *asset)
{
	memset(p, 0, sizeof *p);
	p->asset = asset;
	asset->format = IMGOPT_FORMAT_UNKNOWN;
	asset->width = asset->height = asset->n_frames = 0;
}

void
imgopt_index_probe_buffer(const void *data, size_t len, ImgoptAsset *asset)
{
	Probe p;

	probe_reset(&p, asset);
	probe_start(&p, data, len);
	probe_feed(&p, data, len);
}

/* ---- files ---- */

static const char *
kind_of(mode_t mode)
{
	if (S_ISLNK(mode))
		return "a symbolic link (not followed)";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISDIR(mode))
		return "a folder";
	return "not a regular file";
}

static bool
check_regular(const char *rel, const struct stat *st, GError **error)
{
	if (S_ISREG(st->st_mode))
		return true;
	g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSUPPORTED,
		    "%s: not indexed: %s", rel, kind_of(st->st_mode));
	return false;
}

static bool
set_errno_error(GError **error, int err, const char *rel, const char *what)
{
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
		    "%s: %s: %s", rel,
		    err == ENOENT ? "vanished or missing" : what,
		    g_strerror(err));
	return false;
}

static void
fill_identity(ImgoptAsset *asset, const struct stat *st)
{
	asset->size = (uint64_t)st->st_size;
	asset->mtime_ns =
		(int64_t)st->st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) +
		st->st_mtim.tv_nsec;
	asset->inode = (uint64_t)st->st_ino;
	asset->device = (uint64_t)st->st_dev;
}

ImgoptAsset *
imgopt_index_stat(const char *root, const char *rel, GError **error)
{
	g_autofree char *path = imgopt_fs_join(root, rel);
	g_autoptr(ImgoptAsset) asset = imgopt_asset_new(rel);
	struct stat st;

	if (lstat(path, &st) != 0) {
		set_errno_error(error, errno, rel, "cannot stat");
		return NULL;
	}
	if (!check_regular(rel, &st, error))
		return NULL;
	fill_identity(asset, &st);
	return g_steal_pointer(&asset);
}

bool
imgopt_index_unchanged(const ImgoptAsset *cached, const ImgoptAsset *now)
{
	return cached != NULL && cached->size == now->size &&
	       cached->mtime_ns == now->mtime_ns && cached->inode == now->inode;
}

/* Read buffers, two per thread, kept for the thread's life: a fresh
 * 256 KB allocation per file is an mmap, page faults and an munmap each
 * time, which costs more than reading a small file. */
static void
buffers_free(gpointer data)
{
	uint8_t **bufs = data;

	g_free(bufs[0]);
	g_free(bufs[1]);
	g_free(bufs);
}

static GPrivate buffers_key = G_PRIVATE_INIT(buffers_free);

/* Returns this thread's buffer @which (0 or 1) of IMGOPT_INDEX_CHUNK
 * bytes.  Not reentrant within a thread: callers use it and return. */
static uint8_t *
thread_buffer(int which)
{
	uint8_t **bufs = g_private_get(&buffers_key);

	if (bufs == NULL) {
		bufs = g_new0(uint8_t *, 2);
		g_private_set(&buffers_key, bufs);
	}
	if (bufs[which] == NULL)
		bufs[which] = g_malloc(IMGOPT_INDEX_CHUNK);
	return bufs[which];
}

/* Opens @rel for reading if it is still the regular file @asset saw. */
static int
open_regular(const char *root, const ImgoptAsset *asset, GError **error)
{
	g_autofree char *path = g_build_filename(root, asset->path, NULL);
	int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	int fd = open(path, flags);
	struct stat st;

	if (fd < 0) {
		set_errno_error(error, errno, asset->path, "cannot open");
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		set_errno_error(error, errno, asset->path, "cannot stat");
		close(fd);
		return -1;
	}
	if (!check_regular(asset->path, &st, error)) {
		close(fd);
		return -1;
	}
	if ((uint64_t)st.st_ino != asset->inode ||
	    (uint64_t)st.st_dev != asset->device) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT,
			    "%s: replaced by another file during the run",
			    asset->path);
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads @fd to the end, feeding the hasher and the probe. */
static bool
read_all(int fd, ImgoptAsset *asset, ImgoptHasher *hasher, uint64_t *total,
	 GError **error)
{
	uint8_t *buf = thread_buffer(0);
	Probe p;

	probe_reset(&p, asset);
	*total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, IMGOPT_INDEX_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return set_errno_error(error, errno, asset->path,
					       "read failed");
		if (n == 0)
			return true;
		if (*total == 0)
			probe_start(&p, buf, (size_t)n);
		probe_feed(&p, buf, (size_t)n);
		imgopt_hasher_update(hasher, buf, (gsize)n);
		*total += (uint64_t)n;
	}
}

/* The file must look after the read as it did before.  @total is what a
 * full read got (it must be the size), or G_MAXUINT64 after a partial one. */
static bool
check_stable(int fd, const ImgoptAsset *before, uint64_t total, GError **error)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return set_errno_error(error, errno, before->path,
				       "cannot stat");
	if ((uint64_t)st.st_size != before->size ||
	    (total != G_MAXUINT64 && total != before->size) ||
	    (int64_t)st.st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) +
			    st.st_mtim.tv_nsec !=
		    before->mtime_ns) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT,
			    "%s: changed while being read (%" G_GUINT64_FORMAT
			    " bytes read, size now %" G_GUINT64_FORMAT ")",
			    before->path, total, (guint64)st.st_size);
		return false;
	}
	return true;
}

bool
imgopt_index_read(const char *root, ImgoptAsset *asset, uint64_t *bytes_read,
		  GError **error)
{
	g_autoptr(ImgoptHasher) hasher = imgopt_hasher_new();
	uint64_t total = 0;
	int fd = open_regular(root, asset, error);
	bool ok;

	if (bytes_read != NULL)
		*bytes_read = 0;
	if (fd < 0)
		return false;
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	ok = read_all(fd, asset, hasher, &total, error) &&
	     check_stable(fd, asset, total, error);
	close(fd);
	if (bytes_read != NULL)
		*bytes_read = total;
	if (!ok)
		return false;
	imgopt_hasher_finish(hasher, &asset->hash);
	asset->has_hash = true;
	return true;
}

/* ---- header-only probe ---- */

/* Feeds windows read at increasing offsets; a skip that runs past the
 * window becomes a seek.  Stops when the parser is done, at the end of
 * the file, or when @budget bytes were read. */
static bool
probe_windows(int fd, Probe *p, uint8_t *buf, uint64_t budget,
	      const ImgoptAsset *asset, uint64_t *total, GError **error)
{
	uint64_t off = 0;

	*total = 0;
	while ((off == 0 || p->step != NULL) && off < asset->size &&
	       *total < budget) {
		size_t want = (size_t)MIN((uint64_t)IMGOPT_INDEX_PROBE_WINDOW,
					  budget - *total);
		ssize_t n = pread(fd, buf, want, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return set_errno_error(error, errno, asset->path,
					       "read failed");
		if (n == 0)
			break;
		if (off == 0)
			probe_start(p, buf, (size_t)n);
		probe_feed(p, buf, (size_t)n);
		*total += (uint64_t)n;
		off += (uint64_t)n + p->skip;
		p->skip = 0;
	}
	return true;
}

bool
imgopt_index_probe_file(const char *root, ImgoptAsset *asset,
			uint64_t *bytes_read, GError **error)
{
	g_autofree uint8_t *buf = NULL;
	uint64_t total = 0;
	Probe p;
	int fd;
	bool ok;

	if (asset->size <= IMGOPT_INDEX_PROBE_WINDOW)
		return imgopt_index_read(root, asset, bytes_read, error);
	if (bytes_read != NULL)
		*bytes_read = 0;
	fd = open_regular(root, asset, error);
	if (fd < 0)
		return false;
		/* A few scattered windows: readahead would read what we skip.
		 */
#ifdef POSIX_FADV_RANDOM
	posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
#endif
	buf = g_malloc(IMGOPT_INDEX_PROBE_WINDOW);
	probe_reset(&p, asset);
	ok = probe_windows(fd, &p, buf, IMGOPT_INDEX_PROBE_BUDGET, asset,
			   &total, error) &&
	     check_stable(fd, asset, G_MAXUINT64, error);
	close(fd);
	if (bytes_read != NULL)
		*bytes_read = total;
	/* Frames counted in part are no count: unknown until a full read. */
	if (p.step != NULL && (asset->format == IMGOPT_FORMAT_GIF ||
			       asset->format == IMGOPT_FORMAT_WEBP))
		asset->n_frames = 0;
	asset->has_hash = false;
	return ok;
}

/* ---- byte comparison ---- */

static bool
read_full(int fd, uint8_t *buf, size_t want, size_t *got)
{
	*got = 0;
	while (*got < want) {
		ssize_t n = read(fd, buf + *got, want - *got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return true;
}

static int
open_for_compare(const char *root, const char *rel, GError **error)
{
	g_autoptr(ImgoptAsset) asset = imgopt_index_stat(root, rel, error);

	if (asset == NULL)
		return -1;
	return open_regular(root, asset, error);
}

/* Compares two open files chunk by chunk; stops at the first difference. */
static bool
compare_fds(int fa, int fb, const char *a, bool *equal_out, GError **error)
{
	uint8_t *ba = thread_buffer(0);
	uint8_t *bb = thread_buffer(1);
	size_t na = 0, nb = 0;

	*equal_out = true;
	do {
		if (!read_full(fa, ba, IMGOPT_INDEX_CHUNK, &na) ||
		    !read_full(fb, bb, IMGOPT_INDEX_CHUNK, &nb))
			return set_errno_error(error, errno, a, "read failed");
		if (na != nb || memcmp(ba, bb, na) != 0) {
			*equal_out = false;
			return true;
		}
	} while (na == IMGOPT_INDEX_CHUNK);
	return true;
}

bool
imgopt_index_files_equal(const char *root, const char *a, const char *b,
			 bool *equal_out, GError **error)
{
	int fa = open_for_compare(root, a, error);
	int fb = fa < 0 ? -1 : open_for_compare(root, b, error);
	bool ok;

	*equal_out = false;
	if (fa < 0 || fb < 0) {
		if (fa >= 0)
			close(fa);
		return false;
	}
	ok = compare_fds(fa, fb, a, equal_out, error);
	close(fa);
	close(fb);
	return ok;
}

bool
imgopt_index_is_image_name(const char *path)
{
	static const char *const exts[] = {".jpg",  ".jpeg", ".png", ".gif",
					   ".webp", ".avif", ".svg", ".bmp",
					   ".ico",  ".tif",  ".tiff"};
	const char *dot = strrchr(path, '.');

	if (dot == NULL || strchr(dot, '/') != NULL)
		return false;
	for (size_t i = 0; i < G_N_ELEMENTS(exts); i++)
		if (g_ascii_strcasecmp(dot, exts[i]) == 0)
			return true;
	return false;
}
