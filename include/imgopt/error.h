/*
 * error.h: the imgopt error domain.
 *
 * Every fallible imgopt function takes a `GError **error` last and sets it
 * once, where the failure is detected.  Errors from GLib's own domains
 * (G_FILE_ERROR, G_IO_ERROR, G_OPTION_ERROR) pass through unchanged; the
 * codes below are for failures imgopt itself detects.  The codes are few
 * on purpose: they are the ones callers branch on.
 *
 * Thread-safety: all functions here may be called from any thread.
 */
#ifndef IMGOPT_ERROR_H
#define IMGOPT_ERROR_H

#include <glib.h> /* GQuark */

/**
 * IMGOPT_ERROR:
 *
 * The error domain of imgopt's own errors.
 */
#define IMGOPT_ERROR (imgopt_error_quark())

/**
 * ImgoptError:
 * @IMGOPT_ERROR_PARSE: a post, a config or a value could not be parsed
 * @IMGOPT_ERROR_UNSUPPORTED: an input imgopt does not handle
 * @IMGOPT_ERROR_DECODE: an image could not be decoded
 * @IMGOPT_ERROR_ENCODE: a variant could not be encoded
 * @IMGOPT_ERROR_IO: a file could not be read or written
 * @IMGOPT_ERROR_MANIFEST: the manifest could not be opened, read or written
 * @IMGOPT_ERROR_CONFLICT: another run holds the lock, or a file changed
 *   under us
 * @IMGOPT_ERROR_UNSAFE: a path leads outside the site root
 */
typedef enum {
	IMGOPT_ERROR_PARSE,
	IMGOPT_ERROR_UNSUPPORTED,
	IMGOPT_ERROR_DECODE,
	IMGOPT_ERROR_ENCODE,
	IMGOPT_ERROR_IO,
	IMGOPT_ERROR_MANIFEST,
	IMGOPT_ERROR_CONFLICT,
	IMGOPT_ERROR_UNSAFE,
} ImgoptError;

/**
 * imgopt_error_quark:
 *
 * Returns: the quark of the %IMGOPT_ERROR domain.
 */
GQuark imgopt_error_quark(void);

#endif /* IMGOPT_ERROR_H */
