/*
 * cmd_build.c: `imgopt build POSTS IMAGES`: stage 4 alone.  Indexes the
 * images the posts reference, and makes the web-size variants of each
 * distinct content into IMAGES/optimized/, recorded in the manifest.
 * Posts are not touched (that is `run`).  Exit 1 if an image failed.
 * --shard I/N makes only the variants of the contents in shard I (see
 * ImgoptShard in build.h), for a first build split across machines.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#include "imgopt/build.h"

/* What the run reports back, for the summary. */
typedef struct {
	const CliCommon *common;        /* --json, --verbose, --quiet */
	GPtrArray *failures;            /* "path\tmessage" strings */
	GPtrArray *variants;            /* ImgoptVariant copies, for --json */
	const ImgoptBuildResult *built; /* the canonical copies, once built */
	CliProgress *progress;          /* hashing and encoding, on stderr */
} BuildOut;

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
add_variant_json(CliJson *b, const BuildOut *out, const ImgoptVariant *v)
{
	cli_json_begin(b, CLI_JSON_OBJECT, NULL);
	cli_json_add_string(b, "path", v->path);
	cli_json_add_string(b, "source",
			    imgopt_build_result_source(out->built, &v->hash));
	cli_json_add_string(b, "format", imgopt_format_name(v->format));
	cli_json_add_int(b, "width", v->width);
	cli_json_add_int(b, "height", v->height);
	cli_json_add_int(b, "bytes", (gint64)v->bytes);
	cli_json_end(b);
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
add_variants_json(CliJson *b, const BuildOut *out)
{
	g_ptr_array_sort(out->variants, compare_variant_path);
	cli_json_begin(b, CLI_JSON_ARRAY, "variants");
	for (guint i = 0; i < out->variants->len; i++)
		add_variant_json(b, out, g_ptr_array_index(out->variants, i));
	cli_json_end(b);
}

static void
print_json(const ImgoptRecompressSummary *s, const BuildOut *out)
{
	g_autoptr(CliJson) b = cli_json_new();
	const struct {
		const char *name;
		uint64_t value;
	} counts[] = {
		{"sources", s->n_sources},
		{"encoded", s->n_encoded},
		{"cached", s->n_cached},
		{"reused", s->n_reused},
		{"failed", s->n_failed},
		{"written", s->n_written},
		{"bytes_source", s->bytes_source},
		{"bytes_output", s->bytes_output},
	};

	cli_json_begin(b, CLI_JSON_OBJECT, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(counts); i++) {
		cli_json_add_int(b, counts[i].name, (gint64)counts[i].value);
	}
	cli_json_begin(b, CLI_JSON_ARRAY, "failures");
	for (guint i = 0; i < out->failures->len; i++) {
		g_auto(GStrv) parts = g_strsplit(
			g_ptr_array_index(out->failures, i), "\t", 2);
		cli_json_begin(b, CLI_JSON_OBJECT, NULL);
		cli_json_add_string(b, "path", parts[0]);
		cli_json_add_string(b, "message", parts[1]);
		cli_json_end(b);
	}
	cli_json_end(b);
	add_variants_json(b, out);
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
	g_autofree char *reused =
		s->n_reused > 0
			? g_strdup_printf(" (%u verified on disk)", s->n_reused)
			: g_strdup("");
	printf("%u distinct images: %u encoded, %u up to date%s, %u failed; "
	       "%u variant files written (%" G_GUINT64_FORMAT " bytes from "
	       "%" G_GUINT64_FORMAT ")\n",
	       s->n_sources, s->n_encoded, s->n_cached, reused, s->n_failed,
	       s->n_written, s->bytes_output, s->bytes_source);
}

/* --shard I/N (NULL: the whole build) into @shard; a bad value is a
 * usage error. */
static bool
parse_shard(const char *text, ImgoptShard *shard, GError **error)
{
	g_autoptr(GError) local = NULL;

	*shard = (ImgoptShard){0, 1};
	if (text == NULL || imgopt_shard_parse(text, shard, &local))
		return true;
	g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    local->message);
	return false;
}

static bool
build(const CliCommand *cmd, const CliCommon *common,
      const ImgoptSettings *settings, const ImgoptShard *shard, BuildOut *out,
      ImgoptBuildResult *built, GError **error)
{
	g_auto(CliContext) ctx = {0};
	if (!cli_open(cmd->needs, common, &ctx, error))
		return false;
	g_autoptr(CliProgress) progress = cli_progress_new(common->quiet);
	out->progress = progress;
	ImgoptObserver observer = {cli_progress_observer_callback, NULL,
				   progress};
	ImgoptRecompressObserver encode = {on_variant, on_failure, out,
					   on_progress};
	bool is_ok = imgopt_build_shard(ctx.site, ctx.manifest, settings, shard,
					&observer, &encode, built, error);
	out->progress = NULL;
	return is_ok;
}

int
cli_cmd_build(const CliCommand *cmd, int argc, char **argv)
{
	g_auto(CliSettingsArgs) a = {0};
	g_autofree char *shard_text = NULL;
	GOptionEntry entries[CLI_N_SETTINGS_ENTRIES + 2] = {0};
	g_auto(CliCommon) common = {0};
	int exit_code = CLI_EXIT_OK;
	ImgoptShard shard = {0, 1};

	cli_settings_entries(entries, &a);
	entries[CLI_N_SETTINGS_ENTRIES] = (GOptionEntry){
		"shard",
		0,
		0,
		G_OPTION_ARG_STRING,
		&shard_text,
		"encode only the contents of shard I of N (0 <= I < N), by "
		"content hash",
		"I/N"};
	if (!cli_parse(cmd->name, "POSTS IMAGES",
		       "Makes the web-size variants of every referenced image "
		       "into IMAGES/" IMGOPT_OUTPUT_DIR "/.",
		       entries, 2, 2, &common, argc, argv, &exit_code))
		return exit_code;
	g_auto(ImgoptSettings) settings = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) failures = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) variants = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_variant_free);
	BuildOut out = {&common, failures, variants, NULL, NULL};
	g_auto(ImgoptBuildResult) built = {0};
	if (!parse_shard(shard_text, &shard, &error) ||
	    !cli_settings_make(&a, &common, &settings, &error) ||
	    !build(cmd, &common, &settings, &shard, &out, &built, &error))
		return cli_fail(error);
	out.built = &built;
	print_summary(&built.summary, &out);
	return built.summary.n_failed > 0 ? CLI_EXIT_ITEMS : CLI_EXIT_OK;
}
