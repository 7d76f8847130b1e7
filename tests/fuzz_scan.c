/*
 * fuzz_scan.c: libFuzzer target for the scanners.  Any bytes are a post,
 * and a file of every other referrer kind (stylesheet, YAML config, JSON,
 * CSV and TOML data, script, web app manifest): imgopt_scan_referrer()
 * runs each scanner on them.  The invariants every reference must keep
 * are checked and abort() on
 * failure: its span lies inside the input, raw equals those bytes, and
 * url is set.  The same entry point is replayed over a corpus by
 * fuzz_main.c when no fuzzing engine is configured.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imgopt/imgopt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const uint8_t *data, size_t size, const GPtrArray *refs)
{
	for (guint i = 0; i < refs->len; i++) {
		const ImgoptRef *r = g_ptr_array_index(refs, i);

		if (r->offset > size || r->length > size - r->offset ||
		    r->length == 0 || r->url == NULL || r->line == 0 ||
		    r->column == 0 || strlen(r->raw) != r->length ||
		    memcmp(r->raw, data + r->offset, r->length) != 0)
			abort();
	}
}

/* One file of each scanner. */
static const struct {
	ImgoptReferrerKind kind;
	const char *path;
} files[] = {
	{IMGOPT_REFERRER_POST, "post.md"},
	{IMGOPT_REFERRER_POST, "post.html"},
	{IMGOPT_REFERRER_STYLESHEET, "a.css"},
	{IMGOPT_REFERRER_STYLESHEET, "_sass/a.scss"},
	{IMGOPT_REFERRER_CONFIG, "_config.yml"},
	{IMGOPT_REFERRER_DATA, "_data/a.json"},
	{IMGOPT_REFERRER_DATA, "_data/a.csv"},
	{IMGOPT_REFERRER_DATA, "_data/a.tsv"},
	{IMGOPT_REFERRER_CONFIG, "hugo.toml"},
	{IMGOPT_REFERRER_SCRIPT, "sw.js"},
	{IMGOPT_REFERRER_JSON, "manifest.webmanifest"},
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* each file in both dialects; CommonMark with Hugo's shortcodes and
	 * TOML front matter (a superset of plain CommonMark's code) */
	for (guint k = 0; k < 2 * G_N_ELEMENTS(files); k++) {
		bool is_kramdown = k >= G_N_ELEMENTS(files);
		const ImgoptScanOptions opts = {
			is_kramdown ? IMGOPT_SCAN_KRAMDOWN
				    : IMGOPT_SCAN_COMMONMARK,
			!is_kramdown};
		guint f = k % G_N_ELEMENTS(files);
		g_autoptr(GPtrArray) refs = imgopt_scan_referrer(
			files[f].kind, &opts, files[f].path, (const char *)data,
			size, NULL);

		if (refs == NULL)
			abort();
		check(data, size, refs);
		for (guint i = 0; i < refs->len; i++) {
			const ImgoptRef *r = g_ptr_array_index(refs, i);

			if (r->referrer != files[f].kind ||
			    (r->role != IMGOPT_REF_ROLE_REWRITABLE &&
			     r->role != IMGOPT_REF_ROLE_PINNED))
				abort();
		}
	}
	return 0;
}
