/*
 * cli.c: what every subcommand shares: the common options and
 * imgopt.conf's defaults for them, error printing, and cli_open(), the one
 * place the site, its lock and the manifest are opened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#include "imgopt/layout.h"
#include "imgopt/run.h" /* the scratch manifest */

/* The common options, with the list's terminator. */
#define N_COMMON_ENTRIES 9

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
		{"jobs", 'j', 0, G_OPTION_ARG_STRING, &common->jobs_text,
		 "worker threads (default: number of cores)", "N"},
		{"wait", 0, 0, G_OPTION_ARG_NONE, &common->wait,
		 "wait for another imgopt working on the site", NULL},
		{"only-posts", 0, 0, G_OPTION_ARG_NONE, &common->only_posts,
		 "only the posts under POSTS name images, not the whole site",
		 NULL},
		G_OPTION_ENTRY_NULL,
	};

	G_STATIC_ASSERT(G_N_ELEMENTS(template) == N_COMMON_ENTRIES);
	memcpy(entries, template, sizeof template);
}

/* ---- imgopt.conf ---- */

/* An option value the config set, to free if the command line replaced
 * it (GOption keeps, but does not free, the value it replaces). */
typedef struct {
	char **location; /* the option's arg_data */
	char *value;     /* what the config put there */
} Preset;

/* Where to look for imgopt.conf: --site-root, else the first argument
 * naming a folder (POSTS), else the current folder. */
static const char *
config_start(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (g_str_has_prefix(argv[i], "--site-root="))
			return argv[i] + strlen("--site-root=");
		if (strcmp(argv[i], "--site-root") == 0 && i + 1 < argc)
			return argv[i + 1];
	}
	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-' &&
		    g_file_test(argv[i], G_FILE_TEST_IS_DIR))
			return argv[i];
	return ".";
}

/* @path as a person at the current folder would write it. */
static char *
shown_path(const char *path)
{
	g_autofree char *cwd = g_get_current_dir();
	size_t n = strlen(cwd);

	if (g_str_has_prefix(path, cwd) && path[n] == '/')
		return g_strdup(path + n + 1);
	return g_strdup(path);
}

static bool
config_error(const ImgoptConfig *conf, int line, const char *key,
	     const char *what, GError **error)
{
	g_autofree char *file = shown_path(imgopt_config_get_path(conf));

	g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		    "%s:%d: key '%s': %s", file, line, key, what);
	return false;
}

static bool
not_a(const char *text, const char *what, GError **error)
{
	g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		    "'%s' is not %s", text, what);
	return false;
}

/* Sets one option's default from @text (already checked by the core). */
static bool
preset_one(const GOptionEntry *e, const char *text, GArray *presets,
	   GError **error)
{
	char *end = NULL;

	switch (e->arg) {
	case G_OPTION_ARG_NONE:
		if (g_ascii_strcasecmp(text, "true") == 0 ||
		    strcmp(text, "1") == 0 ||
		    g_ascii_strcasecmp(text, "yes") == 0)
			*(gboolean *)e->arg_data = TRUE;
		else if (g_ascii_strcasecmp(text, "false") == 0 ||
			 strcmp(text, "0") == 0 ||
			 g_ascii_strcasecmp(text, "no") == 0)
			*(gboolean *)e->arg_data = FALSE;
		else
			return not_a(text, "true or false", error);
		return true;
	case G_OPTION_ARG_INT:
		*(int *)e->arg_data = (int)g_ascii_strtoll(text, &end, 10);
		break;
	case G_OPTION_ARG_INT64:
		*(gint64 *)e->arg_data = g_ascii_strtoll(text, &end, 10);
		break;
	case G_OPTION_ARG_DOUBLE:
		*(double *)e->arg_data = g_ascii_strtod(text, &end);
		break;
	case G_OPTION_ARG_STRING:
	case G_OPTION_ARG_FILENAME: {
		Preset p = {e->arg_data, g_strdup(text)};
		g_free(*p.location);
		*p.location = p.value;
		g_array_append_val(presets, p);
		return true;
	}
	default:
		return true;
	}
	if (end == text || *end != '\0')
		return not_a(text, "a number", error);
	return true;
}

/* Every entry of @entries whose long name is a key of @conf gets the
 * key's value as its default. */
static bool
preset_entries(const ImgoptConfig *conf, const GOptionEntry *entries,
	       GArray *presets, GError **error)
{
	for (; entries != NULL && entries->long_name != NULL; entries++) {
		int line = 0;
		const char *text =
			imgopt_config_get(conf, entries->long_name, &line);
		g_autoptr(GError) local = NULL;

		if (text == NULL)
			continue;
		if (!imgopt_config_check_value(entries->long_name, text,
					       &local) ||
		    !preset_one(entries, text, presets, &local))
			return config_error(conf, line, entries->long_name,
					    local->message, error);
	}
	return true;
}

/* After parsing: a preset the command line replaced is freed. */
static void
drop_replaced(GArray *presets)
{
	for (guint i = 0; i < presets->len; i++) {
		Preset *p = &g_array_index(presets, Preset, i);

		if (*p->location != p->value)
			g_free(p->value);
	}
}

/* POSTS and IMAGES for a command given neither: imgopt.conf's `posts`
 * and `images`, else imgopt_layout_detect_dirs() on the site root (the
 * config's folder, or the current one). */
static bool
default_args(const ImgoptConfig *conf, char ***args_out, GError **error)
{
	g_autofree char *root =
		conf != NULL ? g_path_get_dirname(imgopt_config_get_path(conf))
			     : g_get_current_dir();
	const char *posts =
		conf ? imgopt_config_get(conf, "posts", NULL) : NULL;
	const char *images =
		conf ? imgopt_config_get(conf, "images", NULL) : NULL;
	g_autofree char *found_posts = NULL, *found_images = NULL;

	if ((posts == NULL || images == NULL) &&
	    !imgopt_layout_detect_dirs(root, &found_posts, &found_images,
				       error))
		return false;
	char **args = g_new0(char *, 3);
	args[0] = g_build_filename(root, posts ? posts : found_posts, NULL);
	args[1] = g_build_filename(root, images ? images : found_images, NULL);
	*args_out = args;
	return true;
}

static GOptionContext *
make_context(const char *name, const char *usage, const char *summary,
	     GOptionEntry *entries, const GOptionEntry *extra)
{
	g_autofree char *param = g_strdup_printf("%s %s", name, usage);
	GOptionContext *ctx = g_option_context_new(param);

	g_set_prgname("imgopt");
	g_option_context_set_summary(ctx, summary);
	g_option_context_set_description(
		ctx, "Options default to the keys of the same name in the site "
		     "root's imgopt.conf.\nSee imgopt(1) and docs/.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (extra != NULL)
		g_option_group_add_entries(g_option_context_get_main_group(ctx),
					   extra);
	return ctx;
}

/* Loads the imgopt.conf that applies, if any, and presets the options. */
static bool
load_config(int argc, char **argv, const GOptionEntry *entries,
	    const GOptionEntry *extra, GArray *presets, ImgoptConfig **conf_out,
	    GError **error)
{
	g_autofree char *path = imgopt_config_find(config_start(argc, argv));

	*conf_out = NULL;
	if (path == NULL)
		return true;
	*conf_out = imgopt_config_load(path, error);
	if (*conf_out == NULL) {
		g_autofree char *msg = shown_path((*error)->message);
		g_free((*error)->message);
		(*error)->message = g_steal_pointer(&msg);
		return false;
	}
	return preset_entries(*conf_out, entries, presets, error) &&
	       preset_entries(*conf_out, extra, presets, error);
}

/* The common options' values, checked as imgopt.conf's are; false after
 * printing why. */
static bool
check_common(const char *name, CliCommon *common)
{
	g_autoptr(GError) error = NULL;

	if (!cli_check_option("jobs", common->jobs_text, &error) ||
	    !cli_check_option("manifest", common->manifest, &error)) {
		fprintf(stderr, "imgopt %s: %s\n", name, error->message);
		return false;
	}
	if (common->jobs_text != NULL)
		common->jobs =
			(int)g_ascii_strtoll(common->jobs_text, NULL, 10);
	return true;
}

/* The positional arguments (or, given none, the detected POSTS and
 * IMAGES) into @common; false after printing why. */
static bool
take_args(const char *name, const char *usage, const ImgoptConfig *conf,
	  char **args, int min_args, int max_args, CliCommon *common)
{
	g_autoptr(GError) error = NULL;
	int n = (int)g_strv_length(args) - 1;

	if (n == 0 && min_args == 2) {
		if (!default_args(conf, &common->args, &error)) {
			fprintf(stderr, "imgopt %s: %s\n", name,
				error->message);
			return false;
		}
		n = 2;
	}
	else if (n < min_args || n > max_args) {
		fprintf(stderr, "usage: imgopt %s %s (see imgopt %s --help)\n",
			name, usage, name);
		return false;
	}
	else
		common->args = g_strdupv(args + 1);
	common->n_args = n;
	return check_common(name, common);
}

bool
cli_parse(const char *name, const char *usage, const char *summary,
	  const GOptionEntry *extra, int min_args, int max_args,
	  CliCommon *common, int argc, char **argv, int *exit_out)
{
	GOptionEntry entries[N_COMMON_ENTRIES];
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptConfig) conf = NULL;
	g_autoptr(GArray) presets = g_array_new(FALSE, FALSE, sizeof(Preset));
	g_auto(GStrv) args = g_strdupv(argv);

	memset(common, 0, sizeof *common);
	fill_common_entries(entries, common);
	g_autoptr(GOptionContext) ctx =
		make_context(name, usage, summary, entries, extra);
	*exit_out = CLI_EXIT_USAGE;
	if (!load_config(argc, argv, entries, extra, presets, &conf, &error)) {
		fprintf(stderr, "imgopt %s: %s\n", name, error->message);
		return false;
	}
	bool is_parsed = g_option_context_parse_strv(ctx, &args, &error);
	drop_replaced(presets);
	if (!is_parsed) {
		fprintf(stderr, "imgopt %s: %s\n", name, error->message);
		return false;
	}
	return take_args(name, usage, conf, args, min_args, max_args, common);
}

bool
cli_site_here(void)
{
	static const char *const posts[] = {"_posts", "source/_posts",
					    "content"};
	g_autofree char *conf = imgopt_config_find(".");

	for (size_t i = 0; conf == NULL && i < G_N_ELEMENTS(posts); i++)
		if (g_file_test(posts[i], G_FILE_TEST_IS_DIR))
			return true;
	return conf != NULL;
}

void
cli_common_clear(CliCommon *common)
{
	g_clear_pointer(&common->site_root, g_free);
	g_clear_pointer(&common->manifest, g_free);
	g_clear_pointer(&common->jobs_text, g_free);
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

bool
cli_parse_run(const CliCommon *common, const char *what, int64_t *run_out,
	      GError **error)
{
	guint64 v = 0;

	*run_out = 0;
	if (common->n_args < 3)
		return true;
	if (!g_ascii_string_to_unsigned(common->args[2], 10, 1, G_MAXINT64, &v,
					NULL)) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "RUN must be %s run's number, not '%s'", what,
			    common->args[2]);
		return false;
	}
	*run_out = (int64_t)v;
	return true;
}

CliNeeds
cli_needs(const CliCommand *cmd, bool is_dry_run)
{
	return is_dry_run ? cmd->dry_needs : cmd->needs;
}

/* The manifest --manifest names, or the site's default one. */
static char *
manifest_path(const CliCommon *common, const ImgoptSite *site)
{
	return common->manifest != NULL ? g_strdup(common->manifest)
					: imgopt_manifest_default_path(
						  imgopt_site_get_root(site));
}

/* Held until the process exits: released (emptied) at a normal exit; a
 * killed process leaves its record, and the kernel still drops the lock. */
static ImgoptLock *site_lock;

static void
release_site_lock(void)
{
	g_clear_pointer(&site_lock, imgopt_lock_release);
}

/* Takes the site's lock (in its .imgopt folder, whatever --manifest says)
 * for the rest of the process, waiting for it with --wait. */
static bool
lock_site(const CliCommon *common, const ImgoptSite *site, GError **error)
{
	const char *root = imgopt_site_get_root(site);
	g_autoptr(GError) busy = NULL;

	if (site_lock != NULL)
		return true;
	site_lock = imgopt_lock_acquire_site(root, false, &busy);
	if (site_lock == NULL && common->wait &&
	    g_error_matches(busy, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT)) {
		if (!common->quiet)
			fprintf(stderr, "imgopt: waiting: %s\n", busy->message);
		site_lock = imgopt_lock_acquire_site(root, true, error);
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

bool
cli_open(CliNeeds needs, const CliCommon *common, CliContext *ctx,
	 GError **error)
{
	memset(ctx, 0, sizeof *ctx);
	if (!(needs & CLI_NEEDS_SITE))
		return true;
	g_assert(common->n_args >= 2);
	ctx->site = imgopt_site_open(common->args[0], common->args[1],
				     common->site_root, error);
	if (ctx->site == NULL)
		return false;
	g_autofree char *db = manifest_path(common, ctx->site);
	if ((needs & CLI_NEEDS_LOCK) && !lock_site(common, ctx->site, error))
		return false;
	if (needs & CLI_NEEDS_MANIFEST)
		ctx->manifest = imgopt_manifest_open(db, error);
	else if (needs & CLI_SCRATCH_MANIFEST)
		ctx->manifest = imgopt_run_open_scratch_manifest(
			db, &ctx->scratch, error);
	else
		return true;
	return ctx->manifest != NULL;
}

void
cli_context_clear(CliContext *ctx)
{
	g_clear_pointer(&ctx->manifest, imgopt_manifest_close);
	imgopt_run_remove_scratch(ctx->scratch);
	g_clear_pointer(&ctx->scratch, g_free);
	g_clear_pointer(&ctx->site, imgopt_site_free);
}

void
cli_print_problems(const GPtrArray *problems, const char *label)
{
	for (guint i = 0; i < problems->len; i++) {
		const ImgoptProblem *p = g_ptr_array_index(problems, i);

		fprintf(stderr, "imgopt: %s%s%s\n", label ? label : "",
			label ? ": " : "", p->message);
	}
}

char *
cli_shown_name(const char *text)
{
	const char *p = text;
	const char *end = NULL;

	if (g_utf8_validate(text, -1, NULL))
		return g_strdup(text);
	GString *out = g_string_new(NULL);
	while (!g_utf8_validate(p, -1, &end)) {
		g_string_append_len(out, p, end - p);
		g_string_append_printf(out, "\\x%02X", (guchar)*end);
		p = end + 1;
	}
	g_string_append(out, p);
	return g_string_free(out, FALSE);
}

char *
cli_one_line(const char *text)
{
	GString *s = g_string_new(NULL);

	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\n')
			g_string_append(s, "\\n");
		else if (*p == '\r')
			g_string_append(s, "\\r");
		else
			g_string_append_c(s, *p);
	}
	return g_string_free(s, FALSE);
}
