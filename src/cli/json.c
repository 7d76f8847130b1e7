/*
 * json.c: the CLI's JSON output, and its one adapter for json-glib: the
 * handlers build their document through the CliJson calls (cli.h) and
 * never see a JsonBuilder.
 */
#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "cli.h"

#include "imgopt/dupes.h" /* ImgoptKeptByName */

struct CliJson {
	JsonBuilder *builder; /* the document so far */
	GArray *open;         /* CliJsonKind of each open object or array */
};

CliJson *
cli_json_new(void)
{
	CliJson *j = g_new0(CliJson, 1);

	j->builder = json_builder_new();
	j->open = g_array_new(FALSE, FALSE, sizeof(CliJsonKind));
	return j;
}

CliJson *
cli_json_new_document(const ImgoptSite *site)
{
	CliJson *j = cli_json_new();

	cli_json_begin(j, CLI_JSON_OBJECT, NULL);
	cli_json_add_string(j, "site_root", imgopt_site_get_root(site));
	return j;
}

void
cli_json_free(CliJson *j)
{
	if (j == NULL)
		return;
	g_object_unref(j->builder);
	g_array_unref(j->open);
	g_free(j);
}

/* Names the next value, unless it is an array element or the root. */
static void
member(CliJson *j, const char *name)
{
	if (name != NULL)
		json_builder_set_member_name(j->builder, name);
}

void
cli_json_begin(CliJson *j, CliJsonKind kind, const char *name)
{
	member(j, name);
	if (kind == CLI_JSON_ARRAY)
		json_builder_begin_array(j->builder);
	else
		json_builder_begin_object(j->builder);
	g_array_append_val(j->open, kind);
}

void
cli_json_end(CliJson *j)
{
	g_assert(j->open->len > 0);
	if (g_array_index(j->open, CliJsonKind, j->open->len - 1) ==
	    CLI_JSON_ARRAY)
		json_builder_end_array(j->builder);
	else
		json_builder_end_object(j->builder);
	g_array_set_size(j->open, j->open->len - 1);
}

void
cli_json_add_string(CliJson *j, const char *name, const char *value)
{
	member(j, name);
	if (value == NULL)
		json_builder_add_null_value(j->builder);
	else if (g_utf8_validate(value, -1, NULL))
		json_builder_add_string_value(j->builder, value);
	else {
		g_autofree char *shown = cli_shown_name(value);

		json_builder_add_string_value(j->builder, shown);
	}
}

/* Adds @node (transfer full) as the member @name, or the next element. */
static void
add_node(CliJson *j, const char *name, JsonNode *node)
{
	member(j, name);
	json_builder_add_value(j->builder, node);
}

void
cli_json_add_int(CliJson *j, const char *name, int64_t value)
{
	add_node(j, name, json_node_init_int(json_node_alloc(), value));
}

void
cli_json_add_bool(CliJson *j, const char *name, bool value)
{
	add_node(j, name, json_node_init_boolean(json_node_alloc(), value));
}

void
cli_json_add_double(CliJson *j, const char *name, double value)
{
	add_node(j, name, json_node_init_double(json_node_alloc(), value));
}

void
cli_json_add_strings(CliJson *j, const char *name, const GPtrArray *strings)
{
	cli_json_begin(j, CLI_JSON_ARRAY, name);
	for (guint i = 0; strings != NULL && i < strings->len; i++)
		cli_json_add_string(j, NULL, g_ptr_array_index(strings, i));
	cli_json_end(j);
}

void
cli_json_add_list(CliJson *j, const char *name, const GPtrArray *items,
		  CliJsonItemFunc add_item)
{
	cli_json_begin(j, CLI_JSON_ARRAY, name);
	for (guint i = 0; i < items->len; i++) {
		cli_json_begin(j, CLI_JSON_OBJECT, NULL);
		add_item(j, g_ptr_array_index(items, i));
		cli_json_end(j);
	}
	cli_json_end(j);
}

void
cli_json_add_problems(CliJson *j, const char *name, const GPtrArray *problems,
		      const char *key)
{
	cli_json_begin(j, CLI_JSON_ARRAY, name);
	for (guint i = 0; i < problems->len; i++) {
		const ImgoptProblem *p = g_ptr_array_index(problems, i);

		cli_json_begin(j, CLI_JSON_OBJECT, NULL);
		cli_json_add_string(j, "path", p->path);
		cli_json_add_string(j, key, p->message);
		cli_json_end(j);
	}
	cli_json_end(j);
}

void
cli_json_add_kept_item(CliJson *j, const void *item)
{
	const ImgoptKeptByName *k = item;

	cli_json_add_string(j, "path", k->path);
	cli_json_add_string(j, "named_in", k->named_in);
	cli_json_add_int(j, "line", k->line);
}

/* Closes what is still open in @j; returns its root. */
static JsonNode *
finish(CliJson *j)
{
	while (j->open->len > 0)
		cli_json_end(j);
	return json_builder_get_root(j->builder);
}

static void
render_node(JsonNode *root, GString *out)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();

	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_indent(gen, 2);
	json_generator_to_gstring(gen, out);
	g_string_append_c(out, '\n');
}

void
cli_json_render(CliJson *j, GString *out)
{
	g_autoptr(JsonNode) root = finish(j);

	render_node(root, out);
}

/* @value as the member @name of a root object, rendered as render_node()
 * writes the last member of one: from its indentation to the end. */
static void
render_last_member(const char *name, JsonNode *value, GString *out)
{
	g_autoptr(JsonObject) object = json_object_new();
	g_autoptr(JsonNode) root =
		json_node_init_object(json_node_alloc(), object);
	g_autoptr(GString) text = g_string_new(NULL);
	static const char open[] = "{\n"; /* the root's, before its members */

	json_object_set_member(object, name, json_node_copy(value));
	render_node(root, text);
	g_assert(g_str_has_prefix(text->str, open));
	g_string_append_len(out, text->str + strlen(open),
			    (gssize)(text->len - strlen(open)));
}

/* Whether @out, from @start, ends with @tail on a line of its own. */
static bool
ends_with_line(const GString *out, gsize start, const GString *tail)
{
	return out->len - start > tail->len &&
	       out->str[out->len - tail->len - 1] == '\n' &&
	       memcmp(out->str + out->len - tail->len, tail->str, tail->len) ==
		       0;
}

void
cli_json_render_replaced(CliJson *j, const char *name, CliJson *value,
			 GString *out, GString *replaced)
{
	g_autoptr(JsonNode) root = finish(j);
	g_autoptr(JsonNode) other = finish(value);
	JsonObject *object = json_node_get_object(root);
	g_autoptr(GString) was = g_string_new(NULL);
	gsize start = out->len;

	render_node(root, out);
	render_last_member(name, json_object_get_member(object, name), was);
	if (!ends_with_line(out, start, was)) {
		/* not the last member: the whole document again; json-glib
		 * replaces a member where it stands, the order stays */
		json_object_set_member(object, name, g_steal_pointer(&other));
		render_node(root, replaced);
		return;
	}
	g_string_append_len(replaced, out->str + start,
			    (gssize)(out->len - start - was->len));
	render_last_member(name, other, replaced);
}

void
cli_json_print(CliJson *j)
{
	g_autoptr(GString) out = g_string_new(NULL);

	cli_json_render(j, out);
	fwrite(out->str, 1, out->len, stdout);
	fflush(stdout);
}
