/*
 * fault.c: see fault.h.  The environment is read once; the counter is
 * atomic so points passed on worker threads are counted too.
 */
#include "fault.h"

#include <signal.h>

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
