/*
 * progress.h: how long work shows on stderr.
 *
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
 *   - --quiet, or --json on a terminal is still drawn on stderr; --quiet
 *     draws nothing at all.
 * stdout is never written.
 *
 * IMGOPT_PROGRESS_INTERVAL_MS (a test hook) replaces the plain mode's
 * five seconds, so a test can see the plain lines of a short run.
 *
 * Thread-safety: one CliProgress per command, used from the thread that
 * runs the pipeline (the reporter's callbacks come from that thread).
 */
#ifndef IMGOPT_CLI_PROGRESS_H
#define IMGOPT_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "imgopt/pipeline.h"

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

#endif /* IMGOPT_CLI_PROGRESS_H */
