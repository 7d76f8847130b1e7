/*
 * cli.h: the command table and what the subcommands share.
 *
 * Adding a subcommand is: a cmd_<name>.c with a handler, its declaration
 * below, and one line in the table in main.c saying what it needs opened
 * (the site, its lock, the manifest or a scratch copy of it).  Handlers
 * parse their own options with cli_parse(), which adds the options every
 * command has, then cli_open() opens what the table says, in one place.
 *
 * Only src/cli/ prints or exits; the core reports through return values,
 * GErrors and observer callbacks.
 */
#ifndef IMGOPT_CLI_H
#define IMGOPT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* GOptionEntry, GError */

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
	gboolean json;       /* --json: one JSON document on stdout */
	gboolean quiet;      /* --quiet: no progress, no summary */
	gboolean verbose;    /* --verbose: list every item */
	char *site_root;     /* --site-root DIR, or NULL to detect */
	char *manifest;      /* --manifest PATH, or NULL for the default */
	int jobs;            /* --jobs N, 0 = number of cores */
	char *jobs_text;     /* --jobs as given, or NULL */
	gboolean wait;       /* --wait: wait for another imgopt's lock */
	gboolean only_posts; /* --only-posts: the posts are the only
				referrers, not the whole site */
	char **args;         /* positional arguments (NULL-terminated) */
	int n_args;          /* number of positional arguments */
} CliCommon;

/**
 * CliNeeds:
 * @CLI_NEEDS_SITE: the site named by POSTS IMAGES and --site-root
 * @CLI_NEEDS_LOCK: the site's lock (lock.h), held until the process
 *   exits; --wait waits for it
 * @CLI_NEEDS_MANIFEST: the manifest (--manifest, or the site's default)
 * @CLI_SCRATCH_MANIFEST: a scratch copy of the manifest, so nothing the
 *   command records survives it (check, --dry-run, report)
 *
 * What a command needs opened before it works, as bit flags: a row of
 * the command table says it, cli_open() opens it.
 */
typedef enum {
	CLI_NEEDS_SITE = 1 << 0,
	CLI_NEEDS_LOCK = 1 << 1,
	CLI_NEEDS_MANIFEST = 1 << 2,
	CLI_SCRATCH_MANIFEST = 1 << 3,
} CliNeeds;

/** What writing commands need: the site, its lock, the manifest. */
#define CLI_NEEDS_WRITE (CLI_NEEDS_SITE | CLI_NEEDS_LOCK | CLI_NEEDS_MANIFEST)

/** What planning commands need: the site and a scratch manifest. */
#define CLI_NEEDS_PLAN (CLI_NEEDS_SITE | CLI_SCRATCH_MANIFEST)

typedef struct CliCommand CliCommand;

/** One subcommand: a row of the table in main.c. */
struct CliCommand {
	const char *name;    /* as typed: "scan" */
	const char *summary; /* one line, for `imgopt --help` */
	CliNeeds needs;      /* what cli_open() opens for it */
	CliNeeds dry_needs;  /* the same with --dry-run (if it has one) */
	int (*handler)(const CliCommand *cmd, int argc, char **argv);
};

/**
 * CliContext:
 * @site: the open site, or NULL if not needed
 * @manifest: the open manifest (or its scratch copy), or NULL
 * @scratch: (nullable): the scratch copy's path, removed by
 *   cli_context_clear()
 *
 * What cli_open() opened for a command; cli_context_clear() closes it.
 */
typedef struct {
	ImgoptSite *site;
	ImgoptManifest *manifest;
	char *scratch;
} CliContext;

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
 * cli_parse_run:
 * @what: "a prune", "a" (for the message)
 * @run_out: (out): the RUN argument (the third positional one), or 0 if
 *   there is none
 *
 * Returns: true, or false with @error set (G_OPTION_ERROR) if RUN is not
 *   a positive number.
 */
bool cli_parse_run(const CliCommon *common, const char *what, int64_t *run_out,
		   GError **error);

/**
 * cli_needs:
 * @is_dry_run: the command runs with --dry-run
 *
 * Returns: what @cmd needs opened: its row's needs, or its dry-run needs.
 */
CliNeeds cli_needs(const CliCommand *cmd, bool is_dry_run);

/**
 * cli_open:
 * @needs: what to open
 * @common: the parsed common options (the positional arguments,
 *   --site-root, --manifest, --wait, --quiet)
 * @ctx: (out caller-allocates): receives what was opened; clear it with
 *   cli_context_clear() (or declare it `g_auto(CliContext)`) whatever
 *   this returns
 *
 * Opens the site, then takes its lock, then opens the manifest (or a
 * scratch copy of it), as @needs says: the one place commands get them.
 *
 * Returns: true, or false with @error set (IMGOPT_ERROR_CONFLICT: another
 *   imgopt holds the lock).
 */
bool cli_open(CliNeeds needs, const CliCommon *common, CliContext *ctx,
	      GError **error);

/** Closes what cli_open() opened and removes the scratch manifest. */
void cli_context_clear(CliContext *ctx);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CliContext, cli_context_clear)

/* ---- the recompression options (settings_args.c) ----
 * build, run, check and report take the same options for what the
 * variants are, so imgopt.conf's keys shape them all alike. */

/** The recompression options as given: each the option's text, or NULL
 * if not given (checked by cli_settings_make(), as imgopt.conf's are). */
typedef struct {
	char *widths;      /* --widths */
	char *formats;     /* --formats */
	char *quality;     /* --quality */
	char *target;      /* --target (0: off) */
	char *max_pixels;  /* --max-pixels */
	char *link_format; /* --link-format */
} CliSettingsArgs;

/* The --dry-run (-n) entry of a command's GOptionEntry list: sets @flag
 * (a gboolean *), described by @help. */
#define CLI_DRY_RUN_ENTRY(flag, help)                                          \
	{                                                                      \
		"dry-run", 'n', 0, G_OPTION_ARG_NONE, (flag), (help), NULL     \
	}

/** The number of entries cli_settings_entries() writes. */
#define CLI_N_SETTINGS_ENTRIES 6

/**
 * cli_settings_entries:
 * @entries: (out caller-allocates): CLI_N_SETTINGS_ENTRIES entries, not
 *   terminated
 * @args: where the options are stored
 *
 * Writes the option entries of --widths, --formats, --quality, --target
 * and --max-pixels.
 */
void cli_settings_entries(GOptionEntry *entries, CliSettingsArgs *args);

/** Frees what parsing stored in @args. */
void cli_settings_args_clear(CliSettingsArgs *args);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CliSettingsArgs, cli_settings_args_clear)

/**
 * cli_settings_make:
 * @settings: (out caller-allocates): filled from the defaults, @args and
 *   --jobs; clear it with imgopt_settings_clear()
 *
 * Returns: true, or false with @error set (G_OPTION_ERROR: a bad option
 *   value is a usage error, exit 2).
 */
bool cli_settings_make(const CliSettingsArgs *args, const CliCommon *common,
		       ImgoptSettings *settings, GError **error);

/**
 * cli_check_option:
 * @name: the option's long name ("quality")
 * @text: (nullable): its text, NULL if not given
 *
 * Checks @text with imgopt_settings_check_value(), the check imgopt.conf's
 * values get.
 *
 * Returns: true, or false with @error set (G_OPTION_ERROR: a usage error,
 *   exit 2) naming the option.
 */
bool cli_check_option(const char *name, const char *text, GError **error);

/**
 * cli_display_width:
 * @text: --display-width's text, NULL if not given
 * @width_out: receives the width Markdown images are shown at
 *
 * Returns: true, or false with @error set (G_OPTION_ERROR) for a bad
 *   value.
 */
bool cli_display_width(const char *text, uint32_t *width_out, GError **error);

/* ---- JSON output (json.c) ----
 * A CliJson is one document being built, member by member: @name is the
 * member's name inside an object, NULL for an array element or the root.
 * The CLI's one user of json-glib is json.c. */

/** A JSON document being built.  Opaque. */
typedef struct CliJson CliJson;

/** Returns: (transfer full): an empty document. */
CliJson *cli_json_new(void);

/**
 * cli_json_new_document:
 * @site: the open site
 *
 * Returns: (transfer full): a document whose root object is open and
 *   starts with `site_root`, as every command's but build's does.
 */
CliJson *cli_json_new_document(const ImgoptSite *site);

/** Frees @json (nullable). */
void cli_json_free(CliJson *json);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CliJson, cli_json_free)

/** What cli_json_begin() opens. */
typedef enum {
	CLI_JSON_OBJECT, /* {...} */
	CLI_JSON_ARRAY,  /* [...] */
} CliJsonKind;

/** Opens an object or an array; cli_json_end() closes it. */
void cli_json_begin(CliJson *json, CliJsonKind kind, const char *name);

/** Closes the innermost object or array. */
void cli_json_end(CliJson *json);

/** Adds @value, or null for NULL; a @value that is not valid UTF-8 is
 * written as cli_shown_name() shows it, so the document always is. */
void cli_json_add_string(CliJson *json, const char *name, const char *value);
void cli_json_add_int(CliJson *json, const char *name, int64_t value);
void cli_json_add_bool(CliJson *json, const char *name, bool value);
void cli_json_add_double(CliJson *json, const char *name, double value);

/** Adds the array @name of the strings @strings (nullable: empty). */
void cli_json_add_strings(CliJson *json, const char *name,
			  const GPtrArray *strings);

/** Writes the members of one list element (cli_json_add_list()). */
typedef void (*CliJsonItemFunc)(CliJson *json, const void *item);

/**
 * cli_json_add_list:
 * @items: the elements
 * @add_item: writes the members of one
 *
 * Adds the array @name holding one object per element of @items.
 */
void cli_json_add_list(CliJson *json, const char *name, const GPtrArray *items,
		       CliJsonItemFunc add_item);

/**
 * cli_json_add_problems:
 * @problems: (element-type ImgoptProblem): what went wrong or was skipped
 * @key: the member holding each message: "reason", "message"
 *
 * Adds the array @name of `{"path": ..., @key: ...}` objects.
 */
void cli_json_add_problems(CliJson *json, const char *name,
			   const GPtrArray *problems, const char *key);

/**
 * cli_json_add_kept_item:
 * @item: an ImgoptKeptByName
 *
 * Writes `"path"`, `"named_in"` and `"line"` of one image the name guard
 * kept (for cli_json_add_list(): dupes' and prune's "kept_by_name").
 */
void cli_json_add_kept_item(CliJson *json, const void *item);

/**
 * cli_json_render:
 * @json: one document; what is still open (the root object) is closed
 * @out: receives it, pretty-printed, and a newline
 */
void cli_json_render(CliJson *json, GString *out);

/**
 * cli_json_render_replaced:
 * @json: one document; what is still open (the root object) is closed
 * @name: a member of its root object, best its last
 * @value: (transfer none): a document, closed and taken as @name's value
 * @out: receives @json, rendered as cli_json_render() does
 * @replaced: receives @json with that member replaced, in its place,
 *   rendered the same way
 *
 * Two documents that differ in one member (dupes' output and what an
 * unchanged re-run prints) are built once.  When @name is the last member
 * the rest is generated once too: @replaced is @out up to that member,
 * then the member generated with @value.
 */
void cli_json_render_replaced(CliJson *json, const char *name, CliJson *value,
			      GString *out, GString *replaced);

/** Prints what cli_json_render() renders on stdout. */
void cli_json_print(CliJson *json);

/**
 * cli_print_problems:
 * @problems: (element-type ImgoptProblem): what went wrong or was skipped
 * @label: (nullable): "skipped", "error"...
 *
 * Prints each problem's message on stderr as `imgopt: <label>: <message>`
 * (`imgopt: <message>` without a label).
 */
void cli_print_problems(const GPtrArray *problems, const char *label);

/**
 * cli_shown_name:
 * @text: a file name, or any text that may hold one (a message)
 *
 * Returns: (transfer full): @text if it is valid UTF-8, else @text with
 *   each byte that is not part of a valid UTF-8 sequence written as the
 *   four characters `\xNN` (two uppercase hex digits): the encoding of
 *   such names in every --json document (docs/json.md).
 */
char *cli_shown_name(const char *text);

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
 * through ImgoptObserver.progress; a CliProgress turns that into what the
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
 * runs the pipeline (the observer's callbacks come from that thread).
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
 * cli_progress_observer_callback:
 *
 * An ImgoptObserver.progress callback: @user_data is the CliProgress.
 */
void cli_progress_observer_callback(const char *stage, uint64_t done,
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
int cli_cmd_build(const CliCommand *cmd, int argc, char **argv);
int cli_cmd_check(const CliCommand *cmd, int argc, char **argv);
int cli_cmd_dupes(const CliCommand *cmd, int argc, char **argv);
int cli_cmd_prune(const CliCommand *cmd, int argc, char **argv);
int cli_cmd_restore(const CliCommand *cmd, int argc, char **argv);
int cli_cmd_report(const CliCommand *cmd, int argc, char **argv);
int cli_cmd_run(const CliCommand *cmd, int argc, char **argv);
int cli_cmd_scan(const CliCommand *cmd, int argc, char **argv);
int cli_cmd_undo(const CliCommand *cmd, int argc, char **argv);
/* run and check share their options and handler (cmd_run.c). */
int cli_run_like(const CliCommand *cmd, int argc, char **argv, bool is_check);

/**
 * cli_json_add_bytes_by_format:
 *
 * Adds `"by_format": {"jpeg": {"before": N, "after": N}, ...}`: the
 * distinct files @res's posts show (bytes_before, bytes_after) by their
 * sniffed format, each format they show before or after (cmd_run.c).
 */
void cli_json_add_bytes_by_format(CliJson *json, const ImgoptRunResult *res);

/**
 * cli_bytes_by_format:
 *
 * Returns: (transfer full): the same for people: "jpeg 105.3 MB -> 40.1 MB,
 *   gif 25.7 MB -> 0 B, webp 0 B -> 21.0 MB", or "none".
 */
char *cli_bytes_by_format(const ImgoptRunResult *res);

/* ---- the memo of run and check ---- */

/*
 * The memo of `run` and `check` (run_memo.c, memo.h): an unchanged
 * re-run prints the stored output after one walk of the site.
 *
 * Only a job that changed nothing and would change nothing is stored
 * (nothing encoded, to encode or reused from disk, no post to rewrite, no
 * variant written, no error or notice), with what it printed on stdout and
 * stderr (the broken references) and its exit code (1 with broken references,
 * else 0).  A run that changed files is not: its re-run, the no-op, is.  The
 * state covers the whole site root with the variant folders, the manifest's
 * stamp (a run, undo, prune or dupes since is a miss), the site's
 * description and every option the output depends on.  Anything that
 * fails on the way only costs the shortcut: the job is done.
 *
 * Calling sequence (cmd_run.c):
 *   if cli_run_memo_replay(common, mode, what, &stored, &memo):
 *     cli_run_memo_print(&stored), exit with stored.code.
 *   Else run the job, then if cli_run_memo_wants(memo, res): print
 *   into buffers, cli_run_memo_print() them and
 *   cli_run_memo_keep(memo, res, &printed);
 *   cli_run_memo_free(memo);
 */
/** A memo begun for one run or check, and what it was opened with. */
typedef struct CliRunMemo CliRunMemo;

/** What a job printed, and its exit code. */
typedef struct {
	GBytes *out; /* on stdout */
	GBytes *err; /* on stderr (printed before stdout) */
	int code;
} CliRunOutput;

/** Frees the bytes of @o (not @o). */
void cli_run_output_clear(CliRunOutput *o);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CliRunOutput, cli_run_output_clear)

/** Prints @o: its stderr part, then its stdout part. */
void cli_run_memo_print(const CliRunOutput *o);

/**
 * cli_run_memo_replay:
 * @mode: the job's mode (check, dry run, run)
 * @what: the options the output depends on, as text
 * @stored_out: (out caller-allocates): the stored output, on a hit
 * @memo_out: (out) (transfer full) (nullable): the memo to keep this
 *   job's output with, on a miss (NULL if there is none to keep)
 *
 * Returns: whether nothing changed since the stored output was stored.
 */
bool cli_run_memo_replay(const CliCommon *common, ImgoptRunMode mode,
			 const char *what, CliRunOutput *stored_out,
			 CliRunMemo **memo_out);

/** Whether @res is a job whose output may be stored (see above). */
bool cli_run_memo_wants(const CliRunMemo *memo, const ImgoptRunResult *res);

/** Stores @printed, what the job printed, with the state. */
void cli_run_memo_keep(CliRunMemo *memo, const ImgoptRunResult *res,
		       const CliRunOutput *printed);

/** Frees @memo (nullable). */
void cli_run_memo_free(CliRunMemo *memo);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CliRunMemo, cli_run_memo_free)

#endif /* IMGOPT_CLI_H */
