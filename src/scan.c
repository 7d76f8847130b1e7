/*
 * scan.c: stage 1, post text -> image references.
 *
 * Work in progress: the full scanner (CommonMark blocks and inlines, raw
 * HTML, front matter, Liquid) lands in the next commits.  This first
 * version only links, so other modules can build against scan.h.
 */
#include "imgopt/error.h"
#include "imgopt/scan.h"

GPtrArray *
imgopt_scan_text(const char *post_path, const char *text, gsize len,
		 GError **error)
{
	g_return_val_if_fail(text != NULL || len == 0, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	(void)post_path;
	return g_ptr_array_new_with_free_func((GDestroyNotify)imgopt_ref_free);
}
