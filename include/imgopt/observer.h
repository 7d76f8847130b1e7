/*
 * observer.h: how every job tells its caller what happens while it works
 * (ImgoptObserver) and which files it could not process (ImgoptProblem).
 *
 * The core never prints: a job calls its observer's callbacks as it goes,
 * and hands back the problems in its result, sorted by path.  The helpers
 * below are the one way the jobs build those lists, so a problem is
 * recorded and reported alike by all of them.
 *
 * Ownership: problems and lists are transfer full.
 * Thread-safety: reentrant; a job calls its observer from its calling
 * thread only.
 */
#ifndef IMGOPT_OBSERVER_H
#define IMGOPT_OBSERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* GPtrArray, gconstpointer */

/**
 * ImgoptObserver:
 *
 * Callbacks the core calls while it works.  Any may be NULL.
 */
typedef struct {
	/* @done of @total items of @stage ("scan", "index", "compare",
	 * and for a run "encode", "plan"), @bytes of files read so far in
	 * the stage (0 where not counted).  Called at item or batch
	 * granularity from the calling thread; keep it cheap. */
	void (*progress)(const char *stage, uint64_t done, uint64_t total,
			 uint64_t bytes, void *user_data);
	/* A file was not processed: @is_error says whether it counts as a
	 * failure (exit 1) or was only skipped (a symlink, a FIFO…). */
	void (*problem)(const char *path, const char *message, bool is_error,
			void *user_data);
	void *user_data; /* passed to every callback */
} ImgoptObserver;

/** A file that could not be processed, and why. */
typedef struct {
	char *path;    /* relative to the site root */
	char *message; /* the reason, starting with the path */
} ImgoptProblem;

/**
 * imgopt_problem_new:
 *
 * Returns: (transfer full): a problem holding copies of @path and
 *   @message.
 */
ImgoptProblem *imgopt_problem_new(const char *path, const char *message);

/**
 * imgopt_problem_copy:
 *
 * Returns: (transfer full): a copy of @problem.
 */
ImgoptProblem *imgopt_problem_copy(const ImgoptProblem *problem);

/** Frees @problem (nullable). */
void imgopt_problem_free(ImgoptProblem *problem);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptProblem, imgopt_problem_free)

/**
 * imgopt_problem_list_new:
 *
 * Returns: (transfer full) (element-type ImgoptProblem): an empty list
 *   that frees its problems.
 */
GPtrArray *imgopt_problem_list_new(void);

/**
 * imgopt_problem_path_cmp:
 *
 * A GCompareFunc for g_ptr_array_sort() of a list of ImgoptProblem:
 * by path, in byte order.
 */
int imgopt_problem_path_cmp(gconstpointer a, gconstpointer b);

/**
 * imgopt_observer_problem:
 * @observer: (nullable): told through its problem callback, if any
 * @list: (element-type ImgoptProblem): the result's list that keeps it
 * @path: the file, relative to the site root
 * @message: the reason, starting with the path
 * @is_error: a failure (else only skipped)
 *
 * Records a problem in @list and reports it.
 */
void imgopt_observer_problem(const ImgoptObserver *observer, GPtrArray *list,
			     const char *path, const char *message,
			     bool is_error);

/**
 * imgopt_observer_progress:
 * @observer: (nullable): told through its progress callback, if any
 *
 * Reports progress (see ImgoptObserver.progress for the arguments).
 */
void imgopt_observer_progress(const ImgoptObserver *observer, const char *stage,
			      uint64_t done, uint64_t total, uint64_t bytes);

#endif /* IMGOPT_OBSERVER_H */
