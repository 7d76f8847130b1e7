/*
 * site_hexo.c: where Hexo publishes a file and where a variant a Hexo page
 * links must live (site_gen.h).
 *
 * Hexo publishes the files of `source/` at the site root; anything else is
 * published where the central variant folder (IMAGES/optimized) is.
 */
#include <string.h>

#include "site_gen.h"

char *
imgopt_hexo_variant_dir(const ImgoptSite *site, const ImgoptRef *ref)
{
	const char *images = imgopt_site_get_images_dir(site);

	(void)ref;
	return *images ? g_build_filename(images, IMGOPT_OUTPUT_DIR, NULL)
		       : g_strdup(IMGOPT_OUTPUT_DIR);
}

char *
imgopt_hexo_url_path(const ImgoptSite *site, const char *path)
{
	(void)site;
	if (g_str_has_prefix(path, "source/"))
		return g_strdup(path + strlen("source/"));
	return g_strdup(path);
}
