/*
 * site_hugo.c: where Hugo publishes a file and where a variant a Hugo page
 * links must live (site_gen.h).
 *
 * Hugo publishes the files of `static/` at the site root; anything else is
 * published where the central variant folder (IMAGES/optimized) is.
 */
#include <string.h>

#include "site_gen.h"

char *
imgopt_hugo_variant_dir(const ImgoptSite *site, const ImgoptRef *ref)
{
	const char *images = imgopt_site_get_images_dir(site);

	(void)ref;
	return *images ? g_build_filename(images, IMGOPT_OUTPUT_DIR, NULL)
		       : g_strdup(IMGOPT_OUTPUT_DIR);
}

char *
imgopt_hugo_url_path(const ImgoptSite *site, const char *path)
{
	(void)site;
	if (g_str_has_prefix(path, "static/"))
		return g_strdup(path + strlen("static/"));
	return g_strdup(path);
}
