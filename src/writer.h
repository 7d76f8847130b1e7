/*
 * writer.h: the manifest's writes on a thread of their own.
 *
 * A job that reads files on a pool and writes what it learnt to the
 * manifest used to wait, on its main thread, for each of those writes
 * (and for the closing transaction, a quarter of a cold `imgopt dupes`,
 * alone on one core at the end).  An ImgoptWriter owns the manifest's
 * connection for a while: the caller queues writes, which a thread of
 * their own runs in the order queued, each inside a transaction the
 * writer opens when none is open and commits once @commit_us have
 * passed since it began (so that an interrupted job keeps what it wrote
 * up to then) and at imgopt_writer_finish() (then the log is
 * checkpointed too: imgopt_manifest_checkpoint()).  The caller goes on
 * with its job meanwhile.
 *
 * While a writer runs, nothing else may use its manifest; and whatever a
 * queued write reads must not change until the writer is finished.
 * The first write that fails ends the writing: its transaction is rolled
 * back, later writes are skipped (their data freed), and
 * imgopt_writer_finish() returns its error.
 *
 * Calling sequence (all on the thread that owns the writer):
 *   w = imgopt_writer_start(manifest, G_USEC_PER_SEC);
 *   t = imgopt_writer_push(w, write_rows, rows, free_rows); …
 *   imgopt_writer_wait(w, t);          optional: rows read no more
 *   imgopt_writer_end(w);              optional: commit when done
 *   imgopt_writer_finish(w, &error);   commit, wait; or
 *   imgopt_writer_abort(w);            roll back, wait
 *   imgopt_writer_free(w);
 */
#ifndef IMGOPT_WRITER_H
#define IMGOPT_WRITER_H

#include <glib.h>
#include <stdbool.h>

#include "imgopt/manifest.h"

typedef struct ImgoptWriter ImgoptWriter;

/**
 * ImgoptWriteFunc:
 * @manifest: the writer's manifest, inside an open transaction
 * @data: what imgopt_writer_push() was given
 *
 * One queued write, run on the writer's thread.
 *
 * Returns: true, or false with @error set (the writing ends).
 */
typedef bool (*ImgoptWriteFunc)(ImgoptManifest *manifest, gpointer data,
				GError **error);

/**
 * imgopt_writer_start:
 * @manifest: no transaction open; used by the writer alone until it is
 *   finished or aborted
 * @commit_us: how long a transaction may stay open, in microseconds
 *
 * Returns: (transfer full): a running writer.
 */
ImgoptWriter *imgopt_writer_start(ImgoptManifest *manifest, gint64 commit_us);

/**
 * imgopt_writer_push:
 * @func: the write
 * @data: its data, read by @func on the writer's thread
 * @free: (nullable): frees @data once @func ran or was skipped
 *
 * Queues one write.  Never blocks.
 *
 * Returns: its ticket, for imgopt_writer_wait().
 */
guint64 imgopt_writer_push(ImgoptWriter *writer, ImgoptWriteFunc func,
			   gpointer data, GDestroyNotify free);

/**
 * imgopt_writer_wait:
 * @ticket: what imgopt_writer_push() gave
 *
 * Waits until that write, and every write queued before it, has run or
 * was skipped (after a failure, or an abort): what they read may then be
 * freed.  Never waits for a write queued after it.
 */
void imgopt_writer_wait(ImgoptWriter *writer, guint64 ticket);

/**
 * imgopt_writer_end:
 *
 * Says that no more writes come: the open transaction is committed as
 * soon as the queued writes ran, without waiting for
 * imgopt_writer_finish() (which then only waits, and returns the
 * outcome).  Never blocks; no write may be pushed after it.
 */
void imgopt_writer_end(ImgoptWriter *writer);

/**
 * imgopt_writer_finish:
 *
 * Waits for the queued writes, then commits the open transaction.
 *
 * Returns: true if every write succeeded and was committed, or false
 *   with @error set to the first failure (what it had not committed is
 *   rolled back).
 */
bool imgopt_writer_finish(ImgoptWriter *writer, GError **error);

/**
 * imgopt_writer_abort:
 *
 * Skips the writes not yet run, waits for the one running and rolls back
 * the open transaction (what was committed stays).  Does nothing once
 * the writer is finished or aborted.
 */
void imgopt_writer_abort(ImgoptWriter *writer);

/** Aborts @writer if it still runs, and frees it (nullable). */
void imgopt_writer_free(ImgoptWriter *writer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptWriter, imgopt_writer_free)

#endif /* IMGOPT_WRITER_H */
