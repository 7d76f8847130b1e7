/*
 * testutil.h: helpers shared by the test binaries: fixture paths, temporary
 * copies of fixture sites, golden file comparison, running the imgopt
 * binary, and generating images with `vips` at test time.
 *
 * Ownership: returned strings are transfer full.
 */
#ifndef IMGOPT_TESTUTIL_H
#define IMGOPT_TESTUTIL_H

#include <stdbool.h>
#include <glib.h>
#include <json-glib/json-glib.h>

/** Path of a file under fixtures/ (IMGOPT_FIXTURES). */
char *tu_fixture(const char *first, ...) G_GNUC_NULL_TERMINATED;

/** Path of a file under the shared folder (IMGOPT_SHARED), or NULL if that
 * folder is missing (the test should then g_test_skip()). */
char *tu_shared(const char *first, ...) G_GNUC_NULL_TERMINATED;

/** A new temporary folder, removed by tu_rmtree(). */
char *tu_tmpdir(void);

/** Removes @path recursively (like `rm -rf`). */
void tu_rmtree(const char *path);

/** Copies the tree @src into @dst (created), preserving symlinks. */
void tu_copytree(const char *src, const char *dst);

/** Writes @text to @path, creating parent folders. */
void tu_write(const char *path, const char *text);

/** Reads @path; fails the test if it cannot. */
char *tu_read(const char *path, gsize *len_out);

/**
 * tu_assert_golden:
 * @actual: the produced text
 * @golden: path of the expected file
 *
 * Compares byte for byte.  With IMGOPT_UPDATE_GOLDEN=1, writes @actual to
 * @golden instead.
 */
void tu_assert_golden(const char *actual, const char *golden);

/**
 * tu_run:
 * @argv: the command (argv[0] "imgopt" is replaced by the built binary)
 * @stdout_out: (out) (optional): what it printed on stdout
 * @stderr_out: (out) (optional): what it printed on stderr
 *
 * Returns: the exit status.
 */
int tu_run(const char *const *argv, char **stdout_out, char **stderr_out);

/** Runs imgopt with @argv and parses its stdout as JSON; fails the test if
 * it is not JSON.  *exit_out gets the exit status. */
JsonNode *tu_run_json(const char *const *argv, int *exit_out);

/**
 * tu_load_tree:
 * @dir: a folder (a missing one gives an empty table)
 * @skip_dir: (nullable): a folder below @dir, relative to it, to leave out
 *   (".imgopt", "optimized")
 *
 * Returns: (transfer full): relative path → GBytes of every file below
 *   @dir, symlinks listed as found by imgopt_fs_walk() (not followed).
 */
GHashTable *tu_load_tree(const char *dir, const char *skip_dir);

/** Fails the test, naming @what and the first path, unless @a and @b hold
 * the same paths with the same bytes. */
void tu_assert_same_tree(GHashTable *a, GHashTable *b, const char *what);

/**
 * tu_copy_site:
 * @name: a fixture site (fixtures/sites/@name/input)
 *
 * Returns: (transfer full): a copy of it, `site` in a new temporary
 *   folder (remove the folder with tu_rmtree() of its parent).
 */
char *tu_copy_site(const char *name);

/** Runs `vips` with @argv (e.g. {"black", "x.jpg", "10", "10", NULL}). */
void tu_vips(const char *const *argv);

#endif /* IMGOPT_TESTUTIL_H */
