/*
 * init.c: process-wide set-up of the libraries libimgopt drives.
 */
#include "imgopt/init.h"

bool
imgopt_init(const char *argv0, GError **error)
{
	g_return_val_if_fail(error == NULL || *error == NULL, false);
	(void)argv0;
	return true;
}

void
imgopt_shutdown(void)
{
}

const char *
imgopt_version(void)
{
	return IMGOPT_VERSION;
}
