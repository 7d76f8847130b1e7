/*
 * build.c: the build job (see build.h): index the site, then make the
 * variants of the images its posts reference.
 */
#include "imgopt/build.h"

#include <string.h>

#include "imgopt/dupes.h"
#include "imgopt/error.h"

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

bool
imgopt_shard_parse(const char *text, ImgoptShard *shard_out, GError **error)
{
	g_return_val_if_fail(text != NULL && shard_out != NULL, false);

	const char *slash = strchr(text, '/');
	guint64 index = 0, count = 0;
	g_autofree char *first =
		slash != NULL ? g_strndup(text, (gsize)(slash - text)) : NULL;

	if (first == NULL ||
	    !g_ascii_string_to_unsigned(first, 10, 0, IMGOPT_SHARD_MAX - 1,
					&index, NULL) ||
	    !g_ascii_string_to_unsigned(slash + 1, 10, 1, IMGOPT_SHARD_MAX,
					&count, NULL) ||
	    index >= count) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_PARSE,
			    "bad shard '%s': I/N is expected, with 0 <= I < N "
			    "<= %d (e.g. 0/4)",
			    text, IMGOPT_SHARD_MAX);
		return false;
	}
	shard_out->index = (uint32_t)index;
	shard_out->count = (uint32_t)count;
	return true;
}

bool
imgopt_shard_has(const ImgoptShard *shard, const ImgoptHash *hash)
{
	uint64_t head = 0;

	g_return_val_if_fail(shard != NULL && hash != NULL, false);
	if (shard->count <= 1)
		return true;
	for (int i = 0; i < 8; i++)
		head = head << 8 | hash->bytes[i];
	return head % shard->count == shard->index;
}

/* Keeps the assets whose content falls in @shard. */
static void
keep_shard(GPtrArray *assets, const ImgoptShard *shard)
{
	guint kept = 0;

	for (guint i = 0; i < assets->len; i++) {
		ImgoptAsset *a = g_ptr_array_index(assets, i);
		if (a->has_hash && imgopt_shard_has(shard, &a->hash))
			g_ptr_array_index(assets, kept++) = a;
		else
			imgopt_asset_free(a);
	}
	g_ptr_array_set_free_func(assets, NULL);
	g_ptr_array_set_size(assets, kept);
	g_ptr_array_set_free_func(assets, (GDestroyNotify)imgopt_asset_free);
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
	return imgopt_build_shard(site, manifest, settings, NULL, observer,
				  encode_observer, result, error);
}

bool
imgopt_build_shard(const ImgoptSite *site, ImgoptManifest *manifest,
		   const ImgoptSettings *settings, const ImgoptShard *shard,
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
	if (shard != NULL)
		keep_shard(assets, shard);
	result->sources = canonical_sources(assets);
	return imgopt_recompress_all(imgopt_site_get_root(site), out_dir,
				     assets, settings, manifest,
				     encode_observer, &result->summary, error);
}
