/*
 * scan_file.h: the scanners of a site's files that are not pages: its
 * stylesheets (scan_css.c), its data and config files (scan_data.c) and
 * its scripts and JSON (scan_script.c), and what they share (scan_file.c).
 *
 * Each scanner is pure, as imgopt_scan_text() is: bytes in, references
 * out, each with the exact span of the path as written (inside its
 * quotes, if quoted), so a rewrite replaces exactly those bytes.  Only
 * values that name an image (a path whose last component has an image
 * extension, imgopt_index_is_image_name()) are references.
 *
 * Calling sequence: imgopt_scan_referrer() picks the scanner by the
 * file's kind; a scanner makes a FileScan, walks the bytes once and adds
 * what it finds with imgopt_scan_file_add().
 *
 * Ownership: a FileScan owns its references until the scanner returns
 * them (transfer full).  Thread-safety: one FileScan per call.
 */
#ifndef IMGOPT_SCAN_FILE_H
#define IMGOPT_SCAN_FILE_H

#include <stdbool.h>
#include <glib.h> /* GPtrArray, GString */

#include "imgopt/types.h"

/** The state of one scan of one file. */
typedef struct {
	const char *path;   /* for ImgoptRef.post */
	const char *text;   /* the file's bytes */
	gsize len;          /* their number */
	ImgoptRefKind kind; /* of every reference added */
	ImgoptRefRole role; /* of every reference added */
	gsize line;         /* line of @line_start (1-based) */
	gsize line_start;   /* offset of the line the last reference is on */
	gsize counted;      /* lines are counted up to this offset */
	GPtrArray *refs;    /* (element-type ImgoptRef) the result */
} FileScan;

/** Starts a scan of @len bytes of @text. */
void imgopt_scan_file_init(FileScan *fs, const char *path, const char *text,
			   gsize len, ImgoptRefKind kind, ImgoptRefRole role);

/**
 * imgopt_scan_file_add:
 * @url: (transfer full): the decoded value
 * @key: (nullable): the key it is the value of
 *
 * Adds the reference whose span is @length bytes at @offset when @url
 * names an image and the span holds no NUL byte; references must be added
 * in increasing @offset.  Returns: (transfer none) (nullable): the
 * reference, or NULL if nothing was added.
 */
ImgoptRef *imgopt_scan_file_add(FileScan *fs, gsize offset, gsize length,
				char *url, const char *key);

/** Returns: (transfer full): the references found (the scan is done). */
GPtrArray *imgopt_scan_file_finish(FileScan *fs);

/**
 * imgopt_scan_names_image:
 *
 * Returns: whether @url (query and fragment cut) ends in an image
 *   extension after a non-empty name, and is neither a data: URL nor a
 *   glob (`*`).
 */
bool imgopt_scan_names_image(const char *url);

/**
 * imgopt_scan_quoted:
 * @s: @limit: the text; @s[@pos] is the opening quote
 * @escapes: a backslash escapes the next byte (else the quote doubled is
 *   a quote, as in YAML's '…')
 * @stop_at_eol: an end of line before the closing quote ends the scan
 *
 * Returns: the offset of the closing quote, or @limit (or the end of the
 *   line) if there is none.
 */
gsize imgopt_scan_quoted(const char *s, gsize limit, gsize pos, bool escapes,
			 bool stop_at_eol);

/**
 * imgopt_scan_unescape:
 *
 * Returns: (transfer full): @len bytes of @s with backslash escapes
 *   decoded the C way: `\uXXXX` (JSON, JavaScript), `\n`, `\t`, and
 *   `\x` for any other x.
 */
char *imgopt_scan_unescape(const char *s, gsize len);

/* ---- the scanners: each returns (transfer full) its references ---- */

/** `url()` in a .css, .scss, .sass or .less file (scan_css.c). */
GPtrArray *imgopt_scan_css(const char *path, const char *text, gsize len);

/** Values of a YAML file, keys at any depth (scan_data.c). */
GPtrArray *imgopt_scan_yaml(const char *path, const char *text, gsize len);

/** String values of a JSON file (scan_data.c). */
GPtrArray *imgopt_scan_json(const char *path, const char *text, gsize len,
			    ImgoptRefKind kind, ImgoptRefRole role);

/** Cells of a CSV (or, for a .tsv @path, TSV) file (scan_data.c). */
GPtrArray *imgopt_scan_csv(const char *path, const char *text, gsize len);

/** Strings of a TOML file (scan_data.c). */
GPtrArray *imgopt_scan_toml(const char *path, const char *text, gsize len);

/** What starts a comment in imgopt_scan_strings(). */
typedef enum {
	SCAN_COMMENTS_C,    /* `//` and `/ * … * /`, and regex literals */
	SCAN_COMMENTS_HASH, /* `#` to the end of the line */
} ScanComments;

/**
 * imgopt_scan_strings:
 *
 * Adds every string literal of @fs's text that names an image: '…', "…"
 * and (for SCAN_COMMENTS_C) `…` without `${`, outside comments
 * (scan_script.c).
 */
void imgopt_scan_strings(FileScan *fs, ScanComments comments);

#endif /* IMGOPT_SCAN_FILE_H */
