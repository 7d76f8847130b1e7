/*
 * settings_args.c: the recompression options build, run, check and report
 * share (--widths, --formats, --quality, --target, --max-pixels, and
 * --display-width), turned into ImgoptSettings the same way for all.
 */
#include <string.h>

#include "cli.h"

#define QUALITY_HELP                                                           \
	"encoder quality 1-100 (default 80; with --target, the most used)"
#define TARGET_HELP                                                            \
	"choose each image's quality, up to --quality, to reach this SSIM "    \
	"(default " G_STRINGIFY(IMGOPT_DEFAULT_TARGET) "; 0: fixed --quality)"

void
cli_settings_entries(GOptionEntry *entries, CliSettingsArgs *a)
{
	const GOptionEntry template[CLI_N_SETTINGS_ENTRIES] = {
		{"widths", 0, 0, G_OPTION_ARG_STRING, &a->widths,
		 "variant widths (default " IMGOPT_DEFAULT_WIDTHS ")", "W,W,…"},
		{"formats", 0, 0, G_OPTION_ARG_STRING, &a->formats,
		 "variant formats: jpeg, webp, avif (default jpeg)", "F,…"},
		{"quality", 0, 0, G_OPTION_ARG_INT, &a->quality, QUALITY_HELP,
		 "N"},
		{"target", 0, 0, G_OPTION_ARG_DOUBLE, &a->target, TARGET_HELP,
		 "S"},
		{"max-pixels", 0, 0, G_OPTION_ARG_INT64, &a->max_pixels,
		 "refuse images larger than this (default 100000000)", "N"},
	};

	memcpy(entries, template, sizeof template);
}

void
cli_settings_args_clear(CliSettingsArgs *a)
{
	g_clear_pointer(&a->widths, g_free);
	g_clear_pointer(&a->formats, g_free);
}

bool
cli_settings_make(const CliSettingsArgs *a, const CliCommon *common,
		  ImgoptSettings *settings, GError **error)
{
	const ImgoptSettingsArgs args = {a->widths, a->formats, a->quality,
					 a->target, a->max_pixels};
	g_autoptr(GError) local = NULL;

	imgopt_settings_init(settings);
	settings->jobs = common->jobs;
	if (imgopt_settings_apply_args(settings, &args, &local))
		return true;
	/* a bad option value is a usage error (exit 2) */
	g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    local->message);
	return false;
}

bool
cli_display_width(int value, uint32_t *width_out, GError **error)
{
	if (value < 0 || value > 16383) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--display-width must be from 1 to 16383");
		return false;
	}
	*width_out = value > 0 ? (uint32_t)value : IMGOPT_DEFAULT_DISPLAY_WIDTH;
	return true;
}
