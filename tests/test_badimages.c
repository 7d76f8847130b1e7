/*
 * test_badimages.c: every file of ../shared/badimages (malformed, hostile
 * and edge-case images from libvips, Pillow, libpng, wuffs, image-rs and
 * synthetic bombs) goes through the recompress writer in one run.
 *
 * What must hold: no crash, hang or leak (CI runs this under
 * AddressSanitizer); each distinct content either gets variants recorded
 * in the manifest or is reported with an error naming its path and a
 * reason; the variant folder holds only complete, non-empty,
 * content-named files (no temporaries, nothing partial).
 */
#include <string.h>

#include <glib/gstdio.h>

#include "imgopt/imgopt.h"

#include "testutil.h"

/* What the observer saw, per source path. */
typedef struct {
	GHashTable *failures; /* path → message */
	guint n_variants;     /* variants written */
} Seen;

static void
on_variant(const ImgoptVariant *variant, bool is_cached, void *data)
{
	Seen *seen = data;

	(void)is_cached;
	g_assert_cmpuint(variant->bytes, >, 0);
	seen->n_variants++;
}

static void
on_failure(const ImgoptAsset *asset, const GError *error, void *data)
{
	Seen *seen = data;

	g_assert_nonnull(error);
	g_assert_true(strstr(error->message, asset->path) != NULL);
	/* a reason after the path: "'img/x.gif': <what is wrong>" */
	g_assert_cmpuint(strlen(error->message), >, strlen(asset->path) + 6);
	g_test_message("%s", error->message);
	g_hash_table_insert(seen->failures, g_strdup(asset->path),
			    g_strdup(error->message));
}

/* Copies the collection's images into @root/img and indexes them. */
static GPtrArray *
copy_and_index(const char *source, const char *root)
{
	g_autofree char *img = g_build_filename(root, "img", NULL);
	g_autoptr(GDir) dir = g_dir_open(source, 0, NULL);
	GPtrArray *assets = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_asset_free);

	g_assert_nonnull(dir);
	g_assert_cmpint(g_mkdir_with_parents(img, 0755), ==, 0);
	for (const char *name; (name = g_dir_read_name(dir)) != NULL;) {
		if (g_str_has_suffix(name, ".tsv") ||
		    g_str_has_suffix(name, ".md"))
			continue;
		g_autofree char *from = g_build_filename(source, name, NULL);
		g_autofree char *to = g_build_filename(img, name, NULL);
		g_autofree char *rel = g_build_filename("img", name, NULL);
		gsize len = 0;
		g_autofree char *data = tu_read(from, &len);
		g_assert_true(g_file_set_contents(to, data, (gssize)len, NULL));
		g_autoptr(GError) error = NULL;
		g_autoptr(ImgoptAsset) asset =
			imgopt_index_stat(root, rel, &error);
		g_assert_no_error(error);
		g_assert_true(imgopt_index_read(root, asset, NULL, &error));
		g_assert_no_error(error);
		g_ptr_array_add(assets, g_steal_pointer(&asset));
	}
	return assets;
}

/* Only "<16 hex>-<width>.<ext>" files, none empty. */
static void
assert_clean_output(const char *out)
{
	g_autoptr(GDir) dir = g_dir_open(out, 0, NULL);
	if (dir == NULL)
		return; /* nothing written at all */
	g_autoptr(GRegex) name_re = g_regex_new(
		"^[0-9a-f]{16}-[0-9]+\\.(jpg|png|gif|webp|avif)$", 0, 0, NULL);

	for (const char *name; (name = g_dir_read_name(dir)) != NULL;) {
		g_autofree char *full = g_build_filename(out, name, NULL);
		GStatBuf st;
		/* the marks of what no file was made for (ondisk.h) */
		if (strcmp(name, ".imgopt-kept") == 0)
			continue;
		g_assert_cmpint(g_stat(full, &st), ==, 0);
		if (!g_regex_match(name_re, name, 0, NULL) || st.st_size == 0) {
			g_test_message(
				"unexpected output file '%s' (%ld bytes)", name,
				(long)st.st_size);
			g_test_fail();
		}
	}
}

/* Every distinct content has variants in the manifest, or failed. */
static void
assert_all_accounted(ImgoptManifest *manifest, const GPtrArray *assets,
		     const Seen *seen, const char *fingerprint)
{
	g_autoptr(GHashTable) failed_hashes =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	guint n_ok = 0;

	for (guint i = 0; i < assets->len; i++) {
		const ImgoptAsset *a = g_ptr_array_index(assets, i);
		char hex[IMGOPT_HASH_HEX_LEN + 1];
		imgopt_hash_format(&a->hash, hex);
		if (g_hash_table_contains(seen->failures, a->path))
			g_hash_table_add(failed_hashes, g_strdup(hex));
	}
	for (guint i = 0; i < assets->len; i++) {
		const ImgoptAsset *a = g_ptr_array_index(assets, i);
		char hex[IMGOPT_HASH_HEX_LEN + 1];
		imgopt_hash_format(&a->hash, hex);
		g_autoptr(GPtrArray) variants = imgopt_manifest_lookup_variants(
			manifest, &a->hash, fingerprint, NULL);
		g_assert_nonnull(variants);
		if (variants->len > 0)
			n_ok++;
		else if (!g_hash_table_contains(failed_hashes, hex)) {
			g_test_message("'%s': neither variants nor an error",
				       a->path);
			g_test_fail();
		}
	}
	g_test_message("%u files with variants, %u failures", n_ok,
		       g_hash_table_size(seen->failures));
	g_assert_cmpuint(n_ok, >, 0);
}

static void
test_every_bad_image(void)
{
	g_autofree char *source = tu_shared("badimages", NULL);
	if (source == NULL || !g_file_test(source, G_FILE_TEST_IS_DIR)) {
		g_test_skip("../shared/badimages is missing");
		return;
	}
	g_autofree char *root = tu_tmpdir();
	g_autoptr(GPtrArray) assets = copy_and_index(source, root);
	g_autofree char *db = g_build_filename(root, "m.db", NULL);
	g_autoptr(ImgoptManifest) manifest = imgopt_manifest_open(db, NULL);
	g_auto(ImgoptSettings) settings = {0};
	Seen seen = {
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
		0};
	ImgoptRecompressObserver observer = {on_variant, on_failure, &seen,
					     NULL};
	ImgoptRecompressSummary summary;
	g_autoptr(GError) error = NULL;

	imgopt_settings_init(&settings);
	g_assert_true(imgopt_settings_parse_widths(&settings, "64,480", NULL));
	g_assert_true(
		imgopt_settings_parse_formats(&settings, "jpeg,webp", NULL));
	g_assert_nonnull(manifest);
	bool is_ok = imgopt_recompress_all(root, "img/" IMGOPT_OUTPUT_DIR,
					   assets, &settings, manifest,
					   &observer, &summary, &error);
	g_assert_no_error(error);
	g_assert_true(is_ok);
	g_assert_cmpuint(summary.n_failed, ==,
			 g_hash_table_size(seen.failures));
	g_assert_cmpuint(summary.n_written, ==, seen.n_variants);
	g_assert_cmpuint(summary.n_encoded + summary.n_failed, ==,
			 summary.n_sources);

	g_autofree char *out =
		g_build_filename(root, "img", IMGOPT_OUTPUT_DIR, NULL);
	assert_clean_output(out);
	g_autofree char *fingerprint = imgopt_settings_fingerprint(&settings);
	assert_all_accounted(manifest, assets, &seen, fingerprint);
	g_hash_table_unref(seen.failures);
	tu_rmtree(root);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	/* libvips logs its decode warnings (which imgopt turns into errors)
	 * with g_warning(); only criticals stay fatal. */
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	g_assert_true(imgopt_init(argv[0], NULL));

	g_test_add_func("/badimages/every-file-optimized-or-reported",
			test_every_bad_image);

	int status = g_test_run();
	imgopt_shutdown();
	return status;
}
