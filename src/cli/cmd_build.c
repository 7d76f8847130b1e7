/*
 * cmd_build.c: `imgopt build POSTS IMAGES`: parses the options, runs the
 * build job (imgopt_build_site(), build.h: the web-size variants of each
 * distinct referenced content into IMAGES/optimized/, recorded in the
 * manifest; posts are not touched) and prints what it made.  Exit 1 if an
 * image failed.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#include "imgopt/build.h"

/* The options of build beyond the common ones. */
typedef struct {
	char *widths;      /* --widths */
	char *formats;     /* --formats */
	int quality;       /* --quality, 0 = default */
	double target;     /* --target, < 0 = not given, 0 = off */
	gint64 max_pixels; /* --max-pixels, 0 = default */
} BuildArgs;

static void
build_args_clear(BuildArgs *a)
{
	g_clear_pointer(&a->widths, g_free);
	g_clear_pointer(&a->formats, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(BuildArgs, build_args_clear)

/* What the run reports back, for the summary. */
typedef struct {
	const CliCommon *common;        /* --json, --verbose, --quiet */
	GPtrArray *failures;            /* "path\tmessage" strings */
	GPtrArray *variants;            /* ImgoptVariant copies, for --json */
	const ImgoptBuildResult *built; /* the canonical copies, once built */
	CliProgress *progress;          /* hashing and encoding, on stderr */
} BuildOut;

static bool
make_settings(const BuildArgs *a, const CliCommon *common,
	      ImgoptSettings *settings, GError **error)
{
	const ImgoptSettingsArgs args = {a->widths, a->formats, a->quality,
					 a->target, a->max_pixels};
	g_autoptr(GError) local = NULL;

	settings->jobs = common->jobs;
	if (imgopt_settings_apply_args(settings, &args, &local))
		return true;
	/* a bad option value is a usage error (exit 2) */
	g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    local->message);
	return false;
}

static void
on_variant(const ImgoptVariant *variant, bool is_cached, void *user_data)
{
	BuildOut *out = user_data;

	g_ptr_array_add(out->variants, imgopt_variant_copy(variant));
	cli_progress_clear(out->progress);
	if (out->common->verbose && !out->common->json)
		printf("%s %s (%ux%u, %" G_GUINT64_FORMAT " bytes)\n",
		       is_cached ? "kept" : "wrote", variant->path,
		       variant->width, variant->height, variant->bytes);
}

static void
on_progress(uint64_t done, uint64_t total, uint64_t bytes, void *user_data)
{
	BuildOut *out = user_data;

	cli_progress_update(out->progress, "encode", done, total, bytes);
}

static void
on_failure(const ImgoptAsset *asset, const GError *error, void *user_data)
{
	BuildOut *out = user_data;

	g_ptr_array_add(out->failures,
			g_strdup_printf("%s\t%s", asset->path, error->message));
	cli_progress_clear(out->progress);
	if (!out->common->json)
		fprintf(stderr, "imgopt: %s\n", error->message);
}

static void
add_variant_json(JsonBuilder *b, const BuildOut *out, const ImgoptVariant *v)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "path");
	json_builder_add_string_value(b, v->path);
	json_builder_set_member_name(b, "source");
	json_builder_add_string_value(
		b, imgopt_build_result_source(out->built, &v->hash));
	json_builder_set_member_name(b, "format");
	json_builder_add_string_value(b, imgopt_format_name(v->format));
	json_builder_set_member_name(b, "width");
	json_builder_add_int_value(b, v->width);
	json_builder_set_member_name(b, "height");
	json_builder_add_int_value(b, v->height);
	json_builder_set_member_name(b, "bytes");
	json_builder_add_int_value(b, (gint64)v->bytes);
	json_builder_end_object(b);
}

static int
compare_variant_path(gconstpointer a, gconstpointer b)
{
	return strcmp((*(ImgoptVariant *const *)a)->path,
		      (*(ImgoptVariant *const *)b)->path);
}

/* Every variant of the referenced contents (written or kept), sorted by
 * path, with the canonical copy of its source. */
static void
add_variants_json(JsonBuilder *b, const BuildOut *out)
{
	g_ptr_array_sort(out->variants, compare_variant_path);
	json_builder_set_member_name(b, "variants");
	json_builder_begin_array(b);
	for (guint i = 0; i < out->variants->len; i++)
		add_variant_json(b, out, g_ptr_array_index(out->variants, i));
	json_builder_end_array(b);
}

static void
print_json(const ImgoptRecompressSummary *s, const BuildOut *out)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	const struct {
		const char *name;
		uint64_t value;
	} counts[] = {
		{"sources", s->n_sources},
		{"encoded", s->n_encoded},
		{"cached", s->n_cached},
		{"failed", s->n_failed},
		{"written", s->n_written},
		{"bytes_source", s->bytes_source},
		{"bytes_output", s->bytes_output},
	};

	json_builder_begin_object(b);
	for (size_t i = 0; i < G_N_ELEMENTS(counts); i++) {
		json_builder_set_member_name(b, counts[i].name);
		json_builder_add_int_value(b, (gint64)counts[i].value);
	}
	json_builder_set_member_name(b, "failures");
	json_builder_begin_array(b);
	for (guint i = 0; i < out->failures->len; i++) {
		g_auto(GStrv) parts = g_strsplit(
			g_ptr_array_index(out->failures, i), "\t", 2);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "path");
		json_builder_add_string_value(b, parts[0]);
		json_builder_set_member_name(b, "message");
		json_builder_add_string_value(b, parts[1]);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	add_variants_json(b, out);
	json_builder_end_object(b);
	cli_json_print(b);
}

static void
print_summary(const ImgoptRecompressSummary *s, const BuildOut *out)
{
	if (out->common->json) {
		print_json(s, out);
		return;
	}
	if (out->common->quiet)
		return;
	printf("%u distinct images: %u encoded, %u up to date, %u failed; "
	       "%u variant files written (%" G_GUINT64_FORMAT " bytes from "
	       "%" G_GUINT64_FORMAT ")\n",
	       s->n_sources, s->n_encoded, s->n_cached, s->n_failed,
	       s->n_written, s->bytes_output, s->bytes_source);
}

static bool
build(const CliCommon *common, const ImgoptSettings *settings, BuildOut *out,
      ImgoptBuildResult *built, GError **error)
{
	g_autoptr(ImgoptSite) site = cli_open_site(common, error);
	if (site == NULL || !cli_lock_site(common, site, error))
		return false;
	g_autofree char *db = common->manifest != NULL
				      ? g_strdup(common->manifest)
				      : imgopt_manifest_default_path(
						imgopt_site_get_root(site));
	g_autoptr(ImgoptManifest) manifest = imgopt_manifest_open(db, error);
	if (manifest == NULL)
		return false;
	g_autoptr(CliProgress) progress = cli_progress_new(common->quiet);
	out->progress = progress;
	ImgoptReporter reporter = {cli_progress_reporter_callback, NULL,
				   progress};
	ImgoptRecompressReporter encode = {on_variant, on_failure, out,
					   on_progress};
	bool is_ok = imgopt_build_site(site, manifest, settings, &reporter,
				       &encode, built, error);
	out->progress = NULL;
	return is_ok;
}

int
cli_cmd_build(const char *name, int argc, char **argv)
{
	g_auto(BuildArgs) a = {.target = -1};
	const GOptionEntry entries[] = {
		{"widths", 0, 0, G_OPTION_ARG_STRING, &a.widths,
		 "variant widths (default " IMGOPT_DEFAULT_WIDTHS ")", "W,W,…"},
		{"formats", 0, 0, G_OPTION_ARG_STRING, &a.formats,
		 "variant formats: jpeg, webp, avif (default jpeg)", "F,…"},
		{"quality", 0, 0, G_OPTION_ARG_INT, &a.quality,
		 "encoder quality 1-100 (default 80; with --target, the most "
		 "used)",
		 "N"},
		{"target", 0, 0, G_OPTION_ARG_DOUBLE, &a.target,
		 "choose each image's quality, up to --quality, to reach this "
		 "SSIM (default " G_STRINGIFY(
			 IMGOPT_DEFAULT_TARGET) "; 0: "
						"fixed --quality)",
		 "S"},
		{"max-pixels", 0, 0, G_OPTION_ARG_INT64, &a.max_pixels,
		 "refuse images larger than this (default 100000000)", "N"},
		G_OPTION_ENTRY_NULL,
	};
	g_auto(CliCommon) common = {0};
	int exit_code = CLI_EXIT_OK;

	if (!cli_parse(name, "POSTS IMAGES",
		       "Makes the web-size variants of every referenced image "
		       "into IMAGES/" IMGOPT_OUTPUT_DIR "/.",
		       entries, 2, 2, &common, argc, argv, &exit_code))
		return exit_code;
	g_auto(ImgoptSettings) settings = {0};
	imgopt_settings_init(&settings);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) failures = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) variants = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_variant_free);
	BuildOut out = {&common, failures, variants, NULL, NULL};
	g_auto(ImgoptBuildResult) built = {0};
	if (!make_settings(&a, &common, &settings, &error) ||
	    !build(&common, &settings, &out, &built, &error))
		return cli_fail(error);
	out.built = &built;
	print_summary(&built.summary, &out);
	return built.summary.n_failed > 0 ? CLI_EXIT_ITEMS : CLI_EXIT_OK;
}
