/*
 * cmd_report.c: `imgopt report POSTS IMAGES --html FILE`: one
 * self-contained HTML page of what a run would save, the duplicate
 * groups, the broken references and the largest images (report.h).
 *
 * It parses the options, makes a dry run (imgopt_run_site(), encoding in
 * memory what has no variant yet; its result holds its dupes job's too)
 * on a scratch copy of the manifest, like check and --dry-run, so the
 * site and the real manifest are left exactly as they were, and writes
 * the page (imgopt_report_html()).
 * Exit 1 if an image or a post could not be read; broken references are
 * what the report is for and do not change the exit status.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#include "imgopt/report.h"
#include "imgopt/run.h"

/* What the report found, kept for the output. */
typedef struct {
	ImgoptSite *site;     /* the open site */
	ImgoptRunResult *run; /* the dry run, and its dupes job's groups */
} Found;

static void
found_clear(Found *f)
{
	g_clear_pointer(&f->site, imgopt_site_free);
	g_clear_pointer(&f->run, imgopt_run_result_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Found, found_clear)

/* The options that shape the dry run, as run has them (so imgopt.conf's
 * keys apply to the report too). */
typedef struct {
	char *widths;      /* --widths */
	char *formats;     /* --formats */
	int quality;       /* --quality, 0 = default */
	int display_width; /* --display-width, 0 = default */
	char *html_path;   /* --html */
} ReportArgs;

static void
report_args_clear(ReportArgs *a)
{
	g_clear_pointer(&a->widths, g_free);
	g_clear_pointer(&a->formats, g_free);
	g_clear_pointer(&a->html_path, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ReportArgs, report_args_clear)

static bool
make_settings(const ReportArgs *a, const CliCommon *common,
	      ImgoptSettings *settings, GError **error)
{
	imgopt_settings_init(settings);
	settings->jobs = common->jobs;
	if (a->widths != NULL &&
	    !imgopt_settings_parse_widths(settings, a->widths, error))
		return false;
	if (a->formats != NULL &&
	    !imgopt_settings_parse_formats(settings, a->formats, error))
		return false;
	if (a->quality < 0 || a->quality > 100 || a->display_width < 0 ||
	    a->display_width > 16383) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--quality is 1 to 100, --display-width 1 to "
			    "16383");
		return false;
	}
	if (a->quality > 0)
		settings->quality = a->quality;
	return true;
}

/* A dry run, on a scratch manifest. */
static bool
gather(const CliCommon *common, const ImgoptSettings *settings,
       uint32_t display_width, CliProgress *progress, Found *f, GError **error)
{
	ImgoptReporter reporter = {cli_progress_reporter_callback, NULL,
				   progress};
	ImgoptRunOptions ropt = {IMGOPT_RUN_DRY_RUN, display_width, false,
				 settings};
	g_autofree char *scratch = NULL;

	f->site = cli_open_site(common, error);
	if (f->site == NULL)
		return false;
	g_autofree char *path =
		common->manifest != NULL
			? g_strdup(common->manifest)
			: imgopt_manifest_default_path(
				  imgopt_site_get_root(f->site));
	ImgoptManifest *m =
		imgopt_run_open_scratch_manifest(path, &scratch, error);
	if (m == NULL)
		return false;
	bool is_ok =
		imgopt_run_site(f->site, m, &ropt, &reporter, &f->run, error);
	imgopt_manifest_close(m);
	imgopt_run_remove_scratch(scratch);
	return is_ok;
}

static void
print_json(const Found *f, const char *html_path)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "site_root");
	json_builder_add_string_value(b, imgopt_site_get_root(f->site));
	json_builder_set_member_name(b, "html");
	json_builder_add_string_value(b, html_path);
	json_builder_set_member_name(b, "summary");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "posts");
	json_builder_add_int_value(b, (gint64)f->run->posts);
	json_builder_set_member_name(b, "duplicate_groups");
	json_builder_add_int_value(b, f->run->dupes->groups->len);
	json_builder_set_member_name(b, "broken");
	json_builder_add_int_value(b, f->run->broken->len);
	json_builder_set_member_name(b, "errors");
	json_builder_add_int_value(b, f->run->errors->len);
	json_builder_set_member_name(b, "bytes_before");
	json_builder_add_int_value(b, (gint64)f->run->bytes_before);
	json_builder_set_member_name(b, "bytes_after");
	json_builder_add_int_value(b, (gint64)f->run->bytes_after);
	json_builder_end_object(b);
	json_builder_end_object(b);
	cli_json_print(b);
}

static bool
write_report(const Found *f, const ImgoptSettings *settings,
	     const char *html_path, GError **error)
{
	ImgoptReportInput in = {f->site, f->run->dupes, f->run,
				settings->max_pixels};
	g_autofree char *html = imgopt_report_html(&in);

	return g_file_set_contents(html_path, html, -1, error);
}

int
cli_cmd_report(const char *name, int argc, char **argv)
{
	g_auto(CliCommon) common = {0};
	g_auto(ImgoptSettings) settings = {0};
	g_auto(Found) f = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(CliProgress) progress = NULL;
	g_auto(ReportArgs) a = {0};
	const GOptionEntry extra[] = {
		{"html", 0, 0, G_OPTION_ARG_FILENAME, &a.html_path,
		 "write the report to FILE (required)", "FILE"},
		{"widths", 0, 0, G_OPTION_ARG_STRING, &a.widths,
		 "variant widths (default " IMGOPT_DEFAULT_WIDTHS ")", "W,W,…"},
		{"formats", 0, 0, G_OPTION_ARG_STRING, &a.formats,
		 "variant formats: jpeg, webp, avif (default jpeg)", "F,…"},
		{"quality", 0, 0, G_OPTION_ARG_INT, &a.quality,
		 "encoder quality 1-100 (default 80)", "N"},
		{"display-width", 0, 0, G_OPTION_ARG_INT, &a.display_width,
		 "width Markdown images are shown at (default 960)", "PX"},
		G_OPTION_ENTRY_NULL,
	};
	int code = 0;

	if (!cli_parse(name, "POSTS IMAGES",
		       "Writes one self-contained HTML page: the savings per "
		       "post, the duplicate groups with the posts using each "
		       "copy, the broken references and the largest images. "
		       "Changes nothing.",
		       extra, 2, 2, &common, argc, argv, &code))
		return code;
	if (a.html_path == NULL) {
		fprintf(stderr, "imgopt %s: --html FILE is required\n", name);
		return CLI_EXIT_USAGE;
	}
	if (!make_settings(&a, &common, &settings, &error))
		return cli_fail(error);
	progress = cli_progress_new(common.quiet);
	uint32_t width = a.display_width > 0 ? (uint32_t)a.display_width
					     : IMGOPT_DEFAULT_DISPLAY_WIDTH;
	if (!gather(&common, &settings, width, progress, &f, &error) ||
	    !write_report(&f, &settings, a.html_path, &error)) {
		cli_progress_clear(progress);
		return cli_fail(error);
	}
	cli_progress_clear(progress);
	for (guint i = 0; i < f.run->errors->len; i++)
		fprintf(stderr, "imgopt: %s\n",
			((ImgoptProblem *)g_ptr_array_index(f.run->errors, i))
				->message);
	if (common.json)
		print_json(&f, a.html_path);
	else if (!common.quiet)
		printf("wrote %s: %u duplicate groups, %u broken references\n",
		       a.html_path, f.run->dupes->groups->len,
		       f.run->broken->len);
	return f.run->errors->len > 0 ? CLI_EXIT_ITEMS : CLI_EXIT_OK;
}
