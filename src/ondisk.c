/*
 * ondisk.c: the variant files a content has on disk without manifest
 * rows, verified by their provenance lines (see ondisk.h).
 */
#define _GNU_SOURCE /* O_NOFOLLOW with pread() */
#include "ondisk.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "imgopt/index.h"
#include "imgopt/recompress.h"

#include "atomic.h"
#include "fsio.h"
#include "provenance.h"

struct ImgoptOnDisk {
	char *root;            /* site root */
	char *fingerprint;     /* the settings' fingerprint */
	unsigned formats;      /* the formats made: --formats, and WebP (AVIF)
				  a link may name (--link-format) */
	char settings_id[17];  /* its id in provenance lines */
	bool is_source_linked; /* a run: the source is linked in place of
				  its own bytes' variant, no file (marks) */
	GHashTable *folders; /* folder → (16 hex digits of a hash → GPtrArray
				of the variant file names that start with
				them), each listed when first needed */
};

ImgoptOnDisk *
imgopt_on_disk_new(const char *root, const ImgoptSettings *settings,
		   bool is_source_linked)
{
	ImgoptOnDisk *d = g_new0(ImgoptOnDisk, 1);

	d->is_source_linked = is_source_linked;

	d->root = g_strdup(root);
	d->fingerprint = imgopt_settings_fingerprint(settings);
	d->formats = imgopt_settings_formats_made(settings);
	imgopt_provenance_settings_id(d->fingerprint, d->settings_id);
	d->folders = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					   (GDestroyNotify)g_hash_table_unref);
	return d;
}

void
imgopt_on_disk_free(ImgoptOnDisk *d)
{
	if (d == NULL)
		return;
	g_free(d->root);
	g_free(d->fingerprint);
	g_clear_pointer(&d->folders, g_hash_table_unref);
	g_free(d);
}

/* The content's hash prefix of a variant file name, or NULL. */
static char *
variant_name_key(const char *name)
{
	if (strlen(name) < 19 || name[16] != '-' ||
	    imgopt_atomic_is_variant_temp_name(name))
		return NULL;
	for (int i = 0; i < 16; i++)
		if (!g_ascii_isxdigit(name[i]))
			return NULL;
	return g_strndup(name, 16);
}

/* Lists the variant folder once: hash prefix → file names. */
static GHashTable *
list_on_disk(const ImgoptOnDisk *d, const char *out_dir)
{
	GHashTable *table =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
				      (GDestroyNotify)g_ptr_array_unref);
	g_autofree char *dir = g_build_filename(d->root, out_dir, NULL);
	g_autoptr(GDir) folder = g_dir_open(dir, 0, NULL);
	const char *name;

	while (folder != NULL && (name = g_dir_read_name(folder)) != NULL) {
		g_autofree char *key = variant_name_key(name);
		if (key == NULL)
			continue;
		GPtrArray *names = g_hash_table_lookup(table, key);
		if (names == NULL) {
			names = g_ptr_array_new_with_free_func(g_free);
			g_hash_table_insert(table, g_steal_pointer(&key),
					    names);
		}
		g_ptr_array_add(names, g_strdup(name));
	}
	return table;
}

/* Up to @cap bytes of @full from @offset into @buf; how many. */
static size_t
read_at(const char *full, uint64_t offset, uint8_t *buf, size_t cap)
{
	int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	ssize_t n = fd >= 0 ? pread(fd, buf, cap, (off_t)offset) : -1;

	if (fd >= 0)
		close(fd);
	return n > 0 ? (size_t)n : 0;
}

/* @file's provenance line (in its first bytes, or a WebP's last), and
 * whether the file ends whole (imgopt_provenance_ends_whole()). */
static char *
read_provenance(const ImgoptOnDisk *d, const ImgoptAsset *file,
		bool *is_whole_out)
{
	g_autofree char *full = g_build_filename(d->root, file->path, NULL);
	uint8_t head[IMGOPT_PROVENANCE_HEAD], tail[IMGOPT_PROVENANCE_TAIL];
	uint64_t want = MIN(file->size, (uint64_t)IMGOPT_PROVENANCE_TAIL);
	size_t n_head = read_at(full, 0, head, sizeof(head));
	size_t n_tail = read_at(full, file->size - want, tail, (size_t)want);

	*is_whole_out = imgopt_provenance_ends_whole(file->format, head, n_head,
						     tail, n_tail, file->size);
	if (file->format == IMGOPT_FORMAT_WEBP)
		return imgopt_provenance_read_tail(tail, n_tail);
	return imgopt_provenance_read(head, n_head);
}

/* What a file named after a content turned out to be. */
typedef enum {
	ON_DISK_OTHER,    /* not of this set: no line, or another source's or
			     settings' line (stale, or someone else's bytes) */
	ON_DISK_STAMPED,  /* its line names this source and these settings,
			     and its header agrees */
	ON_DISK_ORIGINAL, /* the source's own bytes */
	ON_DISK_BAD,      /* its line names this set, but its header
			     disagrees or it is cut short */
} OnDisk;

/* Reads @file's provenance line: whether it names @asset's content and
 * the run's settings, and whether
 * what it says of the file agrees with the header. */
static OnDisk
check_provenance(const ImgoptOnDisk *d, const ImgoptAsset *asset,
		 const ImgoptAsset *file)
{
	bool is_whole = false;
	g_autofree char *line = read_provenance(d, file, &is_whole);
	ImgoptProvenance prov;

	if (line == NULL || !imgopt_provenance_parse(line, &prov) ||
	    !imgopt_hash_equal(&prov.source, &asset->hash) ||
	    strcmp(prov.settings, d->settings_id) != 0)
		return ON_DISK_OTHER;
	if (prov.width != file->width || prov.format != file->format ||
	    !is_whole)
		return ON_DISK_BAD;
	return ON_DISK_STAMPED;
}

/* Probes @file's header; a GIF's frames are counted over the whole file. */
static bool
probe_variant(const ImgoptOnDisk *d, ImgoptAsset *file)
{
	if (!imgopt_index_probe_file(d->root, file, NULL, NULL))
		return false;
	if (file->n_frames == 0 &&
	    !imgopt_index_read(d->root, file, NULL, NULL))
		return false;
	return file->width > 0 && file->height > 0 && file->n_frames > 0;
}

static ImgoptVariant *
variant_of_file(const ImgoptOnDisk *d, const ImgoptAsset *asset,
		const ImgoptAsset *file)
{
	ImgoptVariant *v = imgopt_variant_new();

	v->hash = asset->hash;
	v->settings = g_strdup(d->fingerprint);
	v->width = file->width;
	v->height = file->height;
	v->format = file->format;
	v->path = g_strdup(file->path);
	v->bytes = file->size;
	v->n_frames = file->n_frames;
	return v;
}

/* What the file @name is (see OnDisk); for a file of the set, *@v_out =
 * its variant. */
static OnDisk
check_on_disk(const ImgoptOnDisk *d, const char *dir, const ImgoptAsset *asset,
	      const char *name, ImgoptVariant **v_out)
{
	g_autofree char *rel = g_build_filename(dir, name, NULL);
	g_autoptr(ImgoptAsset) file = imgopt_index_stat(d->root, rel, NULL);
	OnDisk kind = ON_DISK_ORIGINAL;

	*v_out = NULL;
	if (file == NULL)
		return ON_DISK_OTHER;
	if (!(file->size == asset->size &&
	      imgopt_index_read(d->root, file, NULL, NULL) &&
	      imgopt_hash_equal(&file->hash, &asset->hash))) {
		if (!probe_variant(d, file))
			return ON_DISK_OTHER;
		kind = check_provenance(d, asset, file);
		if (kind != ON_DISK_STAMPED)
			return kind;
	}
	g_autofree char *expected = imgopt_variant_file_name(
		&asset->hash, file->width, file->format);
	if (strcmp(expected, name) != 0)
		return kind == ON_DISK_STAMPED ? ON_DISK_BAD : ON_DISK_OTHER;
	*v_out = variant_of_file(d, asset, file);
	return kind;
}

/* The names in @dir (listed once) that start with @asset's hash prefix,
 * or NULL. */
static const GPtrArray *
names_of(ImgoptOnDisk *d, const char *dir, const ImgoptAsset *asset)
{
	char hex[IMGOPT_HASH_HEX_LEN + 1];
	GHashTable *names = g_hash_table_lookup(d->folders, dir);

	if (names == NULL) {
		names = list_on_disk(d, dir);
		g_hash_table_insert(d->folders, g_strdup(dir), names);
	}
	imgopt_hash_format(&asset->hash, hex);
	hex[16] = '\0';
	return g_hash_table_lookup(names, hex);
}

/* The files of @dir named after @asset's content that verify (of its
 * settings, or its own bytes). */
static GPtrArray *
verified_files(ImgoptOnDisk *d, const char *dir, const ImgoptAsset *asset)
{
	GPtrArray *found = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_variant_free);
	const GPtrArray *mine = names_of(d, dir, asset);

	for (guint i = 0; mine != NULL && i < mine->len; i++) {
		ImgoptVariant *v = NULL;
		OnDisk kind = check_on_disk(d, dir, asset,
					    g_ptr_array_index(mine, i), &v);

		if (kind == ON_DISK_STAMPED || kind == ON_DISK_ORIGINAL)
			g_ptr_array_add(found, v);
		else
			imgopt_variant_free(v);
	}
	return found;
}

/* The source's upright width, told by a variant's aspect (the index
 * reads the width as stored, before the EXIF orientation). */
static uint32_t
upright_width(const ImgoptAsset *asset, const ImgoptVariant *v)
{
	uint64_t straight = (uint64_t)v->width * asset->height;
	uint64_t turned = (uint64_t)v->width * asset->width;
	uint64_t as_is = (uint64_t)v->height * asset->width;
	uint64_t swapped = (uint64_t)v->height * asset->height;
	uint64_t d_as_is =
		straight > as_is ? straight - as_is : as_is - straight;
	uint64_t d_swapped =
		turned > swapped ? turned - swapped : swapped - turned;

	return d_swapped < d_as_is ? asset->height : asset->width;
}

/* The width a wanted width of --widths makes (as recompress.c plans
 * it): clamped to the source, an animated GIF's near its own kept whole. */
static uint32_t
made_width(const ImgoptAsset *asset, uint32_t full, uint32_t wanted)
{
	uint32_t width = MIN(wanted, full);

	if (asset->format == IMGOPT_FORMAT_GIF && asset->n_frames > 1 &&
	    (uint64_t)width * 5 > (uint64_t)full * 4)
		width = full;
	return width;
}

/* Whether @v is its content's primary variant (not an extra format). */
static bool
is_primary(const ImgoptAsset *asset, const ImgoptVariant *v)
{
	if (asset->format == IMGOPT_FORMAT_WEBP && asset->n_frames > 1)
		return v->format == IMGOPT_FORMAT_WEBP;
	return v->format != IMGOPT_FORMAT_WEBP &&
	       v->format != IMGOPT_FORMAT_AVIF;
}

/* Whether @v is @width wide and primary (@format UNKNOWN) or of
 * @format. */
static bool
is_at(const ImgoptAsset *asset, const ImgoptVariant *v, uint32_t width,
      ImgoptFormat format)
{
	return v->width == width &&
	       (format == IMGOPT_FORMAT_UNKNOWN ? is_primary(asset, v)
						: v->format == format);
}

/* The file of @found at @width that is primary (@format UNKNOWN) or of
 * @format, or NULL. */
static ImgoptVariant *
file_at(const ImgoptAsset *asset, const GPtrArray *found, uint32_t width,
	ImgoptFormat format)
{
	for (guint i = 0; i < found->len; i++) {
		ImgoptVariant *v = g_ptr_array_index(found, i);

		if (is_at(asset, v, width, format))
			return v;
	}
	return NULL;
}

/* The formats a wanted width needs (need[0], UNKNOWN: the primary, its
 * own format whatever it is), with the extras; how many. */
static int
needed_formats(const ImgoptOnDisk *d, const ImgoptAsset *asset,
	       bool with_extras, ImgoptFormat need[3])
{
	int n_need = 1;
	bool is_animated = asset->n_frames > 1;

	need[0] = IMGOPT_FORMAT_UNKNOWN;
	if (with_extras && (d->formats & IMGOPT_OUTPUT_WEBP) &&
	    !(asset->format == IMGOPT_FORMAT_WEBP && is_animated))
		need[n_need++] = IMGOPT_FORMAT_WEBP;
	if (with_extras && (d->formats & IMGOPT_OUTPUT_AVIF) && !is_animated)
		need[n_need++] = IMGOPT_FORMAT_AVIF;
	return n_need;
}

/* ---- marks: what an encoding made no file for (see ondisk.h) ---- */

/* The name of the mark of @asset's content at @width for @need (see
 * needed_formats()): the source's own bytes (@is_source), or no file. */
static char *
mark_name(const ImgoptAsset *asset, uint32_t width, ImgoptFormat need,
	  bool is_source)
{
	char hex[IMGOPT_HASH_HEX_LEN + 1];

	imgopt_hash_format(&asset->hash, hex);
	hex[16] = '\0';
	if (is_source)
		return g_strdup_printf("%s-%u.source", hex, width);
	if (need == IMGOPT_FORMAT_UNKNOWN)
		return g_strdup_printf("%s-%u.none", hex, width);
	return g_strdup_printf("%s-%u.no%s", hex, width,
			       imgopt_format_name(need));
}

/* A mark's one line: the provenance line of what it stands for (the
 * source's format for the primary), n=0, and a newline. */
static char *
mark_line(const ImgoptOnDisk *d, const ImgoptAsset *asset, uint32_t width,
	  ImgoptFormat need)
{
	ImgoptProvenance prov = {asset->hash,
				 {0},
				 width,
				 need == IMGOPT_FORMAT_UNKNOWN ? asset->format
							       : need,
				 0};

	memcpy(prov.settings, d->settings_id, sizeof(prov.settings));
	g_autofree char *line = imgopt_provenance_format(&prov);
	return g_strconcat(line, "\n", NULL);
}

/* Whether @dir's mark for @asset's content at @width and @need is there
 * and verifies: its name lists (see names_of()), and its bytes are the
 * line this content, these settings, that width and format give. */
static bool
has_mark(ImgoptOnDisk *d, const char *dir, const ImgoptAsset *asset,
	 uint32_t width, ImgoptFormat need, bool is_source)
{
	g_autofree char *marks = g_build_filename(dir, IMGOPT_MARK_DIR, NULL);
	g_autofree char *name = mark_name(asset, width, need, is_source);
	const GPtrArray *mine = names_of(d, marks, asset);

	if (mine == NULL || !g_ptr_array_find_with_equal_func(
				    (GPtrArray *)mine, name, g_str_equal, NULL))
		return false;
	g_autofree char *full = g_build_filename(d->root, marks, name, NULL);
	g_autofree char *line = mark_line(d, asset, width, need);
	size_t len = strlen(line);
	char buf[IMGOPT_PROVENANCE_MAX + 2];
	size_t n = read_at(full, 0, (uint8_t *)buf, sizeof(buf));

	return n == len && memcmp(buf, line, len) == 0;
}

/* The width of the source's own-bytes mark of @asset's content in @dir
 * (its full width), or 0. */
static uint32_t
source_mark_width(ImgoptOnDisk *d, const char *dir, const ImgoptAsset *asset)
{
	g_autofree char *marks = g_build_filename(dir, IMGOPT_MARK_DIR, NULL);
	const GPtrArray *mine = names_of(d, marks, asset);

	for (guint i = 0; mine != NULL && i < mine->len; i++) {
		const char *name = g_ptr_array_index(mine, i);
		char *end = NULL;
		guint64 width = g_ascii_strtoull(name + 17, &end, 10);
		if (end != name + 17 && strcmp(end, ".source") == 0 &&
		    width > 0 && width <= G_MAXUINT32 &&
		    has_mark(d, dir, asset, (uint32_t)width,
			     IMGOPT_FORMAT_UNKNOWN, true))
			return (uint32_t)width;
	}
	return 0;
}

/* The source's own bytes as its variant at its full @width, as a mark
 * stands for it: a run's row for it (no file, the source linked). */
static ImgoptVariant *
source_variant(const ImgoptOnDisk *d, const ImgoptAsset *asset, uint32_t width)
{
	ImgoptVariant *v = imgopt_variant_new();

	v->hash = asset->hash;
	v->settings = g_strdup(d->fingerprint);
	v->width = width;
	v->height = width == asset->width ? asset->height : asset->width;
	v->format = asset->format;
	v->path = g_strdup("");
	v->bytes = asset->size;
	v->n_frames = asset->n_frames;
	return v;
}

/* Adds to @out (once) the files of @found a wanted @width needs, or what
 * @dir's marks stand for (the source's own bytes, kept in @made); false
 * if one is neither there nor marked.  *@is_lost_out: the primary lost
 * at @width (a `.none` mark), so the fallback at the full width is
 * needed too. */
static bool
take_width(ImgoptOnDisk *d, const char *dir, const ImgoptAsset *asset,
	   const GPtrArray *found, uint32_t width, bool with_extras,
	   GPtrArray *out, GPtrArray *made, bool *is_lost_out)
{
	ImgoptFormat need[3];
	int n_need = needed_formats(d, asset, with_extras, need);

	for (int f = 0; f < n_need; f++) {
		ImgoptVariant *v = file_at(asset, found, width, need[f]);

		if (v == NULL && need[f] == IMGOPT_FORMAT_UNKNOWN &&
		    d->is_source_linked &&
		    (v = file_at(asset, made, width, need[f])) == NULL &&
		    has_mark(d, dir, asset, width, need[f], true)) {
			v = source_variant(d, asset, width);
			g_ptr_array_add(made, v);
		}
		if (v == NULL) {
			if (!has_mark(d, dir, asset, width, need[f], false))
				return false;
			*is_lost_out |= need[f] == IMGOPT_FORMAT_UNKNOWN;
			continue;
		}
		if (!g_ptr_array_find(out, v, NULL))
			g_ptr_array_add(out, v);
	}
	return true;
}

/* Takes (see take_width()) what each width @wanted asks for needs, for a
 * source @full pixels wide upright, and the fallback at @full where a
 * primary lost (recompress.c's "Never larger"); false if one is
 * missing. */
static bool
take_all(ImgoptOnDisk *d, const char *dir, const ImgoptAsset *asset,
	 const GPtrArray *found, const ImgoptWanted *wanted, uint32_t full,
	 GPtrArray *taken, GPtrArray *made)
{
	bool is_lost = false, is_full_lost = false;

	for (guint i = 0; i < wanted->widths->len; i++) {
		uint32_t width =
			made_width(asset, full,
				   g_array_index(wanted->widths, uint32_t, i));

		if (!take_width(d, dir, asset, found, width,
				wanted->with_extras, taken, made, &is_lost))
			return false;
	}
	return !is_lost ||
	       (take_width(d, dir, asset, found, full, wanted->with_extras,
			   taken, made, &is_full_lost) &&
		!is_full_lost);
}

GPtrArray *
imgopt_on_disk_find(ImgoptOnDisk *d, const char *dir, const ImgoptAsset *asset,
		    const ImgoptWanted *wanted)
{
	g_return_val_if_fail(d != NULL && dir != NULL, NULL);
	g_return_val_if_fail(asset != NULL && wanted != NULL, NULL);

	g_autoptr(GPtrArray) found = verified_files(d, dir, asset);
	g_autoptr(GPtrArray) made = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_variant_free);
	g_autoptr(GPtrArray) taken = g_ptr_array_new();
	/* the source's upright width: a file's aspect tells it, or its own
	 * bytes' mark; with only marks of no file, either side (the index
	 * reads it before the EXIF orientation) */
	uint32_t full[2] = {0, 0};

	if (asset->width == 0 || asset->height == 0)
		return NULL;
	if (found->len > 0)
		full[0] = upright_width(asset, g_ptr_array_index(found, 0));
	else if (d->is_source_linked)
		full[0] = source_mark_width(d, dir, asset);
	if (full[0] == 0 && found->len == 0) {
		full[0] = asset->width;
		full[1] = asset->height;
	}
	bool is_taken = false;
	for (int i = 0; i < 2 && full[i] > 0 && !is_taken; i++) {
		g_ptr_array_set_size(taken, 0);
		is_taken = take_all(d, dir, asset, found, wanted, full[i],
				    taken, made);
	}
	if (!is_taken)
		return NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_variant_free);
	for (guint i = 0; i < taken->len; i++)
		g_ptr_array_add(out, imgopt_variant_copy(taken->pdata[i]));
	return out;
}

/* Writes @dir's mark @name holding @line. */
static bool
write_mark(const ImgoptOnDisk *d, const char *dir, const char *name,
	   const char *line, GError **error)
{
	g_autofree char *rel_dir = g_build_filename(dir, IMGOPT_MARK_DIR, NULL);
	g_autofree char *marks = g_build_filename(d->root, rel_dir, NULL);
	g_autofree char *full = g_build_filename(marks, name, NULL);

	/* not through a symlink leading out of the site */
	if (!imgopt_fs_check_site_path(d->root, rel_dir, error))
		return false;
	if (g_mkdir_with_parents(marks, 0755) != 0) {
		int saved = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
			    "cannot create '%s/%s': %s", dir, IMGOPT_MARK_DIR,
			    g_strerror(saved));
		return false;
	}
	return imgopt_atomic_write(full, line, strlen(line), 0644, false,
				   error);
}

/* The encoding of @encoded at @width that is primary (@format UNKNOWN)
 * or of @format, or NULL. */
static const ImgoptEncoded *
encoded_at(const ImgoptAsset *asset, const GPtrArray *encoded, uint32_t width,
	   ImgoptFormat format)
{
	for (guint i = 0; i < encoded->len; i++) {
		const ImgoptEncoded *e = g_ptr_array_index(encoded, i);

		if (is_at(asset, e->variant, width, format))
			return e;
	}
	return NULL;
}

/* Writes the marks of @encoded at @width (see imgopt_on_disk_mark());
 * *@is_lost_out: its primary lost there. */
static bool
mark_width(ImgoptOnDisk *d, const char *dir, const ImgoptAsset *asset,
	   bool with_extras, const GPtrArray *encoded, uint32_t width,
	   bool *is_lost_out, GError **error)
{
	ImgoptFormat need[3];
	int n_need = needed_formats(d, asset, with_extras, need);

	for (int f = 0; f < n_need; f++) {
		const ImgoptEncoded *e =
			encoded_at(asset, encoded, width, need[f]);
		bool is_source = e != NULL &&
				 need[f] == IMGOPT_FORMAT_UNKNOWN &&
				 e->kind == IMGOPT_ENCODED_ORIGINAL &&
				 d->is_source_linked;

		if (e != NULL && !is_source)
			continue;
		*is_lost_out |= e == NULL && need[f] == IMGOPT_FORMAT_UNKNOWN;
		g_autofree char *name =
			mark_name(asset, width, need[f], is_source);
		g_autofree char *line = mark_line(d, asset, width, need[f]);
		if (!write_mark(d, dir, name, line, error))
			return false;
	}
	return true;
}

bool
imgopt_on_disk_mark(ImgoptOnDisk *d, const char *dir, const ImgoptAsset *asset,
		    const ImgoptWanted *wanted, const GPtrArray *encoded,
		    GError **error)
{
	g_return_val_if_fail(d != NULL && dir != NULL && asset != NULL, false);
	g_return_val_if_fail(wanted != NULL && encoded != NULL, false);

	if (encoded->len == 0 || asset->width == 0 || asset->height == 0)
		return true;
	const ImgoptEncoded *first = g_ptr_array_index(encoded, 0);
	uint32_t full = upright_width(asset, first->variant);
	bool is_lost = false, is_full_lost = false;

	for (guint i = 0; i < wanted->widths->len; i++) {
		uint32_t width =
			made_width(asset, full,
				   g_array_index(wanted->widths, uint32_t, i));

		if (!mark_width(d, dir, asset, wanted->with_extras, encoded,
				width, &is_lost, error))
			return false;
	}
	/* the fallback a lost width is shown by (never lost itself) */
	return !is_lost || mark_width(d, dir, asset, wanted->with_extras,
				      encoded, full, &is_full_lost, error);
}
