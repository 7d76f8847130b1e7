/*
 * types.c: free functions and name tables for the value types of types.h,
 * and the error quark.
 */
#include "imgopt/error.h"
#include "imgopt/types.h"

#include <string.h>

/* clang-format off */
G_DEFINE_QUARK(imgopt-error-quark, imgopt_error)
/* clang-format on */

void
imgopt_hash_format(const ImgoptHash *hash, char *hex_out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < sizeof hash->bytes; i++) {
		hex_out[2 * i] = digits[hash->bytes[i] >> 4];
		hex_out[2 * i + 1] = digits[hash->bytes[i] & 0xf];
	}
	hex_out[IMGOPT_HASH_HEX_LEN] = '\0';
}

bool
imgopt_hash_parse(const char *hex, ImgoptHash *hash_out)
{
	ImgoptHash hash;

	if (hex == NULL || strlen(hex) != IMGOPT_HASH_HEX_LEN)
		return false;
	for (size_t i = 0; i < sizeof hash.bytes; i++) {
		int hi = g_ascii_xdigit_value(hex[2 * i]);
		int lo = g_ascii_xdigit_value(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		hash.bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	*hash_out = hash;
	return true;
}

bool
imgopt_hash_equal(const ImgoptHash *a, const ImgoptHash *b)
{
	return memcmp(a->bytes, b->bytes, sizeof a->bytes) == 0;
}

bool
imgopt_format_is_recompressed(ImgoptFormat format)
{
	return format == IMGOPT_FORMAT_JPEG || format == IMGOPT_FORMAT_PNG ||
	       format == IMGOPT_FORMAT_GIF || format == IMGOPT_FORMAT_WEBP ||
	       format == IMGOPT_FORMAT_AVIF;
}

const char *
imgopt_format_name(ImgoptFormat format)
{
	switch (format) {
	case IMGOPT_FORMAT_UNKNOWN:
		return "unknown";
	case IMGOPT_FORMAT_JPEG:
		return "jpeg";
	case IMGOPT_FORMAT_PNG:
		return "png";
	case IMGOPT_FORMAT_GIF:
		return "gif";
	case IMGOPT_FORMAT_WEBP:
		return "webp";
	case IMGOPT_FORMAT_AVIF:
		return "avif";
	case IMGOPT_FORMAT_SVG:
		return "svg";
	case IMGOPT_FORMAT_OTHER:
		return "other";
	}
	g_assert_not_reached();
}

const char *
imgopt_ref_kind_name(ImgoptRefKind kind)
{
	switch (kind) {
	case IMGOPT_REF_MARKDOWN:
		return "markdown";
	case IMGOPT_REF_MARKDOWN_REF:
		return "markdown-ref";
	case IMGOPT_REF_HTML:
		return "html";
	case IMGOPT_REF_SRCSET:
		return "srcset";
	case IMGOPT_REF_FRONT_MATTER:
		return "front-matter";
	case IMGOPT_REF_STYLE:
		return "style";
	case IMGOPT_REF_LIQUID_TAG:
		return "liquid-tag";
	case IMGOPT_REF_CSS:
		return "css";
	case IMGOPT_REF_DATA:
		return "data";
	case IMGOPT_REF_STRING:
		return "string";
	case IMGOPT_REF_SHORTCODE:
		return "shortcode";
	}
	g_assert_not_reached();
}

const char *
imgopt_referrer_kind_name(ImgoptReferrerKind kind)
{
	static const char *const names[] = {
		"post",   "page",       "layout", "include", "data",
		"config", "stylesheet", "script", "json",    "feed",
	};

	g_return_val_if_fail((size_t)kind < G_N_ELEMENTS(names), "?");
	return names[kind];
}

const char *
imgopt_ref_role_name(ImgoptRefRole role)
{
	return role == IMGOPT_REF_ROLE_PINNED ? "pinned" : "rewritable";
}

const char *
imgopt_ref_status_name(ImgoptRefStatus status)
{
	switch (status) {
	case IMGOPT_REF_STATUS_UNRESOLVED:
		return "unresolved";
	case IMGOPT_REF_STATUS_OK:
		return "ok";
	case IMGOPT_REF_STATUS_REPAIRED:
		return "repaired";
	case IMGOPT_REF_STATUS_BROKEN:
		return "broken";
	case IMGOPT_REF_STATUS_REMOTE:
		return "remote";
	case IMGOPT_REF_STATUS_OUTSIDE:
		return "outside";
	case IMGOPT_REF_STATUS_EXPRESSION:
		return "expression";
	}
	g_assert_not_reached();
}

ImgoptRef *
imgopt_ref_new(void)
{
	return g_new0(ImgoptRef, 1);
}

ImgoptRef *
imgopt_ref_copy(const ImgoptRef *ref)
{
	ImgoptRef *copy = g_memdup2(ref, sizeof *ref);

	copy->post = g_strdup(ref->post);
	copy->raw = g_strdup(ref->raw);
	copy->url = g_strdup(ref->url);
	copy->alt = g_strdup(ref->alt);
	copy->key = g_strdup(ref->key);
	copy->title = g_strdup(ref->title);
	copy->resolved = g_strdup(ref->resolved);
	copy->message = g_strdup(ref->message);
	return copy;
}

void
imgopt_ref_free(ImgoptRef *ref)
{
	if (ref == NULL)
		return;
	g_free(ref->post);
	g_free(ref->raw);
	g_free(ref->url);
	g_free(ref->alt);
	g_free(ref->key);
	g_free(ref->title);
	g_free(ref->resolved);
	g_free(ref->message);
	g_free(ref);
}

ImgoptAsset *
imgopt_asset_new(const char *path)
{
	ImgoptAsset *asset = g_new0(ImgoptAsset, 1);

	asset->path = g_strdup(path);
	return asset;
}

ImgoptAsset *
imgopt_asset_copy(const ImgoptAsset *asset)
{
	ImgoptAsset *copy = g_memdup2(asset, sizeof *asset);

	copy->path = g_strdup(asset->path);
	return copy;
}

void
imgopt_asset_free(ImgoptAsset *asset)
{
	if (asset == NULL)
		return;
	g_free(asset->path);
	g_free(asset);
}

int
imgopt_asset_path_cmp(gconstpointer a, gconstpointer b)
{
	const ImgoptAsset *x = *(const ImgoptAsset *const *)a;
	const ImgoptAsset *y = *(const ImgoptAsset *const *)b;

	return strcmp(x->path, y->path);
}

ImgoptVariant *
imgopt_variant_new(void)
{
	return g_new0(ImgoptVariant, 1);
}

ImgoptVariant *
imgopt_variant_copy(const ImgoptVariant *variant)
{
	ImgoptVariant *copy = g_memdup2(variant, sizeof *variant);

	copy->settings = g_strdup(variant->settings);
	copy->path = g_strdup(variant->path);
	return copy;
}

void
imgopt_variant_free(ImgoptVariant *variant)
{
	if (variant == NULL)
		return;
	g_free(variant->settings);
	g_free(variant->path);
	g_free(variant);
}
