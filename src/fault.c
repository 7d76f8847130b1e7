/*
 * fault.c: the deterministic kill points tests use (see fault.h).
 *
 * IMGOPT_FAULT_AFTER is read once; the counter is atomic so points passed
 * on worker threads are counted too.  IMGOPT_FAULT_SWAP is read at each
 * call, so a test can set it for one run of a process that runs several.
 */
#include "fault.h"

#include <signal.h>
#include <string.h>

#include <glib.h>

static gint fault_count;

static guint64
fault_after(void)
{
	static gsize once;
	static guint64 after;

	if (g_once_init_enter(&once)) {
		const char *v = g_getenv("IMGOPT_FAULT_AFTER");
		guint64 n = 0;

		if (v != NULL &&
		    g_ascii_string_to_unsigned(v, 10, 1, G_MAXINT, &n, NULL))
			after = n;
		g_once_init_leave(&once, 1);
	}
	return after;
}

void
imgopt_fault_point(void)
{
	guint64 after = fault_after();

	if (after == 0)
		return;
	if ((guint64)g_atomic_int_add(&fault_count, 1) + 1 == after)
		raise(SIGKILL);
}

void
imgopt_fault_swap(const char *root, const char *rel)
{
	const char *v = g_getenv("IMGOPT_FAULT_SWAP");
	const char *eq = v != NULL ? strchr(v, '=') : NULL;
	g_autofree char *data = NULL;
	g_autofree char *path = NULL;
	gsize len = 0;

	if (eq == NULL || strlen(rel) != (size_t)(eq - v) ||
	    strncmp(v, rel, (size_t)(eq - v)) != 0)
		return;
	/* A copy that fails leaves the file as it was: the test that set
	 * the hook sees no swap and fails. */
	path = g_build_filename(root, rel, NULL);
	if (g_file_get_contents(eq + 1, &data, &len, NULL))
		g_file_set_contents(path, data, (gssize)len, NULL);
}
