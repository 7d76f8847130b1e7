/*
 * testutil.c: see testutil.h.
 */
#include "testutil.h"

#include "fsio.h"

#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

static char *
build_from(const char *base, const char *first, va_list ap)
{
	g_autoptr(GPtrArray) parts = g_ptr_array_new();

	g_ptr_array_add(parts, (char *)base);
	for (const char *p = first; p != NULL; p = va_arg(ap, const char *))
		g_ptr_array_add(parts, (char *)p);
	g_ptr_array_add(parts, NULL);
	return g_build_filenamev((char **)parts->pdata);
}

char *
tu_fixture(const char *first, ...)
{
	const char *base = g_getenv("IMGOPT_FIXTURES");
	va_list ap;

	g_assert_nonnull(base);
	va_start(ap, first);
	char *path = build_from(base, first, ap);
	va_end(ap);
	return path;
}

char *
tu_shared(const char *first, ...)
{
	const char *base = g_getenv("IMGOPT_SHARED");
	va_list ap;

	if (base == NULL || !g_file_test(base, G_FILE_TEST_IS_DIR))
		return NULL;
	va_start(ap, first);
	char *path = build_from(base, first, ap);
	va_end(ap);
	return path;
}

char *
tu_tmpdir(void)
{
	g_autoptr(GError) error = NULL;
	char *dir = g_dir_make_tmp("imgopt-test-XXXXXX", &error);

	g_assert_no_error(error);
	return dir;
}

void
tu_rmtree(const char *path)
{
	const char *argv[] = {"rm", "-rf", "--", path, NULL};

	tu_run(argv, NULL, NULL);
}

void
tu_copytree(const char *src, const char *dst)
{
	g_autofree char *from = g_strconcat(src, "/.", NULL);
	const char *mk[] = {"mkdir", "-p", "--", dst, NULL};
	const char *cp[] = {"cp", "-a", "--", from, dst, NULL};

	g_assert_cmpint(tu_run(mk, NULL, NULL), ==, 0);
	g_assert_cmpint(tu_run(cp, NULL, NULL), ==, 0);
}

void
tu_write(const char *path, const char *text)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_path_get_dirname(path);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	g_file_set_contents(path, text, -1, &error);
	g_assert_no_error(error);
}

char *
tu_read(const char *path, gsize *len_out)
{
	g_autoptr(GError) error = NULL;
	char *text = NULL;

	g_file_get_contents(path, &text, len_out, &error);
	g_assert_no_error(error);
	return text;
}

void
tu_assert_golden(const char *actual, const char *golden)
{
	g_autofree char *expected = NULL;

	if (g_strcmp0(g_getenv("IMGOPT_UPDATE_GOLDEN"), "1") == 0) {
		tu_write(golden, actual);
		return;
	}
	if (!g_file_get_contents(golden, &expected, NULL, NULL))
		g_error("golden file '%s' is missing (IMGOPT_UPDATE_GOLDEN=1 "
			"writes it)",
			golden);
	if (strcmp(actual, expected) != 0) {
		g_printerr("--- %s\n+++ actual\n%s\n", golden, actual);
		g_assert_cmpstr(actual, ==, expected);
	}
}

int
tu_run(const char *const *argv, char **stdout_out, char **stderr_out)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	int status = 0;

	for (const char *const *a = argv; *a != NULL; a++)
		g_ptr_array_add(args, (char *)*a);
	g_ptr_array_add(args, NULL);
	if (strcmp(argv[0], "imgopt") == 0) {
		const char *bin = g_getenv("IMGOPT_BIN");

		g_assert_nonnull(bin);
		args->pdata[0] = (char *)bin;
	}
	g_spawn_sync(NULL, (char **)args->pdata, NULL,
		     G_SPAWN_SEARCH_PATH |
			     (stdout_out ? 0 : G_SPAWN_STDOUT_TO_DEV_NULL) |
			     (stderr_out ? 0 : G_SPAWN_STDERR_TO_DEV_NULL),
		     NULL, NULL, stdout_out, stderr_out, &status, &error);
	g_assert_no_error(error);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

JsonNode *
tu_run_json(const char *const *argv, int *exit_out)
{
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	*exit_out = tu_run(argv, &out, &err);
	if (!json_parser_load_from_data(parser, out, -1, &error))
		g_error("not JSON (%s); stderr: %s", error->message, err);
	return json_node_copy(json_parser_get_root(parser));
}

void
tu_vips(const char *const *argv)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_autofree char *err = NULL;

	g_ptr_array_add(args, (char *)"vips");
	for (const char *const *a = argv; *a != NULL; a++)
		g_ptr_array_add(args, (char *)*a);
	g_ptr_array_add(args, NULL);
	int status = tu_run((const char *const *)args->pdata, NULL, &err);
	if (status != 0)
		g_error("vips %s failed: %s", argv[0], err);
}

static bool
keep_unless_skipped(const char *rel, const char *name, bool is_dir,
		    void *skip_dir)
{
	(void)name;
	(void)is_dir;
	return skip_dir == NULL || strcmp(rel, skip_dir) != 0;
}

GHashTable *
tu_load_tree(const char *dir, const char *skip_dir)
{
	g_autoptr(GError) error = NULL;
	GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					      (GDestroyNotify)g_bytes_unref);

	if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
		return t;
	g_autoptr(GPtrArray) files = imgopt_fs_walk(
		dir, keep_unless_skipped, (void *)skip_dir, NULL, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < files->len; i++) {
		const char *rel = g_ptr_array_index(files, i);
		g_autofree char *full = g_build_filename(dir, rel, NULL);
		gsize len = 0;
		char *data = tu_read(full, &len);

		g_hash_table_insert(t, g_strdup(rel),
				    g_bytes_new_take(data, len));
	}
	return t;
}

void
tu_assert_same_tree(GHashTable *a, GHashTable *b, const char *what)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, a);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		GBytes *other = g_hash_table_lookup(b, k);

		if (other == NULL || !g_bytes_equal(v, other))
			g_error("%s: '%s' differs or is missing", what,
				(char *)k);
	}
	g_assert_cmpuint(g_hash_table_size(a), ==, g_hash_table_size(b));
}

char *
tu_copy_site(const char *name)
{
	g_autofree char *input = tu_fixture("sites", name, "input", NULL);
	g_autofree char *tmp = tu_tmpdir();
	char *site = g_build_filename(tmp, "site", NULL);

	tu_copytree(input, site);
	return site;
}
