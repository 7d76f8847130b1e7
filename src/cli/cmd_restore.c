/*
 * cmd_restore.c: `imgopt restore POSTS IMAGES [RUN]`: put the files a
 * prune moved to the trash back where they were (default: the latest
 * prune that has files in the trash).  Exit 1 if a file could not be put
 * back (its place is taken again, its trash copy is missing).
 */
#include <stdio.h>

#include "cli.h"

/* One element of "restored". */
static void
add_restored_item(CliJson *b, const void *item)
{
	const ImgoptTrashEntry *e = item;

	cli_json_add_string(b, "path", e->path);
	cli_json_add_string(b, "from", e->trash_path);
	cli_json_add_int(b, "bytes", (int64_t)e->size);
}

static void
add_entries(CliJson *b, const ImgoptTrashResult *r)
{
	cli_json_add_list(b, "restored", r->entries, add_restored_item);
	cli_json_add_problems(b, "skipped", r->skipped, "reason");
}

static void
print_json(const ImgoptSite *site, const ImgoptTrashResult *r, bool is_dry_run)
{
	g_autoptr(CliJson) b = cli_json_new_document(site);

	cli_json_add_bool(b, "dry_run", is_dry_run);
	cli_json_add_int(b, "run_id", r->run_id);
	add_entries(b, r);
	cli_json_begin(b, CLI_JSON_OBJECT, "summary");
	cli_json_add_int(b, "restored", r->entries->len);
	cli_json_add_int(b, "bytes", (int64_t)r->bytes);
	cli_json_add_int(b, "skipped", r->skipped->len);
	cli_json_add_int(b, "deleted", r->n_deleted);
	cli_json_add_int(b, "recovered", r->n_recovered);
	cli_json_end(b);
	cli_json_print(b);
}

static void
print_text(const ImgoptTrashResult *r, const CliCommon *common, bool is_dry_run)
{
	cli_print_problems(r->skipped, "not restored");
	if (common->quiet)
		return;
	for (guint i = 0;
	     (is_dry_run || common->verbose) && i < r->entries->len; i++) {
		const ImgoptTrashEntry *e = g_ptr_array_index(r->entries, i);
		g_autofree char *path = cli_shown_name(e->path);

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
		printf("; %u of them written again from the copy of their "
		       "bytes that stayed (--delete had removed them)",
		       r->n_deleted);
	printf("\n");
}

int
cli_cmd_restore(const CliCommand *cmd, int argc, char **argv)
{
	g_auto(CliCommon) common = {0};
	g_autoptr(GError) error = NULL;
	g_auto(CliContext) ctx = {0};
	g_autoptr(ImgoptTrashResult) r = NULL;
	gboolean is_dry_run = FALSE;
	const GOptionEntry extra[] = {
		CLI_DRY_RUN_ENTRY(&is_dry_run,
				  "say what would be restored; change nothing"),
		G_OPTION_ENTRY_NULL,
	};
	int64_t run = 0;
	int code = 0;

	if (!cli_parse(cmd->name, "POSTS IMAGES [RUN]",
		       "Puts the files prune moved to the trash back where "
		       "they were\n(default: the latest prune with files in "
		       "the trash).",
		       extra, 2, 3, &common, argc, argv, &code))
		return code;
	if (!cli_parse_run(&common, "a prune", &run, &error))
		return cli_fail(error);
	if (!cli_open(cli_needs(cmd, is_dry_run), &common, &ctx, &error) ||
	    !imgopt_prune_restore(ctx.site, ctx.manifest, run, is_dry_run, &r,
				  &error))
		return cli_fail(error);
	if (common.json)
		print_json(ctx.site, r, is_dry_run);
	else
		print_text(r, &common, is_dry_run);
	return r->skipped->len > 0 ? CLI_EXIT_ITEMS : CLI_EXIT_OK;
}
