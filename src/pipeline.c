/*
 * pipeline.c: the stages put together (see pipeline.h).
 *
 * The dupes job, and who does what:
 *
 *   main thread                          hashing pool (--jobs threads)
 *   ───────────                          ─────────────────────────────
 *   scan posts, resolve references
 *   list candidates (IMAGES walk +
 *     referenced files), load the
 *     manifest's files table
 *   push batches of BATCH paths  ──────► lstat; unchanged since the
 *                                         manifest? keep the cached row;
 *                                         else read: hash + probe
 *   pop batch results ◄────────────────── (GAsyncQueue, results by move)
 *   one transaction per batch:
 *     put_file for each re-hashed file
 *   nominate groups (hash, size)
 *   confirm them byte for byte (skipped
 *     for pairs already confirmed in an
 *     earlier run and unchanged since)
 *   orphans, references, the runs row
 *
 * The main thread is the manifest's single writer: workers never touch
 * SQLite, they only read the cache table, which nobody modifies while the
 * pool runs.  Results arrive in any order; everything is sorted by path
 * before it leaves.
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
#include "imgopt/pipeline.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fsio.h"

/* Files per work item and per manifest transaction. */
#define BATCH 256

/* ---- results ---- */

void
imgopt_problem_free(ImgoptProblem *problem)
{
	if (problem == NULL)
		return;
	g_free(problem->path);
	g_free(problem->message);
	g_free(problem);
}

static ImgoptProblem *
problem_new(const char *path, const char *message)
{
	ImgoptProblem *p = g_new0(ImgoptProblem, 1);

	p->path = g_strdup(path);
	p->message = g_strdup(message);
	return p;
}

void
imgopt_dupes_result_free(ImgoptDupesResult *result)
{
	if (result == NULL)
		return;
	g_clear_pointer(&result->groups, g_ptr_array_unref);
	g_clear_pointer(&result->orphans, g_ptr_array_unref);
	g_clear_pointer(&result->errors, g_ptr_array_unref);
	g_clear_pointer(&result->skipped, g_ptr_array_unref);
	g_clear_pointer(&result->empty, g_ptr_array_unref);
	g_clear_pointer(&result->posts_by_file, g_hash_table_unref);
	g_free(result);
}

const GPtrArray *
imgopt_dupes_result_get_posts(const ImgoptDupesResult *result,
			      const char *path)
{
	return g_hash_table_lookup(result->posts_by_file, path);
}

static ImgoptDupesResult *
result_new(void)
{
	ImgoptDupesResult *r = g_new0(ImgoptDupesResult, 1);
	GDestroyNotify pfree = (GDestroyNotify)imgopt_problem_free;

	r->orphans = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_asset_free);
	r->errors = g_ptr_array_new_with_free_func(pfree);
	r->skipped = g_ptr_array_new_with_free_func(pfree);
	r->empty = g_ptr_array_new_with_free_func(g_free);
	r->posts_by_file = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free,
		(GDestroyNotify)g_ptr_array_unref);
	return r;
}

/* ---- the job's state ---- */

typedef struct {
	const ImgoptSite *site;      /* the site */
	const char *root;            /* its absolute root */
	ImgoptManifest *manifest;    /* the single writer's connection */
	const ImgoptReporter *reporter; /* nullable */
	ImgoptDupesResult *result;   /* being filled */
	GHashTable *ref_counts;      /* path → references (GUINT_TO_POINTER) */
	GPtrArray *refs;             /* (element-type GPtrArray of ImgoptRef)
					one array per post */
	GPtrArray *candidates;       /* (element-type filename) to index */
	GHashTable *under_images;    /* candidate paths found under IMAGES */
	GHashTable *cache;           /* path → ImgoptAsset: manifest rows */
	GHashTable *tokens;          /* path → confirmation token */
	GHashTable *cached_now;      /* paths found unchanged this run */
	GPtrArray *assets;           /* (element-type ImgoptAsset) indexed */
	GHashTable *asset_by_path;   /* path → ImgoptAsset (in @assets) */
} Dupes;

static void
dupes_clear(Dupes *d)
{
	g_clear_pointer(&d->ref_counts, g_hash_table_unref);
	g_clear_pointer(&d->refs, g_ptr_array_unref);
	g_clear_pointer(&d->candidates, g_ptr_array_unref);
	g_clear_pointer(&d->under_images, g_hash_table_unref);
	g_clear_pointer(&d->cache, g_hash_table_unref);
	g_clear_pointer(&d->tokens, g_hash_table_unref);
	g_clear_pointer(&d->cached_now, g_hash_table_unref);
	g_clear_pointer(&d->asset_by_path, g_hash_table_unref);
	g_clear_pointer(&d->assets, g_ptr_array_unref);
	g_clear_pointer(&d->result, imgopt_dupes_result_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Dupes, dupes_clear)

static void
report_problem(Dupes *d, const char *path, const char *message, bool is_error)
{
	GPtrArray *list = is_error ? d->result->errors : d->result->skipped;

	g_ptr_array_add(list, problem_new(path, message));
	if (d->reporter != NULL && d->reporter->problem != NULL)
		d->reporter->problem(path, message, is_error,
				     d->reporter->user_data);
}

static void
report_progress(Dupes *d, const char *stage, uint64_t done, uint64_t total)
{
	if (d->reporter != NULL && d->reporter->progress != NULL)
		d->reporter->progress(stage, done, total, d->reporter->user_data);
}

/* ---- 1. posts and references ---- */

static bool
is_output_path(const Dupes *d, const char *path)
{
	const char *images = imgopt_site_get_images_dir(d->site);
	g_autofree char *out = *images ?
		g_build_filename(images, IMGOPT_OUTPUT_DIR, NULL) :
		g_strdup(IMGOPT_OUTPUT_DIR);
	size_t n = strlen(out);

	return strncmp(path, out, n) == 0 && (path[n] == '/' || path[n] == 0);
}

/* Counts @ref if it names a file, and records which post uses it. */
static void
count_ref(Dupes *d, const ImgoptRef *ref)
{
	GPtrArray *posts;
	guint n;

	if ((ref->status != IMGOPT_REF_STATUS_OK &&
	     ref->status != IMGOPT_REF_STATUS_REPAIRED) ||
	    ref->resolved == NULL || is_output_path(d, ref->resolved))
		return;
	n = GPOINTER_TO_UINT(g_hash_table_lookup(d->ref_counts, ref->resolved));
	g_hash_table_replace(d->ref_counts, g_strdup(ref->resolved),
			     GUINT_TO_POINTER(n + 1));
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

static bool
scan_posts(Dupes *d, GError **error)
{
	g_autoptr(GPtrArray) posts = imgopt_site_list_posts(d->site, error);

	if (posts == NULL)
		return false;
	d->refs = g_ptr_array_new_with_free_func(
		(GDestroyNotify)g_ptr_array_unref);
	for (guint i = 0; i < posts->len; i++) {
		const char *post = g_ptr_array_index(posts, i);
		g_autoptr(GError) local = NULL;
		g_autoptr(GPtrArray) refs =
			imgopt_site_scan_post(d->site, post, &local);

		if (refs == NULL) {
			report_problem(d, post, local->message, true);
			continue;
		}
		for (guint j = 0; j < refs->len; j++)
			count_ref(d, g_ptr_array_index(refs, j));
		d->result->references += refs->len;
		g_ptr_array_add(d->refs, g_steal_pointer(&refs));
		report_progress(d, "scan", i + 1, posts->len);
	}
	d->result->posts = posts->len;
	return true;
}

/* ---- 2. what to index ---- */

static int
str_ptr_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool
keep_image_entry(const char *rel, const char *name, bool is_dir,
		 void *user_data)
{
	(void)user_data;
	if (!is_dir)
		return true;
	return name[0] != '.' && strcmp(rel, IMGOPT_OUTPUT_DIR) != 0;
}

static void
add_image_entry(Dupes *d, const char *path, ImgoptFsType type)
{
	if (type == IMGOPT_FS_REGULAR) {
		g_ptr_array_add(d->candidates, g_strdup(path));
		g_hash_table_add(d->under_images, g_strdup(path));
	}
	else if (type == IMGOPT_FS_SYMLINK)
		report_problem(d, path, "not indexed: a symbolic link (not "
			       "followed)", false);
	else
		report_problem(d, path, "not indexed: not a regular file "
			       "(FIFO, socket or device)", false);
}

static bool
list_images(Dupes *d, GError **error)
{
	const char *images = imgopt_site_get_images_dir(d->site);
	g_autofree char *abs = g_build_filename(d->root, images, NULL);
	GPtrArray *types = NULL;
	g_autoptr(GPtrArray) found =
		imgopt_fs_walk(abs, keep_image_entry, NULL, &types, error);
	g_autoptr(GPtrArray) kinds = types;

	if (found == NULL)
		return false;
	for (guint i = 0; i < found->len; i++) {
		const char *rel = g_ptr_array_index(found, i);
		g_autofree char *path = *images ?
			g_build_filename(images, rel, NULL) : g_strdup(rel);

		add_image_entry(d, path,
				GPOINTER_TO_UINT(g_ptr_array_index(kinds, i)));
	}
	return true;
}

/* IMAGES' files, then referenced files outside IMAGES, sorted. */
static bool
list_candidates(Dupes *d, GError **error)
{
	GHashTableIter iter;
	gpointer key;

	d->candidates = g_ptr_array_new_with_free_func(g_free);
	d->under_images = g_hash_table_new_full(g_str_hash, g_str_equal,
						g_free, NULL);
	if (!list_images(d, error))
		return false;
	g_hash_table_iter_init(&iter, d->ref_counts);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		if (!g_hash_table_contains(d->under_images, key))
			g_ptr_array_add(d->candidates, g_strdup(key));
	g_ptr_array_sort(d->candidates, str_ptr_cmp);
	return true;
}

/* ---- 3. indexing on the pool ---- */

/* What a worker learnt about one file. */
typedef struct {
	char *path;          /* relative to the site root */
	ImgoptAsset *asset;  /* NULL on error */
	GError *error;       /* why not */
	bool was_cached;     /* unchanged since the manifest's row */
	uint64_t bytes_read; /* hashed this time */
} FileResult;

static void
file_result_free(FileResult *r)
{
	g_free(r->path);
	imgopt_asset_free(r->asset);
	g_clear_error(&r->error);
	g_free(r);
}

/* Shared by the workers, read-only while the pool runs. */
typedef struct {
	const char *root;     /* site root */
	GHashTable *cache;    /* manifest rows by path */
	GAsyncQueue *results; /* receives one GPtrArray of FileResult a batch */
} PoolShared;

/* Reads a file, once more if it changed under the first read. */
static ImgoptAsset *
index_one(const PoolShared *sh, const char *path, FileResult *r)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		g_autoptr(ImgoptAsset) a = imgopt_index_stat(sh->root, path,
							     &r->error);
		const ImgoptAsset *cached = NULL;
		uint64_t n = 0;

		if (a == NULL)
			return NULL;
		cached = g_hash_table_lookup(sh->cache, path);
		if (imgopt_index_unchanged(cached, a)) {
			r->was_cached = true;
			return imgopt_asset_copy(cached);
		}
		bool ok = imgopt_index_read(sh->root, a, &n, &r->error);

		r->bytes_read += n;
		if (ok)
			return g_steal_pointer(&a);
		if (!g_error_matches(r->error, IMGOPT_ERROR,
				     IMGOPT_ERROR_CONFLICT) || attempt == 1)
			return NULL;
		g_clear_error(&r->error);
	}
	return NULL;
}

static void
index_batch(gpointer data, gpointer user_data)
{
	GPtrArray *paths = data;
	const PoolShared *sh = user_data;
	GPtrArray *out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)file_result_free);

	for (guint i = 0; i < paths->len; i++) {
		FileResult *r = g_new0(FileResult, 1);

		r->path = g_strdup(g_ptr_array_index(paths, i));
		r->asset = index_one(sh, r->path, r);
		g_ptr_array_add(out, r);
	}
	g_ptr_array_unref(paths);
	g_async_queue_push(sh->results, out);
}

/* Takes one result in: counters, the asset list, problems. */
static void
take_result(Dupes *d, FileResult *r)
{
	ImgoptAsset *a = g_steal_pointer(&r->asset);

	d->result->hashed_bytes += r->bytes_read;
	if (a == NULL) {
		report_problem(d, r->path, r->error->message, true);
		return;
	}
	if (r->was_cached) {
		d->result->cached_files++;
		g_hash_table_add(d->cached_now, a->path);
	}
	else
		d->result->hashed_files++;
	if (a->size == 0)
		g_ptr_array_add(d->result->empty, g_strdup(a->path));
	g_ptr_array_add(d->assets, a);
	g_hash_table_insert(d->asset_by_path, a->path, a);
}

/* One manifest transaction per batch: the re-hashed files' rows. */
static bool
store_batch(Dupes *d, GPtrArray *batch, GError **error)
{
	bool has_new = false;

	for (guint i = 0; i < batch->len && !has_new; i++) {
		const FileResult *r = g_ptr_array_index(batch, i);

		has_new = r->asset != NULL && !r->was_cached;
	}
	if (!has_new)
		return true;
	if (!imgopt_manifest_begin(d->manifest, error))
		return false;
	for (guint i = 0; i < batch->len; i++) {
		const FileResult *r = g_ptr_array_index(batch, i);

		if (r->asset != NULL && !r->was_cached &&
		    !imgopt_manifest_put_file(d->manifest, r->asset, error)) {
			imgopt_manifest_rollback(d->manifest);
			return false;
		}
	}
	return imgopt_manifest_commit(d->manifest, error);
}

static GThreadPool *
start_pool(PoolShared *sh, int jobs, guint *n_batches, const GPtrArray *paths,
	   GError **error)
{
	GThreadPool *pool = g_thread_pool_new(index_batch, sh,
					      jobs > 0 ? jobs :
					      (int)g_get_num_processors(),
					      FALSE, error);

	*n_batches = 0;
	if (pool == NULL)
		return NULL;
	for (guint i = 0; i < paths->len; i += BATCH) {
		GPtrArray *batch = g_ptr_array_new_with_free_func(g_free);

		for (guint j = i; j < MIN(i + BATCH, paths->len); j++)
			g_ptr_array_add(batch, g_strdup(g_ptr_array_index(paths, j)));
		if (!g_thread_pool_push(pool, batch, error)) {
			g_ptr_array_unref(batch);
			break;
		}
		(*n_batches)++;
	}
	return pool;
}

static bool
index_files(Dupes *d, const ImgoptDupesOptions *options, GError **error)
{
	g_autoptr(GAsyncQueue) queue = g_async_queue_new();
	PoolShared sh = {d->root, d->cache, queue};
	guint n_batches = 0;
	bool ok = true;
	GThreadPool *pool = start_pool(&sh, options ? options->jobs : 0,
				       &n_batches, d->candidates, error);

	if (pool == NULL)
		return false;
	for (guint b = 0; b < n_batches; b++) {
		g_autoptr(GPtrArray) batch = g_async_queue_pop(queue);

		/* After a manifest error, keep draining so the pool ends. */
		if (ok && !store_batch(d, batch, error))
			ok = false;
		for (guint i = 0; i < batch->len; i++)
			take_result(d, g_ptr_array_index(batch, i));
		d->result->files = d->assets->len;
		report_progress(d, "index", (uint64_t)MIN((b + 1) * BATCH,
			d->candidates->len), d->candidates->len);
	}
	g_thread_pool_free(pool, FALSE, TRUE);
	return ok && n_batches * BATCH >= d->candidates->len;
}

/* ---- 4. groups, confirmed byte for byte ---- */

static char *
make_token(const ImgoptAsset *rep)
{
	return g_strdup_printf("%s\n%" G_GUINT64_FORMAT ":%" G_GINT64_FORMAT
			       ":%" G_GUINT64_FORMAT, rep->path, rep->size,
			       rep->mtime_ns, rep->inode);
}

/* ImgoptBytesEqualFunc: from the token cache when both files are
 * unchanged and were confirmed against the same representative, else by
 * reading both. */
static bool
bytes_equal(const char *a, const char *b, bool *equal_out, void *user_data)
{
	Dupes *d = user_data;
	const char *ta = g_hash_table_lookup(d->tokens, a);
	const char *tb = g_hash_table_lookup(d->tokens, b);
	g_autoptr(GError) local = NULL;

	if (ta != NULL && tb != NULL && strcmp(ta, tb) == 0 &&
	    g_hash_table_contains(d->cached_now, a) &&
	    g_hash_table_contains(d->cached_now, b)) {
		*equal_out = true;
		return true;
	}
	if (!imgopt_index_files_equal(d->root, a, b, equal_out, &local)) {
		g_prefix_error(&local, "%s: not compared with %s: ", b, a);
		report_problem(d, b, local->message, true);
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
		const ImgoptGroupMember *first = g_ptr_array_index(g->members, 0);
		g_autofree char *token = make_token(
			g_hash_table_lookup(d->asset_by_path, first->path));

		for (guint j = 0; j < g->members->len; j++) {
			const ImgoptGroupMember *m = g_ptr_array_index(g->members, j);

			if (g_strcmp0(g_hash_table_lookup(d->tokens, m->path),
				      token) == 0)
				continue;
			if (!imgopt_manifest_put_confirmation(d->manifest, m->path,
							      token, error))
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

	report_progress(d, "compare", 0, nominated->len);
	d->result->groups = imgopt_group_confirm(nominated, bytes_equal, d);
	report_progress(d, "compare", nominated->len, nominated->len);
}

/* ---- 5. orphans ---- */

static void
find_orphans(Dupes *d)
{
	for (guint i = 0; i < d->assets->len; i++) {
		const ImgoptAsset *a = g_ptr_array_index(d->assets, i);

		if (!g_hash_table_contains(d->under_images, a->path) ||
		    g_hash_table_contains(d->ref_counts, a->path))
			continue;
		if (a->format == IMGOPT_FORMAT_UNKNOWN &&
		    !imgopt_index_is_image_name(a->path))
			continue;
		g_ptr_array_add(d->result->orphans, imgopt_asset_copy(a));
	}
}

static int
asset_path_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp((*(ImgoptAsset *const *)a)->path,
		      (*(ImgoptAsset *const *)b)->path);
}

static int
problem_path_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp((*(ImgoptProblem *const *)a)->path,
		      (*(ImgoptProblem *const *)b)->path);
}

static void
sort_result(ImgoptDupesResult *r)
{
	g_ptr_array_sort(r->orphans, asset_path_cmp);
	g_ptr_array_sort(r->errors, problem_path_cmp);
	g_ptr_array_sort(r->skipped, problem_path_cmp);
	g_ptr_array_sort(r->empty, str_ptr_cmp);
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

static bool
store_refs(Dupes *d, GError **error)
{
	for (guint i = 0; i < d->refs->len; i++) {
		const GPtrArray *refs = g_ptr_array_index(d->refs, i);
		const ImgoptRef *first = NULL;

		if (refs->len == 0)
			continue;
		first = g_ptr_array_index(refs, 0);
		if (!imgopt_manifest_replace_refs(d->manifest, first->post, refs,
						  error))
			return false;
	}
	return true;
}

/* The closing transaction: tokens, references, vanished rows, the run. */
static bool
store_outcome(Dupes *d, GError **error)
{
	const char *status = d->result->errors->len > 0 ? "failed" : "ok";

	if (!imgopt_manifest_begin(d->manifest, error))
		return false;
	if (!store_tokens(d, d->result->groups, error) ||
	    !store_refs(d, error) || !forget_vanished(d, error) ||
	    !imgopt_manifest_end_run(d->manifest, d->result->run_id, status,
				     error)) {
		imgopt_manifest_rollback(d->manifest);
		return false;
	}
	return imgopt_manifest_commit(d->manifest, error);
}

static bool
begin(Dupes *d, GError **error)
{
	if (!imgopt_manifest_begin(d->manifest, error))
		return false;
	if (!imgopt_manifest_begin_run(d->manifest, "dupes",
				       &d->result->run_id, error)) {
		imgopt_manifest_rollback(d->manifest);
		return false;
	}
	if (!imgopt_manifest_commit(d->manifest, error))
		return false;
	d->cache = imgopt_manifest_load_files(d->manifest, error);
	if (d->cache == NULL)
		return false;
	d->tokens = imgopt_manifest_load_confirmations(d->manifest, error);
	return d->tokens != NULL;
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
		g_debug("dupes: %s took %.3f s", step, (double)(now - last) / 1e6);
	last = now;
	g_mutex_unlock(&lock);
	return ok;
}

bool
imgopt_pipeline_dupes(const ImgoptSite *site,
		      const ImgoptDupesOptions *options,
		      ImgoptManifest *manifest, const ImgoptReporter *reporter,
		      ImgoptDupesResult **result_out, GError **error)
{
	g_auto(Dupes) d = {0};

	d.site = site;
	d.root = imgopt_site_get_root(site);
	d.manifest = manifest;
	d.reporter = reporter;
	d.result = result_new();
	d.ref_counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					     NULL);
	d.cached_now = g_hash_table_new(g_str_hash, g_str_equal);
	d.asset_by_path = g_hash_table_new(g_str_hash, g_str_equal);
	d.assets = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_asset_free);
	*result_out = NULL;
	if (!timed("begin", begin(&d, error)) ||
	    !timed("scan", scan_posts(&d, error)) ||
	    !timed("list", list_candidates(&d, error)) ||
	    !timed("index", index_files(&d, options, error)))
		return false;
	find_groups(&d);
	find_orphans(&d);
	sort_result(d.result);
	timed("group", true);
	if (!timed("store", store_outcome(&d, error)))
		return false;
	*result_out = g_steal_pointer(&d.result);
	return true;
}
