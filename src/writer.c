/*
 * writer.c: the manifest's writes on a thread of their own (writer.h).
 *
 * One GThread pops the queued writes from a GAsyncQueue and runs them in
 * order; a task without a function is the end of the queue.  The
 * transaction state lives on that thread only; the caller learns the
 * outcome from imgopt_writer_finish() once the thread has ended.
 */
#include "writer.h"

typedef struct {
	ImgoptWriteFunc func; /* NULL: the end of the queue */
	gpointer data;
	GDestroyNotify free; /* nullable */
} Task;

struct ImgoptWriter {
	ImgoptManifest *manifest;
	gint64 commit_us;
	GThread *thread;    /* NULL once joined */
	GAsyncQueue *queue; /* (element-type Task) */
	gint skip;          /* atomic: abort asked, run nothing more */
	bool commit_at_end; /* the end was asked by finish(), not abort() */
	bool is_ended;      /* the end is queued: no more writes */
	guint64 n_pushed;   /* writes queued (the last ticket) */
	GMutex done_lock;
	GCond done_cond;
	guint64 n_done; /* writes run or skipped, in order; G_MAXUINT64
			   once the thread ended (done_lock) */
	/* on the writer's thread until it is joined: */
	gint64 began_us; /* when the open transaction began, 0: none open */
	GError *error;   /* the first failure */
};

static void
task_free(Task *t)
{
	if (t->free != NULL)
		t->free(t->data);
	g_free(t);
}

/* Runs one write inside a transaction; commits if it has been open long
 * enough.  After a failure, nothing is run any more. */
static void
run_task(ImgoptWriter *w, Task *t)
{
	if (w->error != NULL || g_atomic_int_get(&w->skip))
		return;
	if (w->began_us == 0) {
		if (!imgopt_manifest_begin(w->manifest, &w->error))
			return;
		w->began_us = g_get_monotonic_time();
	}
	if (!t->func(w->manifest, t->data, &w->error)) {
		imgopt_manifest_rollback(w->manifest);
		w->began_us = 0;
		return;
	}
	if (g_get_monotonic_time() - w->began_us < w->commit_us)
		return;
	w->began_us = 0;
	imgopt_manifest_commit(w->manifest, &w->error);
}

/* The end of the queue: the open transaction committed (finish) or
 * rolled back (abort, or after a failure). */
static void
end_writing(ImgoptWriter *w)
{
	if (w->began_us == 0)
		return;
	w->began_us = 0;
	if (w->error != NULL || !w->commit_at_end ||
	    g_atomic_int_get(&w->skip)) {
		imgopt_manifest_rollback(w->manifest);
		return;
	}
	/* and the log copied into the database here, not by the caller's
	 * close */
	if (imgopt_manifest_commit(w->manifest, &w->error))
		imgopt_manifest_checkpoint(w->manifest);
}

/* Publishes how many writes are done (on the writer's thread). */
static void
count_done(ImgoptWriter *w, guint64 n)
{
	g_mutex_lock(&w->done_lock);
	w->n_done = n;
	g_cond_broadcast(&w->done_cond);
	g_mutex_unlock(&w->done_lock);
}

static gpointer
writer_main(gpointer data)
{
	ImgoptWriter *w = data;

	for (;;) {
		Task *t = g_async_queue_pop(w->queue);
		bool is_end = t->func == NULL;

		if (!is_end)
			run_task(w, t);
		task_free(t);
		if (is_end)
			break;
		count_done(w, w->n_done + 1);
	}
	end_writing(w);
	count_done(w, G_MAXUINT64);
	return NULL;
}

ImgoptWriter *
imgopt_writer_start(ImgoptManifest *manifest, gint64 commit_us)
{
	ImgoptWriter *w = g_new0(ImgoptWriter, 1);

	w->manifest = manifest;
	w->commit_us = commit_us;
	w->queue = g_async_queue_new();
	g_mutex_init(&w->done_lock);
	g_cond_init(&w->done_cond);
	w->thread = g_thread_new("imgopt-writer", writer_main, w);
	return w;
}

guint64
imgopt_writer_push(ImgoptWriter *writer, ImgoptWriteFunc func, gpointer data,
		   GDestroyNotify free)
{
	Task *t = g_new0(Task, 1);

	g_return_val_if_fail(writer->thread != NULL && !writer->is_ended, 0);
	g_return_val_if_fail(func != NULL, 0);
	t->func = func;
	t->data = data;
	t->free = free;
	g_async_queue_push(writer->queue, t);
	return ++writer->n_pushed;
}

void
imgopt_writer_wait(ImgoptWriter *writer, guint64 ticket)
{
	g_mutex_lock(&writer->done_lock);
	while (writer->n_done < ticket)
		g_cond_wait(&writer->done_cond, &writer->done_lock);
	g_mutex_unlock(&writer->done_lock);
}

/* Queues the end, once. */
static void
queue_end(ImgoptWriter *w, bool commit)
{
	if (w->thread == NULL || w->is_ended)
		return;
	w->is_ended = true;
	w->commit_at_end = commit;
	g_async_queue_push(w->queue, g_new0(Task, 1));
}

/* Queues the end and waits for the thread. */
static void
join(ImgoptWriter *w, bool commit)
{
	if (w->thread == NULL)
		return;
	if (!commit)
		g_atomic_int_set(&w->skip, 1);
	queue_end(w, commit);
	g_thread_join(w->thread);
	w->thread = NULL;
}

void
imgopt_writer_end(ImgoptWriter *writer)
{
	queue_end(writer, true);
}

bool
imgopt_writer_finish(ImgoptWriter *writer, GError **error)
{
	join(writer, true);
	if (writer->error != NULL) {
		g_propagate_error(error, g_steal_pointer(&writer->error));
		return false;
	}
	return true;
}

void
imgopt_writer_abort(ImgoptWriter *writer)
{
	join(writer, false);
}

void
imgopt_writer_free(ImgoptWriter *writer)
{
	if (writer == NULL)
		return;
	imgopt_writer_abort(writer);
	g_clear_error(&writer->error);
	g_async_queue_unref(writer->queue);
	g_mutex_clear(&writer->done_lock);
	g_cond_clear(&writer->done_cond);
	g_free(writer);
}
