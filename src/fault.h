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

#endif /* IMGOPT_FAULT_H */
