/*
 * index.c: stage 2, file → ImgoptAsset (see index.h).
 *
 * How a file is read.  lstat() first: anything but a regular file is
 * refused before open(), so a FIFO cannot block and a device is never
 * read.  open() with O_NOFOLLOW | O_NONBLOCK, then fstat() the descriptor
 * and check it is the inode lstat() saw (a file swapped in between is a
 * CONFLICT, not a silent mix-up).  The bytes are read front to back in
 * IMGOPT_INDEX_CHUNK pieces; each piece goes to the XXH3 hasher and to the
 * header parser of probe.c, a push parser that never needs the whole file
 * (imgopt_index_probe_file() seeks over what it asks to skip instead).
 * After the last read, fstat() again: a size or mtime that moved, or a
 * byte count that differs from the size, means the file changed while we
 * read it, and the hash is thrown away.
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
#include "probe.h"

/* Copies what @p learnt into @asset. */
static void
take_facts(const ImgoptProbe *p, ImgoptAsset *asset)
{
	asset->format = p->facts.format;
	asset->width = p->facts.width;
	asset->height = p->facts.height;
	asset->n_frames = p->facts.n_frames;
}

void
imgopt_index_probe_buffer(const void *data, size_t len, ImgoptAsset *asset)
{
	ImgoptProbe p;

	imgopt_probe_init(&p);
	imgopt_probe_feed(&p, data, len);
	take_facts(&p, asset);
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
	struct stat st;

	if (lstat(path, &st) != 0) {
		set_errno_error(error, errno, rel, "cannot stat");
		return NULL;
	}
	return imgopt_index_from_stat(rel, &st, error);
}

ImgoptAsset *
imgopt_index_from_stat(const char *rel, const struct stat *st, GError **error)
{
	g_autoptr(ImgoptAsset) asset = NULL;

	if (!check_regular(rel, st, error))
		return NULL;
	asset = imgopt_asset_new(rel);
	fill_identity(asset, st);
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

/* One read() of up to @want bytes (a pread() at @off when @off >= 0),
 * retried on EINTR; *@got is 0 at the end of the file. */
static bool
read_once(int fd, uint8_t *buf, size_t want, off_t off, const char *rel,
	  size_t *got, GError **error)
{
	for (;;) {
		ssize_t n = off < 0 ? read(fd, buf, want)
				    : pread(fd, buf, want, off);

		if (n >= 0) {
			*got = (size_t)n;
			return true;
		}
		if (errno != EINTR)
			return set_errno_error(error, errno, rel,
					       "read failed");
	}
}

/* Reads @fd to the end, feeding the hasher and the probe; into @keep
 * (nullable, @asset->size bytes) as far as it holds, in the same pieces
 * as through the chunk buffer, the rest (a file that grew) through it. */
static bool
read_all(int fd, ImgoptAsset *asset, ImgoptHasher *hasher, uint8_t *keep,
	 uint64_t *total, GError **error)
{
	uint8_t *chunk = thread_buffer(0);
	ImgoptProbe p;

	imgopt_probe_init(&p);
	take_facts(&p, asset);
	*total = 0;
	for (;;) {
		bool is_kept = keep != NULL && *total < asset->size;
		uint8_t *buf = is_kept ? keep + *total : chunk;
		size_t want = is_kept ? (size_t)MIN(asset->size - *total,
						    IMGOPT_INDEX_CHUNK)
				      : IMGOPT_INDEX_CHUNK;
		size_t n = 0;

		if (!read_once(fd, buf, want, -1, asset->path, &n, error))
			return false;
		if (n == 0)
			return true;
		imgopt_probe_feed(&p, buf, n);
		take_facts(&p, asset);
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

/* imgopt_index_read(), the bytes also into @keep (nullable). */
static bool
read_hashed(const char *root, ImgoptAsset *asset, uint8_t *keep,
	    uint64_t *bytes_read, GError **error)
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
	/* A file read in one or two chunks gains nothing from the advice
	 * but a system call (7,767 of them on a 20,000-file tree). */
	if (asset->size > 2 * IMGOPT_INDEX_CHUNK)
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	ok = read_all(fd, asset, hasher, keep, &total, error) &&
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

bool
imgopt_index_read(const char *root, ImgoptAsset *asset, uint64_t *bytes_read,
		  GError **error)
{
	return read_hashed(root, asset, NULL, bytes_read, error);
}

/* ---- reading a size class: duplicates proven as they are read ---- */

typedef struct {
	char *path;      /* the first file read with these bytes */
	ImgoptHash hash; /* their hash */
	uint8_t *data;   /* the bytes (the class's size) */
} HeldContent;

struct ImgoptIndexHeld {
	size_t budget;    /* bytes that may be held */
	size_t used;      /* bytes held */
	uint64_t size;    /* the class: every file held has this size */
	GArray *contents; /* (element-type HeldContent) */
	uint8_t *scratch; /* the file being read */
	size_t cap;       /* bytes allocated at @scratch */
};

static void
held_content_clear(HeldContent *c)
{
	g_free(c->path);
	g_free(c->data);
}

ImgoptIndexHeld *
imgopt_index_held_new(size_t budget)
{
	ImgoptIndexHeld *held = g_new0(ImgoptIndexHeld, 1);

	held->budget = budget;
	held->contents = g_array_new(FALSE, FALSE, sizeof(HeldContent));
	g_array_set_clear_func(held->contents,
			       (GDestroyNotify)held_content_clear);
	return held;
}

void
imgopt_index_held_free(ImgoptIndexHeld *held)
{
	if (held == NULL)
		return;
	g_array_unref(held->contents);
	g_free(held->scratch);
	g_free(held);
}

/* The path of the held content equal to the scratch's @asset, else NULL
 * (and the scratch held as a new content if the budget allows). */
static char *
match_scratch(ImgoptIndexHeld *held, const ImgoptAsset *asset)
{
	HeldContent c = {0};

	for (guint i = 0; i < held->contents->len; i++) {
		const HeldContent *h =
			&g_array_index(held->contents, HeldContent, i);

		if (imgopt_hash_equal(&h->hash, &asset->hash) &&
		    memcmp(h->data, held->scratch, asset->size) == 0)
			return g_strdup(h->path);
	}
	if (held->used + asset->size > held->budget)
		return NULL;
	c.path = g_strdup(asset->path);
	c.hash = asset->hash;
	c.data = g_steal_pointer(&held->scratch);
	held->cap = 0;
	held->used += asset->size;
	g_array_append_val(held->contents, c);
	return g_strdup(asset->path);
}

bool
imgopt_index_read_matched(const char *root, ImgoptAsset *asset,
			  ImgoptIndexHeld *held, char **same_as_out,
			  uint64_t *bytes_read, GError **error)
{
	*same_as_out = NULL;
	if (asset->size == 0 || asset->size > IMGOPT_INDEX_MATCH_MAX)
		return read_hashed(root, asset, NULL, bytes_read, error);
	if (asset->size != held->size) {
		g_array_set_size(held->contents, 0);
		held->used = 0;
		held->size = asset->size;
	}
	if (held->cap < asset->size) {
		g_free(held->scratch);
		held->scratch = g_malloc(asset->size);
		held->cap = asset->size;
	}
	if (!read_hashed(root, asset, held->scratch, bytes_read, error))
		return false;
	*same_as_out = match_scratch(held, asset);
	return true;
}

/* ---- header-only probe ---- */

/* Feeds windows read at increasing offsets; a skip that runs past the
 * window becomes a seek.  Stops when the parser is done, at the end of
 * the file, or when @budget bytes were read. */
static bool
probe_windows(int fd, ImgoptProbe *p, uint8_t *buf, uint64_t budget,
	      const ImgoptAsset *asset, uint64_t *total, GError **error)
{
	uint64_t off = 0;

	*total = 0;
	while ((off == 0 || !imgopt_probe_is_done(p)) && off < asset->size &&
	       *total < budget) {
		size_t want = (size_t)MIN((uint64_t)IMGOPT_INDEX_PROBE_WINDOW,
					  budget - *total);
		size_t n = 0;

		if (!read_once(fd, buf, want, (off_t)off, asset->path, &n,
			       error))
			return false;
		if (n == 0)
			break;
		imgopt_probe_feed(p, buf, n);
		*total += (uint64_t)n;
		off += (uint64_t)n + imgopt_probe_take_skip(p);
	}
	return true;
}

bool
imgopt_index_probe_file(const char *root, ImgoptAsset *asset,
			uint64_t *bytes_read, GError **error)
{
	g_autofree uint8_t *buf = NULL;
	uint64_t total = 0;
	ImgoptProbe p;
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
	imgopt_probe_init(&p);
	ok = probe_windows(fd, &p, buf, IMGOPT_INDEX_PROBE_BUDGET, asset,
			   &total, error) &&
	     check_stable(fd, asset, G_MAXUINT64, error);
	close(fd);
	if (bytes_read != NULL)
		*bytes_read = total;
	/* Frames counted in part are no count: unknown until a full read. */
	take_facts(&p, asset);
	if (!imgopt_probe_is_done(&p) && (asset->format == IMGOPT_FORMAT_GIF ||
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

/* The bytes of the file last compared as the first of a pair on this
 * thread: a group's members are each compared with its first member, so
 * that one is read once, not once per member.  Small files only
 * (IMGOPT_INDEX_HOLD_MAX); held until the thread ends. */
typedef struct {
	ImgoptAsset *id; /* its path and identity when read; NULL: none */
	uint8_t *data;   /* its bytes */
	size_t len;      /* how many */
	size_t cap;      /* bytes allocated at @data: it only grows, so
			    that a group after a group is no fresh pages */
} HeldFile;

static void
held_free(gpointer data)
{
	HeldFile *h = data;

	imgopt_asset_free(h->id);
	g_free(h->data);
	g_free(h);
}

static GPrivate held_key = G_PRIVATE_INIT(held_free);

static bool
same_file(const ImgoptAsset *x, const ImgoptAsset *y)
{
	return x != NULL && strcmp(x->path, y->path) == 0 &&
	       x->size == y->size && x->mtime_ns == y->mtime_ns &&
	       x->inode == y->inode && x->device == y->device;
}

/* This thread's copy of @now's bytes (@now: a fresh stat, consumed),
 * read again unless the copy is of the same file as it is now. */
static const HeldFile *
hold(const char *root, ImgoptAsset *now, GError **error)
{
	HeldFile *h = g_private_get(&held_key);
	g_autoptr(ImgoptAsset) id = now;
	size_t got = 0;
	int fd;
	bool ok;

	if (h == NULL) {
		h = g_new0(HeldFile, 1);
		g_private_set(&held_key, h);
	}
	if (same_file(h->id, id))
		return h;
	g_clear_pointer(&h->id, imgopt_asset_free);
	fd = open_regular(root, id, error);
	if (fd < 0)
		return NULL;
	if (id->size > h->cap || h->data == NULL) {
		h->cap = MAX(id->size, 1);
		g_free(h->data);
		h->data = g_malloc(h->cap);
	}
	ok = read_full(fd, h->data, id->size, &got);
	if (!ok)
		set_errno_error(error, errno, id->path, "read failed");
	ok = ok && check_stable(fd, id, got, error);
	close(fd);
	if (!ok)
		return NULL;
	h->len = got;
	h->id = g_steal_pointer(&id);
	return h;
}

/* Compares @fb chunk by chunk with the held bytes of @h. */
static bool
compare_held(const HeldFile *h, int fb, bool *equal_out, GError **error)
{
	uint8_t *bb = thread_buffer(1);
	size_t off = 0, nb = 0;

	*equal_out = true;
	do {
		if (!read_full(fb, bb, IMGOPT_INDEX_CHUNK, &nb))
			return set_errno_error(error, errno, h->id->path,
					       "read failed");
		if (nb > h->len - off || memcmp(h->data + off, bb, nb) != 0) {
			*equal_out = false;
			return true;
		}
		off += nb;
	} while (nb == IMGOPT_INDEX_CHUNK);
	*equal_out = off == h->len;
	return true;
}

bool
imgopt_index_files_equal(const char *root, const char *a, const char *b,
			 bool *equal_out, GError **error)
{
	g_autoptr(ImgoptAsset) sa = imgopt_index_stat(root, a, error);
	const HeldFile *h = NULL;
	int fa = -1, fb = -1;
	bool ok;

	*equal_out = false;
	if (sa == NULL)
		return false;
	if (sa->size <= IMGOPT_INDEX_HOLD_MAX) {
		h = hold(root, g_steal_pointer(&sa), error);
		if (h == NULL)
			return false;
	}
	else if ((fa = open_regular(root, sa, error)) < 0)
		return false;
	fb = open_for_compare(root, b, error);
	if (fb < 0) {
		if (fa >= 0)
			close(fa);
		return false;
	}
	ok = h != NULL ? compare_held(h, fb, equal_out, error)
		       : compare_fds(fa, fb, a, equal_out, error);
	if (fa >= 0)
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
