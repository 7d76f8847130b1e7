/*
 * cmd_prune.c: `imgopt prune POSTS IMAGES`: move the duplicate copies and
 * the images no post references to `<site root>/.imgopt/trash/<run>/`
 * (--delete: unlink duplicates after comparing their bytes), and
 * `prune --empty-trash AGE`: remove trash older than AGE for good.
 * prune.h says what is removed and what never is.
 *
 * --dry-run prints the plan (every file, where it would go, the bytes
 * reclaimed) and changes nothing: it works on a scratch copy of the
 * manifest, as `run --dry-run` does.  Exit 1 if a file failed (an index
 * error, a rename that failed); files skipped on purpose (changed since
 * they were indexed) are reported on stderr and do not fail the run.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The subcommand's own options. */
typedef struct {
	gboolean is_dry_run;     /* --dry-run */
	gboolean is_delete;      /* --delete */
	gboolean with_originals; /* --originals */
	char *empty_trash;       /* --empty-trash AGE, or NULL */
} PruneArgs;

static void
prune_args_clear(PruneArgs *a)
{
	g_clear_pointer(&a->empty_trash, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PruneArgs, prune_args_clear)

static void
add_item(CliJson *b, const void *item)
{
	const ImgoptPruneItem *it = item;
	char hex[IMGOPT_HASH_HEX_LEN + 1];

	imgopt_hash_format(&it->hash, hex);
	cli_json_add_string(b, "path", it->path);
	cli_json_add_string(b, "action", it->trash_path ? "trash" : "delete");
	cli_json_add_string(b, "to", it->trash_path);
	cli_json_add_string(b, "reason", imgopt_prune_reason_name(it->reason));
	cli_json_add_string(b, "keep", it->keep);
	cli_json_add_int(b, "bytes", (int64_t)it->size);
	cli_json_add_string(b, "hash", hex);
}

static void
add_summary(CliJson *b, const ImgoptPruneResult *r)
{
	cli_json_begin(b, CLI_JSON_OBJECT, "summary");
	cli_json_add_int(b, "files", r->items->len);
	cli_json_add_int(b, "trashed", r->n_trashed);
	cli_json_add_int(b, "deleted", r->n_deleted);
	cli_json_add_int(b, "reclaimed_bytes",
			 (int64_t)(r->duplicate_bytes + r->orphan_bytes +
				   r->original_bytes));
	cli_json_add_int(b, "duplicate_bytes", (int64_t)r->duplicate_bytes);
	cli_json_add_int(b, "orphan_bytes", (int64_t)r->orphan_bytes);
	cli_json_add_int(b, "original_bytes", (int64_t)r->original_bytes);
	cli_json_add_int(b, "kept_originals", r->n_kept_originals);
	cli_json_add_int(b, "kept_original_bytes",
			 (int64_t)r->kept_original_bytes);
	cli_json_add_int(b, "skipped", r->skipped->len);
	cli_json_add_int(b, "errors", r->errors->len);
	cli_json_add_int(b, "recovered", r->n_recovered);
	cli_json_end(b);
}

static void
print_json(const ImgoptSite *site, const ImgoptPruneResult *r,
	   const PruneArgs *a)
{
	g_autoptr(CliJson) b = cli_json_new_document(site);
	g_autofree char *trash = g_strdup_printf(
		IMGOPT_TRASH_DIR "/%" G_GINT64_FORMAT, r->run_id);

	cli_json_add_bool(b, "dry_run", a->is_dry_run);
	cli_json_add_bool(b, "delete", a->is_delete);
	cli_json_add_bool(b, "originals", a->with_originals);
	cli_json_add_int(b, "run_id", r->run_id);
	cli_json_add_string(b, "trash_dir", trash);
	cli_json_add_list(b, "items", r->items, add_item);
	cli_json_add_problems(b, "skipped", r->skipped, "reason");
	cli_json_add_problems(b, "errors", r->errors, "reason");
	add_summary(b, r);
	cli_json_print(b);
}

static void
print_item(const ImgoptPruneItem *it, bool is_dry_run)
{
	g_autofree char *path = cli_shown_name(it->path);
	g_autofree char *why =
		it->keep ? g_strdup_printf("duplicate of %s", it->keep)
			 : g_strdup(imgopt_prune_reason_name(it->reason));

	if (it->trash_path != NULL)
		printf("%s %s -> %s (%" G_GUINT64_FORMAT " bytes, %s)\n",
		       is_dry_run ? "would trash" : "trashed", path,
		       it->trash_path, it->size, why);
	else
		printf("%s %s (%" G_GUINT64_FORMAT " bytes, %s)\n",
		       is_dry_run ? "would delete" : "deleted", path, it->size,
		       why);
}

static void
print_text(const ImgoptPruneResult *r, const CliCommon *common, bool is_dry_run)
{
	cli_print_problems(r->skipped, "skipped");
	cli_print_problems(r->errors, "error");
	if (common->quiet)
		return;
	for (guint i = 0; (is_dry_run || common->verbose) && i < r->items->len;
	     i++)
		print_item(g_ptr_array_index(r->items, i), is_dry_run);
	printf("%s %u files (%u to the trash, %u deleted): %" G_GUINT64_FORMAT
	       " bytes (%" G_GUINT64_FORMAT " duplicate, %" G_GUINT64_FORMAT
	       " orphan, %" G_GUINT64_FORMAT " original); %u skipped\n",
	       is_dry_run ? "would remove" : "removed", r->items->len,
	       r->n_trashed, r->n_deleted,
	       r->duplicate_bytes + r->orphan_bytes + r->original_bytes,
	       r->duplicate_bytes, r->orphan_bytes, r->original_bytes,
	       r->skipped->len);
	if (r->n_kept_originals > 0)
		printf("kept %u originals replaced by variants "
		       "(%" G_GUINT64_FORMAT
		       " bytes; --originals removes them)\n",
		       r->n_kept_originals, r->kept_original_bytes);
	if (r->n_recovered > 0)
		printf("settled %u entries a killed imgopt left\n",
		       r->n_recovered);
}

/* ---- --empty-trash ---- */

/* "30d", "12h", "90m", "45s", "2w" or "0" → microseconds. */
static bool
parse_age(const char *text, int64_t *us_out, GError **error)
{
	static const struct {
		char unit;
		int64_t us;
	} units[] = {{'s', G_USEC_PER_SEC},
		     {'m', 60 * G_USEC_PER_SEC},
		     {'h', G_TIME_SPAN_HOUR},
		     {'d', G_TIME_SPAN_DAY},
		     {'w', 7 * G_TIME_SPAN_DAY}};
	g_autofree char *digits = g_strdup(text);
	size_t n = strlen(digits);
	int64_t scale = G_TIME_SPAN_DAY;
	guint64 v = 0;

	for (size_t i = 0; n > 0 && i < G_N_ELEMENTS(units); i++)
		if (g_ascii_tolower(digits[n - 1]) == units[i].unit) {
			scale = units[i].us;
			digits[n - 1] = '\0';
		}
	if (!g_ascii_string_to_unsigned(digits, 10, 0, G_MAXINT32, &v, NULL)) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--empty-trash: '%s' is not an age such as 30d, "
			    "12h, 90m or 0",
			    text);
		return false;
	}
	*us_out = (int64_t)v * scale;
	return true;
}

/* One element of "removed". */
static void
add_removed_item(CliJson *b, const void *item)
{
	const ImgoptTrashEntry *e = item;

	cli_json_add_string(b, "path", e->path);
	cli_json_add_string(b, "trash_path", e->trash_path);
	cli_json_add_int(b, "run_id", e->run_id);
	cli_json_add_int(b, "bytes", (int64_t)e->size);
}

static void
print_trash_json(const ImgoptSite *site, const ImgoptTrashResult *r,
		 bool is_dry_run)
{
	g_autoptr(CliJson) b = cli_json_new_document(site);

	cli_json_add_bool(b, "dry_run", is_dry_run);
	cli_json_add_list(b, "removed", r->entries, add_removed_item);
	cli_json_add_problems(b, "skipped", r->skipped, "reason");
	cli_json_begin(b, CLI_JSON_OBJECT, "summary");
	cli_json_add_int(b, "files", r->entries->len);
	cli_json_add_int(b, "bytes", (int64_t)r->bytes);
	cli_json_add_int(b, "skipped", r->skipped->len);
	cli_json_add_int(b, "recovered", r->n_recovered);
	cli_json_end(b);
	cli_json_print(b);
}

static void
print_trash_text(const ImgoptTrashResult *r, const CliCommon *common,
		 bool is_dry_run)
{
	cli_print_problems(r->skipped, "skipped");
	if (common->quiet)
		return;
	for (guint i = 0;
	     (is_dry_run || common->verbose) && i < r->entries->len; i++)
		printf("%s %s\n", is_dry_run ? "would remove" : "removed",
		       ((ImgoptTrashEntry *)g_ptr_array_index(r->entries, i))
			       ->trash_path);
	printf("%s %u trashed files for good: %" G_GUINT64_FORMAT " bytes\n",
	       is_dry_run ? "would remove" : "removed", r->entries->len,
	       r->bytes);
}

/* ---- the handler ---- */

static int
empty_trash(const CliCommon *common, const CliContext *ctx, const PruneArgs *a,
	    int64_t age, GError **error)
{
	g_autoptr(ImgoptTrashResult) r = NULL;

	if (!imgopt_prune_empty_trash(ctx->site, ctx->manifest, age,
				      a->is_dry_run, &r, error))
		return -1;
	if (common->json)
		print_trash_json(ctx->site, r, a->is_dry_run);
	else
		print_trash_text(r, common, a->is_dry_run);
	return r->skipped->len > 0 ? CLI_EXIT_ITEMS : CLI_EXIT_OK;
}

static int
prune(const CliCommon *common, const CliContext *ctx, const PruneArgs *a,
      GError **error)
{
	ImgoptPruneOptions opt = {a->is_dry_run, a->is_delete,
				  a->with_originals, common->jobs};
	g_autoptr(ImgoptPruneResult) r = NULL;

	if (!imgopt_prune_site(ctx->site, ctx->manifest, &opt, NULL, &r, error))
		return -1;
	if (common->json)
		print_json(ctx->site, r, a);
	else
		print_text(r, common, a->is_dry_run);
	return r->errors->len > 0 ? CLI_EXIT_ITEMS : CLI_EXIT_OK;
}

int
cli_cmd_prune(const CliCommand *cmd, int argc, char **argv)
{
	g_auto(CliCommon) common = {0};
	g_auto(PruneArgs) a = {0};
	g_autoptr(GError) error = NULL;
	g_auto(CliContext) ctx = {0};
	int64_t age = 0;
	const GOptionEntry extra[] = {
		CLI_DRY_RUN_ENTRY(&a.is_dry_run,
				  "print the plan; change nothing"),
		{"delete", 0, 0, G_OPTION_ARG_NONE, &a.is_delete,
		 "unlink duplicates (after comparing their bytes with the "
		 "copy that stays) instead of moving them to the trash",
		 NULL},
		{"originals", 0, 0, G_OPTION_ARG_NONE, &a.with_originals,
		 "also remove originals the posts now show as variants", NULL},
		{"empty-trash", 0, 0, G_OPTION_ARG_STRING, &a.empty_trash,
		 "only remove trash older than AGE (30d, 12h, 0: all) for "
		 "good",
		 "AGE"},
		G_OPTION_ENTRY_NULL,
	};
	int code = 0;

	if (!cli_parse(cmd->name, "POSTS IMAGES",
		       "Moves the duplicate copies no post references and the "
		       "images no post shows\nto SITE/" IMGOPT_TRASH_DIR
		       "/RUN/ (imgopt restore puts them back).",
		       extra, 2, 2, &common, argc, argv, &code))
		return code;
	/* --empty-trash works on the real trash and manifest, dry or not */
	bool is_planning = a.is_dry_run && a.empty_trash == NULL;
	if ((a.empty_trash != NULL &&
	     !parse_age(a.empty_trash, &age, &error)) ||
	    !cli_open(cli_needs(cmd, is_planning), &common, &ctx, &error))
		return cli_fail(error);
	code = a.empty_trash != NULL
		       ? empty_trash(&common, &ctx, &a, age, &error)
		       : prune(&common, &ctx, &a, &error);
	return code < 0 ? cli_fail(error) : code;
}
