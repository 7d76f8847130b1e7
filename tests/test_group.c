/*
 * test_group.c: duplicate nomination, the canonical rule, and the byte
 * comparison's veto when hashes agree but bytes do not.
 */
#include "imgopt/imgopt.h"

#include <string.h>

static ImgoptAsset *
asset(const char *path, uint8_t hash_byte, uint64_t size, int64_t mtime)
{
	ImgoptAsset *a = imgopt_asset_new(path);

	memset(a->hash.bytes, hash_byte, sizeof a->hash.bytes);
	a->has_hash = true;
	a->size = size;
	a->mtime_ns = mtime;
	return a;
}

static GPtrArray *
assets_new(void)
{
	return g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_asset_free);
}

static const char *
canonical_path(const GPtrArray *groups, guint i)
{
	return imgopt_group_get_canonical(g_ptr_array_index(groups, i))->path;
}

static void
test_same_bytes_different_names(void)
{
	g_autoptr(GPtrArray) assets = assets_new();
	g_autoptr(GPtrArray) groups = NULL;
	const ImgoptGroup *g;

	g_ptr_array_add(assets, asset("img/b.jpg", 1, 100, 10));
	g_ptr_array_add(assets, asset("img/a.jpg", 1, 100, 20));
	g_ptr_array_add(assets, asset("img/c.jpg", 2, 100, 5));
	g_ptr_array_add(assets, asset("img/d.jpg", 1, 100, 30));
	groups = imgopt_group_nominate(assets, NULL);
	g_assert_cmpuint(groups->len, ==, 1);
	g = g_ptr_array_index(groups, 0);
	g_assert_cmpuint(g->members->len, ==, 3);
	/* Members are sorted by path. */
	g_assert_cmpstr(((ImgoptGroupMember *)g->members->pdata[0])->path, ==,
			"img/a.jpg");
	g_assert_cmpstr(((ImgoptGroupMember *)g->members->pdata[2])->path, ==,
			"img/d.jpg");
	/* Same references and path length: the oldest wins. */
	g_assert_cmpstr(canonical_path(groups, 0), ==, "img/b.jpg");
	g_assert_cmpuint(imgopt_group_reclaimable(g), ==, 200);
}

static void
test_canonical_rule(void)
{
	g_autoptr(GPtrArray) assets = assets_new();
	g_autoptr(GHashTable) refs = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GPtrArray) groups = NULL;

	/* Group 1: the most referenced wins over shorter and older paths. */
	g_ptr_array_add(assets, asset("a.jpg", 1, 10, 1));
	g_ptr_array_add(assets, asset("longer/name.jpg", 1, 10, 9));
	g_hash_table_insert(refs, (char *)"longer/name.jpg",
			    GUINT_TO_POINTER(2));
	g_hash_table_insert(refs, (char *)"a.jpg", GUINT_TO_POINTER(1));
	/* Group 2: equal references: the shortest path wins over the oldest. */
	g_ptr_array_add(assets, asset("x/bb.jpg", 2, 10, 1));
	g_ptr_array_add(assets, asset("x/c.jpg", 2, 10, 9));
	/* Group 3: everything equal but the path: byte order decides. */
	g_ptr_array_add(assets, asset("y/q.jpg", 3, 10, 5));
	g_ptr_array_add(assets, asset("y/p.jpg", 3, 10, 5));
	groups = imgopt_group_nominate(assets, refs);
	g_assert_cmpuint(groups->len, ==, 3);
	/* Groups are sorted by canonical path. */
	g_assert_cmpstr(canonical_path(groups, 0), ==, "longer/name.jpg");
	g_assert_cmpstr(canonical_path(groups, 1), ==, "x/c.jpg");
	g_assert_cmpstr(canonical_path(groups, 2), ==, "y/p.jpg");
	g_assert_cmpuint(
		imgopt_group_get_canonical(g_ptr_array_index(groups, 0))
			->n_refs,
		==, 2);
}

static void
test_ignored_assets(void)
{
	g_autoptr(GPtrArray) assets = assets_new();
	g_autoptr(GPtrArray) groups = NULL;
	ImgoptAsset *unhashed = asset("u1", 4, 10, 1);

	/* Empty files are never duplicates of each other. */
	g_ptr_array_add(assets, asset("e1", 9, 0, 1));
	g_ptr_array_add(assets, asset("e2", 9, 0, 2));
	/* Same hash, different size: never the same bytes. */
	g_ptr_array_add(assets, asset("s1", 5, 10, 1));
	g_ptr_array_add(assets, asset("s2", 5, 11, 1));
	unhashed->has_hash = false;
	g_ptr_array_add(assets, unhashed);
	g_ptr_array_add(assets, asset("u2", 4, 10, 1));
	groups = imgopt_group_nominate(assets, NULL);
	g_assert_cmpuint(groups->len, ==, 0);
}

/* A fake comparison: files are "equal" when their contents (looked up by
 * path in a table) are equal strings; paths in @unreadable fail. */
typedef struct {
	GHashTable *contents;   /* path → bytes */
	const char *unreadable; /* nullable */
	guint calls;            /* comparisons made */
} FakeDisk;

static bool
fake_equal(const char *a, const char *b, bool *equal_out, void *user_data)
{
	FakeDisk *disk = user_data;

	disk->calls++;
	if (g_strcmp0(b, disk->unreadable) == 0 ||
	    g_strcmp0(a, disk->unreadable) == 0)
		return false;
	*equal_out = strcmp(g_hash_table_lookup(disk->contents, a),
			    g_hash_table_lookup(disk->contents, b)) == 0;
	return true;
}

static void
test_collision_veto(void)
{
	g_autoptr(GPtrArray) assets = assets_new();
	g_autoptr(GHashTable) contents =
		g_hash_table_new(g_str_hash, g_str_equal);
	FakeDisk disk = {contents, NULL, 0};
	g_autoptr(GPtrArray) nominated = NULL;
	g_autoptr(GPtrArray) confirmed = NULL;
	const char *paths[] = {"a", "b", "c", "d", "e"};
	const char *bytes[] = {"XX", "YY", "XX", "YY", "ZZ"};

	/* Five files with one (fake) hash: three different contents. */
	for (guint i = 0; i < G_N_ELEMENTS(paths); i++) {
		g_ptr_array_add(assets, asset(paths[i], 7, 2, (int64_t)i));
		g_hash_table_insert(contents, (char *)paths[i],
				    (char *)bytes[i]);
	}
	nominated = imgopt_group_nominate(assets, NULL);
	g_assert_cmpuint(nominated->len, ==, 1);
	g_assert_cmpuint(((ImgoptGroup *)nominated->pdata[0])->members->len, ==,
			 5);
	confirmed = imgopt_group_confirm(nominated, fake_equal, &disk);
	/* {a, c} and {b, d}; e alone is no group. */
	g_assert_cmpuint(confirmed->len, ==, 2);
	g_assert_cmpstr(canonical_path(confirmed, 0), ==, "a");
	g_assert_cmpstr(canonical_path(confirmed, 1), ==, "b");
	g_assert_cmpuint(((ImgoptGroup *)confirmed->pdata[0])->members->len, ==,
			 2);
	g_assert_cmpstr(
		((ImgoptGroupMember *)((ImgoptGroup *)confirmed->pdata[1])
			 ->members->pdata[1])
			->path,
		==, "d");
}

static void
test_confirm_all_equal_is_linear(void)
{
	g_autoptr(GPtrArray) assets = assets_new();
	g_autoptr(GHashTable) contents =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	FakeDisk disk = {contents, NULL, 0};
	g_autoptr(GPtrArray) nominated = NULL;
	g_autoptr(GPtrArray) confirmed = NULL;

	for (int i = 0; i < 50; i++) {
		char *p = g_strdup_printf("f%02d", i);

		g_ptr_array_add(assets, asset(p, 3, 2, i));
		g_hash_table_insert(contents, p, (char *)"same");
	}
	nominated = imgopt_group_nominate(assets, NULL);
	confirmed = imgopt_group_confirm(nominated, fake_equal, &disk);
	g_assert_cmpuint(confirmed->len, ==, 1);
	g_assert_cmpuint(((ImgoptGroup *)confirmed->pdata[0])->members->len, ==,
			 50);
	/* One comparison per member beyond the first. */
	g_assert_cmpuint(disk.calls, ==, 49);
}

static void
test_confirm_drops_unreadable(void)
{
	g_autoptr(GPtrArray) assets = assets_new();
	g_autoptr(GHashTable) contents =
		g_hash_table_new(g_str_hash, g_str_equal);
	FakeDisk disk = {contents, "b", 0};
	g_autoptr(GPtrArray) nominated = NULL;
	g_autoptr(GPtrArray) confirmed = NULL;

	g_ptr_array_add(assets, asset("a", 1, 2, 1));
	g_ptr_array_add(assets, asset("b", 1, 2, 2));
	g_ptr_array_add(assets, asset("c", 1, 2, 3));
	g_hash_table_insert(contents, (char *)"a", (char *)"Q");
	g_hash_table_insert(contents, (char *)"c", (char *)"Q");
	nominated = imgopt_group_nominate(assets, NULL);
	confirmed = imgopt_group_confirm(nominated, fake_equal, &disk);
	g_assert_cmpuint(confirmed->len, ==, 1);
	g_assert_cmpuint(((ImgoptGroup *)confirmed->pdata[0])->members->len, ==,
			 2);
}

/* Thread-safe: reads the table only. */
static bool
table_equal(const char *a, const char *b, bool *equal_out, void *user_data)
{
	GHashTable *contents = user_data;

	*equal_out = strcmp(g_hash_table_lookup(contents, a),
			    g_hash_table_lookup(contents, b)) == 0;
	return true;
}

/* Groups spread over threads come out as from one thread: same groups,
 * same members, same order. */
static void
test_confirm_jobs_same_result(void)
{
	g_autoptr(GPtrArray) assets = assets_new();
	g_autoptr(GHashTable) contents =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GPtrArray) nominated = NULL;
	g_autoptr(GPtrArray) one = NULL;
	g_autoptr(GPtrArray) four = NULL;

	/* 60 nominated groups of 5; in every third, a collision. */
	for (int i = 0; i < 300; i++) {
		char *p = g_strdup_printf("g%02d/f%d", i / 5, i % 5);
		int variant = (i / 5) % 3 == 0 ? i % 2 : 0;

		g_ptr_array_add(assets, asset(p, i / 5, 100 + i / 5, i));
		g_hash_table_insert(contents, p,
				    g_strdup_printf("%d-%d", i / 5, variant));
	}
	nominated = imgopt_group_nominate(assets, NULL);
	g_assert_cmpuint(nominated->len, ==, 60);
	one = imgopt_group_confirm(nominated, table_equal, contents);
	four = imgopt_group_confirm_jobs(nominated, table_equal, contents, 4);
	g_assert_cmpuint(one->len, ==, 80);
	g_assert_cmpuint(four->len, ==, one->len);
	for (guint i = 0; i < one->len; i++) {
		const ImgoptGroup *a = one->pdata[i], *b = four->pdata[i];

		g_assert_cmpuint(a->members->len, ==, b->members->len);
		g_assert_cmpuint(a->canonical, ==, b->canonical);
		for (guint j = 0; j < a->members->len; j++)
			g_assert_cmpstr(
				((ImgoptGroupMember *)a->members->pdata[j])
					->path,
				==,
				((ImgoptGroupMember *)b->members->pdata[j])
					->path);
	}
}

static void
test_choose_canonical_single(void)
{
	g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func(g_free);
	ImgoptGroupMember *m = g_new0(ImgoptGroupMember, 1);

	m->path = (char *)"only";
	g_ptr_array_add(members, m);
	g_assert_cmpuint(imgopt_group_choose_canonical(members), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/group/confirm-jobs-same-result",
			test_confirm_jobs_same_result);
	g_test_add_func("/group/same-bytes-different-names",
			test_same_bytes_different_names);
	g_test_add_func("/group/canonical-rule", test_canonical_rule);
	g_test_add_func("/group/empty-unhashed-and-size-mismatch-ignored",
			test_ignored_assets);
	g_test_add_func("/group/byte-compare-vetoes-hash-collision",
			test_collision_veto);
	g_test_add_func("/group/confirm-one-compare-per-member",
			test_confirm_all_equal_is_linear);
	g_test_add_func("/group/confirm-drops-unreadable-member",
			test_confirm_drops_unreadable);
	g_test_add_func("/group/choose-canonical-single",
			test_choose_canonical_single);
	return g_test_run();
}
