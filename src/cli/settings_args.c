/*
 * settings_args.c: the recompression options build, run, check and report
 * share (--widths, --formats, --quality, --target, --max-pixels,
 * --link-format and --display-width), turned into ImgoptSettings the same way
 * for all.
 */
#include <string.h>

#include "cli.h"

#define QUALITY_HELP                                                           \
	"encoder quality 1-100 (default 80; with --target, the most used)"
#define TARGET_HELP                                                            \
	"choose each image's quality, up to --quality, to reach this SSIM "    \
	"(default " G_STRINGIFY(IMGOPT_DEFAULT_TARGET) "; 0: fixed --quality)"

#define LINK_FORMAT_HELP                                                       \
	"the format links name: auto (WebP where lighter at the same "         \
	"quality), webp, avif (the lightest), original (default auto)"

void
cli_settings_entries(GOptionEntry *entries, CliSettingsArgs *a)
{
	const GOptionEntry template[CLI_N_SETTINGS_ENTRIES] = {
		{"widths", 0, 0, G_OPTION_ARG_STRING, &a->widths,
		 "variant widths (default " IMGOPT_DEFAULT_WIDTHS ")", "W,W,…"},
		{"formats", 0, 0, G_OPTION_ARG_STRING, &a->formats,
		 "variant formats: jpeg, webp, avif (default jpeg)", "F,…"},
		{"quality", 0, 0, G_OPTION_ARG_STRING, &a->quality,
		 QUALITY_HELP, "N"},
		{"target", 0, 0, G_OPTION_ARG_STRING, &a->target, TARGET_HELP,
		 "S"},
		{"max-pixels", 0, 0, G_OPTION_ARG_STRING, &a->max_pixels,
		 "refuse images larger than this (default 100000000)", "N"},
		{"link-format", 0, 0, G_OPTION_ARG_STRING, &a->link_format,
		 LINK_FORMAT_HELP, "F"},
	};

	memcpy(entries, template, sizeof template);
}

void
cli_settings_args_clear(CliSettingsArgs *a)
{
	g_clear_pointer(&a->widths, g_free);
	g_clear_pointer(&a->formats, g_free);
	g_clear_pointer(&a->quality, g_free);
	g_clear_pointer(&a->target, g_free);
	g_clear_pointer(&a->max_pixels, g_free);
	g_clear_pointer(&a->link_format, g_free);
}

bool
cli_check_option(const char *name, const char *text, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (text == NULL || imgopt_settings_check_value(name, text, &local))
		return true;
	/* a bad option value is a usage error (exit 2) */
	g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--%s: %s",
		    name, local->message);
	return false;
}

bool
cli_settings_make(const CliSettingsArgs *a, const CliCommon *common,
		  ImgoptSettings *settings, GError **error)
{
	const char *const given[][2] = {
		{"widths", a->widths},         {"formats", a->formats},
		{"quality", a->quality},       {"target", a->target},
		{"max-pixels", a->max_pixels}, {"link-format", a->link_format},
	};
	g_autoptr(GError) local = NULL;

	imgopt_settings_init(settings);
	settings->jobs = common->jobs;
	/* the library keeps today's links; the command line lightens them */
	settings->link_format = IMGOPT_DEFAULT_LINK_FORMAT;
	for (size_t i = 0; i < G_N_ELEMENTS(given); i++)
		if (!cli_check_option(given[i][0], given[i][1], error))
			return false;
	/* checked: the numbers parse, and are in range */
	const ImgoptSettingsArgs args = {
		a->widths,
		a->formats,
		a->quality ? (int)g_ascii_strtoll(a->quality, NULL, 10) : 0,
		a->target ? g_ascii_strtod(a->target, NULL) : -1,
		a->max_pixels ? g_ascii_strtoll(a->max_pixels, NULL, 10) : 0,
		a->link_format};
	if (imgopt_settings_apply_args(settings, &args, &local))
		return true;
	g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    local->message);
	return false;
}

bool
cli_display_width(const char *text, uint32_t *width_out, GError **error)
{
	if (!cli_check_option("display-width", text, error))
		return false;
	*width_out = text != NULL ? (uint32_t)g_ascii_strtoull(text, NULL, 10)
				  : IMGOPT_DEFAULT_DISPLAY_WIDTH;
	return true;
}
