/*
 * test_prune_kill.c: `imgopt prune` as a process: killed, raced, and
 * measured against `imgopt dupes` on a generated seed-like blog.
 *
 *   - /prune-kill/every-point: a genblog blog after `imgopt run` (so its
 *     duplicate copies are no longer referenced) is pruned with SIGKILL at
 *     every kill point (src/fault.h: after the plan is recorded, after each
 *     file moved, after the marks; at least 50), each on a fresh copy.
 *     After each kill: every content of the blog is in the site or the
 *     trash, and every reference resolves as before.  The next prune
 *     finishes the job: the site is then exactly what an uninterrupted
 *     prune leaves, and restoring every prune run gives the blog back
 *     byte for byte.  The same, at every third point, with --delete.
 *   - /prune-kill/lock: while this process holds the site's lock a prune
 *     refuses with "another imgopt (pid N, started at T) is working on
 *     this site", and a prune --wait waits for it and then works; the
 *     lock of a prune killed holding it is taken over, with a note.
 *   - /prune-kill/two-at-once: two imgopt processes (prune and prune,
 *     prune and run, prune and dupes) started together on one site: each
 *     works or refuses with the message, the manifest passes
 *     `PRAGMA integrity_check`, nothing is lost.
 *   - /prune-kill/genblog-figures: before a run, prune removes exactly the
 *     orphan bytes dupes reports; after it, prune's duplicate bytes are
 *     dupes' reclaimable bytes; a dry run's plan is what prune then does.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsio.h"
#include "imgopt/imgopt.h"
#include "testutil.h"

/* ---- trees and references ---- */

/* Every content of @before is somewhere in the site or its trash. */
static void
assert_nothing_lost(GHashTable *before, const char *site)
{
	g_autoptr(GHashTable) now = tu_load_tree(site, ".imgopt");
	g_autofree char *trash =
		g_build_filename(site, ".imgopt", "trash", NULL);
	g_autoptr(GHashTable) trashed = tu_load_tree(trash, NULL);
	g_autoptr(GHashTable) have =
		g_hash_table_new(g_bytes_hash, g_bytes_equal);
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, now);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_hash_table_add(have, v);
	g_hash_table_iter_init(&it, trashed);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_hash_table_add(have, v);
	g_hash_table_iter_init(&it, before);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (!g_hash_table_contains(have, v))
			g_error("the content of '%s' is lost", (char *)k);
}

/* Every post's references as "status resolved" lines. */
static char *
resolve_all(const char *root)
{
	g_autofree char *posts = g_build_filename(root, "_posts", NULL);
	g_autofree char *images = g_build_filename(root, "postimg", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptSite) site =
		imgopt_site_open(posts, images, NULL, &error);
	g_autoptr(GString) out = g_string_new(NULL);

	g_assert_no_error(error);
	g_autoptr(GPtrArray) list = imgopt_site_list_posts(site, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < list->len; i++) {
		g_autoptr(GPtrArray) refs = imgopt_site_scan_post(
			site, g_ptr_array_index(list, i), &error);

		g_assert_no_error(error);
		for (guint j = 0; j < refs->len; j++) {
			const ImgoptRef *r = g_ptr_array_index(refs, j);

			g_string_append_printf(
				out, "%s %s %s\n", r->post,
				imgopt_ref_status_name(r->status),
				r->resolved ? r->resolved : "-");
		}
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* ---- running imgopt ---- */

/* Runs `imgopt CMD SITE/_posts SITE/postimg ARGS…`. */
static int imgopt(const char *site, const char *fault_after, char **out,
		  char **err, const char *cmd, ...) G_GNUC_NULL_TERMINATED;

static int
imgopt(const char *site, const char *fault_after, char **out, char **err,
       const char *cmd, ...)
{
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *images = g_build_filename(site, "postimg", NULL);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	va_list ap;

	g_ptr_array_add(argv, (char *)"imgopt");
	g_ptr_array_add(argv, (char *)cmd);
	g_ptr_array_add(argv, posts);
	g_ptr_array_add(argv, images);
	va_start(ap, cmd);
	for (const char *a = va_arg(ap, const char *); a != NULL;
	     a = va_arg(ap, const char *))
		g_ptr_array_add(argv, (char *)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	if (fault_after != NULL)
		g_setenv("IMGOPT_FAULT_AFTER", fault_after, TRUE);
	int code = tu_run((const char *const *)argv->pdata, out, err);
	g_unsetenv("IMGOPT_FAULT_AFTER");
	return code;
}

static JsonObject *
parse_object(const char *text, JsonParser *parser)
{
	g_autoptr(GError) error = NULL;

	json_parser_load_from_data(parser, text, -1, &error);
	g_assert_no_error(error);
	return json_node_get_object(json_parser_get_root(parser));
}

static gint64
summary_int(const char *json, const char *member)
{
	g_autoptr(JsonParser) p = json_parser_new();
	JsonObject *o = parse_object(json, p);

	return json_object_get_int_member(
		json_object_get_object_member(o, "summary"), member);
}

/* Restores every prune run whose trash folder exists. */
static void
restore_all(const char *site)
{
	g_autofree char *trash =
		g_build_filename(site, ".imgopt", "trash", NULL);
	g_autoptr(GDir) d = g_dir_open(trash, 0, NULL);
	const char *name;
	g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func(g_free);

	while (d != NULL && (name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(runs, g_strdup(name));
	for (guint i = 0; i < runs->len; i++)
		g_assert_cmpint(imgopt(site, NULL, NULL, NULL, "restore",
				       (char *)g_ptr_array_index(runs, i), "-q",
				       NULL),
				==, 0);
}

/* ---- the blog ---- */

typedef struct {
	char *tmp;        /* holds every copy */
	char *ran;        /* the blog after `imgopt run` */
	GHashTable *tree; /* its files */
	char *refs;       /* its references, resolved */
} Blog;

static void
blog_clear(Blog *b)
{
	if (b->tmp != NULL)
		tu_rmtree(b->tmp);
	g_clear_pointer(&b->tmp, g_free);
	g_clear_pointer(&b->ran, g_free);
	g_clear_pointer(&b->tree, g_hash_table_unref);
	g_clear_pointer(&b->refs, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Blog, blog_clear)

static char *
make_genblog(const char *dir, const char *seed)
{
	const char *argv[] = {g_getenv("GENBLOG"),
			      "--posts",
			      "18",
			      "--images",
			      "76",
			      "--seed",
			      seed,
			      "--sizes",
			      "tiny",
			      "--out",
			      dir,
			      NULL};

	g_assert_cmpint(tu_run(argv, NULL, NULL), ==, 0);
	/* The generator's answer key names every orphan: in the site, the
	 * name guard would keep them all. */
	g_autofree char *truth =
		g_build_filename(dir, "genblog-truth.json", NULL);
	g_assert_cmpint(unlink(truth), ==, 0);
	return g_strdup(dir);
}

static void
make_blog(Blog *b)
{
	b->tmp = tu_tmpdir();
	g_autofree char *dir = g_build_filename(b->tmp, "ran", NULL);
	b->ran = make_genblog(dir, "5");
	g_assert_cmpint(imgopt(b->ran, NULL, NULL, NULL, "run", "-q",
			       "--widths", "16,32", NULL),
			<=, 1);
	b->tree = tu_load_tree(b->ran, ".imgopt");
	b->refs = resolve_all(b->ran);
}

static char *
fresh_copy(const Blog *b, const char *name)
{
	char *site = g_build_filename(b->tmp, name, NULL);

	tu_rmtree(site);
	tu_copytree(b->ran, site);
	return site;
}

static bool
need_genblog(void)
{
	if (g_getenv("GENBLOG") != NULL)
		return true;
	g_test_skip("no GENBLOG (tools/genblog)");
	return false;
}

/* ---- SIGKILL at every point ---- */

/* Kills prune at @point; false if it survived (no such point). */
static bool
kill_once(const Blog *b, guint point, const char *mode,
	  GHashTable *uninterrupted)
{
	g_autofree char *site = fresh_copy(b, "killed");
	g_autofree char *n = g_strdup_printf("%u", point);
	int code = imgopt(site, n, NULL, NULL, "prune", "-q", mode, NULL);

	if (code != 128 + SIGKILL) {
		g_assert_cmpint(code, ==, 0);
		return false;
	}
	assert_nothing_lost(b->tree, site);
	g_autofree char *refs = resolve_all(site);
	g_assert_cmpstr(refs, ==, b->refs);
	/* The next prune settles the debris and finishes the job. */
	g_assert_cmpint(
		imgopt(site, NULL, NULL, NULL, "prune", "-q", mode, NULL), ==,
		0);
	g_autoptr(GHashTable) after = tu_load_tree(site, ".imgopt");
	tu_assert_same_tree(uninterrupted, after, "after the re-run");
	assert_nothing_lost(b->tree, site);
	if (strcmp(mode, "--delete") != 0 && point % 5 == 1) {
		restore_all(site);
		g_autoptr(GHashTable) back = tu_load_tree(site, ".imgopt");
		tu_assert_same_tree(b->tree, back, "after restore");
	}
	return true;
}

static guint
kill_every(const Blog *b, const char *mode, guint step)
{
	g_autofree char *site = fresh_copy(b, "uninterrupted");
	guint point = 1;

	g_assert_cmpint(
		imgopt(site, NULL, NULL, NULL, "prune", "-q", mode, NULL), ==,
		0);
	g_autoptr(GHashTable) uninterrupted = tu_load_tree(site, ".imgopt");
	g_assert_cmpuint(g_hash_table_size(uninterrupted), <,
			 g_hash_table_size(b->tree));
	while (kill_once(b, point, mode, uninterrupted))
		point += step;
	return point - 1;
}

static void
test_every_point(void)
{
	g_auto(Blog) b = {0};

	if (!need_genblog())
		return;
	make_blog(&b);
	guint n = kill_every(&b, "--verbose", 1);
	g_test_message("%u kill points (trash)", n);
	g_assert_cmpuint(n, >=, 50);
	n = kill_every(&b, "--delete", 3);
	g_test_message("up to point %u (--delete)", n);
	g_assert_cmpuint(n, >=, 25);
}

/* ---- the lock ---- */

/* Reads @fd until a line containing @needle; false at end of file. */
static bool
read_until(int fd, const char *needle)
{
	g_autoptr(GString) seen = g_string_new(NULL);
	char c;

	while (read(fd, &c, 1) == 1) {
		g_string_append_c(seen, c);
		if (c == '\n' && strstr(seen->str, needle) != NULL)
			return true;
	}
	return false;
}

static void
test_lock(void)
{
	g_auto(Blog) b = {0};
	g_autoptr(GError) error = NULL;

	if (!need_genblog())
		return;
	make_blog(&b);
	g_autofree char *dot = g_build_filename(b.ran, ".imgopt", NULL);
	g_autoptr(ImgoptLock) lock = imgopt_lock_acquire(dot, false, &error);
	g_assert_no_error(error);
	g_autofree char *err = NULL;
	g_assert_cmpint(imgopt(b.ran, NULL, NULL, &err, "prune", NULL), ==, 3);
	g_autofree char *who = g_strdup_printf(
		"imgopt: error: another imgopt (pid %d, started at ",
		(int)getpid());
	g_assert_true(g_str_has_prefix(err, who));
	g_assert_true(g_str_has_suffix(
		err, ") is working on this site; try again when it is done, "
		     "or pass --wait\n"));
	/* Nothing was touched. */
	g_autoptr(GHashTable) same = tu_load_tree(b.ran, ".imgopt");
	tu_assert_same_tree(b.tree, same, "refused prune");

	/* --wait: it says it waits, and works once the lock is free. */
	g_autofree char *posts = g_build_filename(b.ran, "_posts", NULL);
	g_autofree char *images = g_build_filename(b.ran, "postimg", NULL);
	const char *argv[] = {g_getenv("IMGOPT_BIN"),
			      "prune",
			      "--wait",
			      "--json",
			      posts,
			      images,
			      NULL};
	GPid pid = 0;
	int err_fd = -1;
	int status = 0;

	g_assert_true(g_spawn_async_with_pipes(
		NULL, (char **)argv, NULL,
		G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
		NULL, &pid, NULL, NULL, &err_fd, &error));
	g_assert_true(read_until(err_fd, "imgopt: waiting: another imgopt"));
	g_clear_pointer(&lock, imgopt_lock_release);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	close(err_fd);
	g_spawn_close_pid(pid);
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	g_autoptr(GHashTable) pruned = tu_load_tree(b.ran, ".imgopt");
	g_assert_cmpuint(g_hash_table_size(pruned), <,
			 g_hash_table_size(b.tree));

	/* A prune killed holding the lock: the next imgopt takes it over
	 * and says so. */
	g_autofree char *site = fresh_copy(&b, "stale");
	g_autofree char *note = NULL;
	g_assert_cmpint(imgopt(site, "2", NULL, NULL, "prune", NULL), ==,
			128 + SIGKILL);
	g_assert_cmpint(imgopt(site, NULL, NULL, &note, "restore", NULL), ==,
			0);
	g_assert_true(g_str_has_prefix(
		note, "imgopt: note: took over the lock of an imgopt that "
		      "ended without releasing it (pid "));
	g_autoptr(GHashTable) back = tu_load_tree(site, ".imgopt");
	tu_assert_same_tree(b.tree, back, "killed, restored");
}

/* ---- two at once ---- */

static GPid
spawn(const char *site, const char *cmd, int *err_fd)
{
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *images = g_build_filename(site, "postimg", NULL);
	const char *argv[] = {g_getenv("IMGOPT_BIN"),
			      cmd,
			      posts,
			      images,
			      "-q",
			      "--widths",
			      "16,32",
			      NULL};
	g_autoptr(GError) error = NULL;
	GPid pid = 0;

	if (strcmp(cmd, "run") != 0)
		argv[5] = NULL;
	g_assert_true(g_spawn_async_with_pipes(
		NULL, (char **)argv, NULL,
		G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
		NULL, &pid, NULL, NULL, err_fd, &error));
	g_assert_no_error(error);
	return pid;
}

/* Waits for @pid: 0 or 1 if it worked, 3 if it refused with the
 * message. */
static int
reap(GPid pid, int err_fd)
{
	g_autoptr(GString) err = g_string_new(NULL);
	char buf[512];
	ssize_t n;
	int status = 0;

	while ((n = read(err_fd, buf, sizeof buf)) > 0)
		g_string_append_len(err, buf, n);
	close(err_fd);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_spawn_close_pid(pid);
	g_assert_true(WIFEXITED(status));
	int code = WEXITSTATUS(status);
	if (code == 3)
		g_assert_nonnull(strstr(err->str, "is working on this site"));
	else
		g_assert_cmpint(code, <=, 1);
	return code;
}

static void
integrity_check(const char *site)
{
	g_autofree char *db =
		g_build_filename(site, ".imgopt", "manifest.db", NULL);
	const char *argv[] = {"sqlite3", db, "PRAGMA integrity_check", NULL};
	g_autofree char *out = NULL;

	g_assert_cmpint(tu_run(argv, &out, NULL), ==, 0);
	g_assert_cmpstr(out, ==, "ok\n");
}

static void
test_two_at_once(void)
{
	static const char *const pairs[][2] = {
		{"prune", "prune"}, {"prune", "run"},     {"run", "prune"},
		{"prune", "dupes"}, {"restore", "prune"}, {"prune", "prune"},
	};
	g_auto(Blog) b = {0};

	if (!need_genblog())
		return;
	make_blog(&b);
	for (guint i = 0; i < G_N_ELEMENTS(pairs); i++) {
		g_autofree char *site = fresh_copy(&b, "raced");
		int fa = -1, fb = -1;

		if (strcmp(pairs[i][0], "restore") == 0)
			g_assert_cmpint(imgopt(site, NULL, NULL, NULL, "prune",
					       "-q", NULL),
					==, 0);
		GPid a = spawn(site, pairs[i][0], &fa);
		GPid c = spawn(site, pairs[i][1], &fb);
		int ca = reap(a, fa), cb = reap(c, fb);

		g_assert_true(ca != 3 || cb != 3); /* one of them worked */
		integrity_check(site);
		assert_nothing_lost(b.tree, site);
		g_autofree char *refs = resolve_all(site);
		g_assert_cmpstr(refs, ==, b.refs);
		restore_all(site);
		g_autoptr(GHashTable) back = tu_load_tree(site, ".imgopt");
		tu_assert_same_tree(b.tree, back, "raced, then restored");
	}
}

/* ---- the figures dupes reports ---- */

static void
test_genblog_figures(void)
{
	g_autofree char *tmp = NULL;
	g_autofree char *dupes = NULL, *dry = NULL, *real = NULL;

	if (!need_genblog())
		return;
	tmp = tu_tmpdir();
	g_autofree char *dir = g_build_filename(tmp, "blog", NULL);
	g_autofree char *site = make_genblog(dir, "9");
	g_assert_cmpint(
		imgopt(site, NULL, &dupes, NULL, "dupes", "--json", NULL), ==,
		0);
	/* Before a run: every orphan dupes lists, nothing referenced. */
	g_assert_cmpint(imgopt(site, NULL, &dry, NULL, "prune", "--dry-run",
			       "--json", NULL),
			==, 0);
	g_assert_cmpint(summary_int(dry, "reclaimed_bytes"), ==,
			summary_int(dupes, "orphan_bytes"));
	g_assert_cmpint(summary_int(dry, "files"), ==,
			summary_int(dupes, "orphans"));
	g_assert_cmpint(summary_int(dry, "files"), >, 0);
	/* After a run the posts show variants: every duplicate copy goes. */
	g_assert_cmpint(imgopt(site, NULL, NULL, NULL, "run", "-q", "--widths",
			       "16,32", NULL),
			<=, 1);
	g_clear_pointer(&dry, g_free);
	g_assert_cmpint(
		imgopt(site, NULL, &dry, NULL, "prune", "-n", "--json", NULL),
		==, 0);
	g_assert_cmpint(
		imgopt(site, NULL, &real, NULL, "prune", "--json", NULL), ==,
		0);
	g_assert_cmpint(summary_int(real, "duplicate_bytes"), ==,
			summary_int(dupes, "reclaimable_bytes"));
	g_assert_cmpint(summary_int(real, "duplicate_bytes"), >, 0);
	/* The dry run's plan is exactly what prune did. */
	g_autoptr(JsonParser) pd = json_parser_new();
	g_autoptr(JsonParser) pr = json_parser_new();
	JsonObject *od = parse_object(dry, pd);
	JsonObject * or = parse_object(real, pr);
	g_assert_true(json_node_equal(json_object_get_member(od, "items"),
				      json_object_get_member(or, "items")));
	g_assert_true(json_node_equal(json_object_get_member(od, "summary"),
				      json_object_get_member(or, "summary")));
	tu_rmtree(tmp);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_autoptr(GError) error = NULL;
	g_assert_true(imgopt_init(argv[0], &error));
	g_test_add_func("/prune-kill/genblog-figures", test_genblog_figures);
	g_test_add_func("/prune-kill/lock", test_lock);
	g_test_add_func("/prune-kill/two-at-once", test_two_at_once);
	g_test_add_func("/prune-kill/every-point", test_every_point);
	int code = g_test_run();
	imgopt_shutdown();
	return code;
}
