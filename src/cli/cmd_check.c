/*
 * cmd_check.c: `imgopt check POSTS IMAGES`, the CI gate.  It plans what
 * `imgopt run` would do with the same options, on a scratch copy of the
 * manifest, and encodes and writes nothing: exit 0 if the run would
 * change nothing and no reference is broken, 1 otherwise.  An unchanged
 * re-run prints the last check's output and exit status after one walk
 * of the site (cli_run_memo_replay(), run_memo.c).
 */
#include "cli.h"

int
cli_cmd_check(const CliCommand *cmd, int argc, char **argv)
{
	return cli_run_like(cmd, argc, argv, true);
}
