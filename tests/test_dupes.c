/*
 * test_dupes.c: `imgopt dupes` end to end on blogs written by genblog:
 * the exact groups, canonical copies and orphans of genblog's ground
 * truth; a second run hashes nothing; a file changed in place is hashed
 * again; bad entries in the tree are reported, never fatal.
 */
#include "imgopt/imgopt.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "testutil.h"

/* A generated blog in a temporary folder. */
typedef struct {
	char *tmp;       /* the temporary folder */
	char *root;      /* the blog (site root) */
	char *posts;     /* root/_posts */
	char *images;    /* root/postimg */
	JsonNode *truth; /* genblog-truth.json */
} Blog;

static void
blog_clear(Blog *b)
{
	if (b->tmp != NULL)
		tu_rmtree(b->tmp);
	g_free(b->tmp);
	g_free(b->root);
	g_free(b->posts);
	g_free(b->images);
	if (b->truth != NULL)
		json_node_unref(b->truth);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Blog, blog_clear)

static void
blog_make_sized(Blog *b, const char *posts, const char *images,
		const char *seed, const char *sizes)
{
	const char *genblog = g_getenv("GENBLOG");
	g_autofree char *truth = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	int status;

	g_assert_nonnull(genblog);
	b->tmp = tu_tmpdir();
	b->root = g_build_filename(b->tmp, "blog", NULL);
	b->posts = g_build_filename(b->root, "_posts", NULL);
	b->images = g_build_filename(b->root, "postimg", NULL);
	const char *argv[] = {genblog, "--posts", posts,   "--images",
			      images,  "--seed",  seed,    "--sizes",
			      sizes,   "--out",   b->root, NULL};
	status = tu_run(argv, NULL, NULL);
	g_assert_cmpint(status, ==, 0);
	truth = g_build_filename(b->root, "genblog-truth.json", NULL);
	json_parser_load_from_file(parser, truth, &error);
	g_assert_no_error(error);
	b->truth = json_node_copy(json_parser_get_root(parser));
	/* The answer key names every orphan: in the site, the name guard
	 * would keep them all. */
	g_assert_cmpint(g_unlink(truth), ==, 0);
}

static void
blog_make(Blog *b, const char *posts, const char *images, const char *seed)
{
	blog_make_sized(b, posts, images, seed, "tiny");
}

/* @extra: options, separated by spaces, or NULL. */
static JsonObject *
run_dupes_with(const Blog *b, const char *extra, int expect_exit)
{
	g_auto(GStrv) more = extra ? g_strsplit(extra, " ", 3) : NULL;
	const char *argv[] = {"imgopt",
			      "dupes",
			      b->posts,
			      b->images,
			      "--json",
			      more ? more[0] : NULL,
			      more && more[0] ? more[1] : NULL,
			      NULL};
	int code = -1;
	JsonNode *root = tu_run_json(argv, &code);
	JsonObject *obj = json_object_ref(json_node_get_object(root));

	json_node_unref(root);
	g_assert_cmpint(code, ==, expect_exit);
	return obj;
}

static JsonObject *
run_dupes(const Blog *b, int expect_exit)
{
	return run_dupes_with(b, NULL, expect_exit);
}

static gint64
summary(JsonObject *out, const char *key)
{
	JsonObject *s = json_object_get_object_member(out, "summary");

	g_assert_true(json_object_has_member(s, key));
	return json_object_get_int_member(s, key);
}

static int
str_ptr_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "canonical|member,member,…" per group, sorted: comparable sets. */
static GPtrArray *
group_keys(JsonArray *groups, bool members_are_objects)
{
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < json_array_get_length(groups); i++) {
		JsonObject *g = json_array_get_object_element(groups, i);
		JsonArray *members = json_object_get_array_member(g, "members");
		GString *k = g_string_new(
			json_object_get_string_member(g, "canonical"));

		g_string_append_c(k, '|');
		for (guint j = 0; j < json_array_get_length(members); j++) {
			const char *p =
				members_are_objects
					? json_object_get_string_member(
						  json_array_get_object_element(
							  members, j),
						  "path")
					: json_array_get_string_element(members,
									j);

			g_string_append_printf(k, "%s%s", j ? "," : "", p);
		}
		g_ptr_array_add(keys, g_string_free(k, FALSE));
	}
	g_ptr_array_sort(keys, str_ptr_cmp);
	return keys;
}

static void
assert_same_strings(GPtrArray *a, GPtrArray *b)
{
	g_assert_cmpuint(a->len, ==, b->len);
	for (guint i = 0; i < a->len; i++)
		g_assert_cmpstr(g_ptr_array_index(a, i), ==,
				g_ptr_array_index(b, i));
}

static void
assert_matches_truth(const Blog *b, JsonObject *out)
{
	JsonObject *t = json_node_get_object(b->truth);
	g_autoptr(GPtrArray) got =
		group_keys(json_object_get_array_member(out, "groups"), true);
	g_autoptr(GPtrArray) want =
		group_keys(json_object_get_array_member(t, "groups"), false);
	JsonArray *orphans = json_object_get_array_member(out, "orphans");
	JsonArray *want_orphans = json_object_get_array_member(t, "orphans");

	g_assert_cmpuint(want->len, >, 5);
	assert_same_strings(got, want);
	g_assert_cmpuint(json_array_get_length(orphans), ==,
			 json_array_get_length(want_orphans));
	for (guint i = 0; i < json_array_get_length(orphans); i++)
		g_assert_cmpstr(
			json_object_get_string_member(
				json_array_get_object_element(orphans, i),
				"path"),
			==, json_array_get_string_element(want_orphans, i));
	g_assert_cmpint(summary(out, "groups"), ==, (gint64)want->len);
	g_assert_cmpint(summary(out, "files"), ==,
			json_object_get_int_member(t, "files"));
}

static void
test_ground_truth_and_cache(void)
{
	g_auto(Blog) b = {0};
	JsonObject *first = NULL, *second = NULL;
	g_autofree char *manifest = NULL;

	blog_make(&b, "30", "400", "7");
	first = run_dupes(&b, 0);
	assert_matches_truth(&b, first);
	/* Size-first: only files whose size another shares are hashed;
	 * the others, named as images, are not read at all. */
	g_assert_cmpint(summary(first, "hashed_files") +
				summary(first, "probed_files") +
				summary(first, "unread_files"),
			==, summary(first, "files"));
	g_assert_cmpint(summary(first, "hashed_files"), >, 0);
	g_assert_cmpint(summary(first, "unread_files"), >, 0);
	g_assert_cmpint(summary(first, "probed_files"), ==, 0);
	g_assert_cmpint(summary(first, "cached_files"), ==, 0);
	g_assert_cmpint(summary(first, "hashed_bytes"), >, 0);
	manifest = g_build_filename(b.root, ".imgopt", "manifest.db", NULL);
	g_assert_true(g_file_test(manifest, G_FILE_TEST_IS_REGULAR));
	/* Unchanged tree: nothing read, the same answer (the whole job:
	 * --rescan, not the stored output test_memo_replays() checks). */
	second = run_dupes_with(&b, "--rescan", 0);
	assert_matches_truth(&b, second);
	g_assert_cmpint(summary(second, "hashed_files"), ==, 0);
	g_assert_cmpint(summary(second, "hashed_bytes"), ==, 0);
	g_assert_cmpint(summary(second, "probed_bytes"), ==, 0);
	g_assert_cmpint(summary(second, "cached_files"), ==,
			summary(first, "files"));
	json_object_unref(first);
	json_object_unref(second);
}

/* Runs `imgopt dupes --json` [@extra]; returns stdout, *@err_out stderr. */
static char *
run_raw(const Blog *b, const char *extra, char **err_out)
{
	const char *argv[] = {"imgopt", "dupes", b->posts, b->images,
			      "--json", extra,   NULL};
	char *out = NULL;

	g_assert_cmpint(tu_run(argv, &out, err_out), ==, 0);
	return out;
}

#define REPLAYED "imgopt: nothing changed since the run of "

/* An unchanged re-run prints what the whole job would (--rescan), byte
 * for byte, from the memo; any change runs the job again. */
static void
test_memo_replays(void)
{
	g_auto(Blog) b = {0};
	g_autofree char *first = NULL, *full = NULL, *replay = NULL;
	g_autofree char *after = NULL, *file = NULL;
	g_autoptr(GDir) dir = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	char *err[4] = {NULL};
	JsonObject *changed = NULL;

	blog_make(&b, "20", "200", "5");
	g_usleep(100000); /* a memo is not kept for files this new */
	first = run_raw(&b, NULL, &err[0]);
	full = run_raw(&b, "--rescan", &err[1]);
	replay = run_raw(&b, NULL, &err[2]);
	g_assert_null(strstr(err[0], REPLAYED));
	g_assert_null(strstr(err[1], REPLAYED));
	g_assert_nonnull(strstr(err[2], REPLAYED));
	g_assert_cmpstr(replay, ==, full);
	g_assert_cmpstr(replay, !=, first); /* first: hashed_files > 0 */
	/* A file rewritten: the job runs and reads it again. */
	dir = g_dir_open(b.images, 0, NULL);
	file = g_build_filename(b.images, g_dir_read_name(dir), NULL);
	tu_write(file, "new bytes");
	after = run_raw(&b, NULL, &err[3]);
	g_assert_null(strstr(err[3], REPLAYED));
	g_assert_true(json_parser_load_from_data(parser, after, -1, NULL));
	changed = json_node_get_object(json_parser_get_root(parser));
	g_assert_cmpint(summary(changed, "hashed_files") +
				summary(changed, "unread_files"),
			==, 1);
	g_assert_cmpint(summary(changed, "cached_files"), ==,
			summary(changed, "files") - 1);
	for (guint i = 0; i < G_N_ELEMENTS(err); i++)
		g_free(err[i]);
}

static void
test_hash_all(void)
{
	g_auto(Blog) b = {0};
	JsonObject *sized = NULL, *all = NULL, *again = NULL;

	blog_make_sized(&b, "3", "30", "21", "real");
	sized = run_dupes(&b, 0);
	assert_matches_truth(&b, sized);
	g_assert_cmpint(summary(sized, "unread_files"), >, 0);
	/* The files size-first left unread are hashed now, the rest is
	 * cached; the answer is the same. */
	all = run_dupes_with(&b, "--hash-all", 0);
	assert_matches_truth(&b, all);
	g_assert_cmpint(summary(all, "hashed_files"), ==,
			summary(sized, "unread_files"));
	g_assert_cmpint(summary(all, "hashed_files") +
				summary(all, "cached_files"),
			==, summary(all, "files"));
	again = run_dupes_with(&b, "--hash-all --rescan", 0);
	g_assert_cmpint(summary(again, "hashed_files"), ==, 0);
	g_assert_cmpint(summary(again, "cached_files"), ==,
			summary(all, "files"));
	json_object_unref(sized);
	json_object_unref(all);
	json_object_unref(again);
}

static void
test_other_seeds(void)
{
	const char *seeds[] = {"1", "2", "3"};

	for (size_t i = 0; i < G_N_ELEMENTS(seeds); i++) {
		g_auto(Blog) b = {0};
		JsonObject *out = NULL;

		blog_make(&b, "12", "150", seeds[i]);
		out = run_dupes(&b, 0);
		assert_matches_truth(&b, out);
		json_object_unref(out);
	}
}

/* The first member of the first group with more than two members. */
static char *
some_member(JsonObject *out, guint *n_members)
{
	JsonArray *groups = json_object_get_array_member(out, "groups");

	for (guint i = 0; i < json_array_get_length(groups); i++) {
		JsonObject *g = json_array_get_object_element(groups, i);
		JsonArray *m = json_object_get_array_member(g, "members");

		if (json_array_get_length(m) > 2) {
			*n_members = json_array_get_length(m);
			return g_strdup(json_object_get_string_member(
				json_array_get_object_element(m, 0), "path"));
		}
	}
	g_assert_not_reached();
}

static guint
members_of_group_holding(JsonObject *out, const char *path)
{
	JsonArray *groups = json_object_get_array_member(out, "groups");

	for (guint i = 0; i < json_array_get_length(groups); i++) {
		JsonArray *m = json_object_get_array_member(
			json_array_get_object_element(groups, i), "members");

		for (guint j = 0; j < json_array_get_length(m); j++)
			if (strcmp(json_object_get_string_member(
					   json_array_get_object_element(m, j),
					   "path"),
				   path) == 0)
				return json_array_get_length(m);
	}
	return 0;
}

static void
rewrite_same_size(const char *path, bool flip_byte)
{
	gsize len = 0;
	g_autofree char *data = tu_read(path, &len);
	g_autoptr(GError) error = NULL;
	FILE *f = fopen(path, "r+b"); /* in place: same inode */

	g_assert_nonnull(f);
	if (flip_byte)
		data[len - 3] ^= 0x55;
	g_assert_cmpuint(fwrite(data, 1, len, f), ==, len);
	fclose(f);
	(void)error;
}

static void
set_mtime(const char *path, time_t when)
{
	struct timespec t[2] = {{when, 0}, {when, 0}};

	g_assert_cmpint(utimensat(AT_FDCWD, path, t, 0), ==, 0);
}

static void
test_changed_in_place(void)
{
	g_auto(Blog) b = {0};
	JsonObject *first = NULL, *touched = NULL, *changed = NULL;
	g_autofree char *rel = NULL;
	g_autofree char *path = NULL;
	guint n = 0;
	struct stat st;

	blog_make(&b, "10", "120", "11");
	first = run_dupes(&b, 0);
	rel = some_member(first, &n);
	path = g_build_filename(b.root, rel, NULL);
	g_assert_cmpint(stat(path, &st), ==, 0);
	/* Same bytes, same size, new mtime: read again, nothing else. */
	rewrite_same_size(path, false);
	set_mtime(path, st.st_mtime + 3600);
	touched = run_dupes(&b, 0);
	g_assert_cmpint(summary(touched, "hashed_files"), ==, 1);
	g_assert_cmpint(summary(touched, "hashed_bytes"), ==, st.st_size);
	g_assert_cmpuint(members_of_group_holding(touched, rel), ==, n);
	/* Different bytes, same size: it leaves its group. */
	rewrite_same_size(path, true);
	set_mtime(path, st.st_mtime + 7200);
	changed = run_dupes(&b, 0);
	g_assert_cmpint(summary(changed, "hashed_files"), ==, 1);
	g_assert_cmpuint(members_of_group_holding(changed, rel), ==, 0);
	g_assert_cmpint(summary(changed, "groups"), ==,
			summary(first, "groups"));
	json_object_unref(first);
	json_object_unref(touched);
	json_object_unref(changed);
}

static void
append(const char *path, const char *text)
{
	FILE *f = fopen(path, "ab");

	g_assert_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static const char *
first_orphan(JsonObject *out)
{
	JsonArray *a = json_object_get_array_member(out, "orphans");

	g_assert_cmpuint(json_array_get_length(a), >, 0);
	return json_object_get_string_member(
		json_array_get_object_element(a, 0), "path");
}

static bool has_orphan(JsonObject *out, const char *path);

/* Unchanged posts come from the manifest; a changed post, a new image
 * file, or a file appearing where a broken link points are noticed. */
static void
test_post_cache_follows_changes(void)
{
	g_auto(Blog) b = {0};
	JsonObject *out[5] = {NULL};
	g_autofree char *post = NULL, *link = NULL, *later = NULL;
	g_autofree char *late = NULL;
	g_autoptr(GDir) dir = NULL;

	blog_make(&b, "6", "60", "13");
	out[0] = run_dupes(&b, 0);
	out[1] = run_dupes_with(&b, "--rescan", 0);
	g_assert_cmpint(summary(out[1], "cached_posts"), ==, 6);
	/* A post now uses an orphan, and links a file that is missing. */
	dir = g_dir_open(b.posts, 0, NULL);
	post = g_build_filename(b.posts, g_dir_read_name(dir), NULL);
	link = g_strdup_printf("\n![]({{site.baseurl}}/%s)\n"
			       "![](/postimg/later.jpeg) ![](/img/late.png)\n",
			       first_orphan(out[1]));
	append(post, link);
	out[2] = run_dupes(&b, 0);
	g_assert_cmpint(summary(out[2], "cached_posts"), ==, 5);
	g_assert_cmpint(summary(out[2], "orphans"), ==,
			summary(out[1], "orphans") - 1);
	/* A file outside IMAGES appears where the broken link points: the
	 * post is unchanged and comes from the manifest, its broken link is
	 * resolved again and the file is now referenced (indexed). */
	late = g_build_filename(b.root, "img", "late.png", NULL);
	tu_write(late, "\x89PNG\r\n\x1a\n late");
	out[3] = run_dupes(&b, 0);
	g_assert_cmpint(summary(out[3], "cached_posts"), ==, 6);
	g_assert_cmpint(summary(out[3], "files"), ==,
			summary(out[2], "files") + 1);
	/* A new file under IMAGES: every post is resolved again, and the
	 * link to it is no longer broken (so it is no orphan). */
	later = g_build_filename(b.images, "later.jpeg", NULL);
	tu_write(later, "\xFF\xD8\xFF later, a unique size");
	out[4] = run_dupes(&b, 0);
	g_assert_cmpint(summary(out[4], "cached_posts"), ==, 0);
	g_assert_false(has_orphan(out[4], "postimg/later.jpeg"));
	g_assert_cmpint(summary(out[4], "files"), ==,
			summary(out[3], "files") + 1);
	for (guint i = 0; i < G_N_ELEMENTS(out); i++)
		json_object_unref(out[i]);
}

static bool
has_problem(JsonObject *out, const char *list, const char *path,
	    const char *reason_part)
{
	JsonArray *a = json_object_get_array_member(out, list);

	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *p = json_array_get_object_element(a, i);

		if (strcmp(json_object_get_string_member(p, "path"), path) ==
			    0 &&
		    strstr(json_object_get_string_member(p, "reason"),
			   reason_part) != NULL)
			return true;
	}
	return false;
}

static bool
has_orphan(JsonObject *out, const char *path)
{
	JsonArray *a = json_object_get_array_member(out, "orphans");

	for (guint i = 0; i < json_array_get_length(a); i++)
		if (strcmp(json_object_get_string_member(
				   json_array_get_object_element(a, i), "path"),
			   path) == 0)
			return true;
	return false;
}

static void
test_bad_entries_reported(void)
{
	g_auto(Blog) b = {0};
	JsonObject *out = NULL;
	g_autofree char *fifo = NULL, *loop = NULL, *empty = NULL, *odd = NULL;
	g_autofree char *bin = NULL, *txt = NULL;
	g_autofree char *outdir = NULL, *outcopy = NULL;

	blog_make(&b, "5", "60", "5");
	fifo = g_build_filename(b.images, "pipe.jpeg", NULL);
	loop = g_build_filename(b.images, "loop.jpeg", NULL);
	empty = g_build_filename(b.images, "empty.jpeg", NULL);
	odd = g_build_filename(b.images, "caf\xE9.gif", NULL);
	bin = g_build_filename(b.images, "photo.bin", NULL);
	txt = g_build_filename(b.images, "notes.txt", NULL);
	outdir = g_build_filename(b.images, IMGOPT_OUTPUT_DIR, NULL);
	outcopy = g_build_filename(outdir, "x.gif", NULL);
	g_assert_cmpint(mkfifo(fifo, 0644), ==, 0);
	g_assert_cmpint(symlink("loop.jpeg", loop), ==, 0);
	tu_write(empty, "");
	tu_write(odd, "GIF89a not really");
	tu_write(bin, "\xFF\xD8\xFF\xDB a JPEG by its bytes, a unique size");
	tu_write(txt, "notes, not an image");
	tu_write(outcopy,
		 "GIF89a not really"); /* imgopt's own output: ignored */
	out = run_dupes(&b, 0);
	g_assert_true(has_problem(out, "skipped", "postimg/pipe.jpeg", "FIFO"));
	g_assert_true(has_problem(out, "skipped", "postimg/loop.jpeg",
				  "symbolic link"));
	g_assert_cmpint(summary(out, "empty_files"), ==, 1);
	/* Not named as images, of unique sizes: their headers are read,
	 * and the one whose bytes are an image's is an orphan. */
	g_assert_cmpint(summary(out, "probed_files"), ==, 2);
	g_assert_true(has_orphan(out, "postimg/photo.bin"));
	g_assert_false(has_orphan(out, "postimg/notes.txt"));
	/* The non-UTF-8 name is shown escaped, and is an orphan; its twin in
	 * imgopt's output folder is not an input, so no group holds it. */
	g_assert_true(has_orphan(out, "postimg/caf\\xE9.gif"));
	g_assert_false(has_orphan(out, "postimg/optimized/x.gif"));
	g_assert_cmpuint(members_of_group_holding(out, "postimg/caf\\xE9.gif"),
			 ==, 0);
	g_assert_cmpint(summary(out, "errors"), ==, 0);
	json_object_unref(out);
}

/* Observer that deletes a referenced file once every post is scanned:
 * the file vanishes between resolving and indexing. */
typedef struct {
	char *victim;   /* absolute path to delete */
	guint problems; /* errors reported */
} Saboteur;

static void
sabotage(const char *stage, uint64_t done, uint64_t total, uint64_t bytes,
	 void *user_data)
{
	Saboteur *s = user_data;

	(void)bytes;
	if (strcmp(stage, "scan") == 0 && done == total && s->victim != NULL) {
		g_assert_cmpint(g_unlink(s->victim), ==, 0);
		g_clear_pointer(&s->victim, g_free);
	}
}

static void
count_problem(const char *path, const char *message, bool is_error,
	      void *user_data)
{
	Saboteur *s = user_data;

	(void)path;
	(void)message;
	s->problems += is_error;
}

static void
test_vanished_during_run(void)
{
	g_auto(Blog) b = {0};
	Saboteur s = {NULL, 0};
	ImgoptObserver observer = {sabotage, count_problem, &s};
	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptSite) site = NULL;
	g_autoptr(ImgoptManifest) m = imgopt_manifest_open(":memory:", &error);
	g_autoptr(ImgoptDupesResult) res = NULL;
	const ImgoptProblem *p;

	blog_make(&b, "4", "40", "9");
	site = imgopt_site_open(b.posts, b.images, NULL, &error);
	g_assert_no_error(error);
	s.victim = g_build_filename(b.root, "img", "the-first.png", NULL);
	g_assert_true(imgopt_dupes_run(site, NULL, m, &observer, &res, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(res->errors->len, ==, 1);
	g_assert_cmpuint(s.problems, ==, 1);
	p = g_ptr_array_index(res->errors, 0);
	g_assert_cmpstr(p->path, ==, "img/the-first.png");
	g_assert_nonnull(strstr(p->message, "vanished"));
	/* The rest of the run went on. */
	g_assert_cmpuint(res->groups->len, >, 0);
}

static void
test_manifest_option(void)
{
	g_auto(Blog) b = {0};
	g_autofree char *manifest = NULL;
	g_autofree char *out = NULL;
	int code;

	blog_make(&b, "3", "30", "4");
	manifest = g_build_filename(b.tmp, "elsewhere.db", NULL);
	const char *argv[] = {"imgopt",     "dupes",  b.posts, b.images,
			      "--manifest", manifest, NULL};
	code = tu_run(argv, &out, NULL);
	g_assert_cmpint(code, ==, 0);
	g_assert_true(g_file_test(manifest, G_FILE_TEST_IS_REGULAR));
	g_assert_nonnull(strstr(out, "groups"));
	g_assert_nonnull(strstr(out, "(* = canonical copy"));
}

/* What build and run recompress: referenced, hashed, a web format, and
 * not imgopt's own output; a sibling folder whose name only starts like
 * it (optimized-old/ beside optimized/) holds inputs like any other. */
static void
test_referenced_images(void)
{
	g_autofree char *root = tu_tmpdir();
	g_autofree char *posts = g_build_filename(root, "_posts", NULL);
	g_autofree char *images = g_build_filename(root, "img", NULL);
	const char *files[][2] = {
		{"img/optimized-old/a.jpg", "\xFF\xD8\xFF a, kept"},
		{"img/optimized/b.jpg", "\xFF\xD8\xFF b, imgopt's own"},
		{"img/c.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>"},
		{"img/d.png", "\x89PNG\r\n\x1a\n d, kept"},
		{"img/e.gif", "GIF89a e, not referenced"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *path =
			g_build_filename(root, files[i][0], NULL);
		g_autofree char *dir = g_path_get_dirname(path);
		g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
		tu_write(path, files[i][1]);
	}
	g_assert_cmpint(g_mkdir_with_parents(posts, 0755), ==, 0);
	g_autofree char *post =
		g_build_filename(posts, "2020-01-01-a.md", NULL);
	tu_write(post, "![](/img/optimized-old/a.jpg)\n"
		       "![](/img/optimized/b.jpg)\n"
		       "![](/img/c.svg)\n"
		       "![](/img/d.png)\n");

	g_autoptr(GError) error = NULL;
	g_autoptr(ImgoptSite) site =
		imgopt_site_open(posts, images, NULL, &error);
	g_assert_no_error(error);
	g_autoptr(ImgoptManifest) m = imgopt_manifest_open(":memory:", &error);
	g_autoptr(ImgoptDupesResult) res = NULL;
	g_assert_true(imgopt_dupes_run(site, NULL, m, NULL, &res, &error));
	g_assert_no_error(error);
	g_autoptr(GHashTable) by_path = imgopt_manifest_load_files(m, &error);
	g_assert_no_error(error);
	g_autoptr(GPtrArray) got = imgopt_dupes_result_referenced_images(
		res, by_path, "img/" IMGOPT_OUTPUT_DIR);
	g_assert_cmpuint(got->len, ==, 2);
	bool has_a = false, has_d = false;
	for (guint i = 0; i < got->len; i++) {
		const ImgoptAsset *a = g_ptr_array_index(got, i);
		has_a |= strcmp(a->path, "img/optimized-old/a.jpg") == 0;
		has_d |= strcmp(a->path, "img/d.png") == 0;
	}
	g_assert_true(has_a && has_d);
}

/* A size class larger than a batch can hold (4 x 256 files) is split
 * between workers: the copies proven equal within each part are still
 * one group with those compared across parts, and a file of the same size
 * with other bytes is not in it. */
static void
test_class_across_batches(void)
{
	g_autofree char *root = tu_tmpdir();
	g_autofree char *posts = g_build_filename(root, "_posts", NULL);
	g_autofree char *images = g_build_filename(root, "img", NULL);
	g_autoptr(GError) error = NULL;
	ImgoptDupesOptions options = {.jobs = 2};

	g_assert_cmpint(g_mkdir_with_parents(posts, 0755), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(images, 0755), ==, 0);
	for (int i = 0; i < 1100; i++) {
		g_autofree char *name = g_strdup_printf("img/c%04d.jpg", i);
		g_autofree char *path = g_build_filename(root, name, NULL);

		/* Two in the middle hold other bytes of the same size. */
		tu_write(path, i == 500 || i == 900 ? "\xFF\xD8\xFF other"
						    : "\xFF\xD8\xFF copy!");
	}
	g_autoptr(ImgoptSite) site =
		imgopt_site_open(posts, images, NULL, &error);
	g_assert_no_error(error);
	g_autoptr(ImgoptManifest) m = imgopt_manifest_open(":memory:", &error);
	g_autoptr(ImgoptDupesResult) res = NULL;
	g_assert_true(imgopt_dupes_run_size_first(site, &options, m, NULL, &res,
						  &error));
	g_assert_no_error(error);
	g_assert_cmpuint(res->hashed_files, ==, 1100);
	g_assert_cmpuint(res->groups->len, ==, 2);
	for (guint i = 0; i < res->groups->len; i++) {
		const ImgoptGroup *g = g_ptr_array_index(res->groups, i);
		const ImgoptGroupMember *first =
			g_ptr_array_index(g->members, 0);
		bool is_other = strcmp(first->path, "img/c0500.jpg") == 0;

		g_assert_cmpuint(g->members->len, ==, is_other ? 2 : 1098);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/dupes/ground-truth-then-cached",
			test_ground_truth_and_cache);
	g_test_add_func("/dupes/ground-truth-other-seeds", test_other_seeds);
	g_test_add_func("/dupes/memo-replays", test_memo_replays);
	g_test_add_func("/dupes/hash-all-after-size-first", test_hash_all);
	g_test_add_func("/dupes/changed-in-place-rehashed",
			test_changed_in_place);
	g_test_add_func("/dupes/post-cache-follows-changes",
			test_post_cache_follows_changes);
	g_test_add_func("/dupes/bad-entries-reported",
			test_bad_entries_reported);
	g_test_add_func("/dupes/vanished-during-run", test_vanished_during_run);
	g_test_add_func("/dupes/class-across-batches",
			test_class_across_batches);
	g_test_add_func("/dupes/manifest-option", test_manifest_option);
	g_test_add_func("/dupes/referenced-images", test_referenced_images);
	return g_test_run();
}
