/*
 * cmd_scan.c: `imgopt scan POSTS IMAGES`: every image reference of every
 * file of the site that can name one (referrers.h), with its status and
 * role; with --only-posts, those of the posts alone.  Exit 1 if a
 * rewritable reference is broken or a file could not be read; pinned
 * references are listed, and never change the exit status.
 */
#include <stdio.h>

#include "cli.h"

#include "imgopt/referrers.h"

#define N_STATUS (IMGOPT_REF_STATUS_EXPRESSION + 1)

/* What the scan found, across the site. */
typedef struct {
	GPtrArray *referrers;   /* (element-type ImgoptReferrer) scanned */
	GPtrArray *posts;       /* (element-type utf8) the posts among them */
	GPtrArray *refs;        /* (element-type ImgoptRef) in file order */
	GPtrArray *failures;    /* (element-type utf8) unreadable files */
	GPtrArray *skipped;     /* (element-type ImgoptProblem) referrers
				   left out: symlinks, FIFOs */
	guint counts[N_STATUS]; /* references per status */
	guint n_pinned;         /* pinned references */
	guint n_failing;        /* broken references that fail the scan */
} ScanResult;

static void
scan_result_clear(ScanResult *res)
{
	g_clear_pointer(&res->referrers, g_ptr_array_unref);
	g_clear_pointer(&res->posts, g_ptr_array_unref);
	g_clear_pointer(&res->refs, g_ptr_array_unref);
	g_clear_pointer(&res->failures, g_ptr_array_unref);
	g_clear_pointer(&res->skipped, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ScanResult, scan_result_clear)

static void
count_refs(ScanResult *res, const GPtrArray *refs)
{
	for (guint j = 0; j < refs->len; j++) {
		const ImgoptRef *ref = g_ptr_array_index(refs, j);

		if ((int)ref->status < N_STATUS)
			res->counts[ref->status]++;
		if (ref->role == IMGOPT_REF_ROLE_PINNED)
			res->n_pinned++;
		else if (ref->status == IMGOPT_REF_STATUS_BROKEN)
			res->n_failing++;
	}
}

static bool
scan_site(const ImgoptSite *site, bool only_posts, ScanResult *res,
	  GError **error)
{
	res->skipped = imgopt_problem_list_new();
	res->referrers = imgopt_referrers_list_scope(site, only_posts,
						     res->skipped, error);
	if (res->referrers == NULL)
		return false;
	res->posts = g_ptr_array_new_with_free_func(g_free);
	res->refs =
		g_ptr_array_new_with_free_func((GDestroyNotify)imgopt_ref_free);
	res->failures = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < res->referrers->len; i++) {
		const ImgoptReferrer *r = g_ptr_array_index(res->referrers, i);
		g_autoptr(GError) local = NULL;
		g_autoptr(GPtrArray) refs =
			imgopt_referrers_scan(site, r, &local);

		if (r->kind == IMGOPT_REFERRER_POST)
			g_ptr_array_add(res->posts, g_strdup(r->path));
		if (refs == NULL) {
			g_ptr_array_add(res->failures,
					g_strdup(local->message));
			continue;
		}
		count_refs(res, refs);
		g_ptr_array_extend_and_steal(res->refs, g_steal_pointer(&refs));
	}
	return true;
}

static void
add_ref_json(CliJson *b, const void *item)
{
	const ImgoptRef *ref = item;

	cli_json_add_string(b, "post", ref->post);
	cli_json_add_string(b, "referrer",
			    imgopt_referrer_kind_name(ref->referrer));
	cli_json_add_string(b, "role", imgopt_ref_role_name(ref->role));
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
add_referrer_json(CliJson *b, const void *item)
{
	const ImgoptReferrer *r = item;

	cli_json_add_string(b, "path", r->path);
	cli_json_add_string(b, "kind", imgopt_referrer_kind_name(r->kind));
}

static void
print_json(const ImgoptSite *site, const ScanResult *res)
{
	g_autoptr(CliJson) b = cli_json_new_document(site);

	cli_json_add_strings(b, "posts", res->posts);
	cli_json_add_list(b, "referrers", res->referrers, add_referrer_json);
	cli_json_add_list(b, "references", res->refs, add_ref_json);
	cli_json_add_strings(b, "errors", res->failures);
	cli_json_add_problems(b, "skipped", res->skipped, "reason");
	cli_json_begin(b, CLI_JSON_OBJECT, "summary");
	cli_json_add_int(b, "posts", res->posts->len);
	cli_json_add_int(b, "referrers", res->referrers->len);
	cli_json_add_int(b, "references", res->refs->len);
	for (int s = IMGOPT_REF_STATUS_OK; s < N_STATUS; s++) {
		cli_json_add_int(b, imgopt_ref_status_name(s), res->counts[s]);
	}
	cli_json_add_int(b, "pinned", res->n_pinned);
	cli_json_add_int(b, "errors", res->failures->len);
	cli_json_end(b);
	cli_json_print(b);
}

static void
print_ref_line(FILE *out, const ImgoptRef *ref)
{
	/* A two-line (Windows export) destination is shown on one line. */
	g_autofree char *url = cli_one_line(ref->url);

	fprintf(out, "%s:%zu: %s%s %s '%s'", ref->post, ref->line,
		ref->role == IMGOPT_REF_ROLE_PINNED ? "pinned " : "",
		imgopt_ref_status_name(ref->status),
		imgopt_ref_kind_name(ref->kind), url);
	if (ref->resolved != NULL)
		fprintf(out, " -> %s", ref->resolved);
	if (ref->message != NULL)
		fprintf(out, " (%s)", ref->message);
	fputc('\n', out);
}

static void
print_summary(const ScanResult *res, bool only_posts)
{
	if (only_posts)
		printf("%u posts, ", res->posts->len);
	else
		printf("%u files (%u posts), ", res->referrers->len,
		       res->posts->len);
	printf("%u references: %u ok, %u repaired, %u broken, %u remote, "
	       "%u outside",
	       res->refs->len, res->counts[IMGOPT_REF_STATUS_OK],
	       res->counts[IMGOPT_REF_STATUS_REPAIRED],
	       res->counts[IMGOPT_REF_STATUS_BROKEN],
	       res->counts[IMGOPT_REF_STATUS_REMOTE],
	       res->counts[IMGOPT_REF_STATUS_OUTSIDE]);
	if (res->n_pinned > 0)
		printf("; %u pinned", res->n_pinned);
	putchar('\n');
}

static void
print_text(const ScanResult *res, const CliCommon *common)
{
	for (guint i = 0; i < res->refs->len; i++) {
		const ImgoptRef *ref = g_ptr_array_index(res->refs, i);
		bool is_listed = ref->status == IMGOPT_REF_STATUS_BROKEN ||
				 ref->status == IMGOPT_REF_STATUS_OUTSIDE ||
				 ref->role == IMGOPT_REF_ROLE_PINNED;

		if (common->verbose || (is_listed && !common->quiet))
			print_ref_line(stdout, ref);
	}
	for (guint i = 0; i < res->failures->len; i++)
		fprintf(stderr, "imgopt: %s\n",
			(char *)g_ptr_array_index(res->failures, i));
	if (!common->quiet)
		cli_print_problems(res->skipped, "skipped");
	if (!common->quiet)
		print_summary(res, common->only_posts);
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
		    "Lists every image reference of every file of the site "
		    "(posts, pages, layouts, includes, data, config, "
		    "stylesheets, scripts, JSON, feeds), resolved against the "
		    "site; pinned ones (imgopt cannot rewrite them) always.\n"
		    "Exit status 1 if a reference that is not pinned is broken "
		    "or a file cannot be read.",
		    NULL, 2, 2, &common, argc, argv, &code))
		return code;
	if (!cli_open(cmd->needs, &common, &ctx, &error) ||
	    !scan_site(ctx.site, common.only_posts, &res, &error))
		return cli_fail(error);
	if (common.json)
		print_json(ctx.site, &res);
	else
		print_text(&res, &common);
	if (res.n_failing > 0 || res.failures->len > 0)
		return CLI_EXIT_ITEMS;
	return CLI_EXIT_OK;
}
