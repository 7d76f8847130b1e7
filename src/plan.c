/*
 * plan.c: the rewrite stage's planning: given a post's text, its resolved
 * references and the site's variants, which edits make the post show the
 * variants.
 *
 * Each reference is planned alone, in document order; a link reference
 * definition used by several images is one span, planned once, and one a
 * plain link uses too is left alone (each image using it is rewritten
 * inline instead).  A
 * reference on an original image gets the variant made for the width the
 * page shows it at (a srcset candidate the one nearest its descriptor);
 * one already on a variant file is left alone unless these settings or
 * the display width call for another variant of the same content.  The
 * new destination is written in the old one's style (rewrite.c's
 * imgopt_rewrite_format_url()), and with --srcset a Markdown image becomes
 * an <img srcset> (in a <picture> when there are WebP or AVIF variants of
 * another format), and an <img> without srcset gains one.
 *
 * What a rewritten page shows must tell the truth and lay out as before
 * (docs/imgopt.1, --display-width): a variant that is a copy of its
 * source is never linked; a `w` candidate's descriptor becomes its
 * variant's width, an `x` one moves only to a variant of its own width;
 * an <img> without a width attribute keeps the width of the file it
 * showed (the sizes it gains say that width).
 *
 * The edits carry the bytes they expect; imgopt_rewrite_text() applies
 * them.  Counting what the pages show is the caller's (run.c).
 */
#include "imgopt/rewrite.h"

#include <string.h>

#include "fsio.h"

/* The variant of @format nearest @width on one side of it (not above it,
 * or with @covering not below it), else the nearest on the other side. */
static const ImgoptVariant *
pick_nearest(const GPtrArray *variants, ImgoptFormat format, uint32_t width,
	     bool covering)
{
	const ImgoptVariant *best = NULL, *other = NULL;

	for (guint i = 0; i < variants->len; i++) {
		const ImgoptVariant *v = g_ptr_array_index(variants, i);
		bool on_side = covering ? v->width >= width : v->width <= width;
		const ImgoptVariant **slot = on_side ? &best : &other;

		if (format != IMGOPT_FORMAT_UNKNOWN && v->format != format)
			continue;
		/* Nearest to @width: the smallest gap either way. */
		if (*slot == NULL ||
		    (on_side == covering ? v->width < (*slot)->width
					 : v->width > (*slot)->width))
			*slot = v;
	}
	return best != NULL ? best : other;
}

const ImgoptVariant *
imgopt_rewrite_pick_variant(const GPtrArray *variants, ImgoptFormat format,
			    uint32_t width)
{
	return pick_nearest(variants, format, width, false);
}

const ImgoptVariant *
imgopt_rewrite_pick_covering(const GPtrArray *variants, ImgoptFormat format,
			     uint32_t width)
{
	return pick_nearest(variants, format, width, true);
}

/* Whether @v lives in @dir (NULL: anywhere).  A row without a file (a
 * variant that would be its source's copy) stands for every folder. */
static bool
is_in_dir(const ImgoptVariant *v, const char *dir)
{
	if (dir == NULL || *v->path == '\0')
		return true;
	g_autofree char *parent = g_path_get_dirname(v->path);
	return strcmp(parent, dir) == 0;
}

/* Where @ref's variants live: the site's folder for it, or NULL. */
static char *
variant_dir(const ImgoptPlanInput *in, const ImgoptRef *ref)
{
	return in->site != NULL ? imgopt_site_variant_dir(in->site, ref) : NULL;
}

/* Whether @path is a variant file (the variant folder's, or a copy
 * placed where a reference needs it). */
static bool
is_variant_file(const ImgoptPlanInput *in, const char *path)
{
	return imgopt_fs_is_below(in->out_dir, path) ||
	       (in->variant_of != NULL &&
		g_hash_table_contains(in->variant_of, path));
}

/* The variants of a content of @format in @dir, split in two: those a page may
 * link directly (its primary format, its own format included) if
 * @want_extra is false, else the rest: the WebP and AVIF variants of a
 * content of another format, which only a <picture> can offer. */
static GPtrArray *
variants_for(const ImgoptPlanInput *in, const ImgoptHash *hash,
	     ImgoptFormat format, bool want_extra, const char *dir)
{
	char hex[IMGOPT_HASH_HEX_LEN + 1];
	const GPtrArray *all = NULL;

	imgopt_hash_format(hash, hex);
	all = g_hash_table_lookup(in->variants, hex);
	GPtrArray *out = g_ptr_array_new();

	for (guint i = 0; all != NULL && i < all->len; i++) {
		const ImgoptVariant *v = g_ptr_array_index(all, i);
		bool is_extra = (v->format == IMGOPT_FORMAT_WEBP ||
				 v->format == IMGOPT_FORMAT_AVIF) &&
				v->format != format;

		if (is_extra == want_extra && is_in_dir(v, dir))
			g_ptr_array_add(out, (gpointer)v);
	}
	return out;
}

/* What one reference needs to build its edit. */
typedef struct {
	const char *text;          /* the post's bytes */
	gsize len;                 /* their number */
	const ImgoptRef *ref;      /* the reference */
	const GPtrArray *variants; /* linkable variants (borrowed) */
	const ImgoptPlanInput *in; /* the site's files and variants */
	const char *fallback;      /* prefix for repaired links in the post */
	const GPtrArray *extras;   /* its WebP/AVIF variants, for <picture>
				      (borrowed, nullable) */
	const ImgoptAsset *source; /* the original it shows now, or NULL
				      (a reference on a variant file) */
	uint32_t shown_width;      /* the pixel width of the file it shows
				      now, 0 if unknown */
} RefCtx;

static ImgoptUrlStyle
style_of(const RefCtx *c, ImgoptRefKind kind)
{
	const ImgoptRef *ref = c->ref;
	ImgoptUrlStyle st = {
		ref->url,
		ref->status == IMGOPT_REF_STATUS_OK ? ref->resolved : NULL,
		ref->post,
		c->in->baseurl,
		c->fallback,
		kind,
		false,
		NULL};

	return st;
}

static void
add_edit(GPtrArray *edits, const char *text, gsize offset, gsize length,
	 const char *replacement)
{
	g_ptr_array_add(edits,
			imgopt_edit_new(offset, text + offset, length,
					replacement, strlen(replacement)));
}

/* The `w` descriptor after a srcset candidate, or 0. */
static uint32_t
srcset_descriptor(const char *text, gsize len, gsize pos)
{
	guint64 w = 0;
	gsize digits = 0;

	while (pos < len && (text[pos] == ' ' || text[pos] == '\t'))
		pos++;
	while (pos + digits < len && g_ascii_isdigit(text[pos + digits]))
		digits++;
	if (digits == 0 || digits > 6 || pos + digits >= len ||
	    text[pos + digits] != 'w')
		return 0;
	for (gsize i = 0; i < digits; i++)
		w = w * 10 + (guint64)(text[pos + i] - '0');
	return (uint32_t)w;
}

/* Which width the reference should show. */
static uint32_t
wanted_width(const RefCtx *c)
{
	const ImgoptRef *ref = c->ref;

	/* Page-wide banners and references with no display width (a
	 * stylesheet's url(), a config or data value): the widest. */
	if (ref->kind == IMGOPT_REF_FRONT_MATTER ||
	    ref->referrer == IMGOPT_REFERRER_STYLESHEET ||
	    ref->referrer == IMGOPT_REFERRER_CONFIG ||
	    ref->referrer == IMGOPT_REFERRER_DATA)
		return c->in->banner_width;
	return c->in->display_width;
}

/* Whether @v holds its source's own bytes (a variant that saved nothing
 * stands in at the source's width): the source itself will do.  No
 * encoding is kept unless it is smaller than its source. */
static bool
is_copy(const RefCtx *c, const ImgoptVariant *v)
{
	return c->source != NULL && c->source->size > 0 &&
	       v->format == c->source->format && v->bytes >= c->source->size;
}

/* The original a page links instead of a copy of it (see
 * ImgoptPlanInput.originals). */
static const char *
source_path(const RefCtx *c)
{
	char hex[IMGOPT_HASH_HEX_LEN + 1];
	const ImgoptAsset *first = NULL;

	if (c->in->originals != NULL) {
		imgopt_hash_format(&c->source->hash, hex);
		first = g_hash_table_lookup(c->in->originals, hex);
	}
	return first != NULL ? first->path : c->source->path;
}

/* The variant of the width the reference shows now, or NULL. */
static const ImgoptVariant *
same_width(const RefCtx *c)
{
	for (guint i = 0; c->shown_width > 0 && i < c->variants->len; i++) {
		const ImgoptVariant *v = g_ptr_array_index(c->variants, i);

		if (v->width == c->shown_width)
			return v;
	}
	return NULL;
}

/* Whether an <img> gets a srcset (and, unless it has one, sizes) after
 * its src: not if it has one, nor if an author's sizes would start to
 * size a tag without a width. */
static bool
adds_srcset(const RefCtx *c)
{
	const ImgoptRef *ref = c->ref;

	return c->variants->len >= 2 && ref->kind == IMGOPT_REF_HTML &&
	       ref->is_img_tag && !ref->has_srcset && ref->attr_end != 0 &&
	       (ref->has_width || (!ref->has_sizes && c->shown_width > 0));
}

/* Whether the width of the file an <img> src names sets the tag's
 * layout: no width attribute, and no srcset with sizes (one this run
 * adds included) to set it instead. */
static bool
src_sets_layout(const RefCtx *c)
{
	const ImgoptRef *ref = c->ref;

	return ref->kind == IMGOPT_REF_HTML && ref->is_img_tag &&
	       !ref->has_width && !(ref->has_srcset && ref->has_sizes) &&
	       !adds_srcset(c);
}

/* The variant a reference shows: a srcset candidate with a `w`
 * descriptor the one nearest it from below, one with an `x` descriptor
 * (or none) only the variant of its own width (the descriptor scales
 * the file's pixels), anything else the one made for its display width
 * (which may be the wider original, kept where re-encoding lost).  An
 * <img> whose src sets its layout keeps its width. */
static const ImgoptVariant *
pick_for(const RefCtx *c)
{
	const ImgoptRef *ref = c->ref;
	const ImgoptVariant *v = NULL;

	if (ref->kind == IMGOPT_REF_SRCSET) {
		uint32_t w = srcset_descriptor(c->text, c->len,
					       ref->offset + ref->length);

		return w > 0 ? imgopt_rewrite_pick_variant(
				       c->variants, IMGOPT_FORMAT_UNKNOWN, w)
			     : same_width(c);
	}
	v = imgopt_rewrite_pick_covering(c->variants, IMGOPT_FORMAT_UNKNOWN,
					 wanted_width(c));
	if (v != NULL && v->width != c->shown_width && src_sets_layout(c))
		return same_width(c);
	return v;
}

/*
 * --link-format: the format a link names
 * ======================================
 *
 * A reference whose link a browser follows (a Markdown image, an HTML
 * src, front matter, a stylesheet's or style attribute's url()) names,
 * of the variants of the width it shows, the one with the fewest bytes
 * among the formats allowed: the primary one and WebP (auto), also AVIF
 * (avif); webp names the WebP one wherever there is one.  They are all
 * at the same quality (recompress.c matches WebP and AVIF to the
 * primary variant), so fewer bytes is lighter for the same picture.
 * Kept in the primary format: srcset candidates an author wrote (a
 * <picture>'s <source>s among them), the <img> fallback of the markup
 * --srcset writes (as any <img> inside a <picture>: a re-run leaves it
 * so), and references in files that are not pages a browser
 * draws (feed templates, scripts, JSON, data and config values, which a
 * feed reader or a social card may read).
 */
/* Whether @c's tag sits inside a <picture> (one opens before it and
 * none closes since). */
static bool
is_in_picture(const RefCtx *c)
{
	gssize before = (gssize)c->ref->construct_offset;
	const char *open = g_strrstr_len(c->text, before, "<picture");
	const char *close = g_strrstr_len(c->text, before, "</picture");

	return open != NULL && (close == NULL || close < open);
}

static bool
follows_link_format(const RefCtx *c)
{
	const ImgoptRef *ref = c->ref;

	switch (ref->referrer) {
	case IMGOPT_REFERRER_FEED:
	case IMGOPT_REFERRER_SCRIPT:
	case IMGOPT_REFERRER_JSON:
	case IMGOPT_REFERRER_DATA:
	case IMGOPT_REFERRER_CONFIG:
		return false;
	default:
		break;
	}
	if (ref->kind == IMGOPT_REF_HTML)
		return !is_in_picture(c);
	return ref->kind == IMGOPT_REF_MARKDOWN ||
	       ref->kind == IMGOPT_REF_MARKDOWN_REF ||
	       ref->kind == IMGOPT_REF_FRONT_MATTER ||
	       ref->kind == IMGOPT_REF_STYLE || ref->kind == IMGOPT_REF_CSS;
}

/* Whether @link lets a link name a variant in @format other than the
 * primary one. */
static bool
is_linkable_format(ImgoptLinkFormat link, ImgoptFormat format)
{
	return format == IMGOPT_FORMAT_WEBP ||
	       (format == IMGOPT_FORMAT_AVIF && link == IMGOPT_LINK_AVIF);
}

/* Whether @link lets a link name @candidate in place of @best. */
static bool
is_lighter_link(ImgoptLinkFormat link, const ImgoptVariant *candidate,
		const ImgoptVariant *best)
{
	if (!is_linkable_format(link, candidate->format))
		return false;
	if (candidate->format == IMGOPT_FORMAT_WEBP && link == IMGOPT_LINK_WEBP)
		return best->format != IMGOPT_FORMAT_WEBP ||
		       candidate->bytes < best->bytes;
	/* 0: predicted, not made yet: not known to be lighter */
	return candidate->bytes > 0 && candidate->bytes < best->bytes;
}

/* The variant a link names in place of @v (not NULL; see above): of
 * @v's width and height, the lightest the link format allows; @v if
 * none is. */
static const ImgoptVariant *
link_variant(const RefCtx *c, const ImgoptVariant *v)
{
	char hex[IMGOPT_HASH_HEX_LEN + 1];
	const GPtrArray *all = NULL;
	const ImgoptVariant *best = v;

	if (c->in->link_format == IMGOPT_LINK_ORIGINAL ||
	    !follows_link_format(c))
		return v;
	g_autofree char *dir = variant_dir(c->in, c->ref);
	imgopt_hash_format(&v->hash, hex);
	all = g_hash_table_lookup(c->in->variants, hex);
	for (guint i = 0; all != NULL && i < all->len; i++) {
		const ImgoptVariant *w = g_ptr_array_index(all, i);

		if (w->width != v->width || w->height != v->height ||
		    !is_in_dir(w, dir) || *w->path == '\0')
			continue;
		/* Predicted (its bytes unknown until it is made): it may
		 * turn out lighter, so it is named to be made. */
		if (w->bytes == 0 && c->in->named != NULL &&
		    is_linkable_format(c->in->link_format, w->format))
			g_hash_table_add(c->in->named, w->path);
		if (is_lighter_link(c->in->link_format, w, best))
			best = w;
	}
	return best;
}

/* Markdown `<dest>` and quoted front matter keep their delimiters. */
static char *
wrap_like_raw(const char *raw, gsize raw_len, const char *url,
	      bool *is_angle_out)
{
	char first = raw_len >= 2 ? raw[0] : '\0';
	char last = raw_len >= 2 ? raw[raw_len - 1] : '\0';

	*is_angle_out = first == '<' && last == '>';
	if (*is_angle_out)
		return g_strconcat("<", url, ">", NULL);
	if ((first == '"' || first == '\'') && last == first)
		return g_strdup_printf("%c%s%c", first, url, first);
	return g_strdup(url);
}

/* The URL of @path (@v's file, or a source when @v is NULL) in the
 * style of the reference. */
static char *
format_path(const RefCtx *c, ImgoptRefKind kind, const ImgoptVariant *v,
	    const char *path)
{
	ImgoptUrlStyle st = style_of(c, kind);
	const ImgoptRef *ref = c->ref;
	g_autofree char *url_path =
		c->in->site != NULL && v != NULL
			? imgopt_site_url_path(c->in->site, path)
			: NULL;

	st.url_path = url_path;

	if (c->in->named != NULL && v != NULL)
		g_hash_table_add(c->in->named, v->path);

	st.is_angle = (ref->length >= 2 && c->text[ref->offset] == '<') ||
		      (ref->offset > 0 && c->text[ref->offset - 1] == '<' &&
		       ref->offset + ref->length < c->len &&
		       c->text[ref->offset + ref->length] == '>');
	return imgopt_rewrite_format_url(&st, path);
}

/* What a page links for @v: the source itself where @v is a copy. */
static char *
format_target(const RefCtx *c, ImgoptRefKind kind, const ImgoptVariant *v)
{
	return is_copy(c, v) ? format_path(c, kind, NULL, source_path(c))
			     : format_path(c, kind, v, v->path);
}

/* The srcset candidates of every linkable width, each in the format
 * --link-format names if @is_linked; @urls owns the urls. */
static ImgoptSrcsetItem *
srcset_items(const RefCtx *c, GPtrArray *urls, bool is_linked)
{
	ImgoptSrcsetItem *items =
		g_new0(ImgoptSrcsetItem, MAX(1, c->variants->len));

	for (guint i = 0; i < c->variants->len; i++) {
		const ImgoptVariant *v = g_ptr_array_index(c->variants, i);

		if (is_linked)
			v = link_variant(c, v);
		char *u = format_target(c, IMGOPT_REF_SRCSET, v);

		g_ptr_array_add(urls, u);
		items[i].url = u;
		items[i].width = v->width;
	}
	return items;
}

static char *
format_all_widths(const RefCtx *c)
{
	g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func(g_free);
	g_autofree ImgoptSrcsetItem *items = srcset_items(c, urls, true);

	return imgopt_rewrite_format_srcset(items, c->variants->len);
}

/* The srcset candidates of @c's extra variants of @format (*@n_out of
 * them); @urls owns the urls. */
static ImgoptSrcsetItem *
format_items(const RefCtx *c, ImgoptFormat format, GPtrArray *urls,
	     gsize *n_out)
{
	guint n_extras = c->extras != NULL ? c->extras->len : 0;
	ImgoptSrcsetItem *items = g_new0(ImgoptSrcsetItem, MAX(1, n_extras));
	gsize n = 0;

	for (guint i = 0; i < n_extras; i++) {
		const ImgoptVariant *v = g_ptr_array_index(c->extras, i);
		char *u = NULL;

		if (v->format != format)
			continue;
		u = format_target(c, IMGOPT_REF_SRCSET, v);
		g_ptr_array_add(urls, u);
		items[n].url = u;
		items[n++].width = v->width;
	}
	*n_out = n;
	return items;
}

/* --srcset: the whole `![alt](dest "title")` becomes an <img> tag, inside
 * a <picture> offering the AVIF and WebP variants first if there are. */
static bool
edit_markdown_img(const RefCtx *c, const ImgoptVariant *v, GPtrArray *edits)
{
	const ImgoptRef *ref = c->ref;

	/* Only the scanner records the construct (not the manifest). */
	if (ref->construct_length == 0)
		return false;
	g_autofree char *src = format_target(c, IMGOPT_REF_HTML, v);
	g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func(g_free);
	g_autofree ImgoptSrcsetItem *items = srcset_items(c, urls, false);
	ImgoptPictureSource sources[2] = {{"image/avif", NULL, 0},
					  {"image/webp", NULL, 0}};
	g_autofree ImgoptSrcsetItem *avif =
		format_items(c, IMGOPT_FORMAT_AVIF, urls, &sources[0].n_items);
	g_autofree ImgoptSrcsetItem *webp =
		format_items(c, IMGOPT_FORMAT_WEBP, urls, &sources[1].n_items);
	gsize n_sources = 0;

	sources[0].items = avif;
	sources[1].items = webp;
	for (gsize i = 0; i < G_N_ELEMENTS(sources); i++)
		if (sources[i].n_items > 0)
			sources[n_sources++] = sources[i];
	ImgoptImgMarkup m = {src,
			     items,
			     c->variants->len > 1 ? c->variants->len : 0,
			     MIN(c->in->display_width, v->width),
			     v->width,
			     v->height,
			     ref->alt,
			     ref->title,
			     sources,
			     n_sources};
	g_autofree char *tag = imgopt_rewrite_format_img(&m);

	add_edit(edits, c->text, ref->construct_offset, ref->construct_length,
		 tag);
	return true;
}

/* An <img> without srcset gets one, right after its src value, and the
 * sizes that keep its layout: with a width attribute, sizes only chooses
 * a candidate (the display width's); without, the tag drew at the width
 * of the file it showed, and sizes must say that width. */
static void
edit_html_srcset(const RefCtx *c, GPtrArray *edits)
{
	const ImgoptRef *ref = c->ref;

	if (!adds_srcset(c))
		return;
	g_autofree char *set = format_all_widths(c);
	g_autofree char *ins =
		ref->has_sizes ? g_strdup_printf(" srcset=\"%s\"", set)
		: ref->has_width
			? g_strdup_printf(" srcset=\"%s\" sizes=\"(max-width: "
					  "%upx) 100vw, %upx\"",
					  set, c->in->display_width,
					  c->in->display_width)
			: g_strdup_printf(" srcset=\"%s\" sizes=\"%upx\"", set,
					  c->shown_width);
	add_edit(edits, c->text, ref->attr_end, 0, ins);
}

/* A srcset candidate moved to another variant gets that variant's width
 * as its `w` descriptor: the descriptor tells the browser the file's
 * width. */
static void
edit_descriptor(const RefCtx *c, const ImgoptVariant *v, GPtrArray *edits)
{
	gsize pos = c->ref->offset + c->ref->length, digits = 0;
	uint32_t w = srcset_descriptor(c->text, c->len, pos);

	if (w == 0 || w == v->width)
		return;
	while (c->text[pos] == ' ' || c->text[pos] == '\t')
		pos++;
	while (g_ascii_isdigit(c->text[pos + digits]))
		digits++;
	g_autofree char *repl = g_strdup_printf("%u", v->width);
	add_edit(edits, c->text, pos, digits, repl);
}

/* The `![alt]` of a reference-style image's construct: all of it but a
 * trailing `[label]` or `[]` that follows the alt text's `]`. */
static gsize
alt_part_len(const char *s, gsize len)
{
	gsize i = len;

	if (len < 4 || s[len - 1] != ']')
		return len;
	/* A label holds no unescaped bracket: its `[` is the last one. */
	for (i = len - 1; i > 0; i--)
		if (s[i - 1] == '[' && (i < 2 || s[i - 2] != '\\'))
			break;
	if (i < 3 || s[i - 2] != ']')
		return len;
	return i - 1;
}

/* A title for an inline `"title"`. */
static char *
quote_title(const char *title)
{
	GString *out = g_string_new(" \"");

	for (const char *p = title; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\' || *p == '&')
			g_string_append_c(out, '\\');
		g_string_append_c(out, *p);
	}
	g_string_append_c(out, '"');
	return g_string_free(out, FALSE);
}

/* A reference-style image whose definition a link uses too: the image,
 * not the definition, gets the variant, written inline
 * (`![alt][label]` becomes `![alt](variant "title")`). */
static bool
edit_inline_usage(const RefCtx *c, const ImgoptVariant *v, GPtrArray *edits)
{
	const ImgoptRef *ref = c->ref;

	if (ref->construct_length == 0)
		return false;
	ImgoptUrlStyle st = style_of(c, IMGOPT_REF_MARKDOWN);
	g_autofree char *url = imgopt_rewrite_format_url(&st, v->path);
	g_autofree char *title =
		ref->title != NULL ? quote_title(ref->title) : g_strdup("");
	gsize alt = alt_part_len(c->text + ref->construct_offset,
				 ref->construct_length);
	g_autofree char *repl =
		g_strdup_printf("%.*s(%s%s)", (int)alt,
				c->text + ref->construct_offset, url, title);

	add_edit(edits, c->text, ref->construct_offset, ref->construct_length,
		 repl);
	return true;
}

/* Replaces the reference's URL with @url, written as the reference
 * writes its own (a Markdown link's angle brackets or spaces kept). */
static void
replace_url(const RefCtx *c, const char *url, GPtrArray *edits)
{
	const ImgoptRef *ref = c->ref;
	bool is_angle = false;
	g_autofree char *repl =
		ref->kind == IMGOPT_REF_HTML ||
				ref->kind == IMGOPT_REF_SRCSET ||
				ref->kind == IMGOPT_REF_STYLE ||
				ref->kind == IMGOPT_REF_SHORTCODE
			? g_strdup(url)
			: wrap_like_raw(c->text + ref->offset, ref->length, url,
					&is_angle);

	add_edit(edits, c->text, ref->offset, ref->length, repl);
}

/* Builds the edits of one reference; returns the variant it now shows. */
static const ImgoptVariant *
edit_ref(const RefCtx *c, GPtrArray *edits)
{
	const ImgoptRef *ref = c->ref;
	const ImgoptVariant *v = pick_for(c);

	if (v == NULL)
		return NULL;
	if ((ref->kind == IMGOPT_REF_MARKDOWN || ref->is_shared_def) &&
	    c->in->use_srcset && edit_markdown_img(c, v, edits))
		return v;
	v = link_variant(c, v);
	/* A variant that saved nothing: the source stays (or the first copy
	 * of a duplicated source). */
	if (is_copy(c, v) && strcmp(source_path(c), ref->resolved) == 0)
		return NULL;
	if (ref->is_shared_def)
		return edit_inline_usage(c, v, edits) ? v : NULL;
	g_autofree char *url = format_target(c, ref->kind, v);

	replace_url(c, url, edits);
	if (ref->kind == IMGOPT_REF_HTML)
		edit_html_srcset(c, edits);
	if (ref->kind == IMGOPT_REF_SRCSET)
		edit_descriptor(c, v, edits);
	return v;
}

/* How this post writes site paths, for links that resolved nowhere as
 * written: the Liquid prefix or `/` of its first working link. */
static char *
post_fallback(const ImgoptPlanInput *in, const GPtrArray *refs)
{
	const char *base = in->baseurl;

	for (guint i = 0; i < refs->len; i++) {
		const ImgoptRef *ref = g_ptr_array_index(refs, i);
		gsize pre = imgopt_rewrite_liquid_prefix_len(ref->url);

		if (ref->status != IMGOPT_REF_STATUS_OK ||
		    ref->kind == IMGOPT_REF_FRONT_MATTER ||
		    ref->kind == IMGOPT_REF_LIQUID_TAG)
			continue;
		if (pre > 0 && ref->url[pre] == '/' &&
		    strstr(ref->url, "relative_url") == NULL)
			return g_strndup(ref->url, pre + 1);
		if (ref->url[0] == '/' && ref->url[1] != '/')
			break;
	}
	return g_strconcat(base != NULL ? base : "", "/", NULL);
}

static bool
variant_on_disk(const ImgoptPlanInput *in, const ImgoptVariant *v)
{
	g_autofree char *full = g_build_filename(in->root, v->path, NULL);

	return g_file_test(full, G_FILE_TEST_IS_REGULAR);
}

/* The primary format of @now's content (the format of its variants
 * that are not WebP or AVIF), or @now's own if it has none. */
static ImgoptFormat
primary_format(const RefCtx *c, const ImgoptVariant *now)
{
	char hex[IMGOPT_HASH_HEX_LEN + 1];
	const GPtrArray *all = NULL;

	imgopt_hash_format(&now->hash, hex);
	all = g_hash_table_lookup(c->in->variants, hex);
	for (guint i = 0; all != NULL && i < all->len; i++) {
		const ImgoptVariant *v = g_ptr_array_index(all, i);

		if (v->format != IMGOPT_FORMAT_WEBP &&
		    v->format != IMGOPT_FORMAT_AVIF)
			return v->format;
	}
	return now->format;
}

/* The format a link on variant @now is planned from: its own, but for
 * one that follows --link-format and names a WebP or AVIF variant, the
 * content's primary format (the format of its other variants), which
 * link_variant() then turns into the lightest again: a re-run links
 * what the first run linked. */
static ImgoptFormat
relink_format(const RefCtx *c, const ImgoptVariant *now)
{
	if (c->in->link_format == IMGOPT_LINK_ORIGINAL ||
	    !follows_link_format(c) ||
	    (now->format != IMGOPT_FORMAT_WEBP &&
	     now->format != IMGOPT_FORMAT_AVIF))
		return now->format;
	return primary_format(c, now);
}

/* Adds to @vs, the primary-format variants a re-link on @now picks a
 * width from, the variants of @extras a link following --link-format may
 * name at a width @vs lacks: only the variants a run links are kept, so
 * where the first run linked WebP, that width may have no primary variant
 * left.  Only for a link on a WebP or AVIF variant (@now not in @base, the
 * primary format): a link on a primary variant was picked among the
 * primary ones, and an extra at a width the primary lacks was never a
 * link's choice.  Such an extra is there when this run made the content
 * again (a variant file gone): the primary at that width lost to the
 * source, so the extra was matched to an encoding no page shows, and
 * may be heavier than the wider primary variant the link names (a 6.7 kB
 * WebP at 960 px in place of a 3.5 kB JPEG at 1000 px). */
static void
add_linked_widths(const RefCtx *c, const ImgoptVariant *now, ImgoptFormat base,
		  GPtrArray *vs, const GPtrArray *extras)
{
	guint n = vs->len;

	if (c->in->link_format == IMGOPT_LINK_ORIGINAL ||
	    !follows_link_format(c) || now->format == base)
		return;
	for (guint i = 0; i < extras->len; i++) {
		const ImgoptVariant *x = g_ptr_array_index(extras, i);
		bool is_covered = false;

		if (!is_linkable_format(c->in->link_format, x->format) ||
		    *x->path == '\0')
			continue;
		for (guint j = 0; j < n && !is_covered; j++) {
			const ImgoptVariant *v = g_ptr_array_index(vs, j);
			is_covered = v->width == x->width;
		}
		if (!is_covered)
			g_ptr_array_add(vs, (gpointer)x);
	}
}

/* The variants of @now's content in @base, the format a re-link keeps (a
 * <source> of a <picture> its own), in @dir, each on a file: a variant
 * that would be its source's copy has none (its row's path is empty). */
static GPtrArray *
linkable_of(const RefCtx *c, const ImgoptVariant *now, ImgoptFormat base,
	    const char *dir)
{
	GPtrArray *vs = variants_for(c->in, &now->hash, base, false, dir);

	for (guint i = vs->len; i > 0; i--) {
		const ImgoptVariant *o = g_ptr_array_index(vs, i - 1);

		if (o->format != base || *o->path == '\0')
			g_ptr_array_remove_index(vs, i - 1);
	}
	return vs;
}

/* The variant a reference already on a variant file should show instead
 * (another width or these settings' file), or NULL if it is right. */
static const ImgoptVariant *
plan_relink(const RefCtx *c, GPtrArray *edits)
{
	const ImgoptVariant *now =
		g_hash_table_lookup(c->in->variant_of, c->ref->resolved);
	const ImgoptVariant *want = NULL, *v = NULL;

	if (now == NULL || c->ref->kind == IMGOPT_REF_LIQUID_TAG)
		return NULL;
	ImgoptFormat base = relink_format(c, now);
	g_autofree char *dir = variant_dir(c->in, c->ref);
	g_autoptr(GPtrArray) vs = linkable_of(c, now, base, dir);
	RefCtx vc = *c;

	/* A WebP or AVIF link that keeps its format (a srcset candidate)
	 * whose content has no variant of it under these settings (heavier
	 * than the primary at every width now made) moves to the primary. */
	if (vs->len == 0 && primary_format(c, now) != base) {
		base = primary_format(c, now);
		g_ptr_array_unref(vs);
		vs = linkable_of(c, now, base, dir);
	}
	g_autoptr(GPtrArray) extras =
		variants_for(c->in, &now->hash, base, true, dir);

	add_linked_widths(c, now, base, vs, extras);
	vc.variants = vs;
	vc.extras = extras;
	vc.shown_width = now->width;
	want = pick_for(&vc);
	if (want != NULL)
		want = link_variant(&vc, want);
	/* A dry run's new variants exist only in memory. */
	if (want == NULL || strcmp(want->path, c->ref->resolved) == 0 ||
	    (c->in->root != NULL && !variant_on_disk(c->in, want)))
		return NULL;
	v = edit_ref(&vc, edits);
	return v;
}

/* Hexo's tags (scan_tag.c): one names a file by its name in the post
 * asset folder (`{% asset_img x.jpg %}`) or by a site path (`{% img
 * /x.jpg %}`).  Of @vs, keeps only the variants a relative name can
 * reach, those under the post's asset folder (the post's path without
 * its extension); a tag offers no <picture>, so @extras empties. */
static void
keep_tag_reachable(const ImgoptRef *ref, GPtrArray *vs, GPtrArray *extras)
{
	const char *slash = strrchr(ref->post, '/');
	const char *dot = strrchr(slash != NULL ? slash : ref->post, '.');
	g_autofree char *asset =
		dot != NULL ? g_strndup(ref->post, (gsize)(dot - ref->post))
			    : g_strdup(ref->post);

	g_ptr_array_set_size(extras, 0);
	if (ref->url[0] == '/' || g_uri_peek_scheme(ref->url) != NULL)
		return;
	for (guint i = vs->len; i > 0; i--) {
		const ImgoptVariant *v = g_ptr_array_index(vs, i - 1);

		if (!imgopt_fs_is_below(asset, v->path))
			g_ptr_array_remove_index(vs, i - 1);
	}
}

/* A reference repaired by name (broken across lines, a Windows path, a
 * wrong folder) whose content no variant replaces (a GIF kept as it is,
 * an image whose variants all lose to it): its link names the file found,
 * or the page keeps showing a broken image. */
static void
link_repaired(const RefCtx *c, GPtrArray *edits)
{
	const ImgoptRef *ref = c->ref;

	if (ref->is_shared_def || ref->kind == IMGOPT_REF_LIQUID_TAG)
		return;
	g_autofree char *url = format_path(c, ref->kind, NULL, source_path(c));

	replace_url(c, url, edits);
}

/* Plans one reference; edits, if any, go to @edits. */
static ImgoptRefPlan
plan_ref(RefCtx *c, GPtrArray *edits)
{
	const ImgoptRef *ref = c->ref;
	ImgoptRefPlan rp = {ref, IMGOPT_REF_PLAN_UNUSED, NULL, NULL};
	bool is_usable = ref->status == IMGOPT_REF_STATUS_OK ||
			 ref->status == IMGOPT_REF_STATUS_REPAIRED;

	if (!is_usable || ref->resolved == NULL)
		return rp;
	rp.path = ref->resolved;
	/* Pinned: found, never rewritten (a script's string, a computed
	 * Liquid path). */
	if (ref->role == IMGOPT_REF_ROLE_PINNED) {
		rp.kind = is_variant_file(c->in, ref->resolved)
				  ? IMGOPT_REF_PLAN_DONE
				  : IMGOPT_REF_PLAN_KEPT;
		if (rp.kind == IMGOPT_REF_PLAN_DONE && c->in->named != NULL)
			g_hash_table_add(c->in->named, (char *)ref->resolved);
		return rp;
	}
	if (is_variant_file(c->in, ref->resolved)) {
		rp.variant = plan_relink(c, edits);
		if (rp.variant == NULL && c->in->named != NULL)
			g_hash_table_add(c->in->named, (char *)ref->resolved);
		rp.kind = rp.variant != NULL ? IMGOPT_REF_PLAN_REWRITTEN
					     : IMGOPT_REF_PLAN_DONE;
		rp.path = rp.variant != NULL ? rp.variant->path : rp.path;
		return rp;
	}
	const ImgoptAsset *asset =
		g_hash_table_lookup(c->in->files, ref->resolved);

	rp.kind = IMGOPT_REF_PLAN_KEPT;
	if (asset == NULL)
		return rp;
	g_autofree char *dir = variant_dir(c->in, ref);
	g_autoptr(GPtrArray) vs =
		variants_for(c->in, &asset->hash, asset->format, false, dir);
	g_autoptr(GPtrArray) extras =
		variants_for(c->in, &asset->hash, asset->format, true, dir);

	if (ref->kind == IMGOPT_REF_LIQUID_TAG)
		keep_tag_reachable(ref, vs, extras);

	c->variants = vs;
	c->extras = extras;
	c->source = asset;
	c->shown_width = asset->width;
	guint n_edits = edits->len;
	const ImgoptVariant *v = vs->len > 0 ? edit_ref(c, edits) : NULL;

	if (edits->len == n_edits && ref->status == IMGOPT_REF_STATUS_REPAIRED)
		link_repaired(c, edits);
	/* New markup may still show an original, where its variant is a
	 * copy of it. */
	if (edits->len > n_edits)
		rp.kind = IMGOPT_REF_PLAN_REWRITTEN;
	rp.variant = v != NULL && !is_copy(c, v) ? v : NULL;
	if (rp.variant != NULL)
		rp.path = rp.variant->path;
	else if (rp.kind == IMGOPT_REF_PLAN_REWRITTEN)
		rp.path = source_path(c);
	return rp;
}

GArray *
imgopt_rewrite_plan_post(const ImgoptPlanInput *in, const char *text, gsize len,
			 const GPtrArray *refs, GPtrArray *edits)
{
	g_return_val_if_fail(in != NULL && refs != NULL && edits != NULL, NULL);

	GArray *out = g_array_new(false, false, sizeof(ImgoptRefPlan));
	g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
	g_autofree char *fallback = post_fallback(in, refs);

	for (guint i = 0; i < refs->len; i++) {
		const ImgoptRef *ref = g_ptr_array_index(refs, i);
		gpointer key = GSIZE_TO_POINTER(ref->offset + 1);
		RefCtx c = {.text = text,
			    .len = len,
			    .ref = ref,
			    .in = in,
			    .fallback = fallback};

		/* A reference definition used twice is one span, but one a
		 * link uses too is left alone: each image is edited where it
		 * is used. */
		if (!ref->is_shared_def && g_hash_table_contains(seen, key))
			continue;
		g_hash_table_add(seen, key);
		ImgoptRefPlan rp = plan_ref(&c, edits);
		g_array_append_val(out, rp);
	}
	return out;
}
