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
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "cli.h"

#include "imgopt/report.h"
#include "imgopt/run.h"

/* What the report found, kept for the output. */
typedef struct {
	CliContext ctx;       /* the site and the scratch manifest */
	ImgoptRunResult *run; /* the dry run, and its dupes job's groups */
} Found;

static void
found_clear(Found *f)
{
	cli_context_clear(&f->ctx);
	g_clear_pointer(&f->run, imgopt_run_result_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Found, found_clear)

/* The options that shape the dry run, as run has them (so imgopt.conf's
 * keys apply to the report too). */
typedef struct {
	CliSettingsArgs settings; /* --widths, --formats, --quality, ... */
	char *display_width;      /* --display-width */
	char *html_path;          /* --html */
} ReportArgs;

static void
report_args_clear(ReportArgs *a)
{
	cli_settings_args_clear(&a->settings);
	g_clear_pointer(&a->display_width, g_free);
	g_clear_pointer(&a->html_path, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ReportArgs, report_args_clear)

/* A dry run, on a scratch manifest. */
static bool
gather(const CliCommand *cmd, const CliCommon *common,
       const ImgoptSettings *settings, uint32_t display_width,
       CliProgress *progress, Found *f, GError **error)
{
	ImgoptObserver observer = {cli_progress_observer_callback, NULL,
				   progress};
	ImgoptRunOptions ropt = {IMGOPT_RUN_DRY_RUN, display_width, false,
				 settings, common->only_posts};

	if (!cli_open(cmd->needs, common, &f->ctx, error))
		return false;
	return imgopt_run_site(f->ctx.site, f->ctx.manifest, &ropt, &observer,
			       &f->run, error);
}

static void
print_json(const Found *f, const char *html_path)
{
	g_autoptr(CliJson) b = cli_json_new_document(f->ctx.site);

	cli_json_add_string(b, "html", html_path);
	cli_json_begin(b, CLI_JSON_OBJECT, "summary");
	cli_json_add_int(b, "posts", (gint64)f->run->posts);
	cli_json_add_int(b, "duplicate_groups", f->run->dupes->groups->len);
	cli_json_add_int(b, "broken", f->run->broken->len);
	cli_json_add_int(b, "errors", f->run->errors->len);
	cli_json_add_int(b, "bytes_before", (gint64)f->run->bytes_before);
	cli_json_add_int(b, "bytes_after", (gint64)f->run->bytes_after);
	cli_json_add_bytes_by_format(b, f->run);
	cli_json_end(b);
	cli_json_print(b);
}

/* Writes @text to @path: a regular file (or a new one) is replaced
 * atomically; anything else (/dev/stdout, a FIFO, a device) is written
 * into, never replaced by a rename, which would put a regular file in
 * its place. */
static bool
write_page(const char *path, const char *text, GError **error)
{
	GStatBuf st;

	if (g_stat(path, &st) != 0 || S_ISREG(st.st_mode))
		return g_file_set_contents(path, text, -1, error);
	FILE *out = fopen(path, "w");
	int saved = errno;

	if (out != NULL) {
		bool is_ok = fputs(text, out) >= 0;

		saved = errno;
		if (fclose(out) != 0 && is_ok) {
			is_ok = false;
			saved = errno;
		}
		if (is_ok)
			return true;
	}
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
		    "cannot write '%s': %s", path, g_strerror(saved));
	return false;
}

static bool
write_report(const Found *f, const ImgoptSettings *settings,
	     const char *html_path, GError **error)
{
	ImgoptReportInput in = {f->ctx.site, f->run->dupes, f->run,
				settings->max_pixels};
	g_autofree char *html = imgopt_report_html(&in);

	return write_page(html_path, html, error);
}

int
cli_cmd_report(const CliCommand *cmd, int argc, char **argv)
{
	g_auto(CliCommon) common = {0};
	g_auto(ImgoptSettings) settings = {0};
	g_auto(Found) f = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(CliProgress) progress = NULL;
	g_auto(ReportArgs) a = {0};
	GOptionEntry extra[CLI_N_SETTINGS_ENTRIES + 3] = {
		{"html", 0, 0, G_OPTION_ARG_FILENAME, &a.html_path,
		 "write the report to FILE (required)", "FILE"},
	};
	const GOptionEntry width = {
		"display-width",
		0,
		0,
		G_OPTION_ARG_STRING,
		&a.display_width,
		"width Markdown images are shown at (default 960)",
		"PX"};
	uint32_t display_width = 0;
	int code = 0;

	cli_settings_entries(extra + 1, &a.settings);
	extra[CLI_N_SETTINGS_ENTRIES + 1] = width;
	if (!cli_parse(cmd->name, "POSTS IMAGES",
		       "Writes one self-contained HTML page: the savings per "
		       "post, the duplicate groups with the posts using each "
		       "copy, the broken references and the largest images. "
		       "Changes nothing.",
		       extra, 2, 2, &common, argc, argv, &code))
		return code;
	if (a.html_path == NULL) {
		fprintf(stderr, "imgopt %s: --html FILE is required\n",
			cmd->name);
		return CLI_EXIT_USAGE;
	}
	if (!cli_settings_make(&a.settings, &common, &settings, &error) ||
	    !cli_display_width(a.display_width, &display_width, &error))
		return cli_fail(error);
	progress = cli_progress_new(common.quiet);
	if (!gather(cmd, &common, &settings, display_width, progress, &f,
		    &error) ||
	    !write_report(&f, &settings, a.html_path, &error)) {
		cli_progress_clear(progress);
		return cli_fail(error);
	}
	cli_progress_clear(progress);
	cli_print_problems(f.run->errors, NULL);
	if (common.json)
		print_json(&f, a.html_path);
	else if (!common.quiet)
		printf("wrote %s: %u duplicate groups, %u broken references\n",
		       a.html_path, f.run->dupes->groups->len,
		       f.run->broken->len);
	return f.run->errors->len > 0 ? CLI_EXIT_ITEMS : CLI_EXIT_OK;
}
