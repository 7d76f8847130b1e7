/*
 * test_types.c: hash hex round trips and the name tables.
 */
#include "imgopt/imgopt.h"

#include <string.h>

static void
test_hash_roundtrip(void)
{
	ImgoptHash h, back;
	char hex[IMGOPT_HASH_HEX_LEN + 1];

	for (int i = 0; i < 16; i++)
		h.bytes[i] = (uint8_t)(i * 17 + 3);
	imgopt_hash_format(&h, hex);
	g_assert_cmpuint(strlen(hex), ==, 32);
	g_assert_cmpstr(hex, ==, "031425364758697a8b9cadbecfe0f102");
	g_assert_true(imgopt_hash_parse(hex, &back));
	g_assert_true(imgopt_hash_equal(&h, &back));
}

static void
test_hash_parse_rejects(void)
{
	ImgoptHash h = {{0}};

	g_assert_false(imgopt_hash_parse("", &h));
	g_assert_false(
		imgopt_hash_parse("031425364758697a8b9cadbecfe0f10", &h));
	g_assert_false(
		imgopt_hash_parse("031425364758697a8b9cadbecfe0f1022", &h));
	g_assert_false(
		imgopt_hash_parse("g31425364758697a8b9cadbecfe0f102", &h));
	g_assert_false(imgopt_hash_parse(NULL, &h));
	g_assert_true(
		imgopt_hash_parse("031425364758697A8B9CADBECFE0F102", &h));
	g_assert_cmpuint(h.bytes[7], ==, 0x7a);
}

static void
test_names(void)
{
	g_assert_cmpstr(imgopt_ref_kind_name(IMGOPT_REF_MARKDOWN_REF), ==,
			"markdown-ref");
	g_assert_cmpstr(imgopt_ref_kind_name(IMGOPT_REF_FRONT_MATTER), ==,
			"front-matter");
	g_assert_cmpstr(imgopt_ref_kind_name(IMGOPT_REF_LIQUID_TAG), ==,
			"liquid-tag");
	g_assert_cmpstr(imgopt_ref_kind_name(IMGOPT_REF_SHORTCODE), ==,
			"shortcode");
	g_assert_cmpstr(imgopt_ref_status_name(IMGOPT_REF_STATUS_REPAIRED), ==,
			"repaired");
	g_assert_cmpstr(imgopt_ref_status_name(IMGOPT_REF_STATUS_OUTSIDE), ==,
			"outside");
	g_assert_cmpstr(imgopt_format_name(IMGOPT_FORMAT_WEBP), ==, "webp");
	g_assert_cmpstr(imgopt_format_name(IMGOPT_FORMAT_UNKNOWN), ==,
			"unknown");
}

static void
test_ref_free_null(void)
{
	g_autoptr(ImgoptRef) ref = imgopt_ref_new();

	imgopt_ref_free(NULL);
	ref->url = g_strdup("x");
	g_assert_cmpint(ref->status, ==, IMGOPT_REF_STATUS_UNRESOLVED);
}

static void
test_error_quark(void)
{
	g_autoptr(GError) e =
		g_error_new(IMGOPT_ERROR, IMGOPT_ERROR_DECODE, "x");

	g_assert_error(e, IMGOPT_ERROR, IMGOPT_ERROR_DECODE);
	g_assert_cmpstr(g_quark_to_string(IMGOPT_ERROR), ==,
			"imgopt-error-quark");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/types/hash-roundtrip", test_hash_roundtrip);
	g_test_add_func("/types/hash-parse-rejects", test_hash_parse_rejects);
	g_test_add_func("/types/names", test_names);
	g_test_add_func("/types/ref-free-null", test_ref_free_null);
	g_test_add_func("/types/error-quark", test_error_quark);
	return g_test_run();
}
