/*
 * prune.c: the prune job and restore (see prune.h): move the duplicate
 * copies and the images no post shows to the trash, and put them back.
 *
 * Design: the order of operations, so nothing is lost whenever it stops.
 *
 *   0. Recover (imgopt_prune_recover()): entries a killed run left in
 *      state "planned" are settled by looking at the files: a planned
 *      move whose file is at its trash path is "trashed", one whose file
 *      is still in place is "cancelled"; a planned deletion whose file is
 *      gone is "deleted", else "cancelled".  A "trashed" entry whose
 *      trash copy is gone was restored (its file is back: "restored") or
 *      purged by --empty-trash ("purged").  Recovery never moves a file:
 *      rename(2) is atomic, so each file is in exactly one of its two
 *      places and the manifest only has to learn which.
 *   1. Plan: the dupes job indexes and groups; then every post is scanned
 *      again, and the plan is made against that scan (prune.h says what
 *      is never removed).  Each planned file is checked: same size and
 *      mtime as indexed, a regular file, its real folder inside IMAGES.
 *   2. Record: one transaction holds the runs row and every planned move
 *      or deletion, state "planned".  Nothing has moved yet.
 *   3. Act, moves first: rename(2) each file into
 *      .imgopt/trash/<run>/<path> (same file system, atomic; never over an
 *      existing file), after checking its size and mtime once more.  Then
 *      the deletions (--delete): each file's bytes are compared with the
 *      copy that stays (in the site, or in the trash if step 3 just moved
 *      it there), and only if equal is it unlinked.
 *   4. Mark: one transaction sets each entry's final state (trashed,
 *      deleted, cancelled), forgets the removed files' index rows and ends
 *      the run.
 * A kill between 2 and 4 leaves "planned" entries, which step 0 of the
 * next command settles.  No step removes a file before the manifest knows
 * where it went, and a deletion never happens before another copy of the
 * same bytes is known to exist.
 *
 * restore is the same with the roles swapped: rename back (never over a
 * file that took the place), then mark "restored"; step 0 recognises a
 * restore killed before its marks.  --empty-trash unlinks, then marks
 * "purged".
 */
#include "imgopt/prune.h"

#include "imgopt/error.h"
#include "imgopt/index.h"
#include "imgopt/referrers.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "atomic.h"
#include "fault.h"
#include "fsio.h"
#include "hash.h"

static const char *const reason_names[] = {"duplicate", "orphan", "original"};

const char *
imgopt_prune_reason_name(ImgoptPruneReason reason)
{
	g_return_val_if_fail(reason <= IMGOPT_PRUNE_ORIGINAL, "duplicate");
	return reason_names[reason];
}

void
imgopt_prune_item_free(ImgoptPruneItem *item)
{
	if (item == NULL)
		return;
	g_free(item->path);
	g_free(item->trash_path);
	g_free(item->keep);
	g_free(item);
}

void
imgopt_prune_result_free(ImgoptPruneResult *result)
{
	if (result == NULL)
		return;
	g_clear_pointer(&result->items, g_ptr_array_unref);
	g_clear_pointer(&result->skipped, g_ptr_array_unref);
	g_clear_pointer(&result->errors, g_ptr_array_unref);
	g_clear_pointer(&result->kept_by_name, g_ptr_array_unref);
	g_free(result);
}

void
imgopt_trash_result_free(ImgoptTrashResult *result)
{
	if (result == NULL)
		return;
	g_clear_pointer(&result->entries, g_ptr_array_unref);
	g_clear_pointer(&result->skipped, g_ptr_array_unref);
	g_free(result);
}

static void
add_problem(GPtrArray *list, const char *path, const char *message)
{
	g_autofree char *full = g_strdup_printf("%s: %s", path, message);

	g_ptr_array_add(list, imgopt_problem_new(path, full));
}

/* ---- files ---- */

static char *
abs_path(const ImgoptSite *site, const char *rel)
{
	return g_build_filename(imgopt_site_get_root(site), rel, NULL);
}

static bool
lexists(const char *path)
{
	GStatBuf st;

	return g_lstat(path, &st) == 0;
}

/* Why @path may not be touched now, or NULL if it may: it must be a
 * regular file with the size and mtime it was indexed with, in a real
 * folder inside IMAGES and outside the variant folder. */
static char *
check_file(const ImgoptSite *site, const char *path, uint64_t size,
	   int64_t mtime_ns)
{
	g_autofree char *abs = abs_path(site, path);
	g_autofree char *dir = g_path_get_dirname(abs);
	g_autofree char *images =
		abs_path(site, imgopt_site_get_images_dir(site));
	g_autofree char *real_dir = imgopt_fs_realpath(dir, NULL);
	g_autofree char *real_images = imgopt_fs_realpath(images, NULL);
	struct stat st;

	if (lstat(abs, &st) != 0)
		return g_strdup("gone since it was indexed");
	if (!S_ISREG(st.st_mode))
		return g_strdup("no longer a regular file");
	if ((uint64_t)st.st_size != size ||
	    (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec !=
		    mtime_ns)
		return g_strdup("size or mtime changed since it was indexed");
	g_autofree char *rel =
		real_dir && real_images
			? imgopt_fs_relative(real_images, real_dir)
			: NULL;
	if (rel == NULL)
		return g_strdup("its folder leads outside IMAGES");
	if (strcmp(rel, IMGOPT_OUTPUT_DIR) == 0 ||
	    g_str_has_prefix(rel, IMGOPT_OUTPUT_DIR "/"))
		return g_strdup("inside imgopt's variant folder");
	return NULL;
}

/* Compares two files' bytes; false with @error set if one cannot be read. */
static bool
same_bytes(const char *a, const char *b, bool *equal_out, GError **error)
{
	g_autoptr(GMappedFile) fa = g_mapped_file_new(a, FALSE, error);
	if (fa == NULL)
		return false;
	g_autoptr(GMappedFile) fb = g_mapped_file_new(b, FALSE, error);
	if (fb == NULL)
		return false;
	gsize n = g_mapped_file_get_length(fa);

	*equal_out = n == g_mapped_file_get_length(fb) &&
		     (n == 0 || memcmp(g_mapped_file_get_contents(fa),
				       g_mapped_file_get_contents(fb), n) == 0);
	return true;
}

/* rename(2) @from to @to, creating @to's folders, never over a file. */
static bool
move_file(const char *from, const char *to, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(to);
	int saved = 0;

	if (g_mkdir_with_parents(dir, 0755) != 0)
		saved = errno;
	else if (lexists(to))
		saved = EEXIST;
	else if (rename(from, to) != 0)
		saved = errno;
	if (saved == 0)
		return true;
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
		    "cannot move '%s' to '%s': %s", from, to,
		    g_strerror(saved));
	return false;
}

/* Removes the empty folders below @dir (and @dir itself if empty). */
static void
remove_empty_dirs(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	if (d == NULL)
		return;
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree char *sub = g_build_filename(dir, name, NULL);

		if (g_file_test(sub, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(sub, G_FILE_TEST_IS_SYMLINK))
			remove_empty_dirs(sub);
	}
	g_rmdir(dir);
}

/* Why trash row @e may not be acted on, or NULL if it may: its paths come
 * from the manifest, which may come from a repository or a shared cache,
 * so both must name places inside the site, and its trash path must lie
 * in the trash. */
static char *
entry_problem(const ImgoptSite *site, const ImgoptTrashEntry *e)
{
	const char *root = imgopt_site_get_root(site);
	g_autoptr(GError) local = NULL;

	if (e->path == NULL ||
	    (e->state == IMGOPT_TRASH_TRASHED && e->trash_path == NULL))
		return g_strdup_printf(
			"the manifest's trash row %" G_GINT64_FORMAT
			" is refused, it lacks a path; nothing "
			"done",
			e->id);
	if (!imgopt_fs_check_site_path(root, e->path, &local) ||
	    (e->trash_path != NULL &&
	     !imgopt_fs_check_site_path(root, e->trash_path, &local)))
		return g_strdup_printf(
			"the manifest's trash row %" G_GINT64_FORMAT
			" is refused, %s; nothing done",
			e->id, local->message);
	if (e->keep != NULL &&
	    !imgopt_fs_check_site_path(root, e->keep, &local))
		return g_strdup_printf(
			"the manifest's trash row %" G_GINT64_FORMAT
			" is refused, %s; nothing done",
			e->id, local->message);
	if (e->trash_path != NULL &&
	    !imgopt_fs_is_below(IMGOPT_TRASH_DIR, e->trash_path))
		return g_strdup_printf(
			"the manifest's trash row %" G_GINT64_FORMAT
			" is refused, '%s' is not in the trash "
			"(" IMGOPT_TRASH_DIR "/); nothing done",
			e->id, e->trash_path);
	return NULL;
}

/* Why the trash copy of @e may not be removed for good, or NULL if it may
 * (or is gone already): it must still be the regular file prune moved
 * there, its size and hash those the manifest recorded. */
static char *
trash_copy_problem(const ImgoptSite *site, const ImgoptTrashEntry *e)
{
	const char *root = imgopt_site_get_root(site);
	g_autoptr(GError) local = NULL;
	g_autoptr(ImgoptAsset) a =
		imgopt_index_stat(root, e->trash_path, &local);

	if (a == NULL &&
	    g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
		return NULL;
	if (a == NULL)
		return g_strdup(local->message);
	if (a->size != e->size || !imgopt_index_read(root, a, NULL, &local) ||
	    !imgopt_hash_equal(&a->hash, &e->hash))
		return g_strdup_printf(
			"'%s' is not the file prune moved there (%s); left in "
			"place",
			e->trash_path,
			local ? local->message : "its size or hash differs");
	return NULL;
}

/* ---- 0. recovery ---- */

/* The state @e should have given the files, or its own if it is settled. */
static ImgoptTrashState
settled_state(const ImgoptSite *site, const ImgoptTrashEntry *e)
{
	g_autofree char *orig = abs_path(site, e->path);
	g_autofree char *trash =
		e->trash_path ? abs_path(site, e->trash_path) : NULL;

	if (e->state == IMGOPT_TRASH_PLANNED && trash == NULL)
		return lexists(orig) ? IMGOPT_TRASH_CANCELLED
				     : IMGOPT_TRASH_DELETED;
	if (e->state == IMGOPT_TRASH_PLANNED)
		return lexists(trash) && !lexists(orig)
			       ? IMGOPT_TRASH_TRASHED
			       : IMGOPT_TRASH_CANCELLED;
	if (e->state == IMGOPT_TRASH_TRASHED && !lexists(trash))
		return lexists(orig) ? IMGOPT_TRASH_RESTORED
				     : IMGOPT_TRASH_PURGED;
	return e->state;
}

bool
imgopt_prune_recover(const ImgoptSite *site, ImgoptManifest *manifest,
		     guint *n_recovered_out, GError **error)
{
	g_autoptr(GPtrArray) rows =
		imgopt_manifest_lookup_trash(manifest, 0, error);
	guint n = 0;

	if (n_recovered_out != NULL)
		*n_recovered_out = 0;
	if (rows == NULL)
		return false;
	for (guint i = 0; i < rows->len; i++) {
		const ImgoptTrashEntry *e = g_ptr_array_index(rows, i);
		g_autofree char *why = entry_problem(site, e);
		ImgoptTrashState to = why ? e->state : settled_state(site, e);

		if (to == e->state)
			continue;
		if (n == 0 && !imgopt_manifest_begin(manifest, error))
			return false;
		if (!imgopt_manifest_set_trash_state(manifest, e->id, to,
						     error)) {
			imgopt_manifest_rollback(manifest);
			return false;
		}
		n++;
	}
	if (n > 0 && !imgopt_manifest_commit(manifest, error))
		return false;
	if (n_recovered_out != NULL)
		*n_recovered_out = n;
	return true;
}

/* ---- 1. what the posts need ---- */

/* What the posts, scanned just before acting, forbid or say. */
typedef struct {
	GHashTable *protected; /* paths never removed (set) */
	GHashTable *replaced;  /* hex hashes whose variants posts show (set) */
} Needs;

static void
needs_clear(Needs *n)
{
	g_clear_pointer(&n->protected, g_hash_table_unref);
	g_clear_pointer(&n->replaced, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Needs, needs_clear)

/* The last path component a broken reference names, '%'-decoded. */
static char *
broken_name(const ImgoptRef *ref)
{
	g_autofree char *url = g_strdup(ref->url ? ref->url : ref->raw);
	char *cut = strpbrk(url, "?#");

	if (cut != NULL)
		*cut = '\0';
	g_strdelimit(url, "\\", '/');
	g_autofree char *base = g_path_get_basename(g_strstrip(url));
	char *decoded = g_uri_unescape_string(base, NULL);

	return decoded != NULL ? decoded : g_steal_pointer(&base);
}

static void
note_ref(const ImgoptSite *site, Needs *n, GHashTable *variants,
	 const ImgoptRef *ref)
{
	if ((ref->status == IMGOPT_REF_STATUS_OK ||
	     ref->status == IMGOPT_REF_STATUS_REPAIRED) &&
	    ref->resolved != NULL) {
		const char *source =
			g_hash_table_lookup(variants, ref->resolved);

		g_hash_table_add(n->protected, g_strdup(ref->resolved));
		if (source != NULL)
			g_hash_table_add(n->replaced, g_strdup(source));
	}
	else if (ref->status == IMGOPT_REF_STATUS_BROKEN) {
		g_autofree char *name = broken_name(ref);
		const GPtrArray *same = imgopt_site_lookup_name(site, name);

		for (guint i = 0; same != NULL && i < same->len; i++)
			g_hash_table_add(n->protected,
					 g_strdup(g_ptr_array_index(same, i)));
	}
}

static bool
scan_needs(const ImgoptSite *site, ImgoptManifest *manifest, bool only_posts,
	   Needs *n, GError **error)
{
	g_autoptr(GHashTable) variants =
		imgopt_manifest_load_variant_sources(manifest, error);
	if (variants == NULL)
		return false;
	g_autoptr(GPtrArray) referrers =
		imgopt_referrers_list_scope(site, only_posts, NULL, error);
	if (referrers == NULL)
		return false;
	n->protected =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	n->replaced =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < referrers->len; i++) {
		const ImgoptReferrer *referrer =
			g_ptr_array_index(referrers, i);
		g_autoptr(GPtrArray) refs =
			imgopt_referrers_scan(site, referrer, error);

		if (refs == NULL) {
			g_prefix_error(error, "prune will not guess what a "
					      "file references: ");
			return false;
		}
		g_hash_table_add(n->protected, g_strdup(referrer->path));
		for (guint j = 0; j < refs->len; j++)
			note_ref(site, n, variants, g_ptr_array_index(refs, j));
	}
	return true;
}

/* ---- 1. the plan ---- */

typedef struct {
	const ImgoptSite *site;
	const ImgoptPruneOptions *options;
	const ImgoptDupesResult *dupes;
	Needs *needs;
	GHashTable *removable; /* path → ImgoptAsset * (unreferenced images
				  under IMAGES), borrowed from dupes */
	GHashTable *done;      /* paths the plan has decided on (set) */
	ImgoptPruneResult *result;
	char *trash_dir; /* IMGOPT_TRASH_DIR/<run id> */
} Plan;

static void
plan_clear(Plan *p)
{
	g_clear_pointer(&p->removable, g_hash_table_unref);
	g_clear_pointer(&p->done, g_hash_table_unref);
	g_clear_pointer(&p->trash_dir, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Plan, plan_clear)

static bool
is_replaced(const Plan *p, const ImgoptHash *hash)
{
	char hex[IMGOPT_HASH_HEX_LEN + 1];

	imgopt_hash_format(hash, hex);
	return g_hash_table_contains(p->needs->replaced, hex);
}

/* Why a file may not be moved to @trash_path (nullable), or NULL if it
 * may: the trash folder (or a folder on the way) must not be a symlink
 * leading out of the site. */
static char *
trash_problem(const ImgoptSite *site, const char *trash_path)
{
	g_autoptr(GError) local = NULL;

	if (trash_path == NULL ||
	    imgopt_fs_check_site_path(imgopt_site_get_root(site), trash_path,
				      &local))
		return NULL;
	return g_strdup_printf("not moved to the trash: %s", local->message);
}

/* Adds @a to the plan, after checking it may be touched now. */
static void
plan_item(Plan *p, const ImgoptAsset *a, ImgoptPruneReason reason,
	  const char *keep)
{
	g_autofree char *why =
		check_file(p->site, a->path, a->size, a->mtime_ns);
	ImgoptPruneItem *it = NULL;

	g_hash_table_add(p->done, g_strdup(a->path));
	if (why != NULL) {
		add_problem(p->result->skipped, a->path, why);
		return;
	}
	it = g_new0(ImgoptPruneItem, 1);
	it->path = g_strdup(a->path);
	it->keep = g_strdup(keep);
	it->hash = a->hash;
	it->size = a->size;
	it->mtime_ns = a->mtime_ns;
	it->reason = reason;
	if (keep == NULL || !p->options->is_delete)
		it->trash_path = g_build_filename(p->trash_dir, a->path, NULL);
	why = trash_problem(p->site, it->trash_path);
	if (why != NULL) {
		add_problem(p->result->skipped, a->path, why);
		imgopt_prune_item_free(it);
		return;
	}
	g_ptr_array_add(p->result->items, it);
}

/* A content none of whose copies stays in the site: its canonical copy
 * @a stays if variants replaced it (unless --originals), else goes to the
 * trash as the last copy.  Returns whether it stays. */
static bool
plan_last_copy(Plan *p, const ImgoptAsset *a)
{
	bool is_original = is_replaced(p, &a->hash);

	if (is_original && !p->options->with_originals) {
		g_hash_table_add(p->done, g_strdup(a->path));
		p->result->n_kept_originals++;
		p->result->kept_original_bytes += a->size;
		return true;
	}
	plan_item(p, a,
		  is_original ? IMGOPT_PRUNE_ORIGINAL : IMGOPT_PRUNE_ORPHAN,
		  NULL);
	return false;
}

/* Under a site generator's output or a package folder, which the
 * generator rebuilds and posts are not listed from. */
static bool
is_generated(const char *path)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);

	for (guint i = 0; parts[i] != NULL && parts[i + 1] != NULL; i++)
		if (strcmp(parts[i], "_site") == 0 ||
		    strcmp(parts[i], "node_modules") == 0)
			return true;
	return false;
}

/* The member that stays in the site, or NULL if none may be trusted to:
 * a copy under a generator's output goes when the generator runs. */
static const char *
group_keeper(const Plan *p, const ImgoptGroup *g)
{
	const ImgoptGroupMember *canon = imgopt_group_get_canonical(g);

	if (!g_hash_table_contains(p->removable, canon->path) &&
	    !is_generated(canon->path))
		return canon->path;
	for (guint i = 0; i < g->members->len; i++) {
		const ImgoptGroupMember *m = g_ptr_array_index(g->members, i);

		if (!g_hash_table_contains(p->removable, m->path) &&
		    !is_generated(m->path))
			return m->path;
	}
	return NULL;
}

/* The copy that goes to the trash last when none stays: the canonical
 * one if it may go, else the first that may. */
static const ImgoptAsset *
group_last_copy(const Plan *p, const ImgoptGroup *g)
{
	const ImgoptGroupMember *canon = imgopt_group_get_canonical(g);
	const ImgoptAsset *a = g_hash_table_lookup(p->removable, canon->path);

	for (guint i = 0; a == NULL && i < g->members->len; i++) {
		const ImgoptGroupMember *m = g_ptr_array_index(g->members, i);

		a = g_hash_table_lookup(p->removable, m->path);
	}
	return a;
}

static void
plan_group(Plan *p, const ImgoptGroup *g)
{
	const char *keep = group_keeper(p, g);

	if (keep == NULL) {
		const ImgoptAsset *last = group_last_copy(p, g);

		if (last == NULL)
			return;
		plan_last_copy(p, last);
		keep = last->path;
	}
	for (guint i = 0; i < g->members->len; i++) {
		const ImgoptGroupMember *m = g_ptr_array_index(g->members, i);
		const ImgoptAsset *a =
			g_hash_table_lookup(p->removable, m->path);

		if (a == NULL || g_hash_table_contains(p->done, m->path))
			continue;
		plan_item(p, a, IMGOPT_PRUNE_DUPLICATE, keep);
	}
}

static int
item_path_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp((*(ImgoptPruneItem *const *)a)->path,
		      (*(ImgoptPruneItem *const *)b)->path);
}

static void
make_plan(Plan *p)
{
	const GPtrArray *orphans = p->dupes->orphans;

	p->removable = g_hash_table_new(g_str_hash, g_str_equal);
	p->done = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < orphans->len; i++) {
		ImgoptAsset *a = g_ptr_array_index(orphans, i);

		if (g_hash_table_contains(p->needs->protected, a->path) ||
		    is_generated(a->path))
			continue;
		if (!a->has_hash && a->size > 0)
			add_problem(p->result->skipped, a->path,
				    "not hashed: its content is unknown");
		else
			g_hash_table_insert(p->removable, a->path, a);
	}
	for (guint i = 0; i < p->dupes->groups->len; i++)
		plan_group(p, g_ptr_array_index(p->dupes->groups, i));
	for (guint i = 0; i < orphans->len; i++) {
		const ImgoptAsset *a = g_ptr_array_index(orphans, i);

		if (g_hash_table_contains(p->removable, a->path) &&
		    !g_hash_table_contains(p->done, a->path))
			plan_last_copy(p, a);
	}
	g_ptr_array_sort(p->result->items, item_path_cmp);
	g_ptr_array_sort(p->result->skipped, imgopt_problem_path_cmp);
}

/* ---- 2. record ---- */

static bool
record_plan(ImgoptManifest *manifest, ImgoptPruneResult *r, GArray *ids,
	    GError **error)
{
	if (!imgopt_manifest_begin(manifest, error))
		return false;
	for (guint i = 0; i < r->items->len; i++) {
		const ImgoptPruneItem *it = g_ptr_array_index(r->items, i);
		ImgoptTrashEntry e = {0,
				      r->run_id,
				      it->path,
				      it->trash_path,
				      it->keep,
				      it->hash,
				      it->size,
				      it->mtime_ns,
				      IMGOPT_TRASH_PLANNED,
				      0};

		if (!imgopt_manifest_put_trash(manifest, &e, error)) {
			imgopt_manifest_rollback(manifest);
			return false;
		}
		g_array_append_val(ids, e.id);
	}
	if (!imgopt_manifest_commit(manifest, error))
		return false;
	imgopt_fault_point();
	return true;
}

/* ---- 3. act ---- */

/* Where the bytes @it is compared with are now. */
static char *
keeper_path(const ImgoptSite *site, const ImgoptPruneResult *r,
	    const ImgoptPruneItem *it)
{
	for (guint i = 0; i < r->items->len; i++) {
		const ImgoptPruneItem *k = g_ptr_array_index(r->items, i);

		if (strcmp(k->path, it->keep) == 0 && k->trash_path != NULL)
			return abs_path(site, k->trash_path);
	}
	return abs_path(site, it->keep);
}

/* Moves or deletes @it; its new state, with a problem added if none. */
static ImgoptTrashState
act_one(const ImgoptSite *site, ImgoptPruneResult *r, const ImgoptPruneItem *it)
{
	g_autofree char *why =
		check_file(site, it->path, it->size, it->mtime_ns);
	g_autofree char *abs = abs_path(site, it->path);
	g_autoptr(GError) local = NULL;
	bool is_equal = false;

	if (why == NULL)
		why = trash_problem(site, it->trash_path);
	if (why != NULL) {
		add_problem(r->skipped, it->path, why);
		return IMGOPT_TRASH_CANCELLED;
	}
	if (it->trash_path != NULL) {
		g_autofree char *to = abs_path(site, it->trash_path);

		if (!move_file(abs, to, &local)) {
			add_problem(r->errors, it->path, local->message);
			return IMGOPT_TRASH_CANCELLED;
		}
		return IMGOPT_TRASH_TRASHED;
	}
	g_autofree char *keep = keeper_path(site, r, it);
	if (!same_bytes(abs, keep, &is_equal, &local) || !is_equal) {
		add_problem(r->skipped, it->path,
			    local ? local->message
				  : "differs from the copy that stays");
		return IMGOPT_TRASH_CANCELLED;
	}
	if (g_unlink(abs) != 0) {
		add_problem(r->errors, it->path, g_strerror(errno));
		return IMGOPT_TRASH_CANCELLED;
	}
	return IMGOPT_TRASH_DELETED;
}

/* Acts on every item, moves first; @states gets each one's outcome. */
static void
act_all(const ImgoptSite *site, ImgoptPruneResult *r, GArray *states)
{
	g_array_set_size(states, r->items->len);
	for (int pass = 0; pass < 2; pass++)
		for (guint i = 0; i < r->items->len; i++) {
			const ImgoptPruneItem *it =
				g_ptr_array_index(r->items, i);

			if ((it->trash_path != NULL) != (pass == 0))
				continue;
			g_array_index(states, ImgoptTrashState, i) =
				act_one(site, r, it);
			imgopt_fault_point();
		}
}

/* ---- 4. mark ---- */

static bool
mark_states(ImgoptManifest *manifest, ImgoptPruneResult *r, GArray *ids,
	    GArray *states, GError **error)
{
	if (!imgopt_manifest_begin(manifest, error))
		return false;
	for (guint i = 0; i < r->items->len; i++) {
		const ImgoptPruneItem *it = g_ptr_array_index(r->items, i);
		ImgoptTrashState st =
			g_array_index(states, ImgoptTrashState, i);

		if (!imgopt_manifest_set_trash_state(
			    manifest, g_array_index(ids, int64_t, i), st,
			    error) ||
		    (st != IMGOPT_TRASH_CANCELLED &&
		     !imgopt_manifest_delete_file(manifest, it->path, error))) {
			imgopt_manifest_rollback(manifest);
			return false;
		}
	}
	if (!imgopt_manifest_end_run(manifest, r->run_id,
				     r->errors->len ? "failed" : "ok", error)) {
		imgopt_manifest_rollback(manifest);
		return false;
	}
	return imgopt_manifest_commit(manifest, error);
}

/* Drops the items that were not done and counts the rest. */
static void
keep_done(ImgoptPruneResult *r, GArray *states)
{
	g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_prune_item_free);

	for (guint i = 0; i < r->items->len; i++) {
		ImgoptTrashState st =
			g_array_index(states, ImgoptTrashState, i);

		if (st == IMGOPT_TRASH_CANCELLED)
			continue;
		g_ptr_array_add(done, g_ptr_array_steal_index(r->items, i));
		g_ptr_array_insert(r->items, i, NULL);
	}
	g_ptr_array_unref(r->items); /* frees the cancelled ones */
	r->items = g_steal_pointer(&done);
	g_ptr_array_sort(r->skipped, imgopt_problem_path_cmp);
}

static void
count_items(ImgoptPruneResult *r)
{
	r->duplicate_bytes = r->orphan_bytes = r->original_bytes = 0;
	r->n_trashed = r->n_deleted = 0;
	for (guint i = 0; i < r->items->len; i++) {
		const ImgoptPruneItem *it = g_ptr_array_index(r->items, i);

		if (it->reason == IMGOPT_PRUNE_DUPLICATE)
			r->duplicate_bytes += it->size;
		else if (it->reason == IMGOPT_PRUNE_ORPHAN)
			r->orphan_bytes += it->size;
		else
			r->original_bytes += it->size;
		if (it->trash_path != NULL)
			r->n_trashed++;
		else
			r->n_deleted++;
	}
}

/* ---- the prune job ---- */

static bool
begin_prune_run(ImgoptManifest *manifest, int64_t *run_id_out, GError **error)
{
	if (!imgopt_manifest_begin(manifest, error))
		return false;
	if (!imgopt_manifest_begin_run(manifest, "prune", run_id_out, error)) {
		imgopt_manifest_rollback(manifest);
		return false;
	}
	return imgopt_manifest_commit(manifest, error);
}

static ImgoptPruneResult *
result_new(void)
{
	ImgoptPruneResult *r = g_new0(ImgoptPruneResult, 1);

	r->items = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_prune_item_free);
	r->skipped = imgopt_problem_list_new();
	r->errors = imgopt_problem_list_new();
	r->kept_by_name = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_kept_by_name_free);
	return r;
}

/* Index and scan, then plan: steps 0 and 1. */
static bool
plan_prune(const ImgoptSite *site, ImgoptManifest *manifest,
	   const ImgoptPruneOptions *options, const ImgoptObserver *observer,
	   ImgoptPruneResult *r, GError **error)
{
	g_autoptr(ImgoptDupesResult) dupes = NULL;
	g_auto(Needs) needs = {0};
	g_auto(Plan) p = {0};
	ImgoptDupesOptions dopt = {.jobs = options->jobs,
				   .only_posts = options->only_posts};

	if (!imgopt_prune_recover(site, manifest, &r->n_recovered, error) ||
	    !imgopt_dupes_run(site, &dopt, manifest, observer, &dupes, error) ||
	    !scan_needs(site, manifest, options->only_posts, &needs, error) ||
	    !begin_prune_run(manifest, &r->run_id, error))
		return false;
	for (guint i = 0; i < dupes->errors->len; i++) {
		const ImgoptProblem *e = g_ptr_array_index(dupes->errors, i);

		add_problem(r->errors, e->path, e->message);
	}
	for (guint i = 0; i < dupes->kept_by_name->len; i++)
		g_ptr_array_add(
			r->kept_by_name,
			g_steal_pointer(&dupes->kept_by_name->pdata[i]));
	p.site = site;
	p.options = options;
	p.dupes = dupes;
	p.needs = &needs;
	p.result = r;
	p.trash_dir = g_strdup_printf(IMGOPT_TRASH_DIR "/%" G_GINT64_FORMAT,
				      r->run_id);
	make_plan(&p);
	return true;
}

bool
imgopt_prune_site(const ImgoptSite *site, ImgoptManifest *manifest,
		  const ImgoptPruneOptions *options,
		  const ImgoptObserver *observer,
		  ImgoptPruneResult **result_out, GError **error)
{
	g_return_val_if_fail(site && manifest && options && result_out, false);
	g_autoptr(ImgoptPruneResult) r = result_new();
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	g_autoptr(GArray) states =
		g_array_new(FALSE, TRUE, sizeof(ImgoptTrashState));

	*result_out = NULL;
	if (!plan_prune(site, manifest, options, observer, r, error))
		return false;
	if (!options->is_dry_run) {
		if (!record_plan(manifest, r, ids, error))
			return false;
		act_all(site, r, states);
		if (!mark_states(manifest, r, ids, states, error))
			return false;
		imgopt_fault_point();
		keep_done(r, states);
	}
	count_items(r);
	*result_out = g_steal_pointer(&r);
	return true;
}

/* ---- restore and --empty-trash ---- */

static ImgoptTrashResult *
trash_result_new(void)
{
	ImgoptTrashResult *r = g_new0(ImgoptTrashResult, 1);

	r->entries = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_trash_entry_free);
	r->skipped = imgopt_problem_list_new();
	return r;
}

/* Whether restore can put @e back: it is in the trash, or --delete
 * removed it and the copy of its bytes that stayed is still there. */
static bool
is_restorable(const ImgoptSite *site, const ImgoptTrashEntry *e)
{
	g_autofree char *why = entry_problem(site, e);

	if (why != NULL)
		return false;
	if (e->state == IMGOPT_TRASH_TRASHED)
		return true;
	if (e->state != IMGOPT_TRASH_DELETED || e->keep == NULL)
		return false;
	g_autofree char *keep = abs_path(site, e->keep);
	return lexists(keep);
}

/* The latest run with files to restore, or 0. */
static int64_t
latest_trash_run(const ImgoptSite *site, const GPtrArray *rows)
{
	int64_t run = 0;

	for (guint i = 0; i < rows->len; i++) {
		const ImgoptTrashEntry *e = g_ptr_array_index(rows, i);

		if (e->run_id > run && is_restorable(site, e))
			run = e->run_id;
	}
	return run;
}

/* Marks every entry of @r as @state in one transaction, in a runs row
 * named @command. */
static bool
mark_entries(ImgoptManifest *manifest, const char *command,
	     ImgoptTrashResult *r, ImgoptTrashState state, GError **error)
{
	int64_t run_id = 0;

	if (!imgopt_manifest_begin(manifest, error))
		return false;
	bool is_ok =
		imgopt_manifest_begin_run(manifest, command, &run_id, error);
	for (guint i = 0; is_ok && i < r->entries->len; i++) {
		ImgoptTrashEntry *e = g_ptr_array_index(r->entries, i);

		is_ok = imgopt_manifest_set_trash_state(manifest, e->id, state,
							error);
		e->state = state;
	}
	if (!is_ok || !imgopt_manifest_end_run(manifest, run_id, "ok", error)) {
		imgopt_manifest_rollback(manifest);
		return false;
	}
	return imgopt_manifest_commit(manifest, error);
}

/* Puts @e back, or says why not. */
static bool
restore_one(const ImgoptSite *site, const ImgoptTrashEntry *e, bool is_dry_run,
	    GPtrArray *skipped)
{
	g_autofree char *orig = abs_path(site, e->path);
	g_autofree char *trash = abs_path(site, e->trash_path);
	g_autoptr(GError) local = NULL;

	if (lexists(orig)) {
		add_problem(skipped, e->path,
			    "its place is taken again; its copy stays in the "
			    "trash");
		return false;
	}
	if (!lexists(trash)) {
		add_problem(skipped, e->path, "its trash copy is missing");
		return false;
	}
	if (is_dry_run)
		return true;
	if (!move_file(trash, orig, &local)) {
		add_problem(skipped, e->path, local->message);
		return false;
	}
	imgopt_fault_point();
	return true;
}

/* Writes again, from the copy of its bytes that stayed (@e->keep), a
 * duplicate --delete unlinked, after checking that copy's hash. */
static bool
copy_back(const ImgoptSite *site, const ImgoptTrashEntry *e, GError **error)
{
	g_autofree char *keep = e->keep ? abs_path(site, e->keep) : NULL;
	g_autofree char *orig = abs_path(site, e->path);
	g_autofree char *data = NULL;
	gsize len = 0;
	ImgoptHash h;

	if (keep == NULL) {
		g_set_error_literal(error, IMGOPT_ERROR, IMGOPT_ERROR_IO,
				    "no copy of its bytes is recorded");
		return false;
	}
	if (!g_file_get_contents(keep, &data, &len, error))
		return false;
	imgopt_hash_buffer(data, len, &h);
	if (len != e->size || !imgopt_hash_equal(&h, &e->hash)) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT,
			    "'%s', the copy of its bytes, changed since",
			    e->keep);
		return false;
	}
	g_autofree char *dir = g_path_get_dirname(orig);
	if (g_mkdir_with_parents(dir, 0755) != 0) {
		int saved = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
			    "cannot create '%s': %s", dir, g_strerror(saved));
		return false;
	}
	return imgopt_atomic_write(orig, data, len, 0644, true, error);
}

bool
imgopt_prune_put_back(const ImgoptSite *site, ImgoptManifest *manifest,
		      ImgoptTrashEntry *entry, bool is_dry_run, GError **error)
{
	g_return_val_if_fail(site != NULL && manifest != NULL, false);
	g_return_val_if_fail(entry != NULL, false);

	g_autoptr(GPtrArray) skipped = imgopt_problem_list_new();
	g_autofree char *why = entry_problem(site, entry);

	if (why != NULL) {
		g_set_error_literal(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE,
				    why);
		return false;
	}
	g_autofree char *orig = abs_path(site, entry->path);
	if (entry->state == IMGOPT_TRASH_DELETED) {
		if (!is_dry_run && !lexists(orig) &&
		    !copy_back(site, entry, error))
			return false;
	}
	else if (entry->state != IMGOPT_TRASH_TRASHED) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT,
			    "its trash copy is %s",
			    imgopt_trash_state_name(entry->state));
		return false;
	}
	else if (!restore_one(site, entry, is_dry_run, skipped)) {
		const ImgoptProblem *p = g_ptr_array_index(skipped, 0);
		g_set_error_literal(error, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT,
				    p->message);
		return false;
	}
	if (is_dry_run)
		return true;
	imgopt_fault_point();
	if (!imgopt_manifest_begin(manifest, error))
		return false;
	if (!imgopt_manifest_set_trash_state(manifest, entry->id,
					     IMGOPT_TRASH_RESTORED, error)) {
		imgopt_manifest_rollback(manifest);
		return false;
	}
	entry->state = IMGOPT_TRASH_RESTORED;
	return imgopt_manifest_commit(manifest, error);
}

static int
entry_path_cmp(gconstpointer a, gconstpointer b)
{
	const ImgoptTrashEntry *x = *(const ImgoptTrashEntry *const *)a;
	const ImgoptTrashEntry *y = *(const ImgoptTrashEntry *const *)b;

	return strcmp(x->path, y->path);
}

/* Whether the file at @path holds @e's bytes (size and hash). */
static bool
has_bytes_of(const char *path, const ImgoptTrashEntry *e)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	ImgoptHash h;

	if (!g_file_get_contents(path, &data, &len, NULL) || len != e->size)
		return false;
	imgopt_hash_buffer(data, len, &h);
	return imgopt_hash_equal(&h, &e->hash);
}

/* Orders trash rows by path, those --delete removed after the others. */
static int
deleted_last(gconstpointer a, gconstpointer b)
{
	const ImgoptTrashEntry *x = *(const ImgoptTrashEntry *const *)a;
	const ImgoptTrashEntry *y = *(const ImgoptTrashEntry *const *)b;
	int dx = x->state == IMGOPT_TRASH_DELETED;
	int dy = y->state == IMGOPT_TRASH_DELETED;

	return dx != dy ? dx - dy : entry_path_cmp(a, b);
}

/* Writes back a duplicate --delete removed, from the copy of its bytes
 * that stayed, or says why not. */
static bool
rewrite_deleted(const ImgoptSite *site, const ImgoptTrashEntry *e,
		bool is_dry_run, GPtrArray *skipped)
{
	g_autofree char *orig = abs_path(site, e->path);
	g_autoptr(GError) local = NULL;

	if (lexists(orig)) {
		/* A restore killed after writing it, before recording it. */
		if (has_bytes_of(orig, e))
			return true;
		add_problem(skipped, e->path, "its place is taken again");
		return false;
	}
	if (is_dry_run) {
		if (!is_restorable(site, e))
			add_problem(skipped, e->path,
				    "the copy of its bytes is gone");
		return is_restorable(site, e);
	}
	if (!copy_back(site, e, &local)) {
		add_problem(skipped, e->path, local->message);
		return false;
	}
	imgopt_fault_point();
	return true;
}

static bool
restore_rows(const ImgoptSite *site, ImgoptManifest *manifest, GPtrArray *rows,
	     bool is_dry_run, ImgoptTrashResult *r, GError **error)
{
	/* Trashed files first: a deleted duplicate is written again from a
	 * copy that may be among them. */
	g_ptr_array_sort(rows, deleted_last);
	for (guint i = 0; i < rows->len; i++) {
		ImgoptTrashEntry *e = g_ptr_array_index(rows, i);

		g_autofree char *why = entry_problem(site, e);

		if (why != NULL && (e->state == IMGOPT_TRASH_TRASHED ||
				    e->state == IMGOPT_TRASH_DELETED)) {
			add_problem(r->skipped, e->path ? e->path : "", why);
			continue;
		}
		if (e->state == IMGOPT_TRASH_DELETED) {
			if (!rewrite_deleted(site, e, is_dry_run, r->skipped))
				continue;
			r->n_deleted++;
		}
		else if (e->state != IMGOPT_TRASH_TRASHED ||
			 !restore_one(site, e, is_dry_run, r->skipped))
			continue;
		r->bytes += e->size;
		g_ptr_array_add(r->entries, g_ptr_array_steal_index(rows, i));
		g_ptr_array_insert(rows, i, NULL);
	}
	g_ptr_array_sort(r->entries, entry_path_cmp);
	if (is_dry_run || r->entries->len == 0)
		return true;
	if (!mark_entries(manifest, "restore", r, IMGOPT_TRASH_RESTORED, error))
		return false;
	imgopt_fault_point();
	g_autofree char *dir =
		g_strdup_printf("%s/" IMGOPT_TRASH_DIR "/%" G_GINT64_FORMAT,
				imgopt_site_get_root(site), r->run_id);
	remove_empty_dirs(dir);
	return true;
}

bool
imgopt_prune_restore(const ImgoptSite *site, ImgoptManifest *manifest,
		     int64_t run_id, bool is_dry_run,
		     ImgoptTrashResult **result_out, GError **error)
{
	g_autoptr(ImgoptTrashResult) r = trash_result_new();
	g_autoptr(GPtrArray) all = NULL;

	*result_out = NULL;
	if (!is_dry_run &&
	    !imgopt_prune_recover(site, manifest, &r->n_recovered, error))
		return false;
	all = imgopt_manifest_lookup_trash(manifest, 0, error);
	if (all == NULL)
		return false;
	r->run_id = run_id != 0 ? run_id : latest_trash_run(site, all);
	g_autoptr(GPtrArray) rows =
		imgopt_manifest_lookup_trash(manifest, r->run_id, error);
	if (rows == NULL)
		return false;
	if (run_id != 0 && rows->len == 0) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_PARSE,
			    "run %" G_GINT64_FORMAT " moved nothing to the "
			    "trash",
			    run_id);
		return false;
	}
	if (!restore_rows(site, manifest, rows, is_dry_run, r, error))
		return false;
	*result_out = g_steal_pointer(&r);
	return true;
}

static void
purge_rows(const ImgoptSite *site, GPtrArray *rows, int64_t max_age_us,
	   bool is_dry_run, ImgoptTrashResult *r)
{
	int64_t now = g_get_real_time();

	for (guint i = 0; i < rows->len; i++) {
		ImgoptTrashEntry *e = g_ptr_array_index(rows, i);
		g_autofree char *trash = NULL;

		if (e->state != IMGOPT_TRASH_TRASHED ||
		    now - e->changed_us < max_age_us)
			continue;
		g_autofree char *why = entry_problem(site, e);
		if (why == NULL)
			why = trash_copy_problem(site, e);
		if (why != NULL) {
			add_problem(r->skipped, e->path ? e->path : "", why);
			continue;
		}
		trash = abs_path(site, e->trash_path);
		if (!is_dry_run && g_unlink(trash) != 0 && errno != ENOENT) {
			add_problem(r->skipped, e->trash_path,
				    g_strerror(errno));
			continue;
		}
		if (!is_dry_run)
			imgopt_fault_point();
		r->bytes += e->size;
		g_ptr_array_add(r->entries, g_ptr_array_steal_index(rows, i));
		g_ptr_array_insert(rows, i, NULL);
	}
	g_ptr_array_sort(r->entries, entry_path_cmp);
}

bool
imgopt_prune_empty_trash(const ImgoptSite *site, ImgoptManifest *manifest,
			 int64_t max_age_us, bool is_dry_run,
			 ImgoptTrashResult **result_out, GError **error)
{
	g_autoptr(ImgoptTrashResult) r = trash_result_new();

	*result_out = NULL;
	if (!is_dry_run &&
	    !imgopt_prune_recover(site, manifest, &r->n_recovered, error))
		return false;
	g_autoptr(GPtrArray) rows =
		imgopt_manifest_lookup_trash(manifest, 0, error);
	if (rows == NULL)
		return false;
	purge_rows(site, rows, max_age_us, is_dry_run, r);
	if (!is_dry_run && r->entries->len > 0) {
		if (!mark_entries(manifest, "empty-trash", r,
				  IMGOPT_TRASH_PURGED, error))
			return false;
		g_autofree char *dir = g_build_filename(
			imgopt_site_get_root(site), IMGOPT_TRASH_DIR, NULL);
		remove_empty_dirs(dir);
	}
	*result_out = g_steal_pointer(&r);
	return true;
}
