/*
 * cmd_undo.c: `imgopt undo POSTS IMAGES`: the posts of the last run that
 * changed them, put back byte for byte.  Exit 1 if a post was refused
 * (edited since the run).
 */
#include <stdio.h>

#include "cli.h"

#include "imgopt/undo.h"

static void
print_json(const ImgoptSite *site, const ImgoptUndoResult *res, bool is_dry_run)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "site_root");
	json_builder_add_string_value(b, imgopt_site_get_root(site));
	json_builder_set_member_name(b, "dry_run");
	json_builder_add_boolean_value(b, is_dry_run);
	json_builder_set_member_name(b, "run_id");
	json_builder_add_int_value(b, res->run_id);
	json_builder_set_member_name(b, "runs");
	json_builder_begin_array(b);
	for (guint i = 0; i < res->run_ids->len; i++)
		json_builder_add_int_value(
			b, g_array_index(res->run_ids, int64_t, i));
	json_builder_end_array(b);
	json_builder_set_member_name(b, "posts");
	json_builder_begin_array(b);
	for (guint i = 0; i < res->items->len; i++) {
		const ImgoptUndoItem *it = g_ptr_array_index(res->items, i);

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "post");
		json_builder_add_string_value(b, it->post);
		json_builder_set_member_name(b, "status");
		json_builder_add_string_value(
			b, imgopt_undo_status_name(it->status));
		json_builder_set_member_name(b, "message");
		if (it->message != NULL)
			json_builder_add_string_value(b, it->message);
		else
			json_builder_add_null_value(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "summary");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "restored");
	json_builder_add_int_value(b, res->n_restored);
	json_builder_set_member_name(b, "already");
	json_builder_add_int_value(b, res->n_already);
	json_builder_set_member_name(b, "refused");
	json_builder_add_int_value(b, res->n_refused);
	json_builder_end_object(b);
	json_builder_end_object(b);
	cli_json_print(b);
}

static void
print_text(const ImgoptUndoResult *res, const CliCommon *common,
	   bool is_dry_run)
{
	for (guint i = 0; i < res->items->len; i++) {
		const ImgoptUndoItem *it = g_ptr_array_index(res->items, i);

		if (it->status == IMGOPT_UNDO_REFUSED)
			fprintf(stderr, "imgopt: %s\n", it->message);
		else if (common->verbose || is_dry_run)
			printf("%s: %s\n",
			       it->status == IMGOPT_UNDO_ALREADY ? "already"
			       : is_dry_run ? "would restore"
					    : "restored",
			       it->post);
	}
	if (common->quiet)
		return;
	if (res->run_id == 0) {
		printf("no run has rewritten any post: nothing to undo\n");
		return;
	}
	for (guint i = 1; i < res->run_ids->len; i++)
		printf("run %" G_GINT64_FORMAT
		       " was interrupted and run %" G_GINT64_FORMAT
		       " completed it: undone together\n",
		       g_array_index(res->run_ids, int64_t, i), res->run_id);
	printf("run %" G_GINT64_FORMAT ": %u posts %s, %u already "
	       "restored, %u refused\n",
	       res->run_id, res->n_restored,
	       is_dry_run ? "to restore" : "restored", res->n_already,
	       res->n_refused);
}

int
cli_cmd_undo(const char *name, int argc, char **argv)
{
	g_auto(CliCommon) common = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptSite) site = NULL;
	g_autoptr(ImgoptManifest) manifest = NULL;
	g_autoptr(ImgoptUndoResult) res = NULL;
	gboolean is_dry_run = FALSE;
	GOptionEntry extra[] = {
		{"dry-run", 'n', 0, G_OPTION_ARG_NONE, &is_dry_run,
		 "say what would be restored; change nothing", NULL},
		G_OPTION_ENTRY_NULL,
	};
	int code = 0;

	if (!cli_parse(
		    name, "POSTS IMAGES",
		    "Restores the posts of the last run that rewrote them, "
		    "byte for byte.\nA post edited since that run is refused "
		    "(exit status 1).",
		    extra, 2, 2, &common, argc, argv, &code))
		return code;
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
	    !imgopt_undo_last_run(site, manifest, is_dry_run, &res, &error))
		return cli_fail(error);
	if (common.json)
		print_json(site, res, is_dry_run);
	else
		print_text(res, &common, is_dry_run);
	return res->n_refused > 0 ? CLI_EXIT_ITEMS : CLI_EXIT_OK;
}
