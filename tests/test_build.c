/*
 * test_build.c: the build job in-process: the referenced images, and only
 * they, get variants, one content once whatever its copies, named after
 * its canonical copy; a second build encodes nothing.
 */
#include <string.h>

#include "imgopt/imgopt.h"

#include "testutil.h"

/* A post showing two copies of one image; a third image no post shows. */
static char *
make_site(void)
{
	char *root = tu_tmpdir();
	g_autofree char *img = g_build_filename(root, "img", NULL);
	g_autofree char *posts = g_build_filename(root, "_posts", NULL);
	g_autofree char *a = g_build_filename(img, "a.png", NULL);
	g_autofree char *b = g_build_filename(img, "b.png", NULL);
	g_autofree char *c = g_build_filename(img, "c.png", NULL);
	g_autofree char *post =
		g_build_filename(posts, "2020-01-01-a.md", NULL);
	g_autofree char *bytes = NULL;
	gsize len = 0;

	g_assert_cmpint(g_mkdir_with_parents(img, 0755), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(posts, 0755), ==, 0);
	tu_vips((const char *const[]){"xyz", b, "300", "200", NULL});
	tu_vips((const char *const[]){"xyz", c, "320", "200", NULL});
	bytes = tu_read(b, &len);
	g_assert_true(g_file_set_contents(a, bytes, (gssize)len, NULL));
	tu_write(post, "![b](/img/b.png)\n\n![a](/img/a.png)\n");
	return root;
}

/* What the encoding reported. */
typedef struct {
	GPtrArray *written; /* variant paths written */
	guint n_kept;       /* variants already there */
	guint n_failed;     /* sources that failed */
} Seen;

static void
on_variant(const ImgoptVariant *variant, bool is_cached, void *user_data)
{
	Seen *s = user_data;

	if (is_cached)
		s->n_kept++;
	else
		g_ptr_array_add(s->written, g_strdup(variant->path));
	g_assert_true(
		g_str_has_prefix(variant->path, "img/" IMGOPT_OUTPUT_DIR "/"));
}

static void
on_failure(const ImgoptAsset *asset, const GError *error, void *user_data)
{
	g_test_message("failed: %s: %s", asset->path, error->message);
	((Seen *)user_data)->n_failed++;
}

static void
build(const char *root, ImgoptManifest *m, Seen *seen, ImgoptBuildResult *built)
{
	g_autofree char *posts = g_build_filename(root, "_posts", NULL);
	g_autofree char *img = g_build_filename(root, "img", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptSite) site = imgopt_site_open(posts, img, root, &error);
	g_auto(ImgoptSettings) settings = {0};
	ImgoptRecompressObserver encode = {on_variant, on_failure, seen, NULL};

	g_assert_no_error(error);
	imgopt_settings_init(&settings);
	g_assert_true(imgopt_settings_parse_widths(&settings, "100", &error));
	settings.jobs = 2;
	g_assert_true(imgopt_build_site(site, m, &settings, NULL, &encode,
					built, &error));
	g_assert_no_error(error);
	g_assert_nonnull(built->sources);
}

static void
test_referenced_only(void)
{
	g_autofree char *root = make_site();
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptManifest) m = imgopt_manifest_open(":memory:", &error);
	g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func(g_free);
	Seen seen = {written, 0, 0};
	g_auto(ImgoptBuildResult) first = {0};

	build(root, m, &seen, &first);

	g_assert_cmpuint(first.summary.n_sources, ==, 1); /* a = b, not c */
	g_assert_cmpuint(first.summary.n_encoded, ==, 1);
	g_assert_cmpuint(first.summary.n_failed, ==, 0);
	g_assert_cmpuint(seen.n_failed, ==, 0);
	g_assert_cmpuint(written->len, ==, first.summary.n_written);
	g_assert_cmpuint(written->len, >, 0);

	/* Every variant names the canonical copy: the first path, a.png. */
	g_autoptr(GPtrArray) rows = imgopt_manifest_load_variants(m, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(rows->len, ==, written->len);
	for (guint i = 0; i < rows->len; i++) {
		const ImgoptVariant *v = g_ptr_array_index(rows, i);

		g_assert_cmpstr(imgopt_build_result_source(&first, &v->hash),
				==, "img/a.png");
	}
	ImgoptHash other = {{0}};
	g_assert_null(imgopt_build_result_source(&first, &other));

	/* Again: nothing to encode, every variant kept. */
	g_ptr_array_set_size(written, 0);
	g_auto(ImgoptBuildResult) second = {0};

	build(root, m, &seen, &second);
	g_assert_cmpuint(second.summary.n_encoded, ==, 0);
	g_assert_cmpuint(second.summary.n_cached, ==, 1);
	g_assert_cmpuint(written->len, ==, 0);
	g_assert_cmpuint(seen.n_kept, ==, rows->len);
	tu_rmtree(root);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/build/referenced-only", test_referenced_only);
	return g_test_run();
}
