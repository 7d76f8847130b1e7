/*
 * cmd_restore.c: `imgopt restore POSTS IMAGES [RUN]`: put the files a
 * prune moved to the trash back where they were (default: the latest
 * prune that has files in the trash).  Exit 1 if a file could not be put
 * back (its place is taken again, its trash copy is missing).
 */
#include <stdio.h>

#include "cli.h"

static void
add_str(JsonBuilder *b, const char *name, const char *value)
{
	g_autofree char *valid = g_utf8_make_valid(value, -1);

	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, valid);
}

static void
add_int(JsonBuilder *b, const char *name, int64_t value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, value);
}

static void
add_entries(JsonBuilder *b, const ImgoptTrashResult *r)
{
	json_builder_set_member_name(b, "restored");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->entries->len; i++) {
		const ImgoptTrashEntry *e = g_ptr_array_index(r->entries, i);

		json_builder_begin_object(b);
		add_str(b, "path", e->path);
		add_str(b, "from", e->trash_path);
		add_int(b, "bytes", (int64_t)e->size);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "skipped");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->skipped->len; i++) {
		const ImgoptProblem *p = g_ptr_array_index(r->skipped, i);

		json_builder_begin_object(b);
		add_str(b, "path", p->path);
		add_str(b, "reason", p->message);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void
print_json(const ImgoptSite *site, const ImgoptTrashResult *r, bool is_dry_run)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	add_str(b, "site_root", imgopt_site_get_root(site));
	json_builder_set_member_name(b, "dry_run");
	json_builder_add_boolean_value(b, is_dry_run);
	add_int(b, "run_id", r->run_id);
	add_entries(b, r);
	json_builder_set_member_name(b, "summary");
	json_builder_begin_object(b);
	add_int(b, "restored", r->entries->len);
	add_int(b, "bytes", (int64_t)r->bytes);
	add_int(b, "skipped", r->skipped->len);
	add_int(b, "deleted", r->n_deleted);
	add_int(b, "recovered", r->n_recovered);
	json_builder_end_object(b);
	json_builder_end_object(b);
	cli_json_print(b);
}

static void
print_text(const ImgoptTrashResult *r, const CliCommon *common, bool is_dry_run)
{
	for (guint i = 0; i < r->skipped->len; i++)
		fprintf(stderr, "imgopt: not restored: %s\n",
			((ImgoptProblem *)g_ptr_array_index(r->skipped, i))
				->message);
	if (common->quiet)
		return;
	for (guint i = 0;
	     (is_dry_run || common->verbose) && i < r->entries->len; i++) {
		const ImgoptTrashEntry *e = g_ptr_array_index(r->entries, i);
		g_autofree char *path = g_utf8_make_valid(e->path, -1);

		printf("%s %s\n", is_dry_run ? "would restore" : "restored",
		       path);
	}
	if (r->run_id == 0) {
		printf("the trash is empty: nothing to restore\n");
		return;
	}
	printf("prune run %" G_GINT64_FORMAT ": %u files (%" G_GUINT64_FORMAT
	       " bytes) %s, %u not restored",
	       r->run_id, r->entries->len, r->bytes,
	       is_dry_run ? "to restore" : "restored", r->skipped->len);
	if (r->n_deleted > 0)
		printf("; %u were deleted (--delete) and cannot be",
		       r->n_deleted);
	printf("\n");
}

static bool
parse_run(const CliCommon *common, int64_t *run_out, GError **error)
{
	guint64 v = 0;

	*run_out = 0;
	if (common->n_args < 3)
		return true;
	if (!g_ascii_string_to_unsigned(common->args[2], 10, 1, G_MAXINT64, &v,
					NULL)) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "RUN must be a prune run's number, not '%s'",
			    common->args[2]);
		return false;
	}
	*run_out = (int64_t)v;
	return true;
}

int
cli_cmd_restore(const char *name, int argc, char **argv)
{
	g_auto(CliCommon) common = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptSite) site = NULL;
	g_autoptr(ImgoptManifest) manifest = NULL;
	g_autoptr(ImgoptTrashResult) r = NULL;
	gboolean is_dry_run = FALSE;
	const GOptionEntry extra[] = {
		{"dry-run", 'n', 0, G_OPTION_ARG_NONE, &is_dry_run,
		 "say what would be restored; change nothing", NULL},
		G_OPTION_ENTRY_NULL,
	};
	int64_t run = 0;
	int code = 0;

	if (!cli_parse(name, "POSTS IMAGES [RUN]",
		       "Puts the files prune moved to the trash back where "
		       "they were\n(default: the latest prune with files in "
		       "the trash).",
		       extra, 2, 3, &common, argc, argv, &code))
		return code;
	if (!parse_run(&common, &run, &error))
		return cli_fail(error);
	site = cli_open_site(&common, &error);
	if (site == NULL ||
	    (!is_dry_run && !cli_lock_site(&common, site, &error)))
		return cli_fail(error);
	g_autofree char *path = common.manifest != NULL
					? g_strdup(common.manifest)
					: imgopt_manifest_default_path(
						  imgopt_site_get_root(site));
	manifest = imgopt_manifest_open(path, &error);
	if (manifest == NULL ||
	    !imgopt_prune_restore(site, manifest, run, is_dry_run, &r, &error))
		return cli_fail(error);
	if (common.json)
		print_json(site, r, is_dry_run);
	else
		print_text(r, &common, is_dry_run);
	return r->skipped->len > 0 ? CLI_EXIT_ITEMS : CLI_EXIT_OK;
}
