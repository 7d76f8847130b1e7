/*
 * report.c: the HTML report (see report.h).
 *
 * Built as one GString, section by section.  Every text from the site
 * (paths, URLs, messages) is made valid UTF-8 and markup-escaped before
 * it enters the page; the only URLs the page holds are `data:` URIs made
 * here, so a hostile file name or URL cannot add markup or make the
 * browser fetch anything.
 *
 * Thumbnails: a file is read, probed (pixel limit), decoded with
 * shrink-on-load at IMGOPT_REPORT_THUMBNAIL_WIDTH and encoded as WebP
 * (animations stay animated); each distinct file is made once, and at
 * most IMGOPT_REPORT_MAX_THUMBNAILS are made, the rest get a placeholder.
 */
#include <string.h>

#include "imgopt/report.h"

#include "image.h"

/* The page being built. */
typedef struct {
	const ImgoptReportInput *in; /* what to show */
	GString *html;               /* the page so far */
	GHashTable *thumbs;          /* path → data: URI, or "" if failed */
	guint n_thumbs;              /* thumbnails made */
} Page;

static const char css[] =
	"body{font:15px/1.4 system-ui,sans-serif;margin:2em auto;"
	"max-width:72em;padding:0 1em;color:#222}"
	"h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}"
	"table{border-collapse:collapse;width:100%}"
	"td,th{padding:.25em .5em;border-bottom:1px solid #eee;"
	"text-align:left;vertical-align:top;overflow-wrap:anywhere}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;"
	"white-space:nowrap}td.where{white-space:nowrap}"
	".totals{display:flex;flex-wrap:wrap;gap:1em}"
	".totals div{background:#f4f6f8;padding:.5em 1em;border-radius:6px}"
	".totals b{display:block;font-size:1.3em}"
	".group{border:1px solid #ddd;border-radius:6px;margin:1em 0;"
	"padding:.5em 1em}"
	".copies{display:flex;flex-wrap:wrap;gap:1em}"
	"figure{margin:0;width:14em}"
	"figure img,.ph{width:120px;height:auto;display:block;"
	"background:#eee}"
	".ph{height:80px;line-height:80px;text-align:center;color:#888}"
	"figcaption{font-size:.85em;word-break:break-all}"
	".canonical figcaption{font-weight:bold}"
	"ul{margin:.2em 0;padding-left:1.2em}"
	".saved{color:#176f2c}.none{color:#888}";

/* Appends @text, valid UTF-8 and escaped. */
static void
put_text(Page *p, const char *text)
{
	g_autofree char *valid =
		g_utf8_make_valid(text != NULL ? text : "", -1);
	g_autofree char *esc = g_markup_escape_text(valid, -1);

	g_string_append(p->html, esc);
}

static void
put_bytes(Page *p, uint64_t bytes)
{
	if (bytes < 10000)
		g_string_append_printf(p->html, "%" G_GUINT64_FORMAT " B",
				       bytes);
	else if (bytes < 10000000)
		g_string_append_printf(p->html, "%.1f kB", (double)bytes / 1e3);
	else
		g_string_append_printf(p->html, "%.1f MB", (double)bytes / 1e6);
}

/* ---- thumbnails ---- */

static char *
make_thumbnail(const Page *p, const char *path)
{
	g_autofree char *full =
		g_build_filename(imgopt_site_get_root(p->in->site), path, NULL);
	g_autofree char *data = NULL;
	gsize len = 0;
	ImgoptImageInfo info;
	ImgoptEncodeOptions enc = {IMGOPT_FORMAT_WEBP, 60, false, false};

	if (!g_file_get_contents(full, &data, &len, NULL) ||
	    !imgopt_vips_probe(data, len, p->in->max_pixels, &info, NULL))
		return NULL;
	ImgoptPicture *pic = imgopt_picture_load(
		data, len, &info, IMGOPT_REPORT_THUMBNAIL_WIDTH, NULL);
	if (pic == NULL)
		return NULL;
	g_autoptr(GBytes) bytes = imgopt_picture_encode(pic, &enc, NULL);
	imgopt_picture_free(pic);
	if (bytes == NULL)
		return NULL;
	gsize n = 0;
	const guchar *raw = g_bytes_get_data(bytes, &n);
	g_autofree char *b64 = g_base64_encode(raw, n);
	return g_strconcat("data:image/webp;base64,", b64, NULL);
}

/* An <img> of @path's thumbnail, or a placeholder saying why not. */
static void
put_thumbnail(Page *p, const char *path)
{
	const char *uri = g_hash_table_lookup(p->thumbs, path);

	if (uri == NULL && p->n_thumbs < IMGOPT_REPORT_MAX_THUMBNAILS) {
		char *made = make_thumbnail(p, path);

		p->n_thumbs++;
		uri = made != NULL ? made : g_strdup("");
		g_hash_table_insert(p->thumbs, g_strdup(path), (char *)uri);
	}
	if (uri == NULL || *uri == '\0') {
		g_string_append_printf(p->html, "<div class=\"ph\">%s</div>",
				       uri == NULL ? "not shown"
						   : "unreadable");
		return;
	}
	g_string_append(p->html, "<img alt=\"\" src=\"");
	g_string_append(p->html, uri);
	g_string_append(p->html, "\">");
}

/* ---- sections ---- */

static void
put_total(Page *p, const char *label, const char *id, uint64_t n, bool is_bytes)
{
	g_string_append_printf(p->html, "<div id=\"%s\"><b>", id);
	if (is_bytes)
		put_bytes(p, n);
	else
		g_string_append_printf(p->html, "%" G_GUINT64_FORMAT, n);
	g_string_append_printf(p->html, "</b>%s</div>", label);
}

static void
put_totals(Page *p)
{
	const ImgoptRunResult *r = p->in->run;

	g_string_append(p->html, "<h1>imgopt report</h1><p>Site: <code>");
	put_text(p, imgopt_site_get_root(p->in->site));
	g_string_append(p->html, "</code></p><div class=\"totals\">");
	put_total(p, "posts", "t-posts", r->posts, false);
	put_total(p, "references", "t-refs", r->references, false);
	put_total(p, "duplicate groups", "t-groups", p->in->dupes->groups->len,
		  false);
	put_total(p, "reclaimable", "t-reclaim", r->bytes_reclaimable, true);
	put_total(p, "broken references", "t-broken", r->broken->len, false);
	put_total(p, "image bytes now", "t-before", r->bytes_before, true);
	put_total(p, "image bytes after", "t-after", r->bytes_after, true);
	g_string_append(p->html, "</div>");
}

/* Two cells, a size before and after, that go on a row's open cell. */
static void
put_sizes(Page *p, uint64_t before, uint64_t after)
{
	g_string_append(p->html, "</td><td class=\"n\">");
	put_bytes(p, before);
	g_string_append(p->html, "</td><td class=\"n\">");
	put_bytes(p, after);
}

/* The image bytes now and after split by the files' sniffed formats
 * (JPEG to OTHER, then UNKNOWN for a file the index could not read),
 * each format shown before or after. */
static void
put_formats(Page *p)
{
	const ImgoptRunResult *r = p->in->run;

	g_string_append(p->html,
			"<h2 id=\"formats\">Image bytes per format</h2>"
			"<p>The distinct files the pages show, each counted "
			"once, by the format of their bytes.</p><table><thead>"
			"<tr><th>format</th><th class=\"n\">now</th>"
			"<th class=\"n\">after</th></tr></thead><tbody>");
	for (int i = 0; i <= IMGOPT_FORMAT_OTHER; i++) {
		ImgoptFormat f =
			(ImgoptFormat)((i + 1) % (IMGOPT_FORMAT_OTHER + 1));
		uint64_t before = r->bytes_before_by_format[f];
		uint64_t after = r->bytes_after_by_format[f];

		if (before == 0 && after == 0)
			continue;
		g_string_append_printf(p->html, "<tr class=\"format\"><td>%s",
				       imgopt_format_name(f));
		put_sizes(p, before, after);
		g_string_append(p->html, "</td></tr>");
	}
	g_string_append(p->html, "</tbody></table>");
}

static int
saving_cmp(gconstpointer a, gconstpointer b)
{
	const ImgoptPostBytes *x = a, *y = b;
	int64_t sx = (int64_t)(x->before - x->after);
	int64_t sy = (int64_t)(y->before - y->after);

	if (sx != sy)
		return sx > sy ? -1 : 1;
	return strcmp(x->post, y->post);
}

static void
put_saving_row(Page *p, const ImgoptPostBytes *pb)
{
	g_string_append(p->html, "<tr class=\"saving\"><td>");
	put_text(p, pb->post);
	put_sizes(p, pb->before, pb->after);
	g_string_append(p->html, "</td><td class=\"n saved\">");
	if (pb->before > pb->after) {
		put_bytes(p, pb->before - pb->after);
		g_string_append_printf(
			p->html, " (%.0f%%)",
			100.0 * (double)(pb->before - pb->after) /
				(double)pb->before);
	}
	else
		g_string_append(p->html, "<span class=\"none\">none</span>");
	g_string_append(p->html, "</td></tr>");
}

/* One row per file showing at least one local image: the posts, and
 * (unless --only-posts) the pages, layouts, includes and stylesheets,
 * which the run rewrites the same way. */
static void
put_savings(Page *p)
{
	const GArray *all = p->in->run->post_bytes;
	g_autoptr(GArray) rows =
		g_array_new(FALSE, FALSE, sizeof(ImgoptPostBytes));

	for (guint i = 0; i < all->len; i++) {
		const ImgoptPostBytes *pb =
			&g_array_index(all, ImgoptPostBytes, i);
		if (pb->before > 0)
			g_array_append_val(rows, *pb);
	}
	g_array_sort(rows, saving_cmp);
	g_string_append(p->html,
			"<h2 id=\"savings\">Savings per post and page</h2>"
			"<p>Image bytes a reader downloads to see each post, "
			"or what each page, layout, include or stylesheet "
			"adds, each file counted once.</p><table><thead><tr>"
			"<th>file</th><th class=\"n\">now</th>"
			"<th class=\"n\">after</th><th class=\"n\">saved</th>"
			"</tr></thead><tbody>");
	for (guint i = 0; i < rows->len; i++)
		put_saving_row(p, &g_array_index(rows, ImgoptPostBytes, i));
	g_string_append(p->html, "</tbody></table>");
}

static void
put_copy(Page *p, const ImgoptGroup *g, guint i, const char *thumb_path)
{
	const ImgoptGroupMember *m = g_ptr_array_index(g->members, i);
	const GPtrArray *posts =
		imgopt_dupes_result_get_posts(p->in->dupes, m->path);

	g_string_append_printf(p->html, "<figure class=\"copy%s\">",
			       i == g->canonical ? " canonical" : "");
	put_thumbnail(p, thumb_path);
	g_string_append(p->html, "<figcaption>");
	put_text(p, m->path);
	if (i == g->canonical)
		g_string_append(p->html, " (kept)");
	g_string_append(p->html, "<ul>");
	for (guint k = 0; posts != NULL && k < posts->len; k++) {
		g_string_append(p->html, "<li class=\"post\">");
		put_text(p, g_ptr_array_index(posts, k));
		g_string_append(p->html, "</li>");
	}
	if (posts == NULL || posts->len == 0)
		g_string_append(p->html,
				"<li class=\"none\">referenced nowhere</li>");
	g_string_append(p->html, "</ul></figcaption></figure>");
}

/* Every group: its copies side by side, the same thumbnail for each (the
 * bytes are identical), and the files (posts, pages, layouts…) that use
 * each copy. */
static void
put_groups(Page *p)
{
	const GPtrArray *groups = p->in->dupes->groups;

	g_string_append_printf(p->html,
			       "<h2 id=\"dupes\">Duplicate groups (%u)</h2>",
			       groups->len);
	for (guint i = 0; i < groups->len; i++) {
		const ImgoptGroup *g = g_ptr_array_index(groups, i);
		const ImgoptGroupMember *keep =
			g_ptr_array_index(g->members, g->canonical);

		g_string_append_printf(p->html,
				       "<section class=\"group\"><p>%u copies "
				       "of ",
				       g->members->len);
		put_bytes(p, g->bytes);
		g_string_append(p->html, ", ");
		put_bytes(p, imgopt_group_reclaimable(g));
		g_string_append(p->html,
				" reclaimable</p><div class=\"copies\">");
		for (guint k = 0; k < g->members->len; k++)
			put_copy(p, g, k, keep->path);
		g_string_append(p->html, "</div></section>");
	}
}

static void
put_broken(Page *p)
{
	const GPtrArray *broken = p->in->run->broken;

	g_string_append_printf(p->html,
			       "<h2 id=\"broken\">Broken references (%u)</h2>"
			       "<table><thead><tr><th>where</th><th>link</th>"
			       "<th>why</th></tr></thead><tbody>",
			       broken->len);
	for (guint i = 0; i < broken->len; i++) {
		const ImgoptRef *ref = g_ptr_array_index(broken, i);

		g_string_append(p->html, "<tr class=\"broken\"><td "
					 "class=\"where\">");
		put_text(p, ref->post);
		g_string_append_printf(p->html, ":%zu</td><td><code>",
				       ref->line);
		put_text(p, ref->url);
		g_string_append(p->html, "</code></td><td>");
		put_text(p, ref->message != NULL
				    ? ref->message
				    : imgopt_ref_status_name(ref->status));
		g_string_append(p->html, "</td></tr>");
	}
	g_string_append(p->html, "</tbody></table>");
}

static int
shown_size_cmp(gconstpointer a, gconstpointer b)
{
	const ImgoptShownImage *x = *(ImgoptShownImage *const *)a;
	const ImgoptShownImage *y = *(ImgoptShownImage *const *)b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return strcmp(x->path, y->path);
}

static void
put_largest_row(Page *p, const ImgoptShownImage *img)
{
	g_string_append(p->html, "<tr class=\"large\"><td>");
	put_thumbnail(p, img->path);
	g_string_append(p->html, "</td><td>");
	put_text(p, img->path);
	put_sizes(p, img->bytes, img->after_bytes);
	g_string_append(p->html, "</td><td>");
	put_text(p, img->after_path);
	g_string_append(p->html, "</td></tr>");
}

static void
put_largest(Page *p)
{
	const GPtrArray *shown = p->in->run->shown;
	g_autoptr(GPtrArray) sorted = g_ptr_array_sized_new(shown->len);

	for (guint i = 0; i < shown->len; i++)
		g_ptr_array_add(sorted, g_ptr_array_index(shown, i));
	g_ptr_array_sort(sorted, shown_size_cmp);
	g_string_append(p->html,
			"<h2 id=\"largest\">Largest images</h2><table><thead>"
			"<tr><th></th><th>file</th><th class=\"n\">now</th>"
			"<th class=\"n\">after</th><th>shown instead</th>"
			"</tr></thead><tbody>");
	for (guint i = 0; i < MIN(sorted->len, IMGOPT_REPORT_N_LARGEST); i++)
		put_largest_row(p, g_ptr_array_index(sorted, i));
	g_string_append(p->html, "</tbody></table>");
}

char *
imgopt_report_html(const ImgoptReportInput *input)
{
	g_return_val_if_fail(input != NULL && input->site != NULL, NULL);
	g_return_val_if_fail(input->dupes != NULL && input->run != NULL, NULL);

	Page p = {
		input, g_string_new(NULL),
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
		0};

	g_string_append(p.html,
			"<!DOCTYPE html>\n<html lang=\"en\"><head>"
			"<meta charset=\"utf-8\">"
			"<meta http-equiv=\"Content-Security-Policy\" "
			"content=\"default-src 'none'; img-src data:; "
			"style-src 'unsafe-inline'\">"
			"<meta name=\"viewport\" "
			"content=\"width=device-width,initial-scale=1\">"
			"<title>imgopt report</title><style>");
	g_string_append(p.html, css);
	g_string_append(p.html, "</style></head><body>");
	put_totals(&p);
	put_formats(&p);
	put_savings(&p);
	put_groups(&p);
	put_broken(&p);
	put_largest(&p);
	g_string_append(p.html, "</body></html>\n");
	g_hash_table_unref(p.thumbs);
	return g_string_free(p.html, FALSE);
}
