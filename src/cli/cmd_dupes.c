/*
 * cmd_dupes.c: `imgopt dupes POSTS IMAGES`: groups of byte-identical
 * image files with the posts that use each copy, the canonical copy of
 * each group, and the orphans (image files no post references).  Exit 1
 * if a file could not be read.
 *
 * Paths are printed relative to the site root.  A name that is not valid
 * UTF-8 is printed with its invalid bytes as `\xNN` (cli_shown_name()),
 * in the text as in the JSON.
 */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

#include "imgopt/referrers.h"

/* Progress and problems on stderr (observer callbacks). */
typedef struct {
	CliProgress *progress; /* the bar or the CI lines */
	bool is_quiet;         /* --quiet: errors only */
} DupesUi;

static void
clear_bar(DupesUi *ui)
{
	cli_progress_clear(ui->progress);
}

static void
on_progress(const char *stage, uint64_t done, uint64_t total, uint64_t bytes,
	    void *user_data)
{
	DupesUi *ui = user_data;

	cli_progress_update(ui->progress, stage, done, total, bytes);
}

static void
on_problem(const char *path, const char *message, bool is_error,
	   void *user_data)
{
	DupesUi *ui = user_data;
	g_autofree char *shown = cli_shown_name(message);

	(void)path;
	if (!is_error && ui->is_quiet)
		return;
	clear_bar(ui);
	fprintf(stderr, "imgopt: %s: %s\n", is_error ? "error" : "skipped",
		shown);
}

/* The kind of each referrer the output names, worked out once: a post
 * uses many images. */
typedef struct {
	const ImgoptSite *site; /* the open site */
	GHashTable *known;      /* referrer path (not owned) ->
				   GUINT_TO_POINTER(kind + 1) */
} Kinds;

/* @path's kind (imgopt_referrers_kind_of()); a post if it has none. */
static ImgoptReferrerKind
kind_of(Kinds *kinds, const char *path)
{
	gpointer known = g_hash_table_lookup(kinds->known, path);
	ImgoptReferrerKind kind = IMGOPT_REFERRER_POST;

	if (known != NULL)
		return (ImgoptReferrerKind)(GPOINTER_TO_UINT(known) - 1);
	imgopt_referrers_kind_of(kinds->site, path, &kind);
	g_hash_table_insert(kinds->known, (gpointer)path,
			    GUINT_TO_POINTER((guint)kind + 1));
	return kind;
}

/* Each user of @path with its kind: posts, pages, layouts… */
static void
add_users_json(CliJson *b, Kinds *kinds, const GPtrArray *users)
{
	cli_json_begin(b, CLI_JSON_ARRAY, "users");
	for (guint i = 0; users != NULL && i < users->len; i++) {
		const char *path = g_ptr_array_index(users, i);
		ImgoptReferrerKind kind = kind_of(kinds, path);

		cli_json_begin(b, CLI_JSON_OBJECT, NULL);
		cli_json_add_string(b, "path", path);
		cli_json_add_string(b, "kind", imgopt_referrer_kind_name(kind));
		cli_json_end(b);
	}
	cli_json_end(b);
}

static void
add_member_json(CliJson *b, Kinds *kinds, const ImgoptDupesResult *res,
		const ImgoptGroupMember *m)
{
	const GPtrArray *posts = imgopt_dupes_result_get_posts(res, m->path);

	cli_json_begin(b, CLI_JSON_OBJECT, NULL);
	cli_json_add_string(b, "path", m->path);
	cli_json_add_strings(b, "references", posts);
	add_users_json(b, kinds, posts);
	cli_json_end(b);
}

static void
add_group_json(CliJson *b, Kinds *kinds, const ImgoptDupesResult *res,
	       const ImgoptGroup *g)
{
	char hex[IMGOPT_HASH_HEX_LEN + 1];

	imgopt_hash_format(&g->hash, hex);
	cli_json_begin(b, CLI_JSON_OBJECT, NULL);
	cli_json_add_string(b, "hash", hex);
	cli_json_add_int(b, "bytes", g->bytes);
	cli_json_add_string(b, "canonical",
			    imgopt_group_get_canonical(g)->path);
	cli_json_begin(b, CLI_JSON_ARRAY, "members");
	for (guint i = 0; i < g->members->len; i++)
		add_member_json(b, kinds, res,
				g_ptr_array_index(g->members, i));
	cli_json_end(b);
	cli_json_end(b);
}

/* The summary's totals, shared by both output forms. */
typedef struct {
	uint64_t duplicate_files;   /* members beyond each canonical */
	uint64_t reclaimable_bytes; /* their bytes */
	uint64_t orphan_bytes;      /* the orphans' bytes */
} DupesTotals;

static DupesTotals
totals_of(const ImgoptDupesResult *res)
{
	DupesTotals t = {0};

	for (guint i = 0; i < res->groups->len; i++) {
		const ImgoptGroup *g = g_ptr_array_index(res->groups, i);

		t.duplicate_files += g->members->len - 1;
		t.reclaimable_bytes += imgopt_group_reclaimable(g);
	}
	for (guint i = 0; i < res->orphans->len; i++)
		t.orphan_bytes += ((const ImgoptAsset *)g_ptr_array_index(
					   res->orphans, i))
					  ->size;
	return t;
}

/* The members of "summary", into the object open in @b. */
static void
add_summary_json(CliJson *b, const ImgoptDupesResult *res)
{
	DupesTotals t = totals_of(res);

	cli_json_add_int(b, "groups", res->groups->len);
	cli_json_add_int(b, "duplicate_files", t.duplicate_files);
	cli_json_add_int(b, "reclaimable_bytes", t.reclaimable_bytes);
	cli_json_add_int(b, "orphans", res->orphans->len);
	cli_json_add_int(b, "orphan_bytes", t.orphan_bytes);
	cli_json_add_int(b, "files", res->files);
	cli_json_add_int(b, "hashed_files", res->hashed_files);
	cli_json_add_int(b, "hashed_bytes", res->hashed_bytes);
	cli_json_add_int(b, "cached_files", res->cached_files);
	cli_json_add_int(b, "probed_files", res->probed_files);
	cli_json_add_int(b, "probed_bytes", res->probed_bytes);
	cli_json_add_int(b, "unread_files", res->unread_files);
	cli_json_add_int(b, "empty_files", res->empty->len);
	cli_json_add_int(b, "posts", res->posts);
	cli_json_add_int(b, "referrers", res->referrers);
	cli_json_add_int(b, "kept_by_name", res->kept_by_name->len);
	cli_json_add_int(b, "cached_posts", res->cached_posts);
	cli_json_add_int(b, "references", res->references);
	cli_json_add_int(b, "errors", res->errors->len);
	cli_json_add_int(b, "skipped", res->skipped->len);
}

static void
add_orphan_item(CliJson *j, const void *item)
{
	const ImgoptAsset *a = item;

	cli_json_add_string(j, "path", a->path);
	cli_json_add_int(j, "bytes", a->size);
}

static void as_unchanged(ImgoptDupesResult *res);

/* The document; into @unchanged (nullable), the same document as an
 * unchanged re-run prints it: only the summary, the last member, differs,
 * so the rest is built and generated once. */
static void
render_json(Kinds *kinds, const ImgoptDupesResult *res, GString *out,
	    GString *unchanged)
{
	ImgoptDupesResult same = *res; /* counters changed, nothing owned */
	g_autoptr(CliJson) j = cli_json_new_document(kinds->site);

	cli_json_begin(j, CLI_JSON_ARRAY, "groups");
	for (guint i = 0; i < res->groups->len; i++)
		add_group_json(j, kinds, res,
			       g_ptr_array_index(res->groups, i));
	cli_json_end(j);
	cli_json_add_list(j, "orphans", res->orphans, add_orphan_item);
	cli_json_add_list(j, "kept_by_name", res->kept_by_name,
			  cli_json_add_kept_item);
	cli_json_add_strings(j, "empty", res->empty);
	cli_json_add_problems(j, "errors", res->errors, "reason");
	cli_json_add_problems(j, "skipped", res->skipped, "reason");
	cli_json_begin(j, CLI_JSON_OBJECT, "summary");
	add_summary_json(j, res);
	cli_json_end(j);
	if (unchanged != NULL) {
		g_autoptr(CliJson) summary = cli_json_new();

		as_unchanged(&same);
		cli_json_begin(summary, CLI_JSON_OBJECT, NULL);
		add_summary_json(summary, &same);
		cli_json_render_replaced(j, "summary", summary, out, unchanged);
	}
	else
		cli_json_render(j, out);
}

/* "2 posts, 1 layout": how many users of each kind @path has. */
static char *
users_text(Kinds *kinds, const GPtrArray *users)
{
	guint n[IMGOPT_REFERRER_FEED + 1] = {0};
	GString *out = g_string_new(NULL);

	for (guint i = 0; users != NULL && i < users->len; i++)
		n[kind_of(kinds, g_ptr_array_index(users, i))]++;
	if (users == NULL || users->len == 0)
		g_string_append(out, "0 posts");
	for (guint k = 0; k < G_N_ELEMENTS(n); k++) {
		if (n[k] == 0)
			continue;
		g_string_append_printf(out, "%s%u %s%s", out->len ? ", " : "",
				       n[k], imgopt_referrer_kind_name(k),
				       n[k] == 1 ? "" : "s");
	}
	return g_string_free(out, FALSE);
}

static void
render_group_text(Kinds *kinds, const ImgoptDupesResult *res,
		  const ImgoptGroup *g, GString *out)
{
	char hex[IMGOPT_HASH_HEX_LEN + 1];

	imgopt_hash_format(&g->hash, hex);
	g_string_append_printf(
		out, "%.16s  %u copies of %" G_GUINT64_FORMAT " bytes\n", hex,
		g->members->len, g->bytes);
	for (guint i = 0; i < g->members->len; i++) {
		const ImgoptGroupMember *m = g_ptr_array_index(g->members, i);
		g_autofree char *users = users_text(
			kinds, imgopt_dupes_result_get_posts(res, m->path));
		g_autofree char *shown = cli_shown_name(m->path);

		g_string_append_printf(out, "  %c %s  (%s)\n",
				       i == g->canonical ? '*' : ' ', shown,
				       users);
	}
}

/* --verbose: the orphans, and what the name guard alone kept. */
static void
render_orphans_text(const ImgoptDupesResult *res, GString *out)
{
	for (guint i = 0; i < res->orphans->len; i++) {
		const ImgoptAsset *a = g_ptr_array_index(res->orphans, i);
		g_autofree char *shown = cli_shown_name(a->path);

		g_string_append_printf(
			out, "orphan: %s (%" G_GUINT64_FORMAT " bytes)\n",
			shown, a->size);
	}
	for (guint i = 0; i < res->kept_by_name->len; i++) {
		const ImgoptKeptByName *k =
			g_ptr_array_index(res->kept_by_name, i);
		g_autofree char *shown = cli_shown_name(k->path);
		g_autofree char *where = cli_shown_name(k->named_in);

		g_string_append_printf(out,
				       "kept: %s (named in %s:%zu, no "
				       "reference found)\n",
				       shown, where, k->line);
	}
}

/* The text up to its last line (render_counts_text()), which alone
 * differs for an unchanged re-run. */
static void
render_text(Kinds *kinds, const ImgoptDupesResult *res, const CliCommon *common,
	    GString *out)
{
	DupesTotals t = totals_of(res);

	for (guint i = 0; i < res->groups->len; i++)
		render_group_text(kinds, res, g_ptr_array_index(res->groups, i),
				  out);
	if (res->groups->len > 0)
		g_string_append(out, "(* = canonical copy: most referenced, "
				     "then shortest path, then oldest)\n");
	if (common->verbose)
		render_orphans_text(res, out);
	g_string_append_printf(
		out,
		"%u groups, %" G_GUINT64_FORMAT
		" duplicate files, %" G_GUINT64_FORMAT
		" bytes reclaimable; %u orphans (%" G_GUINT64_FORMAT
		" bytes)%s\n",
		res->groups->len, t.duplicate_files, t.reclaimable_bytes,
		res->orphans->len, t.orphan_bytes,
		common->verbose ? "" : " (--verbose lists them)");
	if (res->kept_by_name->len > 0)
		g_string_append_printf(
			out,
			"%u images no reference shows are not "
			"orphans: a text file names them%s\n",
			res->kept_by_name->len,
			common->verbose ? "" : " (--verbose lists them)");
}

/* The text's last line: the files, how each was read. */
static void
render_counts_text(const ImgoptDupesResult *res, GString *out)
{
	g_string_append_printf(out,
			       "%" G_GUINT64_FORMAT " files: %" G_GUINT64_FORMAT
			       " hashed (%" G_GUINT64_FORMAT
			       " bytes), %" G_GUINT64_FORMAT
			       " headers only, %" G_GUINT64_FORMAT
			       " unread (unique size), %" G_GUINT64_FORMAT
			       " unchanged; %u errors\n",
			       res->files, res->hashed_files, res->hashed_bytes,
			       res->probed_files, res->unread_files,
			       res->cached_files, res->errors->len);
}

/* The output; into @unchanged_out (nullable), what an unchanged re-run
 * prints. */
static GBytes *
render(const ImgoptSite *site, const ImgoptDupesResult *res,
       const CliCommon *common, GBytes **unchanged_out)
{
	GString *out = g_string_new(NULL);
	GString *unchanged = unchanged_out != NULL ? g_string_new(NULL) : NULL;
	ImgoptDupesResult same = *res; /* counters changed, nothing owned */
	g_autoptr(GHashTable) known = g_hash_table_new(g_str_hash, g_str_equal);
	Kinds kinds = {site, known};

	if (common->json) {
		render_json(&kinds, res, out, unchanged);
	}
	else if (!common->quiet) {
		render_text(&kinds, res, common, out);
		if (unchanged != NULL) {
			g_string_append_len(unchanged, out->str,
					    (gssize)out->len);
			as_unchanged(&same);
			render_counts_text(&same, unchanged);
		}
		render_counts_text(res, out);
	}
	if (unchanged != NULL)
		*unchanged_out = g_string_free_to_bytes(unchanged);
	return g_string_free_to_bytes(out);
}

/* What a re-run over the unchanged site reports: every file and post
 * from the manifest, nothing read. */
static void
as_unchanged(ImgoptDupesResult *res)
{
	res->cached_files = res->files;
	res->hashed_files = res->hashed_bytes = 0;
	res->probed_files = res->probed_bytes = 0;
	res->unread_files = 0;
	res->cached_posts = res->posts;
}

static void
write_out(GBytes *bytes)
{
	gsize n = 0;
	const char *data = g_bytes_get_data(bytes, &n);

	fwrite(data, 1, n, stdout);
	fflush(stdout);
}

/* The options the output depends on, for the memo's state. */
static char *
memo_what(const CliCommon *common, gboolean hash_all)
{
	return g_strdup_printf(
		"json=%d verbose=%d quiet=%d hash_all=%d only_posts=%d",
		common->json, common->verbose, common->quiet, hash_all,
		common->only_posts);
}

/* The stored output of the last run if nothing changed since; NULL (and
 * @memo_out set, for storing this run's) otherwise.  A memo that cannot
 * be taken only costs the shortcut. */
static GBytes *
replay(const CliCommon *common, const ImgoptSite *site,
       ImgoptManifest *manifest, gboolean hash_all, ImgoptMemo **memo_out)
{
	g_autofree char *what = memo_what(common, hash_all);
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptMemo) memo =
		imgopt_memo_begin(site, "dupes", what, &error);
	GBytes *output = NULL;
	int64_t stored_us = 0;

	if (memo == NULL ||
	    !imgopt_memo_lookup(memo, manifest, &output, &stored_us, &error)) {
		g_debug("memo: %s", error->message);
		return NULL;
	}
	if (output == NULL) {
		*memo_out = g_steal_pointer(&memo);
		return NULL;
	}
	if (!common->quiet) {
		g_autoptr(GDateTime) when = g_date_time_new_from_unix_local(
			stored_us / G_USEC_PER_SEC);
		g_autofree char *shown = g_date_time_format(when, "%F %T");

		fprintf(stderr,
			"imgopt: nothing changed since the run of %s: its "
			"result (--rescan to do the work again)\n",
			shown);
	}
	return output;
}

/* Whether what this run printed may be printed again by an unchanged
 * re-run: not if it failed on a file or skipped one (its messages went
 * to stderr). */
static bool
is_keepable(const ImgoptDupesResult *res)
{
	return res->errors->len == 0 && res->skipped->len == 0;
}

/* Keeps @again (render()'s unchanged output), or forgets the last run's
 * if this one is not keepable. */
static void
keep(ImgoptMemo *memo, ImgoptManifest *manifest, const ImgoptDupesResult *res,
     GBytes *again)
{
	g_autoptr(GError) error = NULL;
	bool ok;

	if (!is_keepable(res))
		ok = imgopt_memo_forget(manifest, "dupes", &error);
	else
		ok = imgopt_memo_store(memo, manifest, res->watched, again,
				       NULL, &error);
	if (!ok)
		g_debug("memo: %s", error->message);
}

/* What render_result() needs and gives. */
typedef struct {
	const ImgoptSite *site;
	const CliCommon *common;
	bool has_memo;  /* a memo to keep: render the unchanged output too */
	GBytes *output; /* (out) */
	GBytes *again;  /* (out) what an unchanged re-run prints, or NULL */
} Rendering;

/* ImgoptDupesResultFunc: renders while the job's last rows are written
 * (printed only once the run succeeded). */
static void
render_result(const ImgoptDupesResult *res, void *user_data)
{
	Rendering *r = user_data;

	r->output = render(r->site, res, r->common,
			   r->has_memo && is_keepable(res) ? &r->again : NULL);
}

int
cli_cmd_dupes(const CliCommand *cmd, int argc, char **argv)
{
	g_auto(CliCommon) common = {0};
	g_autoptr(GError) error = NULL;
	g_auto(CliContext) ctx = {0};
	g_autoptr(ImgoptDupesResult) res = NULL;
	g_autoptr(CliProgress) progress = NULL;
	DupesUi ui = {NULL, false};
	ImgoptObserver observer = {on_progress, on_problem, &ui};
	g_autoptr(ImgoptMemo) memo = NULL;
	g_autoptr(GBytes) output = NULL;
	g_autoptr(GBytes) again = NULL; /* what an unchanged re-run prints */
	Rendering rendering = {0};
	gboolean hash_all = FALSE;
	gboolean rescan = FALSE;
	const GOptionEntry extra[] = {
		{"hash-all", 0, 0, G_OPTION_ARG_NONE, &hash_all,
		 "hash every file, not only those whose size another file "
		 "shares",
		 NULL},
		{"rescan", 0, 0, G_OPTION_ARG_NONE, &rescan,
		 "do the whole job even if nothing changed since the last run "
		 "(its result is otherwise printed again)",
		 NULL},
		G_OPTION_ENTRY_NULL,
	};
	int code = 0;
	bool ok;

	if (!cli_parse(cmd->name, "POSTS IMAGES",
		       "Lists groups of byte-identical image files, the posts "
		       "using each copy, and the orphans.",
		       extra, 2, 2, &common, argc, argv, &code))
		return code;
	ui.is_quiet = common.quiet;
	progress = cli_progress_new(common.quiet);
	ui.progress = progress;
	ImgoptDupesOptions options = {common.jobs, common.only_posts,
				      render_result, &rendering};
	if (!cli_open(cmd->needs, &common, &ctx, &error))
		return cli_fail(error);
	const ImgoptSite *site = ctx.site;
	ImgoptManifest *manifest = ctx.manifest;
	if (!rescan &&
	    (output = replay(&common, site, manifest, hash_all, &memo))) {
		write_out(output);
		return CLI_EXIT_OK;
	}
	/* the memo's walk saw every file: the job need not stat them again */
	if (memo != NULL)
		imgopt_site_set_entries(ctx.site,
					imgopt_memo_take_entries(memo));
	rendering = (Rendering){site, &common, memo != NULL, NULL, NULL};
	ok = (hash_all ? imgopt_dupes_run : imgopt_dupes_run_size_first)(
		site, &options, manifest, &observer, &res, &error);
	output = g_steal_pointer(&rendering.output);
	again = g_steal_pointer(&rendering.again);
	clear_bar(&ui);
	if (!ok)
		return cli_fail(error);
	write_out(output);
	if (memo != NULL)
		keep(memo, manifest, res, again);
	return res->errors->len > 0 ? CLI_EXIT_ITEMS : CLI_EXIT_OK;
}
