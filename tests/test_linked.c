/*
 * test_linked.c: a run encodes only what its references link (issue 17).
 *
 * On a generated seed-like Jekyll blog (tools/genblog), in the default
 * mode and with --srcset: after `imgopt run`, every variant file on disk
 * is named by some file of the site (a post, a page, a layout), a second
 * run encodes and changes nothing, and a run with another display width
 * re-links the posts (encoding the width it needs), after which a run
 * again changes nothing.
 */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "imgopt/imgopt.h"

#include "fsio.h"
#include "testutil.h"

/* Runs `imgopt run SITE/_posts SITE/postimg --json [extra…]`; returns
 * the summary object (owned by *@root_out). */
static JsonObject *
run_json(const char *site, const char *const *extra, JsonNode **root_out)
{
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *images = g_build_filename(site, "postimg", NULL);
	const char *argv[12] = {"imgopt", "run", posts, images, "--json"};
	int n = 5, status = 0;

	for (; extra != NULL && *extra != NULL && n < 11; extra++)
		argv[n++] = *extra;
	*root_out = tu_run_json(argv, &status);
	/* 1: the blog has broken references, on purpose */
	g_assert_cmpint(status, <=, 1);
	return json_object_get_object_member(json_node_get_object(*root_out),
					     "summary");
}

static gint64
member(JsonObject *o, const char *name)
{
	return json_object_get_int_member(o, name);
}

/* Every text file of @site but imgopt's own and the variants, joined. */
static GString *
site_text(const char *site)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) files =
		imgopt_fs_walk(site, NULL, NULL, NULL, &error);
	GString *all = g_string_new(NULL);

	g_assert_no_error(error);
	for (guint i = 0; i < files->len; i++) {
		const char *rel = g_ptr_array_index(files, i);
		g_autofree char *full = g_build_filename(site, rel, NULL);
		gsize len = 0;
		g_autofree char *data = NULL;

		if (g_str_has_prefix(rel, ".imgopt") ||
		    g_str_has_prefix(rel, "postimg/"))
			continue;
		data = tu_read(full, &len);
		g_string_append_len(all, data, (gssize)len);
		g_string_append_c(all, '\n');
	}
	return all;
}

/* The variant files on disk; asserts each is named by the site's text. */
static guint
assert_all_linked(const char *site)
{
	g_autofree char *dir =
		g_build_filename(site, "postimg", "optimized", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) files =
		imgopt_fs_walk(dir, NULL, NULL, NULL, &error);
	g_autoptr(GString) text = site_text(site);
	guint n_unlinked = 0, n_files = 0;

	g_assert_no_error(error);
	for (guint i = 0; i < files->len; i++) {
		const char *name = g_ptr_array_index(files, i);
		g_autofree char *base = g_path_get_basename(name);

		/* marks stand for no file (ondisk.h): nothing to link */
		if (strstr(name, ".imgopt-kept/") != NULL)
			continue;
		n_files++;

		if (strstr(text->str, base) != NULL)
			continue;
		g_test_message("linked by nothing: %s", name);
		n_unlinked++;
	}
	g_test_message("%u variant files, %u linked by nothing", n_files,
		       n_unlinked);
	g_assert_cmpuint(n_files, >, 0);
	g_assert_cmpuint(n_unlinked, ==, 0);
	return n_files;
}

/* A run again with the same settings: nothing encoded, nothing changed. */
static void
assert_no_op(const char *site, const char *const *extra)
{
	g_autoptr(JsonNode) root = NULL;
	JsonObject *sum = run_json(site, extra, &root);

	g_assert_cmpint(member(sum, "encoded"), ==, 0);
	g_assert_cmpint(member(sum, "variant_files_written"), ==, 0);
	g_assert_cmpint(member(sum, "posts_changed"), ==, 0);
	g_assert_cmpint(member(sum, "references_rewritten"), ==, 0);
}

/* A genblog blog: 40 posts of tiny images, or 8 of real-sized ones. */
static char *
make_blog(const char *tmp, bool is_real)
{
	const char *genblog = g_getenv("GENBLOG");
	char *site = g_build_filename(tmp, "blog", NULL);
	const char *argv[] = {genblog,
			      "--posts",
			      is_real ? "8" : "40",
			      "--images",
			      is_real ? "16" : "120",
			      "--seed",
			      "7",
			      "--sizes",
			      is_real ? "real" : "tiny",
			      "--out",
			      site,
			      NULL};
	g_autofree char *layouts = tu_shared("sites", "hux", "_layouts", NULL);

	g_assert_cmpint(tu_run(argv, NULL, NULL), ==, 0);
	/* The Hux layouts show header-img as a style url(). */
	if (layouts != NULL) {
		g_autofree char *dst = g_build_filename(site, "_layouts", NULL);
		tu_copytree(layouts, dst);
	}
	return site;
}

static void
test_genblog(gconstpointer data)
{
	const char *const *extra = data;

	if (g_getenv("GENBLOG") == NULL) {
		g_test_skip("no GENBLOG (tools/genblog)");
		return;
	}
	g_autofree char *tmp = tu_tmpdir();
	g_autofree char *site = make_blog(tmp, false);
	g_autoptr(JsonNode) root = NULL;
	JsonObject *sum = run_json(site, extra, &root);

	g_test_message(
		"%" G_GINT64_FORMAT " contents encoded, %" G_GINT64_FORMAT
		" variant files written, %" G_GINT64_FORMAT
		" references rewritten",
		member(sum, "encoded"), member(sum, "variant_files_written"),
		member(sum, "references_rewritten"));
	g_assert_cmpint(member(sum, "references_rewritten"), >, 100);
	g_assert_cmpint(member(sum, "errors"), ==, 0);
	guint n_files = assert_all_linked(site);
	g_assert_cmpint(member(sum, "variant_files_written"), ==, n_files);
	assert_no_op(site, extra);
	tu_rmtree(tmp);
}

/* Another display width re-links what a first run linked, encoding the
 * width it needs; then a run again is a no-op. */
static void
test_relink(void)
{
	const char *const narrow[] = {"--display-width", "480", NULL};

	if (g_getenv("GENBLOG") == NULL) {
		g_test_skip("no GENBLOG (tools/genblog)");
		return;
	}
	g_autofree char *tmp = tu_tmpdir();
	g_autofree char *site = make_blog(tmp, true);
	g_autoptr(JsonNode) first = NULL;
	g_autoptr(JsonNode) second = NULL;

	run_json(site, NULL, &first);
	assert_all_linked(site);
	JsonObject *sum = run_json(site, narrow, &second);
	g_assert_cmpint(member(sum, "posts_changed"), >, 0);
	g_assert_cmpint(member(sum, "variant_files_written"), >, 0);
	assert_no_op(site, narrow);
	tu_rmtree(tmp);
}

/* The fake generator: post b's references need their variants in a
 * folder of their own (as a Hugo page bundle's would), the others in
 * the variant folder. */
static char *
bundle_dir(const ImgoptRef *ref, void *user_data)
{
	(void)user_data;
	return g_strdup(strstr(ref->post, "-b.md") != NULL ? "bundle/optimized"
							   : "img/optimized");
}

/* One run of the placement site; its result. */
static ImgoptRunResult *
run_placed(const char *root)
{
	g_autofree char *posts = g_build_filename(root, "_posts", NULL);
	g_autofree char *img = g_build_filename(root, "img", NULL);
	g_autofree char *db = g_build_filename(root, "manifest.db", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptSite) site = imgopt_site_open(posts, img, root, &error);
	g_assert_no_error(error);
	g_autoptr(ImgoptManifest) m = imgopt_manifest_open(db, &error);
	g_assert_no_error(error);
	g_auto(ImgoptSettings) settings = {0};
	ImgoptRunResult *run = NULL;

	imgopt_settings_init(&settings);
	imgopt_site_set_variant_dir_func(site, bundle_dir, NULL);
	ImgoptRunOptions opt = {IMGOPT_RUN_APPLY, 960, false, &settings, false};
	g_assert_true(imgopt_run_site(site, m, &opt, NULL, &run, &error));
	g_assert_no_error(error);
	return run;
}

/* Whether the manifest of @root knows @path as a variant. */
static bool
is_recorded(const char *root, const char *path)
{
	g_autofree char *db = g_build_filename(root, "manifest.db", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptManifest) m = imgopt_manifest_open(db, &error);
	g_assert_no_error(error);
	g_autoptr(GPtrArray) rows = imgopt_manifest_load_variants(m, &error);
	g_assert_no_error(error);

	for (guint i = 0; i < rows->len; i++)
		if (strcmp(((ImgoptVariant *)rows->pdata[i])->path, path) == 0)
			return true;
	return false;
}

/* Two posts show one image; one needs its variant in another folder:
 * one encoding, two files (a hard link), both recorded, each post
 * linking its own; a second run changes nothing. */
static void
test_placed_copy(void)
{
	g_autofree char *tmp = tu_tmpdir();
	g_autofree char *root = g_build_filename(tmp, "site", NULL);
	g_autofree char *posts = g_build_filename(root, "_posts", NULL);
	g_autofree char *img = g_build_filename(root, "img", NULL);
	g_autofree char *a = g_build_filename(img, "a.jpg", NULL);
	g_autofree char *pa = g_build_filename(posts, "2020-01-01-a.md", NULL);
	g_autofree char *pb = g_build_filename(posts, "2020-01-02-b.md", NULL);
	g_autofree char *conf = g_build_filename(root, "_config.yml", NULL);

	g_assert_cmpint(g_mkdir_with_parents(posts, 0755), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(img, 0755), ==, 0);
	tu_write(conf, "title: t\n");
	tu_vips((const char *const[]){"gaussnoise", a, "1200", "300", NULL});
	tu_write(pa, "![a](/img/a.jpg)\n");
	tu_write(pb, "![b](/img/a.jpg)\n");
	g_autoptr(ImgoptRunResult) first = run_placed(root);
	g_assert_cmpuint(first->errors->len, ==, 0);
	g_assert_cmpuint(first->n_encoded, ==, 1);
	g_assert_cmpuint(first->changes->len, ==, 2);
	g_assert_cmpuint(first->variant_files->len, ==, 2);
	const char *v1 = g_ptr_array_index(first->variant_files, 0);
	const char *v2 = g_ptr_array_index(first->variant_files, 1);
	g_assert_true(g_str_has_prefix(v1, "bundle/optimized/"));
	g_assert_true(g_str_has_prefix(v2, "img/optimized/"));
	g_assert_true(is_recorded(root, v1));
	g_assert_true(is_recorded(root, v2));
	g_autofree char *f1 = g_build_filename(root, v1, NULL);
	g_autofree char *f2 = g_build_filename(root, v2, NULL);
	GStatBuf s1, s2;
	g_assert_cmpint(g_stat(f1, &s1), ==, 0);
	g_assert_cmpint(g_stat(f2, &s2), ==, 0);
	g_assert_cmpuint(s1.st_ino, ==, s2.st_ino); /* one file, two names */
	g_autofree char *ta = tu_read(pa, NULL);
	g_autofree char *tb = tu_read(pb, NULL);
	g_autofree char *la = g_strdup_printf("![a](/%s)\n", v2);
	g_autofree char *lb = g_strdup_printf("![b](/%s)\n", v1);
	g_assert_cmpstr(ta, ==, la);
	g_assert_cmpstr(tb, ==, lb);
	g_autoptr(ImgoptRunResult) second = run_placed(root);
	g_assert_cmpuint(second->n_encoded, ==, 0);
	g_assert_cmpuint(second->changes->len, ==, 0);
	g_assert_cmpuint(second->variant_files->len, ==, 0);
	g_assert_cmpuint(second->n_sources, ==, 0);
	tu_rmtree(tmp);
}

/* A run whose references can all not be rewritten (a tag the generator
 * resolves itself) encodes nothing and says why, once. */
static void
test_nothing_rewritable(void)
{
	g_autofree char *tmp = tu_tmpdir();
	g_autofree char *root = g_build_filename(tmp, "site", NULL);
	g_autofree char *folder =
		g_build_filename(root, "_posts", "2020-01-01-a", NULL);
	g_autofree char *img = g_build_filename(root, "img", NULL);
	g_autofree char *a = g_build_filename(folder, "a.jpg", NULL);
	g_autofree char *b = g_build_filename(folder, "b.jpg", NULL);
	g_autofree char *post =
		g_build_filename(root, "_posts", "2020-01-01-a.md", NULL);
	g_autofree char *conf = g_build_filename(root, "_config.yml", NULL);
	g_autofree char *posts = g_build_filename(root, "_posts", NULL);
	const char *argv[] = {"imgopt", "run", posts, img, "--json", NULL};
	int status = 0;

	g_assert_cmpint(g_mkdir_with_parents(folder, 0755), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(img, 0755), ==, 0);
	tu_write(conf, "title: t\n");
	tu_vips((const char *const[]){"gaussnoise", a, "1200", "300", NULL});
	tu_vips((const char *const[]){"gaussnoise", b, "1000", "300", NULL});
	tu_write(post, "---\ntitle: a\n---\n{% asset_img a.jpg %}\n\n"
		       "{% asset_img b.jpg %}\n");
	g_autoptr(JsonNode) root_node = tu_run_json(argv, &status);
	JsonObject *o = json_node_get_object(root_node);
	JsonObject *sum = json_object_get_object_member(o, "summary");
	JsonArray *notes = json_object_get_array_member(o, "notices");

	g_assert_cmpint(status, ==, 0);
	g_assert_cmpint(member(sum, "encoded"), ==, 0);
	g_assert_cmpint(member(sum, "variant_files_written"), ==, 0);
	g_assert_cmpuint(json_array_get_length(notes), ==, 1);
	const char *msg = json_object_get_string_member(
		json_array_get_object_element(notes, 0), "message");
	g_assert_nonnull(strstr(msg, "2 image references found, none "
				     "to rewrite"));
	tu_rmtree(tmp);
}

int
main(int argc, char **argv)
{
	static const char *const srcset[] = {"--srcset", "--formats=jpeg,webp",
					     NULL};

	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_data_func("/linked/genblog", NULL, test_genblog);
	g_test_add_data_func("/linked/genblog-srcset", srcset, test_genblog);
	g_test_add_func("/linked/relink", test_relink);
	g_test_add_func("/linked/placed-copy", test_placed_copy);
	g_test_add_func("/linked/nothing-rewritable", test_nothing_rewritable);
	return g_test_run();
}
