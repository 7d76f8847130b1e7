/*
 * cmd_run.c: `imgopt [run] POSTS IMAGES` (the whole job, or with
 * --dry-run its plan and the post diffs) and `imgopt check POSTS IMAGES`
 * (the CI gate: exit 1 if a run would change something or a reference is
 * broken).  Both take the same options, so check plans exactly what run
 * would do.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#include "imgopt/run.h"

/* The help of the options run and check share with build (cmd_build.c
 * says the same). */
#define CLI_QUALITY_HELP                                                       \
	"encoder quality 1-100 (default 80; with --target, the most used)"
#define CLI_TARGET_HELP                                                        \
	"choose each image's quality, up to --quality, to reach this SSIM "    \
	"(default " G_STRINGIFY(IMGOPT_DEFAULT_TARGET) "; 0: fixed --quality)"

/* The options of run and check beyond the common ones. */
typedef struct {
	gboolean is_dry_run; /* --dry-run / -n */
	gboolean use_srcset; /* --srcset */
	int display_width;   /* --display-width */
	char *widths;        /* --widths */
	char *formats;       /* --formats */
	int quality;         /* --quality */
	double target;       /* --target, < 0 = not given, 0 = off */
	gint64 max_pixels;   /* --max-pixels, 0 = default */
} RunArgs;

static void
run_args_clear(RunArgs *a)
{
	g_clear_pointer(&a->widths, g_free);
	g_clear_pointer(&a->formats, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(RunArgs, run_args_clear)

static void
fill_entries(GOptionEntry *e, RunArgs *a, bool with_dry_run)
{
	const GOptionEntry template[] = {
		{"display-width", 0, 0, G_OPTION_ARG_INT, &a->display_width,
		 "width Markdown images are shown at (default 960)", "PX"},
		{"srcset", 0, 0, G_OPTION_ARG_NONE, &a->use_srcset,
		 "turn Markdown images into <img srcset> markup", NULL},
		{"widths", 0, 0, G_OPTION_ARG_STRING, &a->widths,
		 "variant widths (default " IMGOPT_DEFAULT_WIDTHS ")", "W,W,…"},
		{"formats", 0, 0, G_OPTION_ARG_STRING, &a->formats,
		 "variant formats: jpeg, webp, avif (default jpeg)", "F,…"},
		{"quality", 0, 0, G_OPTION_ARG_INT, &a->quality,
		 CLI_QUALITY_HELP, "N"},
		{"target", 0, 0, G_OPTION_ARG_DOUBLE, &a->target,
		 CLI_TARGET_HELP, "S"},
		{"max-pixels", 0, 0, G_OPTION_ARG_INT64, &a->max_pixels,
		 "refuse images larger than this (default 100000000)", "N"},
		{"dry-run", 'n', 0, G_OPTION_ARG_NONE, &a->is_dry_run,
		 "show the post diffs and the files to write; change nothing",
		 NULL},
		G_OPTION_ENTRY_NULL,
	};

	memcpy(e, template, sizeof template);
	if (!with_dry_run) /* the entry before the terminator */
		memset(&e[G_N_ELEMENTS(template) - 2], 0, sizeof e[0]);
}

static bool
make_settings(const RunArgs *a, const CliCommon *common,
	      ImgoptSettings *settings, GError **error)
{
	const ImgoptSettingsArgs args = {a->widths, a->formats, a->quality,
					 a->target, a->max_pixels};
	g_autoptr(GError) local = NULL;

	imgopt_settings_init(settings);
	settings->jobs = common->jobs;
	if (!imgopt_settings_apply_args(settings, &args, &local)) {
		/* a bad option value is a usage error (exit 2) */
		g_set_error_literal(error, G_OPTION_ERROR,
				    G_OPTION_ERROR_BAD_VALUE, local->message);
		return false;
	}
	if (a->display_width < 0 || a->display_width > 16383) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--display-width must be from 1 to 16383");
		return false;
	}
	return true;
}

static char *
manifest_path(const CliCommon *common, const ImgoptSite *site)
{
	return common->manifest != NULL ? g_strdup(common->manifest)
					: imgopt_manifest_default_path(
						  imgopt_site_get_root(site));
}

/* ---- output ---- */

static void
add_str(JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name(b, name);
	if (value != NULL)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

static void
add_int(JsonBuilder *b, const char *name, gint64 value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, value);
}

static void
add_change_json(JsonBuilder *b, const ImgoptPostChange *ch)
{
	char before[IMGOPT_HASH_HEX_LEN + 1], after[IMGOPT_HASH_HEX_LEN + 1];

	imgopt_hash_format(&ch->before, before);
	imgopt_hash_format(&ch->after, after);
	json_builder_begin_object(b);
	add_str(b, "post", ch->post);
	add_int(b, "edits", ch->n_edits);
	add_str(b, "before", before);
	add_str(b, "after", after);
	json_builder_set_member_name(b, "written");
	json_builder_add_boolean_value(b, ch->is_written);
	if (ch->diff != NULL)
		add_str(b, "diff", ch->diff);
	json_builder_end_object(b);
}

static void
add_lists_json(JsonBuilder *b, const ImgoptRunResult *res)
{
	json_builder_set_member_name(b, "posts");
	json_builder_begin_array(b);
	for (guint i = 0; i < res->changes->len; i++)
		add_change_json(b, g_ptr_array_index(res->changes, i));
	json_builder_end_array(b);
	json_builder_set_member_name(b, "broken");
	json_builder_begin_array(b);
	for (guint i = 0; i < res->broken->len; i++) {
		const ImgoptRef *ref = g_ptr_array_index(res->broken, i);

		json_builder_begin_object(b);
		add_str(b, "post", ref->post);
		add_int(b, "line", (gint64)ref->line);
		add_str(b, "url", ref->url);
		add_str(b, "status", imgopt_ref_status_name(ref->status));
		add_str(b, "message", ref->message);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "errors");
	json_builder_begin_array(b);
	for (guint i = 0; i < res->errors->len; i++) {
		const ImgoptProblem *p = g_ptr_array_index(res->errors, i);

		json_builder_begin_object(b);
		add_str(b, "path", p->path);
		add_str(b, "message", p->message);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/* Contents whose variants were already made (neither encoded nor, in a
 * check, to encode). */
static unsigned
n_skipped(const ImgoptRunResult *res)
{
	unsigned work = res->n_encoded + res->n_to_encode;

	return res->n_sources - MIN(res->n_sources, work);
}

/* The facts of the issue-7 summary: references by status, duplicates,
 * bytes before and after, per-post downloads. */
static void
add_more_summary_json(JsonBuilder *b, const ImgoptRunResult *res)
{
	uint64_t med = 0, big = 0;

	json_builder_set_member_name(b, "references_by_status");
	json_builder_begin_object(b);
	for (int s = IMGOPT_REF_STATUS_OK; s <= IMGOPT_REF_STATUS_OUTSIDE; s++)
		add_int(b, imgopt_ref_status_name(s),
			(gint64)res->n_by_status[s]);
	json_builder_end_object(b);
	add_int(b, "duplicate_groups", res->n_groups);
	add_int(b, "bytes_reclaimable", (gint64)res->bytes_reclaimable);
	add_int(b, "skipped", n_skipped(res));
	add_int(b, "bytes_before", (gint64)res->bytes_before);
	add_int(b, "bytes_after", (gint64)res->bytes_after);
	imgopt_run_result_post_bytes(res, false, &med, &big);
	add_int(b, "post_bytes_median_before", (gint64)med);
	add_int(b, "post_bytes_largest_before", (gint64)big);
	imgopt_run_result_post_bytes(res, true, &med, &big);
	add_int(b, "post_bytes_median_after", (gint64)med);
	add_int(b, "post_bytes_largest_after", (gint64)big);
}

static void
add_summary_json(JsonBuilder *b, const ImgoptRunResult *res)
{
	json_builder_set_member_name(b, "summary");
	json_builder_begin_object(b);
	add_int(b, "posts", (gint64)res->posts);
	add_int(b, "references", (gint64)res->references);
	add_int(b, "posts_changed", res->changes->len);
	add_int(b, "references_rewritten", (gint64)res->rewritten);
	add_int(b, "references_done", (gint64)res->done);
	add_int(b, "broken", res->broken->len);
	add_int(b, "errors", res->errors->len);
	add_int(b, "sources", res->n_sources);
	add_int(b, "encoded", res->n_encoded);
	add_int(b, "to_encode", res->n_to_encode);
	add_int(b, "variant_files_written", res->n_written);
	add_int(b, "bytes_shown_before", (gint64)res->bytes_shown_before);
	add_int(b, "bytes_shown_after", (gint64)res->bytes_shown_after);
	add_more_summary_json(b, res);
	json_builder_end_object(b);
}

static void
print_json(const ImgoptSite *site, const ImgoptRunResult *res,
	   ImgoptRunMode mode, double seconds)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	add_str(b, "site_root", imgopt_site_get_root(site));
	json_builder_set_member_name(b, mode == IMGOPT_RUN_CHECK ? "ok"
								 : "dry_run");
	json_builder_add_boolean_value(
		b, mode == IMGOPT_RUN_CHECK ? !imgopt_run_result_has_work(res)
					    : mode == IMGOPT_RUN_DRY_RUN);
	add_int(b, "run_id", res->run_id);
	add_lists_json(b, res);
	json_builder_set_member_name(b, "variant_files");
	json_builder_begin_array(b);
	for (guint i = 0; i < res->variant_files->len; i++)
		json_builder_add_string_value(
			b, g_ptr_array_index(res->variant_files, i));
	json_builder_end_array(b);
	add_summary_json(b, res);
	json_builder_set_member_name(b, "seconds");
	json_builder_add_double_value(b, seconds);
	json_builder_end_object(b);
	cli_json_print(b);
}

/* "27.8 kB -> 20.9 kB" */
static char *
before_after(uint64_t before, uint64_t after)
{
	g_autofree char *b = cli_format_bytes(before);
	g_autofree char *a = cli_format_bytes(after);

	return g_strdup_printf("%s -> %s", b, a);
}

/* The end-of-run summary on stdout, one fact per line. */
static void
print_summary(const ImgoptRunResult *res, ImgoptRunMode mode, double seconds)
{
	const uint64_t *st = res->n_by_status;
	uint64_t mb = 0, lb = 0, ma = 0, la = 0;
	bool is_apply = mode == IMGOPT_RUN_APPLY;
	g_autofree char *reclaim = cli_format_bytes(res->bytes_reclaimable);
	g_autofree char *bytes =
		before_after(res->bytes_before, res->bytes_after);
	g_autofree char *time = cli_format_duration(seconds);

	imgopt_run_result_post_bytes(res, false, &mb, &lb);
	imgopt_run_result_post_bytes(res, true, &ma, &la);
	g_autofree char *median = before_after(mb, ma);
	g_autofree char *largest = before_after(lb, la);
	printf("posts:        %" G_GUINT64_FORMAT " (%u %s)\n", res->posts,
	       res->changes->len, is_apply ? "rewritten" : "to rewrite");
	printf("references:   %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT
	       " ok, %" G_GUINT64_FORMAT " repaired, %" G_GUINT64_FORMAT
	       " broken, %" G_GUINT64_FORMAT " remote); %" G_GUINT64_FORMAT
	       " %s\n",
	       res->references, st[IMGOPT_REF_STATUS_OK],
	       st[IMGOPT_REF_STATUS_REPAIRED],
	       st[IMGOPT_REF_STATUS_BROKEN] + st[IMGOPT_REF_STATUS_OUTSIDE],
	       st[IMGOPT_REF_STATUS_REMOTE], res->rewritten,
	       is_apply ? "rewritten" : "to rewrite");
	printf("duplicates:   %u groups, %s reclaimable\n", res->n_groups,
	       reclaim);
	printf("images:       %u %s, %u skipped (up to date), %u errors\n",
	       mode == IMGOPT_RUN_CHECK ? res->n_to_encode : res->n_encoded,
	       mode == IMGOPT_RUN_CHECK ? "to encode" : "encoded",
	       n_skipped(res), res->errors->len);
	printf("image bytes:  %s\n", bytes);
	printf("per post:     median %s, largest %s\n", median, largest);
	printf("time:         %s\n", time);
}

static void
print_text(const ImgoptRunResult *res, const CliCommon *common,
	   ImgoptRunMode mode, double seconds)
{
	for (guint i = 0; mode == IMGOPT_RUN_DRY_RUN && i < res->changes->len;
	     i++)
		fputs(((ImgoptPostChange *)g_ptr_array_index(res->changes, i))
			      ->diff,
		      stdout);
	for (guint i = 0; !common->quiet && i < res->changes->len; i++) {
		const ImgoptPostChange *ch = g_ptr_array_index(res->changes, i);

		if (mode != IMGOPT_RUN_APPLY || common->verbose)
			printf("%s: %s (%u references)\n",
			       mode == IMGOPT_RUN_APPLY ? "rewrote"
							: "would rewrite",
			       ch->post, ch->n_edits);
	}
	for (guint i = 0; mode == IMGOPT_RUN_DRY_RUN && !common->quiet &&
			  i < res->variant_files->len;
	     i++)
		printf("would write: %s\n",
		       (char *)g_ptr_array_index(res->variant_files, i));
	for (guint i = 0; i < res->broken->len; i++) {
		const ImgoptRef *ref = g_ptr_array_index(res->broken, i);
		g_autofree char *url = cli_one_line(ref->url);

		fprintf(stderr, "imgopt: %s:%zu: %s '%s'%s%s\n", ref->post,
			ref->line, imgopt_ref_status_name(ref->status), url,
			ref->message ? ": " : "",
			ref->message ? ref->message : "");
	}
	for (guint i = 0; i < res->errors->len; i++)
		fprintf(stderr, "imgopt: %s\n",
			((ImgoptProblem *)g_ptr_array_index(res->errors, i))
				->message);
	if (!common->quiet)
		print_summary(res, mode, seconds);
}

/* ---- the handlers ---- */

static bool
run_once(const CliCommon *common, const RunArgs *a, ImgoptRunMode mode,
	 ImgoptSite **site_out, ImgoptRunResult **res_out, GError **error)
{
	g_autoptr(CliProgress) progress = cli_progress_new(common->quiet);
	ImgoptReporter reporter = {cli_progress_reporter_callback, NULL,
				   progress};
	g_auto(ImgoptSettings) settings = {0};
	g_autoptr(ImgoptManifest) manifest = NULL;
	g_autofree char *scratch = NULL;
	ImgoptRunOptions opt = {mode,
				a->display_width > 0
					? (uint32_t)a->display_width
					: IMGOPT_DEFAULT_DISPLAY_WIDTH,
				a->use_srcset, &settings};

	if (!make_settings(a, common, &settings, error))
		return false;
	*site_out = cli_open_site(common, error);
	if (*site_out == NULL || (mode == IMGOPT_RUN_APPLY &&
				  !cli_lock_site(common, *site_out, error)))
		return false;
	g_autofree char *path = manifest_path(common, *site_out);
	manifest = mode == IMGOPT_RUN_APPLY ? imgopt_manifest_open(path, error)
					    : imgopt_run_open_scratch_manifest(
						      path, &scratch, error);
	if (manifest == NULL)
		return false;
	bool is_ok = imgopt_run_site(*site_out, manifest, &opt, &reporter,
				     res_out, error);
	g_clear_pointer(&manifest, imgopt_manifest_close);
	imgopt_run_remove_scratch(scratch);
	return is_ok;
}

int
cli_run_like(const char *name, int argc, char **argv, bool is_check)
{
	g_auto(CliCommon) common = {0};
	g_auto(RunArgs) a = {.target = -1};
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptSite) site = NULL;
	g_autoptr(ImgoptRunResult) res = NULL;
	GOptionEntry extra[9];
	int code = 0;

	fill_entries(extra, &a, !is_check);
	if (!cli_parse(
		    name, "POSTS IMAGES",
		    is_check ? "Exits 0 if a run would change nothing and no "
			       "reference is broken, else 1."
			     : "Scans, indexes, groups and recompresses the "
			       "images, then rewrites every post's references "
			       "to the optimized variants.",
		    extra, 2, 2, &common, argc, argv, &code))
		return code;
	ImgoptRunMode mode = is_check       ? IMGOPT_RUN_CHECK
			     : a.is_dry_run ? IMGOPT_RUN_DRY_RUN
					    : IMGOPT_RUN_APPLY;
	gint64 start = g_get_monotonic_time();
	if (!run_once(&common, &a, mode, &site, &res, &error))
		return cli_fail(error);
	double seconds =
		(double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
	if (common.json)
		print_json(site, res, mode, seconds);
	else
		print_text(res, &common, mode, seconds);
	if (is_check)
		return imgopt_run_result_has_work(res) ? CLI_EXIT_ITEMS
						       : CLI_EXIT_OK;
	return res->errors->len > 0 || res->broken->len > 0 ? CLI_EXIT_ITEMS
							    : CLI_EXIT_OK;
}

int
cli_cmd_run(const char *name, int argc, char **argv)
{
	return cli_run_like(name, argc, argv, false);
}
