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
	g_autofree char *input = tu_fixture("sites", CASE, "input", NULL);
	g_autofree char *tmp = tu_tmpdir();
	char *site = g_build_filename(tmp, "site", NULL);

	tu_copytree(input, site);
	return site;
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

	/* The fixture has one unrepairable link: exit 1, all else done. */
	g_assert_cmpint(run_cmd(site, "run", use_srcset ? "--srcset" : NULL,
				NULL, &out),
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
	tu_write(post, "---\ntitle: new\n---\n![](/postimg/small.png)\n");
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

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_data_func("/run/golden/basic", "expected", test_golden);
	g_test_add_data_func("/run/golden/srcset", "expected-srcset",
			     test_golden);
	g_test_add_func("/run/idempotent", test_idempotent);
	g_test_add_func("/run/check-exit-codes", test_check);
	g_test_add_func("/run/dry-run-changes-nothing", test_dry_run);
	g_test_add_func("/run/undo-restores-bytes-and-mode", test_undo);
	g_test_add_func("/run/undo-refuses-edited-post",
			test_undo_refuses_edited);
	return g_test_run();
}
