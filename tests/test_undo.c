/*
 * test_undo.c: undo's history and its agreement with prune, through the
 * built binary, on copies of fixtures/sites/rewrite-basic: each undo goes
 * one run further back; `undo RUN` goes back to RUN at once; an undone
 * post never points at a file a prune took away (trashed files are moved
 * back, deleted duplicates written again); and, as a property over random
 * sequences of run (with varying options), prune, restore and undo,
 * undoing every run and restoring every prune gives back the first tree
 * byte for byte (imgopt's own folders aside).
 */
#include <string.h>

#include <glib/gstdio.h>

#include "testutil.h"

#define CASE "rewrite-basic"

static char *
copy_case(void)
{
	return tu_copy_site(CASE);
}

static void
remove_case(const char *site)
{
	g_autofree char *parent = g_path_get_dirname(site);

	tu_rmtree(parent);
}

/* Runs `imgopt COMMAND SITE/_posts SITE/postimg [OPTIONS…] --json` and
 * returns its output; *@exit_out gets the exit status.  A fatal error
 * (exit 3) fails the test. */
static JsonNode *
imgopt(const char *site, const char *command, const char *const *options,
       int *exit_out)
{
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *images = g_build_filename(site, "postimg", NULL);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	int code = 0;

	g_ptr_array_add(argv, (char *)"imgopt");
	g_ptr_array_add(argv, (char *)command);
	g_ptr_array_add(argv, posts);
	g_ptr_array_add(argv, images);
	for (guint i = 0; options != NULL && options[i] != NULL; i++)
		g_ptr_array_add(argv, (char *)options[i]);
	g_ptr_array_add(argv, (char *)"--json");
	g_ptr_array_add(argv, NULL);
	JsonNode *out = tu_run_json((const char *const *)argv->pdata, &code);
	g_assert_cmpint(code, !=, 3);
	if (exit_out != NULL)
		*exit_out = code;
	return out;
}

static gint64
member_int(JsonNode *node, const char *name)
{
	return json_object_get_int_member(json_node_get_object(node), name);
}

/* The site as its author sees it: every file but imgopt's (the manifest,
 * the trash, the variants). */
static GHashTable *
load_site(const char *site)
{
	GHashTable *tree = tu_load_tree(site, ".imgopt");
	GHashTableIter it;
	gpointer key;

	g_hash_table_iter_init(&it, tree);
	while (g_hash_table_iter_next(&it, &key, NULL))
		if (g_str_has_prefix(key, "postimg/optimized/"))
			g_hash_table_iter_remove(&it);
	return tree;
}

static void
assert_site(const char *site, GHashTable *expected, const char *what)
{
	g_autoptr(GHashTable) now = load_site(site);

	tu_assert_same_tree(expected, now, what);
}

static bool
is_same_site(const char *site, GHashTable *expected)
{
	g_autoptr(GHashTable) now = load_site(site);
	GHashTableIter it;
	gpointer key, value;

	if (g_hash_table_size(now) != g_hash_table_size(expected))
		return false;
	g_hash_table_iter_init(&it, expected);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		GBytes *b = g_hash_table_lookup(now, key);

		if (b == NULL || !g_bytes_equal(b, value))
			return false;
	}
	return true;
}

/* Each undo goes one run further back, to the first; then there is
 * nothing left to undo. */
static void
test_history(void)
{
	g_autofree char *site = copy_case();
	const char *dw480[] = {"--display-width", "480", NULL};
	g_autoptr(GHashTable) original = load_site(site);
	int code = 0;

	g_autoptr(JsonNode) r1 = imgopt(site, "run", NULL, NULL);
	g_autoptr(GHashTable) after1 = load_site(site);
	g_assert_false(is_same_site(site, original));
	g_autoptr(JsonNode) r2 = imgopt(site, "run", dw480, NULL);
	g_assert_false(is_same_site(site, after1));

	g_autoptr(JsonNode) u1 = imgopt(site, "undo", NULL, &code);
	g_assert_cmpint(code, ==, 0);
	g_assert_cmpint(member_int(u1, "run_id"), ==, member_int(r2, "run_id"));
	assert_site(site, after1, "after the first undo");
	g_autoptr(JsonNode) u2 = imgopt(site, "undo", NULL, &code);
	g_assert_cmpint(code, ==, 0);
	g_assert_cmpint(member_int(u2, "run_id"), ==, member_int(r1, "run_id"));
	assert_site(site, original, "after the second undo");
	g_autoptr(JsonNode) u3 = imgopt(site, "undo", NULL, &code);
	g_assert_cmpint(code, ==, 0);
	g_assert_cmpint(member_int(u3, "run_id"), ==, 0);
	assert_site(site, original, "after a third undo");
	remove_case(site);
}

/* `undo RUN` undoes every run back to RUN at once; a run already undone
 * cannot be named. */
static void
test_back_to(void)
{
	g_autofree char *site = copy_case();
	const char *dw480[] = {"--display-width", "480", NULL};
	const char *widths[] = {"--widths", "300,600", NULL};
	g_autoptr(GHashTable) original = load_site(site);
	int code = 0;

	g_autoptr(JsonNode) r1 = imgopt(site, "run", NULL, NULL);
	g_autoptr(JsonNode) r2 = imgopt(site, "run", dw480, NULL);
	g_autoptr(JsonNode) r3 = imgopt(site, "run", widths, NULL);
	g_autofree char *first =
		g_strdup_printf("%" G_GINT64_FORMAT, member_int(r1, "run_id"));
	const char *back[] = {first, NULL};

	g_autoptr(JsonNode) u = imgopt(site, "undo", back, &code);
	g_assert_cmpint(code, ==, 0);
	g_assert_cmpint(member_int(u, "run_id"), ==, member_int(r3, "run_id"));
	JsonArray *runs =
		json_object_get_array_member(json_node_get_object(u), "runs");
	g_assert_cmpuint(json_array_get_length(runs), ==, 3);
	assert_site(site, original, "after undo back to the first run");
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *images = g_build_filename(site, "postimg", NULL);
	const char *again[] = {"imgopt", "undo", posts, images, first, NULL};
	g_autofree char *err = NULL;
	g_assert_cmpint(tu_run(again, NULL, &err), ==, 3);
	g_assert_nonnull(strstr(err, "has no rewrites left to undo"));
	remove_case(site);
}

/* After run, prune takes the originals away (--originals, --only-posts;
 * with --delete the duplicate copies are unlinked); undo puts back every file
 * the old posts reference before it writes them, and says which. */
static void
test_puts_back_pruned(gconstpointer data)
{
	const char *const *prune_options = data;
	g_autofree char *site = copy_case();
	g_autoptr(GHashTable) original = load_site(site);
	int code = 0;

	g_autoptr(JsonNode) r1 = imgopt(site, "run", NULL, NULL);
	g_autoptr(JsonNode) p = imgopt(site, "prune", prune_options, &code);
	g_assert_cmpint(code, ==, 0);
	g_autofree char *banner =
		g_build_filename(site, "postimg", "banner.jpg", NULL);
	g_autofree char *copy =
		g_build_filename(site, "postimg", "banner-copy.jpg", NULL);
	g_assert_false(g_file_test(banner, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(copy, G_FILE_TEST_EXISTS));

	g_autoptr(JsonNode) dry =
		imgopt(site, "undo", (const char *[]){"-n", NULL}, &code);
	g_assert_false(g_file_test(banner, G_FILE_TEST_EXISTS));
	g_autoptr(JsonNode) u = imgopt(site, "undo", NULL, &code);
	g_assert_cmpint(code, ==, 0);
	JsonArray *files =
		json_object_get_array_member(json_node_get_object(u), "files");
	JsonArray *dry_files = json_object_get_array_member(
		json_node_get_object(dry), "files");
	g_assert_cmpuint(json_array_get_length(files), >=, 2);
	g_assert_cmpuint(json_array_get_length(dry_files), ==,
			 json_array_get_length(files));
	g_assert_true(g_file_test(banner, G_FILE_TEST_EXISTS));
	g_assert_true(g_file_test(copy, G_FILE_TEST_EXISTS));
	/* What undo did not need (the orphans) comes back with restore. */
	g_autoptr(JsonNode) rs = imgopt(site, "restore", NULL, &code);
	g_assert_cmpint(code, ==, 0);
	assert_site(site, original, "after undo and restore");
	remove_case(site);
}

/* One random step of the property test. */
static void
random_step(const char *site, GRand *rand, GString *log)
{
	static const char *const run_options[][5] = {
		{NULL},
		{"--display-width", "480", NULL},
		{"--widths", "300,600", NULL},
		{"--srcset", NULL},
		{"--srcset", "--widths", "300,600", NULL},
	};
	static const char *const prune_options[][3] = {
		{NULL},
		{"--originals", NULL},
		{"--delete", NULL},
		{"--originals", "--delete", NULL},
	};
	static const char *const commands[] = {"run", "run", "prune", "restore",
					       "undo"};
	const char *command =
		commands[g_rand_int_range(rand, 0, G_N_ELEMENTS(commands))];
	const char *const *options = NULL;

	if (strcmp(command, "run") == 0)
		options = run_options[g_rand_int_range(
			rand, 0, G_N_ELEMENTS(run_options))];
	else if (strcmp(command, "prune") == 0)
		options = prune_options[g_rand_int_range(
			rand, 0, G_N_ELEMENTS(prune_options))];
	g_string_append_printf(log, " %s", command);
	for (guint i = 0; options != NULL && options[i] != NULL; i++)
		g_string_append_printf(log, " %s", options[i]);
	g_string_append(log, ";");
	g_autoptr(JsonNode) out = imgopt(site, command, options, NULL);
}

/* Undoes every run, then restores every prune; at most @limit each. */
static void
unwind(const char *site, guint limit)
{
	for (guint i = 0;; i++) {
		g_assert_cmpuint(i, <, limit);
		g_autoptr(JsonNode) u = imgopt(site, "undo", NULL, NULL);
		if (member_int(u, "run_id") == 0)
			break;
	}
	for (guint i = 0;; i++) {
		g_assert_cmpuint(i, <, limit);
		g_autoptr(JsonNode) r = imgopt(site, "restore", NULL, NULL);
		if (member_int(r, "run_id") == 0)
			break;
	}
}

/* The property: whatever sequence of run, prune, restore and undo, undoing
 * every step gives back the first tree byte for byte. */
static void
test_property(void)
{
	guint n_cases = g_test_slow() ? 40 : 6;
	guint32 seed = g_test_rand_int();

	for (guint c = 0; c < n_cases; c++) {
		g_autoptr(GRand) rand = g_rand_new_with_seed(seed + c);
		g_autofree char *site = copy_case();
		g_autoptr(GHashTable) original = load_site(site);
		g_autoptr(GString) log = g_string_new(NULL);
		guint n_steps = g_rand_int_range(rand, 2, 8);

		for (guint i = 0; i < n_steps; i++)
			random_step(site, rand, log);
		g_test_message("seed %u:%s", seed + c, log->str);
		unwind(site, 2 * n_steps + 2);
		assert_site(site, original, log->str);
		remove_case(site);
	}
}

int
main(int argc, char **argv)
{
	/* --only-posts: a code block of a post names banner.jpg, which the
	 * whole site's name guard would keep. */
	static const char *const trash[] = {"--originals", "--only-posts",
					    NULL};
	static const char *const delete[] = {"--originals", "--delete",
					     "--only-posts", NULL};

	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/undo/history-one-run-a-step", test_history);
	g_test_add_func("/undo/back-to-run", test_back_to);
	g_test_add_data_func("/undo/puts-back-trashed-originals", trash,
			     test_puts_back_pruned);
	g_test_add_data_func("/undo/puts-back-deleted-duplicates", delete,
			     test_puts_back_pruned);
	g_test_add_func("/undo/property-unwinding-gives-first-tree",
			test_property);
	return g_test_run();
}
