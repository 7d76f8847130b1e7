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

/* A manifest, a writer on it, and what its writes record. */
typedef struct {
	GArray *ran; /* (element-type int) the writes run, in order */
	int n_freed; /* data freed */
	GMutex lock; /* the two above, and @ran_cond */
	GCond ran_cond;
	char *dir;
	char *db; /* the manifest's path, for a second connection */
	ImgoptManifest *m;
	ImgoptWriter *w;
} Fixture;

/* How long the fixture's writer keeps a transaction open. */
static const gint64 commit_late = G_MAXINT64;
static const gint64 commit_now = 0;

typedef struct {
	Fixture *f;
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
	Fixture *f = w->f;

	g_mutex_lock(&f->lock);
	g_array_append_val(f->ran, w->id);
	g_cond_broadcast(&f->ran_cond);
	g_mutex_unlock(&f->lock);
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

	g_mutex_lock(&w->f->lock);
	w->f->n_freed++;
	g_mutex_unlock(&w->f->lock);
	g_free(w);
}

static guint64
push(Fixture *f, int id, const char *path, bool fails)
{
	Write *w = g_new0(Write, 1);

	w->f = f;
	w->id = id;
	w->path = path;
	w->fails = fails;
	return imgopt_writer_push(f->w, do_write, w, write_free);
}

static void
fixture_set_up(Fixture *f, gconstpointer commit_us)
{
	g_autoptr(GError) error = NULL;

	f->dir = tu_tmpdir();
	f->db = g_build_filename(f->dir, "manifest.db", NULL);
	f->ran = g_array_new(FALSE, FALSE, sizeof(int));
	g_mutex_init(&f->lock);
	g_cond_init(&f->ran_cond);
	f->m = imgopt_manifest_open(f->db, &error);
	g_assert_no_error(error);
	f->w = imgopt_writer_start(f->m, *(const gint64 *)commit_us);
}

static void
fixture_tear_down(Fixture *f, gconstpointer commit_us)
{
	(void)commit_us;
	g_clear_pointer(&f->w, imgopt_writer_free);
	g_clear_pointer(&f->m, imgopt_manifest_close);
	tu_rmtree(f->dir);
	g_free(f->dir);
	g_free(f->db);
	g_array_unref(f->ran);
	g_mutex_clear(&f->lock);
	g_cond_clear(&f->ran_cond);
}

static void
assert_ran(const Fixture *f, const int *ids, guint n)
{
	g_assert_cmpuint(f->ran->len, ==, n);
	for (guint i = 0; i < n; i++)
		g_assert_cmpint(g_array_index(f->ran, int, i), ==, ids[i]);
}

/* Waits until @n writes ran. */
static void
wait_ran(Fixture *f, guint n)
{
	g_mutex_lock(&f->lock);
	while (f->ran->len < n)
		g_cond_wait(&f->ran_cond, &f->lock);
	g_mutex_unlock(&f->lock);
}

/* In order, everything committed at the end. */
static void
test_in_order_committed_at_end(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
	g_autoptr(GError) error = NULL;
	const int order[] = {1, 2, 3, 4};

	push(f, 1, "a.jpg", false);
	push(f, 2, "b.jpg", false);
	push(f, 3, NULL, false);
	push(f, 4, "c.jpg", false);
	g_assert_true(imgopt_writer_finish(f->w, &error));
	g_assert_no_error(error);
	assert_ran(f, order, 4);
	g_assert_cmpint(f->n_freed, ==, 4);
	g_assert_cmpuint(count_rows(f->db), ==, 3);
	/* finished: a second finish has nothing to say */
	g_assert_true(imgopt_writer_finish(f->w, &error));
}

/* The first failure: its error is finish()'s, the writes after it are
 * skipped (and freed), what was not committed is rolled back. */
static void
test_failure_ends_writing(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
	g_autoptr(GError) error = NULL;
	const int order[] = {1, 2};

	push(f, 1, "a.jpg", false);
	push(f, 2, NULL, true);
	push(f, 3, "c.jpg", false);
	g_assert_false(imgopt_writer_finish(f->w, &error));
	g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_IO);
	g_assert_cmpstr(error->message, ==, "write 2 failed");
	assert_ran(f, order, 2);
	g_assert_cmpint(f->n_freed, ==, 3);
	g_assert_cmpuint(count_rows(f->db), ==, 0);
}

/* A transaction open for @commit_us is committed after the write that
 * ends it: a later failure keeps it (test_failure_ends_writing() loses
 * it). */
static void
test_commits_as_it_goes(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
	g_autoptr(GError) error = NULL;

	push(f, 1, "a.jpg", false);
	push(f, 2, NULL, true);
	g_assert_false(imgopt_writer_finish(f->w, &error));
	g_assert_cmpuint(count_rows(f->db), ==, 1);
	g_assert_cmpint(f->n_freed, ==, 2);
}

/* An abort rolls back what the writes that ran had not committed; freeing
 * a running writer aborts it. */
static void
test_abort_rolls_back(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
	g_autoptr(GError) error = NULL;

	push(f, 1, "a.jpg", false);
	wait_ran(f, 1);
	imgopt_writer_abort(f->w);
	g_assert_cmpint(f->n_freed, ==, 1);
	g_assert_cmpuint(count_rows(f->db), ==, 0);
	g_assert_true(imgopt_writer_finish(f->w, &error)); /* nothing to say */

	/* the manifest is usable again, and a writer freed unfinished */
	g_clear_pointer(&f->w, imgopt_writer_free);
	f->w = imgopt_writer_start(f->m, G_MAXINT64);
	push(f, 2, "b.jpg", false);
	g_clear_pointer(&f->w, imgopt_writer_free);
	g_assert_cmpint(f->n_freed, ==, 2);
	g_assert_cmpuint(count_rows(f->db), ==, 0);
}

/* A ticket's wait returns once that write and those before it ran, or
 * were skipped after a failure; not before. */
static void
test_wait_for_ticket(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
	g_autoptr(GError) error = NULL;
	const int order[] = {1, 2, 3};
	guint64 t1, t2, t3, t4;

	t1 = push(f, 1, "a.jpg", false);
	t2 = push(f, 2, "b.jpg", false);
	g_assert_cmpuint(t2, ==, t1 + 1);
	imgopt_writer_wait(f->w, t2);
	g_mutex_lock(&f->lock);
	g_assert_cmpuint(f->ran->len, ==, 2);
	g_assert_cmpint(f->n_freed, ==, 2);
	g_mutex_unlock(&f->lock);
	t3 = push(f, 3, NULL, true);
	t4 = push(f, 4, "d.jpg", false);
	imgopt_writer_wait(f->w, t4); /* skipped after 3 failed: done */
	g_mutex_lock(&f->lock);
	g_assert_cmpint(f->n_freed, ==, 4);
	g_mutex_unlock(&f->lock);
	imgopt_writer_wait(f->w, t3);
	g_assert_false(imgopt_writer_finish(f->w, &error));
	assert_ran(f, order, 3);
	imgopt_writer_wait(f->w,
			   t4 + 10); /* the thread ended: nothing to wait */
}

/* After imgopt_writer_end(), the writes are committed once they ran,
 * finish() or not: another connection sees them (its open waits for the
 * writer's transaction, and would fail if it were never committed). */
static void
test_end_commits(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
	g_autoptr(GError) error = NULL;
	guint64 t;

	push(f, 1, "a.jpg", false);
	t = push(f, 2, "b.jpg", false);
	imgopt_writer_end(f->w);
	imgopt_writer_end(f->w);     /* once is enough */
	imgopt_writer_wait(f->w, t); /* written, the transaction still open */
	g_assert_cmpuint(count_rows(f->db), ==, 2);
	g_assert_true(imgopt_writer_finish(f->w, &error));
	g_assert_no_error(error);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
#define ADD(name, commit, test)                                                \
	g_test_add("/writer/" name, Fixture, &(commit), fixture_set_up, test,  \
		   fixture_tear_down)
	ADD("in-order-committed-at-end", commit_late,
	    test_in_order_committed_at_end);
	ADD("failure-ends-writing", commit_late, test_failure_ends_writing);
	ADD("commits-as-it-goes", commit_now, test_commits_as_it_goes);
	ADD("abort-rolls-back", commit_late, test_abort_rolls_back);
	ADD("wait-for-ticket", commit_late, test_wait_for_ticket);
	ADD("end-commits", commit_late, test_end_commits);
#undef ADD
	return g_test_run();
}
