/*
 * dupes.c: the dupes job (see dupes.h): find the duplicate and orphan
 * images of a site, caching what it learns in the manifest.
 *
 * Who does what:
 *
 *   main thread                          hashing pool (--jobs threads)
 *   ───────────                          ─────────────────────────────
 *   scan posts, resolve references
 *   list candidates (IMAGES walk +
 *     referenced files), load the
 *     manifest's files table
 *   push batches of BATCH paths  ──────► lstat; unchanged since the
 *                                         manifest? keep the cached row;
 *                                         else read: hash + probe; files
 *                                         to hash come by size class and
 *                                         are compared with the class's
 *                                         bytes held as they are read
 *   pop batch results ◄────────────────── (GAsyncQueue, results by move)
 *   nominate groups (hash, size)
 *   confirm them byte for byte (skipped
 *     for pairs proven equal as they were
 *     read, and for pairs confirmed in an
 *     earlier run and unchanged since)
 *   orphans; the result handed out
 *     (on_result) while the writer ends
 *
 *   writer thread (writer.h), from the end of the scan on, in order:
 *     the references of the posts scanned, the rows of the files
 *     indexed (as the batches come back), the confirmation tokens,
 *     the rows of vanished files and the runs row; committed once a
 *     second and at the end.
 *
 * Until the scan is done the main thread reads and writes the manifest;
 * from then on the writer alone does: the main thread queues the rows to
 * write and goes on.  The writes only read what the main thread no longer
 * changes (the posts' references and records once scanned, each file's
 * ImgoptAsset once indexed, the groups once confirmed).  Workers never
 * touch SQLite.  Results arrive in any order; everything is sorted by
 * path before it leaves.
 *
 * Proven as read.  Reading a duplicate twice, once to hash it and once to
 * compare it, was half of a first run's reading; so the files to hash are
 * read by size class (sorted by size, a class never split between
 * batches), whole into memory, and each worker holds the distinct bytes
 * of the class it reads (imgopt_index_read_matched(), HELD_BUDGET): a file
 * equal byte for byte to held bytes is recorded as such (@same_as), and
 * two files recorded equal to the same bytes need no comparison.  Each
 * file was stable while read (fstat() before and after), so they were
 * equal when read: the same promise as the token cache below, whose files
 * are trusted from their stat at the start of the run.  A change after
 * the read is the memo's to notice (its state is taken before the job).
 *
 * The byte-comparison cache.  Confirming a group reads every member again,
 * which would make an unchanged re-run as slow as the first one.  So each
 * confirmed member gets a token naming the class representative it was
 * compared with, including the representative's size, mtime and inode at
 * that time.  Two files both unchanged since, holding the same token,
 * were compared equal to the same bytes: they are equal.  A file whose
 * bytes change loses its token (manifest.c), and so does any file compared
 * against a representative that changed (its token no longer matches).
 */
#include "imgopt/error.h"
#include "imgopt/index.h"
#include "imgopt/dupes.h"
#include "imgopt/referrers.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fsio.h"
#include "hash.h"
#include "nameguard.h"
#include "writer.h"

/* Files per work item. */
#define BATCH 256

/* How long the rows written wait for their commit at most (writer.h). */
#define COMMIT_US G_USEC_PER_SEC

/* Bytes of distinct contents a worker holds while reading a size class
 * (imgopt_index_read_matched()): a class is mostly copies of one file,
 * held once; the largest file compared so fits. */
#define HELD_BUDGET IMGOPT_INDEX_MATCH_MAX

/* ---- results ---- */

void
imgopt_dupes_result_free(ImgoptDupesResult *result)
{
	if (result == NULL)
		return;
	if (result->cleaner != NULL)
		g_thread_join(g_steal_pointer(&result->cleaner));
	g_clear_pointer(&result->groups, g_ptr_array_unref);
	g_clear_pointer(&result->orphans, g_ptr_array_unref);
	g_clear_pointer(&result->errors, g_ptr_array_unref);
	g_clear_pointer(&result->skipped, g_ptr_array_unref);
	g_clear_pointer(&result->empty, g_ptr_array_unref);
	g_clear_pointer(&result->kept_by_name, g_ptr_array_unref);
	g_clear_pointer(&result->posts_by_file, g_hash_table_unref);
	g_clear_pointer(&result->watched, g_ptr_array_unref);
	g_free(result);
}

const GPtrArray *
imgopt_dupes_result_get_posts(const ImgoptDupesResult *result, const char *path)
{
	return g_hash_table_lookup(result->posts_by_file, path);
}

GPtrArray *
imgopt_dupes_result_referenced_images(const ImgoptDupesResult *result,
				      GHashTable *files, const char *out_dir)
{
	g_return_val_if_fail(result != NULL && files != NULL, NULL);
	g_return_val_if_fail(out_dir != NULL, NULL);

	GPtrArray *assets = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_asset_free);
	GHashTableIter iter;
	gpointer key;
	g_hash_table_iter_init(&iter, result->posts_by_file);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		const ImgoptAsset *a = g_hash_table_lookup(files, key);
		if (a != NULL && a->has_hash &&
		    imgopt_format_is_recompressed(a->format) &&
		    !imgopt_fs_is_below(out_dir, a->path))
			g_ptr_array_add(assets, imgopt_asset_copy(a));
	}
	return assets;
}

static ImgoptDupesResult *
result_new(void)
{
	ImgoptDupesResult *r = g_new0(ImgoptDupesResult, 1);
	r->orphans = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_asset_free);
	r->errors = imgopt_problem_list_new();
	r->skipped = imgopt_problem_list_new();
	r->empty = g_ptr_array_new_with_free_func(g_free);
	r->kept_by_name = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_kept_by_name_free);
	r->watched = g_ptr_array_new_with_free_func(g_free);
	r->posts_by_file =
		g_hash_table_new_full(imgopt_str_hash, g_str_equal, g_free,
				      (GDestroyNotify)g_ptr_array_unref);
	return r;
}

/* ---- the job's state ---- */

typedef struct {
	const ImgoptSite *site;         /* the site */
	const char *root;               /* its absolute root */
	ImgoptManifest *manifest;       /* the single writer's connection */
	ImgoptWriter *writer;           /* owns @manifest after the scan */
	guint64 refs_written;           /* its ticket of write_refs() */
	GThread *lister;                /* list_images(), during the scan */
	GThread *namer;                 /* the site's name index, then */
	GError *list_error;             /* why it failed */
	GPtrArray *list_errors;         /* (element-type ImgoptProblem) what
					   it met, reported after it */
	GPtrArray *list_skipped;        /* (element-type ImgoptProblem) */
	const ImgoptObserver *observer; /* nullable */
	ImgoptDupesResult *result;      /* being filled */
	GHashTable *ref_counts;    /* path → references (GUINT_TO_POINTER) */
	bool only_posts;           /* --only-posts: the posts alone */
	GPtrArray *referrers;      /* (element-type ImgoptReferrer) scanned */
	GPtrArray *posts;          /* (element-type filename) their paths */
	GPtrArray *scanned;        /* (element-type ImgoptPostRecord) each
				      referrer's identity, parallel to
				      @posts */
	GHashTable *post_records;  /* post → ImgoptPostRecord: manifest's */
	GHashTable *stored_refs;   /* post → GPtrArray of ImgoptRef: the
				      manifest's, loaded on first use */
	char *context;             /* see scan_context() */
	GHashTable *clean;         /* posts whose stored rows still hold */
	GPtrArray *refs;           /* (element-type GPtrArray of ImgoptRef)
				      one array per post, NULL if unread */
	GPtrArray *candidates;     /* (element-type filename) to index */
	GHashTable *under_images;  /* candidate paths found under IMAGES */
	GHashTable *cache;         /* path → ImgoptAsset: manifest rows */
	GHashTable *tokens;        /* path → confirmation token */
	GHashTable *cached_now;    /* paths found unchanged this run */
	GHashTable *same_as;       /* path → the path of the file it was found
				      equal to as it was read (its size
				      class's first with those bytes) */
	bool is_size_first;        /* hash only possible duplicates */
	GPtrArray *unread;         /* (element-type ImgoptAsset) indexed from
				      their stat alone (size-first) */
	GPtrArray *stats;          /* (element-type ImgoptAsset) stat'ed,
				      before reading */
	uint64_t n_to_read;        /* files queued to be read */
	uint64_t n_read;           /* of which done */
	GPtrArray *assets;         /* (element-type ImgoptAsset) indexed */
	GHashTable *asset_by_path; /* path → ImgoptAsset (in @assets) */
	GHashTable *variants;      /* path → hex: every variant file the
				      manifest knows, copies placed in other
				      folders included: imgopt's output */
	int jobs;                  /* threads (0: one per core) */
	char *output_dir;          /* IMAGES/optimized: imgopt's output */
	GMutex problem_lock;       /* problems come from the compare pool */
	const char *status;        /* the run's, once the result is done */
} Dupes;

/* Moves @d's @field into @into's, or frees it if @into is NULL. */
#define move(d, into, field, free)                                             \
	do {                                                                   \
		if ((into) != NULL)                                            \
			(into)->field = g_steal_pointer(&(d)->field);          \
		else                                                           \
			g_clear_pointer(&(d)->field, free);                    \
	} while (0)

/* Frees the tables the job's last write (write_outcome()) does not read,
 * or moves them to @into (nullable): free_later(). */
static void
release_scan_tables(Dupes *d, Dupes *into)
{
	move(d, into, ref_counts, g_hash_table_unref);
	move(d, into, refs, g_ptr_array_unref);
	move(d, into, posts, g_ptr_array_unref);
	move(d, into, referrers, g_ptr_array_unref);
	move(d, into, scanned, g_ptr_array_unref);
	move(d, into, post_records, g_hash_table_unref);
	move(d, into, stored_refs, g_hash_table_unref);
	move(d, into, context, g_free);
	move(d, into, clean, g_hash_table_unref);
	move(d, into, candidates, g_ptr_array_unref);
	move(d, into, under_images, g_hash_table_unref);
	move(d, into, cached_now, g_hash_table_unref);
	move(d, into, same_as, g_hash_table_unref);
	move(d, into, variants, g_hash_table_unref);
	move(d, into, stats, g_ptr_array_unref);
	move(d, into, unread, g_ptr_array_unref);
	move(d, into, output_dir, g_free);
}

#undef move

/* Frees the tables write_outcome() reads: on the writer's thread, after
 * it. */
static void
release_index_tables(Dupes *d)
{
	g_clear_pointer(&d->cache, g_hash_table_unref);
	g_clear_pointer(&d->tokens, g_hash_table_unref);
	g_clear_pointer(&d->asset_by_path, g_hash_table_unref);
	g_clear_pointer(&d->assets, g_ptr_array_unref);
}

static bool join_listing(Dupes *d, GError **error);

static void
dupes_clear(Dupes *d)
{
	/* first: they fill or read the tables */
	if (d->namer != NULL)
		g_thread_join(g_steal_pointer(&d->namer));
	join_listing(d, NULL);
	g_clear_pointer(&d->writer, imgopt_writer_free);
	release_scan_tables(d, NULL);
	release_index_tables(d);
	g_clear_pointer(&d->list_errors, g_ptr_array_unref);
	g_clear_pointer(&d->list_skipped, g_ptr_array_unref);
	g_clear_error(&d->list_error);
	g_clear_pointer(&d->result, imgopt_dupes_result_free);
	g_mutex_clear(&d->problem_lock);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Dupes, dupes_clear)

static void
notify_problem(Dupes *d, const char *path, const char *message, bool is_error)
{
	g_mutex_lock(&d->problem_lock);
	imgopt_observer_problem(
		d->observer, is_error ? d->result->errors : d->result->skipped,
		path, message, is_error);
	g_mutex_unlock(&d->problem_lock);
}

static void
notify_progress(Dupes *d, const char *stage, uint64_t done, uint64_t total,
		uint64_t bytes)
{
	imgopt_observer_progress(d->observer, stage, done, total, bytes);
}

/* ---- 1. posts and references ---- */

/* IMAGES/optimized, where imgopt's output goes. */
static char *
output_dir_of(const ImgoptSite *site)
{
	const char *images = imgopt_site_get_images_dir(site);

	return *images ? imgopt_fs_join(images, IMGOPT_OUTPUT_DIR)
		       : g_strdup(IMGOPT_OUTPUT_DIR);
}

static bool
is_output_path(const Dupes *d, const char *path)
{
	return strcmp(path, d->output_dir) == 0 ||
	       imgopt_fs_is_below(d->output_dir, path) ||
	       (d->variants != NULL &&
		g_hash_table_contains(d->variants, path));
}

/* Counts @ref if it names a file, and records which post uses it.  Once
 * per reference (32,905 on a 1,600-post blog): the count is bumped in
 * place, a path copied only the first time it is seen. */
static void
count_ref(Dupes *d, const ImgoptRef *ref)
{
	GPtrArray *posts;
	gpointer key = NULL, n = NULL;

	if ((ref->status != IMGOPT_REF_STATUS_OK &&
	     ref->status != IMGOPT_REF_STATUS_REPAIRED) ||
	    ref->resolved == NULL || is_output_path(d, ref->resolved))
		return;
	/* Stolen and put back: an insert of the stored key would free it. */
	if (!g_hash_table_steal_extended(d->ref_counts, ref->resolved, &key,
					 &n))
		key = g_strdup(ref->resolved);
	g_hash_table_insert(d->ref_counts, key,
			    GUINT_TO_POINTER(GPOINTER_TO_UINT(n) + 1));
	posts = g_hash_table_lookup(d->result->posts_by_file, ref->resolved);
	if (posts == NULL) {
		posts = g_ptr_array_new_with_free_func(g_free);
		g_hash_table_insert(d->result->posts_by_file,
				    g_strdup(ref->resolved), posts);
	}
	/* Posts come in sorted order: a repeat is always the last one. */
	if (posts->len == 0 ||
	    strcmp(g_ptr_array_index(posts, posts->len - 1), ref->post) != 0)
		g_ptr_array_add(posts, g_strdup(ref->post));
}

/* Indexing waits on the disk far more than on the CPU (XXH3 hashes
 * faster than a disk reads): more reads in flight than cores keep the
 * device's queue full.  Measured on a 2-core VM, cold, 21,886 files:
 * 2 threads 14.2 s, 8 threads 10.4 s (bench/results/dupes.md). */
static int
default_jobs(void)
{
	return (int)MAX(4u, 4 * g_get_num_processors());
}

/* What resolving references depends on besides the post's own bytes: the
 * base URL, the folders, and the image files' paths (a broken link is
 * repaired by name among them).  Same post bytes, same context: same
 * references, so the post need not be scanned again. */
static char *
scan_context(const ImgoptSite *site)
{
	g_autoptr(ImgoptHasher) h = imgopt_hasher_new();
	const GPtrArray *images = imgopt_site_get_images(site);
	const char *base = imgopt_site_get_baseurl(site);
	const char *parts[] = {base != NULL ? base : "",
			       imgopt_site_get_posts_dir(site),
			       imgopt_site_get_images_dir(site)};
	char hex[IMGOPT_HASH_HEX_LEN + 1];
	ImgoptHash digest;

	for (size_t i = 0; i < G_N_ELEMENTS(parts); i++)
		imgopt_hasher_update(h, parts[i], strlen(parts[i]) + 1);
	for (guint i = 0; images != NULL && i < images->len; i++) {
		const char *p = g_ptr_array_index(images, i);

		imgopt_hasher_update(h, p, strlen(p) + 1);
	}
	imgopt_hasher_finish(h, &digest);
	imgopt_hash_format(&digest, hex);
	return g_strdup(hex);
}

static bool
is_under_images(const Dupes *d, const char *path)
{
	return imgopt_fs_is_below(imgopt_site_get_images_dir(d->site), path);
}

/* Files outside IMAGES are not in the context: check that the cached
 * references' targets there still exist. */
static bool
targets_exist(Dupes *d, const GPtrArray *refs)
{
	for (guint i = 0; i < refs->len; i++) {
		const ImgoptRef *r = g_ptr_array_index(refs, i);
		g_autofree char *abs = NULL;

		if ((r->status != IMGOPT_REF_STATUS_OK &&
		     r->status != IMGOPT_REF_STATUS_REPAIRED) ||
		    r->resolved == NULL || is_under_images(d, r->resolved))
			continue;
		abs = g_build_filename(d->root, r->resolved, NULL);
		if (!g_file_test(abs, G_FILE_TEST_IS_REGULAR))
			return false;
	}
	return true;
}

static bool
same_post(const ImgoptPostRecord *rec, const struct stat *st,
	  const char *context)
{
	return rec != NULL && rec->size == (uint64_t)st->st_size &&
	       rec->inode == (uint64_t)st->st_ino &&
	       rec->mtime_ns == (int64_t)st->st_mtim.tv_sec * 1000000000 +
					st->st_mtim.tv_nsec &&
	       g_strcmp0(rec->context, context) == 0;
}

/* Resolves the broken and outside references of @refs again.  Returns
 * whether that changed any. */
static bool
reresolve(Dupes *d, GPtrArray *refs)
{
	bool changed = false;

	for (guint i = 0; i < refs->len; i++) {
		ImgoptRef *r = g_ptr_array_index(refs, i);
		ImgoptRefStatus was = r->status;
		g_autofree char *was_resolved = NULL;

		if (was != IMGOPT_REF_STATUS_BROKEN &&
		    was != IMGOPT_REF_STATUS_OUTSIDE)
			continue;
		was_resolved = g_strdup(r->resolved);
		imgopt_site_resolve_ref(d->site, r);
		changed |= r->status != was ||
			   g_strcmp0(r->resolved, was_resolved) != 0;
	}
	return changed;
}

/* The stored references of an unchanged post, or NULL to scan it.  Broken
 * and outside ones are resolved again: a file may have appeared where
 * the context does not look. */
static GPtrArray *
cached_refs(Dupes *d, const char *post, const struct stat *st)
{
	gpointer key = NULL, value = NULL;
	GPtrArray *refs = NULL;

	if (!same_post(g_hash_table_lookup(d->post_records, post), st,
		       d->context))
		return NULL;
	if (d->stored_refs == NULL) {
		d->stored_refs =
			imgopt_manifest_load_all_refs(d->manifest, NULL);
		if (d->stored_refs == NULL)
			return NULL;
	}
	if (g_hash_table_steal_extended(d->stored_refs, post, &key, &value))
		g_free(key);
	refs = value != NULL ? value
			     : g_ptr_array_new_with_free_func(
				       (GDestroyNotify)imgopt_ref_free);
	if (!targets_exist(d, refs)) {
		g_ptr_array_unref(refs);
		return NULL;
	}
	if (!reresolve(d, refs))
		g_hash_table_add(d->clean, (gpointer)post);
	return refs;
}

static ImgoptPostRecord *
post_record_new(const struct stat *st, const char *context)
{
	ImgoptPostRecord *rec = g_new0(ImgoptPostRecord, 1);

	rec->size = (uint64_t)st->st_size;
	rec->mtime_ns =
		(int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	rec->inode = (uint64_t)st->st_ino;
	rec->context = g_strdup(context);
	return rec;
}

/* Referrers to scan on the pool; each worker fills only its own slots. */
typedef struct {
	const ImgoptSite *site; /* thread-safe once open (site.h) */
	GPtrArray *posts;       /* (element-type filename) their paths */
	GPtrArray *referrers;   /* (element-type ImgoptReferrer) read-only
				   while the pool runs */
	GPtrArray **refs;       /* one slot per referrer */
	GError **errors;        /* one slot per referrer */
	GAsyncQueue *done;      /* receives i + 1 once slot i is filled */
} ScanShared;

static void
scan_one(gpointer data, gpointer user_data)
{
	guint i = GPOINTER_TO_UINT(data) - 1;
	ScanShared *sh = user_data;

	sh->refs[i] = imgopt_referrers_scan(
		sh->site, g_ptr_array_index(sh->referrers, i), &sh->errors[i]);
	g_async_queue_push(sh->done, data);
}

/* Takes the scanned references of referrer @i (or its error). */
static void
take_refs(Dupes *d, guint i, GPtrArray *refs, GError *error)
{
	const ImgoptReferrer *referrer = g_ptr_array_index(d->referrers, i);

	if (refs == NULL) {
		notify_problem(d, referrer->path, error->message, true);
		g_error_free(error);
		g_ptr_array_add(d->refs, NULL);
		return;
	}
	for (guint j = 0; j < refs->len; j++)
		count_ref(d, g_ptr_array_index(refs, j));
	d->result->references += refs->len;
	g_ptr_array_add(d->refs, refs);
}

/* Takes the referrers' references in their order, each as soon as it and
 * those before it are scanned, while the pool scans the rest. */
static void
take_in_order(Dupes *d, ScanShared *sh, bool *ready)
{
	for (guint next = 0; next < sh->posts->len;) {
		if (!ready[next]) {
			guint i = GPOINTER_TO_UINT(g_async_queue_pop(sh->done));

			ready[i - 1] = true;
			continue;
		}
		take_refs(d, next, sh->refs[next], sh->errors[next]);
		next++;
		notify_progress(d, "scan", next, sh->posts->len, 0);
	}
}

/* Reading and resolving posts waits on the disk: the posts not found
 * unchanged in the manifest are scanned on a pool, in any order, into
 * their own slots, and taken in order as they come (take_in_order()). */
static void
scan_changed(Dupes *d, ScanShared *sh, int jobs)
{
	GThreadPool *pool = g_thread_pool_new(
		scan_one, sh, jobs > 0 ? jobs : default_jobs(), FALSE, NULL);
	g_autofree bool *ready = g_new0(bool, sh->posts->len + 1);

	for (guint i = 0; i < sh->posts->len; i++) {
		g_autofree char *abs =
			g_build_filename(d->root, sh->posts->pdata[i], NULL);
		struct stat st;

		memset(&st, 0, sizeof st);
		if (lstat(abs, &st) == 0 && S_ISREG(st.st_mode))
			sh->refs[i] = cached_refs(d, sh->posts->pdata[i], &st);
		d->result->cached_posts +=
			sh->refs[i] != NULL &&
			((const ImgoptReferrer *)sh->referrers->pdata[i])
					->kind == IMGOPT_REFERRER_POST;
		g_ptr_array_add(d->scanned, post_record_new(&st, d->context));
		ready[i] = sh->refs[i] != NULL;
		if (sh->refs[i] == NULL && pool != NULL)
			g_thread_pool_push(pool, GUINT_TO_POINTER(i + 1), NULL);
		else if (sh->refs[i] == NULL)
			scan_one(GUINT_TO_POINTER(i + 1), sh);
	}
	take_in_order(d, sh, ready);
	if (pool != NULL)
		g_thread_pool_free(pool, FALSE, TRUE);
}

/* The referrers, each file left out (a symlinked post…) reported once
 * as skipped. */
static GPtrArray *
list_referrers(Dupes *d, GError **error)
{
	g_autoptr(GPtrArray) skipped = imgopt_problem_list_new();
	GPtrArray *out = NULL;

	out = imgopt_referrers_list_scope(d->site, d->only_posts, skipped,
					  error);
	for (guint i = 0; out != NULL && i < skipped->len; i++) {
		const ImgoptProblem *p = g_ptr_array_index(skipped, i);

		notify_problem(d, p->path, p->message, false);
	}
	return out;
}

/* Every referrer of the site (the posts alone with --only-posts) scanned
 * and resolved, or taken unchanged from the manifest. */
static bool
scan_referrers(Dupes *d, int jobs, GError **error)
{
	g_autofree GPtrArray **refs = NULL;
	g_autofree GError **errors = NULL;
	g_autoptr(GAsyncQueue) done = g_async_queue_new();
	ScanShared sh;

	d->referrers = list_referrers(d, error);
	if (d->referrers == NULL)
		return false;
	d->post_records = imgopt_manifest_load_posts(d->manifest, error);
	if (d->post_records == NULL)
		return false;
	d->context = scan_context(d->site);
	d->refs = g_ptr_array_new_with_free_func(
		(GDestroyNotify)g_ptr_array_unref);
	d->scanned = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_post_record_free);
	d->posts = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < d->referrers->len; i++) {
		const ImgoptReferrer *r = g_ptr_array_index(d->referrers, i);

		g_ptr_array_add(d->posts, g_strdup(r->path));
		d->result->posts += r->kind == IMGOPT_REFERRER_POST;
	}
	refs = g_new0(GPtrArray *, d->posts->len + 1);
	errors = g_new0(GError *, d->posts->len + 1);
	sh = (ScanShared){d->site, d->posts, d->referrers, refs, errors, done};
	scan_changed(d, &sh, jobs);
	d->result->referrers = d->posts->len;
	return true;
}

/* ---- 2. what to index ---- */

static void
add_image_entry(Dupes *d, const char *path, ImgoptFsType type)
{
	if (type == IMGOPT_FS_REGULAR) {
		g_ptr_array_add(d->candidates, g_strdup(path));
		g_hash_table_add(d->under_images, g_strdup(path));
	}
	else {
		/* Like every problem's message, it starts with the path. */
		g_autofree char *message = g_strdup_printf(
			"%s: not indexed: %s", path,
			type == IMGOPT_FS_SYMLINK
				? "a symbolic link (not followed)"
				: "not a regular file (FIFO, socket or "
				  "device)");

		g_ptr_array_add(d->list_skipped,
				imgopt_problem_new(path, message));
	}
}

/* The walk's filter: into every folder but dot-folders and imgopt's
 * output folder; every other entry is listed (symlinks and FIFOs to be
 * reported as skipped). */
static bool
keep_image_entry(const char *rel, const char *name, bool is_dir,
		 void *user_data)
{
	if (!is_dir)
		return !is_output_path(user_data, rel);
	return name[0] != '.' && !is_output_path(user_data, rel);
}

/* Lists IMAGES and below, without following symlinks (a symlinked folder
 * is listed as a link: no loop can form).  The walk takes types from
 * readdir(), sparing a stat per file: the index stats each file once,
 * later.  A folder that cannot be listed is an error of its own.  Runs
 * on a thread of its own while the posts are scanned (list_thread()):
 * fills d->candidates, d->under_images and the problems to report
 * (d->list_errors, d->list_skipped), nothing else. */
static bool
list_images(Dupes *d, GError **error)
{
	const char *images = imgopt_site_get_images_dir(d->site);
	g_autofree char *abs = g_build_filename(d->root, images, NULL);
	g_autoptr(GPtrArray) types = NULL;
	g_autoptr(GPtrArray) unlisted = NULL;
	g_autoptr(GPtrArray) found = NULL;

	if (!g_file_test(abs, G_FILE_TEST_IS_DIR)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR,
			    "%s: not a folder", images);
		return false;
	}
	found = imgopt_fs_walk_dir(d->root, images, keep_image_entry, d, &types,
				   &unlisted, error);
	if (found == NULL)
		return false;
	for (guint i = 0; i < unlisted->len; i++)
		g_ptr_array_add(d->list_errors,
				imgopt_problem_copy(unlisted->pdata[i]));
	for (guint i = 0; i < found->len; i++)
		add_image_entry(d, g_ptr_array_index(found, i),
				GPOINTER_TO_UINT(g_ptr_array_index(types, i)));
	return true;
}

/* The site's name index (its own walk of IMAGES), which scan_context()
 * and resolving need: built beside the walk of the referrers. */
static gpointer
name_thread(gpointer data)
{
	(void)imgopt_site_get_images(data);
	return NULL;
}

static gpointer
list_thread(gpointer data)
{
	Dupes *d = data;

	return GINT_TO_POINTER(list_images(d, &d->list_error));
}

/* Starts listing IMAGES (list_images()) on a thread of its own: the walk
 * of a big folder need not wait for the scan. */
static void
start_listing(Dupes *d)
{
	d->candidates = g_ptr_array_new_with_free_func(g_free);
	d->under_images = g_hash_table_new_full(imgopt_str_hash, g_str_equal,
						g_free, NULL);
	d->list_errors = imgopt_problem_list_new();
	d->list_skipped = imgopt_problem_list_new();
	d->lister = g_thread_new("imgopt-list", list_thread, d);
	d->namer = g_thread_new("imgopt-names", name_thread, (gpointer)d->site);
}

/* Waits for the listing; reports what it met.  False with @error set if
 * IMAGES could not be listed. */
static bool
join_listing(Dupes *d, GError **error)
{
	bool ok;

	if (d->lister == NULL)
		return true;
	ok = GPOINTER_TO_INT(g_thread_join(g_steal_pointer(&d->lister)));
	for (guint i = 0; i < d->list_errors->len; i++) {
		const ImgoptProblem *p = g_ptr_array_index(d->list_errors, i);

		notify_problem(d, p->path, p->message, true);
	}
	for (guint i = 0; i < d->list_skipped->len; i++) {
		const ImgoptProblem *p = g_ptr_array_index(d->list_skipped, i);

		notify_problem(d, p->path, p->message, false);
	}
	if (!ok)
		g_propagate_error(error, g_steal_pointer(&d->list_error));
	return ok;
}

/* IMAGES' files, then referenced files outside IMAGES, sorted. */
static bool
list_candidates(Dupes *d, GError **error)
{
	GHashTableIter iter;
	gpointer key;

	if (!join_listing(d, error))
		return false;
	g_hash_table_iter_init(&iter, d->ref_counts);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		if (!g_hash_table_contains(d->under_images, key))
			g_ptr_array_add(d->candidates, g_strdup(key));
	g_ptr_array_sort(d->candidates, imgopt_fs_path_cmp);
	return true;
}

/* ---- 3. indexing on the pool ---- */

/* What a worker is asked to do with one file. */
typedef enum {
	WORK_STAT,  /* lstat: identity only */
	WORK_HASH,  /* read it all: hash and header facts */
	WORK_PROBE, /* read only the header (size-first: no duplicate) */
} WorkKind;

/* One file on its way through the pool, moved between threads whole. */
typedef struct {
	char *path;          /* relative to the site root */
	WorkKind kind;       /* what to do */
	ImgoptAsset *asset;  /* in: the stat (HASH, PROBE); out: the result */
	GError *error;       /* why not */
	bool was_cached;     /* taken from the manifest, not read */
	uint64_t bytes_read; /* read this time */
	char *same_as;       /* HASH: the file of its size class found equal
				byte for byte as it was read (itself if
				first), NULL if not compared */
} FileWork;

static FileWork *
file_work_new(const char *path, WorkKind kind)
{
	FileWork *w = g_new0(FileWork, 1);

	w->path = g_strdup(path);
	w->kind = kind;
	return w;
}

static void
file_work_free(FileWork *w)
{
	if (w == NULL)
		return;
	g_free(w->path);
	g_free(w->same_as);
	imgopt_asset_free(w->asset);
	g_clear_error(&w->error);
	g_free(w);
}

/* Shared by the workers, read-only while the pool runs. */
typedef struct {
	const char *root;     /* site root */
	GAsyncQueue *results; /* receives one GPtrArray of FileWork a batch */
} PoolShared;

static bool
read_once(const PoolShared *sh, ImgoptIndexHeld *held, FileWork *w)
{
	uint64_t n = 0;
	bool ok;

	g_clear_pointer(&w->same_as, g_free);
	ok = w->kind == WORK_HASH
		     ? imgopt_index_read_matched(sh->root, w->asset, held,
						 &w->same_as, &n, &w->error)
		     : imgopt_index_probe_file(sh->root, w->asset, &n,
					       &w->error);

	w->bytes_read += n;
	return ok;
}

/* Reads a file; once more, freshly stat'ed, if it changed under us. */
static void
work_read(const PoolShared *sh, ImgoptIndexHeld *held, FileWork *w)
{
	if (read_once(sh, held, w))
		return;
	if (!g_error_matches(w->error, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT))
		return;
	g_clear_error(&w->error);
	imgopt_asset_free(w->asset);
	w->asset = imgopt_index_stat(sh->root, w->path, &w->error);
	if (w->asset != NULL && !read_once(sh, held, w))
		g_clear_pointer(&w->asset, imgopt_asset_free);
}

static void
work_batch(gpointer data, gpointer user_data)
{
	GPtrArray *batch = data;
	const PoolShared *sh = user_data;
	g_autoptr(ImgoptIndexHeld) held = imgopt_index_held_new(HELD_BUDGET);

	for (guint i = 0; i < batch->len; i++) {
		FileWork *w = g_ptr_array_index(batch, i);

		if (w->kind == WORK_STAT)
			w->asset =
				imgopt_index_stat(sh->root, w->path, &w->error);
		else
			work_read(sh, held, w);
		if (w->error != NULL)
			g_clear_pointer(&w->asset, imgopt_asset_free);
	}
	g_async_queue_push(sh->results, batch);
}

/* Where the batch starting at @i ends: after BATCH files, or more, so
 * that a size class of files to hash is not split (its files are next to
 * each other: plan_reads()); but at most 4 BATCH, so that a thousand
 * copies of one file still go to every worker (the pairs across batches
 * are compared after: bytes_equal()). */
static guint
batch_end(const GPtrArray *work, guint i)
{
	guint end = MIN(i + BATCH, work->len);

	while (end < work->len && end - i < 4 * BATCH) {
		const FileWork *last = g_ptr_array_index(work, end - 1);
		const FileWork *next = g_ptr_array_index(work, end);

		if (last->kind != WORK_HASH || next->kind != WORK_HASH ||
		    last->asset->size != next->asset->size)
			break;
		end++;
	}
	return end;
}

/* Called on the main thread with each finished batch. */
typedef bool (*BatchFunc)(Dupes *d, GPtrArray *batch, GError **error);

/* Runs @work (element-type FileWork, consumed) through a pool of @jobs
 * threads in batches of BATCH, handing each finished batch to @done. */
static bool
run_pool(Dupes *d, int jobs, GPtrArray *work, BatchFunc done, GError **error)
{
	g_autoptr(GAsyncQueue) queue = g_async_queue_new();
	PoolShared sh = {d->root, queue};
	GThreadPool *pool = g_thread_pool_new(work_batch, &sh,
					      jobs > 0 ? jobs : default_jobs(),
					      FALSE, error);
	guint n_batches = 0;
	bool ok = pool != NULL;

	for (guint i = 0, end = 0; ok && i < work->len; i = end) {
		GPtrArray *batch = g_ptr_array_new_with_free_func(
			(GDestroyNotify)file_work_free);

		end = batch_end(work, i);
		for (guint j = i; j < end; j++)
			g_ptr_array_add(batch,
					g_steal_pointer(&work->pdata[j]));
		ok = g_thread_pool_push(pool, batch, error);
		n_batches += ok;
	}
	for (guint b = 0; b < n_batches; b++) {
		g_autoptr(GPtrArray) batch = g_async_queue_pop(queue);

		/* After a failure, keep draining so the pool can end. */
		if (ok && !done(d, batch, error))
			ok = false;
	}
	if (pool != NULL)
		g_thread_pool_free(pool, FALSE, TRUE);
	return ok;
}

/* Phase one: every candidate's identity. */
static bool
stat_done(Dupes *d, GPtrArray *batch, GError **error)
{
	(void)error;
	for (guint i = 0; i < batch->len; i++) {
		FileWork *w = g_ptr_array_index(batch, i);

		if (w->asset == NULL)
			notify_problem(d, w->path, w->error->message, true);
		else
			g_ptr_array_add(d->stats, g_steal_pointer(&w->asset));
	}
	return true;
}

/* Takes one indexed file in: counters and the asset list. */
static void
take_asset(Dupes *d, ImgoptAsset *a, bool was_cached)
{
	if (was_cached) {
		d->result->cached_files++;
		g_hash_table_add(d->cached_now, a->path);
	}
	if (a->size == 0)
		g_ptr_array_add(d->result->empty, g_strdup(a->path));
	g_ptr_array_add(d->assets, a);
	g_hash_table_insert(d->asset_by_path, a->path, a);
}

static void
count_read(Dupes *d, const FileWork *w)
{
	if (w->kind == WORK_HASH) {
		d->result->hashed_files += w->asset != NULL;
		d->result->hashed_bytes += w->bytes_read;
	}
	else {
		d->result->probed_files += w->asset != NULL;
		d->result->probed_bytes += w->bytes_read;
	}
}

/* @a's row; a path without a confirmation (the tokens loaded at the
 * start: this run is the manifest's only writer) has none to delete.
 * On the writer's thread. */
static bool
put_file(Dupes *d, const ImgoptAsset *a, GError **error)
{
	return g_hash_table_contains(d->tokens, a->path)
		       ? imgopt_manifest_put_file(d->manifest, a, error)
		       : imgopt_manifest_put_new_file(d->manifest, a, error);
}

/* Rows of files indexed, for the writer: the assets are @d's (in
 * d->assets, unchanged once taken), only borrowed. */
typedef struct {
	Dupes *d;
	GPtrArray *assets; /* (element-type ImgoptAsset) (transfer none) */
} FileRows;

static void
file_rows_free(FileRows *rows)
{
	g_ptr_array_unref(rows->assets);
	g_free(rows);
}

/* ImgoptWriteFunc */
static bool
write_file_rows(ImgoptManifest *manifest, gpointer data, GError **error)
{
	const FileRows *rows = data;

	(void)manifest;
	for (guint i = 0; i < rows->assets->len; i++)
		if (!put_file(rows->d, g_ptr_array_index(rows->assets, i),
			      error))
			return false;
	return true;
}

/* Queues the rows of @assets (borrowed) for the writer. */
static void
queue_file_rows(Dupes *d, GPtrArray *assets)
{
	FileRows *rows = g_new0(FileRows, 1);

	rows->d = d;
	rows->assets = assets;
	imgopt_writer_push(d->writer, write_file_rows, rows,
			   (GDestroyNotify)file_rows_free);
}

/* Phase two: the files read.  Their rows go to the writer, which commits
 * them once a second (and at the end), so that an interrupted run keeps
 * what it read up to a second before.  A commit per batch wrote the
 * pages each touched to the journal again: the batches go by size
 * class, so each touched rows all over the files table (28% more page
 * writes). */
static bool
read_done(Dupes *d, GPtrArray *batch, GError **error)
{
	GPtrArray *rows = g_ptr_array_sized_new(batch->len);

	(void)error;
	for (guint i = 0; i < batch->len; i++) {
		FileWork *w = g_ptr_array_index(batch, i);

		count_read(d, w);
		if (w->asset == NULL) {
			notify_problem(d, w->path, w->error->message, true);
			continue;
		}
		if (w->same_as != NULL)
			g_hash_table_insert(d->same_as, w->asset->path,
					    g_steal_pointer(&w->same_as));
		g_ptr_array_add(rows, w->asset);
		take_asset(d, g_steal_pointer(&w->asset), false);
	}
	queue_file_rows(d, rows);
	d->n_read += batch->len;
	notify_progress(d, "index", d->n_read, d->n_to_read,
			d->result->hashed_bytes + d->result->probed_bytes);
	return true;
}

/* Files indexed from their stat alone (size-first, unique size): their
 * rows say what is known (no hash, format not sniffed), so the next run
 * finds them unchanged.  Queued as one write: nothing is read, so there
 * is no progress to keep on the way (13,382 rows: a commit per batch was
 * 3% of a cold run). */
static void
store_unread(Dupes *d)
{
	GPtrArray *rows = g_ptr_array_sized_new(d->unread->len);

	for (guint j = 0; j < d->unread->len; j++) {
		ImgoptAsset *a = g_ptr_array_index(d->unread, j);

		d->unread->pdata[j] = NULL;
		g_ptr_array_add(rows, a);
		take_asset(d, a, false);
		d->result->unread_files++;
	}
	queue_file_rows(d, rows);
}

/* How many indexed files have each size (size-first: a file whose size
 * is unique cannot have a duplicate). */
static GHashTable *
count_sizes(const GPtrArray *stats)
{
	GHashTable *counts = g_hash_table_new_full(g_int64_hash, g_int64_equal,
						   g_free, NULL);

	for (guint i = 0; i < stats->len; i++) {
		const ImgoptAsset *a = g_ptr_array_index(stats, i);
		gint64 *key = g_memdup2(&a->size, sizeof(gint64));
		guint n = GPOINTER_TO_UINT(g_hash_table_lookup(counts, key));

		g_hash_table_replace(counts, key, GUINT_TO_POINTER(n + 1));
	}
	return counts;
}

/* Files to hash first, by size (a size class together: batch_end()),
 * then by path. */
static int
work_cmp(gconstpointer pa, gconstpointer pb)
{
	const FileWork *a = *(const FileWork *const *)pa;
	const FileWork *b = *(const FileWork *const *)pb;

	if (a->kind != b->kind)
		return a->kind == WORK_HASH ? -1 : 1;
	if (a->asset->size != b->asset->size)
		return a->asset->size < b->asset->size ? -1 : 1;
	return strcmp(a->path, b->path);
}

/* Cached files are taken as they are; the others are queued to be read,
 * hashed if they may have a duplicate (or everything is hashed). */
static GPtrArray *
plan_reads(Dupes *d, bool is_size_first)
{
	g_autoptr(GHashTable) sizes = count_sizes(d->stats);
	GPtrArray *work =
		g_ptr_array_new_with_free_func((GDestroyNotify)file_work_free);

	for (guint i = 0; i < d->stats->len; i++) {
		ImgoptAsset *a = g_steal_pointer(&d->stats->pdata[i]);
		const ImgoptAsset *cached =
			g_hash_table_lookup(d->cache, a->path);
		bool need_hash =
			!is_size_first || a->size == 0 ||
			GPOINTER_TO_UINT(g_hash_table_lookup(sizes, &a->size)) >
				1;
		FileWork *w = NULL;

		if (imgopt_index_unchanged(cached, a) &&
		    (cached->has_hash || !need_hash)) {
			take_asset(d, imgopt_asset_copy(cached), true);
			imgopt_asset_free(a);
			continue;
		}
		/* No duplicate possible and named as an image: nothing to
		 * learn from its bytes here (run reads them when it needs to).
		 * Other names get their header read: is it an image at all? */
		if (!need_hash && imgopt_index_is_image_name(a->path)) {
			g_ptr_array_add(d->unread, a);
			continue;
		}
		w = file_work_new(a->path, need_hash ? WORK_HASH : WORK_PROBE);
		w->asset = a;
		g_ptr_array_add(work, w);
	}
	g_ptr_array_sort(work, work_cmp);
	return work;
}

static bool
index_files(Dupes *d, const ImgoptDupesOptions *options, GError **error)
{
	int jobs = options != NULL ? options->jobs : 0;
	g_autoptr(GPtrArray) stat_work =
		g_ptr_array_new_with_free_func((GDestroyNotify)file_work_free);
	g_autoptr(GPtrArray) read_work = NULL;

	for (guint i = 0; i < d->candidates->len; i++) {
		const char *path = g_ptr_array_index(d->candidates, i);
		const struct stat *st = imgopt_site_lookup_entry(d->site, path);

		/* the memo's walk stat'ed it a moment ago */
		if (st != NULL && S_ISREG(st->st_mode))
			g_ptr_array_add(d->stats,
					imgopt_index_from_stat(path, st, NULL));
		else
			g_ptr_array_add(stat_work,
					file_work_new(path, WORK_STAT));
	}
	if (!run_pool(d, jobs, stat_work, stat_done, error))
		return false;
	read_work = plan_reads(d, d->is_size_first);
	store_unread(d);
	d->n_to_read = read_work->len;
	notify_progress(d, "index", 0, d->n_to_read, 0);
	if (!run_pool(d, jobs, read_work, read_done, error))
		return false;
	d->result->files = d->assets->len;
	return true;
}

/* ---- 4. groups, confirmed byte for byte ---- */

static char *
make_token(const ImgoptAsset *rep)
{
	return g_strdup_printf("%s\n%" G_GUINT64_FORMAT ":%" G_GINT64_FORMAT
			       ":%" G_GUINT64_FORMAT,
			       rep->path, rep->size, rep->mtime_ns, rep->inode);
}

/* ImgoptBytesEqualFunc: from the token cache when both files are
 * unchanged and were confirmed against the same representative, else by
 * reading both.  Runs on the compare pool: it only reads @d's tables
 * (notify_problem() locks). */
static bool
bytes_equal(const char *a, const char *b, bool *equal_out, void *user_data)
{
	Dupes *d = user_data;
	const char *ta = g_hash_table_lookup(d->tokens, a);
	const char *tb = g_hash_table_lookup(d->tokens, b);
	const char *sa = g_hash_table_lookup(d->same_as, a);
	const char *sb = g_hash_table_lookup(d->same_as, b);
	g_autoptr(GError) local = NULL;

	/* Both compared with the same bytes as they were read, this run. */
	if (sa != NULL && sb != NULL && strcmp(sa, sb) == 0) {
		*equal_out = true;
		return true;
	}
	if (ta != NULL && tb != NULL && strcmp(ta, tb) == 0 &&
	    g_hash_table_contains(d->cached_now, a) &&
	    g_hash_table_contains(d->cached_now, b)) {
		*equal_out = true;
		return true;
	}
	if (!imgopt_index_files_equal(d->root, a, b, equal_out, &local)) {
		g_prefix_error(&local, "%s: not compared with %s: ", b, a);
		notify_problem(d, b, local->message, true);
		return false;
	}
	return true;
}

/* Records each member's confirmation token, where it changed. */
static bool
store_tokens(Dupes *d, const GPtrArray *groups, GError **error)
{
	for (guint i = 0; i < groups->len; i++) {
		const ImgoptGroup *g = g_ptr_array_index(groups, i);
		const ImgoptGroupMember *first =
			g_ptr_array_index(g->members, 0);
		g_autofree char *token = make_token(
			g_hash_table_lookup(d->asset_by_path, first->path));

		for (guint j = 0; j < g->members->len; j++) {
			const ImgoptGroupMember *m =
				g_ptr_array_index(g->members, j);

			if (g_strcmp0(g_hash_table_lookup(d->tokens, m->path),
				      token) == 0)
				continue;
			if (!imgopt_manifest_put_confirmation(
				    d->manifest, m->path, token, error))
				return false;
		}
	}
	return true;
}

static void
find_groups(Dupes *d)
{
	g_autoptr(GPtrArray) nominated =
		imgopt_group_nominate(d->assets, d->ref_counts);

	notify_progress(d, "compare", 0, nominated->len, 0);
	d->result->groups = imgopt_group_confirm_jobs(
		nominated, bytes_equal, d,
		d->jobs > 0 ? d->jobs : default_jobs());
	notify_progress(d, "compare", nominated->len, nominated->len, 0);
}

/* ---- 5. orphans ---- */

/* Images under IMAGES no reference resolves to; unless --only-posts,
 * those a text file of the site names (imgopt_referrers_list_texts():
 * published or not) are kept by name instead. */
static void
find_orphans(Dupes *d)
{
	g_autoptr(GPtrArray) unnamed = g_ptr_array_new();
	g_autoptr(GHashTable) kept = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < d->assets->len; i++) {
		const ImgoptAsset *a = g_ptr_array_index(d->assets, i);

		if (!g_hash_table_contains(d->under_images, a->path) ||
		    g_hash_table_contains(d->ref_counts, a->path))
			continue;
		if (a->format == IMGOPT_FORMAT_UNKNOWN &&
		    !imgopt_index_is_image_name(a->path))
			continue;
		g_ptr_array_add(unnamed, a->path);
	}
	if (!d->only_posts && unnamed->len > 0) {
		/* every text file a person may read, published or not (a
		 * README's screenshots are needed too); the referrers if
		 * the root cannot be walked again */
		g_autoptr(GPtrArray) texts =
			imgopt_referrers_list_texts(d->site, NULL);

		g_ptr_array_unref(d->result->kept_by_name);
		d->result->kept_by_name = imgopt_name_guard(
			d->root, texts != NULL ? texts : d->referrers, unnamed);
	}
	for (guint i = 0; i < d->result->kept_by_name->len; i++)
		g_hash_table_add(
			kept,
			((ImgoptKeptByName *)d->result->kept_by_name->pdata[i])
				->path);
	for (guint i = 0; i < unnamed->len; i++) {
		const ImgoptAsset *a = g_hash_table_lookup(
			d->asset_by_path, g_ptr_array_index(unnamed, i));

		if (!g_hash_table_contains(kept, a->path))
			g_ptr_array_add(d->result->orphans,
					imgopt_asset_copy(a));
	}
}

static void
sort_result(ImgoptDupesResult *r)
{
	g_ptr_array_sort(r->orphans, imgopt_asset_path_cmp);
	g_ptr_array_sort(r->errors, imgopt_problem_path_cmp);
	g_ptr_array_sort(r->skipped, imgopt_problem_path_cmp);
	g_ptr_array_sort(r->empty, imgopt_fs_path_cmp);
}

/* ---- 6. the manifest's other tables ---- */

/* Rows of files that are gone from disk. */
static bool
forget_vanished(Dupes *d, GError **error)
{
	GHashTableIter iter;
	gpointer key;

	g_hash_table_iter_init(&iter, d->cache);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		g_autofree char *abs = NULL;
		struct stat st;

		if (g_hash_table_contains(d->asset_by_path, key))
			continue;
		abs = g_build_filename(d->root, key, NULL);
		if (lstat(abs, &st) == 0 || errno != ENOENT)
			continue;
		if (!imgopt_manifest_delete_file(d->manifest, key, error))
			return false;
	}
	return true;
}

/* Feeds @s (nullable) and its length, so that no two rows feed alike. */
static void
digest_str(ImgoptHasher *h, const char *s)
{
	uint64_t n = s != NULL ? strlen(s) + 1 : 0;

	imgopt_hasher_update(h, &n, sizeof n);
	if (s != NULL)
		imgopt_hasher_update(h, s, n);
}

/* A digest of what the manifest stores of @refs: equal digests, equal
 * rows, so an unchanged post's rows are not rewritten.  Fed field by
 * field (a formatted row per reference was 14% of writing them). */
static char *
refs_digest(const GPtrArray *refs)
{
	g_autoptr(ImgoptHasher) h = imgopt_hasher_new();
	ImgoptHash digest;
	char hex[IMGOPT_HASH_HEX_LEN + 1];

	imgopt_hasher_update(h, "refs 2", 7);
	for (guint i = 0; i < refs->len; i++) {
		const ImgoptRef *r = g_ptr_array_index(refs, i);
		const uint64_t nums[] = {
			r->offset, r->length,         r->line,
			r->column, (uint64_t)r->kind, (uint64_t)r->status};

		imgopt_hasher_update(h, nums, sizeof nums);
		digest_str(h, r->raw != NULL ? r->raw : "");
		digest_str(h, r->url);
		digest_str(h, r->resolved);
		digest_str(h, r->message);
	}
	imgopt_hasher_finish(h, &digest);
	imgopt_hash_format(&digest, hex);
	return g_strdup(hex);
}

/* Posts that are gone: their rows go too. */
static bool
forget_posts(Dupes *d, GError **error)
{
	g_autoptr(GHashTable) seen =
		g_hash_table_new(imgopt_str_hash, g_str_equal);
	g_autoptr(GPtrArray) none = g_ptr_array_new();
	GHashTableIter iter;
	gpointer key;

	for (guint i = 0; i < d->posts->len; i++)
		g_hash_table_add(seen, g_ptr_array_index(d->posts, i));
	g_hash_table_iter_init(&iter, d->post_records);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (g_hash_table_contains(seen, key))
			continue;
		if (!imgopt_manifest_replace_refs(d->manifest, key, none,
						  error) ||
		    !imgopt_manifest_put_post(d->manifest, key, NULL, error))
			return false;
	}
	return true;
}

/* Each post's references and identity, where they changed. */
static bool
store_refs(Dupes *d, GError **error)
{
	for (guint i = 0; i < d->posts->len; i++) {
		const char *post = g_ptr_array_index(d->posts, i);
		const GPtrArray *refs = g_ptr_array_index(d->refs, i);
		ImgoptPostRecord *rec = g_ptr_array_index(d->scanned, i);
		const ImgoptPostRecord *old =
			g_hash_table_lookup(d->post_records, post);

		if (refs == NULL || g_hash_table_contains(d->clean, post))
			continue; /* unreadable, or all as stored */
		rec->digest = refs_digest(refs);
		if (old != NULL && g_strcmp0(old->digest, rec->digest) == 0 &&
		    old->size == rec->size && old->mtime_ns == rec->mtime_ns &&
		    old->inode == rec->inode &&
		    g_strcmp0(old->context, rec->context) == 0)
			continue;
		if (!imgopt_manifest_replace_refs(d->manifest, post, refs,
						  error) ||
		    !imgopt_manifest_put_post(d->manifest, post, rec, error))
			return false;
	}
	return forget_posts(d, error);
}

/* Whether the memo's walk covers @path (IMAGES and POSTS). */
static bool
is_walked(const Dupes *d, const char *path)
{
	return is_under_images(d, path) ||
	       imgopt_fs_is_below(imgopt_site_get_posts_dir(d->site), path);
}

/* Where the result looked outside the two walked folders: a referenced
 * file there, and every candidate of a broken or outside reference
 * (resolved again, now telling where it looks).  Sorted, unique. */
static void
collect_watched(Dupes *d)
{
	GPtrArray *out = d->result->watched;
	g_autoptr(GPtrArray) looked = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < d->refs->len; i++) {
		const GPtrArray *refs = g_ptr_array_index(d->refs, i);

		for (guint j = 0; refs != NULL && j < refs->len; j++) {
			const ImgoptRef *r = g_ptr_array_index(refs, j);
			g_autoptr(ImgoptRef) again = NULL;

			if (r->status == IMGOPT_REF_STATUS_OK ||
			    r->status == IMGOPT_REF_STATUS_REPAIRED) {
				if (r->resolved != NULL &&
				    !is_walked(d, r->resolved))
					g_ptr_array_add(looked,
							g_strdup(r->resolved));
				continue;
			}
			if (r->status != IMGOPT_REF_STATUS_BROKEN &&
			    r->status != IMGOPT_REF_STATUS_OUTSIDE)
				continue;
			again = imgopt_ref_new();
			again->post = g_strdup(r->post);
			again->url = g_strdup(r->url);
			again->kind = r->kind;
			again->is_multiline = r->is_multiline;
			imgopt_site_resolve_ref_watched(d->site, again, looked);
		}
	}
	g_ptr_array_sort(looked, imgopt_fs_path_cmp);
	for (guint i = 0; i < looked->len; i++) {
		const char *p = g_ptr_array_index(looked, i);

		if (is_walked(d, p) ||
		    (out->len > 0 &&
		     strcmp(p, g_ptr_array_index(out, out->len - 1)) == 0))
			continue;
		g_ptr_array_add(out, g_strdup(p));
	}
}

static bool timed(const char *step, bool ok);

/* ImgoptWriteFunc: the references scanned, queued once the scan is
 * done (the writer's first write). */
static bool
write_refs(ImgoptManifest *manifest, gpointer data, GError **error)
{
	(void)manifest;
	return store_refs(data, error);
}

/* ImgoptWriteFunc: the last write, queued once the groups are
 * confirmed (the orphans, found meanwhile, add no problem): tokens,
 * vanished rows, the run.  It only reads the tables. */
static bool
write_outcome(ImgoptManifest *manifest, gpointer data, GError **error)
{
	Dupes *d = data;

	return store_tokens(d, d->result->groups, error) &&
	       forget_vanished(d, error) &&
	       imgopt_manifest_end_run(manifest, d->result->run_id, d->status,
				       error);
}

/* ImgoptWriteFunc: not a write: the index's tables, which the last write
 * reads, freed on the writer's thread after it, while the caller renders
 * the result (tens of thousands of paths). */
static bool
write_release(ImgoptManifest *manifest, gpointer data, GError **error)
{
	(void)manifest;
	(void)error;
	release_index_tables(data);
	return true;
}

static void
queue_outcome(Dupes *d)
{
	d->status = d->result->errors->len > 0 ? "failed" : "ok";
	imgopt_writer_push(d->writer, write_outcome, d, NULL);
}

static gpointer
free_thread(gpointer data)
{
	Dupes *left = data;

	release_scan_tables(left, NULL);
	g_free(left);
	return NULL;
}

/* Frees the scan's tables on a thread of their own, which the result
 * waits for when it is freed (imgopt_dupes_result_free()): the caller
 * prints the result meanwhile.  200,000 small blocks, most of them
 * allocated by other threads, took as long as rendering the output. */
static void
free_later(Dupes *d)
{
	Dupes *left = g_new0(Dupes, 1);

	release_scan_tables(d, left);
	d->result->cleaner = g_thread_new("imgopt-free", free_thread, left);
}

/* Hands the result to @options' on_result while the writer works, and
 * waits for the writer. */
static bool
store_outcome(Dupes *d, const ImgoptDupesOptions *options, GError **error)
{
	imgopt_writer_push(d->writer, write_release, d, NULL);
	imgopt_writer_end(d->writer);
	if (options != NULL && options->on_result != NULL)
		options->on_result(d->result, options->user_data);
	timed("on_result", true);
	if (!imgopt_writer_finish(d->writer, error))
		return false;
	free_later(d);
	return true;
}

static bool
begin(Dupes *d, GError **error)
{
	if (!imgopt_manifest_begin(d->manifest, error))
		return false;
	if (!imgopt_manifest_begin_run(d->manifest, "dupes", &d->result->run_id,
				       error)) {
		imgopt_manifest_rollback(d->manifest);
		return false;
	}
	if (!imgopt_manifest_commit(d->manifest, error))
		return false;
	d->cache = imgopt_manifest_load_files(d->manifest, error);
	if (d->cache == NULL)
		return false;
	d->tokens = imgopt_manifest_load_confirmations(d->manifest, error);
	if (d->tokens == NULL)
		return false;
	d->variants = imgopt_manifest_load_variant_sources(d->manifest, error);
	return d->variants != NULL;
}

/* Logs how long the step that just returned @ok took (G_MESSAGES_DEBUG=
 * imgopt shows it); the clock restarts at every call. */
static bool
timed(const char *step, bool ok)
{
	static GMutex lock;
	static gint64 last;
	gint64 now = g_get_monotonic_time();

	g_mutex_lock(&lock);
	if (last != 0 && g_strcmp0(step, "begin") != 0)
		g_debug("dupes: %s took %.3f s", step,
			(double)(now - last) / 1e6);
	last = now;
	g_mutex_unlock(&lock);
	return ok;
}

static bool
dupes_job(const ImgoptSite *site, const ImgoptDupesOptions *options,
	  bool is_size_first, ImgoptManifest *manifest,
	  const ImgoptObserver *observer, ImgoptDupesResult **result_out,
	  GError **error)
{
	g_auto(Dupes) d = {0};

	g_mutex_init(&d.problem_lock);
	d.jobs = options != NULL ? options->jobs : 0;
	d.is_size_first = is_size_first;
	d.only_posts = options != NULL && options->only_posts;
	d.site = site;
	d.root = imgopt_site_get_root(site);
	d.output_dir = output_dir_of(site);
	d.manifest = manifest;
	d.observer = observer;
	d.result = result_new();
	d.ref_counts = g_hash_table_new_full(imgopt_str_hash, g_str_equal,
					     g_free, NULL);
	d.cached_now = g_hash_table_new(imgopt_str_hash, g_str_equal);
	d.same_as = g_hash_table_new_full(imgopt_str_hash, g_str_equal, NULL,
					  g_free);
	d.asset_by_path = g_hash_table_new(imgopt_str_hash, g_str_equal);
	d.assets = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_asset_free);
	d.clean = g_hash_table_new(imgopt_str_hash, g_str_equal);
	d.unread = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_asset_free);
	d.stats = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_asset_free);
	*result_out = NULL;
	if (!timed("begin", begin(&d, error)))
		return false;
	start_listing(&d);
	if (!timed("scan",
		   scan_referrers(&d, options ? options->jobs : 0, error)))
		return false;
	d.writer = imgopt_writer_start(manifest, COMMIT_US);
	d.refs_written = imgopt_writer_push(d.writer, write_refs, &d, NULL);
	if (!timed("list", list_candidates(&d, error)) ||
	    !timed("index", index_files(&d, options, error)))
		return false;
	find_groups(&d);
	queue_outcome(&d);
	find_orphans(&d);
	sort_result(d.result);
	collect_watched(&d);
	timed("group", true);
	if (!timed("store", store_outcome(&d, options, error)))
		return false;
	*result_out = g_steal_pointer(&d.result);
	return true;
}

bool
imgopt_dupes_run(const ImgoptSite *site, const ImgoptDupesOptions *options,
		 ImgoptManifest *manifest, const ImgoptObserver *observer,
		 ImgoptDupesResult **result_out, GError **error)
{
	return dupes_job(site, options, false, manifest, observer, result_out,
			 error);
}

bool
imgopt_dupes_run_size_first(const ImgoptSite *site,
			    const ImgoptDupesOptions *options,
			    ImgoptManifest *manifest,
			    const ImgoptObserver *observer,
			    ImgoptDupesResult **result_out, GError **error)
{
	return dupes_job(site, options, true, manifest, observer, result_out,
			 error);
}
