/*
 * fault.h: deterministic kill points, a test hook.
 *
 * When the environment variable IMGOPT_FAULT_AFTER is set to a positive
 * number N, the N-th call of imgopt_fault_point() in the process kills it
 * with SIGKILL, as a power cut or an OOM kill would.  The run calls it
 * after each durable step (a variant written, a manifest transaction
 * committed, a post renamed into place) and inside each post's write
 * (its temporary file synced, not yet renamed), so tests/test_kill.c can stop a
 * run at every step and check what the next run makes of the debris: it
 * raises N until a run survives.  Unset (the normal case) it costs one
 * read of a cached value.
 *
 * A second hook, imgopt_fault_swap(), replaces a file between its hashing
 * and its decoding, as an editor saving it or a checkout would, so a test
 * can make that race happen every time instead of by timing.
 *
 * Thread-safety: may be called from any thread.
 */
#ifndef IMGOPT_FAULT_H
#define IMGOPT_FAULT_H

/**
 * imgopt_fault_point:
 *
 * Counts one kill point, and kills the process if it is the one asked
 * for.
 */
void imgopt_fault_point(void);

/**
 * imgopt_fault_swap:
 * @root: the site root
 * @rel: a file about to be read for decoding, relative to @root
 *
 * When the environment variable IMGOPT_FAULT_SWAP is "REL=SOURCE" and
 * @rel is REL, replaces the file with a copy of the file SOURCE (an
 * absolute path).  Otherwise (the normal case) it costs one getenv().
 */
void imgopt_fault_swap(const char *root, const char *rel);

#endif /* IMGOPT_FAULT_H */
