/*
 * ondisk.c: the variant files a content has on disk without manifest
 * rows, verified by their provenance lines (see ondisk.h).
 */
#define _GNU_SOURCE /* O_NOFOLLOW with pread() */
#include "ondisk.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "imgopt/index.h"
#include "imgopt/recompress.h"

#include "atomic.h"
#include "provenance.h"

struct ImgoptOnDisk {
	char *root;           /* site root */
	char *out_dir;        /* variant folder, site-relative */
	char *fingerprint;    /* the settings' fingerprint */
	char settings_id[17]; /* its id in provenance lines */
	GHashTable *names;    /* 16 hex digits of a hash → GPtrArray of the
				 variant file names that start with them,
				 listed when first needed */
};

ImgoptOnDisk *
imgopt_on_disk_new(const char *root, const char *out_dir,
		   const char *fingerprint)
{
	ImgoptOnDisk *d = g_new0(ImgoptOnDisk, 1);

	d->root = g_strdup(root);
	d->out_dir = g_strdup(out_dir);
	d->fingerprint = g_strdup(fingerprint);
	imgopt_provenance_settings_id(fingerprint, d->settings_id);
	return d;
}

void
imgopt_on_disk_free(ImgoptOnDisk *d)
{
	if (d == NULL)
		return;
	g_free(d->root);
	g_free(d->out_dir);
	g_free(d->fingerprint);
	g_clear_pointer(&d->names, g_hash_table_unref);
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
list_on_disk(const ImgoptOnDisk *d)
{
	GHashTable *table =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
				      (GDestroyNotify)g_ptr_array_unref);
	g_autofree char *dir = g_build_filename(d->root, d->out_dir, NULL);
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
 * the run's settings (*@n_out = the variants it declares), and whether
 * what it says of the file agrees with the header. */
static OnDisk
check_provenance(const ImgoptOnDisk *d, const ImgoptAsset *asset,
		 const ImgoptAsset *file, uint32_t *n_out)
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
	*n_out = prov.n_variants;
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
 * its variant and *@n_out = the variants its line declares. */
static OnDisk
check_on_disk(const ImgoptOnDisk *d, const ImgoptAsset *asset, const char *name,
	      ImgoptVariant **v_out, uint32_t *n_out)
{
	g_autofree char *rel = g_build_filename(d->out_dir, name, NULL);
	g_autoptr(ImgoptAsset) file = imgopt_index_stat(d->root, rel, NULL);
	OnDisk kind = ON_DISK_ORIGINAL;

	*v_out = NULL;
	*n_out = 0;
	if (file == NULL)
		return ON_DISK_OTHER;
	if (!(file->size == asset->size &&
	      imgopt_index_read(d->root, file, NULL, NULL) &&
	      imgopt_hash_equal(&file->hash, &asset->hash))) {
		if (!probe_variant(d, file))
			return ON_DISK_OTHER;
		kind = check_provenance(d, asset, file, n_out);
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

/* The files named after a content, sorted out. */
typedef struct {
	GPtrArray *stamped;      /* ImgoptVariant, of ON_DISK_STAMPED files */
	ImgoptVariant *original; /* the ON_DISK_ORIGINAL file, or NULL */
	uint32_t n_declared;     /* what their lines say (0: no line) */
	guint n_other;           /* ON_DISK_OTHER files */
} OnDiskSet;

static void
on_disk_set_clear(OnDiskSet *set)
{
	g_clear_pointer(&set->stamped, g_ptr_array_unref);
	g_clear_pointer(&set->original, imgopt_variant_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OnDiskSet, on_disk_set_clear)

/* Sorts @names out into @set; false if one of them rules the set out (a
 * file of the set whose header disagrees, lines that disagree). */
static bool
sort_on_disk(const ImgoptOnDisk *d, const ImgoptAsset *asset,
	     const GPtrArray *names, OnDiskSet *set)
{
	set->stamped = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_variant_free);
	for (guint i = 0; i < names->len; i++) {
		ImgoptVariant *v = NULL;
		uint32_t n = 0;
		OnDisk kind = check_on_disk(
			d, asset, g_ptr_array_index(names, i), &v, &n);
		if (kind == ON_DISK_BAD ||
		    (kind == ON_DISK_STAMPED && set->n_declared != 0 &&
		     n != set->n_declared)) {
			imgopt_variant_free(v);
			return false;
		}
		if (kind == ON_DISK_STAMPED) {
			set->n_declared = n;
			g_ptr_array_add(set->stamped, v);
		}
		else if (kind == ON_DISK_ORIGINAL) {
			set->original = v;
		}
		else {
			set->n_other++;
		}
	}
	return true;
}

/* @asset's variants on disk, if they verify and are all there: as many
 * files of the set as their lines declare (the source's own bytes among
 * them or not: it may be a stale one of other settings), or else the
 * source's own bytes alone, with no other file of that name. */
GPtrArray *
imgopt_on_disk_find(ImgoptOnDisk *d, const ImgoptAsset *asset)
{
	char hex[IMGOPT_HASH_HEX_LEN + 1];
	g_auto(OnDiskSet) set = {0};

	g_return_val_if_fail(d != NULL && asset != NULL, NULL);
	if (d->names == NULL)
		d->names = list_on_disk(d);
	imgopt_hash_format(&asset->hash, hex);
	hex[16] = '\0';
	const GPtrArray *names = g_hash_table_lookup(d->names, hex);
	if (names == NULL || !sort_on_disk(d, asset, names, &set))
		return NULL;
	guint n_stamped = set.stamped->len;
	bool is_whole = set.n_declared == 0
				? set.original != NULL && set.n_other == 0
				: n_stamped == set.n_declared ||
					  (set.original != NULL &&
					   n_stamped + 1 == set.n_declared);
	if (!is_whole)
		return NULL;
	if (set.original != NULL &&
	    (set.n_declared == 0 || n_stamped != set.n_declared))
		g_ptr_array_add(set.stamped, g_steal_pointer(&set.original));
	return g_steal_pointer(&set.stamped);
}
