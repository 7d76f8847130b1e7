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
add_str(JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name(b, name);
	if (value == NULL) {
		json_builder_add_null_value(b);
		return;
	}
	g_autofree char *valid = g_utf8_make_valid(value, -1);
	json_builder_add_string_value(b, valid);
}

static void
add_int(JsonBuilder *b, const char *name, int64_t value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, value);
}

static void
add_problems(JsonBuilder *b, const char *name, const GPtrArray *list)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	for (guint i = 0; i < list->len; i++) {
		const ImgoptProblem *p = g_ptr_array_index(list, i);

		json_builder_begin_object(b);
		add_str(b, "path", p->path);
		add_str(b, "reason", p->message);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void
add_item(JsonBuilder *b, const ImgoptPruneItem *it)
{
	char hex[IMGOPT_HASH_HEX_LEN + 1];

	imgopt_hash_format(&it->hash, hex);
	json_builder_begin_object(b);
	add_str(b, "path", it->path);
	add_str(b, "action", it->trash_path ? "trash" : "delete");
	add_str(b, "to", it->trash_path);
	add_str(b, "reason", imgopt_prune_reason_name(it->reason));
	add_str(b, "keep", it->keep);
	add_int(b, "bytes", (int64_t)it->size);
	add_str(b, "hash", hex);
	json_builder_end_object(b);
}

static void
add_summary(JsonBuilder *b, const ImgoptPruneResult *r)
{
	json_builder_set_member_name(b, "summary");
	json_builder_begin_object(b);
	add_int(b, "files", r->items->len);
	add_int(b, "trashed", r->n_trashed);
	add_int(b, "deleted", r->n_deleted);
	add_int(b, "reclaimed_bytes",
		(int64_t)(r->duplicate_bytes + r->orphan_bytes +
			  r->original_bytes));
	add_int(b, "duplicate_bytes", (int64_t)r->duplicate_bytes);
	add_int(b, "orphan_bytes", (int64_t)r->orphan_bytes);
	add_int(b, "original_bytes", (int64_t)r->original_bytes);
	add_int(b, "kept_originals", r->n_kept_originals);
	add_int(b, "kept_original_bytes", (int64_t)r->kept_original_bytes);
	add_int(b, "skipped", r->skipped->len);
	add_int(b, "errors", r->errors->len);
	add_int(b, "recovered", r->n_recovered);
	json_builder_end_object(b);
}

static void
print_json(const ImgoptSite *site, const ImgoptPruneResult *r,
	   const PruneArgs *a)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree char *trash = g_strdup_printf(
		IMGOPT_TRASH_DIR "/%" G_GINT64_FORMAT, r->run_id);

	json_builder_begin_object(b);
	add_str(b, "site_root", imgopt_site_get_root(site));
	json_builder_set_member_name(b, "dry_run");
	json_builder_add_boolean_value(b, a->is_dry_run);
	json_builder_set_member_name(b, "delete");
	json_builder_add_boolean_value(b, a->is_delete);
	json_builder_set_member_name(b, "originals");
	json_builder_add_boolean_value(b, a->with_originals);
	add_int(b, "run_id", r->run_id);
	add_str(b, "trash_dir", trash);
	json_builder_set_member_name(b, "items");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->items->len; i++)
		add_item(b, g_ptr_array_index(r->items, i));
	json_builder_end_array(b);
	add_problems(b, "skipped", r->skipped);
	add_problems(b, "errors", r->errors);
	add_summary(b, r);
	json_builder_end_object(b);
	cli_json_print(b);
}

static void
print_item(const ImgoptPruneItem *it, bool is_dry_run)
{
	g_autofree char *path = g_utf8_make_valid(it->path, -1);
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
	for (guint i = 0; i < r->skipped->len; i++)
		fprintf(stderr, "imgopt: skipped: %s\n",
			((ImgoptProblem *)g_ptr_array_index(r->skipped, i))
				->message);
	for (guint i = 0; i < r->errors->len; i++)
		fprintf(stderr, "imgopt: error: %s\n",
			((ImgoptProblem *)g_ptr_array_index(r->errors, i))
				->message);
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

static void
print_trash_json(const ImgoptSite *site, const ImgoptTrashResult *r,
		 bool is_dry_run)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	add_str(b, "site_root", imgopt_site_get_root(site));
	json_builder_set_member_name(b, "dry_run");
	json_builder_add_boolean_value(b, is_dry_run);
	json_builder_set_member_name(b, "removed");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->entries->len; i++) {
		const ImgoptTrashEntry *e = g_ptr_array_index(r->entries, i);

		json_builder_begin_object(b);
		add_str(b, "path", e->path);
		add_str(b, "trash_path", e->trash_path);
		add_int(b, "run_id", e->run_id);
		add_int(b, "bytes", (int64_t)e->size);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	add_problems(b, "skipped", r->skipped);
	json_builder_set_member_name(b, "summary");
	json_builder_begin_object(b);
	add_int(b, "files", r->entries->len);
	add_int(b, "bytes", (int64_t)r->bytes);
	add_int(b, "skipped", r->skipped->len);
	add_int(b, "recovered", r->n_recovered);
	json_builder_end_object(b);
	json_builder_end_object(b);
	cli_json_print(b);
}

static void
print_trash_text(const ImgoptTrashResult *r, const CliCommon *common,
		 bool is_dry_run)
{
	for (guint i = 0; i < r->skipped->len; i++)
		fprintf(stderr, "imgopt: skipped: %s\n",
			((ImgoptProblem *)g_ptr_array_index(r->skipped, i))
				->message);
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
empty_trash(const CliCommon *common, const ImgoptSite *site, const PruneArgs *a,
	    GError **error)
{
	g_autoptr(ImgoptManifest) manifest = NULL;
	g_autoptr(ImgoptTrashResult) r = NULL;
	int64_t age = 0;

	if (!parse_age(a->empty_trash, &age, error) ||
	    !cli_lock_site(common, site, error))
		return -1;
	g_autofree char *path = common->manifest != NULL
					? g_strdup(common->manifest)
					: imgopt_manifest_default_path(
						  imgopt_site_get_root(site));
	manifest = imgopt_manifest_open(path, error);
	if (manifest == NULL ||
	    !imgopt_prune_empty_trash(site, manifest, age, a->is_dry_run, &r,
				      error))
		return -1;
	if (common->json)
		print_trash_json(site, r, a->is_dry_run);
	else
		print_trash_text(r, common, a->is_dry_run);
	return r->skipped->len > 0 ? CLI_EXIT_ITEMS : CLI_EXIT_OK;
}

static bool
prune(const CliCommon *common, const ImgoptSite *site, const PruneArgs *a,
      ImgoptPruneResult **r_out, GError **error)
{
	ImgoptPruneOptions opt = {a->is_dry_run, a->is_delete,
				  a->with_originals, common->jobs};
	g_autoptr(ImgoptManifest) manifest = NULL;
	g_autofree char *scratch = NULL;
	g_autofree char *path = common->manifest != NULL
					? g_strdup(common->manifest)
					: imgopt_manifest_default_path(
						  imgopt_site_get_root(site));

	if (!a->is_dry_run && !cli_lock_site(common, site, error))
		return false;
	manifest = a->is_dry_run ? imgopt_run_open_scratch_manifest(
					   path, &scratch, error)
				 : imgopt_manifest_open(path, error);
	if (manifest == NULL)
		return false;
	bool is_ok =
		imgopt_prune_site(site, manifest, &opt, NULL, r_out, error);
	g_clear_pointer(&manifest, imgopt_manifest_close);
	imgopt_run_remove_scratch(scratch);
	return is_ok;
}

int
cli_cmd_prune(const char *name, int argc, char **argv)
{
	g_auto(CliCommon) common = {0};
	g_auto(PruneArgs) a = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptSite) site = NULL;
	g_autoptr(ImgoptPruneResult) r = NULL;
	const GOptionEntry extra[] = {
		{"dry-run", 'n', 0, G_OPTION_ARG_NONE, &a.is_dry_run,
		 "print the plan; change nothing", NULL},
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

	if (!cli_parse(name, "POSTS IMAGES",
		       "Moves the duplicate copies no post references and the "
		       "images no post shows\nto SITE/" IMGOPT_TRASH_DIR
		       "/RUN/ (imgopt restore puts them back).",
		       extra, 2, 2, &common, argc, argv, &code))
		return code;
	site = cli_open_site(&common, &error);
	if (site == NULL)
		return cli_fail(error);
	if (a.empty_trash != NULL) {
		code = empty_trash(&common, site, &a, &error);
		return code < 0 ? cli_fail(error) : code;
	}
	if (!prune(&common, site, &a, &r, &error))
		return cli_fail(error);
	if (common.json)
		print_json(site, r, &a);
	else
		print_text(r, &common, a.is_dry_run);
	return r->errors->len > 0 ? CLI_EXIT_ITEMS : CLI_EXIT_OK;
}
