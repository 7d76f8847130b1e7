/*
 * test_observer.c: problems are recorded, reported, copied and sorted
 * the one way every job does it (observer.h).
 */
#include "imgopt/imgopt.h"

/* What the problem and progress callbacks saw. */
typedef struct {
	GString *seen; /* one line per callback */
} Seen;

static void
on_problem(const char *path, const char *message, bool is_error,
	   void *user_data)
{
	Seen *s = user_data;

	g_string_append_printf(s->seen, "%s|%s|%d\n", path, message,
			       (int)is_error);
}

static void
on_progress(const char *stage, uint64_t done, uint64_t total, uint64_t bytes,
	    void *user_data)
{
	Seen *s = user_data;

	g_string_append_printf(s->seen,
			       "%s %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
			       " %" G_GUINT64_FORMAT "\n",
			       stage, done, total, bytes);
}

static void
test_problem_recorded_and_reported(void)
{
	g_autoptr(GString) text = g_string_new("");
	Seen s = {text};
	ImgoptObserver observer = {on_progress, on_problem, &s};
	g_autoptr(GPtrArray) list = imgopt_problem_list_new();

	imgopt_observer_problem(&observer, list, "img/b.png",
				"img/b.png: unreadable", true);
	imgopt_observer_problem(&observer, list, "img/a.png",
				"img/a.png: a symbolic link", false);
	imgopt_observer_progress(&observer, "index", 2, 5, 1024);
	g_assert_cmpstr(text->str, ==,
			"img/b.png|img/b.png: unreadable|1\n"
			"img/a.png|img/a.png: a symbolic link|0\n"
			"index 2/5 1024\n");
	g_ptr_array_sort(list, imgopt_problem_path_cmp);
	g_assert_cmpuint(list->len, ==, 2);
	g_assert_cmpstr(((ImgoptProblem *)list->pdata[0])->path, ==,
			"img/a.png");
	g_assert_cmpstr(((ImgoptProblem *)list->pdata[1])->message, ==,
			"img/b.png: unreadable");
}

static void
test_no_observer(void)
{
	g_autoptr(GPtrArray) list = imgopt_problem_list_new();
	ImgoptObserver silent = {NULL, NULL, NULL};

	imgopt_observer_problem(NULL, list, "a", "a: gone", true);
	imgopt_observer_problem(&silent, list, "b", "b: gone", false);
	imgopt_observer_progress(NULL, "scan", 1, 1, 0);
	imgopt_observer_progress(&silent, "scan", 1, 1, 0);
	g_assert_cmpuint(list->len, ==, 2);
}

static void
test_problem_copy(void)
{
	g_autoptr(ImgoptProblem) p = imgopt_problem_new("x.jpg", "x.jpg: bad");
	g_autoptr(ImgoptProblem) c = imgopt_problem_copy(p);

	g_assert_true(c != p && c->path != p->path);
	g_assert_cmpstr(c->path, ==, "x.jpg");
	g_assert_cmpstr(c->message, ==, "x.jpg: bad");
	imgopt_problem_free(NULL);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/observer/recorded-and-reported",
			test_problem_recorded_and_reported);
	g_test_add_func("/observer/no-observer", test_no_observer);
	g_test_add_func("/observer/copy", test_problem_copy);
	return g_test_run();
}
