/*
 * run.c: the order of the job and of its writes (run.h says what it does
 * and why in that order), and the totals it reports.
 *
 *   index    imgopt_dupes_run(): posts scanned, files hashed (cached
 *            in the manifest), references and files rows stored; its
 *            result is handed back in the run's
 *   read     every referrer read once, scanned and resolved from those
 *            very bytes
 *   wanted   every post planned against the variants a run could make
 *            (every width and format, in every folder its references
 *            need): the variants the edits name are what the run makes
 *   remake   a reference linking a variant file that is gone (deleted,
 *            left out of a checkout or a restored cache) whose source is
 *            still there is taken as linking it, and its content wanted
 *            as the manifest says it was made (same bytes); its link
 *            stays, and a note says it is made again
 *   variants imgopt_recompress_wanted() of those (apply), then copies
 *            placed in the other folders (place.c), or the manifest's
 *            rows, encoding in memory what is missing (dry run), or only
 *            counting it (check)
 *   plan     the rewrite stage (imgopt_rewrite_plan_post) decides one
 *            ImgoptEdit per reference to change against the real rows,
 *            the bytes the pages show are counted here; the new bytes and
 *            both hashes computed in memory; a variant written now that
 *            no edit names is removed
 *   write    the rewrites rows committed first (an intent log: undo can
 *            restore a post whatever instant the run died at), then each
 *            post, still holding the planned bytes, replaced atomically
 *
 * Kill points (fault.h) follow each durable step, for tests/test_kill.c.
 */
#include "imgopt/run.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "imgopt/error.h"
#include "imgopt/diff.h"
#include "imgopt/index.h"
#include "imgopt/recompress.h"
#include "imgopt/referrers.h"
#include "imgopt/rewrite.h"
#include "imgopt/scan.h"

#include "fault.h"
#include "place.h"
#include "fsio.h"
#include "hash.h"
#include "ondisk.h"
#include "atomic.h"
#include "site_gen.h"

/* One referrer's plan (a post, a page, a layout, a stylesheet…). */
typedef struct {
	char *post;              /* relative to the site root */
	ImgoptReferrerKind kind; /* what it is to the generator */
	GBytes *old_bytes;       /* as read (NULL if it could not be) */
	GPtrArray *refs;         /* (element-type ImgoptRef) its references,
				    resolved (NULL if not scanned) */
	char *problem;           /* why it was not read or scanned, or NULL */
	GBytes *new_bytes;       /* after the edits (NULL if none) */
	GPtrArray *edits;        /* (element-type ImgoptEdit) */
	int mode;                /* st_mode & 07777 */
	unsigned long n_links;   /* st_nlink */
} PostPlan;

static void
post_plan_free(PostPlan *p)
{
	if (p == NULL)
		return;
	g_free(p->post);
	g_free(p->problem);
	g_clear_pointer(&p->refs, g_ptr_array_unref);
	g_clear_pointer(&p->old_bytes, g_bytes_unref);
	g_clear_pointer(&p->new_bytes, g_bytes_unref);
	g_clear_pointer(&p->edits, g_ptr_array_unref);
	g_free(p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PostPlan, post_plan_free)

/* The run's working state. */
typedef struct {
	const ImgoptSite *site;         /* the site */
	ImgoptManifest *manifest;       /* the (possibly scratch) manifest */
	const ImgoptRunOptions *opt;    /* what to do */
	const ImgoptObserver *observer; /* nullable */
	ImgoptRunResult *result;        /* being filled */
	char *fingerprint;              /* settings fingerprint */
	char *out_dir;                  /* IMAGES/optimized, site-relative */
	GHashTable *files;              /* path → ImgoptAsset (manifest) */
	GHashTable *variants;           /* hex → GPtrArray of ImgoptVariant */
	GPtrArray *assets;              /* referenced assets, by path */
	GHashTable *seen_before;        /* files shown now, counted once */
	GHashTable *seen_after;         /* files shown once rewritten */
	GHashTable *post_seen;          /* the same, for the current post */
	ImgoptPostBytes post;           /* the current post's bytes */
	GPtrArray *all_variants;        /* every variants row (manifest) */
	GHashTable *variant_of; /* variant path → its row (borrowed) */
	GHashTable *current;    /* hex → GPtrArray of the rows made
				   with these settings (borrowed) */
	GHashTable *linked;     /* hex → a variant row posts link
				   (borrowed): contents already
				   rewritten once */
	GHashTable *originals;  /* hex → its first original (borrowed):
				   what posts link where a variant would be
				   a copy (planning) */
	GPtrArray *relinked;    /* (element-type ImgoptAsset) the originals
				   of contents posts link through variants
				   made with these settings: encoded only
				   for a width a relink needs */
	GHashTable *predicted;  /* hex → GPtrArray of the ImgoptVariant a run
				   would make with every width and format */
	GHashTable *requested;  /* predicted variant path → Predicted */
	GHashTable *wanted;     /* hex → ImgoptWanted: what the references
				   will link, all a run encodes */
	GHashTable *named;      /* the variant paths the planned posts name
				   (borrowed) */
	GHashTable *folders;    /* hex → GPtrArray of the folders its
				   references need its variants in
				   (imgopt_site_variant_dir()), first seen
				   first */
	GHashTable *placed;     /* hex → GPtrArray of the Predicted the
				   prediction named (borrowed) */
	bool has_unplanned;     /* a referrer could not be read or scanned:
				   what it links is unknown */
	ImgoptOnDisk *on_disk;  /* variant files without rows (check, dry
				   run: what a run would reuse), or NULL */
	guint n_kept;           /* references to images planned as kept */
	GPtrArray *remade;      /* (element-type Remade) variant files posts
				   link that are gone */
	GPtrArray *remade_placed; /* (element-type Predicted) the copies of
				     them to place (r->placed's) */
	GHashTable *by_prefix;    /* 16 hex digits → r->originals' asset with
				     that hash prefix (borrowed) */
	GHashTable *dir_names;    /* folder → (16 characters → GPtrArray of
				     the names of its files that begin so) */
} Run;

/* Which widths of --widths make a predicted variant. */
typedef struct {
	char *hex;           /* its content */
	GArray *widths;      /* (element-type uint32_t) widths of --widths
				that clamp to it */
	bool is_extra;       /* a WebP/AVIF variant of a content of another
				format */
	char *dir;           /* its folder */
	uint32_t width;      /* its width */
	ImgoptFormat format; /* its format */
} Predicted;

static void
predicted_free(Predicted *p)
{
	g_free(p->hex);
	g_free(p->dir);
	g_array_unref(p->widths);
	g_free(p);
}

static void
run_clear(Run *r)
{
	g_clear_pointer(&r->result, imgopt_run_result_free);
	g_clear_pointer(&r->fingerprint, g_free);
	g_clear_pointer(&r->out_dir, g_free);
	g_clear_pointer(&r->files, g_hash_table_unref);
	g_clear_pointer(&r->variants, g_hash_table_unref);
	g_clear_pointer(&r->on_disk, imgopt_on_disk_free);
	g_clear_pointer(&r->assets, g_ptr_array_unref);
	g_clear_pointer(&r->seen_before, g_hash_table_unref);
	g_clear_pointer(&r->seen_after, g_hash_table_unref);
	g_clear_pointer(&r->post_seen, g_hash_table_unref);
	g_clear_pointer(&r->linked, g_hash_table_unref);
	g_clear_pointer(&r->originals, g_hash_table_unref);
	g_clear_pointer(&r->current, g_hash_table_unref);
	g_clear_pointer(&r->variant_of, g_hash_table_unref);
	g_clear_pointer(&r->all_variants, g_ptr_array_unref);
	g_clear_pointer(&r->relinked, g_ptr_array_unref);
	g_clear_pointer(&r->predicted, g_hash_table_unref);
	g_clear_pointer(&r->requested, g_hash_table_unref);
	g_clear_pointer(&r->wanted, g_hash_table_unref);
	g_clear_pointer(&r->named, g_hash_table_unref);
	g_clear_pointer(&r->folders, g_hash_table_unref);
	g_clear_pointer(&r->placed, g_hash_table_unref);
	g_clear_pointer(&r->remade, g_ptr_array_unref);
	g_clear_pointer(&r->remade_placed, g_ptr_array_unref);
	g_clear_pointer(&r->by_prefix, g_hash_table_unref);
	g_clear_pointer(&r->dir_names, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

void
imgopt_post_change_free(ImgoptPostChange *change)
{
	if (change == NULL)
		return;
	g_free(change->post);
	g_free(change->diff);
	g_free(change);
}

void
imgopt_run_result_free(ImgoptRunResult *result)
{
	if (result == NULL)
		return;
	g_clear_pointer(&result->changes, g_ptr_array_unref);
	g_clear_pointer(&result->broken, g_ptr_array_unref);
	g_clear_pointer(&result->errors, g_ptr_array_unref);
	g_clear_pointer(&result->notices, g_ptr_array_unref);
	g_clear_pointer(&result->variant_files, g_ptr_array_unref);
	g_clear_pointer(&result->post_bytes, g_array_unref);
	g_clear_pointer(&result->shown, g_ptr_array_unref);
	g_clear_pointer(&result->dupes, imgopt_dupes_result_free);
	g_free(result);
}

bool
imgopt_run_result_has_work(const ImgoptRunResult *result)
{
	return result->changes->len > 0 || result->n_to_encode > 0 ||
	       result->broken->len > 0;
}

static void
post_bytes_clear(gpointer p)
{
	g_clear_pointer(&((ImgoptPostBytes *)p)->post, g_free);
}

static ImgoptRunResult *
result_new(void)
{
	ImgoptRunResult *r = g_new0(ImgoptRunResult, 1);

	r->changes = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_post_change_free);
	r->broken =
		g_ptr_array_new_with_free_func((GDestroyNotify)imgopt_ref_free);
	r->errors = imgopt_problem_list_new();
	r->notices = imgopt_problem_list_new();
	r->variant_files = g_ptr_array_new_with_free_func(g_free);
	r->post_bytes = g_array_new(FALSE, TRUE, sizeof(ImgoptPostBytes));
	g_array_set_clear_func(r->post_bytes, post_bytes_clear);
	r->shown = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_shown_image_free);
	return r;
}

void
imgopt_shown_image_free(ImgoptShownImage *image)
{
	if (image == NULL)
		return;
	g_free(image->path);
	g_free(image->after_path);
	g_free(image);
}

static int
shown_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp((*(ImgoptShownImage *const *)a)->path,
		      (*(ImgoptShownImage *const *)b)->path);
}

static int
u64_cmp(gconstpointer a, gconstpointer b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void
imgopt_run_result_post_bytes(const ImgoptRunResult *result, bool after,
			     uint64_t *median_out, uint64_t *largest_out)
{
	g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(uint64_t));

	for (guint i = 0; i < result->post_bytes->len; i++) {
		const ImgoptPostBytes *p =
			&g_array_index(result->post_bytes, ImgoptPostBytes, i);
		uint64_t n = after ? p->after : p->before;

		if (p->before > 0)
			g_array_append_val(v, n);
	}
	g_array_sort(v, u64_cmp);
	*median_out =
		v->len > 0 ? g_array_index(v, uint64_t, (v->len - 1) / 2) : 0;
	*largest_out = v->len > 0 ? g_array_index(v, uint64_t, v->len - 1) : 0;
}

static void
add_problem(Run *r, const char *path, const char *message)
{
	imgopt_observer_problem(r->observer, r->result->errors, path, message,
				true);
}

static char *
hash_hex(const ImgoptHash *hash)
{
	char hex[IMGOPT_HASH_HEX_LEN + 1];

	imgopt_hash_format(hash, hex);
	return g_strdup(hex);
}

/* ---- 1. index ---- */

static void
copy_problems(Run *r, const GPtrArray *problems)
{
	for (guint i = 0; i < problems->len; i++)
		g_ptr_array_add(
			r->result->errors,
			imgopt_problem_copy(g_ptr_array_index(problems, i)));
}

/* ---- contents already linked through a variant ---- */

/* Indexes every variants row: by path, and this run's settings' rows by
 * content. */
static bool
load_variant_rows(Run *r, GError **error)
{
	r->all_variants = imgopt_manifest_load_variants(r->manifest, error);
	if (r->all_variants == NULL)
		return false;
	r->variant_of = g_hash_table_new(g_str_hash, g_str_equal);
	r->current = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					   (GDestroyNotify)g_ptr_array_unref);
	for (guint i = 0; i < r->all_variants->len; i++) {
		ImgoptVariant *v = g_ptr_array_index(r->all_variants, i);
		char *hex = NULL;
		GPtrArray *list = NULL;

		g_hash_table_insert(r->variant_of, v->path, v);
		if (g_strcmp0(v->settings, r->fingerprint) != 0)
			continue;
		hex = hash_hex(&v->hash);
		list = g_hash_table_lookup(r->current, hex);
		if (list == NULL) {
			list = g_ptr_array_new();
			g_hash_table_insert(r->current, hex, list);
		}
		else
			g_free(hex);
		g_ptr_array_add(list, v);
	}
	return true;
}

/* Hex → the original file (outside the variant folder) of each content,
 * the first by path. */
static GHashTable *
originals_by_hash(const Run *r)
{
	GHashTable *by_hash =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTableIter it;
	gpointer value;

	g_hash_table_iter_init(&it, r->files);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		const ImgoptAsset *a = value;
		const ImgoptAsset *old = NULL;
		char *hex = NULL;

		if (!a->has_hash || !imgopt_format_is_recompressed(a->format) ||
		    imgopt_fs_is_below(r->out_dir, a->path) ||
		    (r->variant_of != NULL &&
		     g_hash_table_contains(r->variant_of, a->path)))
			continue;
		hex = hash_hex(&a->hash);
		old = g_hash_table_lookup(by_hash, hex);
		if (old == NULL || strcmp(a->path, old->path) < 0)
			g_hash_table_replace(by_hash, hex, (gpointer)a);
		else
			g_free(hex);
	}
	return by_hash;
}

/* Adds to @linked the files stored references resolve to in the folders
 * other than the variant folder where variants were placed. */
static bool
add_linked_copies(const Run *r, GPtrArray *linked, GError **error)
{
	g_autoptr(GHashTable) dirs =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTableIter it;
	gpointer dir;

	for (guint i = 0; i < r->all_variants->len; i++) {
		const ImgoptVariant *v = g_ptr_array_index(r->all_variants, i);

		if (*v->path != '\0' &&
		    !imgopt_fs_is_below(r->out_dir, v->path))
			g_hash_table_add(dirs, g_path_get_dirname(v->path));
	}
	g_hash_table_iter_init(&it, dirs);
	while (g_hash_table_iter_next(&it, &dir, NULL)) {
		g_autoptr(GPtrArray) more =
			imgopt_manifest_lookup_resolved_under(r->manifest, dir,
							      error);

		if (more == NULL)
			return false;
		for (guint i = 0; i < more->len; i++)
			g_ptr_array_add(linked,
					g_steal_pointer(&more->pdata[i]));
	}
	return true;
}

/* The contents posts link through a variant file (a run rewrote them
 * before) go to r->linked; those without variants for this run's
 * settings have their original, if one is left, added to the assets to
 * encode, so a change of --widths, --formats or --quality re-links them. */
static bool
collect_linked(Run *r, GError **error)
{
	g_autoptr(GHashTable) originals = NULL;
	g_autoptr(GHashTable) queued =
		g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GPtrArray) linked = imgopt_manifest_lookup_resolved_under(
		r->manifest, r->out_dir, error);

	if (linked == NULL || !load_variant_rows(r, error) ||
	    !add_linked_copies(r, linked, error))
		return false;
	r->linked =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	r->relinked = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_asset_free);
	for (guint i = 0; i < r->assets->len; i++)
		g_hash_table_add(
			queued,
			((ImgoptAsset *)g_ptr_array_index(r->assets, i))->path);
	for (guint i = 0; i < linked->len; i++) {
		const ImgoptVariant *v = g_hash_table_lookup(
			r->variant_of, g_ptr_array_index(linked, i));
		char *hex = v != NULL ? hash_hex(&v->hash) : NULL;
		const ImgoptAsset *a = NULL;

		if (hex == NULL || g_hash_table_contains(r->linked, hex)) {
			g_free(hex);
			continue;
		}
		g_hash_table_insert(r->linked, hex, (gpointer)v);
		if (originals == NULL)
			originals = originals_by_hash(r);
		a = g_hash_table_lookup(originals, hex);
		if (a == NULL || g_hash_table_contains(queued, a->path))
			continue;
		g_hash_table_add(queued, a->path);
		/* With rows of these settings already, only a width a relink
		 * needs (another --display-width) is made. */
		g_ptr_array_add(g_hash_table_contains(r->current, hex)
					? r->relinked
					: r->assets,
				imgopt_asset_copy(a));
	}
	return true;
}

/* Scans, indexes and collects the referenced image assets; the dupes
 * job's result goes into the run's. */
static bool
run_index(Run *r, GError **error)
{
	ImgoptDupesOptions dopt = {.jobs = r->opt->settings->jobs,
				   .only_posts = r->opt->only_posts};
	ImgoptDupesResult *dupes = NULL;

	if (!imgopt_dupes_run(r->site, &dopt, r->manifest, r->observer,
			      &r->result->dupes, error))
		return false;
	imgopt_fault_point();
	dupes = r->result->dupes;
	copy_problems(r, dupes->errors);
	/* Files it left out (a symlinked post, a FIFO under IMAGES) are no
	 * failure: notices. */
	for (guint i = 0; i < dupes->skipped->len; i++)
		g_ptr_array_add(r->result->notices,
				imgopt_problem_copy(
					g_ptr_array_index(dupes->skipped, i)));
	r->result->n_groups = dupes->groups->len;
	for (guint i = 0; i < dupes->groups->len; i++)
		r->result->bytes_reclaimable += imgopt_group_reclaimable(
			g_ptr_array_index(dupes->groups, i));
	r->files = imgopt_manifest_load_files(r->manifest, error);
	if (r->files == NULL)
		return false;
	r->assets = imgopt_dupes_result_referenced_images(dupes, r->files,
							  r->out_dir);
	if (!collect_linked(r, error))
		return false;
	g_ptr_array_sort(r->assets, imgopt_asset_path_cmp);
	return true;
}

/* ---- 2. variants ---- */

static void
on_variant(const ImgoptVariant *variant, bool is_cached, void *user_data)
{
	Run *r = user_data;

	if (is_cached)
		return;
	if (*variant->path != '\0')
		g_ptr_array_add(r->result->variant_files,
				g_strdup(variant->path));
	imgopt_fault_point();
}

static void
on_failure(const ImgoptAsset *asset, const GError *err, void *user_data)
{
	add_problem(user_data, asset->path, err->message);
}

static void
on_encode_progress(uint64_t done, uint64_t total, uint64_t bytes,
		   void *user_data)
{
	Run *r = user_data;

	imgopt_observer_progress(r->observer, "encode", done, total, bytes);
}

/* The rows of @rows a page may link: their file is there (or, for a
 * variant that would be its source's copy, never written). */
static GPtrArray *
rows_on_disk(const Run *r, GPtrArray *rows)
{
	const char *root = imgopt_site_get_root(r->site);

	for (guint i = rows->len; i > 0; i--) {
		const ImgoptVariant *v = g_ptr_array_index(rows, i - 1);
		g_autofree char *full = g_build_filename(root, v->path, NULL);

		if (*v->path != '\0' &&
		    !g_file_test(full, G_FILE_TEST_IS_REGULAR))
			g_ptr_array_remove_index(rows, i - 1);
	}
	return rows;
}

/* Whether @list has a variant of @v's width and format. */
static bool
has_same(const GPtrArray *list, const ImgoptVariant *v)
{
	for (guint i = 0; i < list->len; i++) {
		const ImgoptVariant *o = g_ptr_array_index(list, i);

		if (o->width == v->width && o->format == v->format)
			return true;
	}
	return false;
}

/* Dry run: @v (its path a file name) as written in @dir (NULL: the
 * variant folder) and placed in every other folder @asset's references
 * need. */
static void
add_in_memory(Run *r, const ImgoptAsset *asset, const char *dir,
	      const ImgoptVariant *v, GPtrArray *out)
{
	g_autofree char *hex = hash_hex(&asset->hash);
	const GPtrArray *dirs = g_hash_table_lookup(r->folders, hex);
	const char *main_dir = dir != NULL ? dir : r->out_dir;
	guint n = dirs != NULL ? dirs->len : 0;

	for (guint d = 0; d <= n; d++) {
		const char *in = d == 0 ? main_dir : dirs->pdata[d - 1];
		ImgoptVariant *copy = NULL;

		if (d > 0 && strcmp(in, main_dir) == 0)
			continue;
		copy = imgopt_variant_copy(v);
		g_free(copy->path);
		copy->path = g_build_filename(in, v->path, NULL);
		g_ptr_array_add(r->result->variant_files, g_strdup(copy->path));
		g_ptr_array_add(out, copy);
	}
}

/* Dry run: the @missing variants of @asset, encoded in memory, not
 * written, with its variants already on disk (@rows). */
static GPtrArray *
encode_in_memory(Run *r, const ImgoptAsset *asset, const ImgoptWanted *missing,
		 const GPtrArray *rows)
{
	g_autoptr(GPtrArray) enc = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_encoded_free);
	g_autoptr(GError) local = NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_variant_free);

	if (!imgopt_recompress_asset_only(imgopt_site_get_root(r->site), asset,
					  r->opt->settings, missing, enc,
					  &local)) {
		add_problem(r, asset->path, local->message);
		r->result->n_failed++;
		return out;
	}
	for (guint i = 0; i < enc->len; i++) {
		const ImgoptEncoded *e = g_ptr_array_index(enc, i);
		bool is_copy = e->kind == IMGOPT_ENCODED_ORIGINAL;

		if (is_copy) {
			ImgoptVariant *v = imgopt_variant_copy(e->variant);

			g_free(v->path);
			v->path = g_strdup("");
			g_ptr_array_add(out, v);
			continue;
		}
		add_in_memory(r, asset, missing->dir, e->variant, out);
	}
	for (guint i = 0; i < rows->len; i++)
		if (!has_same(out, g_ptr_array_index(rows, i)))
			g_ptr_array_add(out,
					imgopt_variant_copy(
						g_ptr_array_index(rows, i)));
	r->result->n_encoded++;
	return out;
}

/* The format a run would link for @asset (recompress's primary format,
 * as far as the index knows it), or UNKNOWN if it encodes none. */
static ImgoptFormat
predicted_format(const ImgoptAsset *asset)
{
	switch (asset->format) {
	case IMGOPT_FORMAT_JPEG:
	case IMGOPT_FORMAT_PNG:
	case IMGOPT_FORMAT_GIF:
		return asset->format;
	case IMGOPT_FORMAT_WEBP:
	case IMGOPT_FORMAT_AVIF:
		return IMGOPT_FORMAT_JPEG;
	default:
		return IMGOPT_FORMAT_UNKNOWN;
	}
}

/* One variant a run would make of @asset at @w in @format. */
static ImgoptVariant *
predicted_new(const char *dir, const ImgoptAsset *asset, uint32_t w,
	      ImgoptFormat format)
{
	ImgoptVariant *v = imgopt_variant_new();
	g_autofree char *name =
		imgopt_variant_file_name(&asset->hash, w, format);

	v->hash = asset->hash;
	v->width = w;
	v->height = asset->width > 0 ? (uint32_t)(((uint64_t)asset->height * w +
						   asset->width / 2) /
						  asset->width)
				     : 0;
	v->n_frames = asset->n_frames;
	v->format = format;
	v->path = g_build_filename(dir, name, NULL);
	/* A GIF re-encoded at its own width rarely saves a byte: predicted
	 * as a copy, which the plan never links. */
	if (format == IMGOPT_FORMAT_GIF && w == asset->width)
		v->bytes = asset->size;
	return v;
}

/* A Predicted of content @hex in @dir (both taken), no width of
 * --widths noted yet. */
static Predicted *
predicted_at(char *hex, char *dir, uint32_t width, ImgoptFormat format,
	     bool is_extra)
{
	Predicted *p = g_new0(Predicted, 1);

	p->hex = hex;
	p->widths = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	p->is_extra = is_extra;
	p->dir = dir;
	p->width = width;
	p->format = format;
	return p;
}

/* Notes in r->requested which widths of --widths make @v. */
static void
note_request(Run *r, const ImgoptVariant *v, uint32_t requested, bool is_extra)
{
	Predicted *p = NULL;

	if (r->requested == NULL)
		return;
	p = g_hash_table_lookup(r->requested, v->path);
	if (p == NULL) {
		p = predicted_at(hash_hex(&v->hash),
				 g_path_get_dirname(v->path), v->width,
				 v->format, is_extra);
		g_hash_table_insert(r->requested, g_strdup(v->path), p);
	}
	g_array_append_val(p->widths, requested);
}

/* The variants a run would make of @asset in @format, named and sized
 * as recompress names them but not encoded.  Their bytes are 0 (unknown;
 * count_ref() counts the source's bytes for them) but for a full-width
 * GIF's. */
static void
predict_format(Run *r, const char *dir, const ImgoptAsset *asset,
	       ImgoptFormat format, bool is_extra, GPtrArray *out)
{
	const GArray *widths = r->opt->settings->widths;
	ImgoptVariant *last = NULL;

	for (guint i = 0; i < widths->len; i++) {
		uint32_t requested = g_array_index(widths, uint32_t, i);
		uint32_t w = asset->width > 0 ? MIN(requested, asset->width)
					      : requested;

		if (last == NULL || w != last->width) {
			last = predicted_new(dir, asset, w, format);
			g_ptr_array_add(out, last);
		}
		note_request(r, last, requested, is_extra);
	}
}

/* Check: the variants a run would make of @asset (with @with_extras its
 * WebP and AVIF ones too), so the plan rewrites what the run would. */
static GPtrArray *
predict_variants(Run *r, const ImgoptAsset *asset, bool with_extras)
{
	ImgoptFormat format = predicted_format(asset);
	unsigned formats = imgopt_settings_formats_made(r->opt->settings);
	GPtrArray *out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_variant_free);

	g_autofree char *hex = hash_hex(&asset->hash);
	const GPtrArray *dirs = r->folders != NULL
					? g_hash_table_lookup(r->folders, hex)
					: NULL;
	guint n_dirs = dirs != NULL ? dirs->len : 1;

	for (guint d = 0; format != IMGOPT_FORMAT_UNKNOWN && d < n_dirs; d++) {
		const char *dir =
			dirs != NULL ? g_ptr_array_index(dirs, d) : r->out_dir;

		predict_format(r, dir, asset, format, false, out);
		if (with_extras && (formats & IMGOPT_OUTPUT_WEBP))
			predict_format(r, dir, asset, IMGOPT_FORMAT_WEBP, true,
				       out);
		if (with_extras && (formats & IMGOPT_OUTPUT_AVIF) &&
		    asset->n_frames <= 1)
			predict_format(r, dir, asset, IMGOPT_FORMAT_AVIF, true,
				       out);
	}
	return out;
}

/* The contents only linked through variants get this run's settings'
 * rows (or an empty list) in @table. */
static bool
add_linked_variants(Run *r, GHashTable *table, GError **error)
{
	GHashTableIter it;
	gpointer key, value;

	g_hash_table_iter_init(&it, r->linked);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		const ImgoptVariant *v = value;

		if (g_hash_table_contains(table, key))
			continue;
		GPtrArray *rows = imgopt_manifest_lookup_variants(
			r->manifest, &v->hash, r->fingerprint, error);
		if (rows == NULL)
			return false;
		g_hash_table_insert(table, g_strdup(key),
				    rows_on_disk(r, rows));
	}
	return true;
}

/* ---- 2. which variants the references will link ---- */

/* Reads, scans and resolves one referrer; what fails is kept in the plan
 * and reported when it is planned, in order. */
static PostPlan *
read_post(Run *r, const ImgoptReferrer *referrer)
{
	g_autofree char *full = g_build_filename(imgopt_site_get_root(r->site),
						 referrer->path, NULL);
	PostPlan *plan = g_new0(PostPlan, 1);
	g_autoptr(GError) local = NULL;
	char *text = NULL;
	gsize len = 0;
	GStatBuf st;

	plan->post = g_strdup(referrer->path);
	plan->kind = referrer->kind;
	plan->edits = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_edit_free);
	if (g_stat(full, &st) != 0 ||
	    !g_file_get_contents(full, &text, &len, &local)) {
		plan->problem = g_strdup_printf(
			"cannot read '%s': %s", plan->post,
			local != NULL ? local->message : g_strerror(errno));
		return plan;
	}
	plan->mode = (int)(st.st_mode & 07777);
	plan->n_links = (unsigned long)st.st_nlink;
	plan->old_bytes = g_bytes_new_take(text, len);
	plan->refs = imgopt_referrers_scan_text(r->site, plan->kind, plan->post,
						text, len, &local);
	if (plan->refs == NULL) {
		plan->problem = g_strdup(local->message);
		return plan;
	}
	for (guint i = 0; i < plan->refs->len; i++)
		imgopt_site_resolve_ref(r->site,
					g_ptr_array_index(plan->refs, i));
	return plan;
}

/* Every variant a run could make of each content (every width, every
 * format of --formats) in r->predicted, and which widths of --widths
 * make each in r->requested. */
static bool
predict_all(Run *r, GError **error)
{
	const GPtrArray *lists[] = {r->assets, r->relinked};

	r->predicted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					     (GDestroyNotify)g_ptr_array_unref);
	r->requested = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					     (GDestroyNotify)predicted_free);
	for (gsize l = 0; l < G_N_ELEMENTS(lists); l++)
		for (guint i = 0; i < lists[l]->len; i++) {
			const ImgoptAsset *a = g_ptr_array_index(lists[l], i);
			char *hex = hash_hex(&a->hash);

			if (g_hash_table_contains(r->predicted, hex)) {
				g_free(hex);
				continue;
			}
			g_hash_table_insert(r->predicted, hex,
					    predict_variants(r, a, true));
		}
	return add_linked_variants(r, r->predicted, error);
}

/* Adds what the predicted variant at @path needs to r->wanted. */
static void
want_path(Run *r, const char *path)
{
	const Predicted *p = g_hash_table_lookup(r->requested, path);
	ImgoptWanted *w = NULL;

	if (p == NULL)
		return;
	w = g_hash_table_lookup(r->wanted, p->hex);
	if (w == NULL) {
		w = imgopt_wanted_new();
		g_hash_table_insert(r->wanted, g_strdup(p->hex), w);
	}
	GPtrArray *named = g_hash_table_lookup(r->placed, p->hex);
	if (named == NULL) {
		named = g_ptr_array_new();
		g_hash_table_insert(r->placed, g_strdup(p->hex), named);
	}
	g_ptr_array_add(named, (gpointer)p);
	for (guint i = 0; i < p->widths->len; i++)
		imgopt_wanted_add(w, g_array_index(p->widths, uint32_t, i));
	w->with_extras |= p->is_extra;
}

/* The content @ref shows (hex, or NULL): an indexed file's or a variant
 * file's. */
static char *
ref_content(const Run *r, const ImgoptRef *ref)
{
	const ImgoptAsset *a = NULL;
	const ImgoptVariant *v = NULL;

	if (ref->resolved == NULL ||
	    (ref->status != IMGOPT_REF_STATUS_OK &&
	     ref->status != IMGOPT_REF_STATUS_REPAIRED))
		return NULL;
	a = g_hash_table_lookup(r->files, ref->resolved);
	if (a != NULL && a->has_hash)
		return hash_hex(&a->hash);
	v = g_hash_table_lookup(r->variant_of, ref->resolved);
	return v != NULL ? hash_hex(&v->hash) : NULL;
}

/* r->folders: for each content, the folders its references need its
 * variants in, in the order of the posts. */
static void
note_folders(Run *r, const GPtrArray *posts)
{
	r->folders = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					   (GDestroyNotify)g_ptr_array_unref);
	for (guint i = 0; i < posts->len; i++) {
		const PostPlan *plan = g_ptr_array_index(posts, i);

		for (guint j = 0; plan->refs != NULL && j < plan->refs->len;
		     j++) {
			const ImgoptRef *ref = g_ptr_array_index(plan->refs, j);
			char *hex = ref_content(r, ref);
			GPtrArray *dirs = NULL;

			if (hex == NULL)
				continue;
			dirs = g_hash_table_lookup(r->folders, hex);
			if (dirs == NULL) {
				dirs = g_ptr_array_new_with_free_func(g_free);
				g_hash_table_insert(r->folders, hex, dirs);
			}
			else
				g_free(hex);
			char *dir = imgopt_site_variant_dir(r->site, ref);
			if (g_ptr_array_find_with_equal_func(dirs, dir,
							     g_str_equal, NULL))
				g_free(dir);
			else
				g_ptr_array_add(dirs, dir);
		}
	}
}

/* The variant files of @a's content that @missing needs and a run would
 * take from disk without encoding (ondisk.h), or NULL: for check and dry
 * runs, which write nothing. */
static GPtrArray *
reusable_on_disk(Run *r, const ImgoptAsset *a, const ImgoptWanted *missing)
{
	if (r->on_disk == NULL)
		r->on_disk = imgopt_on_disk_new(imgopt_site_get_root(r->site),
						r->opt->settings, true);
	return imgopt_on_disk_find(
		r->on_disk, missing->dir != NULL ? missing->dir : r->out_dir, a,
		missing);
}

/* Each content's variants are written in the first folder (in the order
 * of the posts) the prediction named one in; the others get copies. */
static void
choose_dirs(Run *r)
{
	GHashTableIter it;
	gpointer key, value;

	g_hash_table_iter_init(&it, r->wanted);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		ImgoptWanted *w = value;
		const GPtrArray *dirs = g_hash_table_lookup(r->folders, key);
		const GPtrArray *named = g_hash_table_lookup(r->placed, key);

		for (guint d = 0;
		     dirs != NULL && w->dir == NULL && d < dirs->len; d++)
			for (guint i = 0; named != NULL && i < named->len; i++)
				if (strcmp(((const Predicted *)named->pdata[i])
						   ->dir,
					   dirs->pdata[d]) == 0) {
					w->dir = g_strdup(dirs->pdata[d]);
					break;
				}
	}
}

/* Says once why a run that found images to show rewrites none of them. */
static void
note_nothing_rewritable(Run *r, guint n_images)
{
	if (n_images == 0 || g_hash_table_size(r->wanted) > 0 ||
	    g_hash_table_size(r->linked) > 0 || r->remade->len > 0)
		return;
	g_autofree char *msg = g_strdup_printf(
		"%u image reference%s found, none to rewrite (pinned by the "
		"page, tags the generator resolves itself, or images kept as "
		"they are: a GIF under --link-format original, an image no "
		"variant is lighter than): no variants made",
		n_images, n_images == 1 ? "" : "s");
	g_ptr_array_add(r->result->notices, imgopt_problem_new("", msg));
}

static ImgoptPlanInput plan_input(const Run *r);

/* Plans every post against the predicted variants: the variants its
 * edits name are what the run makes (r->wanted). */
static bool
run_wanted(Run *r, const GPtrArray *posts, GError **error)
{
	g_autoptr(GHashTable) named = g_hash_table_new(g_str_hash, g_str_equal);
	ImgoptPlanInput in = plan_input(r);
	GHashTableIter it;
	gpointer path;
	guint n_images = 0;

	r->originals = originals_by_hash(r);
	r->wanted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					  (GDestroyNotify)imgopt_wanted_free);
	r->placed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					  (GDestroyNotify)g_ptr_array_unref);
	note_folders(r, posts);
	if (!predict_all(r, error))
		return false;
	in.variants = r->predicted;
	in.root = NULL;
	in.named = named;
	for (guint i = 0; i < posts->len; i++) {
		const PostPlan *plan = g_ptr_array_index(posts, i);
		gsize len = 0;
		const char *text = NULL;

		if (plan->refs == NULL)
			continue;
		text = g_bytes_get_data(plan->old_bytes, &len);
		g_autoptr(GPtrArray) edits = g_ptr_array_new_with_free_func(
			(GDestroyNotify)imgopt_edit_free);
		g_autoptr(GArray) planned = imgopt_rewrite_plan_post(
			&in, text, len, plan->refs, edits);
		for (guint j = 0; j < planned->len; j++)
			n_images +=
				g_array_index(planned, ImgoptRefPlan, j).kind ==
				IMGOPT_REF_PLAN_KEPT;
	}
	g_hash_table_iter_init(&it, named);
	while (g_hash_table_iter_next(&it, &path, NULL))
		want_path(r, path);
	choose_dirs(r);
	r->n_kept = n_images;
	return true;
}

/* ---- 3a. variant files posts link that are gone ---- */

/* A variant file a reference links that is gone (deleted, or missing
 * from a checkout or a restored cache), and the source it is made again
 * from. */
typedef struct {
	char *path;                /* where the references look for it */
	const ImgoptAsset *source; /* (borrowed) r->originals', or NULL:
				      it cannot be made again */
	char *why;                 /* why not, or NULL */
	GPtrArray *refs;           /* (element-type ImgoptRef) borrowed: the
				      references that link it */
} Remade;

static void
remade_free(Remade *m)
{
	g_free(m->path);
	g_free(m->why);
	g_ptr_array_unref(m->refs);
	g_free(m);
}

/* Where @ref, broken (or repaired by name), looks for a variant file that
 * is not there: a path a variants row names, or a variant file name in
 * the folder imgopt_site_variant_dir() gives for a link to it; or NULL. */
static char *
gone_variant_path(const Run *r, const ImgoptRef *ref)
{
	g_autoptr(ImgoptRef) probe = imgopt_ref_copy(ref);
	g_autoptr(GPtrArray) looked = g_ptr_array_new_with_free_func(g_free);
	const char *root = imgopt_site_get_root(r->site);

	imgopt_site_resolve_ref_watched(r->site, probe, looked);
	for (guint i = 0; i < looked->len; i++) {
		const char *path = g_ptr_array_index(looked, i);
		g_autofree char *full = g_build_filename(root, path, NULL);
		g_autofree char *dir = g_path_get_dirname(path);
		g_autofree char *name = g_path_get_basename(path);
		ImgoptHash hash;
		uint32_t w = 0;
		ImgoptFormat f = IMGOPT_FORMAT_UNKNOWN;

		if (g_file_test(full, G_FILE_TEST_EXISTS) ||
		    !imgopt_variant_parse_file_name(name, &hash, &w, &f))
			continue;
		if (g_hash_table_contains(r->variant_of, path))
			return g_strdup(path);
		probe->status = IMGOPT_REF_STATUS_OK;
		g_free(probe->resolved);
		probe->resolved = g_strdup(path);
		g_autofree char *vdir = imgopt_site_variant_dir(r->site, probe);
		if (g_strcmp0(vdir, dir) == 0)
			return g_strdup(path);
	}
	return NULL;
}

/* The original of the content the variant file @path was made of: its
 * row's, or the one whose hash begins as the file's name does. */
static const ImgoptAsset *
source_of(Run *r, const char *path)
{
	const ImgoptVariant *row = g_hash_table_lookup(r->variant_of, path);
	g_autofree char *name = g_path_get_basename(path);
	GHashTableIter it;
	gpointer key, value;

	if (row != NULL) {
		g_autofree char *hex = hash_hex(&row->hash);

		return g_hash_table_lookup(r->originals, hex);
	}
	if (r->by_prefix == NULL) {
		r->by_prefix = g_hash_table_new_full(g_str_hash, g_str_equal,
						     g_free, NULL);
		g_hash_table_iter_init(&it, r->originals);
		while (g_hash_table_iter_next(&it, &key, &value))
			g_hash_table_insert(r->by_prefix, g_strndup(key, 16),
					    value);
	}
	g_autofree char *prefix = g_strndup(name, 16);
	return g_hash_table_lookup(r->by_prefix, prefix);
}

/* The width of --widths that makes a variant @w wide: the narrowest not
 * narrower (a source narrower than it, or a variant that lost to the
 * source's full width, is made at the source's width), else the widest
 * (an animated GIF is not resized by less than a fifth). */
static uint32_t
width_making(const GArray *widths, uint32_t w)
{
	uint32_t pick = 0, widest = 0;

	for (guint i = 0; i < widths->len; i++) {
		uint32_t x = g_array_index(widths, uint32_t, i);

		widest = MAX(widest, x);
		if (x >= w && (pick == 0 || x < pick))
			pick = x;
	}
	return pick != 0 ? pick : widest;
}

/* Whether @f is an extra format of @a's variants (recompress.h). */
static bool
is_extra_format(const ImgoptAsset *a, ImgoptFormat f)
{
	return (f == IMGOPT_FORMAT_WEBP || f == IMGOPT_FORMAT_AVIF) &&
	       f != predicted_format(a);
}

/* The file names of @dir (relative to the root) that may be variants,
 * by their first 16 characters (the content's hash prefix), listed once
 * per folder a run asks about. */
static GHashTable *
variant_names_in(Run *r, const char *dir)
{
	GHashTable *names = NULL;

	if (r->dir_names == NULL)
		r->dir_names = g_hash_table_new_full(
			g_str_hash, g_str_equal, g_free,
			(GDestroyNotify)g_hash_table_unref);
	names = g_hash_table_lookup(r->dir_names, dir);
	if (names != NULL)
		return names;
	names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
				      (GDestroyNotify)g_ptr_array_unref);
	g_hash_table_insert(r->dir_names, g_strdup(dir), names);
	g_autofree char *full =
		g_build_filename(imgopt_site_get_root(r->site), dir, NULL);
	g_autoptr(GDir) d = g_dir_open(full, 0, NULL);
	const char *name = NULL;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *prefix = g_strndup(name, 16);
		GPtrArray *same = NULL;

		if (strlen(name) <= 16 || name[16] != '-')
			continue;
		same = g_hash_table_lookup(names, prefix);
		if (same == NULL) {
			same = g_ptr_array_new_with_free_func(g_free);
			g_hash_table_insert(names, g_steal_pointer(&prefix),
					    same);
		}
		g_ptr_array_add(same, g_strdup(name));
	}
	return names;
}

/* Without the manifest's word (a fresh one): adds to @want the widths
 * of --widths that make the variant files of @a's content still in @dir
 * (relative to the root), taken as made by the same encoding as the one
 * gone, so that it is made as it was. */
static void
want_siblings(Run *r, const ImgoptAsset *a, const char *dir, ImgoptWanted *want)
{
	g_autofree char *hex = hash_hex(&a->hash);
	const GArray *widths = r->opt->settings->widths;
	const GPtrArray *names = NULL;

	hex[16] = '\0';
	names = g_hash_table_lookup(variant_names_in(r, dir), hex);
	for (guint i = 0; names != NULL && i < names->len; i++) {
		ImgoptHash prefix;
		uint32_t w = 0;
		ImgoptFormat f = IMGOPT_FORMAT_UNKNOWN;

		if (!imgopt_variant_parse_file_name(g_ptr_array_index(names, i),
						    &prefix, &w, &f))
			continue;
		want->with_extras |= is_extra_format(a, f);
		imgopt_wanted_add(want, width_making(widths, w));
	}
}

/* Adds to @want what makes the gone variant file of @a's content @w
 * wide: the widths the manifest says were asked of the content with
 * these settings (so the encoding is the one that made the file, and
 * the same bytes come out), or without its word (a fresh manifest) the
 * widths of --widths that make it and its siblings still in @dir, with
 * the extra formats where a link may name them (--link-format): a page
 * link asked for them, even where it kept the JPEG (their files count in
 * every file's provenance).  If that makes no such file after all, its
 * links stay broken. */
static bool
want_width(Run *r, const ImgoptAsset *a, uint32_t w, const char *dir,
	   ImgoptWanted *want, GError **error)
{
	g_autoptr(GArray) requests = imgopt_manifest_lookup_requests(
		r->manifest, &a->hash, r->fingerprint, error);
	const GArray *widths = r->opt->settings->widths;

	if (requests == NULL)
		return false;
	for (guint i = 0; i < requests->len; i++) {
		const ImgoptVariantRequest *rq =
			&g_array_index(requests, ImgoptVariantRequest, i);

		imgopt_wanted_add(want, rq->width);
		want->with_extras |= rq->with_extras;
	}
	if (requests->len == 0 && widths->len > 0) {
		imgopt_wanted_add(want, width_making(widths, w));
		want_siblings(r, a, dir, want);
		want->with_extras |=
			r->opt->settings->link_format != IMGOPT_LINK_ORIGINAL;
	}
	return true;
}

/* Adds @dir to the folders @hex's references need its variants in. */
static void
add_folder(Run *r, const char *hex, const char *dir)
{
	GPtrArray *dirs = g_hash_table_lookup(r->folders, hex);

	if (dirs == NULL) {
		dirs = g_ptr_array_new_with_free_func(g_free);
		g_hash_table_insert(r->folders, g_strdup(hex), dirs);
	}
	if (!g_ptr_array_find_with_equal_func(dirs, dir, g_str_equal, NULL))
		g_ptr_array_add(dirs, g_strdup(dir));
}

/* The variant of width @w and format @f of @hex to place in @dir, where
 * the content's variants are written in another folder (place.c). */
static void
place_again(Run *r, const char *hex, const char *dir, uint32_t w,
	    ImgoptFormat f, bool is_extra)
{
	GPtrArray *named = g_hash_table_lookup(r->placed, hex);
	Predicted *p =
		predicted_at(g_strdup(hex), g_strdup(dir), w, f, is_extra);

	g_ptr_array_add(r->remade_placed, p);
	if (named == NULL) {
		named = g_ptr_array_new();
		g_hash_table_insert(r->placed, g_strdup(hex), named);
	}
	g_ptr_array_add(named, p);
}

/* The source is encoded with the others (a content no post links through
 * its original joins the relinked ones). */
static void
queue_source(Run *r, const ImgoptAsset *a)
{
	const GPtrArray *lists[] = {r->assets, r->relinked};

	for (gsize l = 0; l < G_N_ELEMENTS(lists); l++)
		for (guint i = 0; i < lists[l]->len; i++) {
			const ImgoptAsset *o = g_ptr_array_index(lists[l], i);

			if (memcmp(&o->hash, &a->hash, sizeof a->hash) == 0)
				return;
		}
	g_ptr_array_add(r->relinked, imgopt_asset_copy(a));
}

/* Whether a variant file of @a's content is made again. */
static bool
is_remade(const Run *r, const ImgoptAsset *a)
{
	for (guint i = 0; r->remade != NULL && i < r->remade->len; i++) {
		const Remade *m = g_ptr_array_index(r->remade, i);

		if (m->source != NULL &&
		    memcmp(&m->source->hash, &a->hash, sizeof a->hash) == 0)
			return true;
	}
	return false;
}

/* Has the variants stage make @m's file (of width @w, format @f) again:
 * its content in r->wanted, with its folder; placed there from the
 * content's folder when the content's variants are written in another. */
static bool
want_again(Run *r, const Remade *m, uint32_t w, ImgoptFormat f, GError **error)
{
	const ImgoptAsset *a = m->source;
	g_autofree char *hex = hash_hex(&a->hash);
	g_autofree char *dir = g_path_get_dirname(m->path);
	ImgoptWanted *want = g_hash_table_lookup(r->wanted, hex);
	bool is_extra = is_extra_format(a, f);

	if (want == NULL) {
		want = imgopt_wanted_new();
		want->dir = strcmp(dir, r->out_dir) != 0 ? g_strdup(dir) : NULL;
		g_hash_table_insert(r->wanted, g_strdup(hex), want);
	}
	else if (strcmp(want->dir != NULL ? want->dir : r->out_dir, dir) != 0)
		place_again(r, hex, dir, w, f, is_extra);
	if (!want_width(r, a, w, dir, want, error))
		return false;
	want->with_extras |= is_extra;
	add_folder(r, hex, dir);
	queue_source(r, a);
	return true;
}

/* What to do about the variant file @path, gone: make it again, or say
 * why it cannot be (*@out's why). */
static bool
remade_new(Run *r, const char *path, Remade **out, GError **error)
{
	g_autofree char *name = g_path_get_basename(path);
	g_autoptr(GPtrArray) refs = g_ptr_array_new();
	Remade *m = g_new0(Remade, 1);
	ImgoptHash prefix;
	uint32_t w = 0;
	ImgoptFormat f = IMGOPT_FORMAT_UNKNOWN;

	m->path = g_strdup(path);
	m->refs = g_steal_pointer(&refs);
	m->source = source_of(r, path);
	*out = m;
	if (m->source == NULL ||
	    !imgopt_variant_parse_file_name(name, &prefix, &w, &f)) {
		m->source = NULL;
		m->why = g_strdup_printf(
			"'%s' is gone, and no image under %s/ holds the "
			"content "
			"it was made of (%.16s): it cannot be made again",
			path, imgopt_site_get_images_dir(r->site), name);
		return true;
	}
	return want_again(r, m, w, f, error);
}

/* @ref links the variant file @path, gone: it is taken as linking it
 * (the variants stage makes it again) or says why it stays broken. */
static bool
remake_ref(Run *r, ImgoptRef *ref, GHashTable *by_path, GError **error)
{
	g_autofree char *path = gone_variant_path(r, ref);
	Remade *m = NULL;

	if (path == NULL)
		return true;
	m = g_hash_table_lookup(by_path, path);
	if (m == NULL) {
		if (!remade_new(r, path, &m, error)) {
			remade_free(m);
			return false;
		}
		g_ptr_array_add(r->remade, m);
		g_hash_table_insert(by_path, m->path, m);
	}
	g_free(ref->message);
	if (m->source == NULL) {
		ref->status = IMGOPT_REF_STATUS_BROKEN;
		g_clear_pointer(&ref->resolved, g_free);
		ref->message = g_strdup(m->why);
		return true;
	}
	ref->status = IMGOPT_REF_STATUS_OK;
	g_free(ref->resolved);
	ref->resolved = g_strdup(path);
	ref->message = NULL;
	g_ptr_array_add(m->refs, ref);
	return true;
}

/* Every reference that links a variant file that is gone (deleted, or
 * missing from a checkout or a restored cache) while its source is
 * still under IMAGES links it again once the variants stage has made it
 * again, same name, same link: the post does not change.  Those whose
 * source is gone too stay broken and say so. */
static bool
run_remake(Run *r, const GPtrArray *posts, GError **error)
{
	g_autoptr(GHashTable) by_path =
		g_hash_table_new(g_str_hash, g_str_equal);

	r->remade = g_ptr_array_new_with_free_func((GDestroyNotify)remade_free);
	r->remade_placed =
		g_ptr_array_new_with_free_func((GDestroyNotify)predicted_free);
	for (guint i = 0; i < posts->len; i++) {
		const PostPlan *plan = g_ptr_array_index(posts, i);

		for (guint j = 0; plan->refs != NULL && j < plan->refs->len;
		     j++) {
			ImgoptRef *ref = g_ptr_array_index(plan->refs, j);

			if ((ref->status == IMGOPT_REF_STATUS_BROKEN ||
			     ref->status == IMGOPT_REF_STATUS_REPAIRED) &&
			    !remake_ref(r, ref, by_path, error))
				return false;
		}
	}
	note_nothing_rewritable(r, r->n_kept);
	return true;
}

/* Says which variant files are made again (or, for a check or a dry
 * run, would be); a file the variants stage did not make after all (its
 * source failed) leaves its references broken. */
static void
settle_remade(Run *r)
{
	const char *root = imgopt_site_get_root(r->site);
	ImgoptRunMode mode = r->opt->mode;

	for (guint i = 0; i < r->remade->len; i++) {
		const Remade *m = g_ptr_array_index(r->remade, i);
		g_autofree char *full = g_build_filename(root, m->path, NULL);
		const ImgoptRef *first = NULL;

		if (m->source == NULL || m->refs->len == 0)
			continue;
		first = g_ptr_array_index(m->refs, 0);
		if (mode == IMGOPT_RUN_APPLY &&
		    !g_file_test(full, G_FILE_TEST_IS_REGULAR)) {
			for (guint j = 0; j < m->refs->len; j++) {
				ImgoptRef *ref = g_ptr_array_index(m->refs, j);

				ref->status = IMGOPT_REF_STATUS_BROKEN;
				g_clear_pointer(&ref->resolved, g_free);
				ref->message = g_strdup_printf(
					"'%s' is gone, and was not made again "
					"from '%s'",
					m->path, m->source->path);
			}
			continue;
		}
		g_autofree char *msg = g_strdup_printf(
			"'%s' (linked by %s:%zu) %s from '%s'", m->path,
			first->post, first->line,
			mode == IMGOPT_RUN_APPLY ? "was gone: made again"
			: mode == IMGOPT_RUN_CHECK
				? "is gone: run makes it again"
				: "is gone: would be made again",
			m->source->path);
		g_ptr_array_add(r->result->notices,
				imgopt_problem_new(m->path, msg));
	}
}

/* ---- 3. variants ---- */

/* The variants a run would make of @asset that are its copies (a GIF at
 * its own width): none is made, but a page shows the first of its
 * duplicate copies instead, as with a copy made. */
static GPtrArray *
predicted_copies(Run *r, const ImgoptAsset *asset)
{
	GPtrArray *vs = predict_variants(r, asset, false);

	for (guint i = vs->len; i > 0; i--)
		if (((ImgoptVariant *)g_ptr_array_index(vs, i - 1))->bytes == 0)
			g_ptr_array_remove_index(vs, i - 1);
	return vs;
}

/* The variants of one referenced content with these settings: the rows
 * made (a check's predicted ones, a dry run's encoded in memory, for what
 * is missing). */
static GPtrArray *
content_variants(Run *r, const ImgoptAsset *a, GError **error)
{
	g_autofree char *hex = hash_hex(&a->hash);
	const ImgoptWanted *wanted = g_hash_table_lookup(r->wanted, hex);
	g_autoptr(ImgoptWanted) missing = NULL;
	g_autoptr(GPtrArray) rows = imgopt_manifest_lookup_variants(
		r->manifest, &a->hash, r->fingerprint, error);

	if (rows == NULL)
		return NULL;
	if (wanted == NULL && rows_on_disk(r, rows)->len == 0)
		return predicted_copies(r, a);
	if (r->opt->mode == IMGOPT_RUN_APPLY || wanted == NULL)
		return rows_on_disk(r, g_steal_pointer(&rows));
	if (!imgopt_recompress_missing(imgopt_site_get_root(r->site),
				       r->manifest, &a->hash, r->opt->settings,
				       wanted, &missing, error))
		return NULL;
	if (missing == NULL)
		return rows_on_disk(r, g_steal_pointer(&rows));
	/* A check: the files gone are made again as their rows say. */
	if (r->opt->mode == IMGOPT_RUN_CHECK && rows->len > 0 &&
	    is_remade(r, a)) {
		r->result->n_to_encode++;
		return g_steal_pointer(&rows);
	}
	rows_on_disk(r, rows);
	GPtrArray *found = reusable_on_disk(r, a, missing);
	for (guint i = 0; found != NULL && i < found->len; i++) {
		ImgoptVariant *v = g_ptr_array_index(found, i);

		if (v->bytes == a->size) { /* the source's copy: not linked */
			g_free(v->path);
			v->path = g_strdup("");
		}
	}
	if (found != NULL) {
		r->result->n_reused++;
		for (guint i = 0; i < rows->len; i++)
			g_ptr_array_add(found,
					imgopt_variant_copy(rows->pdata[i]));
		return found;
	}
	if (r->opt->mode == IMGOPT_RUN_CHECK) {
		r->result->n_to_encode++;
		return predict_variants(r, a, true);
	}
	return encode_in_memory(r, a, missing, rows);
}

/* The referenced assets and the relinked originals, for the encoder. */
static GPtrArray *
assets_to_encode(const Run *r)
{
	GPtrArray *all = g_ptr_array_new();

	for (guint i = 0; i < r->assets->len; i++)
		g_ptr_array_add(all, g_ptr_array_index(r->assets, i));
	for (guint i = 0; i < r->relinked->len; i++)
		g_ptr_array_add(all, g_ptr_array_index(r->relinked, i));
	return all;
}

/* Fills r->variants from the manifest (and, in a dry run or a check,
 * from what a run would make). */
static bool
load_variants(Run *r, GError **error)
{
	g_clear_pointer(&r->requested, g_hash_table_unref);
	r->variants = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    (GDestroyNotify)g_ptr_array_unref);
	g_autoptr(GPtrArray) all = assets_to_encode(r);

	for (guint i = 0; i < all->len; i++) {
		const ImgoptAsset *a = g_ptr_array_index(all, i);
		g_autofree char *hex = hash_hex(&a->hash);

		if (g_hash_table_contains(r->variants, hex))
			continue;
		/* The relinked contents were counted by the run that linked
		 * them. */
		if (i < r->assets->len && g_hash_table_contains(r->wanted, hex))
			r->result->n_sources++;
		GPtrArray *vs = content_variants(r, a, error);
		if (vs == NULL)
			return false;
		g_hash_table_insert(r->variants, g_steal_pointer(&hex), vs);
	}
	return add_linked_variants(r, r->variants, error);
}

/* Whether @v is of the kind @p predicted: its extra format, or one a
 * page links directly (variants_for() in plan.c splits them so). */
static bool
is_kind_of(const ImgoptVariant *v, const Predicted *p, ImgoptFormat source)
{
	bool is_extra = (v->format == IMGOPT_FORMAT_WEBP ||
			 v->format == IMGOPT_FORMAT_AVIF) &&
			v->format != source;

	return p->is_extra ? v->format == p->format : !is_extra;
}

/* The row of @rows to place in @p's folder: of its kind, not in that
 * folder, at its width or the narrowest wider one (what the plan picks
 * there); NULL if that folder has it already or there is none. */
static const ImgoptVariant *
row_to_place(const GPtrArray *rows, const Predicted *p, ImgoptFormat source)
{
	g_autoptr(GPtrArray) elsewhere = g_ptr_array_new();
	const ImgoptVariant *pick = NULL;

	for (guint i = 0; i < rows->len; i++) {
		const ImgoptVariant *v = g_ptr_array_index(rows, i);
		g_autofree char *dir = g_path_get_dirname(v->path);

		if (*v->path == '\0' || !is_kind_of(v, p, source) ||
		    strcmp(dir, p->dir) == 0)
			continue;
		g_ptr_array_add(elsewhere, (gpointer)v);
	}
	pick = imgopt_rewrite_pick_covering(elsewhere, IMGOPT_FORMAT_UNKNOWN,
					    p->width);
	for (guint i = 0; pick != NULL && i < rows->len; i++) {
		const ImgoptVariant *v = g_ptr_array_index(rows, i);
		g_autofree char *dir = g_path_get_dirname(v->path);

		if (v->width == pick->width && v->format == pick->format &&
		    strcmp(dir, p->dir) == 0)
			return NULL;
	}
	return pick;
}

/* Places @hex's variants in the other folders its references need. */
static bool
place_content(Run *r, const char *hex, const GPtrArray *named, GError **error)
{
	const ImgoptAsset *source = g_hash_table_lookup(r->originals, hex);
	ImgoptHash hash;

	if (source == NULL || !imgopt_hash_parse(hex, &hash))
		return true;
	g_autoptr(GPtrArray) rows = imgopt_manifest_lookup_variants(
		r->manifest, &hash, r->fingerprint, error);
	if (rows == NULL)
		return false;
	rows_on_disk(r, rows);
	for (guint i = 0; i < named->len; i++) {
		const Predicted *p = g_ptr_array_index(named, i);
		const ImgoptVariant *v = row_to_place(rows, p, source->format);
		ImgoptVariant *copy = NULL;

		if (v == NULL)
			continue;
		if (!imgopt_place_variant(imgopt_site_get_root(r->site),
					  r->manifest, v, p->dir, &copy, error))
			return false;
		g_ptr_array_add(r->result->variant_files, g_strdup(copy->path));
		r->result->n_written++;
		g_ptr_array_add(rows, copy);
	}
	return true;
}

/* Every variant a reference needs in another folder than the one it was
 * written in gets its copy there. */
static bool
place_all(Run *r, GError **error)
{
	GHashTableIter it;
	gpointer key, value;

	if (!imgopt_manifest_begin(r->manifest, error))
		return false;
	g_hash_table_iter_init(&it, r->placed);
	while (g_hash_table_iter_next(&it, &key, &value))
		if (!place_content(r, key, value, error)) {
			imgopt_manifest_rollback(r->manifest);
			return false;
		}
	return imgopt_manifest_commit(r->manifest, error);
}

static bool
run_variants(Run *r, GError **error)
{
	ImgoptRecompressObserver rep = {on_variant, on_failure, r,
					on_encode_progress};
	ImgoptRecompressSummary sum = {0};

	if (r->opt->mode == IMGOPT_RUN_APPLY) {
		g_autoptr(GPtrArray) all = assets_to_encode(r);

		if (!imgopt_recompress_wanted(imgopt_site_get_root(r->site),
					      r->out_dir, all, r->wanted,
					      r->opt->settings, r->manifest,
					      &rep, &sum, error))
			return false;
		imgopt_fault_point();
		r->result->n_encoded = sum.n_encoded;
		r->result->n_reused = sum.n_reused;
		r->result->n_failed = sum.n_failed;
		r->result->n_written = sum.n_written;
		if (!place_all(r, error))
			return false;
	}
	return load_variants(r, error);
}

/* ---- 4. plan: the rewrite stage's edits, and what the posts show ---- */

static uint64_t
file_size(const Run *r, const char *path)
{
	g_autofree char *full =
		g_build_filename(imgopt_site_get_root(r->site), path, NULL);
	GStatBuf st;

	return g_stat(full, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Whether @set already held @path (adding it if not). */
static bool
seen(GHashTable **set, const char *path)
{
	if (*set == NULL)
		*set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					     NULL);
	if (g_hash_table_contains(*set, path))
		return true;
	g_hash_table_add(*set, g_strdup(path));
	return false;
}

/* A file the posts show: its path, size and sniffed format. */
typedef struct {
	const char *path;
	uint64_t bytes;
	ImgoptFormat format;
} ShownFile;

/* The format of @path, a file the posts show (@asset its index row, or
 * NULL): the index's, else its variants row's, else sniffed now (the
 * index records a unique-size file named as an image, such as a variant,
 * from its stat alone); UNKNOWN if it cannot be read. */
static ImgoptFormat
shown_format(const Run *r, const ImgoptAsset *asset, const char *path)
{
	const char *root = imgopt_site_get_root(r->site);
	const ImgoptVariant *v = NULL;

	if (asset != NULL && asset->format != IMGOPT_FORMAT_UNKNOWN)
		return asset->format;
	if (r->variant_of != NULL)
		v = g_hash_table_lookup(r->variant_of, path);
	if (v != NULL)
		return v->format;
	g_autoptr(ImgoptAsset) now = imgopt_index_stat(root, path, NULL);
	if (now == NULL || !imgopt_index_probe_file(root, now, NULL, NULL))
		return IMGOPT_FORMAT_UNKNOWN;
	return now->format;
}

/* Counts the bytes a reader downloads, each file once per post and once
 * in the run's totals (and its format's).  Post keys are prefixed so a
 * variant named like a source cannot be confused with it. */
static void
count_shown(Run *r, const ShownFile *was, const ShownFile *will)
{
	const char *before_path = was->path, *after_path = will->path;
	uint64_t before = was->bytes, after = will->bytes;
	g_autofree char *b = g_strconcat("b:", before_path, NULL);
	g_autofree char *a = g_strconcat("a:", after_path, NULL);

	if (!seen(&r->seen_before, before_path)) {
		ImgoptShownImage *img = g_new0(ImgoptShownImage, 1);

		img->path = g_strdup(before_path);
		img->bytes = before;
		img->after_path = g_strdup(after_path);
		img->after_bytes = after;
		g_ptr_array_add(r->result->shown, img);
		r->result->bytes_before += before;
		r->result->bytes_before_by_format[was->format] += before;
	}
	if (!seen(&r->seen_after, after_path)) {
		r->result->bytes_after += after;
		r->result->bytes_after_by_format[will->format] += after;
	}
	if (!seen(&r->post_seen, b))
		r->post.before += before;
	if (!seen(&r->post_seen, a))
		r->post.after += after;
}

/* Counts one planned reference: by status, the broken ones, and the
 * bytes a reader downloads now and once rewritten.  A srcset candidate
 * is not counted as shown: a browser loads one file per tag, and the
 * tag's src (the display width's) stands for it, so a post counts the
 * same bytes before and after a --srcset run adds candidates. */
static void
count_ref(Run *r, const ImgoptRefPlan *rp)
{
	ImgoptRunResult *res = r->result;
	const ImgoptRef *ref = rp->ref;

	if ((guint)ref->status < G_N_ELEMENTS(res->n_by_status))
		res->n_by_status[ref->status]++;
	if (ref->status == IMGOPT_REF_STATUS_BROKEN ||
	    ref->status == IMGOPT_REF_STATUS_OUTSIDE)
		g_ptr_array_add(res->broken, imgopt_ref_copy(ref));
	res->done += rp->kind == IMGOPT_REF_PLAN_DONE;
	res->rewritten += rp->kind == IMGOPT_REF_PLAN_REWRITTEN;
	if (rp->kind == IMGOPT_REF_PLAN_UNUSED ||
	    ref->kind == IMGOPT_REF_SRCSET)
		return;
	const ImgoptAsset *asset = g_hash_table_lookup(r->files, ref->resolved);
	const ImgoptVariant *row =
		asset == NULL
			? g_hash_table_lookup(r->variant_of, ref->resolved)
			: NULL;
	uint64_t before =
		asset != NULL ? asset->size : file_size(r, ref->resolved);

	/* A variant gone, a check or a dry run makes again: as its row says. */
	if (before == 0 && row != NULL)
		before = row->bytes;
	const ImgoptVariant *v = rp->variant;
	/* A check's predicted variant (0 bytes) counts as its source. */
	uint64_t after = v != NULL && v->bytes > 0 ? v->bytes : before;

	ShownFile was = {ref->resolved, before,
			 shown_format(r, asset, ref->resolved)};
	ShownFile will = {rp->path, after,
			  v != NULL && v->bytes > 0 ? v->format : was.format};

	res->bytes_shown_before += before;
	res->bytes_shown_after += after;
	count_shown(r, &was, &will);
}

/* Starts counting @post's bytes (post_bytes takes r->post at the end). */
static void
post_bytes_begin(Run *r, const char *post)
{
	if (r->post_seen != NULL)
		g_hash_table_remove_all(r->post_seen);
	memset(&r->post, 0, sizeof r->post);
	r->post.post = g_strdup(post);
}

/* What planning needs of the run. */
static ImgoptPlanInput
plan_input(const Run *r)
{
	const GArray *w = r->opt->settings->widths;
	ImgoptPlanInput in = {
		.baseurl = imgopt_site_get_baseurl(r->site),
		.originals = r->originals,
		/* A dry run's new variants exist only in memory, a check's
		 * only in name. */
		.root = r->opt->mode == IMGOPT_RUN_APPLY
				? imgopt_site_get_root(r->site)
				: NULL,
		.out_dir = r->out_dir,
		.files = r->files,
		.variants = r->variants,
		.variant_of = r->variant_of,
		.display_width = r->opt->display_width,
		.banner_width = w->len > 0
					? g_array_index(w, uint32_t, w->len - 1)
					: G_MAXUINT32,
		/* A renderer that drops raw HTML would drop the <img> a
		 * Markdown image becomes: it stays Markdown there. */
		.use_srcset = r->opt->use_srcset &&
			      imgopt_site_renders_raw_html(r->site),
		.link_format = r->opt->settings->link_format,
		.site = r->site,
		.named = r->named,
	};

	return in;
}

/* Scans @plan's bytes, has the rewrite stage plan their edits, counts
 * what the post shows and builds its new bytes. */
static void
plan_edits(Run *r, PostPlan *plan)
{
	gsize len = 0;
	const char *text = g_bytes_get_data(plan->old_bytes, &len);
	g_autoptr(GError) local = NULL;
	const GPtrArray *refs = plan->refs;
	ImgoptPlanInput in = plan_input(r);

	r->result->references += refs->len;
	g_autoptr(GArray) planned =
		imgopt_rewrite_plan_post(&in, text, len, refs, plan->edits);
	post_bytes_begin(r, plan->post);
	for (guint i = 0; i < planned->len; i++)
		count_ref(r, &g_array_index(planned, ImgoptRefPlan, i));
	/* Every post has its line; another file only if it shows images. */
	if (plan->kind == IMGOPT_REFERRER_POST || refs->len > 0)
		g_array_append_val(r->result->post_bytes, r->post);
	else
		g_free(r->post.post);
	memset(&r->post, 0, sizeof r->post);
	if (plan->edits->len == 0)
		return;
	plan->new_bytes = imgopt_rewrite_text(text, len, plan->edits, &local);
	if (plan->new_bytes == NULL)
		add_problem(r, plan->post, local->message);
}

/* Whether a file that would change may be rewritten; if not, says why
 * (an error: the file stays as it is).  The atomic replace gives the
 * name a new inode, so a file with several hard links would be split:
 * the other names would keep the old bytes. */
static bool
may_rewrite(Run *r, const PostPlan *plan)
{
	if (plan->n_links <= 1)
		return true;
	g_autofree char *msg = g_strdup_printf(
		"'%s' has %lu hard links: rewriting it would split them; "
		"not rewritten",
		plan->post, plan->n_links);
	add_problem(r, plan->post, msg);
	return false;
}

/* Plans one referrer read and scanned before (its problem, if it could
 * not be, reported now). */
static void
plan_post(Run *r, PostPlan *plan)
{
	if (plan->problem != NULL) {
		add_problem(r, plan->post, plan->problem);
		r->has_unplanned = true;
		return;
	}
	uint64_t rewritten = r->result->rewritten;
	plan_edits(r, plan);
	if (plan->new_bytes != NULL && !may_rewrite(r, plan)) {
		g_clear_pointer(&plan->new_bytes, g_bytes_unref);
		r->result->rewritten = rewritten;
	}
}

static ImgoptPostChange *
change_new(const PostPlan *plan, bool with_diff)
{
	ImgoptPostChange *ch = g_new0(ImgoptPostChange, 1);
	gsize n_old = 0, n_new = 0;
	const char *o = g_bytes_get_data(plan->old_bytes, &n_old);
	const char *n = g_bytes_get_data(plan->new_bytes, &n_new);

	ch->post = g_strdup(plan->post);
	ch->kind = plan->kind;
	ch->n_edits = plan->edits->len;
	imgopt_hash_buffer(o, n_old, &ch->before);
	imgopt_hash_buffer(n, n_new, &ch->after);
	if (with_diff)
		ch->diff = imgopt_diff_unified(plan->post, o, n_old, n, n_new,
					       plan->edits);
	return ch;
}

/* Removes what a killed run's writes left: the temporary files beside
 * the referrers and in the variant folder.  The caller holds the site
 * lock. */
static bool
remove_debris(const Run *r, const GPtrArray *referrers, GError **error)
{
	const char *root = imgopt_site_get_root(r->site);
	g_autoptr(GHashTable) dirs =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *out = g_build_filename(root, r->out_dir, NULL);
	GHashTableIter it;
	gpointer dir;

	for (guint i = 0; i < referrers->len; i++)
		g_hash_table_add(
			dirs,
			g_path_get_dirname(
				((const ImgoptReferrer *)referrers->pdata[i])
					->path));
	g_hash_table_iter_init(&it, dirs);
	while (g_hash_table_iter_next(&it, &dir, NULL)) {
		g_autofree char *full = g_build_filename(root, dir, NULL);

		if (!imgopt_atomic_remove_stale(full, false, removed, error))
			return false;
	}
	g_autofree char *marks = g_build_filename(out, IMGOPT_MARK_DIR, NULL);
	if (!imgopt_atomic_remove_stale(out, true, removed, error) ||
	    !imgopt_atomic_remove_stale(marks, true, removed, error))
		return false;
	for (guint i = 0; i < removed->len; i++)
		g_debug("removed '%s', left by an interrupted write",
			(char *)g_ptr_array_index(removed, i));
	return true;
}

/* Reads every referrer (the posts alone with --only-posts) into @posts. */
static bool
run_read(Run *r, GPtrArray *posts, GError **error)
{
	g_autoptr(GPtrArray) referrers = imgopt_referrers_list_scope(
		r->site, r->opt->only_posts, NULL, error);

	if (referrers == NULL)
		return false;
	if (r->opt->mode == IMGOPT_RUN_APPLY &&
	    !remove_debris(r, referrers, error))
		return false;
	for (guint i = 0; i < referrers->len; i++) {
		const ImgoptReferrer *referrer =
			g_ptr_array_index(referrers, i);

		r->result->posts += referrer->kind == IMGOPT_REFERRER_POST;
		g_ptr_array_add(posts, read_post(r, referrer));
	}
	return true;
}

/* Plans every referrer read; those that change go to @plans. */
static void
run_plan(Run *r, GPtrArray *posts, GPtrArray *plans)
{
	r->named = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < posts->len; i++) {
		PostPlan *plan = g_ptr_array_index(posts, i);

		plan_post(r, plan);
		if (r->observer != NULL && r->observer->progress != NULL)
			r->observer->progress("plan", i + 1, posts->len, 0,
					      r->observer->user_data);
		if (plan->new_bytes == NULL)
			continue;
		g_ptr_array_add(
			r->result->changes,
			change_new(plan, r->opt->mode == IMGOPT_RUN_DRY_RUN));
		g_ptr_array_add(plans, g_steal_pointer(&posts->pdata[i]));
	}
}

/* A variant written (or, in a dry run, to write) that no planned post
 * names after all: a wider one, wanted for a page that shows its source
 * instead, where the width it links turned out no smaller than the
 * source.  Not with --only-posts, nor when a referrer could not be read:
 * those files were not planned. */
static bool
is_unlinked(const Run *r, const char *path)
{
	return !r->opt->only_posts && !r->has_unplanned &&
	       !g_hash_table_contains(r->named, path);
}

/* Removes the variant files this run wrote that nothing links: files
 * first, then their rows (a row whose file is gone is made again). */
static bool
drop_unlinked(Run *r, GError **error)
{
	GPtrArray *files = r->result->variant_files;
	g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
	const char *root = imgopt_site_get_root(r->site);

	for (guint i = files->len; i > 0; i--) {
		const char *path = g_ptr_array_index(files, i - 1);
		g_autofree char *full = g_build_filename(root, path, NULL);

		if (!is_unlinked(r, path))
			continue;
		if (r->opt->mode == IMGOPT_RUN_APPLY && g_unlink(full) != 0 &&
		    errno != ENOENT)
			continue;
		g_ptr_array_add(gone, g_strdup(path));
		g_ptr_array_remove_index(files, i - 1);
		r->result->n_written -= r->result->n_written > 0;
	}
	if (r->opt->mode != IMGOPT_RUN_APPLY || gone->len == 0)
		return true;
	if (!imgopt_manifest_begin(r->manifest, error))
		return false;
	if (!imgopt_manifest_delete_variants(r->manifest, gone, error)) {
		imgopt_manifest_rollback(r->manifest);
		return false;
	}
	return imgopt_manifest_commit(r->manifest, error);
}

/* ---- 5. write ---- */

/* The intent log: every rewrite recorded before any post changes. */
static bool
record_rewrites(Run *r, const GPtrArray *plans, GError **error)
{
	if (!imgopt_manifest_begin(r->manifest, error))
		return false;
	bool is_ok = imgopt_manifest_begin_run(r->manifest, "run",
					       &r->result->run_id, error);
	for (guint i = 0; is_ok && i < plans->len; i++) {
		const PostPlan *plan = g_ptr_array_index(plans, i);
		const ImgoptPostChange *ch =
			g_ptr_array_index(r->result->changes, i);
		g_autofree char *edits =
			imgopt_rewrite_format_edits(plan->edits);
		ImgoptRewrite rw = {r->result->run_id, plan->post, ch->before,
				    ch->after, edits};

		is_ok = imgopt_manifest_put_rewrite(r->manifest, &rw, error);
	}
	if (!is_ok) {
		imgopt_manifest_rollback(r->manifest);
		return false;
	}
	if (!imgopt_manifest_commit(r->manifest, error))
		return false;
	imgopt_fault_point();
	return true;
}

/* Writes one post if it still holds the bytes the plan was made from. */
static bool
write_post(Run *r, const PostPlan *plan, ImgoptPostChange *ch, GError **error)
{
	g_autofree char *full = g_build_filename(imgopt_site_get_root(r->site),
						 plan->post, NULL);
	g_autofree char *now = NULL;
	gsize n_now = 0, n_new = 0;

	gsize n_old = 0;
	const char *old = g_bytes_get_data(plan->old_bytes, &n_old);

	if (!g_file_get_contents(full, &now, &n_now, NULL) || n_now != n_old ||
	    memcmp(now, old, n_old) != 0) {
		g_autofree char *msg = g_strdup_printf(
			"'%s' changed during the run; not rewritten",
			plan->post);
		add_problem(r, plan->post, msg);
		return true;
	}
	const char *data = g_bytes_get_data(plan->new_bytes, &n_new);
	if (!imgopt_atomic_replace(full, data, n_new, plan->mode, error)) {
		g_prefix_error(error, "cannot rewrite '%s': ", plan->post);
		return false;
	}
	ch->is_written = true;
	/* The mode bits say it, not a failing write: root writes anything. */
	if ((plan->mode & S_IWUSR) == 0) {
		g_autofree char *msg = g_strdup_printf(
			"rewrote read-only '%s' (its mode is kept)",
			plan->post);
		g_ptr_array_add(r->result->notices,
				imgopt_problem_new(plan->post, msg));
	}
	imgopt_fault_point();
	return true;
}

/* The index stored each post's references as it found them; a rewritten
 * post's are replaced by those of its new bytes, so the manifest says
 * what the posts reference now (prune relies on it). */
static bool
store_new_refs(Run *r, const GPtrArray *plans, GError **error)
{
	for (guint i = 0; i < plans->len; i++) {
		const PostPlan *plan = g_ptr_array_index(plans, i);
		const ImgoptPostChange *ch =
			g_ptr_array_index(r->result->changes, i);
		gsize len = 0;
		const char *text = g_bytes_get_data(plan->new_bytes, &len);

		if (!ch->is_written)
			continue;
		g_autoptr(GPtrArray) refs = imgopt_referrers_scan_text(
			r->site, plan->kind, plan->post, text, len, error);
		if (refs == NULL)
			return false;
		for (guint j = 0; j < refs->len; j++)
			imgopt_site_resolve_ref(r->site,
						g_ptr_array_index(refs, j));
		if (!imgopt_manifest_replace_refs(r->manifest, plan->post, refs,
						  error))
			return false;
	}
	return true;
}

static bool
run_write(Run *r, const GPtrArray *plans, GError **error)
{
	if (!record_rewrites(r, plans, error))
		return false;
	for (guint i = 0; i < plans->len; i++)
		if (!write_post(r, g_ptr_array_index(plans, i),
				g_ptr_array_index(r->result->changes, i),
				error))
			return false;
	if (!imgopt_manifest_begin(r->manifest, error))
		return false;
	if (!store_new_refs(r, plans, error) ||
	    !imgopt_manifest_end_run(
		    r->manifest, r->result->run_id,
		    r->result->errors->len > 0 ? "failed" : "ok", error)) {
		imgopt_manifest_rollback(r->manifest);
		return false;
	}
	return imgopt_manifest_commit(r->manifest, error);
}

static int
change_cmp(gconstpointer a, gconstpointer b)
{
	const ImgoptPostChange *x = *(const ImgoptPostChange *const *)a;
	const ImgoptPostChange *y = *(const ImgoptPostChange *const *)b;

	return strcmp(x->post, y->post);
}

bool
imgopt_run_site(const ImgoptSite *site, ImgoptManifest *manifest,
		const ImgoptRunOptions *options, const ImgoptObserver *observer,
		ImgoptRunResult **result_out, GError **error)
{
	g_return_val_if_fail(site != NULL && manifest != NULL, false);
	g_return_val_if_fail(options != NULL && options->settings != NULL,
			     false);
	g_return_val_if_fail(result_out != NULL, false);
	g_return_val_if_fail(error == NULL || *error == NULL, false);

	g_auto(Run) r = {.site = site,
			 .manifest = manifest,
			 .opt = options,
			 .observer = observer,
			 .result = result_new()};
	g_autoptr(GPtrArray) plans =
		g_ptr_array_new_with_free_func((GDestroyNotify)post_plan_free);
	g_autoptr(GPtrArray) posts =
		g_ptr_array_new_with_free_func((GDestroyNotify)post_plan_free);
	const char *images = imgopt_site_get_images_dir(site);

	*result_out = NULL;
	r.fingerprint = imgopt_settings_fingerprint(options->settings);
	r.out_dir = *images != '\0'
			    ? g_build_filename(images, IMGOPT_OUTPUT_DIR, NULL)
			    : g_strdup(IMGOPT_OUTPUT_DIR);
	gint64 t0 = g_get_monotonic_time();
	if (!run_index(&r, error))
		return false;
	gint64 t1 = g_get_monotonic_time();
	if (!run_read(&r, posts, error) || !run_wanted(&r, posts, error) ||
	    !run_remake(&r, posts, error) || !run_variants(&r, error))
		return false;
	settle_remade(&r);
	gint64 t2 = g_get_monotonic_time();
	run_plan(&r, posts, plans);
	if (!drop_unlinked(&r, error))
		return false;
	gint64 t3 = g_get_monotonic_time();
	if (options->mode == IMGOPT_RUN_APPLY && !run_write(&r, plans, error))
		return false;
	/* a variant placed or a post rewritten: Hexo must read them afresh */
	if (options->mode == IMGOPT_RUN_APPLY &&
	    (r.result->changes->len > 0 || r.result->variant_files->len > 0))
		imgopt_hexo_forget_cache(site);
	g_debug("run: index %.3f s, variants %.3f s, plan %.3f s, write %.3f s",
		(t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6,
		(g_get_monotonic_time() - t3) / 1e6);
	g_ptr_array_sort(r.result->changes, change_cmp);
	g_ptr_array_sort(r.result->variant_files, imgopt_fs_path_cmp);
	g_ptr_array_sort(r.result->shown, shown_cmp);
	*result_out = g_steal_pointer(&r.result);
	return true;
}

/* ---- scratch manifests for dry runs and checks ---- */

static bool
copy_file(const char *from, const char *to, GError **error)
{
	g_autofree char *data = NULL;
	gsize len = 0;

	if (!g_file_get_contents(from, &data, &len, error))
		return false;
	return g_file_set_contents(to, data, (gssize)len, error);
}

ImgoptManifest *
imgopt_run_open_scratch_manifest(const char *path, char **scratch_dir_out,
				 GError **error)
{
	g_return_val_if_fail(path != NULL && scratch_dir_out != NULL, NULL);

	*scratch_dir_out = NULL;
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return imgopt_manifest_open(":memory:", error);
	g_autofree char *dir = g_dir_make_tmp("imgopt-plan-XXXXXX", error);
	if (dir == NULL)
		return NULL;
	g_autofree char *copy = g_build_filename(dir, "manifest.db", NULL);
	/* A WAL left by a killed run holds committed rows: copy it too. */
	g_autofree char *wal = g_strconcat(path, "-wal", NULL);
	g_autofree char *wal_copy = g_strconcat(copy, "-wal", NULL);
	bool is_ok = copy_file(path, copy, error) &&
		     (!g_file_test(wal, G_FILE_TEST_IS_REGULAR) ||
		      copy_file(wal, wal_copy, error));
	ImgoptManifest *m = is_ok ? imgopt_manifest_open(copy, error) : NULL;

	if (m == NULL) {
		/* the user knows the manifest, not our copy of it */
		if (error != NULL && *error != NULL) {
			g_autoptr(GString) msg =
				g_string_new((*error)->message);
			g_string_replace(msg, copy, path, 0);
			g_free((*error)->message);
			(*error)->message =
				g_string_free(g_steal_pointer(&msg), false);
		}
		imgopt_run_remove_scratch(dir);
		return NULL;
	}
	*scratch_dir_out = g_steal_pointer(&dir);
	return m;
}

void
imgopt_run_remove_scratch(const char *dir)
{
	const char *names[] = {"manifest.db", "manifest.db-wal",
			       "manifest.db-shm"};

	if (dir == NULL)
		return;
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *p = g_build_filename(dir, names[i], NULL);
		g_unlink(p);
	}
	g_rmdir(dir);
}
