/*
 * json.c: the CLI's JSON output, and its one adapter for json-glib: the
 * handlers build their document through the CliJson calls (cli.h) and
 * never see a json-glib type.
 */
#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "cli.h"

#include "imgopt/dupes.h" /* ImgoptKeptByName */

/* One object or array still open. */
typedef struct {
	JsonObject *object; /* the open object, or NULL */
	JsonArray *array;   /* or the open array */
} Open;

/* The tree is built with json-glib's node calls, not a JsonBuilder: the
 * builder names each member twice over and keeps a state of its own. */
struct CliJson {
	JsonNode *root; /* the document so far, NULL until it starts */
	GArray *open;   /* Open: what is open, innermost last */
};

CliJson *
cli_json_new(void)
{
	CliJson *j = g_new0(CliJson, 1);

	j->open = g_array_new(FALSE, FALSE, sizeof(Open));
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
	g_clear_pointer(&j->root, json_node_unref);
	g_array_unref(j->open);
	g_free(j);
}

/* The innermost open object or array, or NULL at the root. */
static Open *
innermost(CliJson *j)
{
	if (j->open->len == 0)
		return NULL;
	return &g_array_index(j->open, Open, j->open->len - 1);
}

/* Takes @node (transfer full) as the document, which has none yet. */
static void
set_root(CliJson *j, JsonNode *node)
{
	g_assert(j->root == NULL);
	j->root = node;
}

/* Adds @node (transfer full) as the member @name of the innermost open
 * object, the next element of the innermost open array, or the root. */
static void
add_node(CliJson *j, const char *name, JsonNode *node)
{
	Open *in = innermost(j);

	if (in == NULL)
		set_root(j, node);
	else if (in->object != NULL)
		json_object_set_member(in->object, name, node);
	else
		json_array_add_element(in->array, node);
}

/* Adds @open's array, as add_node() adds a node. */
static void
add_array(CliJson *j, const char *name, const Open *open)
{
	Open *in = innermost(j);

	if (in == NULL) {
		set_root(j, json_node_new(JSON_NODE_ARRAY));
		json_node_take_array(j->root, open->array);
	}
	else if (in->object != NULL)
		json_object_set_array_member(in->object, name, open->array);
	else
		json_array_add_array_element(in->array, open->array);
}

/* Adds @open's object, as add_node() adds a node. */
static void
add_object(CliJson *j, const char *name, const Open *open)
{
	Open *in = innermost(j);

	if (in == NULL) {
		set_root(j, json_node_new(JSON_NODE_OBJECT));
		json_node_take_object(j->root, open->object);
	}
	else if (in->object != NULL)
		json_object_set_object_member(in->object, name, open->object);
	else
		json_array_add_object_element(in->array, open->object);
}

void
cli_json_begin(CliJson *j, CliJsonKind kind, const char *name)
{
	Open open = {0};

	if (kind == CLI_JSON_ARRAY) {
		open.array = json_array_new();
		add_array(j, name, &open);
	}
	else {
		open.object = json_object_new();
		add_object(j, name, &open);
	}
	g_array_append_val(j->open, open);
}

void
cli_json_end(CliJson *j)
{
	g_assert(j->open->len > 0);
	g_array_set_size(j->open, j->open->len - 1);
}

/* Adds the valid UTF-8 @value, as add_node() adds a node. */
static void
add_text(CliJson *j, const char *name, const char *value)
{
	Open *in = innermost(j);

	if (in == NULL)
		set_root(j, json_node_init_string(json_node_alloc(), value));
	else if (in->object != NULL)
		json_object_set_string_member(in->object, name, value);
	else
		json_array_add_string_element(in->array, value);
}

void
cli_json_add_string(CliJson *j, const char *name, const char *value)
{
	if (value == NULL)
		add_node(j, name, json_node_init_null(json_node_alloc()));
	else if (g_utf8_validate(value, -1, NULL))
		add_text(j, name, value);
	else {
		g_autofree char *shown = cli_shown_name(value);

		add_text(j, name, shown);
	}
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

/* Closes what is still open in @j; returns (transfer full) its root. */
static JsonNode *
finish(CliJson *j)
{
	g_array_set_size(j->open, 0);
	return j->root != NULL ? json_node_ref(j->root) : NULL;
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
	static const char head[] = "{\n"; /* the root's, before its members */

	json_object_set_member(object, name, json_node_copy(value));
	render_node(root, text);
	g_assert(g_str_has_prefix(text->str, head));
	g_string_append_len(out, text->str + strlen(head),
			    (gssize)(text->len - strlen(head)));
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
