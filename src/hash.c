/*
 * hash.c: the XXH3-128 adapter (see hash.h); the only includer of
 * <xxhash.h>.
 *
 * Digests leave this file in canonical form (XXH128_canonicalFromHash):
 * big-endian bytes, so the hex form is the one `xxhsum -H2` prints and the
 * same on every host.  The state is heap-allocated through XXH3_createState
 * because XXH3_state_t wants 64-byte alignment.
 */
#include "hash.h"

#include <string.h>

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

struct ImgoptHasher {
	XXH3_state_t *state; /* the streaming state (aligned by xxhash) */
};

ImgoptHasher *
imgopt_hasher_new(void)
{
	ImgoptHasher *hasher = g_new0(ImgoptHasher, 1);

	hasher->state = XXH3_createState();
	g_assert(hasher->state != NULL); /* only fails when out of memory */
	XXH3_128bits_reset(hasher->state);
	return hasher;
}

void
imgopt_hasher_reset(ImgoptHasher *hasher)
{
	XXH3_128bits_reset(hasher->state);
}

void
imgopt_hasher_update(ImgoptHasher *hasher, const void *data, gsize len)
{
	XXH3_128bits_update(hasher->state, data, len);
}

static void
to_canonical(XXH128_hash_t digest, ImgoptHash *hash_out)
{
	XXH128_canonical_t canonical;

	G_STATIC_ASSERT(sizeof canonical.digest == sizeof hash_out->bytes);
	XXH128_canonicalFromHash(&canonical, digest);
	memcpy(hash_out->bytes, canonical.digest, sizeof hash_out->bytes);
}

void
imgopt_hasher_finish(const ImgoptHasher *hasher, ImgoptHash *hash_out)
{
	to_canonical(XXH3_128bits_digest(hasher->state), hash_out);
}

void
imgopt_hasher_free(ImgoptHasher *hasher)
{
	if (hasher == NULL)
		return;
	XXH3_freeState(hasher->state);
	g_free(hasher);
}

void
imgopt_hash_buffer(const void *data, gsize len, ImgoptHash *hash_out)
{
	to_canonical(XXH3_128bits(data, len), hash_out);
}

bool
imgopt_hash_buffer_is(const void *data, gsize len, const ImgoptHash *expected)
{
	ImgoptHash h;

	imgopt_hash_buffer(data, len, &h);
	return imgopt_hash_equal(&h, expected);
}

guint
imgopt_str_hash(gconstpointer key)
{
	const char *s = key;

	return (guint)XXH3_64bits(s, strlen(s));
}
