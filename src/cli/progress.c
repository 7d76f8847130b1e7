/*
 * progress.c: the progress bar and the CI lines (see cli.h).
 *
 * Every update is cheap when nothing is drawn: one clock read and a
 * comparison.  Rates and the time left are measured from the first update
 * of the stage, so a stage resumed from the manifest's cache (most items
 * done at once) shows its real pace after a few redraws.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define TTY_INTERVAL_US (G_USEC_PER_SEC / 10)
#define PLAIN_INTERVAL_US (5 * G_USEC_PER_SEC)
#define BAR_CELLS 20

struct CliProgress {
	CliProgressMode mode; /* where it goes */
	gint64 interval_us;   /* the least time between two draws */
	char *stage;          /* the current stage, or NULL */
	gint64 stage_start;   /* monotonic time of its first update */
	gint64 last_draw;     /* monotonic time of the last draw, 0 if none */
	bool has_bar;         /* a bar is on the terminal line */
	bool has_line;        /* a plain line was printed for this stage */
	uint64_t done;        /* the stage's last counts */
	uint64_t total;
	uint64_t bytes;
};

/* What a stage does and what its items are, for people. */
static const struct {
	const char *stage; /* the core's name */
	const char *verb;  /* shown before the counts */
	const char *noun;  /* the items counted */
} stage_names[] = {
	{"scan", "scanning", "posts"},      {"index", "hashing", "files"},
	{"compare", "comparing", "groups"}, {"encode", "encoding", "images"},
	{"plan", "planning", "posts"},      {"prune", "pruning", "files"},
};

static void
describe(const char *stage, const char **verb, const char **noun)
{
	*verb = stage;
	*noun = "items";
	for (size_t i = 0; i < G_N_ELEMENTS(stage_names); i++)
		if (strcmp(stage, stage_names[i].stage) == 0) {
			*verb = stage_names[i].verb;
			*noun = stage_names[i].noun;
		}
}

char *
cli_format_bytes(uint64_t bytes)
{
	static const char *const units[] = {"kB", "MB", "GB", "TB"};
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1000)
		return g_strdup_printf("%" G_GUINT64_FORMAT " B", bytes);
	v /= 1000.0;
	while (v >= 999.95 && u + 1 < G_N_ELEMENTS(units)) {
		v /= 1000.0;
		u++;
	}
	return g_strdup_printf("%.1f %s", v, units[u]);
}

char *
cli_format_duration(double seconds)
{
	unsigned s = (unsigned)(seconds + 0.5);

	if (seconds < 10.0)
		return g_strdup_printf("%.1f s", seconds);
	if (s < 60)
		return g_strdup_printf("%u s", s);
	if (s < 3600)
		return g_strdup_printf("%u:%02u", s / 60, s % 60);
	return g_strdup_printf("%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
}

CliProgress *
cli_progress_new(bool is_quiet)
{
	CliProgress *p = g_new0(CliProgress, 1);
	const char *hook = g_getenv("IMGOPT_PROGRESS_INTERVAL_MS");

	p->mode = is_quiet         ? CLI_PROGRESS_OFF
		  : isatty(2) != 0 ? CLI_PROGRESS_TTY
				   : CLI_PROGRESS_PLAIN;
	p->interval_us = p->mode == CLI_PROGRESS_TTY ? TTY_INTERVAL_US
						     : PLAIN_INTERVAL_US;
	if (hook != NULL && p->mode == CLI_PROGRESS_PLAIN)
		p->interval_us =
			(gint64)g_ascii_strtoull(hook, NULL, 10) * 1000;
	return p;
}

CliProgressMode
cli_progress_get_mode(const CliProgress *progress)
{
	return progress->mode;
}

/* "120/450 files, 35.2 MB, 7.0 MB/s, 0:47 left" */
static char *
counts_text(const CliProgress *p, gint64 now)
{
	const char *verb = NULL, *noun = NULL;
	double secs = (double)(now - p->stage_start) / G_USEC_PER_SEC;
	GString *s = g_string_new(NULL);

	describe(p->stage, &verb, &noun);
	g_string_append_printf(s, "%" G_GUINT64_FORMAT, p->done);
	if (p->total > 0)
		g_string_append_printf(s, "/%" G_GUINT64_FORMAT, p->total);
	g_string_append_printf(s, " %s", noun);
	if (p->bytes > 0) {
		g_autofree char *b = cli_format_bytes(p->bytes);
		g_string_append_printf(s, ", %s", b);
	}
	if (secs >= 0.5 && p->bytes > 0) {
		g_autofree char *r =
			cli_format_bytes((uint64_t)((double)p->bytes / secs));
		g_string_append_printf(s, ", %s/s", r);
	}
	else if (secs >= 0.5)
		g_string_append_printf(s, ", %.1f %s/s", (double)p->done / secs,
				       noun);
	if (secs >= 0.5 && p->done > 0 && p->total > p->done) {
		g_autofree char *left = cli_format_duration(
			secs * (double)(p->total - p->done) / (double)p->done);
		g_string_append_printf(s, ", %s left", left);
	}
	return g_string_free(s, FALSE);
}

static void
draw_bar(CliProgress *p, gint64 now)
{
	const char *verb = NULL, *noun = NULL;
	char cells[BAR_CELLS + 1];
	g_autofree char *counts = counts_text(p, now);
	size_t full =
		p->total > 0 ? (size_t)(p->done * BAR_CELLS / p->total) : 0;

	describe(p->stage, &verb, &noun);
	memset(cells, '#', MIN(full, (size_t)BAR_CELLS));
	memset(cells + MIN(full, (size_t)BAR_CELLS), '-',
	       BAR_CELLS - MIN(full, (size_t)BAR_CELLS));
	cells[BAR_CELLS] = '\0';
	fprintf(stderr, "\r\033[K%-9s [%s] %s", verb, cells, counts);
	fflush(stderr);
	p->has_bar = true;
}

static void
print_line(CliProgress *p, gint64 now)
{
	const char *verb = NULL, *noun = NULL;
	g_autofree char *counts = counts_text(p, now);

	describe(p->stage, &verb, &noun);
	fprintf(stderr, "imgopt: %s: %s\n", verb, counts);
	fflush(stderr);
	p->has_line = true;
}

void
cli_progress_clear(CliProgress *progress)
{
	if (progress == NULL || !progress->has_bar)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	progress->has_bar = false;
}

/* A new stage: the previous one's last plain line, then fresh counters. */
static void
start_stage(CliProgress *p, const char *stage, gint64 now)
{
	if (p->mode == CLI_PROGRESS_PLAIN && p->has_line && p->done != p->total)
		print_line(p, now);
	g_free(p->stage);
	p->stage = g_strdup(stage);
	p->stage_start = now;
	p->last_draw = now;
	p->has_line = false;
}

void
cli_progress_update(CliProgress *progress, const char *stage, uint64_t done,
		    uint64_t total, uint64_t bytes)
{
	CliProgress *p = progress;

	if (p == NULL || p->mode == CLI_PROGRESS_OFF || total == 0)
		return;
	gint64 now = g_get_monotonic_time();
	bool is_new = p->stage == NULL || strcmp(p->stage, stage) != 0;
	if (is_new)
		start_stage(p, stage, now);
	p->done = done;
	p->total = total;
	p->bytes = bytes;
	bool is_end = total > 0 && done >= total;
	if (p->mode == CLI_PROGRESS_TTY) {
		if (is_end)
			cli_progress_clear(p);
		else if (is_new || now - p->last_draw >= p->interval_us) {
			draw_bar(p, now);
			p->last_draw = now;
		}
		return;
	}
	if ((is_end && p->has_line) || now - p->last_draw >= p->interval_us) {
		print_line(p, now);
		p->last_draw = now;
	}
}

void
cli_progress_observer_callback(const char *stage, uint64_t done, uint64_t total,
			       uint64_t bytes, void *user_data)
{
	cli_progress_update(user_data, stage, done, total, bytes);
}

void
cli_progress_free(CliProgress *progress)
{
	if (progress == NULL)
		return;
	cli_progress_clear(progress);
	g_free(progress->stage);
	g_free(progress);
}
