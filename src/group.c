/*
 * group.c: stage 3, assets → duplicate groups (see group.h).
 *
 * What "duplicate" means here.  Two files are duplicates when their bytes
 * are identical: not when their names, sizes or decoded pixels agree.  The
 * work is split in two so each half is cheap and the whole is exact:
 *
 *   assets ──nominate──► (hash, size) buckets of ≥ 2 ──confirm──► groups
 *            pure, O(n)                            byte comparison,
 *                                                  injected by the caller
 *
 * Nomination trusts XXH3-128 only to say "these are probably equal"; the
 * chance that unequal files share a 128-bit hash is negligible, but it is
 * not zero and the files come from the web, so no group is reported until
 * the bytes agreed.  Confirmation compares each member against the first
 * member of each class found so far (members in path order), so the
 * common case, all members equal, costs one comparison per extra member;
 * a collision splits the bucket into classes.  The caller's comparison
 * may answer from cache (dupes.c skips files already compared in an
 * earlier run and unchanged since).
 *
 * Everything is sorted before it leaves: members by path, groups by their
 * canonical path, so hash-table order never reaches the output.
 */
#include "imgopt/group.h"

#include <string.h>

static ImgoptGroupMember *
member_new(const ImgoptAsset *asset, guint n_refs)
{
	ImgoptGroupMember *m = g_new0(ImgoptGroupMember, 1);

	m->path = g_strdup(asset->path);
	m->size = asset->size;
	m->mtime_ns = asset->mtime_ns;
	m->n_refs = n_refs;
	return m;
}

static ImgoptGroupMember *
member_copy(const ImgoptGroupMember *src)
{
	ImgoptGroupMember *m = g_memdup2(src, sizeof *src);

	m->path = g_strdup(src->path);
	return m;
}

static void
member_free(ImgoptGroupMember *m)
{
	if (m == NULL)
		return;
	g_free(m->path);
	g_free(m);
}

static ImgoptGroup *
group_new(const ImgoptHash *hash, uint64_t bytes)
{
	ImgoptGroup *g = g_new0(ImgoptGroup, 1);

	g->hash = *hash;
	g->bytes = bytes;
	g->members =
		g_ptr_array_new_with_free_func((GDestroyNotify)member_free);
	return g;
}

void
imgopt_group_free(ImgoptGroup *group)
{
	if (group == NULL)
		return;
	g_clear_pointer(&group->members, g_ptr_array_unref);
	g_free(group);
}

const ImgoptGroupMember *
imgopt_group_get_canonical(const ImgoptGroup *group)
{
	return g_ptr_array_index(group->members, group->canonical);
}

uint64_t
imgopt_group_reclaimable(const ImgoptGroup *group)
{
	return group->bytes * (group->members->len - 1);
}

/* Negative if @a is the better canonical copy (see group.h for the rule). */
static int
canonical_order(const ImgoptGroupMember *a, const ImgoptGroupMember *b)
{
	size_t la = strlen(a->path), lb = strlen(b->path);

	if (a->n_refs != b->n_refs)
		return a->n_refs > b->n_refs ? -1 : 1;
	if (la != lb)
		return la < lb ? -1 : 1;
	if (a->mtime_ns != b->mtime_ns)
		return a->mtime_ns < b->mtime_ns ? -1 : 1;
	return strcmp(a->path, b->path);
}

guint
imgopt_group_choose_canonical(const GPtrArray *members)
{
	guint best = 0;

	g_return_val_if_fail(members->len > 0, 0);
	for (guint i = 1; i < members->len; i++)
		if (canonical_order(g_ptr_array_index(members, i),
				    g_ptr_array_index(members, best)) < 0)
			best = i;
	return best;
}

static int
member_path_cmp(gconstpointer a, gconstpointer b)
{
	const ImgoptGroupMember *ma = *(ImgoptGroupMember *const *)a;
	const ImgoptGroupMember *mb = *(ImgoptGroupMember *const *)b;

	return strcmp(ma->path, mb->path);
}

static int
group_cmp(gconstpointer a, gconstpointer b)
{
	const ImgoptGroup *ga = *(ImgoptGroup *const *)a;
	const ImgoptGroup *gb = *(ImgoptGroup *const *)b;

	return strcmp(imgopt_group_get_canonical(ga)->path,
		      imgopt_group_get_canonical(gb)->path);
}

/* Sorts members, chooses the canonical copy, and moves @g into @out if it
 * has two members or more (frees it otherwise). */
static void
finish_group(ImgoptGroup *g, GPtrArray *out)
{
	if (g->members->len < 2) {
		imgopt_group_free(g);
		return;
	}
	g_ptr_array_sort(g->members, member_path_cmp);
	g->canonical = imgopt_group_choose_canonical(g->members);
	g_ptr_array_add(out, g);
}

/* Buckets are keyed by the group itself (its hash and size), so files
 * with equal hashes but different sizes (a collision) never meet.  The
 * first four bytes of an XXH3 digest are already uniformly spread. */
static guint
bucket_hash(gconstpointer key)
{
	const ImgoptGroup *g = key;
	guint h;

	memcpy(&h, g->hash.bytes, sizeof h);
	return h ^ (guint)g->bytes;
}

static gboolean
bucket_equal(gconstpointer a, gconstpointer b)
{
	const ImgoptGroup *ga = a, *gb = b;

	return ga->bytes == gb->bytes &&
	       imgopt_hash_equal(&ga->hash, &gb->hash);
}

static guint
ref_count(GHashTable *ref_counts, const char *path)
{
	if (ref_counts == NULL)
		return 0;
	return GPOINTER_TO_UINT(g_hash_table_lookup(ref_counts, path));
}

GPtrArray *
imgopt_group_nominate(const GPtrArray *assets, GHashTable *ref_counts)
{
	g_autoptr(GHashTable) buckets =
		g_hash_table_new(bucket_hash, bucket_equal);
	GPtrArray *out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_group_free);
	GHashTableIter iter;
	gpointer value;

	for (guint i = 0; i < assets->len; i++) {
		const ImgoptAsset *a = g_ptr_array_index(assets, i);
		ImgoptGroup probe = {a->hash, a->size, NULL, 0};
		ImgoptGroup *g = NULL;

		if (!a->has_hash || a->size == 0)
			continue;
		g = g_hash_table_lookup(buckets, &probe);
		if (g == NULL) {
			g = group_new(&a->hash, a->size);
			g_hash_table_add(buckets, g);
		}
		g_ptr_array_add(g->members,
				member_new(a, ref_count(ref_counts, a->path)));
	}
	g_hash_table_iter_init(&iter, buckets);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		finish_group(value, out);
	g_ptr_array_sort(out, group_cmp);
	return out;
}

/* Puts @m into the first class of @classes whose first member equals it,
 * or into a new class.  Returns false if @m could not be compared (it is
 * then dropped). */
static bool
classify(GPtrArray *classes, const ImgoptGroup *src, const ImgoptGroupMember *m,
	 ImgoptBytesEqualFunc equal, void *user_data)
{
	ImgoptGroup *cls = NULL;

	for (guint c = 0; c < classes->len; c++) {
		ImgoptGroup *cand = g_ptr_array_index(classes, c);
		const ImgoptGroupMember *rep =
			g_ptr_array_index(cand->members, 0);
		bool same = false;

		if (!equal(rep->path, m->path, &same, user_data))
			return false;
		if (same) {
			cls = cand;
			break;
		}
	}
	if (cls == NULL) {
		cls = group_new(&src->hash, src->bytes);
		g_ptr_array_add(classes, cls);
	}
	g_ptr_array_add(cls->members, member_copy(m));
	return true;
}

static void
confirm_one(const ImgoptGroup *g, ImgoptBytesEqualFunc equal, void *user_data,
	    GPtrArray *out)
{
	/* The classes' members stay in path order: their first member, the
	 * one compared against, is each class's smallest path. */
	g_autoptr(GPtrArray) classes = g_ptr_array_new();

	for (guint i = 0; i < g->members->len; i++)
		classify(classes, g, g_ptr_array_index(g->members, i), equal,
			 user_data);
	for (guint c = 0; c < classes->len; c++)
		finish_group(g_ptr_array_index(classes, c), out);
}

/* What the workers of a parallel confirmation share. */
typedef struct {
	const GPtrArray *nominated; /* the groups to confirm */
	GPtrArray *outs;            /* one GPtrArray of groups per group */
	ImgoptBytesEqualFunc equal; /* the caller's comparison */
	void *user_data;            /* for @equal */
} Confirm;

static void
confirm_task(gpointer data, gpointer user_data)
{
	guint i = GPOINTER_TO_UINT(data) - 1;
	Confirm *c = user_data;

	confirm_one(g_ptr_array_index(c->nominated, i), c->equal, c->user_data,
		    g_ptr_array_index(c->outs, i));
}

/* Confirms every group on @jobs threads, each group's classes in its own
 * array; false if the pool could not start. */
static bool
confirm_pool(Confirm *c, int jobs)
{
	GThreadPool *pool =
		g_thread_pool_new(confirm_task, c, jobs, FALSE, NULL);

	if (pool == NULL)
		return false;
	for (guint i = 0; i < c->nominated->len; i++)
		g_thread_pool_push(pool, GUINT_TO_POINTER(i + 1), NULL);
	g_thread_pool_free(pool, FALSE, TRUE);
	return true;
}

GPtrArray *
imgopt_group_confirm_jobs(const GPtrArray *nominated,
			  ImgoptBytesEqualFunc equal, void *user_data, int jobs)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_group_free);
	g_autoptr(GPtrArray) outs = g_ptr_array_new_with_free_func(
		(GDestroyNotify)g_ptr_array_unref);
	Confirm c = {nominated, outs, equal, user_data};

	for (guint i = 0; i < nominated->len; i++)
		g_ptr_array_add(outs, g_ptr_array_new());
	if (jobs < 2 || nominated->len < 2 || !confirm_pool(&c, jobs))
		for (guint i = 0; i < nominated->len; i++)
			confirm_one(g_ptr_array_index(nominated, i), equal,
				    user_data, g_ptr_array_index(outs, i));
	for (guint i = 0; i < outs->len; i++) {
		GPtrArray *one = g_ptr_array_index(outs, i);

		for (guint j = 0; j < one->len; j++)
			g_ptr_array_add(out, g_ptr_array_index(one, j));
	}
	g_ptr_array_sort(out, group_cmp);
	return out;
}

GPtrArray *
imgopt_group_confirm(const GPtrArray *nominated, ImgoptBytesEqualFunc equal,
		     void *user_data)
{
	return imgopt_group_confirm_jobs(nominated, equal, user_data, 1);
}
