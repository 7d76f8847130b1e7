/*
 * settings.c: what the variants are made with: the defaults, the one
 * check of option values (for imgopt.conf and the command line alike),
 * parsing them, and the fingerprint that keys variants in the manifest.
 */
#include <string.h>

#include "imgopt/error.h"
#include "imgopt/settings.h"

#include "gif.h"
#include "image.h"
#include "jpeg.h"

/* A width above this is no web size; 16383 is also WebP's limit. */
#define MAX_WIDTH 16383

/* Bumped when the variant policy in recompress.c changes its output. */
#define POLICY_VERSION 4

void
imgopt_settings_init(ImgoptSettings *settings)
{
	g_return_if_fail(settings != NULL);

	memset(settings, 0, sizeof(*settings));
	settings->widths = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	const uint32_t defaults[] = {480, 960, 1600};
	g_array_append_vals(settings->widths, defaults, G_N_ELEMENTS(defaults));
	settings->formats = IMGOPT_OUTPUT_JPEG;
	settings->quality = IMGOPT_DEFAULT_QUALITY;
	settings->target = IMGOPT_DEFAULT_TARGET;
	settings->max_pixels = IMGOPT_DEFAULT_MAX_PIXELS;
	settings->jobs = 0;
}

void
imgopt_settings_clear(ImgoptSettings *settings)
{
	if (settings == NULL)
		return;
	g_clear_pointer(&settings->widths, g_array_unref);
}

static int
compare_u32(gconstpointer a, gconstpointer b)
{
	uint32_t x = *(const uint32_t *)a;
	uint32_t y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool
parse_width(const char *item, uint32_t *width_out, GError **error)
{
	guint64 value = 0;
	g_autoptr(GError) local = NULL;

	if (!g_ascii_string_to_unsigned(item, 10, 1, MAX_WIDTH, &value,
					&local)) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_PARSE,
			    "bad width '%s' in --widths: a whole number from "
			    "1 to %d is expected",
			    item, MAX_WIDTH);
		return false;
	}
	*width_out = (uint32_t)value;
	return true;
}

/* Parses one item of a comma-separated option value into @out. */
typedef bool (*ItemFunc)(const char *item, void *out, GError **error);

/* Calls @parse on each item of @text, a comma-separated list, stripped. */
static bool
parse_items(const char *text, ItemFunc parse, void *out, GError **error)
{
	g_auto(GStrv) items = g_strsplit(text, ",", -1);

	for (guint i = 0; items[i] != NULL; i++)
		if (!parse(g_strstrip(items[i]), out, error))
			return false;
	return true;
}

/* Appends the width @item gives to the GArray of uint32_t at @out. */
static bool
add_width(const char *item, void *out, GError **error)
{
	uint32_t width = 0;

	if (!parse_width(item, &width, error))
		return false;
	g_array_append_val((GArray *)out, width);
	return true;
}

bool
imgopt_settings_parse_widths(ImgoptSettings *settings, const char *text,
			     GError **error)
{
	g_return_val_if_fail(settings != NULL && text != NULL, false);
	g_return_val_if_fail(error == NULL || *error == NULL, false);

	g_autoptr(GArray) widths = g_array_new(FALSE, FALSE, sizeof(uint32_t));

	if (!parse_items(text, add_width, widths, error))
		return false;
	if (widths->len == 0) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_PARSE,
			    "--widths needs at least one width");
		return false;
	}
	g_array_sort(widths, compare_u32);
	for (guint i = widths->len - 1; i > 0; i--)
		if (g_array_index(widths, uint32_t, i) ==
		    g_array_index(widths, uint32_t, i - 1))
			g_array_remove_index(widths, i);

	g_clear_pointer(&settings->widths, g_array_unref);
	settings->widths = g_steal_pointer(&widths);
	return true;
}

/* The --formats names, in the order the fingerprint lists them. */
static const struct {
	const char *name;
	ImgoptOutputFormats flag;
} format_names[] = {
	{"jpeg", IMGOPT_OUTPUT_JPEG},
	{"webp", IMGOPT_OUTPUT_WEBP},
	{"avif", IMGOPT_OUTPUT_AVIF},
};

/* Adds the format @item names to the flags at @out (unsigned *). */
static bool
add_format(const char *item, void *out, GError **error)
{
	unsigned *flags = out;
	const char *name = g_ascii_strcasecmp(item, "jpg") == 0 ? "jpeg" : item;

	for (size_t i = 0; i < G_N_ELEMENTS(format_names); i++)
		if (g_ascii_strcasecmp(name, format_names[i].name) == 0) {
			*flags |= format_names[i].flag;
			return true;
		}
	g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_PARSE,
		    "bad format '%s' in --formats: jpeg, webp or avif is "
		    "expected",
		    item);
	return false;
}

bool
imgopt_settings_parse_formats(ImgoptSettings *settings, const char *text,
			      GError **error)
{
	g_return_val_if_fail(settings != NULL && text != NULL, false);
	g_return_val_if_fail(error == NULL || *error == NULL, false);

	unsigned flags = IMGOPT_OUTPUT_JPEG;

	if (!parse_items(text, add_format, &flags, error))
		return false;
	settings->formats = flags;
	return true;
}

/* The --link-format names. */
static const char *const link_names[] = {
	[IMGOPT_LINK_ORIGINAL] = "original",
	[IMGOPT_LINK_AUTO] = "auto",
	[IMGOPT_LINK_WEBP] = "webp",
	[IMGOPT_LINK_AVIF] = "avif",
};

bool
imgopt_settings_parse_link_format(const char *text,
				  ImgoptLinkFormat *format_out, GError **error)
{
	g_return_val_if_fail(text != NULL && format_out != NULL, false);

	for (size_t i = 0; i < G_N_ELEMENTS(link_names); i++)
		if (g_ascii_strcasecmp(text, link_names[i]) == 0) {
			*format_out = (ImgoptLinkFormat)i;
			return true;
		}
	g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_PARSE,
		    "'%s' is not a link format (auto, webp, avif, original)",
		    text);
	return false;
}

const char *
imgopt_settings_link_format_name(ImgoptLinkFormat format)
{
	g_return_val_if_fail((size_t)format < G_N_ELEMENTS(link_names), NULL);
	return link_names[format];
}

unsigned
imgopt_settings_formats_made(const ImgoptSettings *settings)
{
	g_return_val_if_fail(settings != NULL, IMGOPT_OUTPUT_JPEG);

	unsigned made = settings->formats;

	if (settings->link_format != IMGOPT_LINK_ORIGINAL)
		made |= IMGOPT_OUTPUT_WEBP;
	if (settings->link_format == IMGOPT_LINK_AVIF)
		made |= IMGOPT_OUTPUT_AVIF;
	return made;
}

bool
imgopt_settings_apply_args(ImgoptSettings *settings,
			   const ImgoptSettingsArgs *args, GError **error)
{
	g_return_val_if_fail(settings != NULL && args != NULL, false);
	g_return_val_if_fail(error == NULL || *error == NULL, false);

	const char *bad = NULL;

	if (args->widths != NULL &&
	    !imgopt_settings_parse_widths(settings, args->widths, error))
		return false;
	if (args->formats != NULL &&
	    !imgopt_settings_parse_formats(settings, args->formats, error))
		return false;
	if (args->link_format != NULL &&
	    !imgopt_settings_parse_link_format(args->link_format,
					       &settings->link_format, error))
		return false;
	if (args->quality < 0 || args->quality > 100)
		bad = "--quality must be from 1 to 100";
	else if (args->target >= 1)
		bad = "--target is an SSIM below 1, e.g. 0.94 (0: off)";
	else if (args->max_pixels < 0)
		bad = "--max-pixels must be positive";
	if (bad != NULL) {
		g_set_error_literal(error, IMGOPT_ERROR, IMGOPT_ERROR_PARSE,
				    bad);
		return false;
	}
	if (args->quality != 0)
		settings->quality = args->quality;
	if (args->target >= 0)
		settings->target = args->target;
	if (args->max_pixels > 0)
		settings->max_pixels = (uint64_t)args->max_pixels;
	return true;
}

char *
imgopt_settings_format_formats(const ImgoptSettings *settings)
{
	g_return_val_if_fail(settings != NULL, NULL);

	g_autoptr(GString) text = g_string_new(NULL);
	unsigned made = imgopt_settings_formats_made(settings);

	for (size_t i = 0; i < G_N_ELEMENTS(format_names); i++)
		if (made & format_names[i].flag)
			g_string_append_printf(text, "%s%s",
					       text->len ? "," : "",
					       format_names[i].name);
	return g_string_free(g_steal_pointer(&text), FALSE);
}

char *
imgopt_settings_fingerprint(const ImgoptSettings *settings)
{
	g_return_val_if_fail(settings != NULL, NULL);

	g_autoptr(GString) text = g_string_new(NULL);
	g_autofree char *formats = imgopt_settings_format_formats(settings);
	char target[G_ASCII_DTOSTR_BUF_SIZE];

	g_string_append_printf(text, "v%d;w=", POLICY_VERSION);
	for (guint i = 0; i < settings->widths->len; i++)
		g_string_append_printf(
			text, "%s%u", i ? "," : "",
			g_array_index(settings->widths, uint32_t, i));
	g_ascii_formatd(target, sizeof(target), "%.4f", settings->target);
	g_string_append_printf(text, ";f=%s;q=%d;t=%s", formats,
			       settings->quality,
			       settings->target > 0 ? target : "0");
	/* links may name WebP or AVIF: those are matched to the primary
	 * variant's quality (recompress.c), other bytes than before; 2: at
	 * the primary's quality plus an offset, not by a bisection */
	if (settings->link_format != IMGOPT_LINK_ORIGINAL)
		g_string_append(text, ";l=matched3");
	g_string_append_printf(text, ";vips=%s;jpeg=%s;gif=%s",
			       imgopt_vips_version(), imgopt_jpeg_version(),
			       imgopt_gif_version());
	return g_string_free(g_steal_pointer(&text), FALSE);
}

/* ---- option values, as imgopt.conf and the command line give them ---- */

static bool
bad(GError **error, const char *value, const char *what)
{
	g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_PARSE, "'%s' is not %s",
		    value, what);
	return false;
}

static bool
check_uint(const char *value, guint64 min, guint64 max, const char *what,
	   GError **error)
{
	guint64 n = 0;

	if (!g_ascii_string_to_unsigned(value, 10, min, max, &n, NULL))
		return bad(error, value, what);
	return true;
}

static bool
check_list(const char *value, bool is_widths, GError **error)
{
	static const char *const formats[] = {"jpeg", "jpg", "webp", "avif"};
	g_auto(GStrv) items = g_strsplit(value, ",", -1);

	if (items[0] == NULL) /* "" */
		return bad(error, value,
			   is_widths ? "a list of widths"
				     : "a list of formats");
	for (int i = 0; items[i] != NULL; i++) {
		g_autofree char *it = g_strstrip(g_strdup(items[i]));
		bool is_ok = false;

		if (is_widths) {
			if (!check_uint(it, 1, MAX_WIDTH, "a width", error))
				return false;
			continue;
		}
		for (size_t k = 0; k < G_N_ELEMENTS(formats); k++)
			is_ok = is_ok ||
				g_ascii_strcasecmp(it, formats[k]) == 0;
		if (!is_ok)
			return bad(error, it, "a format (jpeg, webp, avif)");
	}
	return true;
}

bool
imgopt_settings_check_value(const char *key, const char *value, GError **error)
{
	double d = 0;
	char *end = NULL;

	g_return_val_if_fail(key != NULL && value != NULL, false);
	if (strcmp(key, "widths") == 0)
		return check_list(value, true, error);
	if (strcmp(key, "formats") == 0)
		return check_list(value, false, error);
	if (strcmp(key, "quality") == 0)
		return check_uint(value, 1, 100, "a quality from 1 to 100",
				  error);
	if (strcmp(key, "display-width") == 0)
		return check_uint(value, 1, MAX_WIDTH, "a width", error);
	if (strcmp(key, "jobs") == 0)
		return check_uint(value, 0, 4096, "a number of jobs", error);
	if (strcmp(key, "max-pixels") == 0)
		return check_uint(value, 1, G_MAXINT64, "a pixel count", error);
	if (strcmp(key, "manifest") == 0 && value[0] == '\0')
		return bad(error, value, "a file name");
	if (strcmp(key, "link-format") == 0) {
		ImgoptLinkFormat format = IMGOPT_LINK_AUTO;
		return imgopt_settings_parse_link_format(value, &format, error);
	}
	if (strcmp(key, "target") == 0) {
		d = g_ascii_strtod(value, &end);
		/* written so that NaN fails too */
		if (end == value || *end != '\0' || !(d >= 0 && d < 1))
			return bad(error, value, "an SSIM target below 1");
	}
	return true;
}
