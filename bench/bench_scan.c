/*
 * bench_scan.c: scanner throughput on a generated blog.
 *
 * Builds N posts in memory from template posts (the seed post and the hux
 * posts by default), each with fresh WeChat-style media ids so no two
 * posts are identical, then scans them all on one thread, several rounds,
 * and prints MB/s per core (scanning is single-threaded per post, so one
 * core's rate is the figure that scales).  The rate is over the thread's
 * CPU time, which other processes on a busy machine do not inflate; the
 * wall-clock time of the same round is printed beside it.  With --write DIR it
 * also writes the posts as .md files under DIR/_posts for an end-to-end `imgopt
 * scan` timing.
 *
 *   bench_scan [--posts 5000] [--rounds 5] [--write DIR] TEMPLATE.md...
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>

#include "imgopt/imgopt.h"

/* Replaces every run of 20+ id characters after "postimg/" or "\\" with a
 * random id of the same length, so each post has its own media ids. */
static GString *
mutate(const char *tmpl, gsize len, GRand *rng)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	GString *out = g_string_new_len(tmpl, (gssize)len);

	for (gsize i = 0; i + 8 < out->len; i++) {
		if (memcmp(out->str + i, "postimg/", 8) != 0)
			continue;
		for (gsize j = i + 8;
		     j < out->len && g_ascii_isalnum(out->str[j]); j++)
			out->str[j] = alnum[g_rand_int_range(rng, 0,
							     sizeof alnum - 1)];
	}
	return out;
}

static void
write_posts(const char *dir, GPtrArray *posts)
{
	g_autofree char *pdir = g_build_filename(dir, "_posts", NULL);

	g_mkdir_with_parents(pdir, 0755);
	for (guint i = 0; i < posts->len; i++) {
		GString *text = g_ptr_array_index(posts, i);
		g_autofree char *name =
			g_strdup_printf("%s/2020-01-01-post-%05u.md", pdir, i);

		if (!g_file_set_contents(name, text->str, (gssize)text->len,
					 NULL))
			g_error("cannot write %s", name);
	}
}

/* This thread's CPU time in microseconds. */
static gint64
thread_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
free_gstring(gpointer s)
{
	g_string_free(s, TRUE);
}

int
main(int argc, char **argv)
{
	int n_posts = 5000, rounds = 5;
	g_autofree char *write_dir = NULL;
	GOptionEntry entries[] = {
		{"posts", 0, 0, G_OPTION_ARG_INT, &n_posts, "posts to generate",
		 "N"},
		{"rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "timed rounds",
		 "N"},
		{"write", 0, 0, G_OPTION_ARG_FILENAME, &write_dir,
		 "also write posts", "DIR"},
		G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("TEMPLATE.md...");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) tmpls =
		g_ptr_array_new_with_free_func(free_gstring);
	g_autoptr(GPtrArray) posts =
		g_ptr_array_new_with_free_func(free_gstring);
	g_autoptr(GRand) rng = g_rand_new_with_seed(42);
	guint64 total = 0, n_refs = 0;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc < 2) {
		fprintf(stderr,
			"usage: bench_scan [--posts N] TEMPLATE.md...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		g_autofree char *text = NULL;
		gsize len = 0;

		if (!g_file_get_contents(argv[i], &text, &len, &error))
			g_error("%s", error->message);
		g_ptr_array_add(tmpls, g_string_new_len(text, (gssize)len));
	}
	for (int i = 0; i < n_posts; i++) {
		GString *t = g_ptr_array_index(tmpls, (guint)i % tmpls->len);

		g_ptr_array_add(posts, mutate(t->str, t->len, rng));
		total += ((GString *)g_ptr_array_index(posts, (guint)i))->len;
	}
	if (write_dir != NULL)
		write_posts(write_dir, posts);

	gint64 best = G_MAXINT64, best_wall = G_MAXINT64;
	for (int r = 0; r < rounds; r++) {
		gint64 t0 = thread_cpu_us(), w0 = g_get_monotonic_time();

		n_refs = 0;
		for (guint i = 0; i < posts->len; i++) {
			GString *p = g_ptr_array_index(posts, i);
			g_autoptr(GPtrArray) refs =
				imgopt_scan_text("p.md", p->str, p->len, NULL);

			n_refs += refs->len;
		}
		best = MIN(best, thread_cpu_us() - t0);
		best_wall = MIN(best_wall, g_get_monotonic_time() - w0);
	}
	printf("posts %d, bytes %" G_GUINT64_FORMAT
	       ", references %" G_GUINT64_FORMAT
	       ", best of %d: %.3f s CPU (%.3f s wall), %.1f MB/s per core\n",
	       n_posts, total, n_refs, rounds, best / 1e6, best_wall / 1e6,
	       (double)total / 1e6 / (best / 1e6));
	return 0;
}
