/*
 * diff.h: the unified diff of a rewritten post, for `--dry-run`.
 *
 * The diff is derived from the edits that made the new text (rewrite.h),
 * not computed by matching lines, and is byte-identical to what GNU
 * `diff -u --label a/P --label b/P` prints for the two texts.
 *
 * Ownership: the returned string is transfer full.
 * Thread-safety: reentrant.
 */
#ifndef IMGOPT_DIFF_H
#define IMGOPT_DIFF_H

#include <glib.h> /* gsize, GPtrArray */

#include "imgopt/rewrite.h"

/**
 * imgopt_diff_unified:
 * @label: the post's path, shown as `a/<label>` and `b/<label>`
 * @old_text: (array length=old_len): the text before
 * @old_len: its length
 * @new_text: (array length=new_len): the text after
 * @new_len: its length
 * @edits: (element-type ImgoptEdit): the edits that turned one into the
 *   other (as given to imgopt_rewrite_text())
 *
 * Renders the unified diff with three lines of context, as GNU `diff -u
 * --label a/L --label b/L` prints it (`\ No newline at end of file`
 * included).  Changed lines are derived from the edit spans.
 *
 * Returns: (transfer full): the diff, "" when nothing changed.
 */
char *imgopt_diff_unified(const char *label, const char *old_text,
			  gsize old_len, const char *new_text, gsize new_len,
			  const GPtrArray *edits);

#endif /* IMGOPT_DIFF_H */
