/*
 * init.c: process-wide set-up of the libraries libimgopt drives.
 */
#include "imgopt/init.h"

#include "image.h"

bool
imgopt_init(const char *argv0, GError **error)
{
	g_return_val_if_fail(error == NULL || *error == NULL, false);
	return imgopt_vips_init(argv0, error);
}

void
imgopt_shutdown(void)
{
	imgopt_vips_shutdown();
}

const char *
imgopt_version(void)
{
	return IMGOPT_VERSION;
}
