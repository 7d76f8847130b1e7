/*
 * test_writer.c: the manifest's writer thread (writer.h): writes run in
 * the order queued, committed at the end or once their transaction has
 * been open long enough; the first failure ends the writing and rolls
 * back what was not committed; an abort rolls back; every write's data
 * is freed once, run or skipped.
 */
#include "imgopt/imgopt.h"

#include <string.h>

#include "testutil.h"
#include "writer.h"

/* What the writes of one test share. */
typedef struct {
	GArray *ran; /* (element-type int) the writes run, in order */
	int n_freed; /* data freed */
	GMutex lock; /* the two above, and @ran_cond */
	GCond ran_cond;
	char *db; /* the manifest's path, for a second connection */
} Shared;

typedef struct {
	Shared *shared;
	int id;
	const char *path; /* the file row to put, or NULL */
	bool fails;       /* the write fails */
} Write;

static guint
count_rows(const char *db)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptManifest) m = imgopt_manifest_open(db, &error);
	g_autoptr(GHashTable) files = NULL;

	g_assert_no_error(error);
	files = imgopt_manifest_load_files(m, &error);
	g_assert_no_error(error);
	return g_hash_table_size(files);
}

static bool
do_write(ImgoptManifest *manifest, gpointer data, GError **error)
{
	Write *w = data;
	Shared *sh = w->shared;

	g_mutex_lock(&sh->lock);
	g_array_append_val(sh->ran, w->id);
	g_cond_broadcast(&sh->ran_cond);
	g_mutex_unlock(&sh->lock);
	if (w->fails) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_IO,
			    "write %d failed", w->id);
		return false;
	}
	if (w->path != NULL) {
		g_autoptr(ImgoptAsset) a = imgopt_asset_new(w->path);

		a->size = 10;
		return imgopt_manifest_put_new_file(manifest, a, error);
	}
	return true;
}

static void
write_free(gpointer data)
{
	Write *w = data;

	g_mutex_lock(&w->shared->lock);
	w->shared->n_freed++;
	g_mutex_unlock(&w->shared->lock);
	g_free(w);
}

static guint64
push(ImgoptWriter *writer, Shared *sh, int id, const char *path, bool fails)
{
	Write *w = g_new0(Write, 1);

	w->shared = sh;
	w->id = id;
	w->path = path;
	w->fails = fails;
	return imgopt_writer_push(writer, do_write, w, write_free);
}

static ImgoptManifest *
setup(Shared *sh, char **dir_out)
{
	g_autoptr(GError) error = NULL;
	ImgoptManifest *m = NULL;

	*dir_out = tu_tmpdir();
	sh->db = g_build_filename(*dir_out, "manifest.db", NULL);
	sh->ran = g_array_new(FALSE, FALSE, sizeof(int));
	g_mutex_init(&sh->lock);
	g_cond_init(&sh->ran_cond);
	m = imgopt_manifest_open(sh->db, &error);
	g_assert_no_error(error);
	return m;
}

/* Closes @m and removes @dir too. */
static void
teardown(Shared *sh, ImgoptManifest **m, const char *dir)
{
	g_clear_pointer(m, imgopt_manifest_close);
	tu_rmtree(dir);
	g_array_unref(sh->ran);
	g_mutex_clear(&sh->lock);
	g_cond_clear(&sh->ran_cond);
	g_free(sh->db);
}

static void
assert_ran(const Shared *sh, const int *ids, guint n)
{
	g_assert_cmpuint(sh->ran->len, ==, n);
	for (guint i = 0; i < n; i++)
		g_assert_cmpint(g_array_index(sh->ran, int, i), ==, ids[i]);
}

/* In order, everything committed at the end. */
static void
test_in_order_committed_at_end(void)
{
	Shared sh = {0};
	g_autofree char *dir = NULL;
	g_autoptr(ImgoptManifest) m = setup(&sh, &dir);
	g_autoptr(ImgoptWriter) w = imgopt_writer_start(m, G_MAXINT64);
	g_autoptr(GError) error = NULL;
	const int order[] = {1, 2, 3, 4};

	push(w, &sh, 1, "a.jpg", false);
	push(w, &sh, 2, "b.jpg", false);
	push(w, &sh, 3, NULL, false);
	push(w, &sh, 4, "c.jpg", false);
	g_assert_true(imgopt_writer_finish(w, &error));
	g_assert_no_error(error);
	assert_ran(&sh, order, 4);
	g_assert_cmpint(sh.n_freed, ==, 4);
	g_assert_cmpuint(count_rows(sh.db), ==, 3);
	/* finished: a second finish has nothing to say */
	g_assert_true(imgopt_writer_finish(w, &error));
	g_clear_pointer(&w, imgopt_writer_free);
	teardown(&sh, &m, dir);
}

/* The first failure: its error is finish()'s, the writes after it are
 * skipped (and freed), what was not committed is rolled back. */
static void
test_failure_ends_writing(void)
{
	Shared sh = {0};
	g_autofree char *dir = NULL;
	g_autoptr(ImgoptManifest) m = setup(&sh, &dir);
	g_autoptr(ImgoptWriter) w = imgopt_writer_start(m, G_MAXINT64);
	g_autoptr(GError) error = NULL;
	const int order[] = {1, 2};

	push(w, &sh, 1, "a.jpg", false);
	push(w, &sh, 2, NULL, true);
	push(w, &sh, 3, "c.jpg", false);
	g_assert_false(imgopt_writer_finish(w, &error));
	g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_IO);
	g_assert_cmpstr(error->message, ==, "write 2 failed");
	assert_ran(&sh, order, 2);
	g_assert_cmpint(sh.n_freed, ==, 3);
	g_assert_cmpuint(count_rows(sh.db), ==, 0);
	g_clear_pointer(&w, imgopt_writer_free);
	teardown(&sh, &m, dir);
}

/* A transaction open for @commit_us is committed after the write that
 * ends it: a later failure keeps it (test_failure_ends_writing() loses
 * it). */
static void
test_commits_as_it_goes(void)
{
	Shared sh = {0};
	g_autofree char *dir = NULL;
	g_autoptr(ImgoptManifest) m = setup(&sh, &dir);
	g_autoptr(ImgoptWriter) w = imgopt_writer_start(m, 0);
	g_autoptr(GError) error = NULL;

	push(w, &sh, 1, "a.jpg", false);
	push(w, &sh, 2, NULL, true);
	g_assert_false(imgopt_writer_finish(w, &error));
	g_assert_cmpuint(count_rows(sh.db), ==, 1);
	g_assert_cmpint(sh.n_freed, ==, 2);
	g_clear_pointer(&w, imgopt_writer_free);
	teardown(&sh, &m, dir);
}

/* An abort rolls back what the writes that ran had not committed; freeing
 * a running writer aborts it. */
static void
test_abort_rolls_back(void)
{
	Shared sh = {0};
	g_autofree char *dir = NULL;
	g_autoptr(ImgoptManifest) m = setup(&sh, &dir);
	g_autoptr(ImgoptWriter) w = imgopt_writer_start(m, G_MAXINT64);
	g_autoptr(GError) error = NULL;

	push(w, &sh, 1, "a.jpg", false);
	g_mutex_lock(&sh.lock);
	while (sh.ran->len < 1)
		g_cond_wait(&sh.ran_cond, &sh.lock);
	g_mutex_unlock(&sh.lock);
	imgopt_writer_abort(w);
	g_assert_cmpint(sh.n_freed, ==, 1);
	g_assert_cmpuint(count_rows(sh.db), ==, 0);
	g_assert_true(imgopt_writer_finish(w, &error)); /* nothing to say */
	g_clear_pointer(&w, imgopt_writer_free);

	/* the manifest is usable again, and a writer freed unfinished */
	w = imgopt_writer_start(m, G_MAXINT64);
	push(w, &sh, 2, "b.jpg", false);
	g_clear_pointer(&w, imgopt_writer_free);
	g_assert_cmpint(sh.n_freed, ==, 2);
	g_assert_cmpuint(count_rows(sh.db), ==, 0);
	teardown(&sh, &m, dir);
}

/* A ticket's wait returns once that write and those before it ran, or
 * were skipped after a failure; not before. */
static void
test_wait_for_ticket(void)
{
	Shared sh = {0};
	g_autofree char *dir = NULL;
	g_autoptr(ImgoptManifest) m = setup(&sh, &dir);
	g_autoptr(ImgoptWriter) w = imgopt_writer_start(m, G_MAXINT64);
	g_autoptr(GError) error = NULL;
	const int order[] = {1, 2, 3};
	guint64 t1, t2, t3, t4;

	t1 = push(w, &sh, 1, "a.jpg", false);
	t2 = push(w, &sh, 2, "b.jpg", false);
	g_assert_cmpuint(t2, ==, t1 + 1);
	imgopt_writer_wait(w, t2);
	g_mutex_lock(&sh.lock);
	g_assert_cmpuint(sh.ran->len, ==, 2);
	g_assert_cmpint(sh.n_freed, ==, 2);
	g_mutex_unlock(&sh.lock);
	t3 = push(w, &sh, 3, NULL, true);
	t4 = push(w, &sh, 4, "d.jpg", false);
	imgopt_writer_wait(w, t4); /* skipped after 3 failed: done */
	g_mutex_lock(&sh.lock);
	g_assert_cmpint(sh.n_freed, ==, 4);
	g_mutex_unlock(&sh.lock);
	imgopt_writer_wait(w, t3);
	g_assert_false(imgopt_writer_finish(w, &error));
	assert_ran(&sh, order, 3);
	imgopt_writer_wait(w, t4 + 10); /* the thread ended: nothing to wait */
	g_clear_pointer(&w, imgopt_writer_free);
	teardown(&sh, &m, dir);
}

/* After imgopt_writer_end(), the writes are committed once they ran,
 * finish() or not: another connection sees them (its open waits for the
 * writer's transaction, and would fail if it were never committed). */
static void
test_end_commits(void)
{
	Shared sh = {0};
	g_autofree char *dir = NULL;
	g_autoptr(ImgoptManifest) m = setup(&sh, &dir);
	g_autoptr(ImgoptWriter) w = imgopt_writer_start(m, G_MAXINT64);
	g_autoptr(GError) error = NULL;
	guint64 t;

	push(w, &sh, 1, "a.jpg", false);
	t = push(w, &sh, 2, "b.jpg", false);
	imgopt_writer_end(w);
	imgopt_writer_end(w);     /* once is enough */
	imgopt_writer_wait(w, t); /* written, the transaction still open */
	g_assert_cmpuint(count_rows(sh.db), ==, 2);
	g_assert_true(imgopt_writer_finish(w, &error));
	g_assert_no_error(error);
	g_clear_pointer(&w, imgopt_writer_free);
	teardown(&sh, &m, dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/writer/in-order-committed-at-end",
			test_in_order_committed_at_end);
	g_test_add_func("/writer/failure-ends-writing",
			test_failure_ends_writing);
	g_test_add_func("/writer/commits-as-it-goes", test_commits_as_it_goes);
	g_test_add_func("/writer/abort-rolls-back", test_abort_rolls_back);
	g_test_add_func("/writer/wait-for-ticket", test_wait_for_ticket);
	g_test_add_func("/writer/end-commits", test_end_commits);
	return g_test_run();
}
