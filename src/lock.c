/*
 * lock.c: one imgopt at a time per site (see lock.h).  flock(2) rather than
 * fcntl(2) record locks: an flock belongs to the open file description, so it
 * survives nothing but its holder, and a second open of the file in the same
 * process conflicts as another process would (fcntl locks would silently
 * merge).
 */
#include "imgopt/lock.h"

#include "imgopt/error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

struct ImgoptLock {
	int fd;        /* the open, flocked lock file */
	int stale_pid; /* pid a dead holder left behind, or 0 */
};

/* The holder's record: "pid N started T\n", or "" if none. */
static char *
read_record(int fd)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);

	if (n <= 0)
		return g_strdup("");
	buf[n] = '\0';
	return g_strdup(g_strchomp(buf));
}

/* Parses a record into its pid (0 if none) and start time. */
static int
parse_record(const char *record, char **started_out)
{
	g_auto(GStrv) words = g_strsplit(record, " ", 4);
	guint64 pid = 0;

	*started_out = NULL;
	if (g_strv_length(words) < 4 || strcmp(words[0], "pid") != 0 ||
	    strcmp(words[2], "started") != 0 ||
	    !g_ascii_string_to_unsigned(words[1], 10, 1, G_MAXINT, &pid, NULL))
		return 0;
	*started_out = g_strdup(words[3]);
	return (int)pid;
}

static void
set_busy_error(int fd, const char *path, GError **error)
{
	g_autofree char *record = read_record(fd);
	g_autofree char *started = NULL;
	int pid = parse_record(record, &started);

	if (pid > 0)
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT,
			    "another imgopt (pid %d, started at %s) is working "
			    "on this site; try again when it is done, or pass "
			    "--wait",
			    pid, started);
	else
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_CONFLICT,
			    "another imgopt is working on this site (it holds "
			    "'%s'); try again when it is done, or pass --wait",
			    path);
}

static bool
set_errno_error(const char *what, const char *path, int saved, GError **error)
{
	g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_IO, "cannot %s '%s': %s",
		    what, path, g_strerror(saved));
	return false;
}

/* flock with EINTR retried; false with errno set on failure. */
static bool
lock_fd(int fd, bool is_wait)
{
	int rc;

	do
		rc = flock(fd, LOCK_EX | (is_wait ? 0 : LOCK_NB));
	while (rc != 0 && errno == EINTR);
	return rc == 0;
}

/* Replaces the file's record by ours. */
static bool
write_record(int fd, const char *path, GError **error)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree char *when = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
	g_autofree char *record =
		g_strdup_printf("pid %d started %s\n", (int)getpid(), when);
	size_t len = strlen(record);

	if (ftruncate(fd, 0) != 0 || pwrite(fd, record, len, 0) != (ssize_t)len)
		return set_errno_error("write", path, errno, error);
	return true;
}

ImgoptLock *
imgopt_lock_acquire(const char *dir, bool is_wait, GError **error)
{
	g_return_val_if_fail(dir != NULL, NULL);
	g_autofree char *path = g_build_filename(dir, IMGOPT_LOCK_FILE, NULL);

	if (g_mkdir_with_parents(dir, 0755) != 0) {
		set_errno_error("create folder", dir, errno, error);
		return NULL;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		set_errno_error("open", path, errno, error);
		return NULL;
	}
	if (!lock_fd(fd, is_wait)) {
		int saved = errno;

		if (saved == EWOULDBLOCK)
			set_busy_error(fd, path, error);
		else
			set_errno_error("lock", path, saved, error);
		close(fd);
		return NULL;
	}
	ImgoptLock *lock = g_new0(ImgoptLock, 1);
	g_autofree char *record = read_record(fd);
	g_autofree char *started = NULL;

	lock->fd = fd;
	lock->stale_pid = parse_record(record, &started);
	if (!write_record(fd, path, error)) {
		imgopt_lock_release(lock);
		return NULL;
	}
	return lock;
}

int
imgopt_lock_get_stale_pid(const ImgoptLock *lock)
{
	return lock->stale_pid;
}

void
imgopt_lock_release(ImgoptLock *lock)
{
	if (lock == NULL)
		return;
	/* Emptied first: an empty file tells the next holder we finished. */
	if (ftruncate(lock->fd, 0) != 0)
		g_debug("lock: cannot empty the lock file: %s",
			g_strerror(errno));
	close(lock->fd);
	g_free(lock);
}

ImgoptLock *
imgopt_lock_acquire_site(const char *site_root, bool is_wait, GError **error)
{
	g_return_val_if_fail(site_root != NULL, NULL);
	g_autofree char *dir =
		g_build_filename(site_root, IMGOPT_STATE_DIR, NULL);

	return imgopt_lock_acquire(dir, is_wait, error);
}
