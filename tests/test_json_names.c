/*
 * test_json_names.c: every command's --json is valid UTF-8 JSON on a site
 * whose post and image names hold bytes that are not UTF-8, and such
 * names are written as docs/json.md says (each invalid byte as `\xNN`).
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

/* A site: a post `caf\xE9` showing `caf\xE9.png`, and the same picture
 * again as `copy\xFF.png`, which no post shows. */
static char *
make_site(void)
{
	g_autofree char *root = tu_tmpdir();
	g_autofree char *posts = g_build_filename(root, "_posts", NULL);
	g_autofree char *images = g_build_filename(root, "postimg", NULL);
	g_autofree char *post =
		g_build_filename(posts, "2020-01-01-caf\xE9.md", NULL);
	g_autofree char *made = g_build_filename(images, "made.png", NULL);
	g_autofree char *shown = g_build_filename(images, "caf\xE9.png", NULL);
	g_autofree char *copy = g_build_filename(images, "copy\xFF.png", NULL);
	const char *black[] = {"black", made, "40", "30", "--bands", "3", NULL};
	gsize n = 0;

	g_assert_cmpint(g_mkdir_with_parents(posts, 0755), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(images, 0755), ==, 0);
	tu_write(post, "---\ntitle: x\n---\n![a](/postimg/caf\xE9.png)\n");
	tu_vips(black);
	g_autofree char *bytes = tu_read(made, &n);
	g_assert_true(g_file_set_contents(shown, bytes, (gssize)n, NULL));
	g_assert_true(g_file_set_contents(copy, bytes, (gssize)n, NULL));
	g_assert_cmpint(g_remove(made), ==, 0);
	return g_steal_pointer(&root);
}

/* Runs `imgopt COMMAND POSTS IMAGES --json EXTRA...`; fails unless its
 * stdout is valid UTF-8 and JSON.  Returns the stdout. */
static char *
run_json(const char *root, const char *const *command)
{
	g_autofree char *posts = g_build_filename(root, "_posts", NULL);
	g_autofree char *images = g_build_filename(root, "postimg", NULL);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	char *out = NULL;
	g_autofree char *err = NULL;

	g_ptr_array_add(argv, (char *)"imgopt");
	g_ptr_array_add(argv, (char *)command[0]);
	g_ptr_array_add(argv, posts);
	g_ptr_array_add(argv, images);
	g_ptr_array_add(argv, (char *)"--json");
	for (const char *const *a = command + 1; *a != NULL; a++)
		g_ptr_array_add(argv, (char *)*a);
	g_ptr_array_add(argv, NULL);
	int code = tu_run((const char *const *)argv->pdata, &out, &err);
	if (code > 1 || !g_utf8_validate(out, -1, NULL) ||
	    !json_parser_load_from_data(parser, out, -1, &error))
		g_error("%s --json: exit %d, %s; stdout: %s; stderr: %s",
			command[0], code,
			error ? error->message : "not valid UTF-8", out, err);
	return out;
}

static void
test_every_command(void)
{
	g_autofree char *root = make_site();
	g_autofree char *html = g_build_filename(root, "report.html", NULL);
	const char *const commands[][4] = {
		{"scan", NULL},
		{"dupes", NULL},
		{"check", NULL},
		{"run", "--dry-run", NULL},
		{"report", "--html", html, NULL},
		{"build", NULL},
		{"run", NULL},
		{"undo", "--dry-run", NULL},
		{"prune", "--dry-run", NULL},
		{"prune", NULL},
		{"restore", "--dry-run", NULL},
		{"restore", NULL},
		{"prune", "--empty-trash", "0", NULL},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		g_autofree char *out = run_json(root, commands[i]);
		const char *name = commands[i][0];

		/* The names as documented: the bytes as \xNN, JSON-escaped. */
		if (strcmp(name, "scan") == 0 || strcmp(name, "dupes") == 0)
			g_assert_nonnull(strstr(out, "caf\\\\xE9"));
		if (strcmp(name, "dupes") == 0 ||
		    (strcmp(name, "prune") == 0 && commands[i][1] == NULL))
			g_assert_nonnull(strstr(out, "copy\\\\xFF.png"));
	}
	tu_rmtree(root);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/json/names-not-utf8", test_every_command);
	return g_test_run();
}
