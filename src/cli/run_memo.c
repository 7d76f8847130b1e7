/*
 * run_memo.c: the memo of `run` and `check` (see cli.h).
 *
 * The memo reads and writes the real manifest, also for a check or a dry
 * run (whose job works on a scratch copy): it is opened here, before the
 * copy is made, and only if it exists (a check creates no manifest).
 */

#include <stdio.h>
#include <string.h>

#include "cli.h"

#include "imgopt/memo.h"

struct CliRunMemo {
	CliContext ctx;           /* the site, and the run's manifest */
	ImgoptManifest *manifest; /* the real manifest (owned unless ctx's) */
	ImgoptMemo *memo;
	ImgoptRunMode mode;
};

void
cli_run_memo_free(CliRunMemo *m)
{
	if (m == NULL)
		return;
	imgopt_memo_free(m->memo);
	if (m->manifest != m->ctx.manifest)
		imgopt_manifest_close(m->manifest);
	cli_context_clear(&m->ctx);
	g_free(m);
}

void
cli_run_output_clear(CliRunOutput *o)
{
	g_clear_pointer(&o->out, g_bytes_unref);
	g_clear_pointer(&o->err, g_bytes_unref);
}

static void
write_bytes(FILE *f, GBytes *bytes)
{
	gsize n = 0;
	const char *data = bytes != NULL ? g_bytes_get_data(bytes, &n) : NULL;

	if (n > 0)
		fwrite(data, 1, n, f);
	fflush(f);
}

void
cli_run_memo_print(const CliRunOutput *o)
{
	write_bytes(stderr, o->err);
	write_bytes(stdout, o->out);
}

/* The stored form: a header line "imgopt-run-memo CODE ERRLEN", then
 * the stderr bytes, then the stdout bytes. */
#define MEMO_MAGIC "imgopt-run-memo"

static GBytes *
pack(const CliRunOutput *o)
{
	gsize nerr = 0, nout = 0;
	const void *err = g_bytes_get_data(o->err, &nerr);
	const void *out = g_bytes_get_data(o->out, &nout);
	GString *s = g_string_new(NULL);

	g_string_printf(s, MEMO_MAGIC " %d %" G_GSIZE_FORMAT "\n", o->code,
			nerr);
	if (nerr > 0)
		g_string_append_len(s, err, (gssize)nerr);
	if (nout > 0)
		g_string_append_len(s, out, (gssize)nout);
	return g_string_free_to_bytes(s);
}

/* Reads what pack() made; false if @blob is not that. */
static bool
unpack(GBytes *blob, CliRunOutput *o)
{
	gsize n = 0;
	const char *data = g_bytes_get_data(blob, &n);
	const char *nl = data != NULL ? memchr(data, '\n', MIN(n, 64)) : NULL;
	int code = -1;
	guint64 nerr = 0;
	char tail = 0;

	if (nl == NULL)
		return false;
	g_autofree char *head = g_strndup(data, (gsize)(nl - data));
	if (sscanf(head, MEMO_MAGIC " %d %" G_GUINT64_FORMAT "%c", &code, &nerr,
		   &tail) != 2 ||
	    code < 0 || code > CLI_EXIT_ITEMS)
		return false;
	gsize at = (gsize)(nl - data) + 1;
	if (nerr > n - at)
		return false;
	o->code = code;
	o->err = g_bytes_new_from_bytes(blob, at, (gsize)nerr);
	o->out = g_bytes_new_from_bytes(blob, at + (gsize)nerr,
					n - at - (gsize)nerr);
	return true;
}

static const char *
command_of(ImgoptRunMode mode)
{
	return mode == IMGOPT_RUN_CHECK     ? "check"
	       : mode == IMGOPT_RUN_DRY_RUN ? "run --dry-run"
					    : "run";
}

/* Opens the site and the real manifest: a run's own (under the site's
 * lock, which the job then holds too); for a check or a dry run, the
 * file if it exists.  False if there is none to use. */
static bool
open_real(const CliCommon *common, CliRunMemo *m, GError **error)
{
	bool is_apply = m->mode == IMGOPT_RUN_APPLY;

	if (!cli_open(is_apply ? CLI_NEEDS_WRITE : CLI_NEEDS_SITE, common,
		      &m->ctx, error))
		return false;
	if (is_apply) {
		m->manifest = m->ctx.manifest;
		return true;
	}
	g_autofree char *db =
		common->manifest != NULL
			? g_strdup(common->manifest)
			: imgopt_manifest_default_path(
				  imgopt_site_get_root(m->ctx.site));
	if (!g_file_test(db, G_FILE_TEST_IS_REGULAR))
		return false;
	m->manifest = imgopt_manifest_open(db, error);
	return m->manifest != NULL;
}

static void
say_replayed(const CliCommon *common, int64_t stored_us)
{
	if (common->quiet)
		return;
	g_autoptr(GDateTime) when =
		g_date_time_new_from_unix_local(stored_us / G_USEC_PER_SEC);
	g_autofree char *shown = g_date_time_format(when, "%F %T");

	fprintf(stderr,
		"imgopt: nothing changed since the run of %s: its "
		"result\n",
		shown);
}

/* Opens what the memo needs, walks the site and looks the memo up:
 * false with @error set (or not: nothing to use) if it cannot. */
static bool
look_up(const CliCommon *common, CliRunMemo *m, const char *what,
	GBytes **output_out, int64_t *stored_us_out, GError **error)
{
	if (!open_real(common, m, error))
		return false;
	m->memo = imgopt_memo_begin_whole(m->ctx.site, command_of(m->mode),
					  what, error);
	return m->memo != NULL &&
	       imgopt_memo_lookup(m->memo, m->manifest, output_out,
				  stored_us_out, error);
}

bool
cli_run_memo_replay(const CliCommon *common, ImgoptRunMode mode,
		    const char *what, CliRunOutput *stored_out,
		    CliRunMemo **memo_out)
{
	g_autoptr(CliRunMemo) m = g_new0(CliRunMemo, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) blob = NULL;
	int64_t stored_us = 0;

	*memo_out = NULL;
	m->mode = mode;
	if (!look_up(common, m, what, &blob, &stored_us, &error)) {
		if (error != NULL)
			g_debug("memo: %s", error->message);
		return false;
	}
	if (blob == NULL || !unpack(blob, stored_out)) {
		*memo_out = g_steal_pointer(&m);
		return false;
	}
	g_debug("memo: %s: replayed", command_of(mode));
	say_replayed(common, stored_us);
	return true;
}

bool
cli_run_memo_wants(const CliRunMemo *memo, const ImgoptRunResult *res)
{
	return memo != NULL && res->changes->len == 0 &&
	       res->n_to_encode == 0 && res->n_encoded == 0 &&
	       res->n_reused == 0 && res->n_failed == 0 &&
	       res->n_written == 0 && res->variant_files->len == 0 &&
	       res->errors->len == 0 && res->notices->len == 0 &&
	       res->dupes != NULL;
}

void
cli_run_memo_keep(CliRunMemo *m, const ImgoptRunResult *res,
		  const CliRunOutput *printed)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) output = pack(printed);
	bool stored = false;

	g_return_if_fail(cli_run_memo_wants(m, res));
	/* A check and a dry run record no runs row in the real manifest;
	 * a run records its own and its dupes job's. */
	const int64_t own[] = {res->dupes->run_id, res->run_id};
	guint n_own = m->mode == IMGOPT_RUN_APPLY ? 2 : 0;

	if (!imgopt_memo_store_after(m->memo, m->manifest, own, n_own,
				     res->dupes->watched, output, &stored,
				     &error))
		g_debug("memo: %s", error->message);
	else
		g_debug("memo: %s: %s", command_of(m->mode),
			stored ? "stored" : "not stored");
}
