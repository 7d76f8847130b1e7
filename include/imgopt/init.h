/*
 * init.h: process-wide set-up of libimgopt.
 *
 * Call imgopt_init() once, from the main thread, before any other imgopt
 * function, and imgopt_shutdown() before exit.  They set up the libraries
 * imgopt uses.  imgopt_init() is cheap: libvips (untrusted loaders
 * blocked, cache off) starts on the first image decoded, once.
 *
 * Thread-safety: main thread only.
 */
#ifndef IMGOPT_INIT_H
#define IMGOPT_INIT_H

#include <stdbool.h>
#include <glib.h> /* GError */

/**
 * imgopt_init:
 * @argv0: the program's argv[0]
 * @error: return location for a #GError
 *
 * Returns: true on success; false with @error set if an image library
 *   could not start.
 */
bool imgopt_init(const char *argv0, GError **error);

/** Releases what imgopt_init() set up.  Safe to call if it failed. */
void imgopt_shutdown(void);

/**
 * imgopt_version:
 *
 * Returns: (transfer none): the version string, e.g. "0.1.0".
 */
const char *imgopt_version(void);

#endif /* IMGOPT_INIT_H */
