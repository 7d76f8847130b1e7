/*
 * scan_inline.c: the CommonMark inline pass of the scanner, and link
 * reference definitions.
 *
 * A leaf's text is walked once, left to right.  What can hide a bracket is
 * consumed where it starts: a backslash escape, a code span (a backtick
 * run up to the next run of the same length), an autolink or raw HTML
 * (open tags are handed to scan_html.c for their src/srcset/style).  `[`
 * and `![` are pushed on a bracket stack; `]` pops the nearest opener and
 * tries, in cmark's order:
 *
 *   ](dest "title")          inline: dest is <...> or a bare run with
 *                            balanced parentheses (at most 32 deep)
 *   ][label]  ][]  ]         reference: the label (or, for ][] and ],
 *                            the bracket text) must name a definition
 *   ](line EOL line)         (images only) the export-damage extension
 *
 * A link (not an image) deactivates the `[` openers before it, since links
 * do not nest.  Images inside an image's alt text are dropped: cmark
 * renders them as alt text.
 *
 * Searches that could restart at many places are memoised (Finder,
 * CodeRuns), so the pass stays linear: e.g. a thousand unclosed `<?` look
 * for "?>" once.  References go straight into the scanner's result; an
 * image's alt text is decoded when the leaf is done (AltText), since an
 * image nested in another's alt text is dropped again.
 */
#include <string.h>

#include "scan_priv.h"

/* Labels longer than this cannot match (CommonMark: 999 characters). */
#define MAX_LABEL 999
/* cmark gives up on a destination nested deeper than this. */
#define MAX_PAREN_DEPTH 32

/* A memoised forward search for @needle: the first occurrence at or after
 * @from is @at (or G_MAXSIZE for none). */
typedef struct {
	const char *needle; /* what to look for */
	gsize from;         /* the search that was done started here */
	gsize at;           /* and found this, or G_MAXSIZE */
	bool is_valid;      /* a search was done */
} Finder;

/* Backtick runs of one length: where they start, and how far the
 * closer search has got (it only moves forward, as the walk does). */
typedef struct {
	GArray *starts; /* (element-type gsize) ascending */
	guint cursor;   /* index of the next candidate */
} RunList;

/* Runs this short are kept in arrays reused from leaf to leaf. */
#define N_SHORT_RUNS 8

/* The backtick runs of a leaf, by length, for code span closers. */
typedef struct {
	RunList *short_runs;   /* [N_SHORT_RUNS]: lengths 1..8 (borrowed) */
	GHashTable *long_runs; /* longer: length -> RunList, or NULL */
	bool is_built;         /* the lists hold this leaf's runs */
} CodeRuns;

/* An image's alt text, decoded once the leaf is done: an image inside
 * another's alt text is dropped, and decoding every level of `![![![…`
 * as it closes would cost the square of the nesting. */
typedef struct {
	guint ref;   /* index of the image in Scanner.refs */
	gsize start; /* its alt text in the leaf */
	gsize end;
} AltText;

/* What the inline pass reuses from leaf to leaf, so that a leaf costs
 * no allocation unless it holds a reference or a long backtick run. */
typedef struct {
	GArray *brackets;                 /* (element-type Bracket) */
	GArray *alts;                     /* (element-type AltText) */
	RunList short_runs[N_SHORT_RUNS]; /* see CodeRuns */
} InlineScratch;

typedef struct {
	gsize pos;          /* offset of '[' (or '!' of "![") */
	gsize text;         /* offset of the bracket text */
	bool is_image;      /* "![" */
	bool is_active;     /* false once a link closed after it */
	bool bracket_after; /* another opener was pushed after it */
	guint n_pending;    /* pending->len when it was pushed */
	int raw_state;      /* the scanner's raw_state when it was pushed */
} Bracket;

typedef struct {
	Scanner *sc;
	const ScanLines *lines;  /* the leaf's text and map */
	const char *s;           /* lines->str */
	gsize n;                 /* its length */
	GArray *brackets;        /* (element-type Bracket) the stack */
	GPtrArray *pending;      /* (element-type ImgoptRef) found so far */
	GArray *alts;            /* (element-type AltText) of the leaf's images
				    in pending, in order */
	Finder find_liquid_expr; /* "}}" */
	Finder find_liquid_tag;  /* "%}" */
	Finder find_newline;     /* "\n" */
	Finder find_comment;     /* "--" */
	Finder find_pi;          /* "?>" */
	Finder find_decl;        /* ">" */
	Finder find_cdata;       /* "]]>" */
	CodeRuns runs;           /* backtick runs */
} Inline;

/* What a closing bracket matched. */
typedef struct {
	ImgoptRefKind kind; /* markdown or markdown-ref */
	gsize offset;       /* file offset of the destination */
	gsize length;       /* its length in the file */
	char *url;          /* decoded destination (owned) */
	char *title;        /* decoded title of an image, or NULL (owned) */
	bool is_multiline;  /* the export-damage extension */
	gsize end;          /* logical offset after the construct */
} Match;

static gsize
find(Finder *f, const char *s, gsize n, gsize from)
{
	if (f->is_valid && from >= f->from && from <= f->at)
		return f->at;
	gsize k = strlen(f->needle);
	f->is_valid = true;
	f->from = from;
	f->at = G_MAXSIZE;
	for (gsize i = from; i + k <= n; i++) {
		const char *p = memchr(s + i, f->needle[0], n - k + 1 - i);
		if (p == NULL)
			break;
		i = (gsize)(p - s);
		if (memcmp(p, f->needle, k) == 0) {
			f->at = i;
			break;
		}
	}
	return f->at;
}

static bool
is_escape(const char *s, gsize n, gsize i)
{
	return s[i] == '\\' && i + 1 < n &&
	       imgopt_scan_is_punct((unsigned char)s[i + 1]);
}

/* ---- labels ---- */

char *
imgopt_scan_label_key(const char *s, gsize len)
{
	GString *out = g_string_sized_new(len);
	bool in_space = false;

	for (gsize i = 0; i < len; i++) {
		if (imgopt_scan_is_space((unsigned char)s[i])) {
			in_space = out->len > 0;
			continue;
		}
		if (in_space)
			g_string_append_c(out, ' ');
		in_space = false;
		g_string_append_c(out, s[i]);
	}
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	g_autofree char *text = g_string_free(out, FALSE);
	if (g_utf8_validate(text, -1, NULL))
		return g_utf8_casefold(text, -1);
	return g_ascii_strdown(text, -1);
}

/* A link label `[...]` at @pos: returns the offset after ']' and sets the
 * text's extent, or returns 0. */
static gsize
link_label(const char *s, gsize n, gsize pos, gsize *start, gsize *end)
{
	if (pos >= n || s[pos] != '[')
		return 0;
	for (gsize i = pos + 1; i < n && i - pos - 1 <= MAX_LABEL; i++) {
		if (is_escape(s, n, i))
			i++;
		else if (s[i] == '[')
			return 0;
		else if (s[i] == ']') {
			*start = pos + 1;
			*end = i;
			return i + 1;
		}
	}
	return 0;
}

/* ---- destinations and titles ---- */

/* A destination: [start, end) as written, next = offset after it. */
typedef struct {
	gsize start;    /* first byte of the destination */
	gsize end;      /* byte after it (before '>' if pointy) */
	gsize next;     /* offset after the destination */
	bool is_pointy; /* written <...> */
} Dest;

static bool
pointy_dest(const char *s, gsize n, gsize pos, Dest *d)
{
	for (gsize i = pos + 1; i < n; i++) {
		if (is_escape(s, n, i))
			i++;
		else if (s[i] == '>') {
			*d = (Dest){pos + 1, i, i + 1, true};
			return true;
		}
		else if (s[i] == '<' || s[i] == '\n')
			return false;
	}
	return false;
}

/* A Liquid `{{ ... }}` or `{% ... %}` at @i inside a destination: returns
 * the offset after it, or 0 if it does not close on this line. */
static gsize
liquid_token(Inline *in, gsize i)
{
	bool is_expr = in->s[i + 1] == '{';
	Finder *f = is_expr ? &in->find_liquid_expr : &in->find_liquid_tag;
	gsize close = find(f, in->s, in->n, i + 2);
	gsize eol = find(&in->find_newline, in->s, in->n, i);

	if (close == G_MAXSIZE || (eol != G_MAXSIZE && eol < close))
		return 0;
	return close + 2;
}

/* The bytes a bare destination treats specially (or stops at). */
static const bool is_dest_special[256] = {
	['\\'] = true, ['{'] = true,  ['('] = true,  [')'] = true,
	[' '] = true,  ['\t'] = true, ['\n'] = true, ['\r'] = true,
	['\v'] = true, ['\f'] = true,
};

static bool
bare_dest(Inline *in, gsize pos, Dest *d)
{
	const char *s = in->s;
	gsize i = pos, depth = 0, t;

	while (i < in->n) {
		if (!is_dest_special[(unsigned char)s[i]]) {
			i++;
			continue;
		}
		if (is_escape(s, in->n, i)) {
			i += 2;
			continue;
		}
		if (s[i] == '{' && i + 1 < in->n &&
		    (s[i + 1] == '{' || s[i + 1] == '%') &&
		    (t = liquid_token(in, i)) != 0) {
			i = t;
			continue;
		}
		if (s[i] == '(') {
			if (++depth > MAX_PAREN_DEPTH)
				return false;
		}
		else if (s[i] == ')') {
			if (depth == 0)
				break;
			depth--;
		}
		else if (imgopt_scan_is_space((unsigned char)s[i]))
			break;
		i++;
	}
	if (depth != 0)
		return false;
	*d = (Dest){pos, i, i, false};
	return true;
}

static bool
parse_dest(Inline *in, gsize pos, Dest *d)
{
	if (pos < in->n && in->s[pos] == '<')
		return pointy_dest(in->s, in->n, pos, d);
	return bare_dest(in, pos, d);
}

/* A title at @pos ("...", '...' or (...)); returns the offset after it,
 * or 0. */
static gsize
parse_title(const char *s, gsize n, gsize pos)
{
	if (pos >= n || (s[pos] != '"' && s[pos] != '\'' && s[pos] != '('))
		return 0;
	char close = s[pos] == '(' ? ')' : s[pos];
	for (gsize i = pos + 1; i < n; i++) {
		if (is_escape(s, n, i))
			i++;
		else if (s[i] == close)
			return i + 1;
		else if (s[pos] == '(' && s[i] == '(')
			return 0;
	}
	return 0;
}

/* Sets @m's span from the logical range [start, end); false if it does
 * not map to one contiguous run of the file. */
static bool
set_span(const Inline *in, gsize start, gsize end, Match *m)
{
	gsize a = imgopt_scan_lines_map(in->lines, start);
	gsize b =
		end > start ? imgopt_scan_lines_map(in->lines, end - 1) + 1 : a;

	if (b < a)
		return false;
	m->offset = a;
	m->length = b - a;
	return true;
}

/* ---- link reference definitions ---- */

/* Spaces, at most one line end, spaces. */
static gsize
skip_spnl(const char *s, gsize n, gsize i)
{
	i = imgopt_scan_skip_blanks(s, n, i);
	if (i < n && s[i] == '\n')
		i = imgopt_scan_skip_blanks(s, n, i + 1);
	return i;
}

/* The end of a definition: optional title (its quotes at [*@title,
 * *@title_end), else both 0), then only blanks to the end of the line.
 * Returns the offset of the next line, or 0. */
static gsize
def_end(const char *s, gsize n, gsize after_dest, gsize *title,
	gsize *title_end)
{
	gsize i = skip_spnl(s, n, after_dest), t;

	*title = *title_end = 0;
	if (i > after_dest && (t = parse_title(s, n, i)) != 0) {
		*title = i;
		*title_end = t;
		t = imgopt_scan_skip_blanks(s, n, t);
		if (t >= n || s[t] == '\n')
			return t < n ? t + 1 : n;
		*title = *title_end = 0;
	}
	i = imgopt_scan_skip_blanks(s, n, after_dest);
	if (i >= n || s[i] == '\n')
		return i < n ? i + 1 : n;
	return 0;
}

static void
def_free(gpointer data)
{
	ScanDef *def = data;

	g_free(def->url);
	g_free(def->title);
	g_free(def);
}

static void
add_def(Inline *in, char *key, const Dest *d, gsize title, gsize title_end)
{
	Match m = {0};

	if ((in->sc->defs != NULL &&
	     g_hash_table_contains(in->sc->defs, key)) ||
	    !set_span(in, d->start, d->end, &m)) {
		g_free(key);
		return;
	}
	if (in->sc->defs == NULL)
		in->sc->defs = g_hash_table_new_full(g_str_hash, g_str_equal,
						     g_free, def_free);
	ScanDef *def = g_new0(ScanDef, 1);
	def->offset = m.offset;
	def->length = m.length;
	def->url =
		imgopt_scan_decode(in->s + d->start, d->end - d->start, true);
	if (title_end > title)
		def->title = imgopt_scan_decode(in->s + title + 1,
						title_end - title - 2, true);
	g_hash_table_insert(in->sc->defs, key, def);
}

/* One definition at @pos; returns the offset after it, or 0. */
static gsize
parse_def(Inline *in, gsize pos)
{
	const char *s = in->s;
	gsize n = in->n, a = 0, b = 0, title, title_end;
	Dest d;

	pos = imgopt_scan_skip_blanks(s, n, pos);
	gsize i = link_label(s, n, pos, &a, &b);
	if (i == 0 || i >= n || s[i] != ':')
		return 0;
	i = skip_spnl(s, n, i + 1);
	if (!parse_dest(in, i, &d) || (!d.is_pointy && d.end == d.start))
		return 0;
	gsize next = def_end(s, n, d.next, &title, &title_end);
	if (next == 0)
		return 0;
	char *key = imgopt_scan_label_key(s + a, b - a);
	if (key == NULL)
		return 0;
	add_def(in, key, &d, title, title_end);
	return next;
}

static void
inline_init(Inline *in, Scanner *sc, const ScanLines *lines)
{
	*in = (Inline){
		.sc = sc, .lines = lines, .s = lines->str, .n = lines->len};
	in->find_liquid_expr.needle = "}}";
	in->find_liquid_tag.needle = "%}";
	in->find_newline.needle = "\n";
	in->find_comment.needle = "--";
	in->find_pi.needle = "?>";
	in->find_decl.needle = ">";
	in->find_cdata.needle = "]]>";
}

gsize
imgopt_scan_parse_defs(Scanner *sc, const ScanLines *lines, gsize from)
{
	Inline in;
	gsize next;

	/* most paragraphs do not start with a label: spare the set-up */
	gsize i = imgopt_scan_skip_blanks(lines->str, lines->len, from);
	if (i >= lines->len || lines->str[i] != '[')
		return from;
	inline_init(&in, sc, lines);
	while (from < in.n && (next = parse_def(&in, from)) != 0)
		from = next;
	return from;
}

/* ---- code spans ---- */

static void
run_list_free(gpointer data)
{
	RunList *list = data;

	g_array_unref(list->starts);
	g_free(list);
}

/* The list for runs of @len backticks; with @create, made if missing. */
static RunList *
run_list(CodeRuns *runs, gsize len, bool create)
{
	if (len <= N_SHORT_RUNS)
		return &runs->short_runs[len - 1];
	if (runs->long_runs == NULL && !create)
		return NULL;
	if (runs->long_runs == NULL)
		runs->long_runs = g_hash_table_new_full(
			g_direct_hash, g_direct_equal, NULL, run_list_free);
	gpointer key = GSIZE_TO_POINTER(len);
	RunList *list = g_hash_table_lookup(runs->long_runs, key);
	if (list == NULL && create) {
		list = g_new0(RunList, 1);
		list->starts = g_array_new(FALSE, FALSE, sizeof(gsize));
		g_hash_table_insert(runs->long_runs, key, list);
	}
	return list;
}

static void
build_runs(CodeRuns *runs, const char *s, gsize n)
{
	for (guint k = 0; k < N_SHORT_RUNS; k++) {
		RunList *list = &runs->short_runs[k];

		if (list->starts == NULL)
			list->starts = g_array_new(FALSE, FALSE, sizeof(gsize));
		g_array_set_size(list->starts, 0);
		list->cursor = 0;
	}
	runs->is_built = true;
	for (gsize i = 0; i < n;) {
		const char *tick = memchr(s + i, '`', n - i);
		if (tick == NULL)
			break;
		gsize start = (gsize)(tick - s);
		for (i = start; i < n && s[i] == '`'; i++)
			;
		g_array_append_val(run_list(runs, i - start, true)->starts,
				   start);
	}
}

/* The start of the first run of exactly @len backticks at or after
 * @from, or G_MAXSIZE. */
static gsize
next_run(Inline *in, gsize len, gsize from)
{
	if (!in->runs.is_built)
		build_runs(&in->runs, in->s, in->n);
	RunList *list = run_list(&in->runs, len, false);
	if (list == NULL)
		return G_MAXSIZE;
	guint k = list->cursor;
	while (k < list->starts->len &&
	       g_array_index(list->starts, gsize, k) < from)
		k++;
	list->cursor = k;
	return k < list->starts->len ? g_array_index(list->starts, gsize, k)
				     : G_MAXSIZE;
}

static gsize
code_span(Inline *in, gsize pos)
{
	gsize i = pos;

	while (i < in->n && in->s[i] == '`')
		i++;
	gsize close = next_run(in, i - pos, i);
	return close == G_MAXSIZE ? i : close + (i - pos);
}

/* ---- autolinks and raw HTML ---- */

static gsize
autolink(const char *s, gsize n, gsize pos)
{
	gsize i = pos + 1;
	bool is_uri = i < n && g_ascii_isalpha(s[i]);

	while (is_uri && i < n && i - pos <= 33 &&
	       (g_ascii_isalnum(s[i]) || s[i] == '+' || s[i] == '.' ||
		s[i] == '-'))
		i++;
	if (is_uri && i < n && s[i] == ':' && i - pos >= 3) {
		for (i++; i < n; i++) {
			if (s[i] == '>')
				return i + 1;
			if (s[i] == '<' || (unsigned char)s[i] <= ' ')
				return 0;
		}
		return 0;
	}
	for (i = pos + 1; i < n && (g_ascii_isalnum(s[i]) ||
				    strchr(".!#$%&'*+/=?^_`{|}~-", s[i]));
	     i++)
		;
	if (i == pos + 1 || i >= n || s[i] != '@')
		return 0;
	for (i++;
	     i < n && (g_ascii_isalnum(s[i]) || s[i] == '-' || s[i] == '.');
	     i++)
		;
	return i < n && s[i] == '>' && s[i - 1] != '@' ? i + 1 : 0;
}

static gsize
html_comment(Inline *in, gsize pos)
{
	const char *s = in->s;
	gsize body = pos + 4;

	if (body < in->n &&
	    (s[body] == '>' ||
	     (s[body] == '-' && body + 1 < in->n && s[body + 1] == '>')))
		return 0;
	gsize dash = find(&in->find_comment, s, in->n, body);
	if (dash == G_MAXSIZE || dash + 2 >= in->n || s[dash + 2] != '>')
		return 0;
	if (dash > body && s[dash - 1] == '-')
		return 0;
	return dash + 3;
}

/* Comments, processing instructions, declarations and CDATA: returns the
 * offset after one at @pos, or 0. */
static gsize
html_other(Inline *in, gsize pos)
{
	const char *s = in->s + pos;
	gsize n = in->n - pos, at;

	if (n >= 4 && memcmp(s, "<!--", 4) == 0)
		return html_comment(in, pos);
	if (n >= 2 && s[1] == '?') {
		at = find(&in->find_pi, in->s, in->n, pos + 2);
		return at == G_MAXSIZE ? 0 : at + 2;
	}
	if (n >= 9 && memcmp(s, "<![CDATA[", 9) == 0) {
		at = find(&in->find_cdata, in->s, in->n, pos + 9);
		return at == G_MAXSIZE ? 0 : at + 3;
	}
	if (n >= 3 && s[1] == '!' && g_ascii_isupper(s[2])) {
		gsize i = 2;
		while (i < n && g_ascii_isupper(s[i]))
			i++;
		if (i >= n || !imgopt_scan_is_space((unsigned char)s[i]))
			return 0;
		at = find(&in->find_decl, in->s, in->n, pos + i);
		return at == G_MAXSIZE ? 0 : at + 1;
	}
	return 0;
}

static gsize
angle(Inline *in, gsize pos)
{
	gsize m;

	if ((m = autolink(in->s, in->n, pos)) != 0)
		return m;
	if ((m = imgopt_scan_html_open_tag(in->s + pos, in->n - pos,
					   in->sc->strict_tags)) != 0 ||
	    (m = imgopt_scan_html_close_tag(in->s + pos, in->n - pos)) != 0)
		m += pos;
	else if ((m = html_other(in, pos)) == 0)
		return pos + 1;
	/* cmark passes the chunk through; read it as the browser will */
	imgopt_scan_html_range(in->sc, in->lines, in->pending, pos, m);
	return m;
}

/* ---- Liquid tags ---- */

/* A `{% … %}` on one line: Hexo's image tags are read by scan_tag.c;
 * inside another tag the text is read on. */
static gsize
liquid_tag(Inline *in, gsize pos)
{
	gsize close = find(&in->find_liquid_tag, in->s, in->n, pos + 2);
	gsize eol = find(&in->find_newline, in->s, in->n, pos);

	if (close == G_MAXSIZE || (eol != G_MAXSIZE && eol < close))
		return pos + 2;
	if (in->sc->raw_state != SCAN_RAW_NONE)
		return pos + 2;
	return imgopt_scan_tag(in->sc, in->lines, in->pending, pos, close)
		       ? close + 2
		       : pos + 2;
}

/* ---- brackets ---- */

static Bracket *
top(Inline *in)
{
	return &g_array_index(in->brackets, Bracket, in->brackets->len - 1);
}

static void
push_bracket(Inline *in, gsize pos, bool is_image)
{
	Bracket b = {pos,   pos + (is_image ? 2 : 1), is_image,         true,
		     false, in->pending->len,         in->sc->raw_state};

	if (in->brackets->len > 0)
		top(in)->bracket_after = true;
	g_array_append_val(in->brackets, b);
}

/* Whether an inline destination's backslash escapes are escapes:
 * kramdown writes them into the URL as they are. */
static bool
url_escapes(const Inline *in)
{
	return in->sc->dialect != IMGOPT_SCAN_KRAMDOWN;
}

/* `](dest "title")` after the ']' at @p; the URL is decoded only
 * if @want_url (for an image: a link's is not reported). */
static bool
try_inline(Inline *in, gsize p, bool want_url, Match *m)
{
	const char *s = in->s;
	gsize n = in->n;
	Dest d;

	if (p + 1 >= n || s[p + 1] != '(')
		return false;
	gsize i = imgopt_scan_skip_space(s, n, p + 2);
	if (!parse_dest(in, i, &d))
		return false;
	gsize t = imgopt_scan_skip_space(s, n, d.next), title = t, e = 0;
	if (t > d.next && (e = parse_title(s, n, t)) != 0)
		t = imgopt_scan_skip_space(s, n, e);
	if (t >= n || s[t] != ')' || !set_span(in, d.start, d.end, m))
		return false;
	m->kind = IMGOPT_REF_MARKDOWN;
	if (want_url)
		m->url = imgopt_scan_decode(s + d.start, d.end - d.start,
					    url_escapes(in));
	if (want_url && e != 0)
		m->title =
			imgopt_scan_decode(s + title + 1, e - title - 2, true);
	m->end = t + 1;
	return true;
}

/* `][label]`, `][]` or `]` after the ']' at @p, closing @o. */
static bool
try_reference(Inline *in, const Bracket *o, gsize p, Match *m)
{
	if (in->sc->defs == NULL)
		return false; /* no definition: spare the label's key */
	gsize a = 0, b = 0, end = link_label(in->s, in->n, p + 1, &a, &b);

	if ((end == 0 || a == b) && !o->bracket_after) {
		a = o->text;
		b = p;
		end = end == 0 ? p + 1 : end;
	}
	else if (end == 0)
		return false;
	if (b - a > MAX_LABEL)
		return false;
	g_autofree char *key = imgopt_scan_label_key(in->s + a, b - a);
	ScanDef *def =
		key != NULL ? g_hash_table_lookup(in->sc->defs, key) : NULL;
	if (def == NULL)
		return false;
	def->is_linked |= !o->is_image;
	m->kind = IMGOPT_REF_MARKDOWN_REF;
	m->offset = def->offset;
	m->length = def->length;
	m->url = g_strdup(def->url);
	m->title = g_strdup(def->title);
	m->end = end;
	return true;
}

/* Part of a damaged destination: up to a line end or ')'; sets *has_sep
 * if it holds a path separator.  Returns where it stops. */
static gsize
damaged_part(const char *s, gsize n, gsize i, bool *has_sep)
{
	for (; i < n && s[i] != '\n' && s[i] != ')'; i++) {
		if (strchr("([]<>", s[i]) != NULL)
			return G_MAXSIZE;
		if (s[i] == '\\' || s[i] == '/')
			*has_sep = true;
		if ((s[i] == ' ' || s[i] == '\t') && i + 1 < n &&
		    (s[i + 1] == '"' || s[i + 1] == '\''))
			return G_MAXSIZE;
		if (is_escape(s, n, i))
			i++;
	}
	return i;
}

/* The export-damage extension: `](first EOL second.ext)`, one line
 * break, no blank in the first part, a separator in the second. */
static bool
try_multiline(Inline *in, gsize p, Match *m)
{
	const char *s = in->s;
	gsize n = in->n, i = p + 2, j, q, k;
	bool sep1 = false, sep2 = false;

	if (p + 1 >= n || s[p + 1] != '(')
		return false;
	for (j = i; j < n && !imgopt_scan_is_space((unsigned char)s[j]); j++)
		if (s[j] == '(' || s[j] == ')')
			return false;
	if (j == i || j >= n || s[j] != '\n' ||
	    damaged_part(s, j, i, &sep1) != j)
		return false;
	k = j + 1;
	if (k >= n || imgopt_scan_is_space((unsigned char)s[k]) ||
	    strchr("\"'", s[k]))
		return false;
	q = damaged_part(s, n, k, &sep2);
	if (q == G_MAXSIZE || q >= n || s[q] != ')' || !sep2)
		return false;
	gsize dot = q;
	while (dot > k && q - dot <= 6 && g_ascii_isalnum(s[dot - 1]))
		dot--;
	if (dot == q || dot <= k || s[dot - 1] != '.')
		return false;
	gsize a = imgopt_scan_lines_map(in->lines, i);
	gsize b = imgopt_scan_lines_map(in->lines, q);
	m->kind = IMGOPT_REF_MARKDOWN;
	m->offset = a;
	m->length = b - a;
	m->url = imgopt_scan_decode(s + i, q - i, url_escapes(in));
	m->is_multiline = true;
	m->end = q + 1;
	return true;
}

/* ---- kramdown's inline destinations ---- */

/* How far kramdown's `](...)` is followed, so that many unclosed `](` in
 * one paragraph stay linear; a longer destination is not an image. */
#define MAX_KRAMDOWN_DEST 1024

/* kramdown's title and closing parenthesis at @i: blanks, a quote, at
 * least one character, the same quote, blanks, ')' (line ends allowed
 * anywhere).  Sets [*@a, *@b) to the title and returns the offset after
 * ')', or 0. */
static gsize
kramdown_title(const char *s, gsize n, gsize i, gsize *a, gsize *b)
{
	i = imgopt_scan_skip_space(s, n, i);
	if (i >= n || (s[i] != '"' && s[i] != '\''))
		return 0;
	gsize limit = MIN(n, i + MAX_KRAMDOWN_DEST);
	for (gsize k = i + 2; k < limit; k++) {
		if (s[k] != s[i])
			continue;
		gsize e = imgopt_scan_skip_space(s, limit, k + 1);
		if (e < limit && s[e] == ')') {
			*a = i + 1;
			*b = k;
			return e + 1;
		}
	}
	return 0;
}

/* A bare kramdown destination from @i: up to the ')' that balances the
 * '(' before @i, or to a blank before a quote (where a title starts).
 * Liquid tokens are skipped whole (Jekyll expands them first).  Returns
 * where it stopped (the ')' or the blank), or G_MAXSIZE. */
static gsize
kramdown_bare(Inline *in, gsize i, bool *is_closed)
{
	const char *s = in->s;
	gsize limit = MIN(in->n, i + MAX_KRAMDOWN_DEST), depth = 1, t;

	while (i < limit) {
		if (s[i] == '{' && i + 1 < in->n &&
		    (s[i + 1] == '{' || s[i + 1] == '%') &&
		    (t = liquid_token(in, i)) != 0) {
			i = t;
			continue;
		}
		if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			break;
		else if (imgopt_scan_is_space((unsigned char)s[i]) &&
			 i + 1 < in->n && (s[i + 1] == '"' || s[i + 1] == '\''))
			break;
		i++;
	}
	*is_closed = depth == 0;
	return i < limit ? i : G_MAXSIZE;
}

/* kramdown's `](dest)` or `](dest "title")` after the ']' at @p: `<dest>`
 * on one line, or everything up to the balancing ')', spaces and line
 * ends included, trimmed.  Backslashes stay as written. */
static bool
try_kramdown_inline(Inline *in, gsize p, bool want_url, Match *m)
{
	const char *s = in->s;
	gsize n = in->n, a = p + 2, b, i, ta = 0, tb = 0, end = 0;
	bool is_closed = false;

	if (p + 1 >= n || s[p + 1] != '(')
		return false;
	gsize limit = MIN(n, a + MAX_KRAMDOWN_DEST);
	const char *gt =
		a < n && s[a] == '<' ? memchr(s + a, '>', limit - a) : NULL;
	const char *nl = gt != NULL ? memchr(s + a, '\n', limit - a) : NULL;
	if (gt != NULL && (nl == NULL || gt < nl)) {
		a++;
		b = (gsize)(gt - s);
		i = b + 1;
		is_closed = i < n && s[i] == ')';
		end = is_closed ? i + 1 : 0;
	}
	else {
		if ((i = kramdown_bare(in, a, &is_closed)) == G_MAXSIZE)
			return false;
		end = is_closed ? i + 1 : 0;
		i++;
		for (b = i - 1;
		     b > a && imgopt_scan_is_space((unsigned char)s[b - 1]);
		     b--)
			;
		a = imgopt_scan_skip_space(s, b, a);
	}
	if (!is_closed && (end = kramdown_title(s, n, i, &ta, &tb)) == 0)
		return false;
	if (!set_span(in, a, b, m))
		return false;
	m->kind = IMGOPT_REF_MARKDOWN;
	m->is_multiline = memchr(s + a, '\n', b - a) != NULL;
	if (want_url)
		m->url = imgopt_scan_decode(s + a, b - a, false);
	if (want_url && tb > ta)
		m->title = imgopt_scan_decode(s + ta, tb - ta, false);
	m->end = end;
	return true;
}

static void
add_image(Inline *in, const Bracket *o, gsize p, Match *m)
{
	if (in->pending->len > o->n_pending)
		g_ptr_array_remove_range(in->pending, o->n_pending,
					 in->pending->len - o->n_pending);
	while (in->alts->len > 0 &&
	       g_array_index(in->alts, AltText, in->alts->len - 1).ref >=
		       o->n_pending)
		g_array_set_size(in->alts, in->alts->len - 1);
	/* cmark renders the alt text as plain text: raw HTML in it is not
	 * markup, so it cannot have opened a comment or a <script> */
	in->sc->raw_state = o->raw_state;
	if (in->sc->raw_state != SCAN_RAW_NONE)
		return; /* inside a comment or <script> opened by raw HTML */
	ImgoptRef *ref =
		imgopt_scan_add_ref(in->sc, in->pending, m->kind, m->offset,
				    m->length, g_steal_pointer(&m->url), NULL);
	if (ref == NULL)
		return;
	ref->is_multiline = m->is_multiline;
	ref->title = g_steal_pointer(&m->title);
	ref->construct_offset = imgopt_scan_lines_map(in->lines, o->pos);
	ref->construct_length = imgopt_scan_lines_map(in->lines, m->end - 1) +
				1 - ref->construct_offset;
	AltText alt = {in->pending->len - 1, o->text, p};
	g_array_append_val(in->alts, alt);
}

/* The leaf is done: the images still in pending get their alt text. */
static void
decode_alts(Inline *in)
{
	for (guint i = 0; i < in->alts->len; i++) {
		const AltText *alt = &g_array_index(in->alts, AltText, i);
		ImgoptRef *ref = g_ptr_array_index(in->pending, alt->ref);

		ref->alt = imgopt_scan_decode(in->s + alt->start,
					      alt->end - alt->start, true);
	}
}

/* A link closed: the `[` openers below it can no longer make links.
 * Those a previous link deactivated lie below those pushed since, so the
 * walk down stops at the first inactive one, and each opener is
 * deactivated once: linear however many links follow many `[`. */
static void
deactivate_links(Inline *in)
{
	for (guint i = in->brackets->len; i > 0; i--) {
		Bracket *b = &g_array_index(in->brackets, Bracket, i - 1);

		if (b->is_image)
			continue;
		if (!b->is_active)
			break;
		b->is_active = false;
	}
}

static gsize
close_bracket(Inline *in, gsize p)
{
	if (in->brackets->len == 0)
		return p + 1;
	Bracket o = *top(in);
	g_array_set_size(in->brackets, in->brackets->len - 1);
	if (!o.is_active)
		return p + 1;
	Match m = {0};
	bool is_kramdown = in->sc->dialect == IMGOPT_SCAN_KRAMDOWN;
	if (is_kramdown ? !try_kramdown_inline(in, p, o.is_image, &m) &&
				  !try_reference(in, &o, p, &m)
			: !try_inline(in, p, o.is_image, &m) &&
				  !try_reference(in, &o, p, &m) &&
				  !(o.is_image && try_multiline(in, p, &m)))
		return p + 1;
	if (o.is_image)
		add_image(in, &o, p, &m);
	else
		deactivate_links(in);
	g_free(m.url);
	g_free(m.title);
	return m.end;
}

static gsize
step(Inline *in, gsize pos)
{
	const char *s = in->s;

	switch (s[pos]) {
	case '\\':
		return is_escape(s, in->n, pos) ? pos + 2 : pos + 1;
	case '`':
		return code_span(in, pos);
	case '<':
		return angle(in, pos);
	case '!':
		if (pos + 1 < in->n && s[pos + 1] == '[') {
			push_bracket(in, pos, true);
			return pos + 2;
		}
		return pos + 1;
	case '[':
		push_bracket(in, pos, false);
		return pos + 1;
	case ']':
		return close_bracket(in, pos);
	case '{':
		if (pos + 2 < in->n && s[pos + 1] == '%')
			return liquid_tag(in, pos);
		return pos + 1;
	default:
		return pos + 1;
	}
}

/* The first byte at or after @pos that step() must see (it passes over
 * any other), or @n.  strcspn is vectorised in glibc; it stops at a NUL,
 * which the leaf arena puts after every leaf, and at NULs in the text,
 * which are stepped over. */
static gsize
skip_plain(const char *s, gsize n, gsize pos)
{
	while (pos < n) {
		pos += strcspn(s + pos, "\\`<![]{");
		if (pos >= n || s[pos] != '\0')
			break;
		pos++;
	}
	return MIN(pos, n);
}

/* References found in the leaf go straight to the result: a dropped
 * image (one inside another's alt text) is removed from its tail. */
static void
scan_inline_leaf(Scanner *sc, const ScanLines *lines, gsize start,
		 InlineScratch *scratch)
{
	Inline in;

	inline_init(&in, sc, lines);
	in.brackets = scratch->brackets;
	g_array_set_size(in.brackets, 0);
	in.alts = scratch->alts;
	g_array_set_size(in.alts, 0);
	in.pending = sc->refs;
	in.runs.short_runs = scratch->short_runs;
	for (gsize pos = skip_plain(in.s, in.n, start); pos < in.n;
	     pos = skip_plain(in.s, in.n, pos))
		pos = step(&in, pos);
	decode_alts(&in);
	g_clear_pointer(&in.runs.long_runs, g_hash_table_unref);
}

/* The image references whose definition a link uses too are marked:
 * rewriting that definition would change what the link opens. */
static void
mark_shared_defs(Scanner *sc)
{
	g_autoptr(GHashTable) linked = g_hash_table_new(NULL, NULL);
	GHashTableIter it;
	gpointer value = NULL;

	if (sc->defs == NULL)
		return;
	g_hash_table_iter_init(&it, sc->defs);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		const ScanDef *def = value;

		if (def->is_linked)
			g_hash_table_add(linked,
					 GSIZE_TO_POINTER(def->offset + 1));
	}
	for (guint i = 0; i < sc->refs->len && g_hash_table_size(linked) > 0;
	     i++) {
		ImgoptRef *ref = g_ptr_array_index(sc->refs, i);

		ref->is_shared_def =
			ref->kind == IMGOPT_REF_MARKDOWN_REF &&
			g_hash_table_contains(
				linked, GSIZE_TO_POINTER(ref->offset + 1));
	}
}

void
imgopt_scan_leaves(Scanner *sc)
{
	InlineScratch scratch = {0};
	ScanLines lines;

	scratch.brackets = g_array_new(FALSE, FALSE, sizeof(Bracket));
	scratch.alts = g_array_new(FALSE, FALSE, sizeof(AltText));
	for (guint i = 0; i < sc->leaves->len; i++) {
		const ScanLeaf *leaf = &g_array_index(sc->leaves, ScanLeaf, i);

		imgopt_scan_leaf_lines(sc, leaf, &lines);
		if (leaf->kind == SCAN_LEAF_HTML)
			imgopt_scan_html_leaf(sc, &lines);
		else
			scan_inline_leaf(sc, &lines, leaf->start, &scratch);
	}
	g_array_unref(scratch.brackets);
	g_array_unref(scratch.alts);
	for (guint k = 0; k < N_SHORT_RUNS; k++)
		g_clear_pointer(&scratch.short_runs[k].starts, g_array_unref);
	mark_shared_defs(sc);
}
