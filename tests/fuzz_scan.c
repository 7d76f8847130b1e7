/*
 * fuzz_scan.c: libFuzzer target for the scanner.  Any bytes are a post;
 * the invariants every reference must keep are checked and abort() on
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {"post.md", "post.html"};

	for (guint k = 0; k < 2 * G_N_ELEMENTS(paths); k++) {
		/* each path in both dialects */
		const ImgoptScanOptions opts = {
			k >= G_N_ELEMENTS(paths) ? IMGOPT_SCAN_KRAMDOWN
						 : IMGOPT_SCAN_COMMONMARK};
		g_autoptr(GPtrArray) refs = imgopt_scan_text_full(
			paths[k % G_N_ELEMENTS(paths)], (const char *)data,
			size, &opts, NULL);

		if (refs == NULL)
			abort();
		check(data, size, refs);
	}
	return 0;
}
