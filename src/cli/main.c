/*
 * main.c: imgopt's entry point.  Initialises libraries, picks the
 * subcommand from the table and hands it the rest of the command line.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const CliCommand commands[] = {
	{"dupes", "list groups of identical image files and the orphans", cli_cmd_dupes},
	{"scan", "list every image reference of every post", cli_cmd_scan},
};

static int
usage(FILE *out, int code)
{
	fprintf(out, "usage: imgopt COMMAND [OPTIONS] POSTS IMAGES\n\ncommands:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n`imgopt COMMAND --help` describes a command's options.\n");
	return code;
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc < 2)
		return usage(stderr, CLI_EXIT_USAGE);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return usage(stdout, CLI_EXIT_OK);
	if (strcmp(argv[1], "--version") == 0) {
		printf("imgopt %s\n", imgopt_version());
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].handler(argv[1], argc - 1, argv + 1);
	fprintf(stderr, "imgopt: error: unknown command '%s'\n", argv[1]);
	return usage(stderr, CLI_EXIT_USAGE);
}
