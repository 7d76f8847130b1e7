/*
 * genblog.c: writes a blog shaped like the seed (a Jekyll site reposting
 * WeChat articles) for tests and benchmarks, and the ground truth of what
 * `imgopt dupes` must find in it.
 *
 *   genblog --posts N --images M [--seed S] [--sizes tiny|real]
 *           [--pixels PHOTOS] --out DIR
 *
 * DIR receives `_config.yml`, `_posts/<date>-post-<n>.md`, `img/the-first.png`
 * (every post's header image) and `postimg/<media id>.<ext>`; the ground
 * truth goes to DIR/genblog-truth.json (or --truth FILE).  The same seed
 * gives the same bytes, names and mtimes.
 *
 * What the blog holds, as in the seed:
 *   - posts whose images are `![]({{site.baseurl}}/postimg/<id>.jpeg)`,
 *     one to three on a line;
 *   - three account banners closing every post, each saved again under a
 *     new media id (byte-identical copies, the dedupe case), plus one
 *     unreferenced copy of each banner;
 *   - body images: JPEG mostly, animated GIFs, a few PNGs, some saved
 *     under a lying `.jpeg` name; some reposted (a byte-identical copy
 *     under a new id in a later post) and some used again by path;
 *   - Windows-export links broken over two lines,
 *     `![](2020-07-14\n<title>\\<id>.jpeg)`, whose file exists (repairable)
 *     or does not (broken);
 *   - orphans: image files no post references.
 *
 * The images are written from bytes, not encoded: a flat-grey baseline
 * JPEG (one-symbol Huffman tables), a stored-deflate greyscale PNG and a
 * two-colour animated GIF (LZW with a clear code every two pixels).  Each
 * distinct content carries a unique comment (JPEG COM, PNG tEXt, GIF
 * comment extension) of pseudo-random bytes, which also pads it to its
 * target size ("real" sizes: mostly 20-200 KB, some of several MB).
 *
 * With --pixels PHOTOS, each distinct JPEG content is instead a crop of
 * one of the JPEG photos of that folder at the content's own width and
 * height (a photo at least that large, else one scaled up to cover it),
 * saved by the `vips` command at quality 85 without metadata, as a
 * WeChat export is, with a COM segment of its seed (distinct contents
 * never share bytes); its size is then the encoder's, not the target.
 * The photo and the place of the crop follow from the content's seed, so
 * --seed still gives the same bytes, and the blog's names, posts and
 * duplicate groups are those it has without --pixels.
 *
 * The canonical copy of each group follows group.h's rule: most
 * references, then the shortest path, then the oldest mtime.  Every file
 * gets a distinct mtime (a fixed epoch plus its creation order).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

/* ---- deterministic randomness ---- */

typedef struct {
	uint64_t s; /* xorshift64* state, never 0 */
} Rng;

static uint64_t
rng_next(Rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * UINT64_C(2685821657736338717);
}

/* Uniform in [lo, hi]. */
static uint64_t
rng_range(Rng *r, uint64_t lo, uint64_t hi)
{
	return lo + rng_next(r) % (hi - lo + 1);
}

static bool
rng_chance(Rng *r, unsigned percent)
{
	return rng_next(r) % 100 < percent;
}

static void
rng_fill(Rng *r, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = rng_next(r);

		memcpy(buf + i, &v, MIN((size_t)8, len - i));
	}
}

/* ---- image bytes ---- */

typedef enum { KIND_JPEG, KIND_GIF, KIND_PNG } Kind;

static void
put16be(GByteArray *b, unsigned v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	g_byte_array_append(b, x, 2);
}

static void
put32be(GByteArray *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
			(uint8_t)(v >> 8), (uint8_t)v};

	g_byte_array_append(b, x, 4);
}

static void
put16le(GByteArray *b, unsigned v)
{
	uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	g_byte_array_append(b, x, 2);
}

static void
put_byte(GByteArray *b, uint8_t v)
{
	g_byte_array_append(b, &v, 1);
}

/* JPEG COM segments holding @len pseudo-random bytes. */
static void
jpeg_comments(GByteArray *b, Rng *r, size_t len)
{
	uint8_t chunk[65533];

	while (len > 0) {
		size_t n = MIN(len, sizeof chunk);

		rng_fill(r, chunk, n);
		put16be(b, 0xFFFE);
		put16be(b, (unsigned)n + 2);
		g_byte_array_append(b, chunk, (guint)n);
		len -= n;
	}
}

/* One Huffman table holding a single symbol (0) with a 1-bit code. */
static void
jpeg_dht(GByteArray *b, uint8_t class_id)
{
	put16be(b, 0xFFC4);
	put16be(b, 2 + 1 + 16 + 1);
	put_byte(b, class_id);
	put_byte(b, 1); /* one code of length 1 */
	for (int i = 1; i < 16; i++)
		put_byte(b, 0);
	put_byte(b, 0); /* the symbol: DC category 0 / AC end-of-block */
}

/* A flat grey baseline JPEG: every block is "DC diff 0, EOB", two bits. */
static void
make_jpeg(GByteArray *b, Rng *r, unsigned w, unsigned h, size_t pad)
{
	size_t blocks = (size_t)((w + 7) / 8) * ((h + 7) / 8);
	size_t nbytes = (blocks * 2 + 7) / 8;

	put16be(b, 0xFFD8);
	put16be(b, 0xFFDB);
	put16be(b, 67);
	put_byte(b, 0);
	for (int i = 0; i < 64; i++)
		put_byte(b, 1);
	put16be(b, 0xFFC0);
	put16be(b, 11);
	put_byte(b, 8);
	put16be(b, h);
	put16be(b, w);
	put_byte(b, 1);
	put_byte(b, 1), put_byte(b, 0x11), put_byte(b, 0);
	jpeg_dht(b, 0x00);
	jpeg_dht(b, 0x10);
	/* The bulk of a real JPEG follows its headers: so does the padding. */
	jpeg_comments(b, r, MAX(pad, (size_t)16));
	put16be(b, 0xFFDA);
	put16be(b, 8);
	put_byte(b, 1), put_byte(b, 1), put_byte(b, 0x00);
	put_byte(b, 0), put_byte(b, 63), put_byte(b, 0);
	for (size_t i = 0; i + 1 < nbytes; i++)
		put_byte(b, 0);
	/* The last byte: its used bits are 0, the rest padded with 1s. */
	put_byte(b, (uint8_t)(0xFF >> ((blocks * 2 - 1) % 8 + 1)));
	put16be(b, 0xFFD9);
}

static uint32_t
crc32_of(const uint8_t *p, size_t len, uint32_t crc)
{
	crc = ~crc;
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
	}
	return ~crc;
}

static void
png_chunk(GByteArray *b, const char *type, const uint8_t *data, size_t len)
{
	guint start = b->len;

	put32be(b, (uint32_t)len);
	g_byte_array_append(b, (const guint8 *)type, 4);
	if (len > 0)
		g_byte_array_append(b, data, (guint)len);
	put32be(b, crc32_of(b->data + start + 4, len + 4, 0));
}

/* zlib stream of stored blocks holding @h rows of @w grey pixels. */
static GByteArray *
png_idat(unsigned w, unsigned h)
{
	GByteArray *z = g_byte_array_new();
	size_t raw_len = (size_t)(w + 1) * h;
	uint32_t a = 1, s = 0;

	put16be(z, 0x7801);
	for (size_t done = 0; done < raw_len;) {
		size_t n = MIN(raw_len - done, (size_t)65535);

		put_byte(z, done + n == raw_len ? 1 : 0);
		put16le(z, (unsigned)n);
		put16le(z, (unsigned)~n & 0xFFFF);
		for (size_t i = 0; i < n; i++)
			put_byte(z, (done + i) % (w + 1) == 0 ? 0 : 0x80);
		done += n;
	}
	for (size_t i = 0; i < raw_len; i++) {
		a = (a + (i % (w + 1) == 0 ? 0 : 0x80)) % 65521;
		s = (s + a) % 65521;
	}
	put32be(z, s << 16 | a);
	return z;
}

static void
make_png(GByteArray *b, Rng *r, unsigned w, unsigned h, size_t pad)
{
	uint8_t ihdr[13] = {0};
	g_autoptr(GByteArray) idat = png_idat(w, h);
	g_autofree uint8_t *text = g_malloc(pad + 8);

	g_byte_array_append(b, (const guint8 *)"\x89PNG\r\n\x1a\n", 8);
	ihdr[0] = (uint8_t)(w >> 24), ihdr[1] = (uint8_t)(w >> 16);
	ihdr[2] = (uint8_t)(w >> 8), ihdr[3] = (uint8_t)w;
	ihdr[4] = (uint8_t)(h >> 24), ihdr[5] = (uint8_t)(h >> 16);
	ihdr[6] = (uint8_t)(h >> 8), ihdr[7] = (uint8_t)h;
	ihdr[8] = 8; /* bit depth; colour type 0 (grey) */
	png_chunk(b, "IHDR", ihdr, 13);
	memcpy(text, "genblog", 8); /* keyword and its NUL */
	rng_fill(r, text + 8, pad);
	png_chunk(b, "tEXt", text, pad + 8);
	png_chunk(b, "IDAT", idat->data, idat->len);
	png_chunk(b, "IEND", NULL, 0);
}

/* Appends LZW codes (3 bits each, LSB first) to a sub-block stream. */
typedef struct {
	GByteArray *out; /* the image data, sub-blocked at the end */
	uint32_t acc;    /* pending bits */
	int n;           /* how many */
} Bits;

static void
bits_put(Bits *bits, unsigned code)
{
	bits->acc |= code << bits->n;
	bits->n += 3;
	while (bits->n >= 8) {
		put_byte(bits->out, (uint8_t)bits->acc);
		bits->acc >>= 8;
		bits->n -= 8;
	}
}

/* One frame of w×h pixels, colour (frame + x) & 1, with minimum code
 * size 2: clear (4) every two literals keeps every code 3 bits wide. */
static void
gif_frame(GByteArray *b, unsigned w, unsigned h, unsigned frame)
{
	g_autoptr(GByteArray) data = g_byte_array_new();
	Bits bits = {data, 0, 0};
	size_t n = (size_t)w * h;

	put_byte(b, 0x21), put_byte(b, 0xF9), put_byte(b, 4);
	put_byte(b, 0), put16le(b, 10), put_byte(b, 0), put_byte(b, 0);
	put_byte(b, 0x2C);
	put16le(b, 0), put16le(b, 0), put16le(b, w), put16le(b, h);
	put_byte(b, 0);
	put_byte(b, 2);
	for (size_t i = 0; i < n; i++) {
		if (i % 2 == 0)
			bits_put(&bits, 4);
		bits_put(&bits, (unsigned)((frame + i % w) & 1));
	}
	bits_put(&bits, 5);
	if (bits.n > 0)
		put_byte(data, (uint8_t)bits.acc);
	for (guint i = 0; i < data->len; i += 255) {
		guint k = MIN(255u, data->len - i);

		put_byte(b, (uint8_t)k);
		g_byte_array_append(b, data->data + i, k);
	}
	put_byte(b, 0);
}

static void
gif_comment(GByteArray *b, Rng *r, size_t len)
{
	uint8_t chunk[255];

	put_byte(b, 0x21), put_byte(b, 0xFE);
	for (size_t done = 0; done < len;) {
		size_t k = MIN(len - done, sizeof chunk);

		rng_fill(r, chunk, k);
		put_byte(b, (uint8_t)k);
		g_byte_array_append(b, chunk, (guint)k);
		done += k;
	}
	put_byte(b, 0);
}

static void
make_gif(GByteArray *b, Rng *r, unsigned w, unsigned h, unsigned frames,
	 size_t pad)
{
	static const uint8_t palette[] = {0, 0, 0, 255, 255, 255};

	g_byte_array_append(b, (const guint8 *)"GIF89a", 6);
	put16le(b, w), put16le(b, h);
	put_byte(b, 0x80), put_byte(b, 0), put_byte(b, 0);
	g_byte_array_append(b, palette, sizeof palette);
	/* NETSCAPE2.0 loop extension: loop forever. */
	g_byte_array_append(b,
			    (const guint8 *)"\x21\xFF\x0BNETSCAPE2.0\x03\x01"
					    "\x00\x00\x00",
			    19);
	gif_comment(b, r, MAX(pad, (size_t)16));
	for (unsigned f = 0; f < frames; f++)
		gif_frame(b, w, h, f);
	put_byte(b, 0x3B);
}

/* ---- photographic pixels (--pixels) ---- */

/* A photo of --pixels DIR. */
typedef struct {
	char *path;      /* DIR/name */
	unsigned width;  /* pixels */
	unsigned height; /* pixels */
} Photo;

/* The photos, and a scratch folder for the vips commands' files. */
typedef struct {
	GArray *photos; /* (element-type Photo) by name */
	char *tmp;      /* removed by pixels_free() */
} Pixels;

static void
photo_clear(gpointer p)
{
	g_free(((Photo *)p)->path);
}

/* The width and height of the JPEG @data from its first SOF marker;
 * false if it is not a JPEG or has none. */
static bool
jpeg_size(const uint8_t *d, gsize len, unsigned *w, unsigned *h)
{
	gsize i = 2;

	if (len < 4 || d[0] != 0xFF || d[1] != 0xD8)
		return false;
	while (i + 9 < len && d[i] == 0xFF) {
		uint8_t m = d[i + 1];
		gsize seg = (gsize)d[i + 2] << 8 | d[i + 3];

		if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 &&
		    m != 0xCC) {
			*h = (unsigned)d[i + 5] << 8 | d[i + 6];
			*w = (unsigned)d[i + 7] << 8 | d[i + 8];
			return *w > 0 && *h > 0;
		}
		if (m == 0xD9 || m == 0xDA)
			return false;
		i += 2 + seg;
	}
	return false;
}

/* The JPEG files of @dir (not below it), by name; exits if none. */
static Pixels *
pixels_open(const char *dir)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) d = g_dir_open(dir, 0, &error);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	Pixels *px = g_new0(Pixels, 1);
	const char *name;

	if (d == NULL)
		g_error("genblog: --pixels: %s", error->message);
	while ((name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
	px->photos = g_array_new(FALSE, TRUE, sizeof(Photo));
	g_array_set_clear_func(px->photos, photo_clear);
	for (guint i = 0; i < names->len; i++) {
		Photo ph = {g_build_filename(dir, names->pdata[i], NULL), 0, 0};
		g_autofree char *data = NULL;
		gsize len = 0;

		if (g_file_test(ph.path, G_FILE_TEST_IS_REGULAR) &&
		    g_file_get_contents(ph.path, &data, &len, NULL) &&
		    jpeg_size((const uint8_t *)data, len, &ph.width,
			      &ph.height))
			g_array_append_val(px->photos, ph);
		else
			g_free(ph.path);
	}
	if (px->photos->len == 0)
		g_error("genblog: --pixels: no JPEG photo in %s", dir);
	px->tmp = g_dir_make_tmp("genblog-XXXXXX", &error);
	if (px->tmp == NULL)
		g_error("genblog: %s", error->message);
	return px;
}

static void
pixels_free(Pixels *px)
{
	if (px == NULL)
		return;
	g_array_unref(px->photos);
	g_rmdir(px->tmp); /* its files are removed as they are read */
	g_free(px->tmp);
	g_free(px);
}

/* Runs a vips command; exits if it fails. */
static void
run_vips(const char *const *argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *err = NULL;
	gint status = 0;

	if (!g_spawn_sync(NULL, (char **)argv, NULL,
			  G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
			  NULL, NULL, NULL, &err, &status, &error) ||
	    !g_spawn_check_wait_status(status, &error))
		g_error("genblog: %s %s: %s%s", argv[0], argv[1],
			error->message, err != NULL ? err : "");
}

/* The photo a content's pixels come from: one at least as large as
 * @w x @h if there is any, else any (scaled up to cover it). */
static const Photo *
pick_photo(const Pixels *px, Rng *r, unsigned w, unsigned h)
{
	guint n_large = 0;

	for (guint i = 0; i < px->photos->len; i++) {
		const Photo *ph = &g_array_index(px->photos, Photo, i);

		n_large += ph->width >= w && ph->height >= h;
	}
	guint k = (guint)rng_range(r, 0,
				   (n_large ? n_large : px->photos->len) - 1);
	for (guint i = 0; i < px->photos->len; i++) {
		const Photo *ph = &g_array_index(px->photos, Photo, i);

		if (n_large == 0 || (ph->width >= w && ph->height >= h))
			if (k-- == 0)
				return ph;
	}
	g_assert_not_reached();
}

/* A crop of @w x @h pixels of one of the photos, at a place chosen by
 * @r, saved as a WeChat export is (baseline JPEG, quality 85, no
 * metadata): the JPEG file written to @out. */
static void
crop_photo(const Pixels *px, Rng *r, unsigned w, unsigned h, const char *out)
{
	const Photo *ph = pick_photo(px, r, w, h);
	g_autofree char *src = g_strdup(ph->path);
	g_autofree char *scaled = g_build_filename(px->tmp, "scaled.v", NULL);
	double scale = MAX((double)w / ph->width, (double)h / ph->height);
	unsigned pw = ph->width, ph_h = ph->height;
	char sx[32], sy[32], sw[16], sh[16], ss[32];
	g_autofree char *save = g_strdup_printf("%s[Q=85,strip]", out);

	if (scale > 1) {
		/* 1% more, so rounding never leaves it short. */
		scale *= 1.01;
		g_snprintf(ss, sizeof ss, "%.6f", scale);
		run_vips((const char *const[]){"vips", "resize", src, scaled,
					       ss, NULL});
		g_free(src);
		src = g_strdup(scaled);
		pw = (unsigned)(ph->width * scale);
		ph_h = (unsigned)(ph->height * scale);
	}
	g_snprintf(sx, sizeof sx, "%" G_GUINT64_FORMAT,
		   rng_range(r, 0, pw - w));
	g_snprintf(sy, sizeof sy, "%" G_GUINT64_FORMAT,
		   rng_range(r, 0, ph_h - h));
	g_snprintf(sw, sizeof sw, "%u", w);
	g_snprintf(sh, sizeof sh, "%u", h);
	run_vips((const char *const[]){"vips", "crop", src, save, sx, sy, sw,
				       sh, NULL});
	if (scale > 1)
		g_unlink(scaled);
}

/* ---- the blog model ---- */

/* A distinct content: files holding it are byte-identical. */
typedef struct {
	Kind kind;       /* the real format */
	unsigned width;  /* pixels */
	unsigned height; /* pixels */
	unsigned frames; /* GIF frames */
	size_t pad;      /* comment bytes: makes it unique and sized */
	uint64_t seed;   /* of the comment bytes */
	size_t bytes;    /* size once built */
	guint n_files;   /* files holding it */
} Content;

/* One file under DIR. */
typedef struct {
	char *path;    /* relative to DIR */
	guint content; /* index into Gen.contents */
	guint refs;    /* references that resolve to it */
	guint order;   /* creation order: its mtime */
} File;

typedef struct {
	Rng rng;             /* the only source of randomness */
	bool is_real_size;   /* --sizes real */
	GArray *contents;    /* Content */
	GPtrArray *files;    /* File * */
	GHashTable *names;   /* media ids in use */
	guint banners[2][3]; /* two accounts' banner contents */
	GPtrArray *body;     /* File * of body images, for reposts and reuse */
	guint links_ok;      /* references written in the usual form */
	guint links_repairable; /* two-line Windows links to existing files */
	guint links_broken;     /* two-line Windows links to missing files */
	Pixels *pixels;         /* --pixels: the photos, or NULL */
} Gen;

static void
file_free(File *f)
{
	g_free(f->path);
	g_free(f);
}

/* Log-uniform between @lo and @hi. */
static size_t
rng_size(Rng *r, size_t lo, size_t hi)
{
	double u = (double)(rng_next(r) >> 11) / (double)(UINT64_C(1) << 53);

	return (size_t)((double)lo * exp(u * log((double)hi / (double)lo)));
}

static size_t
target_size(Gen *g, Kind kind)
{
	if (!g->is_real_size)
		return (size_t)rng_range(&g->rng, 16, 400);
	if (kind == KIND_GIF)
		return rng_size(&g->rng, 100 * 1024, 2 * 1024 * 1024);
	if (rng_chance(&g->rng, 3))
		return rng_size(&g->rng, 1024 * 1024, 3 * 1024 * 1024);
	return rng_size(&g->rng, 20 * 1024, 200 * 1024);
}

static guint
new_content(Gen *g, Kind kind)
{
	Content c = {kind, 0, 0, 1, 0, rng_next(&g->rng) | 1, 0, 0};
	bool real = g->is_real_size;

	if (kind == KIND_JPEG) {
		c.width = real ? 1080 : 64;
		c.height = real ? (unsigned)rng_range(&g->rng, 400, 1400) : 48;
	}
	else if (kind == KIND_GIF) {
		c.width = real ? 240 : 16;
		c.height = real ? 135 : 12;
		c.frames = (unsigned)rng_range(&g->rng, 2, real ? 12 : 4);
	}
	else {
		c.width = real ? 200 : 16;
		c.height = real ? 100 : 16;
	}
	c.pad = target_size(g, kind);
	g_array_append_val(g->contents, c);
	return g->contents->len - 1;
}

static Kind
body_kind(Gen *g)
{
	unsigned v = (unsigned)rng_range(&g->rng, 0, 99);

	return v < 10 ? KIND_GIF : v < 15 ? KIND_PNG : KIND_JPEG;
}

/* A fresh WeChat-like media id: fixed prefix, 60-80 random characters. */
static char *
media_id(Gen *g)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
				       "nopqrstuvwxyz0123456789";

	for (;;) {
		GString *s = g_string_new("m6vdLvvo6W");
		size_t n = (size_t)rng_range(&g->rng, 60, 80);

		for (size_t i = 0; i < n; i++)
			g_string_append_c(s, alphabet[rng_next(&g->rng) %
						      (sizeof alphabet - 1)]);
		if (!g_hash_table_contains(g->names, s->str)) {
			g_hash_table_add(g->names, g_strdup(s->str));
			return g_string_free(s, FALSE);
		}
		g_string_free(s, TRUE);
	}
}

static const char *
extension(Gen *g, Kind kind)
{
	/* WeChat's wx_fmt often lies: some GIFs and PNGs are named .jpeg. */
	if (kind != KIND_JPEG && rng_chance(&g->rng, 3))
		return "jpeg";
	return kind == KIND_GIF ? "gif" : kind == KIND_PNG ? "png" : "jpeg";
}

static File *
new_file(Gen *g, guint content)
{
	File *f = g_new0(File, 1);
	Content *c = &g_array_index(g->contents, Content, content);
	g_autofree char *id = media_id(g);

	c->n_files++;

	f->path = g_strdup_printf("postimg/%s.%s", id, extension(g, c->kind));
	f->content = content;
	f->order = g->files->len;
	g_ptr_array_add(g->files, f);
	return f;
}

/* ---- posts ---- */

/* One post being written. */
typedef struct {
	GString *md;     /* its text */
	char *date;      /* "2020-07-14" */
	char *title;     /* its title, also in its broken links */
	GPtrArray *line; /* (element-type utf8) refs of the current line */
} Post;

static void
post_flush_line(Post *p)
{
	if (p->line->len == 0)
		return;
	for (guint i = 0; i < p->line->len; i++)
		g_string_append(p->md, g_ptr_array_index(p->line, i));
	g_string_append_c(p->md, '\n');
	g_ptr_array_set_size(p->line, 0);
	g_string_append(
		p->md,
		"今年以来，南宁市公安局刑侦支队立足本职，守护市民“钱袋”。\n");
}

/* The Windows export's damage: the post's date, a newline, the title and
 * a backslash (escaped in Markdown) before the file name. */
static char *
windows_link(const Post *p, const char *name)
{
	return g_strdup_printf("![](%s\n%s\\\\%s)", p->date, p->title, name);
}

static void
add_ref(Gen *g, Post *p, File *f, bool may_break)
{
	const char *name = strrchr(f->path, '/') + 1;

	f->refs++;
	if (may_break && rng_chance(&g->rng, 5)) {
		g_ptr_array_add(p->line, windows_link(p, name));
		g->links_repairable++;
	}
	else {
		g_ptr_array_add(
			p->line,
			g_strdup_printf("![]({{site.baseurl}}/%s)", f->path));
		g->links_ok++;
	}
	if (p->line->len >= rng_range(&g->rng, 1, 3))
		post_flush_line(p);
}

static File *
body_file(Gen *g)
{
	guint n = g->body->len;

	if (n > 0 && rng_chance(&g->rng, 6)) /* used again by path */
		return g_ptr_array_index(g->body, rng_range(&g->rng, 0, n - 1));
	if (n > 0 && rng_chance(&g->rng, 8)) { /* reposted: a new copy */
		const File *old = g_ptr_array_index(
			g->body, rng_range(&g->rng, 0, n - 1));
		File *copy = new_file(g, old->content);

		g_ptr_array_add(g->body, copy);
		return copy;
	}
	File *f = new_file(g, new_content(g, body_kind(g)));

	g_ptr_array_add(g->body, f);
	return f;
}

static void
post_front_matter(Post *p)
{
	g_string_append_printf(
		p->md,
		"---\nlayout:     post\ntitle:      %s\ndate:       %s\n"
		"author:     转载\nheader-img: img/the-first.png\n"
		"catalog:   false\ntags:\n    - 其他\n---\n\n"
		"<blockquote><p>转载：南宁市反诈骗<br>\n来源：微信公众号</p>"
		"</blockquote>\n\n#%s\n**南宁市反诈骗**\n",
		p->title, p->date, p->title);
}

static char *
post_text(Gen *g, guint index, guint n_body)
{
	g_autoptr(GDateTime) day0 = g_date_time_new_utc(2018, 1, 1, 0, 0, 0);
	g_autoptr(GDateTime) day = g_date_time_add_days(day0, (gint)index);
	Post p = {g_string_new(NULL), g_date_time_format(day, "%Y-%m-%d"),
		  g_strdup_printf("南宁刑侦守护市民钱袋第%u篇", index + 1),
		  g_ptr_array_new_with_free_func(g_free)};
	const guint *banners = g->banners[index % 2];

	post_front_matter(&p);
	for (guint i = 0; i < n_body; i++)
		add_ref(g, &p, body_file(g), true);
	if (rng_chance(&g->rng, 5)) {
		g_autofree char *id = media_id(g);
		g_autofree char *name = g_strdup_printf("%s.jpeg", id);

		g_ptr_array_add(p.line, windows_link(&p, name));
		g->links_broken++;
	}
	post_flush_line(&p);
	g_string_append(p.md,
			"(审核:杨俊责编:朱耀华编辑:蒋越校对:谭玉兰)\n***\n");
	for (guint b = 0; b < 3; b++) {
		add_ref(g, &p, new_file(g, banners[b]), false);
		post_flush_line(&p);
	}
	g_free(p.date);
	g_free(p.title);
	g_ptr_array_unref(p.line);
	return g_string_free(p.md, FALSE);
}

/* ---- writing ---- */

/* A JPEG content with photographic pixels: a crop of a photo at the
 * content's size (crop_photo()), chosen by the content's seed alone (the
 * rest of the blog is as without --pixels), with a COM segment holding
 * the seed after SOI so that distinct contents never share their bytes. */
static GBytes *
photo_jpeg(const Pixels *px, const Content *c)
{
	Rng r = {c->seed ^ UINT64_C(0x9E3779B97F4A7C15)};
	g_autofree char *out = g_build_filename(px->tmp, "crop.jpg", NULL);
	g_autofree char *data = NULL;
	gsize len = 0;
	GByteArray *b = g_byte_array_new();
	char id[17];

	g_snprintf(id, sizeof id, "%016" G_GINT64_MODIFIER "x", c->seed);
	if (r.s == 0)
		r.s = 1;
	crop_photo(px, &r, c->width, c->height, out);
	if (!g_file_get_contents(out, &data, &len, NULL) || len < 2)
		g_error("genblog: vips wrote no %s", out);
	g_unlink(out);
	g_byte_array_append(b, (const guint8 *)data, 2);
	put16be(b, 0xFFFE);
	put16be(b, 2 + 8 + 16);
	g_byte_array_append(b, (const guint8 *)"genblog ", 8);
	g_byte_array_append(b, (const guint8 *)id, 16);
	g_byte_array_append(b, (const guint8 *)data + 2, (guint)(len - 2));
	return g_byte_array_free_to_bytes(b);
}

/* @c's bytes; a JPEG's pixels from a photo with --pixels (@px). */
static GBytes *
build_content(const Pixels *px, const Content *c)
{
	GByteArray *b = NULL;
	Rng r = {c->seed};

	if (c->kind == KIND_JPEG && px != NULL)
		return photo_jpeg(px, c);
	b = g_byte_array_new();
	if (c->kind == KIND_JPEG)
		make_jpeg(b, &r, c->width, c->height, c->pad);
	else if (c->kind == KIND_PNG)
		make_png(b, &r, c->width, c->height, c->pad);
	else
		make_gif(b, &r, c->width, c->height, c->frames, c->pad);
	return g_byte_array_free_to_bytes(b);
}

/* The folder a file was last written to: made once, not once a file. */
static char *last_dir;

/* Writes @path in place (a fresh tree: no temporary file and rename,
 * which cost an inode allocation and a free per file on ext4) and, if
 * @order is not G_MAXUINT, sets its mtime to the creation order. */
static void
write_file(const char *path, const void *data, gsize len, guint order)
{
	g_autofree char *dir = g_path_get_dirname(path);
	const uint8_t *p = data;
	int fd;

	if (g_strcmp0(dir, last_dir) != 0) {
		if (g_mkdir_with_parents(dir, 0755) != 0)
			g_error("genblog: cannot make %s: %s", dir,
				g_strerror(errno));
		g_free(last_dir);
		last_dir = g_steal_pointer(&dir);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		g_error("genblog: cannot write %s: %s", path,
			g_strerror(errno));
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			g_error("genblog: cannot write %s: %s", path,
				g_strerror(errno));
		p += n;
		len -= (gsize)n;
	}
	if (order != G_MAXUINT) {
		/* Distinct, increasing mtimes from 2020-07-14 on. */
		struct timespec t[2] = {{1594684800 + (time_t)order * 60, 0},
					{1594684800 + (time_t)order * 60, 0}};

		if (futimens(fd, t) != 0)
			g_error("genblog: cannot set the mtime of %s", path);
	}
	if (close(fd) != 0)
		g_error("genblog: cannot write %s: %s", path,
			g_strerror(errno));
}

static void
write_or_die(const char *path, const void *data, gsize len)
{
	write_file(path, data, len, G_MAXUINT);
}

static void
write_files(Gen *g, const char *out)
{
	/* Banner bytes are written hundreds of times: build them once. */
	g_autoptr(GHashTable) cache =
		g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
				      (GDestroyNotify)g_bytes_unref);

	for (int a = 0; a < 2; a++)
		for (int b = 0; b < 3; b++)
			g_hash_table_insert(
				cache, GUINT_TO_POINTER(g->banners[a][b]),
				build_content(
					g->pixels,
					&g_array_index(g->contents, Content,
						       g->banners[a][b])));
	for (guint i = 0; i < g->files->len; i++) {
		const File *f = g_ptr_array_index(g->files, i);
		Content *c = &g_array_index(g->contents, Content, f->content);
		GBytes *cached = g_hash_table_lookup(
			cache, GUINT_TO_POINTER(f->content));
		g_autoptr(GBytes) bytes = cached ? g_bytes_ref(cached)
						 : build_content(g->pixels, c);
		g_autofree char *path = g_build_filename(out, f->path, NULL);
		gsize len = 0;
		gconstpointer data = g_bytes_get_data(bytes, &len);

		c->bytes = len;
		write_file(path, data, len, f->order);
		/* A photo crop costs two vips runs: each is made once. */
		if (cached == NULL && g->pixels != NULL && c->n_files > 1)
			g_hash_table_insert(cache, GUINT_TO_POINTER(f->content),
					    g_bytes_ref(bytes));
	}
}

/* ---- ground truth ---- */

/* group.h's rule: most references, shortest path, oldest, byte order. */
static int
canonical_cmp(const File *a, const File *b)
{
	size_t la = strlen(a->path), lb = strlen(b->path);

	if (a->refs != b->refs)
		return a->refs > b->refs ? -1 : 1;
	if (la != lb)
		return la < lb ? -1 : 1;
	if (a->order != b->order)
		return a->order < b->order ? -1 : 1;
	return strcmp(a->path, b->path);
}

static int
file_path_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp((*(File *const *)a)->path, (*(File *const *)b)->path);
}

static int
group_cmp(gconstpointer a, gconstpointer b)
{
	const GPtrArray *ga = *(GPtrArray *const *)a,
			*gb = *(GPtrArray *const *)b;

	return strcmp(((File *)ga->pdata[ga->len - 1])->path,
		      ((File *)gb->pdata[gb->len - 1])->path);
}

/* Groups of two files or more, each sorted by path with its canonical
 * member appended once more at the end (for the caller's convenience). */
static GPtrArray *
truth_groups(Gen *g)
{
	g_autoptr(GHashTable) by_content =
		g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
				      (GDestroyNotify)g_ptr_array_unref);
	GPtrArray *groups = g_ptr_array_new_with_free_func(
		(GDestroyNotify)g_ptr_array_unref);
	GHashTableIter it;
	gpointer v;

	for (guint i = 0; i < g->files->len; i++) {
		File *f = g_ptr_array_index(g->files, i);
		GPtrArray *list = g_hash_table_lookup(
			by_content, GUINT_TO_POINTER(f->content));

		if (list == NULL) {
			list = g_ptr_array_new();
			g_hash_table_insert(by_content,
					    GUINT_TO_POINTER(f->content), list);
		}
		g_ptr_array_add(list, f);
	}
	g_hash_table_iter_init(&it, by_content);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		GPtrArray *list = v;
		File *best = NULL;

		if (list->len < 2)
			continue;
		g_ptr_array_sort(list, file_path_cmp);
		for (guint i = 0; i < list->len; i++)
			if (best == NULL ||
			    canonical_cmp(list->pdata[i], best) < 0)
				best = list->pdata[i];
		g_ptr_array_add(list, best);
		g_ptr_array_add(groups, g_ptr_array_ref(list));
	}
	g_ptr_array_sort(groups, group_cmp);
	return groups;
}

static void
truth_group_json(GString *s, const GPtrArray *list, const Content *c, bool last)
{
	g_string_append_printf(s,
			       "    {\"canonical\": \"%s\", \"bytes\": %zu, "
			       "\"members\": [",
			       ((File *)list->pdata[list->len - 1])->path,
			       c->bytes);
	for (guint j = 0; j + 1 < list->len; j++)
		g_string_append_printf(s, "%s\"%s\"", j ? ", " : "",
				       ((File *)list->pdata[j])->path);
	g_string_append_printf(s, "]}%s\n", last ? "" : ",");
}

static void
write_truth(Gen *g, const char *path, guint posts)
{
	g_autoptr(GPtrArray) groups = truth_groups(g);
	g_autoptr(GPtrArray) sorted = g_ptr_array_new();
	GString *s = g_string_new("{\n  \"groups\": [\n");
	g_autofree char *text = NULL;
	bool first = true;

	for (guint i = 0; i < groups->len; i++) {
		const GPtrArray *list = g_ptr_array_index(groups, i);
		const File *any = list->pdata[0];

		truth_group_json(
			s, list,
			&g_array_index(g->contents, Content, any->content),
			i + 1 == groups->len);
	}
	g_string_append(s, "  ],\n  \"orphans\": [");
	g_ptr_array_extend(sorted, g->files, NULL, NULL);
	g_ptr_array_sort(sorted, file_path_cmp);
	for (guint i = 0; i < sorted->len; i++) {
		const File *f = g_ptr_array_index(sorted, i);

		if (f->refs > 0 || !g_str_has_prefix(f->path, "postimg/"))
			continue;
		g_string_append_printf(s, "%s\n    \"%s\"", first ? "" : ",",
				       f->path);
		first = false;
	}
	g_string_append_printf(s,
			       "\n  ],\n  \"posts\": %u,\n  \"files\": %u,\n"
			       "  \"links\": {\"ok\": %u, \"repairable\": %u, "
			       "\"broken\": %u}\n}\n",
			       posts, g->files->len, g->links_ok,
			       g->links_repairable, g->links_broken);
	text = g_string_free(s, FALSE);
	write_or_die(path, text, strlen(text));
}

/* ---- the whole blog ---- */

typedef struct {
	gint posts;   /* --posts */
	gint images;  /* --images: about how many image files */
	gint64 seed;  /* --seed */
	char *sizes;  /* --sizes tiny|real */
	char *out;    /* --out */
	char *truth;  /* --truth, default OUT/genblog-truth.json */
	char *pixels; /* --pixels DIR: JPEG pixels from its photos */
} Options;

static void
options_clear(Options *o)
{
	g_clear_pointer(&o->sizes, g_free);
	g_clear_pointer(&o->out, g_free);
	g_clear_pointer(&o->truth, g_free);
	g_clear_pointer(&o->pixels, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Options, options_clear)

static void
make_banners(Gen *g)
{
	for (int a = 0; a < 2; a++)
		for (int b = 0; b < 3; b++)
			g->banners[a][b] = new_content(g, KIND_JPEG);
}

/* Files no post references: unique images, and one extra copy of each
 * banner (a duplicate group member with no references). */
static void
make_orphans(Gen *g, guint n)
{
	for (guint i = 0; i < n; i++)
		new_file(g, new_content(g, body_kind(g)));
	for (int a = 0; a < 2; a++)
		for (int b = 0; b < 3; b++)
			new_file(g, g->banners[a][b]);
}

static void
write_posts(Gen *g, const Options *o)
{
	guint n_orphans = (guint)MAX(1, o->images / 50);
	gint spare = o->images - 4 * o->posts - (gint)n_orphans - 7;
	guint per_post = (guint)MAX(1, spare / MAX(1, o->posts));

	for (guint i = 0; i < (guint)o->posts; i++) {
		g_autoptr(GDateTime) day0 =
			g_date_time_new_utc(2018, 1, 1, 0, 0, 0);
		g_autoptr(GDateTime) day = g_date_time_add_days(day0, (gint)i);
		g_autofree char *date = g_date_time_format(day, "%Y-%m-%d");
		g_autofree char *name =
			g_strdup_printf("%s-post-%u.md", date, i + 1);
		g_autofree char *path =
			g_build_filename(o->out, "_posts", name, NULL);
		g_autofree char *text = post_text(g, i, per_post);

		write_or_die(path, text, strlen(text));
	}
	make_orphans(g, n_orphans);
}

/* Writes the blog and its truth; exits through g_error() on failure. */
static int
generate(const Options *o)
{
	Gen g = {0};
	g_autofree char *config = g_build_filename(o->out, "_config.yml", NULL);
	g_autofree char *truth =
		o->truth ? g_strdup(o->truth)
			 : g_build_filename(o->out, "genblog-truth.json", NULL);
	static const char config_text[] =
		"# Generated by genblog: a blog shaped like the seed.\n"
		"title: genblog\nurl: \"https://example.com\"\nbaseurl: \"\"\n"
		"permalink: pretty\n";
	File *header = g_new0(File, 1);

	g.rng.s = (uint64_t)o->seed * 2654435761u + 88172645463325252u;
	g.is_real_size = g_strcmp0(o->sizes, "real") == 0;
	g.contents = g_array_new(FALSE, TRUE, sizeof(Content));
	g.files = g_ptr_array_new_with_free_func((GDestroyNotify)file_free);
	g.names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g.body = g_ptr_array_new();
	g.pixels = o->pixels != NULL ? pixels_open(o->pixels) : NULL;
	header->path = g_strdup("img/the-first.png");
	header->content = new_content(&g, KIND_PNG);
	header->refs = (guint)o->posts;
	g_ptr_array_add(g.files, header);
	make_banners(&g);
	write_or_die(config, config_text, strlen(config_text));
	write_posts(&g, o);
	write_files(&g, o->out);
	write_truth(&g, truth, (guint)o->posts);
	g_array_unref(g.contents);
	g_ptr_array_unref(g.files);
	g_hash_table_unref(g.names);
	g_ptr_array_unref(g.body);
	pixels_free(g.pixels);
	return 0;
}

/* Parses the command line into @o. */
static bool
parse_options(Options *o, int *argc, char ***argv, GError **error)
{
	GOptionEntry entries[] = {
		{"posts", 0, 0, G_OPTION_ARG_INT, &o->posts, "posts to write",
		 "N"},
		{"images", 0, 0, G_OPTION_ARG_INT, &o->images,
		 "about how many image files", "M"},
		{"seed", 0, 0, G_OPTION_ARG_INT64, &o->seed, "random seed",
		 "S"},
		{"sizes", 0, 0, G_OPTION_ARG_STRING, &o->sizes,
		 "tiny (default) or real", "KIND"},
		{"out", 0, 0, G_OPTION_ARG_FILENAME, &o->out,
		 "the blog's folder", "DIR"},
		{"truth", 0, 0, G_OPTION_ARG_FILENAME, &o->truth,
		 "ground truth JSON", "FILE"},
		{"pixels", 0, 0, G_OPTION_ARG_FILENAME, &o->pixels,
		 "give each JPEG content a crop of a photo of DIR (Q85; "
		 "needs the vips command)",
		 "DIR"},
		G_OPTION_ENTRY_NULL};
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("- write a seed-like blog");

	g_option_context_add_main_entries(ctx, entries, NULL);
	return g_option_context_parse(ctx, argc, argv, error);
}

int
main(int argc, char **argv)
{
	g_auto(Options) o = {10, 100, 1, NULL, NULL, NULL, NULL};
	g_autoptr(GError) error = NULL;

	if (parse_options(&o, &argc, &argv, &error) && o.out != NULL &&
	    o.posts > 0 && o.images > 0)
		return generate(&o);
	g_printerr("genblog: %s\n", error ? error->message
					  : "--out DIR is required; "
					    "--posts and --images > 0");
	return 2;
}
