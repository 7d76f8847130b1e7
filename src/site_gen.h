/*
 * site_gen.h: what each generator but Jekyll decides for site.c: where a
 * reference's variant must live and at which URL path a file is
 * published (site.h: imgopt_site_variant_dir(), imgopt_site_url_path()).
 * site_hugo.c for Hugo, site_hexo.c for Hexo.  Private to src/.
 */
#ifndef IMGOPT_SITE_GEN_H
#define IMGOPT_SITE_GEN_H

#include "imgopt/site.h"

char *imgopt_hugo_variant_dir(const ImgoptSite *site, const ImgoptRef *ref);
char *imgopt_hugo_url_path(const ImgoptSite *site, const char *path);
char *imgopt_hexo_variant_dir(const ImgoptSite *site, const ImgoptRef *ref);
char *imgopt_hexo_url_path(const ImgoptSite *site, const char *path);

#endif /* IMGOPT_SITE_GEN_H */
