/*
 * observer.c: problems and progress, recorded and reported the same way
 * by every job (see observer.h).
 */
#include "imgopt/observer.h"

#include <string.h>

ImgoptProblem *
imgopt_problem_new(const char *path, const char *message)
{
	ImgoptProblem *p = g_new0(ImgoptProblem, 1);

	p->path = g_strdup(path);
	p->message = g_strdup(message);
	return p;
}

ImgoptProblem *
imgopt_problem_copy(const ImgoptProblem *problem)
{
	g_return_val_if_fail(problem != NULL, NULL);
	return imgopt_problem_new(problem->path, problem->message);
}

void
imgopt_problem_free(ImgoptProblem *problem)
{
	if (problem == NULL)
		return;
	g_free(problem->path);
	g_free(problem->message);
	g_free(problem);
}

GPtrArray *
imgopt_problem_list_new(void)
{
	return g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_problem_free);
}

int
imgopt_problem_path_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp((*(ImgoptProblem *const *)a)->path,
		      (*(ImgoptProblem *const *)b)->path);
}

void
imgopt_observer_problem(const ImgoptObserver *observer, GPtrArray *list,
			const char *path, const char *message, bool is_error)
{
	g_return_if_fail(list != NULL);
	g_ptr_array_add(list, imgopt_problem_new(path, message));
	if (observer != NULL && observer->problem != NULL)
		observer->problem(path, message, is_error, observer->user_data);
}

void
imgopt_observer_progress(const ImgoptObserver *observer, const char *stage,
			 uint64_t done, uint64_t total, uint64_t bytes)
{
	if (observer != NULL && observer->progress != NULL)
		observer->progress(stage, done, total, bytes,
				   observer->user_data);
}
