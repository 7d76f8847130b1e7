/*
 * diff.c: the unified diff `--dry-run` prints for a rewritten post.
 *
 * Edits change bytes within lines; the changed lines are the lines
 * touched by a span, in the old text and, shifted by the length change of
 * the earlier spans, in the new one.  Equal lines at either end of such a
 * block are trimmed, blocks closer than 2 x 3 lines share a hunk, and the
 * hunks are printed as GNU diff prints them.  No line-matching algorithm
 * runs: the edits already say what changed.
 */
#include "imgopt/diff.h"

#include <string.h>

#define DIFF_CONTEXT 3

/* Line start offsets of a text, plus its length as a sentinel. */
typedef struct {
	const char *text; /* the bytes (borrowed) */
	gsize len;        /* their number */
	GArray *starts;   /* gsize: start of each line, then @len */
} Lines;

static void
lines_init(Lines *l, const char *text, gsize len)
{
	l->text = text;
	l->len = len;
	l->starts = g_array_new(false, false, sizeof(gsize));
	for (gsize i = 0; i < len;) {
		g_array_append_val(l->starts, i);
		const char *nl = memchr(text + i, '\n', len - i);
		i = nl != NULL ? (gsize)(nl - text) + 1 : len;
	}
	g_array_append_val(l->starts, len);
}

static gsize
n_lines(const Lines *l)
{
	return l->starts->len - 1;
}

static gsize
line_start(const Lines *l, gsize i)
{
	return g_array_index(l->starts, gsize, i);
}

/* Index of the line holding byte @pos (the last line if @pos == len). */
static gsize
line_of(const Lines *l, gsize pos)
{
	gsize lo = 0, hi = n_lines(l);

	if (hi == 0)
		return 0;
	while (hi - lo > 1) {
		gsize mid = (lo + hi) / 2;
		if (line_start(l, mid) <= pos)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static bool
lines_equal(const Lines *a, gsize i, const Lines *b, gsize j)
{
	gsize na = line_start(a, i + 1) - line_start(a, i);
	gsize nb = line_start(b, j + 1) - line_start(b, j);

	return na == nb && memcmp(a->text + line_start(a, i),
				  b->text + line_start(b, j), na) == 0;
}

/* One block of changed lines: old [o0, o1) became new [n0, n1). */
typedef struct {
	gsize o0, o1, n0, n1;
} Change;

/* Start of the line holding byte @pos; a @pos at the end of the text
 * belongs to an unterminated last line, if there is one. */
static gsize
line_start_at(const Lines *l, gsize pos)
{
	if (pos >= l->len && (l->len == 0 || l->text[l->len - 1] == '\n'))
		return l->len;
	return line_start(l, line_of(l, MIN(pos, l->len - 1)));
}

/* One past the end of the line holding byte @pos. */
static gsize
line_end_at(const Lines *l, gsize pos)
{
	if (pos >= l->len)
		return l->len;
	return line_start(l, line_of(l, pos) + 1);
}

/* Index of the line starting at byte @pos (n_lines at the end). */
static gsize
line_index_at(const Lines *l, gsize pos)
{
	return pos >= l->len ? n_lines(l) : line_of(l, pos);
}

/* A block being grown, in bytes: old [a0, a1), new [b0, b1), and the ends
 * of its last edit in both texts. */
typedef struct {
	gsize a0, a1, b0, b1, e, ne;
} Block;

/* Extends the block until the text after its last edit is the same
 * number of bytes in both, so its lines correspond.  Stops once it has
 * reached the next edit (at @stop_a / @stop_b), which then joins it. */
static void
equalize(const Lines *a, const Lines *b, Block *k, gsize stop_a, gsize stop_b)
{
	while (k->a1 - k->e != k->b1 - k->ne && k->a1 <= stop_a &&
	       k->b1 <= stop_b) {
		if (k->a1 - k->e < k->b1 - k->ne && k->a1 < a->len)
			k->a1 = line_end_at(a, k->a1);
		else if (k->b1 - k->ne < k->a1 - k->e && k->b1 < b->len)
			k->b1 = line_end_at(b, k->b1);
		else
			break;
	}
}

static void
add_change(GArray *changes, const Lines *a, const Lines *b, const Block *k)
{
	Change c = {line_index_at(a, k->a0), line_index_at(a, k->a1),
		    line_index_at(b, k->b0), line_index_at(b, k->b1)};

	while (c.o0 < c.o1 && c.n0 < c.n1 && lines_equal(a, c.o0, b, c.n0)) {
		c.o0++;
		c.n0++;
	}
	while (c.o1 > c.o0 && c.n1 > c.n0 &&
	       lines_equal(a, c.o1 - 1, b, c.n1 - 1)) {
		c.o1--;
		c.n1--;
	}
	if (c.o0 == c.o1 && c.n0 == c.n1)
		return;
	/* Touching blocks are one change to diff: all `-`, then all `+`. */
	if (changes->len > 0) {
		Change *last =
			&g_array_index(changes, Change, changes->len - 1);
		if (last->o1 == c.o0 && last->n1 == c.n0) {
			last->o1 = c.o1;
			last->n1 = c.n1;
			return;
		}
	}
	g_array_append_val(changes, c);
}

/* The blocks of changed lines, in order, from the edit spans.  An edit
 * joins the open block when it starts on a line the block holds. */
static GArray *
diff_changes(const Lines *a, const Lines *b, const GPtrArray *sorted)
{
	GArray *changes = g_array_new(false, false, sizeof(Change));
	gssize delta = 0;
	Block cur = {0};
	bool is_open = false;

	for (guint i = 0; i < sorted->len; i++) {
		const ImgoptEdit *ed = g_ptr_array_index(sorted, i);
		gsize s = ed->offset, e = s + ed->length;
		gsize ns = (gsize)((gssize)s + delta),
		      ne = ns + ed->replacement_len;

		delta += (gssize)ed->replacement_len - (gssize)ed->length;
		if (is_open && s >= cur.a1 && ns >= cur.b1)
			equalize(a, b, &cur, s, ns);
		if (is_open && s >= cur.a1 && ns >= cur.b1) {
			add_change(changes, a, b, &cur);
			is_open = false;
		}
		if (!is_open) {
			cur.a0 = line_start_at(a, s);
			cur.b0 = line_start_at(b, ns);
			cur.a1 = cur.a0;
			cur.b1 = cur.b0;
			is_open = true;
		}
		cur.e = e;
		cur.ne = ne;
		cur.a1 = MAX(cur.a1, line_end_at(a, e > s ? e - 1 : s));
		cur.b1 = MAX(cur.b1, line_end_at(b, ne > ns ? ne - 1 : ns));
	}
	if (is_open) {
		equalize(a, b, &cur, a->len, b->len);
		add_change(changes, a, b, &cur);
	}
	return changes;
}

static void
append_line(GString *out, char mark, const Lines *l, gsize i)
{
	gsize s = line_start(l, i), e = line_start(l, i + 1);

	g_string_append_c(out, mark);
	g_string_append_len(out, l->text + s, (gssize)(e - s));
	if (e == s || l->text[e - 1] != '\n')
		g_string_append(out, "\n\\ No newline at end of file\n");
}

static void
append_range(GString *out, gsize first, gsize count)
{
	if (count == 0)
		g_string_append_printf(out, "%zu,0", first);
	else if (count == 1)
		g_string_append_printf(out, "%zu", first + 1);
	else
		g_string_append_printf(out, "%zu,%zu", first + 1, count);
}

/* Prints changes [from, to) as one hunk. */
static void
append_hunk(GString *out, const Lines *a, const Lines *b, const Change *ch,
	    gsize from, gsize to)
{
	gsize o0 = ch[from].o0 > DIFF_CONTEXT ? ch[from].o0 - DIFF_CONTEXT : 0;
	gsize o1 = MIN(n_lines(a), ch[to - 1].o1 + DIFF_CONTEXT);
	gsize n0 = ch[from].n0 - (ch[from].o0 - o0);
	gsize n1 = ch[to - 1].n1 + (o1 - ch[to - 1].o1);
	gsize o = o0;

	g_string_append(out, "@@ -");
	append_range(out, o0, o1 - o0);
	g_string_append(out, " +");
	append_range(out, n0, n1 - n0);
	g_string_append(out, " @@\n");
	for (gsize k = from; k < to; k++) {
		for (; o < ch[k].o0; o++)
			append_line(out, ' ', a, o);
		for (gsize i = ch[k].o0; i < ch[k].o1; i++)
			append_line(out, '-', a, i);
		for (gsize i = ch[k].n0; i < ch[k].n1; i++)
			append_line(out, '+', b, i);
		o = ch[k].o1;
	}
	for (; o < o1; o++)
		append_line(out, ' ', a, o);
}

char *
imgopt_diff_unified(const char *label, const char *old_text, gsize old_len,
		    const char *new_text, gsize new_len, const GPtrArray *edits)
{
	g_return_val_if_fail(label != NULL && edits != NULL, NULL);

	Lines a, b;
	g_autoptr(GPtrArray) sorted = imgopt_rewrite_sort_edits(edits);
	GString *out = g_string_new(NULL);

	lines_init(&a, old_text, old_len);
	lines_init(&b, new_text, new_len);
	g_autoptr(GArray) changes = diff_changes(&a, &b, sorted);
	const Change *ch = (const Change *)(void *)changes->data;

	if (changes->len > 0)
		g_string_append_printf(out, "--- a/%s\n+++ b/%s\n", label,
				       label);
	for (gsize i = 0; i < changes->len;) {
		gsize j = i + 1;
		while (j < changes->len &&
		       ch[j].o0 - ch[j - 1].o1 <= 2 * DIFF_CONTEXT)
			j++;
		append_hunk(out, &a, &b, ch, i, j);
		i = j;
	}
	g_array_unref(a.starts);
	g_array_unref(b.starts);
	return g_string_free(out, false);
}
