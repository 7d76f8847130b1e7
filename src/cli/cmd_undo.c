/*
 * cmd_undo.c: `imgopt undo POSTS IMAGES [RUN]`: the posts of the last run
 * that changed them and is not undone yet (with RUN: of every run back to
 * that one), put back byte for byte, with the files a prune took away that
 * they reference.  Exit 1 if a post was refused (edited since the run).
 */
#include <stdio.h>

#include "cli.h"

#include "imgopt/undo.h"

/* One element of "posts". */
static void
add_posts_item(CliJson *b, const void *item)
{
	const ImgoptUndoItem *it = item;

	cli_json_add_string(b, "post", it->post);
	cli_json_add_string(b, "status", imgopt_undo_status_name(it->status));
	cli_json_add_string(b, "message", it->message);
}

static void
print_json(const ImgoptSite *site, const ImgoptUndoResult *res, bool is_dry_run)
{
	g_autoptr(CliJson) b = cli_json_new_document(site);

	cli_json_add_bool(b, "dry_run", is_dry_run);
	cli_json_add_int(b, "run_id", res->run_id);
	cli_json_begin(b, CLI_JSON_ARRAY, "runs");
	for (guint i = 0; i < res->run_ids->len; i++)
		cli_json_add_int(b, NULL,
				 g_array_index(res->run_ids, int64_t, i));
	cli_json_end(b);
	cli_json_add_list(b, "posts", res->items, add_posts_item);
	cli_json_begin(b, CLI_JSON_ARRAY, "files");
	for (guint i = 0; i < res->files->len; i++)
		cli_json_add_string(b, NULL, g_ptr_array_index(res->files, i));
	cli_json_end(b);
	cli_json_begin(b, CLI_JSON_OBJECT, "summary");
	cli_json_add_int(b, "restored", res->n_restored);
	cli_json_add_int(b, "already", res->n_already);
	cli_json_add_int(b, "refused", res->n_refused);
	cli_json_end(b);
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
	for (guint i = 0; i < res->files->len; i++)
		printf("%s (for the restored posts): %s\n",
		       is_dry_run ? "would put back from the trash"
				  : "put back from the trash",
		       (const char *)g_ptr_array_index(res->files, i));
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
cli_cmd_undo(const CliCommand *cmd, int argc, char **argv)
{
	g_auto(CliCommon) common = {0};
	g_autoptr(GError) error = NULL;
	g_auto(CliContext) ctx = {0};
	g_autoptr(ImgoptUndoResult) res = NULL;
	gboolean is_dry_run = FALSE;
	GOptionEntry extra[] = {
		CLI_DRY_RUN_ENTRY(&is_dry_run,
				  "say what would be restored; change nothing"),
		G_OPTION_ENTRY_NULL,
	};
	int64_t back_to = 0;
	int code = 0;

	if (!cli_parse(cmd->name, "POSTS IMAGES [RUN]",
		       "Restores the posts of the last run that rewrote them, "
		       "byte for byte;\nagain, those of the run before (RUN: "
		       "every run back to that one).\nA post edited since that "
		       "run is refused (exit status 1).",
		       extra, 2, 3, &common, argc, argv, &code))
		return code;
	if (!cli_parse_run(&common, "a", &back_to, &error) ||
	    !cli_open(cli_needs(cmd, is_dry_run), &common, &ctx, &error) ||
	    !imgopt_undo_site(ctx.site, ctx.manifest, back_to, is_dry_run, &res,
			      &error))
		return cli_fail(error);
	if (common.json)
		print_json(ctx.site, res, is_dry_run);
	else
		print_text(res, &common, is_dry_run);
	return res->n_refused > 0 ? CLI_EXIT_ITEMS : CLI_EXIT_OK;
}
