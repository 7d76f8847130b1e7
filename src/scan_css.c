/*
 * scan_css.c: `url()` in stylesheets (.css, .scss, .sass, .less).
 *
 * One pass over the bytes: comments (`/ * … * /`, and `//` to the end of
 * the line outside plain CSS) and strings outside `url()` are skipped;
 * `url(` (any case, not inside an identifier such as `myurl(`) opens a
 * reference, quoted ('…', "…") or unquoted (up to the blank or `)` that
 * ends it, backslash escapes allowed).  The span is the path as written,
 * inside its quotes; the url has CSS escapes decoded (`\29` is `)`, `\)`
 * is `)`, a backslash before a line end is dropped).  A url() that is
 * never closed is not a reference, as a browser drops it too.
 *
 * Every reference is REWRITABLE here; imgopt_scan_referrer() pins a
 * path that Sass or Less assembles (`#{$base}/x.png`, `@{base}/x.png`).
 */
#include "scan_file.h"

#include <string.h>

/* Appends CSS escape at @s[@i] ('\\') to @out; returns the next offset. */
static gsize
css_escape(const char *s, gsize end, gsize i, GString *out)
{
	gsize j = i + 1;
	gunichar cp = 0;

	if (j >= end)
		return end;
	if (s[j] == '\n' || s[j] == '\r' || s[j] == '\f')
		return j + 1;
	if (!g_ascii_isxdigit(s[j])) {
		g_string_append_c(out, s[j]);
		return j + 1;
	}
	for (; j < end && j < i + 7 && g_ascii_isxdigit(s[j]); j++)
		cp = cp * 16 + (gunichar)g_ascii_xdigit_value(s[j]);
	if (j < end && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n'))
		j++;
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	g_string_append_unichar(out, cp);
	return j;
}

static char *
css_decode(const char *s, gsize start, gsize end)
{
	GString *out = g_string_sized_new(end - start);

	for (gsize i = start; i < end;) {
		if (s[i] == '\\')
			i = css_escape(s, end, i, out);
		else
			g_string_append_c(out, s[i++]);
	}
	return g_string_free(out, FALSE);
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static gsize
skip_blanks(const char *s, gsize len, gsize i)
{
	while (i < len && is_blank(s[i]))
		i++;
	return i;
}

static void
add_url(FileScan *fs, gsize start, gsize end)
{
	imgopt_scan_file_add(fs, start, end - start,
			     css_decode(fs->text, start, end), NULL);
}

/* An unquoted url's end: the blank or `)` after it; escapes skipped. */
static gsize
unquoted_end(const char *s, gsize len, gsize i)
{
	g_autoptr(GString) scratch = g_string_new(NULL);

	while (i < len && s[i] != ')' && !is_blank(s[i]) && s[i] != '"' &&
	       s[i] != '\'' && s[i] != '(')
		i = s[i] == '\\' ? css_escape(s, len, i, scratch) : i + 1;
	return MIN(i, len);
}

/* `url(` ends at @i; returns where scanning goes on. */
static gsize
scan_url(FileScan *fs, gsize i)
{
	const char *s = fs->text;
	gsize len = fs->len;
	gsize start = skip_blanks(s, len, i), end;

	if (start < len && (s[start] == '"' || s[start] == '\'')) {
		end = imgopt_scan_quoted(s, len, start, true, true);
		if (end >= len || s[end] != s[start])
			return end;
		gsize close = skip_blanks(s, len, end + 1);
		if (close < len && s[close] == ')')
			add_url(fs, start + 1, end);
		return end + 1;
	}
	end = unquoted_end(s, len, start);
	gsize close = skip_blanks(s, len, end);
	if (close < len && s[close] == ')' && end > start)
		add_url(fs, start, end);
	return MAX(end, start + 1);
}

/* Whether `url(` starts at @i and is not the tail of an identifier. */
static bool
is_url_open(const char *s, gsize len, gsize i)
{
	if (i + 4 > len || g_ascii_strncasecmp(s + i, "url(", 4) != 0)
		return false;
	return i == 0 || !(g_ascii_isalnum(s[i - 1]) || s[i - 1] == '-' ||
			   s[i - 1] == '_' || s[i - 1] == '\\');
}

/* Skips a comment or a string at @i; returns @i if there is none. */
static gsize
skip_comment_or_string(const FileScan *fs, gsize i, bool has_line_comments)
{
	const char *s = fs->text;
	gsize len = fs->len;

	if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
		const char *close =
			g_strstr_len(s + i + 2, (gssize)(len - i - 2), "*/");
		return close != NULL ? (gsize)(close - s) + 2 : len;
	}
	if (has_line_comments && s[i] == '/' && i + 1 < len &&
	    s[i + 1] == '/' && (i == 0 || s[i - 1] != ':')) {
		const char *eol = memchr(s + i, '\n', len - i);
		return eol != NULL ? (gsize)(eol - s) : len;
	}
	if (s[i] == '"' || s[i] == '\'') {
		gsize end = imgopt_scan_quoted(s, len, i, true, true);
		return end < len ? end + 1 : len;
	}
	return i;
}

GPtrArray *
imgopt_scan_css(const char *path, const char *text, gsize len)
{
	FileScan fs;
	bool has_line_comments = path != NULL &&
				 !g_str_has_suffix(path, ".css") &&
				 !g_str_has_suffix(path, ".CSS");

	imgopt_scan_file_init(&fs, path, text, len, IMGOPT_REF_CSS,
			      IMGOPT_REF_ROLE_REWRITABLE);
	for (gsize i = 0; i < len;) {
		gsize next = skip_comment_or_string(&fs, i, has_line_comments);

		if (next != i)
			i = next;
		else if (is_url_open(fs.text, len, i))
			i = scan_url(&fs, i + 4);
		else
			i++;
	}
	return imgopt_scan_file_finish(&fs);
}
