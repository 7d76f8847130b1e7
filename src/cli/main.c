/*
 * main.c: imgopt's entry point.  Initialises libraries, picks the
 * subcommand from the table and hands it the rest of the command line.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* name, summary, what it needs opened, the same with --dry-run, handler */
static const CliCommand commands[] = {
	{"build", "make the web-size variants of the referenced images",
	 CLI_NEEDS_WRITE, 0, cli_cmd_build},
	{"run",
	 "the whole job: optimize the images, rewrite the posts (default)",
	 CLI_NEEDS_WRITE, CLI_NEEDS_PLAN, cli_cmd_run},
	{"check", "exit 1 if run would change something or a link is broken",
	 CLI_NEEDS_PLAN, 0, cli_cmd_check},
	{"dupes", "list groups of identical image files and the orphans",
	 CLI_NEEDS_WRITE, 0, cli_cmd_dupes},
	{"prune", "move duplicates and images no post shows to the trash",
	 CLI_NEEDS_WRITE, CLI_NEEDS_PLAN, cli_cmd_prune},
	{"restore", "put back the files a prune moved to the trash",
	 CLI_NEEDS_WRITE, CLI_NEEDS_SITE | CLI_NEEDS_MANIFEST, cli_cmd_restore},
	{"report", "write an HTML report of savings, duplicates, broken links",
	 CLI_NEEDS_PLAN, 0, cli_cmd_report},
	{"scan", "list every image reference of every post", CLI_NEEDS_SITE, 0,
	 cli_cmd_scan},
	{"undo", "restore the posts the last run rewrote, byte for byte",
	 CLI_NEEDS_WRITE, CLI_NEEDS_SITE | CLI_NEEDS_MANIFEST, cli_cmd_undo},
};

static int
usage(FILE *out, int code)
{
	fprintf(out,
		"usage: imgopt COMMAND [OPTIONS] POSTS IMAGES\n\ncommands:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(out,
		"\n`imgopt COMMAND --help` describes a command's options.\n");
	return code;
}

static const CliCommand *
lookup_command(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

/* The command named by @arg; `imgopt [OPTIONS] POSTS IMAGES` without a
 * command is `run`.  NULL (after printing why) for an unknown command. */
static const CliCommand *
find_command(const char *arg, bool *is_default_out)
{
	const CliCommand *cmd = lookup_command(arg);

	*is_default_out = false;
	if (cmd != NULL)
		return cmd;
	if (arg[0] == '-' || g_file_test(arg, G_FILE_TEST_IS_DIR)) {
		*is_default_out = true;
		return lookup_command("run");
	}
	fprintf(stderr, "imgopt: error: unknown command '%s'\n", arg);
	usage(stderr, CLI_EXIT_USAGE);
	return NULL;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	bool is_default = false;

	setlocale(LC_ALL, "");
	/* A bare `imgopt` in a site root runs there (cli_parse finds POSTS
	 * and IMAGES); "-" sends it to the default command. */
	const char *first = argc > 1 ? argv[1] : "-";
	if (argc < 2 && !cli_site_here())
		return usage(stderr, CLI_EXIT_USAGE);
	if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0)
		return usage(stdout, CLI_EXIT_OK);
	if (strcmp(first, "--version") == 0) {
		printf("imgopt %s\n", imgopt_version());
		return CLI_EXIT_OK;
	}
	const CliCommand *cmd = find_command(first, &is_default);
	if (cmd == NULL)
		return CLI_EXIT_USAGE;
	if (!imgopt_init(argv[0], &error))
		return cli_fail(error);
	int code = is_default ? cmd->handler(cmd, argc, argv)
			      : cmd->handler(cmd, argc - 1, argv + 1);
	imgopt_shutdown();
	return code;
}
