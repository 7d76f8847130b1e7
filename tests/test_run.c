/*
 * test_run.c: `imgopt run`, `check`, `undo` and `--dry-run` end to end,
 * through the built binary, on copies of fixtures/sites/rewrite-basic:
 * the rewritten posts byte for byte against expected/ (and
 * expected-srcset/), the variant files by name, the manifest's dump (files,
 * variants, the rewritten posts' references, the rewrites undo uses),
 * idempotence, the exit codes of check, undo byte for byte, and a dry run
 * changing no byte of the tree (the manifest included).
 */
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "fsio.h"
#include "imgopt/imgopt.h"
#include "testutil.h"

#define CASE "rewrite-basic"

static char *
copy_case(void)
{
	return tu_copy_site(CASE);
}

/* Runs imgopt COMMAND SITE/_posts SITE/postimg [extra…]. */
static int
run_cmd(const char *site, const char *command, const char *extra1,
	const char *extra2, char **out)
{
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *images = g_build_filename(site, "postimg", NULL);
	const char *argv[8] = {"imgopt"};
	int n = 1;

	if (command != NULL)
		argv[n++] = command;
	argv[n++] = posts;
	argv[n++] = images;
	if (extra1 != NULL)
		argv[n++] = extra1;
	if (extra2 != NULL)
		argv[n++] = extra2;
	return tu_run(argv, out, NULL);
}

/* Every file below @dir with its mode and checksum, one a line. */
static char *
snapshot(const char *dir)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) files =
		imgopt_fs_walk(dir, NULL, NULL, NULL, &error);
	GString *s = g_string_new(NULL);

	g_assert_no_error(error);
	for (guint i = 0; i < files->len; i++) {
		const char *rel = g_ptr_array_index(files, i);
		g_autofree char *full = g_build_filename(dir, rel, NULL);
		gsize len = 0;
		g_autofree char *data = tu_read(full, &len);
		g_autofree char *sum = g_compute_checksum_for_data(
			G_CHECKSUM_SHA256, (const guchar *)data, len);
		GStatBuf st;

		g_assert_cmpint(g_stat(full, &st), ==, 0);
		g_string_append_printf(s, "%s %o %s\n", rel,
				       (unsigned)(st.st_mode & 07777), sum);
	}
	return g_string_free(s, false);
}

static char *
list_variants(const char *site)
{
	g_autofree char *dir =
		g_build_filename(site, "postimg", "optimized", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) files =
		imgopt_fs_walk(dir, NULL, NULL, NULL, &error);
	GString *s = g_string_new(NULL);

	g_assert_no_error(error);
	for (guint i = 0; i < files->len; i++)
		g_string_append_printf(s, "%s\n",
				       (char *)g_ptr_array_index(files, i));
	return g_string_free(s, false);
}

/* The manifest's canonical dump, without the runs (their times vary). */
static char *
dump_manifest(const char *site)
{
	g_autofree char *path =
		g_build_filename(site, ".imgopt", "manifest.db", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptManifest) m = imgopt_manifest_open(path, &error);

	g_assert_no_error(error);
	char *dump = imgopt_manifest_dump(m, false, &error);
	g_assert_no_error(error);
	return dump;
}

/* Compares every post of @site with @expected_dir/_posts. */
static void
assert_posts(const char *site, const char *expected_dir)
{
	g_autofree char *in_posts = g_build_filename(site, "_posts", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) posts =
		imgopt_fs_walk(in_posts, NULL, NULL, NULL, &error);

	g_assert_no_error(error);
	for (guint i = 0; i < posts->len; i++) {
		const char *name = g_ptr_array_index(posts, i);
		g_autofree char *got_path =
			g_build_filename(in_posts, name, NULL);
		g_autofree char *exp = tu_fixture("sites", CASE, expected_dir,
						  "_posts", name, NULL);
		g_autofree char *got = tu_read(got_path, NULL);

		g_test_message("post %s", name);
		tu_assert_golden(got, exp);
	}
}

static void
test_golden(gconstpointer data)
{
	const char *expected_dir = data;
	bool use_srcset = strcmp(expected_dir, "expected-srcset") == 0;
	g_autofree char *site = copy_case();
	g_autofree char *out = NULL;

	/* The fixture has one unrepairable link: exit 1, all else done.
	 * The goldens are today's links: --link-format auto has tests of
	 * its own (test_rewrite.c, tests/cli/run-link-format.sh). */
	g_assert_cmpint(run_cmd(site, "run", "--link-format=original",
				use_srcset ? "--srcset" : NULL, &out),
			==, 1);
	assert_posts(site, expected_dir);
	g_autofree char *variants = list_variants(site);
	g_autofree char *exp =
		tu_fixture("sites", CASE, expected_dir, "variants.txt", NULL);
	tu_assert_golden(variants, exp);
	g_autofree char *dump = dump_manifest(site);
	g_autofree char *exp_dump =
		tu_fixture("sites", CASE, expected_dir, "manifest.txt", NULL);
	tu_assert_golden(dump, exp_dump);
	g_autofree char *parent = g_path_get_dirname(site);
	tu_rmtree(parent);
}

static JsonObject *
json_summary(JsonNode *root)
{
	return json_object_get_object_member(json_node_get_object(root),
					     "summary");
}

static JsonNode *
run_json(const char *site, const char *command, const char *extra,
	 int *exit_out)
{
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *images = g_build_filename(site, "postimg", NULL);
	const char *argv[] = {"imgopt", command, posts, images,
			      "--json", extra,   NULL};

	return tu_run_json(argv, exit_out);
}

static void
test_idempotent(void)
{
	g_autofree char *site = copy_case();
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *images = g_build_filename(site, "postimg", NULL);
	int code = 0;

	g_assert_cmpint(run_cmd(site, "run", NULL, NULL, NULL), ==, 1);
	g_autofree char *before_posts = snapshot(posts);
	g_autofree char *before_images = snapshot(images);
	g_autoptr(JsonNode) second = run_json(site, "run", NULL, &code);
	JsonObject *sum = json_summary(second);

	g_assert_cmpint(json_object_get_int_member(sum, "posts_changed"), ==,
			0);
	g_assert_cmpint(json_object_get_int_member(sum, "encoded"), ==, 0);
	g_assert_cmpint(
		json_object_get_int_member(sum, "variant_files_written"), ==,
		0);
	g_autofree char *after_posts = snapshot(posts);
	g_autofree char *after_images = snapshot(images);
	g_assert_cmpstr(before_posts, ==, after_posts);
	g_assert_cmpstr(before_images, ==, after_images);
	g_autofree char *parent = g_path_get_dirname(site);
	tu_rmtree(parent);
}

static gint64
summary_of(JsonNode *root, const char *key)
{
	return json_object_get_int_member(json_summary(root), key);
}

/* An unchanged re-run reports the bytes the run before it reported
 * after: a browser loads one file per tag, so the srcset candidates a
 * --srcset run adds are not counted as shown on the next run. */
static void
test_rerun_same_bytes(void)
{
	g_autofree char *site = copy_case();
	static const char *const keys[] = {"bytes_shown", "bytes",
					   "post_bytes_median",
					   "post_bytes_largest"};
	int code = 0;

	g_autoptr(JsonNode) first = run_json(site, "run", "--srcset", &code);
	g_assert_cmpint(summary_of(first, "posts_changed"), >, 0);
	g_autoptr(JsonNode) second = run_json(site, "run", "--srcset", &code);
	g_assert_cmpint(summary_of(second, "posts_changed"), ==, 0);
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
		g_autofree char *before = g_strconcat(keys[i], "_before", NULL);
		g_autofree char *after = g_strconcat(keys[i], "_after", NULL);
		gint64 shown = summary_of(first, after);

		g_test_message("%s: %" G_GINT64_FORMAT, after, shown);
		g_assert_cmpint(shown, >, 0);
		g_assert_cmpint(summary_of(second, before), ==, shown);
		g_assert_cmpint(summary_of(second, after), ==, shown);
	}
	g_autofree char *parent = g_path_get_dirname(site);
	tu_rmtree(parent);
}

static void
test_check(void)
{
	g_autofree char *site = copy_case();
	g_autofree char *broken =
		g_build_filename(site, "_posts", "2020-01-03-windows.md", NULL);
	int code = 0;

	/* With its broken link, the site never passes. */
	g_assert_cmpint(run_cmd(site, "check", NULL, NULL, NULL), ==, 1);
	g_assert_cmpint(g_unlink(broken), ==, 0);
	g_autoptr(JsonNode) before = run_json(site, "check", NULL, &code);
	g_assert_cmpint(code, ==, 1);
	g_assert_false(json_object_get_boolean_member(
		json_node_get_object(before), "ok"));
	g_assert_cmpint(run_cmd(site, "run", NULL, NULL, NULL), ==, 0);
	g_autoptr(JsonNode) after = run_json(site, "check", NULL, &code);
	g_assert_cmpint(code, ==, 0);
	g_assert_true(json_object_get_boolean_member(
		json_node_get_object(after), "ok"));
	/* A new reference is work again. */
	g_autofree char *post =
		g_build_filename(site, "_posts", "2021-01-01-new.md", NULL);
	tu_write(post, "---\ntitle: new\n---\n![](/postimg/banner.jpg)\n");
	g_assert_cmpint(run_cmd(site, "check", NULL, NULL, NULL), ==, 1);
	g_autofree char *parent = g_path_get_dirname(site);
	tu_rmtree(parent);
}

static void
test_dry_run(void)
{
	g_autofree char *site = copy_case();
	g_autofree char *before = snapshot(site);
	g_autofree char *out = NULL;

	g_assert_cmpint(run_cmd(site, "run", "--dry-run", NULL, &out), ==, 1);
	g_assert_nonnull(strstr(out, "--- a/_posts/2020-01-01-crlf.md\n"));
	g_assert_nonnull(strstr(out, "would write: postimg/optimized/"));
	g_autofree char *after = snapshot(site);
	g_assert_cmpstr(before, ==, after);
	/* Again once a manifest exists: it must not change either. */
	g_assert_cmpint(run_cmd(site, "run", NULL, NULL, NULL), ==, 1);
	g_autofree char *post =
		g_build_filename(site, "_posts", "2021-01-01-new.md", NULL);
	tu_write(post, "---\ntitle: new\n---\n![](/postimg/banner.jpg)\n");
	g_autofree char *before2 = snapshot(site);
	g_autofree char *out2 = NULL;
	g_assert_cmpint(run_cmd(site, NULL, "-n", NULL, &out2), ==, 1);
	g_assert_nonnull(strstr(out2, "+![](/postimg/optimized/"));
	g_autofree char *after2 = snapshot(site);
	g_assert_cmpstr(before2, ==, after2);
	g_autofree char *parent = g_path_get_dirname(site);
	tu_rmtree(parent);
}

static void
test_undo(void)
{
	g_autofree char *site = copy_case();
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *crlf =
		g_build_filename(posts, "2020-01-01-crlf.md", NULL);
	int code = 0;

	g_autofree char *bom =
		g_build_filename(posts, "2020-01-02-bom-html.md", NULL);

	/* Modes the umask would change if the writer relied on open(). */
	umask(022);
	g_assert_cmpint(g_chmod(crlf, 0600), ==, 0);
	g_assert_cmpint(g_chmod(bom, 0664), ==, 0);
	g_autofree char *original = snapshot(posts);
	g_assert_cmpint(run_cmd(site, "run", NULL, NULL, NULL), ==, 1);
	g_autofree char *rewritten = snapshot(posts);
	g_assert_cmpstr(original, !=, rewritten);
	g_assert_nonnull(strstr(rewritten, "crlf.md 600 "));
	g_assert_nonnull(strstr(rewritten, "bom-html.md 664 "));
	g_autoptr(JsonNode) res = run_json(site, "undo", NULL, &code);
	g_assert_cmpint(code, ==, 0);
	g_assert_cmpint(
		json_object_get_int_member(json_summary(res), "restored"), ==,
		3);
	g_autofree char *restored = snapshot(posts);
	g_assert_cmpstr(original, ==, restored);
	/* A second undo finds everything restored already. */
	g_assert_cmpint(run_cmd(site, "undo", NULL, NULL, NULL), ==, 0);
	g_autofree char *again = snapshot(posts);
	g_assert_cmpstr(original, ==, again);
	g_autofree char *parent = g_path_get_dirname(site);
	tu_rmtree(parent);
}

static void
test_undo_refuses_edited(void)
{
	g_autofree char *site = copy_case();
	g_autofree char *post = g_build_filename(
		site, "_posts", "2020-01-02-bom-html.md", NULL);
	g_autofree char *err = NULL;

	g_assert_cmpint(run_cmd(site, "run", NULL, NULL, NULL), ==, 1);
	g_autofree char *edited = tu_read(post, NULL);
	g_autofree char *more =
		g_strconcat(edited, "An edit after the run.\n", NULL);
	tu_write(post, more);
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *images = g_build_filename(site, "postimg", NULL);
	const char *argv[] = {"imgopt", "undo", posts, images, NULL};
	g_assert_cmpint(tu_run(argv, NULL, &err), ==, 1);
	g_assert_nonnull(strstr(err, "2020-01-02-bom-html.md' was edited "
				     "after run"));
	g_autofree char *now = tu_read(post, NULL);
	g_assert_cmpstr(now, ==, more);
	/* The other posts were restored. */
	g_autofree char *crlf =
		g_build_filename(posts, "2020-01-01-crlf.md", NULL);
	g_autofree char *orig = tu_fixture("sites", CASE, "input", "_posts",
					   "2020-01-01-crlf.md", NULL);
	g_autofree char *a = tu_read(crlf, NULL);
	g_autofree char *b = tu_read(orig, NULL);
	g_assert_cmpstr(a, ==, b);
	g_autofree char *parent = g_path_get_dirname(site);
	tu_rmtree(parent);
}

/* How many posts of @site differ from @original (a tu_load_tree()). */
static guint
n_posts_changed(const char *site, GHashTable *original)
{
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autoptr(GHashTable) now = tu_load_tree(posts, NULL);
	GHashTableIter it;
	gpointer k, v;
	guint n = 0;

	g_hash_table_iter_init(&it, original);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		GBytes *b = g_hash_table_lookup(now, k);

		n += b == NULL || !g_bytes_equal(b, v);
	}
	return n;
}

/* A copy whose first run was killed once it had rewritten some posts
 * but not all: the kill point is searched from the first on. */
static char *
copy_killed_midway(GHashTable *original)
{
	for (guint n = 1; n < 200; n++) {
		g_autofree char *after = g_strdup_printf("%u", n);
		char *site = copy_case();
		guint changed;

		g_setenv("IMGOPT_FAULT_AFTER", after, TRUE);
		int code = run_cmd(site, "run", NULL, NULL, NULL);
		g_unsetenv("IMGOPT_FAULT_AFTER");
		g_assert_cmpint(code, ==, 128 + 9);
		changed = n_posts_changed(site, original);
		if (changed > 0 && changed < g_hash_table_size(original))
			return site;
		g_autofree char *parent = g_path_get_dirname(site);
		tu_rmtree(parent);
		g_free(site);
	}
	g_error("no kill point stops the run between two posts");
}

/* A run killed midway and the run that completed it are one run to undo:
 * every post goes back to its bytes before the killed run, and a post the
 * killed run wrote, edited since, is refused by name. */
static void
test_undo_after_kill(void)
{
	g_autofree char *input = tu_fixture("sites", CASE, "input", NULL);
	g_autofree char *in_posts = g_build_filename(input, "_posts", NULL);
	g_autoptr(GHashTable) original = tu_load_tree(in_posts, NULL);
	g_autofree char *site = copy_killed_midway(original);
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *images = g_build_filename(site, "postimg", NULL);
	g_autofree char *out = NULL;
	int code = 0;

	g_assert_cmpint(run_cmd(site, "run", NULL, NULL, NULL), ==, 1);
	g_assert_cmpuint(n_posts_changed(site, original), ==,
			 g_hash_table_size(original));
	const char *dry[] = {"imgopt", "undo", posts, images, "-n", NULL};
	g_assert_cmpint(tu_run(dry, &out, NULL), ==, 0);
	g_assert_nonnull(strstr(out, "was interrupted and run"));
	g_autoptr(JsonNode) res = run_json(site, "undo", NULL, &code);
	g_assert_cmpint(code, ==, 0);
	JsonObject *o = json_node_get_object(res);
	g_assert_cmpuint(
		json_array_get_length(json_object_get_array_member(o, "runs")),
		==, 2);
	g_assert_cmpint(
		json_object_get_int_member(json_summary(res), "restored"), ==,
		g_hash_table_size(original));
	g_assert_cmpuint(n_posts_changed(site, original), ==, 0);
	g_autoptr(GHashTable) now = tu_load_tree(posts, NULL);
	tu_assert_same_tree(original, now, "posts after undo");
	g_autofree char *parent = g_path_get_dirname(site);
	tu_rmtree(parent);
}

/* The same, with a post the killed run wrote edited since: refused by
 * name, the others restored. */
static void
test_undo_after_kill_refuses_edited(void)
{
	g_autofree char *input = tu_fixture("sites", CASE, "input", NULL);
	g_autofree char *in_posts = g_build_filename(input, "_posts", NULL);
	g_autoptr(GHashTable) original = tu_load_tree(in_posts, NULL);
	g_autofree char *site = copy_killed_midway(original);
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *images = g_build_filename(site, "postimg", NULL);
	g_autoptr(GHashTable) killed = tu_load_tree(posts, NULL);
	g_autofree char *edited = NULL;
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, original);
	while (edited == NULL && g_hash_table_iter_next(&it, &k, &v))
		if (!g_bytes_equal(v, g_hash_table_lookup(killed, k)))
			edited = g_strdup(k);
	g_assert_cmpint(run_cmd(site, "run", NULL, NULL, NULL), ==, 1);
	g_autofree char *full = g_build_filename(posts, edited, NULL);
	g_autofree char *text = tu_read(full, NULL);
	g_autofree char *more = g_strconcat(text, "Edited.\n", NULL);
	tu_write(full, more);
	const char *argv[] = {"imgopt", "undo", posts, images, NULL};
	g_autofree char *err = NULL;
	g_assert_cmpint(tu_run(argv, NULL, &err), ==, 1);
	g_autofree char *msg =
		g_strdup_printf("%s' was edited after run", edited);
	g_assert_nonnull(strstr(err, msg));
	g_autofree char *now_text = tu_read(full, NULL);
	g_assert_cmpstr(now_text, ==, more);
	g_assert_cmpuint(n_posts_changed(site, original), ==, 1);
	g_autofree char *parent = g_path_get_dirname(site);
	tu_rmtree(parent);
}

/* The temporary files a killed write leaves (a post's, a variant's) are
 * removed by the next run; files that only look like them stay. */
static void
test_removes_stale_temps(void)
{
	g_autofree char *site = copy_case();
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *out =
		g_build_filename(site, "postimg", "optimized", NULL);
	const char *stale[] = {".2020-01-01-crlf.md.imgopt-Ab12Cd",
			       ".gone.md.imgopt-zzzzzz"};
	const char *stale_variant = "0123456789abcdef0-480.jpg.Q1w2E3";
	const char *kept[] = {".2020-01-01-crlf.md.imgopt-Ab12Cd.keep",
			      "draft.imgopt-Ab12Cd", ".x.imgopt-abc",
			      ".imgopt-Ab12Cd"};
	const char *kept_out[] = {"notes.txt.Q1w2E3", "0123-480.jpg.Q1w2E3",
				  "0123456789abcdef0-480.jpg.Q1w2E"};

	g_assert_cmpint(g_mkdir_with_parents(out, 0755), ==, 0);
	for (gsize i = 0; i < G_N_ELEMENTS(stale); i++) {
		g_autofree char *p = g_build_filename(posts, stale[i], NULL);
		tu_write(p, "half a post");
	}
	for (gsize i = 0; i < G_N_ELEMENTS(kept); i++) {
		g_autofree char *p = g_build_filename(posts, kept[i], NULL);
		tu_write(p, "not imgopt's");
	}
	for (gsize i = 0; i < G_N_ELEMENTS(kept_out); i++) {
		g_autofree char *p = g_build_filename(out, kept_out[i], NULL);
		tu_write(p, "not imgopt's");
	}
	g_autofree char *sv = g_build_filename(out, stale_variant, NULL);
	tu_write(sv, "half a variant");
	g_assert_cmpint(run_cmd(site, "run", NULL, NULL, NULL), ==, 1);
	for (gsize i = 0; i < G_N_ELEMENTS(stale); i++) {
		g_autofree char *p = g_build_filename(posts, stale[i], NULL);
		g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
	}
	g_assert_false(g_file_test(sv, G_FILE_TEST_EXISTS));
	for (gsize i = 0; i < G_N_ELEMENTS(kept); i++) {
		g_autofree char *p = g_build_filename(posts, kept[i], NULL);
		g_assert_true(g_file_test(p, G_FILE_TEST_EXISTS));
	}
	for (gsize i = 0; i < G_N_ELEMENTS(kept_out); i++) {
		g_autofree char *p = g_build_filename(out, kept_out[i], NULL);
		g_assert_true(g_file_test(p, G_FILE_TEST_EXISTS));
	}
	g_autofree char *parent = g_path_get_dirname(site);
	tu_rmtree(parent);
}

/* Runs imgopt COMMAND SITE/_posts SITE/postimg --json ARGS… and returns
 * its summary's @member. */
static gint64
summary_int(const char *site, const char *command, const char *member,
	    const char *const *args, int *exit_out)
{
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *images = g_build_filename(site, "postimg", NULL);
	const char *argv[12] = {"imgopt", command, posts, images, "--json"};
	int n = 5;

	for (; args != NULL && *args != NULL && n < 11; args++)
		argv[n++] = *args;
	g_autoptr(JsonNode) root = tu_run_json(argv, exit_out);
	return json_object_get_int_member(json_summary(root), member);
}

/* @post links no variant of the first run's widths (480, 960, 1000 and
 * 1200 px for this fixture) any more, and each srcset candidate's `w`
 * descriptor is its variant's width. */
static void
assert_relinked(const char *post)
{
	g_autofree char *text = tu_read(post, NULL);
	const char *old[] = {"-480.", "-960.", "-1000.", "-1200."};
	g_autoptr(GRegex) re = g_regex_new(
		"optimized/[0-9a-f]+-([0-9]+)\\.[a-z]+ ([0-9]+)w", 0, 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;
	guint n = 0;

	for (gsize i = 0; i < G_N_ELEMENTS(old); i++)
		if (strstr(text, old[i]) != NULL)
			g_error("%s still links a '%s' variant", post, old[i]);
	for (g_regex_match(re, text, 0, &m); g_match_info_matches(m);
	     g_match_info_next(m, NULL)) {
		g_autofree char *file_w = g_match_info_fetch(m, 1);
		g_autofree char *desc_w = g_match_info_fetch(m, 2);

		g_assert_cmpstr(file_w, ==, desc_w);
		n++;
	}
	g_test_message("%s: %u srcset candidates", post, n);
}

/* A later run with another --display-width or --widths moves the links
 * that already point at a variant to the new settings' variant (a srcset
 * candidate's `w` descriptor with it); check counts that as work before
 * and nothing after; undo goes back to the earlier run's links.  The
 * variants are in whichever format --link-format auto (the default)
 * finds lighter at each width. */
static void
test_relink_on_settings_change(void)
{
	g_autofree char *site = copy_case();
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *crlf =
		g_build_filename(posts, "2020-01-01-crlf.md", NULL);
	g_autofree char *bom =
		g_build_filename(posts, "2020-01-02-bom-html.md", NULL);
	g_autofree char *windows =
		g_build_filename(posts, "2020-01-03-windows.md", NULL);
	const char *dw480[] = {"--display-width", "480", NULL};
	const char *widths[] = {"--widths", "300,600", "--display-width", "480",
				NULL};
	int code = 0;

	g_assert_cmpint(g_unlink(windows), ==, 0); /* its broken link */
	g_assert_cmpint(run_cmd(site, "run", NULL, NULL, NULL), ==, 0);
	g_autofree char *text = tu_read(crlf, NULL);
	g_assert_nonnull(strstr(text, "73ee4fd4f1b2426f-960."));
	g_assert_cmpint(
		summary_int(site, "check", "posts_changed", dw480, &code), ==,
		2);
	g_assert_cmpint(code, ==, 1);
	g_assert_cmpint(summary_int(site, "run", "posts_changed", dw480, &code),
			==, 2);
	g_free(text);
	text = tu_read(crlf, NULL);
	g_assert_nonnull(
		strstr(text, "/postimg/optimized/73ee4fd4f1b2426f-480."));
	g_assert_null(strstr(text, "-960."));
	g_assert_nonnull(strstr(text, "\r\n")); /* bytes around kept */
	g_assert_cmpint(
		summary_int(site, "check", "posts_changed", dw480, &code), ==,
		0);
	g_assert_cmpint(code, ==, 0);
	g_autofree char *dw_state = snapshot(posts);
	/* Other widths: the contents are encoded again and re-linked. */
	g_assert_cmpint(summary_int(site, "check", "to_encode", widths, &code),
			>, 0);
	g_assert_cmpint(code, ==, 1);
	g_autofree char *dry = NULL;
	g_assert_cmpint(run_cmd(site, "run", "-n", "--widths=300,600", &dry),
			==, 0);
	/* the 600 px variant, in whichever format --link-format auto finds
	 * lighter (WebP here) */
	g_assert_nonnull(strstr(dry, "\n+![a banner]({{site.baseurl}}/postimg/"
				     "optimized/73ee4fd4f1b2426f-600."));
	g_autofree char *after_dry = snapshot(posts);
	g_assert_cmpstr(after_dry, ==, dw_state);
	g_assert_cmpint(
		summary_int(site, "run", "posts_changed", widths, &code), ==,
		2);
	assert_relinked(crlf);
	assert_relinked(bom);
	g_assert_cmpint(
		summary_int(site, "check", "posts_changed", widths, &code), ==,
		0);
	g_assert_cmpint(code, ==, 0);
	g_assert_cmpint(
		summary_int(site, "run", "posts_changed", widths, &code), ==,
		0);
	/* Undo puts back the links of the run before. */
	g_assert_cmpint(run_cmd(site, "undo", NULL, NULL, NULL), ==, 0);
	g_autofree char *undone = snapshot(posts);
	g_assert_cmpstr(undone, ==, dw_state);
	g_autofree char *parent = g_path_get_dirname(site);
	tu_rmtree(parent);
}

/* --srcset with WebP and AVIF: Markdown images become a <picture> whose
 * <source>s offer those variants; a second run (and check) finds nothing
 * to do: each <source> candidate keeps its format. */
static void
test_picture_idempotent(void)
{
	g_autofree char *site = copy_case();
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *crlf =
		g_build_filename(posts, "2020-01-01-crlf.md", NULL);
	g_autofree char *windows =
		g_build_filename(posts, "2020-01-03-windows.md", NULL);
	/* today's links: WebP and AVIF at --quality, offered by <source>s
	 * (auto matches them to the JPEG and drops those that cannot) */
	const char *args[] = {"--srcset",      "--formats", "jpeg,webp,avif",
			      "--link-format", "original",  NULL};
	int code = 0;

	g_assert_cmpint(g_unlink(windows), ==, 0); /* its broken link */
	g_assert_cmpint(summary_int(site, "run", "posts_changed", args, &code),
			==, 2);
	g_assert_cmpint(code, ==, 0);
	g_autofree char *text = tu_read(crlf, NULL);
	g_assert_nonnull(strstr(text,
				"<picture><source type=\"image/avif\" "
				"srcset=\"{{site.baseurl}}/postimg/optimized/"
				"73ee4fd4f1b2426f-480.avif 480w, "));
	g_assert_nonnull(strstr(text, "<source type=\"image/webp\" srcset=\""
				      "{{site.baseurl}}/postimg/optimized/"
				      "73ee4fd4f1b2426f-480.webp 480w, "));
	g_assert_nonnull(strstr(text, "decoding=\"async\"></picture>"));
	g_autofree char *first = snapshot(posts);
	g_assert_cmpint(
		summary_int(site, "check", "posts_changed", args, &code), ==,
		0);
	g_assert_cmpint(code, ==, 0);
	g_assert_cmpint(summary_int(site, "run", "posts_changed", args, &code),
			==, 0);
	g_autofree char *second = snapshot(posts);
	g_assert_cmpstr(first, ==, second);
	g_autofree char *parent = g_path_get_dirname(site);
	tu_rmtree(parent);
}

/* An undo killed at any of its kill points (a post's temporary file
 * synced, a post renamed into place) leaves each post old or restored;
 * the next undo restores the rest and removes the temporary file. */
static void
test_undo_killed(void)
{
	g_autofree char *input = tu_fixture("sites", CASE, "input", NULL);
	g_autofree char *in_posts = g_build_filename(input, "_posts", NULL);
	g_autoptr(GHashTable) original = tu_load_tree(in_posts, NULL);
	guint n = 1;

	for (;; n++) {
		g_autofree char *site = copy_case();
		g_autofree char *posts = g_build_filename(site, "_posts", NULL);
		g_autofree char *images =
			g_build_filename(site, "postimg", NULL);
		g_autofree char *after = g_strdup_printf("%u", n);
		const char *argv[] = {"imgopt", "undo", posts,
				      images,   "-q",   NULL};

		g_assert_cmpint(run_cmd(site, "run", NULL, NULL, NULL), ==, 1);
		g_setenv("IMGOPT_FAULT_AFTER", after, TRUE);
		int code = tu_run(argv, NULL, NULL);
		g_unsetenv("IMGOPT_FAULT_AFTER");
		g_autofree char *parent = g_path_get_dirname(site);
		if (code != 128 + 9) {
			g_assert_cmpint(code, ==, 0);
			tu_rmtree(parent);
			break;
		}
		g_assert_cmpint(tu_run(argv, NULL, NULL), ==, 0);
		g_autoptr(GHashTable) now = tu_load_tree(posts, NULL);
		tu_assert_same_tree(original, now,
				    "posts after the second undo");
		tu_rmtree(parent);
	}
	g_test_message("%u kill points in undo", n - 1);
	/* Two per post: its temporary file synced, and renamed. */
	g_assert_cmpuint(n - 1, ==, 2 * g_hash_table_size(original));
}

/* ---- the whole site: pages, layouts, includes ---- */

/* Files outside the posts that name images, each with one reference in
 * its own style; @site gets them. */
static const char *const site_files[][2] = {
	{"_layouts/default.html",
	 "<html><body>\n<img src=\"/postimg/banner-copy.jpg\" alt=\"b\">\n"
	 "{{ content }}\n</body></html>\n"},
	{"_includes/nav.html",
	 "<nav><img src=\"{{ site.baseurl }}/postimg/photo.jpg\"></nav>\n"},
	{"about.md", "---\ntitle: about\n---\nMe: ![me](postimg/photo.jpg) "
		     "and more text.\n"},
};

static void
write_site_files(const char *site)
{
	for (guint i = 0; i < G_N_ELEMENTS(site_files); i++) {
		g_autofree char *p =
			g_build_filename(site, site_files[i][0], NULL);

		tu_write(p, site_files[i][1]);
	}
}

/* The files write_site_files() wrote hold their bytes again. */
static void
assert_site_files_as_written(const char *site)
{
	for (guint i = 0; i < G_N_ELEMENTS(site_files); i++) {
		g_autofree char *p =
			g_build_filename(site, site_files[i][0], NULL);
		g_autofree char *text = tu_read(p, NULL);

		g_assert_cmpstr(text, ==, site_files[i][1]);
	}
}

/* @path's bytes are @old's with one span replaced by a path into
 * postimg/optimized/ written after @prefix: the bytes around it are
 * unchanged. */
static void
assert_one_span(const char *site, const char *path, const char *old,
		const char *prefix)
{
	g_autofree char *full = g_build_filename(site, path, NULL);
	g_autofree char *now = tu_read(full, NULL);
	g_autofree char *want = g_strconcat(prefix, "postimg/optimized/", NULL);
	const char *at = strstr(old, prefix);
	gsize head = (gsize)(at - old) + strlen(prefix);
	const char *end = old + head + strcspn(old + head, "\")");

	g_assert_nonnull(at);
	g_assert_nonnull(strstr(now, want));
	g_assert_cmpint(strncmp(now, old, head), ==, 0);
	g_assert_true(g_str_has_suffix(now, end));
}

/* run rewrites a layout, an include and a page in their own style, the
 * bytes outside the references unchanged, lists each with its kind; undo
 * restores them byte for byte. */
static void
test_whole_site(void)
{
	g_autofree char *site = copy_case();
	int code = 0;

	write_site_files(site);
	g_autoptr(JsonNode) res = run_json(site, "run", NULL, &code);
	JsonArray *changed = json_object_get_array_member(
		json_node_get_object(res), "posts");
	g_autoptr(GHashTable) kinds = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < json_array_get_length(changed); i++) {
		JsonObject *o = json_array_get_object_element(changed, i);

		g_hash_table_insert(
			kinds,
			(gpointer)json_object_get_string_member(o, "post"),
			(gpointer)json_object_get_string_member(o, "kind"));
	}
	g_assert_cmpstr(g_hash_table_lookup(kinds, "_layouts/default.html"), ==,
			"layout");
	g_assert_cmpstr(g_hash_table_lookup(kinds, "_includes/nav.html"), ==,
			"include");
	g_assert_cmpstr(g_hash_table_lookup(kinds, "about.md"), ==, "page");
	assert_one_span(site, "_layouts/default.html", site_files[0][1],
			"src=\"/");
	assert_one_span(site, "_includes/nav.html", site_files[1][1],
			"{{ site.baseurl }}/");
	/* Relative to the page's folder it stays relative. */
	assert_one_span(site, "about.md", site_files[2][1], "(");
	g_assert_cmpint(run_cmd(site, "undo", NULL, NULL, NULL), ==, 0);
	assert_site_files_as_written(site);
	g_autofree char *parent = g_path_get_dirname(site);
	tu_rmtree(parent);
}

/* The posts alone were rewritten, the rest stays as it is. */
static void
assert_posts_only(const char *site, JsonNode *res)
{
	JsonArray *changed = json_object_get_array_member(
		json_node_get_object(res), "posts");

	g_assert_cmpuint(json_array_get_length(changed), >, 0);
	for (guint i = 0; i < json_array_get_length(changed); i++) {
		JsonObject *o = json_array_get_object_element(changed, i);

		g_assert_cmpstr(json_object_get_string_member(o, "kind"), ==,
				"post");
		g_assert_true(g_str_has_prefix(
			json_object_get_string_member(o, "post"), "_posts/"));
	}
	assert_site_files_as_written(site);
}

/* --only-posts, or `only-posts = true` in imgopt.conf: today's scope. */
static void
test_only_posts(void)
{
	g_autofree char *site = copy_case();
	g_autofree char *site2 = copy_case();
	g_autofree char *conf = g_build_filename(site2, "imgopt.conf", NULL);
	int code = 0;

	write_site_files(site);
	g_autoptr(JsonNode) res = run_json(site, "run", "--only-posts", &code);
	assert_posts_only(site, res);
	write_site_files(site2);
	tu_write(conf, "[imgopt]\nonly-posts = true\n");
	g_autoptr(JsonNode) res2 = run_json(site2, "run", NULL, &code);
	assert_posts_only(site2, res2);
	g_autofree char *parent = g_path_get_dirname(site);
	g_autofree char *parent2 = g_path_get_dirname(site2);
	tu_rmtree(parent);
	tu_rmtree(parent2);
}

/* dupes names every user of a copy, posts or not, with its kind. */
static void
test_dupes_users(void)
{
	g_autofree char *site = copy_case();
	int code = 0;
	bool has_layout = false;

	write_site_files(site);
	g_autoptr(JsonNode) res = run_json(site, "dupes", NULL, &code);
	JsonArray *groups = json_object_get_array_member(
		json_node_get_object(res), "groups");

	for (guint i = 0; i < json_array_get_length(groups); i++) {
		JsonArray *members = json_object_get_array_member(
			json_array_get_object_element(groups, i), "members");

		for (guint j = 0; j < json_array_get_length(members); j++) {
			JsonObject *m =
				json_array_get_object_element(members, j);
			JsonArray *users =
				json_object_get_array_member(m, "users");

			for (guint k = 0; k < json_array_get_length(users);
			     k++) {
				JsonObject *u =
					json_array_get_object_element(users, k);

				has_layout |=
					g_strcmp0(json_object_get_string_member(
							  m, "path"),
						  "postimg/banner-copy.jpg") ==
						0 &&
					g_strcmp0(json_object_get_string_member(
							  u, "path"),
						  "_layouts/default.html") ==
						0 &&
					g_strcmp0(json_object_get_string_member(
							  u, "kind"),
						  "layout") == 0;
			}
		}
	}
	g_assert_true(has_layout);
	g_autofree char *parent = g_path_get_dirname(site);
	tu_rmtree(parent);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_data_func("/run/golden/basic", "expected", test_golden);
	g_test_add_data_func("/run/golden/srcset", "expected-srcset",
			     test_golden);
	g_test_add_func("/run/idempotent", test_idempotent);
	g_test_add_func("/run/rerun-same-bytes", test_rerun_same_bytes);
	g_test_add_func("/run/check-exit-codes", test_check);
	g_test_add_func("/run/dry-run-changes-nothing", test_dry_run);
	g_test_add_func("/run/undo-restores-bytes-and-mode", test_undo);
	g_test_add_func("/run/undo-refuses-edited-post",
			test_undo_refuses_edited);
	g_test_add_func("/run/undo-after-killed-run", test_undo_after_kill);
	g_test_add_func("/run/relink-on-settings-change",
			test_relink_on_settings_change);
	g_test_add_func("/run/picture-idempotent", test_picture_idempotent);
	g_test_add_func("/run/undo-killed", test_undo_killed);
	g_test_add_func("/run/whole-site-rewritten-and-undone",
			test_whole_site);
	g_test_add_func("/run/only-posts", test_only_posts);
	g_test_add_func("/run/dupes-lists-every-user", test_dupes_users);
	g_test_add_func("/run/removes-stale-temp-files",
			test_removes_stale_temps);
	g_test_add_func("/run/undo-after-killed-run-refuses-edited",
			test_undo_after_kill_refuses_edited);
	return g_test_run();
}
