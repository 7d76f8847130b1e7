/*
 * scan_data.c: values that name an image in data and config files: YAML
 * (`_config.yml`, the YAML files of `_data/`), JSON, CSV/TSV and TOML.
 *
 * YAML, line by line: `key: value` at any nesting, list items (`- x`,
 * `- key: x`), plain and quoted scalars ('…' with '' for a quote, "…"
 * with backslash escapes), flow lists and maps (`[a.png, b.png]`,
 * `{src: a.png}`, over several lines too); not comments (`#` at a line's
 * start or after a blank), keys, block scalars (`|`, `>`: text, not
 * values) nor aliases.  The key of a value is the path of keys above it
 * ("author.avatar").  Any key counts: a value names an image when its
 * last path component has an image extension.
 *
 * JSON: every string that is not a key.  CSV: every cell (quoted cells
 * with "" for a quote), its key the column's header.  TOML: every string
 * outside `#` comments (scan_script.c).
 */
#include "scan_file.h"

#include <string.h>

/* ---- YAML ------------------------------------------------------------- */

/** One key of the path above the current line. */
typedef struct {
	gsize indent; /* column of the key */
	char *key;
} YamlKey;

typedef struct {
	FileScan fs;
	GArray *keys;        /* (element-type YamlKey) the open keys, outer
				first */
	gssize block_indent; /* inside a block scalar deeper than this, or
				-1 */
} Yaml;

static void
yaml_key_clear(gpointer p)
{
	g_free(((YamlKey *)p)->key);
}

static char *
yaml_key_path(const Yaml *y)
{
	GString *path = g_string_new(NULL);

	for (guint i = 0; i < y->keys->len; i++) {
		if (path->len > 0)
			g_string_append_c(path, '.');
		g_string_append(path, g_array_index(y->keys, YamlKey, i).key);
	}
	return g_string_free(path, path->len == 0);
}

static bool
is_eol(char c)
{
	return c == '\n' || c == '\r';
}

static gsize
skip_inline_blanks(const char *s, gsize end, gsize i)
{
	while (i < end && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* Adds the quoted scalar at @i if it closes before @end; returns the
 * offset after it. */
static gsize
yaml_quoted(Yaml *y, gsize i, gsize end, const char *key)
{
	const char *s = y->fs.text;
	bool is_double = s[i] == '"';
	gsize close = imgopt_scan_quoted(s, end, i, is_double, false);

	if (close >= end || s[close] != s[i])
		return end;
	gsize n = close - i - 1;
	char *url = NULL;
	if (is_double)
		url = imgopt_scan_unescape(s + i + 1, n);
	else {
		g_autofree char *raw = g_strndup(s + i + 1, n);
		g_auto(GStrv) parts = g_strsplit(raw, "''", -1);
		url = g_strjoinv("'", parts);
	}
	imgopt_scan_file_add(&y->fs, i + 1, n, url, key);
	return close + 1;
}

/* A plain scalar at @i ends at one of @stops, at " #" or at @end. */
static gsize
plain_end(const char *s, gsize end, gsize i, const char *stops)
{
	while (i < end && strchr(stops, s[i]) == NULL &&
	       !(s[i] == '#' && i > 0 &&
		 (s[i - 1] == ' ' || s[i - 1] == '\t')) &&
	       !(s[i] == ':' && (i + 1 == end || s[i + 1] == ' ' ||
				 s[i + 1] == '\t' || is_eol(s[i + 1]))))
		i++;
	return i;
}

/* The plain scalar at @i: a value (added) unless a `:` follows (a key). */
static gsize
yaml_plain(Yaml *y, gsize i, gsize end, const char *stops, const char *key)
{
	const char *s = y->fs.text;
	gsize stop = plain_end(s, end, i, stops), n = stop;

	while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (stop < end && s[stop] == ':')
		return stop + 1;
	if (n > i)
		imgopt_scan_file_add(&y->fs, i, n - i, g_strndup(s + i, n - i),
				     key);
	return stop;
}

/* A flow collection from @i (its `[` or `{`) to its close, which may be
 * on a later line; returns the offset after it. */
static gsize
yaml_flow(Yaml *y, gsize i, const char *key)
{
	const char *s = y->fs.text;
	gsize len = y->fs.len;
	guint depth = 0;

	while (i < len) {
		char c = s[i];

		if (c == '[' || c == '{')
			depth++;
		else if ((c == ']' || c == '}') && --depth == 0)
			return i + 1;
		if (strchr("[{]},: \t\n\r", c) != NULL) {
			i++;
			continue;
		}
		if (c == '#' && g_ascii_isspace(s[i - 1])) {
			const char *eol = memchr(s + i, '\n', len - i);
			i = eol != NULL ? (gsize)(eol - s) : len;
		}
		else if (c == '"' || c == '\'')
			i = yaml_quoted(y, i, len, key);
		else
			i = yaml_plain(y, i, len, "[]{},\n\r", key);
	}
	return len;
}

/* Skips `- ` items, anchors and tags at @i. */
static gsize
yaml_skip_markers(const char *s, gsize end, gsize i)
{
	for (;;) {
		if (i < end && s[i] == '-' &&
		    (i + 1 == end || s[i + 1] == ' ' || s[i + 1] == '\t'))
			i = skip_inline_blanks(s, end, i + 1);
		else if (i < end && (s[i] == '&' || s[i] == '!')) {
			while (i < end && s[i] != ' ' && s[i] != '\t')
				i++;
			i = skip_inline_blanks(s, end, i);
		}
		else
			return i;
	}
}

/* A `key:` at @i: its length, and where its value starts; 0 if none. */
static gsize
yaml_key(const char *s, gsize end, gsize i, gsize *key_len)
{
	gsize k = i;

	if (i < end && (s[i] == '[' || s[i] == '{'))
		return 0; /* a flow collection: its keys are its own */
	if (i < end && (s[i] == '"' || s[i] == '\'')) {
		k = imgopt_scan_quoted(s, end, i, s[i] == '"', true);
		if (k >= end)
			return 0;
		k++;
	}
	k = plain_end(s, end, k, "");
	if (k >= end || s[k] != ':' || k == i)
		return 0;
	gsize n = k;
	while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	*key_len = n - i;
	return k + 1;
}

/* Closes the keys at column @indent or deeper. */
static void
yaml_pop_keys(Yaml *y, gsize indent)
{
	while (y->keys->len > 0 &&
	       g_array_index(y->keys, YamlKey, y->keys->len - 1).indent >=
		       indent)
		g_array_set_size(y->keys, y->keys->len - 1);
}

static void
yaml_push_key(Yaml *y, gsize indent, const char *s, gsize n)
{
	YamlKey k = {indent, NULL};

	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0])
		k.key = g_strndup(s + 1, n - 2);
	else
		k.key = g_strndup(s, n);
	g_array_append_val(y->keys, k);
}

/* The value at @v of the line ending at @end; returns where the next line
 * starts. */
static gsize
yaml_value(Yaml *y, gsize v, gsize end, gsize indent)
{
	const char *s = y->fs.text;
	g_autofree char *key = yaml_key_path(y);

	if (v >= end || s[v] == '#' || s[v] == '*')
		return end;
	if (s[v] == '|' || s[v] == '>')
		y->block_indent = (gssize)indent;
	else if (s[v] == '[' || s[v] == '{') {
		gsize after = yaml_flow(y, v, key); /* MAX() evaluates twice */

		return MAX(after, end);
	}
	else if (s[v] == '"' || s[v] == '\'')
		yaml_quoted(y, v, end, key);
	else
		yaml_plain(y, v, end, "", key);
	return end;
}

/* One line from @start to @end (its line end excluded); returns where
 * scanning goes on. */
static gsize
yaml_line(Yaml *y, gsize start, gsize end)
{
	const char *s = y->fs.text;
	gsize i = skip_inline_blanks(s, end, start), indent = i - start;

	if (i == end || s[i] == '#')
		return end;
	if (y->block_indent >= 0 && (gssize)indent > y->block_indent)
		return end;
	y->block_indent = -1;
	if (indent == 0 && end - i >= 3 &&
	    (memcmp(s + i, "---", 3) == 0 || memcmp(s + i, "...", 3) == 0))
		return end;
	/* a list may sit at its key's own indent */
	yaml_pop_keys(y, s[i] == '-' ? indent + 1 : indent);
	i = yaml_skip_markers(s, end, i);
	gsize n = 0, v = yaml_key(s, end, i, &n);
	if (v == 0)
		return yaml_value(y, i, end, indent);
	yaml_pop_keys(y, i - start);
	yaml_push_key(y, i - start, s + i, n);
	return yaml_value(y, skip_inline_blanks(s, end, v), end, indent);
}

GPtrArray *
imgopt_scan_yaml(const char *path, const char *text, gsize len)
{
	Yaml y = {.block_indent = -1};

	imgopt_scan_file_init(&y.fs, path, text, len, IMGOPT_REF_DATA,
			      IMGOPT_REF_ROLE_REWRITABLE);
	y.keys = g_array_new(FALSE, FALSE, sizeof(YamlKey));
	g_array_set_clear_func(y.keys, yaml_key_clear);
	const char *s = y.fs.text;
	gsize i = len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	while (i < len) {
		gsize end = i;

		while (end < len && !is_eol(s[end]))
			end++;
		i = yaml_line(&y, i, end);
		while (i < len && !is_eol(s[i]))
			i++; /* a flow may end inside a later line */
		i += i + 1 < len && s[i] == '\r' && s[i + 1] == '\n' ? 2 : 1;
	}
	g_array_unref(y.keys);
	return imgopt_scan_file_finish(&y.fs);
}

/* ---- JSON ------------------------------------------------------------- */

GPtrArray *
imgopt_scan_json(const char *path, const char *text, gsize len,
		 ImgoptRefKind kind, ImgoptRefRole role)
{
	FileScan fs;
	g_autofree char *key = NULL;

	imgopt_scan_file_init(&fs, path, text, len, kind, role);
	for (gsize i = 0; i < len; i++) {
		if (fs.text[i] != '"')
			continue;
		gsize close = imgopt_scan_quoted(fs.text, len, i, true, false);
		if (close >= len)
			break;
		gsize after = close + 1;
		while (after < len && g_ascii_isspace(fs.text[after]))
			after++;
		char *value =
			imgopt_scan_unescape(fs.text + i + 1, close - i - 1);
		if (after < len && fs.text[after] == ':') {
			g_free(key);
			key = value;
		}
		else
			imgopt_scan_file_add(&fs, i + 1, close - i - 1, value,
					     key);
		i = close;
	}
	return imgopt_scan_file_finish(&fs);
}

/* ---- CSV -------------------------------------------------------------- */

typedef struct {
	FileScan fs;
	char separator;    /* ',' or '\t' */
	GPtrArray *header; /* (element-type utf8) the first record's cells */
	guint column;      /* of the current cell */
	bool is_header;    /* in the first record */
} Csv;

/* Handles the cell of @n bytes at @start (decoded @value, transfer full). */
static void
csv_cell(Csv *c, gsize start, gsize n, char *value)
{
	const char *key = c->column < c->header->len
				  ? g_ptr_array_index(c->header, c->column)
				  : NULL;

	if (c->is_header)
		g_ptr_array_add(c->header, value);
	else
		imgopt_scan_file_add(&c->fs, start, n, value, key);
	c->column++;
}

/* The cell at @i; returns the offset of what ends it. */
static gsize
csv_scan_cell(Csv *c, gsize i)
{
	const char *s = c->fs.text;
	gsize len = c->fs.len;

	i = skip_inline_blanks(s, len, i);
	if (i < len && s[i] == '"') {
		gsize close = imgopt_scan_quoted(s, len, i, false, false);
		g_autofree char *raw = g_strndup(s + i + 1, close - i - 1);
		g_auto(GStrv) parts = g_strsplit(raw, "\"\"", -1);

		csv_cell(c, i + 1, close - i - 1, g_strjoinv("\"", parts));
		i = close < len ? close + 1 : len;
		while (i < len && s[i] != c->separator && !is_eol(s[i]))
			i++;
		return i;
	}
	gsize end = i;
	while (end < len && s[end] != c->separator && !is_eol(s[end]))
		end++;
	gsize n = end;
	while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	csv_cell(c, i, n - i, g_strndup(s + i, n - i));
	return end;
}

GPtrArray *
imgopt_scan_csv(const char *path, const char *text, gsize len)
{
	Csv c = {.separator = path != NULL && g_str_has_suffix(path, ".tsv")
				      ? '\t'
				      : ',',
		 .is_header = true};

	imgopt_scan_file_init(&c.fs, path, text, len, IMGOPT_REF_DATA,
			      IMGOPT_REF_ROLE_REWRITABLE);
	c.header = g_ptr_array_new_with_free_func(g_free);
	for (gsize i = 0; i < len;) {
		i = csv_scan_cell(&c, i);
		if (i < len && c.fs.text[i] == c.separator) {
			i++;
			continue;
		}
		c.is_header = false;
		c.column = 0;
		i += i + 1 < len && c.fs.text[i] == '\r' &&
				     c.fs.text[i + 1] == '\n'
			     ? 2
			     : 1;
	}
	g_ptr_array_unref(c.header);
	return imgopt_scan_file_finish(&c.fs);
}

GPtrArray *
imgopt_scan_toml(const char *path, const char *text, gsize len)
{
	FileScan fs;

	imgopt_scan_file_init(&fs, path, text, len, IMGOPT_REF_DATA,
			      IMGOPT_REF_ROLE_REWRITABLE);
	imgopt_scan_strings(&fs, SCAN_COMMENTS_HASH);
	return imgopt_scan_file_finish(&fs);
}
