/*
 * scan_file.c: what the scanners of stylesheets, data files and scripts
 * share (see scan_file.h): adding a reference with its line and column,
 * deciding that a value names an image, quoted strings and backslash
 * escapes.
 */
#include "scan_file.h"

#include <string.h>

#include "imgopt/index.h"

void
imgopt_scan_file_init(FileScan *fs, const char *path, const char *text,
		      gsize len, ImgoptRefKind kind, ImgoptRefRole role)
{
	*fs = (FileScan){
		.path = path,
		.text = text != NULL ? text : "",
		.len = len,
		.kind = kind,
		.role = role,
		.line = 1,
		.line_start = 0,
		.refs = g_ptr_array_new_with_free_func(
			(GDestroyNotify)imgopt_ref_free),
	};
}

GPtrArray *
imgopt_scan_file_finish(FileScan *fs)
{
	return g_steal_pointer(&fs->refs);
}

/* The length of @url's path: up to `?` or `#`, but not a `#{`. */
static gsize
path_length(const char *url)
{
	gsize n = 0;

	while (url[n] != '\0' && url[n] != '?' &&
	       !(url[n] == '#' && url[n + 1] != '{'))
		n++;
	return n;
}

bool
imgopt_scan_names_image(const char *url)
{
	g_autofree char *path = g_strndup(url, path_length(url));

	const char *slash = strrchr(path, '/');
	const char *name = slash != NULL ? slash + 1 : path;

	/* not a data: URL, a glob (`exclude: [*.png]`) nor a bare extension
	 * (a script's `.endsWith('.png')`) */
	if (g_ascii_strncasecmp(url, "data:", 5) == 0 || name[0] == '.' ||
	    strpbrk(path, "*\n") != NULL)
		return false;
	return imgopt_index_is_image_name(path);
}

/* Moves the line count forward to @offset (references come in order). */
static void
advance_lines(FileScan *fs, gsize offset)
{
	const char *s = fs->text;

	for (gsize i = fs->counted; i < offset; i++) {
		if (s[i] == '\n' ||
		    (s[i] == '\r' && (i + 1 >= fs->len || s[i + 1] != '\n'))) {
			fs->line++;
			fs->line_start = i + 1;
		}
	}
	fs->counted = MAX(fs->counted, offset);
}

ImgoptRef *
imgopt_scan_file_add(FileScan *fs, gsize offset, gsize length, char *url,
		     const char *key)
{
	g_autofree char *owned_url = url;

	g_return_val_if_fail(offset >= fs->counted, NULL);
	if (length == 0 || offset > fs->len || length > fs->len - offset ||
	    memchr(fs->text + offset, '\0', length) != NULL ||
	    !imgopt_scan_names_image(owned_url))
		return NULL;
	advance_lines(fs, offset);
	ImgoptRef *ref = imgopt_ref_new();
	ref->post = g_strdup(fs->path);
	ref->line = fs->line;
	ref->column = offset - fs->line_start + 1;
	ref->offset = offset;
	ref->length = length;
	ref->construct_offset = offset;
	ref->construct_length = length;
	ref->kind = fs->kind;
	ref->role = fs->role;
	ref->raw = g_strndup(fs->text + offset, length);
	ref->url = g_steal_pointer(&owned_url);
	ref->key = g_strdup(key);
	ref->status = IMGOPT_REF_STATUS_UNRESOLVED;
	g_ptr_array_add(fs->refs, ref);
	return ref;
}

gsize
imgopt_scan_quoted(const char *s, gsize limit, gsize pos, bool escapes,
		   bool stop_at_eol)
{
	char q = s[pos];
	gsize i = pos + 1;

	while (i < limit) {
		if (s[i] == q && !escapes && i + 1 < limit && s[i + 1] == q) {
			i += 2; /* '' is a quote inside '…' */
			continue;
		}
		if (s[i] == q ||
		    (stop_at_eol && (s[i] == '\n' || s[i] == '\r')))
			return i;
		if (escapes && s[i] == '\\' && i + 1 < limit)
			i++;
		i++;
	}
	return limit;
}

/* A `\uXXXX` escape at @s (4 hex digits after "\u"), or -1. */
static gint
hex4(const char *s, gsize left)
{
	gint cp = 0;

	if (left < 6)
		return -1;
	for (int i = 2; i < 6; i++) {
		int v = g_ascii_xdigit_value(s[i]);

		if (v < 0)
			return -1;
		cp = cp * 16 + v;
	}
	return cp;
}

char *
imgopt_scan_unescape(const char *s, gsize len)
{
	GString *out = g_string_sized_new(len);

	for (gsize i = 0; i < len; i++) {
		if (s[i] != '\\' || i + 1 == len) {
			g_string_append_c(out, s[i]);
			continue;
		}
		gint cp = s[i + 1] == 'u' ? hex4(s + i, len - i) : -1;
		if (cp > 0 && !(cp >= 0xD800 && cp <= 0xDFFF)) {
			g_string_append_unichar(out, (gunichar)cp);
			i += 5;
			continue;
		}
		i++;
		g_string_append_c(out, s[i] == 'n'   ? '\n'
				       : s[i] == 't' ? '\t'
						     : s[i]);
	}
	return g_string_free(out, FALSE);
}
