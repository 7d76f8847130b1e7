/*
 * cmd_run.c: `imgopt [run] POSTS IMAGES` (the whole job, or with
 * --dry-run its plan and the post diffs) and `imgopt check POSTS IMAGES`
 * (the CI gate: exit 1 if a run would change something or a reference is
 * broken).  Both take the same options, so check plans exactly what run
 * would do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#include "imgopt/run.h"

/* The options of run and check beyond the common ones. */
typedef struct {
	gboolean is_dry_run;      /* --dry-run / -n */
	gboolean use_srcset;      /* --srcset */
	char *display_width;      /* --display-width */
	CliSettingsArgs settings; /* --widths, --formats, --quality, ... */
} RunArgs;

static void
run_args_clear(RunArgs *a)
{
	cli_settings_args_clear(&a->settings);
	g_clear_pointer(&a->display_width, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(RunArgs, run_args_clear)

/* What was asked: the common options, run's own, and the mode. */
typedef struct {
	const CliCommon *common;
	const RunArgs *a;
	ImgoptRunMode mode;
} CommonAndArgs;

static void
fill_entries(GOptionEntry *e, RunArgs *a, bool with_dry_run)
{
	const GOptionEntry head[] = {
		{"display-width", 0, 0, G_OPTION_ARG_STRING, &a->display_width,
		 "width Markdown images are shown at (default 960)", "PX"},
		{"srcset", 0, 0, G_OPTION_ARG_NONE, &a->use_srcset,
		 "turn Markdown images into <img srcset> markup", NULL},
	};
	const GOptionEntry tail[] = {
		CLI_DRY_RUN_ENTRY(&a->is_dry_run,
				  "show the post diffs and the files to write; "
				  "change nothing"),
		G_OPTION_ENTRY_NULL,
	};
	size_t n = G_N_ELEMENTS(head);

	memcpy(e, head, sizeof head);
	cli_settings_entries(e + n, &a->settings);
	n += CLI_N_SETTINGS_ENTRIES;
	memcpy(e + n, with_dry_run ? tail : tail + 1,
	       with_dry_run ? sizeof tail : sizeof tail[0]);
}

/* ---- output ---- */

static void
add_change_json(CliJson *b, const void *item)
{
	const ImgoptPostChange *ch = item;
	char before[IMGOPT_HASH_HEX_LEN + 1], after[IMGOPT_HASH_HEX_LEN + 1];

	imgopt_hash_format(&ch->before, before);
	imgopt_hash_format(&ch->after, after);
	cli_json_add_string(b, "post", ch->post);
	cli_json_add_string(b, "kind", imgopt_referrer_kind_name(ch->kind));
	cli_json_add_int(b, "edits", ch->n_edits);
	cli_json_add_string(b, "before", before);
	cli_json_add_string(b, "after", after);
	cli_json_add_bool(b, "written", ch->is_written);
	if (ch->diff != NULL)
		cli_json_add_string(b, "diff", ch->diff);
}

/* One element of "broken". */
static void
add_broken_item(CliJson *b, const void *item)
{
	const ImgoptRef *ref = item;

	cli_json_add_string(b, "post", ref->post);
	cli_json_add_int(b, "line", (gint64)ref->line);
	cli_json_add_string(b, "url", ref->url);
	cli_json_add_string(b, "status", imgopt_ref_status_name(ref->status));
	cli_json_add_string(b, "message", ref->message);
}

static void
add_lists_json(CliJson *b, const ImgoptRunResult *res)
{
	cli_json_add_list(b, "posts", res->changes, add_change_json);
	cli_json_add_list(b, "broken", res->broken, add_broken_item);
	cli_json_add_problems(b, "errors", res->errors, "message");
	cli_json_add_problems(b, "notices", res->notices, "message");
}

/* Contents whose variants were already made (neither encoded, failed
 * nor, in a check, to encode). */
static unsigned
n_skipped(const ImgoptRunResult *res)
{
	unsigned work = res->n_encoded + res->n_to_encode + res->n_failed;

	return res->n_sources - MIN(res->n_sources, work);
}

/* The formats, JPEG to OTHER then UNKNOWN (which a file only has when
 * the index could not read it): the order of the by-format facts. */
static ImgoptFormat
nth_format(int i)
{
	return (ImgoptFormat)((i + 1) % (IMGOPT_FORMAT_OTHER + 1));
}

/* Whether the posts show files of @format before or after. */
static bool
has_format(const ImgoptRunResult *res, ImgoptFormat format)
{
	return res->bytes_before_by_format[format] > 0 ||
	       res->bytes_after_by_format[format] > 0;
}

void
cli_json_add_bytes_by_format(CliJson *b, const ImgoptRunResult *res)
{
	cli_json_begin(b, CLI_JSON_OBJECT, "by_format");
	for (int i = 0; i <= IMGOPT_FORMAT_OTHER; i++) {
		ImgoptFormat f = nth_format(i);

		if (!has_format(res, f))
			continue;
		cli_json_begin(b, CLI_JSON_OBJECT, imgopt_format_name(f));
		cli_json_add_int(b, "before",
				 (gint64)res->bytes_before_by_format[f]);
		cli_json_add_int(b, "after",
				 (gint64)res->bytes_after_by_format[f]);
		cli_json_end(b);
	}
	cli_json_end(b);
}

/* The facts of the issue-7 summary: references by status, duplicates,
 * bytes before and after, per-post downloads. */
static void
add_more_summary_json(CliJson *b, const ImgoptRunResult *res)
{
	uint64_t med = 0, big = 0;

	cli_json_begin(b, CLI_JSON_OBJECT, "references_by_status");
	for (int s = IMGOPT_REF_STATUS_OK; s <= IMGOPT_REF_STATUS_OUTSIDE; s++)
		cli_json_add_int(b, imgopt_ref_status_name(s),
				 (gint64)res->n_by_status[s]);
	cli_json_end(b);
	cli_json_add_int(b, "duplicate_groups", res->n_groups);
	cli_json_add_int(b, "bytes_reclaimable",
			 (gint64)res->bytes_reclaimable);
	cli_json_add_int(b, "skipped", n_skipped(res));
	cli_json_add_int(b, "bytes_before", (gint64)res->bytes_before);
	cli_json_add_int(b, "bytes_after", (gint64)res->bytes_after);
	imgopt_run_result_post_bytes(res, false, &med, &big);
	cli_json_add_int(b, "post_bytes_median_before", (gint64)med);
	cli_json_add_int(b, "post_bytes_largest_before", (gint64)big);
	imgopt_run_result_post_bytes(res, true, &med, &big);
	cli_json_add_int(b, "post_bytes_median_after", (gint64)med);
	cli_json_add_int(b, "post_bytes_largest_after", (gint64)big);
	cli_json_add_bytes_by_format(b, res);
}

static void
add_summary_json(CliJson *b, const ImgoptRunResult *res)
{
	cli_json_begin(b, CLI_JSON_OBJECT, "summary");
	cli_json_add_int(b, "posts", (gint64)res->posts);
	cli_json_add_int(b, "references", (gint64)res->references);
	cli_json_add_int(b, "posts_changed", res->changes->len);
	cli_json_add_int(b, "references_rewritten", (gint64)res->rewritten);
	cli_json_add_int(b, "references_done", (gint64)res->done);
	cli_json_add_int(b, "broken", res->broken->len);
	cli_json_add_int(b, "errors", res->errors->len);
	cli_json_add_int(b, "sources", res->n_sources);
	cli_json_add_int(b, "encoded", res->n_encoded);
	cli_json_add_int(b, "reused", res->n_reused);
	cli_json_add_int(b, "to_encode", res->n_to_encode);
	cli_json_add_int(b, "failed", res->n_failed);
	cli_json_add_int(b, "variant_files_written", res->n_written);
	cli_json_add_int(b, "bytes_shown_before",
			 (gint64)res->bytes_shown_before);
	cli_json_add_int(b, "bytes_shown_after",
			 (gint64)res->bytes_shown_after);
	add_more_summary_json(b, res);
	cli_json_end(b);
}

static void
print_json(FILE *out, const ImgoptSite *site, const ImgoptRunResult *res,
	   ImgoptRunMode mode, double seconds)
{
	g_autoptr(CliJson) b = cli_json_new_document(site);
	g_autoptr(GString) text = g_string_new(NULL);

	cli_json_add_bool(b, mode == IMGOPT_RUN_CHECK ? "ok" : "dry_run",
			  mode == IMGOPT_RUN_CHECK
				  ? !imgopt_run_result_has_work(res)
				  : mode == IMGOPT_RUN_DRY_RUN);
	cli_json_add_int(b, "run_id", res->run_id);
	add_lists_json(b, res);
	cli_json_add_strings(b, "variant_files", res->variant_files);
	add_summary_json(b, res);
	cli_json_add_double(b, "seconds", seconds);
	cli_json_render(b, text);
	fwrite(text->str, 1, text->len, out);
}

/* "27.8 kB -> 20.9 kB" */
static char *
before_after(uint64_t before, uint64_t after)
{
	g_autofree char *b = cli_format_bytes(before);
	g_autofree char *a = cli_format_bytes(after);

	return g_strdup_printf("%s -> %s", b, a);
}

char *
cli_bytes_by_format(const ImgoptRunResult *res)
{
	g_autoptr(GString) line = g_string_new(NULL);

	for (int i = 0; i <= IMGOPT_FORMAT_OTHER; i++) {
		ImgoptFormat f = nth_format(i);

		if (!has_format(res, f))
			continue;
		g_autofree char *bytes =
			before_after(res->bytes_before_by_format[f],
				     res->bytes_after_by_format[f]);
		g_string_append_printf(line, "%s%s %s",
				       line->len > 0 ? ", " : "",
				       imgopt_format_name(f), bytes);
	}
	if (line->len == 0)
		g_string_append(line, "none");
	return g_string_free(g_steal_pointer(&line), FALSE);
}

/* The end-of-run summary on stdout, one fact per line. */
static void
print_summary(FILE *out, const ImgoptRunResult *res, ImgoptRunMode mode,
	      double seconds)
{
	const uint64_t *st = res->n_by_status;
	uint64_t mb = 0, lb = 0, ma = 0, la = 0;
	bool is_apply = mode == IMGOPT_RUN_APPLY;
	g_autofree char *reclaim = cli_format_bytes(res->bytes_reclaimable);
	g_autofree char *bytes =
		before_after(res->bytes_before, res->bytes_after);
	g_autofree char *by_format = cli_bytes_by_format(res);
	g_autofree char *time = cli_format_duration(seconds);

	imgopt_run_result_post_bytes(res, false, &mb, &lb);
	imgopt_run_result_post_bytes(res, true, &ma, &la);
	g_autofree char *median = before_after(mb, ma);
	g_autofree char *largest = before_after(lb, la);
	fprintf(out, "posts:        %" G_GUINT64_FORMAT " (%u %s)\n",
		res->posts, res->changes->len,
		is_apply ? "rewritten" : "to rewrite");
	fprintf(out,
		"references:   %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT
		" ok, %" G_GUINT64_FORMAT " repaired, %" G_GUINT64_FORMAT
		" broken, %" G_GUINT64_FORMAT " remote, %" G_GUINT64_FORMAT
		" outside); %" G_GUINT64_FORMAT " %s\n",
		res->references, st[IMGOPT_REF_STATUS_OK],
		st[IMGOPT_REF_STATUS_REPAIRED], st[IMGOPT_REF_STATUS_BROKEN],
		st[IMGOPT_REF_STATUS_REMOTE], st[IMGOPT_REF_STATUS_OUTSIDE],
		res->rewritten, is_apply ? "rewritten" : "to rewrite");
	fprintf(out, "duplicates:   %u groups, %s reclaimable\n", res->n_groups,
		reclaim);
	fprintf(out,
		"images:       %u %s, %u failed, %u skipped (up to date), "
		"%u errors\n",
		mode == IMGOPT_RUN_CHECK ? res->n_to_encode : res->n_encoded,
		mode == IMGOPT_RUN_CHECK ? "to encode" : "encoded",
		res->n_failed, n_skipped(res), res->errors->len);
	fprintf(out, "image bytes:  %s\n", bytes);
	fprintf(out, "by format:    %s\n", by_format);
	fprintf(out, "per post:     median %s, largest %s\n", median, largest);
	fprintf(out, "time:         %s\n", time);
}

static void
print_text(FILE *out, FILE *err, const ImgoptRunResult *res,
	   const CliCommon *common, ImgoptRunMode mode, double seconds)
{
	for (guint i = 0; mode == IMGOPT_RUN_DRY_RUN && i < res->changes->len;
	     i++)
		fputs(((ImgoptPostChange *)g_ptr_array_index(res->changes, i))
			      ->diff,
		      out);
	for (guint i = 0; !common->quiet && i < res->changes->len; i++) {
		const ImgoptPostChange *ch = g_ptr_array_index(res->changes, i);

		if (mode != IMGOPT_RUN_APPLY || common->verbose)
			fprintf(out, "%s: %s (%u references)\n",
				mode == IMGOPT_RUN_APPLY ? "rewrote"
							 : "would rewrite",
				ch->post, ch->n_edits);
	}
	for (guint i = 0; mode == IMGOPT_RUN_DRY_RUN && !common->quiet &&
			  i < res->variant_files->len;
	     i++)
		fprintf(out, "would write: %s\n",
			(char *)g_ptr_array_index(res->variant_files, i));
	for (guint i = 0; i < res->broken->len; i++) {
		const ImgoptRef *ref = g_ptr_array_index(res->broken, i);
		g_autofree char *url = cli_one_line(ref->url);

		fprintf(err, "imgopt: %s:%zu: %s '%s'%s%s\n", ref->post,
			ref->line, imgopt_ref_status_name(ref->status), url,
			ref->message ? ": " : "",
			ref->message ? ref->message : "");
	}
	cli_print_problems(res->errors, NULL);
	if (!common->quiet)
		cli_print_problems(res->notices, "note");
	if (!common->quiet)
		print_summary(out, res, mode, seconds);
}

/* ---- the handlers ---- */

/* An option as given, or "(unset)". */
static const char *
given(const char *value)
{
	return value != NULL ? value : "(unset)";
}

/* The options the output depends on, for the memo's state: as given
 * (imgopt.conf's included); the libraries' versions, which the settings'
 * fingerprint adds, are the memo's (memo.h: the program's files). */
static char *
memo_what(const CliCommon *common, const RunArgs *a,
	  const ImgoptRunOptions *opt)
{
	const CliSettingsArgs *s = &a->settings;

	return g_strdup_printf(
		"json=%d verbose=%d quiet=%d only_posts=%d srcset=%d "
		"display_width=%u widths=%s formats=%s quality=%s target=%s "
		"max_pixels=%s modules=%s",
		common->json, common->verbose, common->quiet,
		common->only_posts, a->use_srcset, opt->display_width,
		given(s->widths), given(s->formats), given(s->quality),
		given(s->target), given(s->max_pixels),
		given(g_getenv("IMGOPT_MODULE_DIR")));
}

static bool
run_once(const CliCommand *cmd, const CliCommon *common,
	 const ImgoptRunOptions *opt, CliContext *ctx,
	 ImgoptRunResult **res_out, GError **error)
{
	g_autoptr(CliProgress) progress = cli_progress_new(common->quiet);
	ImgoptObserver observer = {cli_progress_observer_callback, NULL,
				   progress};

	if (!cli_open(cli_needs(cmd, opt->mode == IMGOPT_RUN_DRY_RUN), common,
		      ctx, error))
		return false;
	return imgopt_run_site(ctx->site, ctx->manifest, opt, &observer,
			       res_out, error);
}

static void
print_result(FILE *out, FILE *err, const CliCommon *common,
	     const ImgoptSite *site, const ImgoptRunResult *res,
	     ImgoptRunMode mode, double seconds)
{
	if (common->json)
		print_json(out, site, res, mode, seconds);
	else
		print_text(out, err, res, common, mode, seconds);
	fflush(out);
}

/* What a FILE of open_memstream() wrote, closed. */
static GBytes *
take_stream(FILE *f, char **buf, size_t *len)
{
	fclose(f);
	GBytes *bytes = g_bytes_new(*buf, *len);
	free(*buf); /* lint-allow: open_memstream()'s buffer */
	return bytes;
}

/* Prints the result, and keeps it in @memo if it may be replayed. */
static void
print_and_keep(CliRunMemo *memo, const CliCommon *common,
	       const ImgoptSite *site, const ImgoptRunResult *res,
	       ImgoptRunMode mode, double seconds, int code)
{
	char *obuf = NULL, *ebuf = NULL;
	size_t olen = 0, elen = 0;
	FILE *out = NULL, *err = NULL;

	if (cli_run_memo_wants(memo, res)) {
		out = open_memstream(&obuf, &olen);
		err = out != NULL ? open_memstream(&ebuf, &elen) : NULL;
	}
	if (err == NULL) {
		if (out != NULL)
			g_bytes_unref(take_stream(out, &obuf, &olen));
		print_result(stdout, stderr, common, site, res, mode, seconds);
		return;
	}
	print_result(out, err, common, site, res, mode, seconds);
	g_autoptr(GBytes) o = take_stream(out, &obuf, &olen);
	g_autoptr(GBytes) e = take_stream(err, &ebuf, &elen);
	CliRunOutput printed = {o, e, code};
	cli_run_memo_print(&printed);
	cli_run_memo_keep(memo, res, &printed);
}

/* The settings, the display width and the mode, from the options. */
static bool
make_options(const CommonAndArgs *in, ImgoptSettings *settings,
	     ImgoptRunOptions *opt, GError **error)
{
	*opt = (ImgoptRunOptions){in->mode, 0, in->a->use_srcset, settings,
				  in->common->only_posts};
	return cli_settings_make(&in->a->settings, in->common, settings,
				 error) &&
	       cli_display_width(in->a->display_width, &opt->display_width,
				 error);
}

/* The job, or its stored output; returns the exit code. */
static int
run_or_replay(const CliCommand *cmd, const CommonAndArgs *in)
{
	g_autoptr(GError) error = NULL;
	g_auto(CliContext) ctx = {0};
	g_autoptr(ImgoptRunResult) res = NULL;
	g_auto(ImgoptSettings) settings = {0};
	g_autoptr(CliRunMemo) memo = NULL;
	ImgoptRunOptions opt;

	if (!make_options(in, &settings, &opt, &error))
		return cli_fail(error);
	g_autofree char *what = memo_what(in->common, in->a, &opt);
	g_auto(CliRunOutput) stored = {0};
	if (cli_run_memo_replay(in->common, in->mode, what, &stored, &memo)) {
		cli_run_memo_print(&stored);
		return stored.code;
	}
	gint64 start = g_get_monotonic_time();
	if (!run_once(cmd, in->common, &opt, &ctx, &res, &error))
		return cli_fail(error);
	double seconds =
		(double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
	int code = in->mode == IMGOPT_RUN_CHECK
			   ? (imgopt_run_result_has_work(res) ? CLI_EXIT_ITEMS
							      : CLI_EXIT_OK)
		   : res->errors->len > 0 || res->broken->len > 0
			   ? CLI_EXIT_ITEMS
			   : CLI_EXIT_OK;
	print_and_keep(memo, in->common, ctx.site, res, in->mode, seconds,
		       code);
	return code;
}

int
cli_run_like(const CliCommand *cmd, int argc, char **argv, bool is_check)
{
	g_auto(CliCommon) common = {0};
	g_auto(RunArgs) a = {0};
	GOptionEntry extra[2 + CLI_N_SETTINGS_ENTRIES + 2];
	int code = 0;

	fill_entries(extra, &a, !is_check);
	if (!cli_parse(
		    cmd->name, "POSTS IMAGES",
		    is_check ? "Exits 0 if a run would change nothing and no "
			       "reference is broken, else 1."
			     : "Scans, indexes, groups and recompresses the "
			       "images, then rewrites every post's references "
			       "to the optimized variants.",
		    extra, 2, 2, &common, argc, argv, &code))
		return code;
	CommonAndArgs in = {&common, &a,
			    is_check       ? IMGOPT_RUN_CHECK
			    : a.is_dry_run ? IMGOPT_RUN_DRY_RUN
					   : IMGOPT_RUN_APPLY};
	return run_or_replay(cmd, &in);
}

int
cli_cmd_run(const CliCommand *cmd, int argc, char **argv)
{
	return cli_run_like(cmd, argc, argv, false);
}
