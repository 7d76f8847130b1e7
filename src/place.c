/*
 * place.c: a variant placed in another folder (place.h says why).
 */
#include "place.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "atomic.h"
#include "fsio.h"

/* Whether @to holds @data's @len bytes. */
static bool
holds(const char *to, const char *data, gsize len)
{
	g_autofree char *there = NULL;
	gsize there_len = 0;

	return g_file_get_contents(to, &there, &there_len, NULL) &&
	       there_len == len && memcmp(there, data, len) == 0;
}

/* Hard-links @from to @to, or copies it where a link cannot be made; a
 * file at @to already is kept if it holds @from's bytes. */
static bool
link_or_copy(const char *from, const char *to, GError **error)
{
	g_autofree char *data = NULL;
	gsize len = 0;

	if (link(from, to) == 0)
		return true;
	bool is_there = errno == EEXIST;
	if (!g_file_get_contents(from, &data, &len, error))
		return false;
	if (is_there && holds(to, data, len))
		return true;
	return imgopt_atomic_write(to, data, len, 0644, false, error);
}

bool
imgopt_place_variant(const char *root, ImgoptManifest *manifest,
		     const ImgoptVariant *variant, const char *dir,
		     ImgoptVariant **copy_out, GError **error)
{
	g_return_val_if_fail(root != NULL && variant != NULL, false);
	g_return_val_if_fail(dir != NULL && copy_out != NULL, false);

	g_autofree char *name = g_path_get_basename(variant->path);
	g_autofree char *from = g_build_filename(root, variant->path, NULL);
	g_autofree char *full_dir = g_build_filename(root, dir, NULL);
	g_autofree char *to = g_build_filename(full_dir, name, NULL);
	g_autoptr(ImgoptVariant) copy = imgopt_variant_copy(variant);

	*copy_out = NULL;
	/* not through a symlink leading out of the site */
	if (!imgopt_fs_check_site_path(root, dir, error))
		return false;
	if (g_mkdir_with_parents(full_dir, 0755) != 0) {
		int saved = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
			    "cannot create '%s': %s", dir, g_strerror(saved));
		return false;
	}
	if (!link_or_copy(from, to, error)) {
		g_prefix_error(error,
			       "cannot place '%s' in '%s': ", variant->path,
			       dir);
		return false;
	}
	g_free(copy->path);
	copy->path = g_build_filename(dir, name, NULL);
	if (!imgopt_manifest_put_variant_copy(manifest, copy, error))
		return false;
	*copy_out = g_steal_pointer(&copy);
	return true;
}
