/*
 * test_kill.c: `imgopt run` killed with SIGKILL at every kill point, then
 * run again.
 *
 * The core calls imgopt_fault_point() after each durable step (src/fault.h:
 * the index stored, each variant file written, the variants committed, the
 * rewrites recorded, each post renamed into place) and inside each post's
 * write, between its temporary file's fsync and the rename;
 * IMGOPT_FAULT_AFTER=N makes the N-th one raise SIGKILL.  For N = 1, 2, …
 * until a run survives, on a fresh copy of a genblog blog each time:
 *   - after the kill, every post is byte for byte its old or its new self
 *     (the new self being what an uninterrupted run writes), no original
 *     image changed or went missing, and no reference is broken that was
 *     not broken before (every post points at files that exist);
 *   - after a second, uninterrupted run, the posts and the variant folder
 *     are exactly those of the uninterrupted run, and no temporary file
 *     of the killed write is left anywhere;
 *   - `imgopt undo` then puts every post back byte for byte as it was
 *     before the killed run (the killed run and the one that completed it
 *     are undone as one).
 * The default suite covers every point of a small blog (72 of them, 16
 * inside a post's write, at least 50 asserted: the blog is sized with a
 * margin, as recompress skipping encodings that would not pay removes
 * points); with `--many-kill-points` (registered as kill-slow under
 * -Dslow_tests=true) a bigger blog is used (216 points).
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fsio.h"
#include "imgopt/imgopt.h"
#include "testutil.h"

static bool many_points;

/* Broken or outside references of the whole site, in process. */
static guint
count_broken(const char *site)
{
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *images = g_build_filename(site, "postimg", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptSite) s = imgopt_site_open(posts, images, NULL, &error);
	guint n = 0;

	g_assert_no_error(error);
	g_autoptr(GPtrArray) list = imgopt_site_list_posts(s, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < list->len; i++) {
		g_autoptr(GPtrArray) refs = imgopt_site_scan_post(
			s, g_ptr_array_index(list, i), &error);
		g_assert_no_error(error);
		for (guint j = 0; j < refs->len; j++) {
			const ImgoptRef *r = g_ptr_array_index(refs, j);
			n += r->status == IMGOPT_REF_STATUS_BROKEN ||
			     r->status == IMGOPT_REF_STATUS_OUTSIDE;
		}
	}
	return n;
}

/* What an uninterrupted run starts from and ends with. */
typedef struct {
	char *pristine;      /* the blog as generated */
	GHashTable *posts0;  /* posts before */
	GHashTable *posts1;  /* posts after an uninterrupted run */
	GHashTable *images0; /* original images */
	GHashTable *out1;    /* the variant folder after it */
	guint broken0;       /* broken references before */
} Reference;

static int
run_imgopt(const char *site, const char *fault_after)
{
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *images = g_build_filename(site, "postimg", NULL);
	const char *argv[] = {"imgopt",   posts, images, "--widths",
			      "16,32,64", "-q",  NULL};

	g_autofree char *err = NULL;

	if (fault_after != NULL)
		g_setenv("IMGOPT_FAULT_AFTER", fault_after, TRUE);
	else
		g_unsetenv("IMGOPT_FAULT_AFTER");
	int code = tu_run(argv, NULL, &err);
	g_unsetenv("IMGOPT_FAULT_AFTER");
	if (code > 1 && code != 128 + 9)
		g_printerr("imgopt (kill point %s) exited %d: %s\n",
			   fault_after ? fault_after : "none", code, err);
	return code;
}

static char *
fresh_copy(const Reference *ref, const char *tmp, const char *name)
{
	char *site = g_build_filename(tmp, name, NULL);

	tu_rmtree(site);
	tu_copytree(ref->pristine, site);
	return site;
}

static void
make_reference(Reference *ref, const char *tmp)
{
	const char *genblog = g_getenv("GENBLOG");
	const char *posts = many_points ? "60" : "16";
	const char *images = many_points ? "150" : "36";
	const char *argv[] = {genblog, "--posts", posts,         "--images",
			      images,  "--seed",  "11",          "--sizes",
			      "tiny",  "--out",   ref->pristine, NULL};

	g_assert_cmpint(tu_run(argv, NULL, NULL), ==, 0);
	g_autofree char *p = g_build_filename(ref->pristine, "_posts", NULL);
	g_autofree char *i = g_build_filename(ref->pristine, "postimg", NULL);
	ref->posts0 = tu_load_tree(p, NULL);
	ref->images0 = tu_load_tree(i, NULL);
	ref->broken0 = count_broken(ref->pristine);
	g_autofree char *site = fresh_copy(ref, tmp, "uninterrupted");
	g_assert_cmpint(run_imgopt(site, NULL), <=, 1);
	g_autofree char *p1 = g_build_filename(site, "_posts", NULL);
	g_autofree char *o1 =
		g_build_filename(site, "postimg", "optimized", NULL);
	ref->posts1 = tu_load_tree(p1, NULL);
	ref->out1 = tu_load_tree(o1, NULL);
}

/* A file name a killed write leaves: `.<post>.imgopt-XXXXXX` beside a
 * post, `<variant>.XXXXXX` in the variant folder, `<mark>.XXXXXX` in its
 * marks (`<hash>-<width>.<what>`, one dot: ondisk.h). */
static bool
is_temp_file(const char *rel)
{
	g_autofree char *base = g_path_get_basename(rel);
	gsize n = strlen(base);
	const char *dot = strchr(base, '.');

	if (strstr(rel, "optimized/.imgopt-kept/") != NULL)
		return dot != NULL && strchr(dot + 1, '.') != NULL;
	return (base[0] == '.' && strstr(base, ".imgopt-") != NULL) ||
	       (n > 7 && base[n - 7] == '.' && strstr(rel, "optimized/"));
}

/* Right after a kill: old or new posts (and the temporary files of a
 * write cut short, counted), originals intact, links work. */
static guint
check_debris(const Reference *ref, const char *site)
{
	g_autofree char *p = g_build_filename(site, "_posts", NULL);
	g_autofree char *i = g_build_filename(site, "postimg", NULL);
	g_autoptr(GHashTable) posts = tu_load_tree(p, NULL);
	g_autoptr(GHashTable) images = tu_load_tree(i, "optimized");
	GHashTableIter it;
	gpointer k, v;

	guint n_temps = 0;

	g_hash_table_iter_init(&it, posts);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		GBytes *old = g_hash_table_lookup(ref->posts0, k);
		GBytes *now = g_hash_table_lookup(ref->posts1, k);

		if (old == NULL && is_temp_file(k)) {
			n_temps++;
			continue;
		}
		if (old == NULL || now == NULL ||
		    (!g_bytes_equal(v, old) && !g_bytes_equal(v, now)))
			g_error("post '%s' is neither old nor new", (char *)k);
	}
	tu_assert_same_tree(ref->images0, images, "original images");
	g_assert_cmpuint(count_broken(site), ==, ref->broken0);
	return n_temps;
}

/* After the re-run: no temporary file left anywhere in the site. */
static void
assert_no_temps(const char *site)
{
	g_autoptr(GHashTable) all = tu_load_tree(site, ".imgopt");
	GHashTableIter it;
	gpointer k;

	g_hash_table_iter_init(&it, all);
	while (g_hash_table_iter_next(&it, &k, NULL))
		if (is_temp_file(k))
			g_error("'%s' was left after the re-run", (char *)k);
}

/* `imgopt undo` after the killed run and the run that completed it puts
 * every post back as it was before the killed run. */
static void
undo_and_compare(const Reference *ref, const char *site)
{
	g_autofree char *posts = g_build_filename(site, "_posts", NULL);
	g_autofree char *images = g_build_filename(site, "postimg", NULL);
	const char *argv[] = {"imgopt", "undo", posts, images, "-q", NULL};
	g_autofree char *err = NULL;

	g_unsetenv("IMGOPT_FAULT_AFTER");
	g_assert_cmpint(tu_run(argv, NULL, &err), ==, 0);
	g_assert_cmpstr(err, ==, "");
	g_autoptr(GHashTable) now = tu_load_tree(posts, NULL);
	tu_assert_same_tree(ref->posts0, now, "posts after undo");
}

/* A scratch folder, on tmpfs when there is one: every run fsyncs each
 * file it writes, which a disk makes the slowest part of this test, and
 * SIGKILL (unlike a power cut) keeps what was written either way. */
static char *
scratch_dir(void)
{
	if (g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) &&
	    g_access("/dev/shm", W_OK) == 0) {
		char *dir = g_strdup("/dev/shm/imgopt-kill-XXXXXX");
		if (g_mkdtemp(dir) != NULL)
			return dir;
		g_free(dir);
	}
	return tu_tmpdir();
}

static void
test_kill_points(void)
{
	g_autofree char *tmp = scratch_dir();
	Reference ref = {0};
	guint n = 1, n_with_temps = 0;

	if (g_getenv("GENBLOG") == NULL) {
		g_test_skip("no GENBLOG (tools/genblog)");
		return;
	}
	ref.pristine = g_build_filename(tmp, "pristine", NULL);
	make_reference(&ref, tmp);
	for (;; n++) {
		g_autofree char *after = g_strdup_printf("%u", n);
		g_autofree char *site = fresh_copy(&ref, tmp, "killed");
		int code = run_imgopt(site, after);

		if (code != 128 + 9) {
			g_assert_cmpint(code, <=, 1);
			break;
		}
		n_with_temps += check_debris(&ref, site) > 0;
		g_assert_cmpint(run_imgopt(site, NULL), <=, 1);
		g_autofree char *p = g_build_filename(site, "_posts", NULL);
		g_autofree char *o =
			g_build_filename(site, "postimg", "optimized", NULL);
		g_autoptr(GHashTable) posts = tu_load_tree(p, NULL);
		g_autoptr(GHashTable) out = tu_load_tree(o, NULL);
		tu_assert_same_tree(ref.posts1, posts,
				    "posts after the re-run");
		tu_assert_same_tree(ref.out1, out, "variants after the re-run");
		assert_no_temps(site);
		undo_and_compare(&ref, site);
	}
	g_test_message("%u kill points, %u of them inside a post's write",
		       n - 1, n_with_temps);
	g_assert_cmpuint(n - 1, >=, 50);
	/* Every post write is a kill point between its fsync and rename. */
	g_assert_cmpuint(n_with_temps, >=, 5);
	g_hash_table_unref(ref.posts0);
	g_hash_table_unref(ref.posts1);
	g_hash_table_unref(ref.images0);
	g_hash_table_unref(ref.out1);
	g_free(ref.pristine);
	tu_rmtree(tmp);
}

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		many_points |= strcmp(argv[i], "--many-kill-points") == 0;
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/kill/every-point", test_kill_points);
	return g_test_run();
}
