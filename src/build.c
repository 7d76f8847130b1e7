/*
 * build.c: the build job (see build.h): index the site, then make the
 * variants of the images its posts reference.
 */
#include "imgopt/build.h"

#include <string.h>

#include "imgopt/dupes.h"

void
imgopt_build_result_clear(ImgoptBuildResult *result)
{
	g_clear_pointer(&result->sources, g_hash_table_unref);
	*result = (ImgoptBuildResult){0};
}

const char *
imgopt_build_result_source(const ImgoptBuildResult *result,
			   const ImgoptHash *hash)
{
	char hex[IMGOPT_HASH_HEX_LEN + 1];

	g_return_val_if_fail(result != NULL && hash != NULL, NULL);
	imgopt_hash_format(hash, hex);
	return g_hash_table_lookup(result->sources, hex);
}

/* The referenced image files, as the index stored them. */
static GPtrArray *
referenced_images(const ImgoptSite *site, ImgoptManifest *manifest,
		  const ImgoptSettings *settings,
		  const ImgoptObserver *observer, const char *out_dir,
		  GError **error)
{
	ImgoptDupesOptions options = {.jobs = settings->jobs};
	g_autoptr(ImgoptDupesResult) dupes = NULL;

	if (!imgopt_dupes_run(site, &options, manifest, observer, &dupes,
			      error))
		return NULL;
	g_autoptr(GHashTable) files =
		imgopt_manifest_load_files(manifest, error);
	if (files == NULL)
		return NULL;
	return imgopt_dupes_result_referenced_images(dupes, files, out_dir);
}

/* Content hash → its canonical copy (the first path in byte order). */
static GHashTable *
canonical_sources(const GPtrArray *assets)
{
	GHashTable *sources =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	for (guint i = 0; i < assets->len; i++) {
		const ImgoptAsset *a = g_ptr_array_index(assets, i);
		char hex[IMGOPT_HASH_HEX_LEN + 1];

		imgopt_hash_format(&a->hash, hex);
		const char *old = g_hash_table_lookup(sources, hex);
		if (old == NULL || strcmp(a->path, old) < 0)
			g_hash_table_insert(sources, g_strdup(hex),
					    g_strdup(a->path));
	}
	return sources;
}

bool
imgopt_build_site(const ImgoptSite *site, ImgoptManifest *manifest,
		  const ImgoptSettings *settings,
		  const ImgoptObserver *observer,
		  const ImgoptRecompressObserver *encode_observer,
		  ImgoptBuildResult *result, GError **error)
{
	g_return_val_if_fail(site != NULL && manifest != NULL, false);
	g_return_val_if_fail(settings != NULL && result != NULL, false);
	g_return_val_if_fail(error == NULL || *error == NULL, false);

	g_autofree char *out_dir = g_build_filename(
		imgopt_site_get_images_dir(site), IMGOPT_OUTPUT_DIR, NULL);

	imgopt_build_result_clear(result);
	g_autoptr(GPtrArray) assets = referenced_images(
		site, manifest, settings, observer, out_dir, error);
	if (assets == NULL)
		return false;
	result->sources = canonical_sources(assets);
	return imgopt_recompress_all(imgopt_site_get_root(site), out_dir,
				     assets, settings, manifest,
				     encode_observer, &result->summary, error);
}
