/*
 * cli.c: what every subcommand shares: the common options, one generic
 * GOptionContext builder, error printing and JSON output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Parsed into a CliCommon through GOptionEntry's arg_data pointers, so
 * the entries are built per call, never as file-scope option globals. */
static void
fill_common_entries(GOptionEntry *entries, CliCommon *common)
{
	const GOptionEntry template[] = {
		{"json", 0, 0, G_OPTION_ARG_NONE, &common->json,
		 "print one JSON document on stdout", NULL},
		{"quiet", 'q', 0, G_OPTION_ARG_NONE, &common->quiet,
		 "print nothing but errors", NULL},
		{"verbose", 'v', 0, G_OPTION_ARG_NONE, &common->verbose,
		 "list every item, not only problems", NULL},
		{"site-root", 0, 0, G_OPTION_ARG_FILENAME, &common->site_root,
		 "the site's root folder (default: detected)", "DIR"},
		{"manifest", 0, 0, G_OPTION_ARG_FILENAME, &common->manifest,
		 "the manifest database (default: SITE/.imgopt/manifest.db)",
		 "PATH"},
		{"jobs", 'j', 0, G_OPTION_ARG_INT, &common->jobs,
		 "worker threads (default: number of cores)", "N"},
		{"wait", 0, 0, G_OPTION_ARG_NONE, &common->wait,
		 "wait for another imgopt working on the site", NULL},
		G_OPTION_ENTRY_NULL,
	};

	memcpy(entries, template, sizeof template);
}

bool
cli_parse(const char *name, const char *usage, const char *summary,
	  const GOptionEntry *extra, int min_args, int max_args,
	  CliCommon *common, int argc, char **argv, int *exit_out)
{
	GOptionEntry entries[8];
	g_autofree char *param = g_strdup_printf("%s %s", name, usage);
	g_autoptr(GOptionContext) ctx = g_option_context_new(param);
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) args = g_strdupv(argv);
	int n = argc;

	memset(common, 0, sizeof *common);
	fill_common_entries(entries, common);
	g_option_context_set_summary(ctx, summary);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (extra != NULL) {
		GOptionGroup *group = g_option_context_get_main_group(ctx);

		g_option_group_add_entries(group, extra);
	}
	*exit_out = CLI_EXIT_USAGE;
	if (!g_option_context_parse_strv(ctx, &args, &error)) {
		fprintf(stderr, "imgopt %s: %s\n", name, error->message);
		return false;
	}
	n = (int)g_strv_length(args) - 1;
	if (n < min_args || n > max_args) {
		fprintf(stderr, "usage: imgopt %s %s (see imgopt %s --help)\n",
			name, usage, name);
		return false;
	}
	if (common->jobs < 0) {
		fprintf(stderr, "imgopt %s: --jobs must be 0 or more\n", name);
		return false;
	}
	common->args = g_strdupv(args + 1);
	common->n_args = n;
	return true;
}

void
cli_common_clear(CliCommon *common)
{
	g_clear_pointer(&common->site_root, g_free);
	g_clear_pointer(&common->manifest, g_free);
	g_clear_pointer(&common->args, g_strfreev);
}

int
cli_fail(const GError *error)
{
	fprintf(stderr, "imgopt: error: %s\n", error->message);
	if (error->domain == G_OPTION_ERROR)
		return CLI_EXIT_USAGE;
	return CLI_EXIT_FATAL;
}

ImgoptSite *
cli_open_site(const CliCommon *common, GError **error)
{
	g_assert(common->n_args >= 2);
	return imgopt_site_open(common->args[0], common->args[1],
				common->site_root, error);
}

/* Held until the process exits: released (emptied) at a normal exit; a
 * killed process leaves its record, and the kernel still drops the lock. */
static ImgoptLock *site_lock;

static void
release_site_lock(void)
{
	g_clear_pointer(&site_lock, imgopt_lock_release);
}

bool
cli_lock_site(const CliCommon *common, const ImgoptSite *site, GError **error)
{
	g_autofree char *db = common->manifest != NULL
				      ? g_strdup(common->manifest)
				      : imgopt_manifest_default_path(
						imgopt_site_get_root(site));
	g_autofree char *dir = g_path_get_dirname(db);
	g_autoptr(GError) busy = NULL;

	if (site_lock != NULL)
		return true;
	site_lock = imgopt_lock_acquire(dir, false, &busy);
	if (site_lock == NULL && common->wait &&
	    g_error_matches(busy, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT)) {
		if (!common->quiet)
			fprintf(stderr, "imgopt: waiting: %s\n", busy->message);
		site_lock = imgopt_lock_acquire(dir, true, error);
	}
	else if (site_lock == NULL) {
		g_propagate_error(error, g_steal_pointer(&busy));
	}
	if (site_lock == NULL)
		return false;
	atexit(release_site_lock);
	if (imgopt_lock_get_stale_pid(site_lock) > 0 && !common->quiet)
		fprintf(stderr,
			"imgopt: note: took over the lock of an imgopt that "
			"ended without releasing it (pid %d)\n",
			imgopt_lock_get_stale_pid(site_lock));
	return true;
}

void
cli_json_print(JsonBuilder *builder)
{
	g_autoptr(JsonNode) root = json_builder_get_root(builder);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *text = NULL;

	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_indent(gen, 2);
	text = json_generator_to_data(gen, NULL);
	printf("%s\n", text);
	fflush(stdout);
}
