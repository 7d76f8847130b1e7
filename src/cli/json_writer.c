/*
 * json_writer.c: a JSON document written as it goes (CliJsonWriter),
 * for the outputs too large to build as a tree first: dupes' lists every
 * member of every group (4 MB on a 20,000-image blog), and json-glib's
 * nodes, their hash tables and the generator's pass over them cost more
 * than finding the groups' references.
 *
 * The text is byte for byte what cli_json_render() (json-glib 1.6's
 * pretty generator, indent 2) makes of the same calls: `"name" : value`,
 * one member or element per line, `[]` when empty (and an empty object
 * as `{`, the spaces of its line's indent and `}`), and its
 * escapes: `"` and `\`, \b \f \n \r \t, \u00XX for the other control
 * characters but 0x1f, and 0x7f; other bytes as they are.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"

struct CliJsonWriter {
	GString *out;  /* the text so far */
	GArray *open;  /* CliJsonKind of each open object or array */
	bool is_empty; /* the innermost open one has no member yet */
};

CliJsonWriter *
cli_json_writer_new(GString *out)
{
	CliJsonWriter *w = g_new0(CliJsonWriter, 1);

	w->out = out;
	w->open = g_array_new(FALSE, FALSE, sizeof(CliJsonKind));
	return w;
}

CliJsonWriter *
cli_json_writer_fork(const CliJsonWriter *w, GString *out)
{
	CliJsonWriter *f = cli_json_writer_new(out);

	g_array_append_vals(f->open, w->open->data, w->open->len);
	f->is_empty = w->is_empty;
	return f;
}

void
cli_json_writer_free(CliJsonWriter *w)
{
	if (w == NULL)
		return;
	g_array_unref(w->open);
	g_free(w);
}

static void
indent(CliJsonWriter *w, guint depth)
{
	g_string_append_c(w->out, '\n');
	for (guint i = 0; i < depth; i++)
		g_string_append_len(w->out, "  ", 2);
}

static void
escaped(GString *out, const char *s)
{
	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		const char *esc = NULL;

		switch (*p) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			break;
		}
		if (esc != NULL)
			g_string_append(out, esc);
		else if (*p < 0x1f || *p == 0x7f)
			g_string_append_printf(out, "\\u00%.2x", *p);
		else
			g_string_append_c(out, (char)*p);
	}
	g_string_append_c(out, '"');
}

/* Starts the next value: a separator and a new line after the previous
 * one, and the member's @name inside an object. */
static void
next_value(CliJsonWriter *w, const char *name)
{
	if (w->open->len == 0)
		return;
	if (!w->is_empty)
		g_string_append_c(w->out, ',');
	indent(w, w->open->len);
	w->is_empty = false;
	if (name != NULL) {
		escaped(w->out, name);
		g_string_append_len(w->out, " : ", 3);
	}
}

void
cli_json_writer_begin(CliJsonWriter *w, CliJsonKind kind, const char *name)
{
	next_value(w, name);
	g_string_append_c(w->out, kind == CLI_JSON_ARRAY ? '[' : '{');
	g_array_append_val(w->open, kind);
	w->is_empty = true;
}

void
cli_json_writer_end(CliJsonWriter *w)
{
	CliJsonKind kind;

	g_assert(w->open->len > 0);
	kind = g_array_index(w->open, CliJsonKind, w->open->len - 1);
	g_array_set_size(w->open, w->open->len - 1);
	if (!w->is_empty)
		indent(w, w->open->len);
	else if (kind == CLI_JSON_OBJECT) /* json-glib's "{    }" */
		for (guint i = 0; i < w->open->len; i++)
			g_string_append_len(w->out, "  ", 2);
	g_string_append_c(w->out, kind == CLI_JSON_ARRAY ? ']' : '}');
	w->is_empty = false;
}

void
cli_json_writer_add_string(CliJsonWriter *w, const char *name,
			   const char *value)
{
	next_value(w, name);
	if (value == NULL)
		g_string_append_len(w->out, "null", 4);
	else if (g_utf8_validate(value, -1, NULL))
		escaped(w->out, value);
	else {
		g_autofree char *shown = cli_shown_name(value);

		escaped(w->out, shown);
	}
}

void
cli_json_writer_add_int(CliJsonWriter *w, const char *name, int64_t value)
{
	char digits[24];
	int n = snprintf(digits, sizeof digits, "%" PRId64, value);

	next_value(w, name);
	g_string_append_len(w->out, digits, n);
}

void
cli_json_writer_add_strings(CliJsonWriter *w, const char *name,
			    const GPtrArray *strings)
{
	cli_json_writer_begin(w, CLI_JSON_ARRAY, name);
	for (guint i = 0; strings != NULL && i < strings->len; i++)
		cli_json_writer_add_string(w, NULL,
					   g_ptr_array_index(strings, i));
	cli_json_writer_end(w);
}

void
cli_json_writer_finish(CliJsonWriter *w)
{
	while (w->open->len > 0)
		cli_json_writer_end(w);
	g_string_append_c(w->out, '\n');
}
