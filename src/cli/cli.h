/*
 * cli.h: the command table and what the subcommands share.
 *
 * Adding a subcommand is: a cmd_<name>.c with a handler, its declaration
 * below, and one line in the table in main.c.  Handlers parse their own
 * options with cli_parse(), which adds the options every command has.
 *
 * Only src/cli/ prints or exits; the core reports through return values,
 * GErrors and reporter callbacks.
 */
#ifndef IMGOPT_CLI_H
#define IMGOPT_CLI_H

#include <stdbool.h>
#include <glib.h>                /* GOptionEntry, GError */
#include <json-glib/json-glib.h> /* JsonBuilder */

#include "imgopt/imgopt.h"

/** The documented exit codes (docs/exit-codes.md). */
typedef enum {
	CLI_EXIT_OK = 0,    /* nothing failed, nothing to do (check) */
	CLI_EXIT_ITEMS = 1, /* some items failed, or check found work */
	CLI_EXIT_USAGE = 2, /* bad command line */
	CLI_EXIT_FATAL = 3, /* the run could not go on */
} CliExit;

/** Options every subcommand accepts, filled by cli_parse(). */
typedef struct {
	gboolean json;    /* --json: one JSON document on stdout */
	gboolean quiet;   /* --quiet: no progress, no summary */
	gboolean verbose; /* --verbose: list every item */
	char *site_root;  /* --site-root DIR, or NULL to detect */
	char *manifest;   /* --manifest PATH, or NULL for the default */
	int jobs;         /* --jobs N, 0 = number of cores */
	gboolean wait;    /* --wait: wait for another imgopt's lock */
	char **args;      /* positional arguments (NULL-terminated) */
	int n_args;       /* number of positional arguments */
} CliCommon;

/** One subcommand: a row of the table in main.c. */
typedef struct {
	const char *name;    /* as typed: "scan" */
	const char *summary; /* one line, for `imgopt --help` */
	int (*handler)(const char *name, int argc, char **argv);
} CliCommand;

/**
 * cli_parse:
 * @name: the subcommand's name, for --help and messages
 * @usage: the positional arguments, for --help ("POSTS IMAGES")
 * @summary: a paragraph for --help
 * @extra: (nullable): the subcommand's own options, NULL-terminated
 * @min_args: @max_args: the positional argument count allowed
 * @common: (out caller-allocates): filled with the common options
 * @argc: @argv: the subcommand's arguments (argv[0] is its name)
 *
 * Parses the command line.  On --help, prints help and returns false with
 * *exit_out = 0; on a usage error prints it and returns false with
 * *exit_out = CLI_EXIT_USAGE.
 */
bool cli_parse(const char *name, const char *usage, const char *summary,
	       const GOptionEntry *extra, int min_args, int max_args,
	       CliCommon *common, int argc, char **argv, int *exit_out);

/**
 * cli_site_here:
 *
 * Returns: true if the current folder looks like a site root (an
 *   imgopt.conf, or a posts folder: `_posts`, `source/_posts`,
 *   `content`), so a bare `imgopt` runs there rather than printing usage.
 */
bool cli_site_here(void);

/** Frees what cli_parse() stored in @common. */
void cli_common_clear(CliCommon *common);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CliCommon, cli_common_clear)

/**
 * cli_fail:
 * @error: the fatal error
 *
 * Prints `imgopt: error: <message>` on stderr.
 *
 * Returns: CLI_EXIT_FATAL, or CLI_EXIT_USAGE for option errors.
 */
int cli_fail(const GError *error);

/**
 * cli_open_site:
 *
 * Opens the site named by the first two positional arguments and
 * --site-root.
 *
 * Returns: (transfer full): the site, or NULL with @error set.
 */
ImgoptSite *cli_open_site(const CliCommon *common, GError **error);

/**
 * cli_lock_site:
 *
 * Takes the site's lock (lock.h) in the manifest's folder for the rest of
 * the process, waiting for it with --wait.  Every command that writes the
 * manifest or the site calls this before opening the manifest.
 *
 * Returns: true, or false with @error set (IMGOPT_ERROR_CONFLICT: another
 *   imgopt holds it).
 */
bool cli_lock_site(const CliCommon *common, const ImgoptSite *site,
		   GError **error);

/**
 * cli_json_print:
 * @builder: a builder holding one complete document
 *
 * Prints the document, pretty-printed, and a newline on stdout.
 */
void cli_json_print(JsonBuilder *builder);

/**
 * cli_json_render:
 * @builder: a builder holding one complete document
 * @out: receives what cli_json_print() would print
 */
void cli_json_render(JsonBuilder *builder, GString *out);

/**
 * cli_one_line:
 * @text: a reference's URL, or any text meant for one line of output
 *
 * Returns: (transfer full): @text with its line breaks written as `\n`
 *   and `\r`, so a two-line (Windows export) destination is one line in
 *   text output (JSON output keeps the real string).
 */
char *cli_one_line(const char *text);

/* ---- progress (progress.c) ----
 * The core reports "@done of @total items of @stage, @bytes read so far"
 * through ImgoptReporter.progress; a CliProgress turns that into what the
 * person or the log reading stderr needs:
 *   - on a terminal (isatty(2)): one bar line, redrawn in place with `\r`
 *     at most ten times a second, with the counts, the bytes, the rate and
 *     the time left; erased when the stage ends and before any other line
 *     is printed on stderr (cli_progress_clear());
 *   - not a terminal (CI logs): a plain line every five seconds of a
 *     stage, and a last line when a stage that printed one ends, so short
 *     runs print nothing;
 *   - --json leaves the bar on stderr; --quiet draws nothing at all.
 * stdout is never written.
 *
 * IMGOPT_PROGRESS_INTERVAL_MS (a test hook) replaces the plain mode's
 * five seconds, so a test can see the plain lines of a short run.
 *
 * Thread-safety: one CliProgress per command, used from the thread that
 * runs the pipeline (the reporter's callbacks come from that thread).
 */

/** Where progress goes. */
typedef enum {
	CLI_PROGRESS_OFF,   /* --quiet: nothing */
	CLI_PROGRESS_TTY,   /* a redrawn bar */
	CLI_PROGRESS_PLAIN, /* a line every few seconds */
} CliProgressMode;

/** A command's progress display.  Opaque. */
typedef struct CliProgress CliProgress;

/**
 * cli_progress_new:
 * @is_quiet: --quiet
 *
 * Returns: (transfer full): a display whose mode follows --quiet and
 *   whether stderr is a terminal.
 */
CliProgress *cli_progress_new(bool is_quiet);

/** Erases the bar and frees @progress (nullable). */
void cli_progress_free(CliProgress *progress);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CliProgress, cli_progress_free)

/** Returns: the mode chosen by cli_progress_new(). */
CliProgressMode cli_progress_get_mode(const CliProgress *progress);

/**
 * cli_progress_update:
 * @stage: the core's stage name ("scan", "index", "compare", "encode",
 *   "plan"); unknown names are shown as they are
 * @done: items done
 * @total: items in the stage (0 if unknown)
 * @bytes: bytes read so far in the stage (0 if not counted)
 *
 * Shows the new state, or not, as the mode and the throttle decide.
 */
void cli_progress_update(CliProgress *progress, const char *stage,
			 uint64_t done, uint64_t total, uint64_t bytes);

/**
 * cli_progress_clear:
 *
 * Erases the bar (terminal mode) so a line can be printed on stderr; the
 * next update draws it again.
 */
void cli_progress_clear(CliProgress *progress);

/**
 * cli_progress_reporter_callback:
 *
 * An ImgoptReporter.progress callback: @user_data is the CliProgress.
 */
void cli_progress_reporter_callback(const char *stage, uint64_t done,
				    uint64_t total, uint64_t bytes,
				    void *user_data);

/**
 * cli_format_bytes:
 *
 * Returns: (transfer full): @bytes for people: "812 B", "35.2 kB",
 *   "1.4 MB", "2.0 GB" (decimal units, as file managers show them).
 */
char *cli_format_bytes(uint64_t bytes);

/**
 * cli_format_duration:
 *
 * Returns: (transfer full): @seconds as "0.4 s", "12 s" or "3:05".
 */
char *cli_format_duration(double seconds);

/* Subcommand handlers, one per cmd_<name>.c. */
int cli_cmd_build(const char *name, int argc, char **argv);
int cli_cmd_check(const char *name, int argc, char **argv);
int cli_cmd_dupes(const char *name, int argc, char **argv);
int cli_cmd_prune(const char *name, int argc, char **argv);
int cli_cmd_restore(const char *name, int argc, char **argv);
int cli_cmd_report(const char *name, int argc, char **argv);
int cli_cmd_run(const char *name, int argc, char **argv);
int cli_cmd_scan(const char *name, int argc, char **argv);
int cli_cmd_undo(const char *name, int argc, char **argv);
/* run and check share their options and handler (cmd_run.c). */
int cli_run_like(const char *name, int argc, char **argv, bool is_check);

#endif /* IMGOPT_CLI_H */
