/*
 * test_plan_site.c: planning the references of the site's other files:
 * a stylesheet's url() and a config value (no display width) get the
 * widest variant, written in the file's own style (relative to the
 * stylesheet's folder, root-relative for the config), the bytes around
 * them unchanged; a pinned reference is never rewritten.
 */
#include <string.h>

#include "imgopt/imgopt.h"
#include "testutil.h"

/* img/x.jpg (hash 22…) with JPEG variants 480, 960 and 1600 px wide. */
typedef struct {
	GHashTable *files;      /* path → ImgoptAsset */
	GHashTable *variants;   /* hex → GPtrArray of ImgoptVariant */
	GHashTable *variant_of; /* variant path → ImgoptVariant */
	ImgoptPlanInput in;
} Site;

static void
site_init(Site *s)
{
	static const uint32_t widths[] = {480, 960, 1600};
	ImgoptAsset *a = imgopt_asset_new("img/x.jpg");
	GPtrArray *vs = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_variant_free);

	memset(a->hash.bytes, 0x22, sizeof a->hash.bytes);
	a->format = IMGOPT_FORMAT_JPEG;
	s->files = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					 (GDestroyNotify)imgopt_asset_free);
	g_hash_table_insert(s->files, a->path, a);
	s->variant_of = g_hash_table_new(g_str_hash, g_str_equal);
	for (gsize i = 0; i < G_N_ELEMENTS(widths); i++) {
		ImgoptVariant *v = imgopt_variant_new();

		v->hash = a->hash;
		v->format = IMGOPT_FORMAT_JPEG;
		v->width = widths[i];
		v->path = g_strdup_printf("img/optimized/x-%u.jpg", widths[i]);
		g_ptr_array_add(vs, v);
		g_hash_table_insert(s->variant_of, v->path, v);
	}
	s->variants = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    (GDestroyNotify)g_ptr_array_unref);
	g_hash_table_insert(s->variants,
			    g_strdup("22222222222222222222222222222222"), vs);
	s->in = (ImgoptPlanInput){.out_dir = "img/optimized",
				  .files = s->files,
				  .variants = s->variants,
				  .variant_of = s->variant_of,
				  .display_width = 480,
				  .banner_width = 1600};
}

static void
site_clear(Site *s)
{
	g_hash_table_unref(s->variant_of);
	g_hash_table_unref(s->variants);
	g_hash_table_unref(s->files);
}

/* One reference of @file: the span @url in @text, resolved to img/x.jpg,
 * of @kind in a file of @referrer kind with @role. */
static ImgoptRef *
ref_new(const char *file, const char *text, const char *url, ImgoptRefKind kind,
	ImgoptReferrerKind referrer, ImgoptRefRole role)
{
	ImgoptRef *r = imgopt_ref_new();
	const char *at = strstr(text, url);

	g_assert_nonnull(at);
	r->post = g_strdup(file);
	r->offset = (gsize)(at - text);
	r->construct_offset = r->offset;
	r->length = r->construct_length = strlen(url);
	r->raw = g_strdup(url);
	r->url = g_strdup(url);
	r->kind = kind;
	r->referrer = referrer;
	r->role = role;
	r->status = IMGOPT_REF_STATUS_OK;
	r->resolved = g_strdup("img/x.jpg");
	return r;
}

/* Plans @ref in @text and returns the text with its edits applied. */
static char *
plan_one(const Site *s, const char *text, ImgoptRef *ref,
	 ImgoptRefPlanKind *kind_out)
{
	g_autoptr(GPtrArray) refs =
		g_ptr_array_new_with_free_func((GDestroyNotify)imgopt_ref_free);
	g_autoptr(GPtrArray) edits = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_edit_free);
	g_autoptr(GError) error = NULL;

	g_ptr_array_add(refs, ref);
	g_autoptr(GArray) plans = imgopt_rewrite_plan_post(
		&s->in, text, strlen(text), refs, edits);
	*kind_out = g_array_index(plans, ImgoptRefPlan, 0).kind;
	if (edits->len == 0)
		return g_strdup(text);
	g_autoptr(GBytes) out =
		imgopt_rewrite_text(text, strlen(text), edits, &error);
	g_assert_no_error(error);
	return g_strndup(g_bytes_get_data(out, NULL), g_bytes_get_size(out));
}

static void
test_stylesheet_widest(void)
{
	const char *text = "/* hero */\nbody {\n  background: "
			   "url(../img/x.jpg) no-repeat;\n}\n";
	Site s;
	ImgoptRefPlanKind kind;

	site_init(&s);
	g_autofree char *out = plan_one(
		&s, text,
		ref_new("css/site.css", text, "../img/x.jpg", IMGOPT_REF_STYLE,
			IMGOPT_REFERRER_STYLESHEET, IMGOPT_REF_ROLE_REWRITABLE),
		&kind);
	g_assert_cmpint(kind, ==, IMGOPT_REF_PLAN_REWRITTEN);
	g_assert_cmpstr(out, ==,
			"/* hero */\nbody {\n  background: "
			"url(../img/optimized/x-1600.jpg) no-repeat;\n}\n");
	site_clear(&s);
}

static void
test_config_widest(void)
{
	const char *text = "title: t\nheader-img: img/x.jpg\nbaseurl: \"\"\n";
	Site s;
	ImgoptRefPlanKind kind;

	site_init(&s);
	g_autofree char *out = plan_one(
		&s, text,
		ref_new("_config.yml", text, "img/x.jpg",
			IMGOPT_REF_FRONT_MATTER, IMGOPT_REFERRER_CONFIG,
			IMGOPT_REF_ROLE_REWRITABLE),
		&kind);
	g_assert_cmpint(kind, ==, IMGOPT_REF_PLAN_REWRITTEN);
	g_assert_cmpstr(out, ==,
			"title: t\nheader-img: img/optimized/x-1600.jpg\n"
			"baseurl: \"\"\n");
	site_clear(&s);
}

static void
test_pinned_kept(void)
{
	const char *text = "var cache = [\"/img/x.jpg\", \"/\"];\n";
	Site s;
	ImgoptRefPlanKind kind;

	site_init(&s);
	g_autofree char *out = plan_one(
		&s, text,
		ref_new("sw.js", text, "/img/x.jpg", IMGOPT_REF_HTML,
			IMGOPT_REFERRER_SCRIPT, IMGOPT_REF_ROLE_PINNED),
		&kind);
	g_assert_cmpint(kind, ==, IMGOPT_REF_PLAN_KEPT);
	g_assert_cmpstr(out, ==, text);
	site_clear(&s);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/plan-site/stylesheet-gets-widest",
			test_stylesheet_widest);
	g_test_add_func("/plan-site/config-gets-widest", test_config_widest);
	g_test_add_func("/plan-site/pinned-never-rewritten", test_pinned_kept);
	return g_test_run();
}
