/*
 * lock.h: one imgopt at a time per site.
 *
 * Every command that writes the manifest or the site takes the site's lock
 * first: an flock(2) on the file `<site root>/.imgopt/lock`.  The lock
 * belongs to the site, not to a manifest file: two imgopts working on one
 * site with different --manifest files still exclude each other.  The kernel
 * drops an flock when its holder exits, however it exits, so a lock left by a
 * killed run is never stale: the next imgopt simply gets it, and is told
 * (through imgopt_lock_get_stale_pid()) that the previous holder did not
 * release it cleanly.  The holder writes its pid and start time into the file
 * so a refused imgopt can say who is working: "another imgopt (pid N, started
 * at T) is working on this site".
 *
 * The lock file itself is never removed (removing a file others may be
 * waiting on would let two processes lock two different files).  A clean
 * release empties it; a non-empty file found by a new holder is the
 * record of a run that died holding the lock.
 *
 * Calling sequence:
 *   lock = imgopt_lock_acquire_site(root, is_wait, &error);  refuse or wait
 *   … the work …
 *   imgopt_lock_release(lock);                          (or exit)
 *
 * Ownership: the lock is transfer full; release frees it.
 * Thread-safety: a lock is used by one thread.  The lock excludes other
 * processes (and other opens of the file in this process).
 */
#ifndef IMGOPT_LOCK_H
#define IMGOPT_LOCK_H

#include <stdbool.h>
#include <glib.h> /* GError */

/** A held site lock.  Opaque. */
typedef struct ImgoptLock ImgoptLock;

/** The lock file's name inside the site's state folder. */
#define IMGOPT_LOCK_FILE "lock"

/** The site's state folder (lock, manifest, trash), under its root. */
#define IMGOPT_STATE_DIR ".imgopt"

/**
 * imgopt_lock_acquire:
 * @dir: the folder to hold the lock file (created if missing)
 * @is_wait: block until the holder is done, rather than refusing
 * @error: return location for a #GError
 *
 * Takes the lock on `@dir/lock` and writes this process's pid and start
 * time into it.
 *
 * Returns: (transfer full): the held lock, or NULL with @error set:
 *   IMGOPT_ERROR_CONFLICT if another process holds it and @is_wait is
 *   false (the message names its pid and start time when it wrote them),
 *   IMGOPT_ERROR_IO if the file cannot be created or locked.
 */
ImgoptLock *imgopt_lock_acquire(const char *dir, bool is_wait, GError **error);

/**
 * imgopt_lock_acquire_site:
 * @site_root: the site's root folder
 *
 * imgopt_lock_acquire() on the site's state folder,
 * `@site_root/` IMGOPT_STATE_DIR: the one lock of a site, wherever its
 * manifest is.
 */
ImgoptLock *imgopt_lock_acquire_site(const char *site_root, bool is_wait,
				     GError **error);

/**
 * imgopt_lock_get_stale_pid:
 *
 * Returns: the pid a previous holder left in the lock file when it died
 *   without releasing it (a killed run whose lock was taken over), or 0.
 */
int imgopt_lock_get_stale_pid(const ImgoptLock *lock);

/**
 * imgopt_lock_release:
 * @lock: (nullable): a held lock
 *
 * Empties the lock file, releases the lock and frees @lock.
 */
void imgopt_lock_release(ImgoptLock *lock);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptLock, imgopt_lock_release)

#endif /* IMGOPT_LOCK_H */
