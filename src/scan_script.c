/*
 * scan_script.c: string literals that name an image, in scripts (.js,
 * .mjs, .cjs) and, with `#` comments, in TOML files.
 *
 * One pass: comments are skipped (`//`, `/ * … * /`, or `#`), as are
 * regular expression literals (a `/` where an expression may start: after
 * an operator, a bracket, a comma, `;` or at the start); '…' and "…" are
 * strings with backslash escapes, ending at their line's end if not
 * closed; a template `…` is a string only when it has no `${}`: a path a
 * script assembles cannot be found from its parts.  The span is the
 * literal's content inside its quotes; the url has escapes decoded.
 */
#include "scan_file.h"

#include <string.h>

/* Whether a `/` after @prev (the last non-blank byte) starts a regex. */
static bool
starts_regex(char prev)
{
	return prev == '\0' || strchr("(,=:[!&|?{};+-*%<>~^", prev) != NULL;
}

/* The end of the regex literal whose `/` is at @i. */
static gsize
skip_regex(const char *s, gsize len, gsize i)
{
	bool is_in_class = false;

	for (i++; i < len && s[i] != '\n' && s[i] != '\r'; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '[')
			is_in_class = true;
		else if (s[i] == ']')
			is_in_class = false;
		else if (s[i] == '/' && !is_in_class)
			return i + 1;
	}
	return MIN(i, len);
}

/* Skips the `${ … }` at @i (the `$`); returns the offset after it. */
static gsize
skip_substitution(const char *s, gsize len, gsize i)
{
	guint depth = 0;

	for (i++; i < len; i++) {
		if (s[i] == '{')
			depth++;
		else if (s[i] == '}' && --depth == 0)
			return i + 1;
		else if (s[i] == '"' || s[i] == '\'' || s[i] == '`')
			i = imgopt_scan_quoted(s, len, i, true, s[i] != '`');
	}
	return len;
}

/* The template literal at @i; returns the offset after it. */
static gsize
scan_template(FileScan *fs, gsize i)
{
	const char *s = fs->text;
	gsize len = fs->len, j = i + 1;
	bool has_substitution = false;

	while (j < len && s[j] != '`') {
		if (s[j] == '\\')
			j += 2;
		else if (s[j] == '$' && j + 1 < len && s[j + 1] == '{') {
			has_substitution = true;
			j = skip_substitution(s, len, j);
		}
		else
			j++;
	}
	if (j >= len)
		return len;
	if (!has_substitution)
		imgopt_scan_file_add(fs, i + 1, j - i - 1,
				     imgopt_scan_unescape(s + i + 1, j - i - 1),
				     NULL);
	return j + 1;
}

/* The string literal at @i; returns the offset after it. */
static gsize
scan_string(FileScan *fs, gsize i, bool escapes)
{
	const char *s = fs->text;
	gsize end = imgopt_scan_quoted(s, fs->len, i, escapes, true);

	if (end >= fs->len || s[end] != s[i])
		return end;
	char *url = escapes ? imgopt_scan_unescape(s + i + 1, end - i - 1)
			    : g_strndup(s + i + 1, end - i - 1);
	imgopt_scan_file_add(fs, i + 1, end - i - 1, url, NULL);
	return end + 1;
}

/* The end of the comment at @i, or @i if none starts there. */
static gsize
skip_comment(const char *s, gsize len, gsize i, ScanComments comments)
{
	const char *end = NULL;

	if (comments == SCAN_COMMENTS_HASH && s[i] == '#')
		end = memchr(s + i, '\n', len - i);
	else if (comments == SCAN_COMMENTS_C && s[i] == '/' && i + 1 < len &&
		 s[i + 1] == '/')
		end = memchr(s + i, '\n', len - i);
	else if (comments == SCAN_COMMENTS_C && s[i] == '/' && i + 1 < len &&
		 s[i + 1] == '*') {
		end = g_strstr_len(s + i + 2, (gssize)(len - i - 2), "*/");
		return end != NULL ? (gsize)(end - s) + 2 : len;
	}
	else
		return i;
	return end != NULL ? (gsize)(end - s) : len;
}

void
imgopt_scan_strings(FileScan *fs, ScanComments comments)
{
	const char *s = fs->text;
	gsize len = fs->len;
	char prev = '\0';
	bool is_c = comments == SCAN_COMMENTS_C;

	for (gsize i = 0; i < len;) {
		gsize next = skip_comment(s, len, i, comments);

		if (next != i) {
			i = next;
			continue;
		}
		char c = s[i];
		if (c == '"' || c == '\'')
			i = scan_string(fs, i, is_c || c == '"');
		else if (is_c && c == '`')
			i = scan_template(fs, i);
		else if (is_c && c == '/' && starts_regex(prev))
			i = skip_regex(s, len, i);
		else {
			if (!g_ascii_isspace(c))
				prev = c;
			i++;
			continue;
		}
		prev = '"'; /* a value: a `/` after it divides */
	}
}
