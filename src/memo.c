/*
 * memo.c: a command's output over an unchanged site (see memo.h).
 *
 * The walk is the cheapest that sees every entry: one openat() per folder,
 * readdir(), and one fstatat() per entry relative to its folder's
 * descriptor (no path lookup from the root).  Entries are hashed in
 * readdir() order, which is stable while a folder does not change; a
 * change of order therefore only costs a miss.
 */
#include "imgopt/memo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsio.h"
#include "hash.h"

struct ImgoptMemo {
	const ImgoptSite *site;
	char *command;
	char *what;      /* the command's options, and the site's description */
	ImgoptHash tree; /* the site's tree when the memo began */
	int64_t began_ns; /* when the walk began (ns since the epoch) */
	bool is_whole;    /* the variant folders and the manifest too */
	ImgoptManifestStamp stamp; /* the manifest's, at the lookup */
	ImgoptHash program;        /* the mapped files when the memo began */
	GPtrArray *walked; /* (element-type WalkedDir) each folder's entries
			      as the walk stat'ed them */
};

/* Feeds one entry's identity: what lstat() (or stat()) said, or the
 * errno @err it (or opening the entry) failed with; @st is only read
 * when @err is 0. */
static void
feed_stat(ImgoptHasher *h, const char *name, int err, const struct stat *st)
{
	uint64_t rec[9] = {0};

	imgopt_hasher_update(h, name, strlen(name) + 1);
	if (err != 0 || st == NULL) {
		rec[0] = UINT64_MAX;
		rec[1] = (uint64_t)(err != 0 ? err : EIO);
	}
	else if (S_ISDIR(st->st_mode)) {
		/* A folder is its entries, walked one by one: its own times
		 * move when a skipped entry (a dot folder, the variants)
		 * comes or goes. */
		rec[0] = st->st_mode;
		rec[6] = (uint64_t)st->st_ino;
		rec[7] = (uint64_t)st->st_dev;
	}
	else {
		rec[0] = st->st_mode;
		rec[1] = (uint64_t)st->st_size;
		rec[2] = (uint64_t)st->st_mtim.tv_sec;
		rec[3] = (uint64_t)st->st_mtim.tv_nsec;
		rec[4] = (uint64_t)st->st_ctim.tv_sec;
		rec[5] = (uint64_t)st->st_ctim.tv_nsec;
		rec[6] = (uint64_t)st->st_ino;
		rec[7] = (uint64_t)st->st_dev;
		rec[8] = (uint64_t)st->st_nlink;
	}
	imgopt_hasher_update(h, rec, sizeof rec);
}

/* One entry of a folder, and what fstatat() said of it. */
typedef struct {
	char *name;
	struct stat st;
	int err; /* errno of a failed fstatat(), else 0 */
} Entry;

static void
entry_clear(Entry *e)
{
	g_free(e->name);
}

/* A folder walked: its path from the root ("" for the root) and its
 * entries (element-type Entry), kept for imgopt_memo_take_entries(). */
typedef struct {
	char *rel;
	GArray *entries;
} WalkedDir;

static void
walked_dir_free(WalkedDir *w)
{
	g_free(w->rel);
	g_array_unref(w->entries);
	g_free(w);
}

typedef struct {
	ImgoptHasher *h;
	const char *skip;  /* the output folder, relative to the site root */
	GPtrArray *walked; /* (element-type WalkedDir) receives the folders */
} TreeWalk;

/* A share of a folder's entries to stat, on its own thread. */
typedef struct {
	int fd;
	Entry *entries;
	guint n;
} StatShare;

static gpointer
stat_share(gpointer data)
{
	StatShare *sh = data;

	for (guint i = 0; i < sh->n; i++) {
		Entry *e = &sh->entries[i];

		if (fstatat(sh->fd, e->name, &e->st, AT_SYMLINK_NOFOLLOW) != 0)
			e->err = errno;
	}
	return NULL;
}

/* A folder of many entries (a blog's one image folder holds tens of
 * thousands) is stat'ed on every core: a stat costs microseconds of
 * kernel time, and the walk is most of an unchanged re-run. */
#define STAT_SHARE_MIN 512

static void
stat_all(int fd, GArray *entries)
{
	guint n = entries->len;
	guint shares = MIN(MAX(1u, n / STAT_SHARE_MIN),
			   MIN(g_get_num_processors(), 8u));
	StatShare sh[8];
	GThread *threads[8] = {NULL};
	Entry *all = (Entry *)(void *)entries->data;

	for (guint k = 0; k < shares; k++) {
		guint from = n * k / shares, to = n * (k + 1) / shares;

		sh[k] = (StatShare){fd, all + from, to - from};
		if (k > 0)
			threads[k] = g_thread_try_new("imgopt-stat", stat_share,
						      &sh[k], NULL);
	}
	stat_share(&sh[0]);
	for (guint k = 1; k < shares; k++) {
		if (threads[k] != NULL)
			g_thread_join(threads[k]);
		else
			stat_share(&sh[k]);
	}
}

/* Folders of the site root no referrer lives in and no command reads:
 * the build output and dependencies (referrers.h walks around them). */
static bool
is_unread_top(const char *name)
{
	static const char *const names[] = {"_site", "node_modules", "vendor",
					    NULL};

	return g_strv_contains(names, name);
}

/* Feeds the folder open at @fd (which it closes) and everything below,
 * @rel being its path from the walk's root ("" for the root). */
static void
feed_dir(TreeWalk *w, int fd, const char *rel)
{
	DIR *dir = fdopendir(fd);
	const struct dirent *d;
	g_autoptr(GArray) entries = g_array_new(FALSE, TRUE, sizeof(Entry));
	WalkedDir *walked = NULL;

	if (dir == NULL) {
		close(fd);
		return;
	}
	g_array_set_clear_func(entries, (GDestroyNotify)entry_clear);
	while ((d = readdir(dir)) != NULL) {
		Entry e = {0};

		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		e.name = g_strdup(d->d_name);
		g_array_append_val(entries, e);
	}
	stat_all(dirfd(dir), entries);
	for (guint i = 0; i < entries->len; i++) {
		const Entry *e = &g_array_index(entries, Entry, i);
		g_autofree char *path =
			*rel ? imgopt_fs_join(rel, e->name) : g_strdup(e->name);
		bool is_dir = e->err == 0 && S_ISDIR(e->st.st_mode);

		if (is_dir &&
		    (e->name[0] == '.' || g_strcmp0(path, w->skip) == 0 ||
		     (*rel == '\0' && is_unread_top(e->name))))
			continue;
		feed_stat(w->h, path, e->err, &e->st);
		if (!is_dir)
			continue;
		int child =
			openat(dirfd(dir), e->name,
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (child < 0) {
			feed_stat(w->h, path, errno, NULL);
			continue;
		}
		feed_dir(w, child, path);
	}
	closedir(dir);
	if (w->walked == NULL)
		return;
	walked = g_new0(WalkedDir, 1);
	walked->rel = g_strdup(rel);
	walked->entries = g_steal_pointer(&entries);
	g_ptr_array_add(w->walked, walked);
}

/* Feeds the whole site: every referrer (posts, pages, layouts, config,
 * stylesheets…) and IMAGES, in one walk of the root, without dot
 * folders, the variant folder, the build output and dependencies. */
static bool
feed_site(const ImgoptSite *site, bool is_whole, ImgoptHasher *h,
	  GPtrArray *walked, GError **error)
{
	const char *root = imgopt_site_get_root(site);
	g_autofree char *out = imgopt_fs_join(imgopt_site_get_images_dir(site),
					      IMGOPT_OUTPUT_DIR);
	TreeWalk w = {h, is_whole ? NULL : out, walked};
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		int saved = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
			    ".: folder not listed: %s", g_strerror(saved));
		return false;
	}
	feed_dir(&w, fd, "");
	return true;
}

static bool
tree_state(const ImgoptSite *site, bool is_whole, ImgoptHash *out,
	   GPtrArray *walked, GError **error)
{
	g_autoptr(ImgoptHasher) h = imgopt_hasher_new();

	if (!feed_site(site, is_whole, h, walked, error))
		return false;
	imgopt_hasher_finish(h, out);
	return true;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int64_t
ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* Feeds what stat() says of @rel (following symlinks, as resolving
 * does).  Returns whether it changed at or after @since_ns. */
static bool
feed_watched(ImgoptHasher *h, const char *root, const char *rel,
	     int64_t since_ns)
{
	g_autofree char *abs = g_build_filename(root, rel, NULL);
	struct stat st;
	int err = stat(abs, &st) == 0 ? 0 : errno;

	feed_stat(h, rel, err, &st);
	return err == 0 &&
	       MAX(ns_of(&st.st_ctim), ns_of(&st.st_mtim)) >= since_ns;
}

/* Feeds the identity of every file the process has mapped (the program
 * and its libraries, as /proc/self/maps lists them): an upgraded
 * libvips, libjpeg or imgopt makes other variants (the settings'
 * fingerprint names the libraries' versions, which only initialising
 * them tells).  Only the mappings of code: a data file mapped (the
 * manifest's shared memory) changes with every write.  In the order of
 * their names: the maps list them by address, and where the loader puts
 * each library varies from run to run (under AddressSanitizer it did
 * every time, so the memo never matched).  Without /proc, a marker (and
 * no shortcut lost). */
static void
feed_program(ImgoptHasher *h)
{
	g_autofree char *maps = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	if (!g_file_get_contents("/proc/self/maps", &maps, NULL, NULL)) {
		feed_stat(h, "/proc/self/maps", ENOENT, NULL);
		return;
	}
	g_auto(GStrv) lines = g_strsplit(maps, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		const char *perms = strchr(lines[i], ' ');
		const char *path = strchr(lines[i], '/');

		/* code only: not the manifest's shared memory, say */
		if (path != NULL && perms != NULL && perms[3] == 'x')
			g_hash_table_add(seen, (char *)path);
	}
	g_autofree const char **paths =
		(const char **)g_hash_table_get_keys_as_array(seen, NULL);
	qsort(paths, g_hash_table_size(seen), sizeof *paths, cmp_str);
	for (guint i = 0; paths[i] != NULL; i++) {
		struct stat st;

		feed_stat(h, paths[i], stat(paths[i], &st) == 0 ? 0 : errno,
			  &st);
	}
}

/*
 * The whole state: what was asked, the trees as the memo began, and each
 * watched path and its folder now (the folder's times move when an entry
 * appears or goes).  Returns whether a watched path or folder changed
 * since @since_ns: the job may then have seen it either way.
 */
static bool
full_state(const ImgoptMemo *memo, const GPtrArray *watched, int64_t since_ns,
	   ImgoptHash *out)
{
	g_autoptr(ImgoptHasher) h = imgopt_hasher_new();
	const char *root = imgopt_site_get_root(memo->site);
	bool is_recent = false;

	imgopt_hasher_update(h, "imgopt memo 1", 14);
	imgopt_hasher_update(h, IMGOPT_VERSION, sizeof IMGOPT_VERSION);
	imgopt_hasher_update(h, memo->command, strlen(memo->command) + 1);
	imgopt_hasher_update(h, memo->what, strlen(memo->what) + 1);
	imgopt_hasher_update(h, &memo->tree, sizeof memo->tree);
	if (memo->is_whole) {
		imgopt_hasher_update(h, &memo->stamp, sizeof memo->stamp);
		imgopt_hasher_update(h, &memo->program, sizeof memo->program);
	}
	for (guint i = 0; watched != NULL && i < watched->len; i++) {
		const char *rel = g_ptr_array_index(watched, i);
		g_autofree char *folder = g_path_get_dirname(rel);

		is_recent |= feed_watched(h, root, rel, since_ns);
		is_recent |= feed_watched(h, root, folder, since_ns);
	}
	imgopt_hasher_finish(h, out);
	return is_recent;
}

static ImgoptMemo *
begin(const ImgoptSite *site, const char *command, const char *what,
      bool is_whole, GError **error)
{
	g_return_val_if_fail(site != NULL, NULL);
	g_return_val_if_fail(command != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	g_autoptr(ImgoptMemo) memo = g_new0(ImgoptMemo, 1);
	g_autofree char *described = imgopt_site_describe(site);

	memo->site = site;
	memo->is_whole = is_whole;
	memo->command = g_strdup(command);
	memo->what =
		g_strconcat(what != NULL ? what : "", "\n", described, NULL);
	/* File times come from the kernel's coarse clock (a tick, a few
	 * ms, behind): a margin of 50 ms. */
	memo->began_ns = g_get_real_time() * 1000 - 50000000;
	/* kept for imgopt_memo_take_entries(): dupes' alone (a whole walk's
	 * job writes the tree it walked) */
	if (!is_whole)
		memo->walked = g_ptr_array_new_with_free_func(
			(GDestroyNotify)walked_dir_free);
	if (!tree_state(site, is_whole, &memo->tree, memo->walked, error))
		return NULL;
	if (is_whole) {
		/* Before the job: it maps more (libvips' modules). */
		g_autoptr(ImgoptHasher) h = imgopt_hasher_new();

		feed_program(h);
		imgopt_hasher_finish(h, &memo->program);
	}
	return g_steal_pointer(&memo);
}

ImgoptMemo *
imgopt_memo_begin(const ImgoptSite *site, const char *command, const char *what,
		  GError **error)
{
	return begin(site, command, what, false, error);
}

ImgoptMemo *
imgopt_memo_begin_whole(const ImgoptSite *site, const char *command,
			const char *what, GError **error)
{
	return begin(site, command, what, true, error);
}

bool
imgopt_memo_lookup(ImgoptMemo *memo, ImgoptManifest *manifest,
		   GBytes **output_out, int64_t *stored_us_out, GError **error)
{
	g_return_val_if_fail(memo != NULL, false);
	g_return_val_if_fail(output_out != NULL, false);

	g_autoptr(ImgoptMemoRow) row = NULL;
	ImgoptHash now;

	*output_out = NULL;
	if (memo->is_whole &&
	    !imgopt_manifest_get_stamp(manifest, &memo->stamp, error))
		return false;
	if (!imgopt_manifest_get_memo(manifest, memo->command, &row, error))
		return false;
	if (row == NULL)
		return true;
	full_state(memo, row->watched, INT64_MAX, &now);
	if (memcmp(&now, &row->state, sizeof now) != 0)
		return true;
	*output_out = g_bytes_ref(row->output);
	if (stored_us_out != NULL)
		*stored_us_out = row->stored_us;
	return true;
}

/* Puts (@state non-NULL) or forgets the memo in its own transaction. */
static bool
put(ImgoptManifest *manifest, const char *command, const ImgoptHash *state,
    const GPtrArray *watched, GBytes *output, GError **error)
{
	if (!imgopt_manifest_begin(manifest, error))
		return false;
	if (!imgopt_manifest_put_memo(manifest, command, state, watched, output,
				      error)) {
		imgopt_manifest_rollback(manifest);
		return false;
	}
	return imgopt_manifest_commit(manifest, error);
}

/* Whether the manifest's stamp now is the lookup's, but for @own_runs
 * (the job's own runs rows, ended), and takes it as the memo's.
 * Anything else means another command wrote while the job ran. */
static bool
is_own_stamp(ImgoptMemo *memo, ImgoptManifest *manifest,
	     const int64_t *own_runs, guint n_own, GError **error)
{
	ImgoptManifestStamp now, want = memo->stamp;

	if (!imgopt_manifest_get_stamp(manifest, &now, error))
		return false;
	for (guint i = 0; i < n_own; i++) {
		want.runs++;
		want.ended++;
		want.last_run = MAX(want.last_run, own_runs[i]);
	}
	if (memcmp(&now, &want, sizeof now) != 0)
		return false;
	memo->stamp = now;
	return true;
}

bool
imgopt_memo_store(ImgoptMemo *memo, ImgoptManifest *manifest,
		  const GPtrArray *watched, GBytes *output, bool *stored_out,
		  GError **error)
{
	return imgopt_memo_store_after(memo, manifest, NULL, 0, watched, output,
				       stored_out, error);
}

bool
imgopt_memo_store_after(ImgoptMemo *memo, ImgoptManifest *manifest,
			const int64_t *own_runs, guint n_own,
			const GPtrArray *watched, GBytes *output,
			bool *stored_out, GError **error)
{
	g_return_val_if_fail(memo != NULL, false);
	g_return_val_if_fail(output != NULL, false);

	ImgoptHash state;
	g_autoptr(GError) local = NULL;

	if (stored_out != NULL)
		*stored_out = false;
	if (memo->is_whole &&
	    !is_own_stamp(memo, manifest, own_runs, n_own, &local)) {
		g_debug("memo: %s: the manifest changed during the run%s%s",
			memo->command, local ? ": " : "",
			local ? local->message : "");
		return imgopt_memo_forget(manifest, memo->command, error);
	}
	if (full_state(memo, watched, memo->began_ns, &state)) {
		g_debug("memo: %s: a watched file changed during the run",
			memo->command);
		return imgopt_memo_forget(manifest, memo->command, error);
	}
	if (!put(manifest, memo->command, &state, watched, output, error))
		return false;
	if (stored_out != NULL)
		*stored_out = true;
	return true;
}

bool
imgopt_memo_forget(ImgoptManifest *manifest, const char *command,
		   GError **error)
{
	g_return_val_if_fail(command != NULL, false);

	return put(manifest, command, NULL, NULL, NULL, error);
}

void
imgopt_memo_free(ImgoptMemo *memo)
{
	if (memo == NULL)
		return;
	g_free(memo->command);
	g_free(memo->what);
	g_clear_pointer(&memo->walked, g_ptr_array_unref);
	g_free(memo);
}

GHashTable *
imgopt_memo_take_entries(ImgoptMemo *memo)
{
	g_return_val_if_fail(memo != NULL, NULL);

	g_autoptr(GPtrArray) walked = g_steal_pointer(&memo->walked);
	GHashTable *out = NULL;

	if (walked == NULL)
		return NULL;
	out = g_hash_table_new_full(imgopt_str_hash, g_str_equal, g_free,
				    g_free);
	for (guint i = 0; i < walked->len; i++) {
		const WalkedDir *dir = g_ptr_array_index(walked, i);

		for (guint j = 0; j < dir->entries->len; j++) {
			const Entry *e = &g_array_index(dir->entries, Entry, j);

			if (e->err != 0)
				continue;
			g_hash_table_replace(
				out,
				*dir->rel ? imgopt_fs_join(dir->rel, e->name)
					  : g_strdup(e->name),
				g_memdup2(&e->st, sizeof e->st));
		}
	}
	return out;
}
