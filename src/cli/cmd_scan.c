/*
 * cmd_scan.c: `imgopt scan POSTS IMAGES`: every image reference of every
 * post, with its status.  Exit 1 if a reference is broken or a post could
 * not be read.
 */
#include <stdio.h>

#include "cli.h"

#define N_STATUS (IMGOPT_REF_STATUS_EXPRESSION + 1)

/* What the scan found, across all posts. */
typedef struct {
	GPtrArray *posts;       /* (element-type utf8) relative post paths */
	GPtrArray *refs;        /* (element-type ImgoptRef) in post order */
	GPtrArray *failures;    /* (element-type utf8) unreadable posts */
	guint counts[N_STATUS]; /* references per status */
} ScanResult;

static void
scan_result_clear(ScanResult *res)
{
	g_clear_pointer(&res->posts, g_ptr_array_unref);
	g_clear_pointer(&res->refs, g_ptr_array_unref);
	g_clear_pointer(&res->failures, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ScanResult, scan_result_clear)

static bool
scan_site(const ImgoptSite *site, ScanResult *res, GError **error)
{
	res->posts = imgopt_site_list_posts(site, error);
	if (res->posts == NULL)
		return false;
	res->refs =
		g_ptr_array_new_with_free_func((GDestroyNotify)imgopt_ref_free);
	res->failures = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < res->posts->len; i++) {
		const char *post = g_ptr_array_index(res->posts, i);
		g_autoptr(GError) local = NULL;
		g_autoptr(GPtrArray) refs =
			imgopt_site_scan_post(site, post, &local);

		if (refs == NULL) {
			g_ptr_array_add(res->failures,
					g_strdup(local->message));
			continue;
		}
		for (guint j = 0; j < refs->len; j++) {
			ImgoptRef *ref = g_ptr_array_index(refs, j);

			res->counts[ref->status]++;
		}
		g_ptr_array_extend_and_steal(res->refs, g_steal_pointer(&refs));
	}
	return true;
}

static void
add_ref_json(CliJson *b, const void *item)
{
	const ImgoptRef *ref = item;

	cli_json_add_string(b, "post", ref->post);
	cli_json_add_int(b, "line", (gint64)ref->line);
	cli_json_add_int(b, "column", (gint64)ref->column);
	cli_json_add_int(b, "offset", (gint64)ref->offset);
	cli_json_add_int(b, "length", (gint64)ref->length);
	cli_json_add_string(b, "kind", imgopt_ref_kind_name(ref->kind));
	cli_json_add_string(b, "url", ref->url);
	cli_json_add_string(b, "raw", ref->raw);
	cli_json_add_string(b, "key", ref->key);
	cli_json_add_string(b, "resolved", ref->resolved);
	cli_json_add_string(b, "status", imgopt_ref_status_name(ref->status));
	cli_json_add_string(b, "message", ref->message);
}

static void
print_json(const ImgoptSite *site, const ScanResult *res)
{
	g_autoptr(CliJson) b = cli_json_new_document(site);

	cli_json_add_strings(b, "posts", res->posts);
	cli_json_add_list(b, "references", res->refs, add_ref_json);
	cli_json_add_strings(b, "errors", res->failures);
	cli_json_begin(b, CLI_JSON_OBJECT, "summary");
	cli_json_add_int(b, "posts", res->posts->len);
	cli_json_add_int(b, "references", res->refs->len);
	for (int s = IMGOPT_REF_STATUS_OK; s < N_STATUS; s++) {
		cli_json_add_int(b, imgopt_ref_status_name(s), res->counts[s]);
	}
	cli_json_add_int(b, "errors", res->failures->len);
	cli_json_end(b);
	cli_json_print(b);
}

static void
print_ref_line(FILE *out, const ImgoptRef *ref)
{
	/* A two-line (Windows export) destination is shown on one line. */
	g_autofree char *url = cli_one_line(ref->url);

	fprintf(out, "%s:%zu: %s %s '%s'", ref->post, ref->line,
		imgopt_ref_status_name(ref->status),
		imgopt_ref_kind_name(ref->kind), url);
	if (ref->resolved != NULL)
		fprintf(out, " -> %s", ref->resolved);
	if (ref->message != NULL)
		fprintf(out, " (%s)", ref->message);
	fputc('\n', out);
}

static void
print_text(const ScanResult *res, const CliCommon *common)
{
	for (guint i = 0; i < res->refs->len; i++) {
		const ImgoptRef *ref = g_ptr_array_index(res->refs, i);
		bool is_problem = ref->status == IMGOPT_REF_STATUS_BROKEN ||
				  ref->status == IMGOPT_REF_STATUS_OUTSIDE;

		if (common->verbose || (is_problem && !common->quiet))
			print_ref_line(stdout, ref);
	}
	for (guint i = 0; i < res->failures->len; i++)
		fprintf(stderr, "imgopt: %s\n",
			(char *)g_ptr_array_index(res->failures, i));
	if (common->quiet)
		return;
	printf("%u posts, %u references: %u ok, %u repaired, %u broken, "
	       "%u remote, %u outside\n",
	       res->posts->len, res->refs->len,
	       res->counts[IMGOPT_REF_STATUS_OK],
	       res->counts[IMGOPT_REF_STATUS_REPAIRED],
	       res->counts[IMGOPT_REF_STATUS_BROKEN],
	       res->counts[IMGOPT_REF_STATUS_REMOTE],
	       res->counts[IMGOPT_REF_STATUS_OUTSIDE]);
	if (res->counts[IMGOPT_REF_STATUS_EXPRESSION] > 0)
		printf("%u Liquid expressions left as written\n",
		       res->counts[IMGOPT_REF_STATUS_EXPRESSION]);
}

int
cli_cmd_scan(const CliCommand *cmd, int argc, char **argv)
{
	g_auto(CliCommon) common = {0};
	g_auto(ScanResult) res = {0};
	g_autoptr(GError) error = NULL;
	g_auto(CliContext) ctx = {0};
	int code = CLI_EXIT_OK;

	if (!cli_parse(
		    cmd->name, "POSTS IMAGES",
		    "Lists every image reference of every post under POSTS, "
		    "resolved against the site.\nExit status 1 if a reference "
		    "is broken or a post cannot be read.",
		    NULL, 2, 2, &common, argc, argv, &code))
		return code;
	if (!cli_open(cmd->needs, &common, &ctx, &error) ||
	    !scan_site(ctx.site, &res, &error))
		return cli_fail(error);
	if (common.json)
		print_json(ctx.site, &res);
	else
		print_text(&res, &common);
	if (res.counts[IMGOPT_REF_STATUS_BROKEN] > 0 || res.failures->len > 0)
		return CLI_EXIT_ITEMS;
	return CLI_EXIT_OK;
}
