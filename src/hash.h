/*
 * hash.h: the XXH3-128 adapter.  hash.c is the only file that includes
 * <xxhash.h>; everyone else sees ImgoptHash in canonical (big-endian) byte
 * order, as `xxhsum -H2` prints it.
 *
 * Ownership: an ImgoptHasher is freed with imgopt_hasher_free().
 * Thread-safety: a hasher is used by one thread; separate hashers may run
 * in parallel.
 */
#ifndef IMGOPT_HASH_H
#define IMGOPT_HASH_H

#include <stdbool.h>
#include <glib.h> /* gsize, GError */

#include "imgopt/types.h"

/** A streaming XXH3-128 state.  Opaque. */
typedef struct ImgoptHasher ImgoptHasher;

/** Returns: (transfer full): a hasher, reset and ready for data. */
ImgoptHasher *imgopt_hasher_new(void);

/** Forgets what was fed so far. */
void imgopt_hasher_reset(ImgoptHasher *hasher);

/** Feeds @len bytes of @data. */
void imgopt_hasher_update(ImgoptHasher *hasher, const void *data, gsize len);

/** Writes the digest of everything fed since the last reset. */
void imgopt_hasher_finish(const ImgoptHasher *hasher, ImgoptHash *hash_out);

/** Frees @hasher (nullable). */
void imgopt_hasher_free(ImgoptHasher *hasher);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptHasher, imgopt_hasher_free)

/**
 * imgopt_hash_buffer:
 *
 * Hashes @len bytes of @data in one call.
 */
void imgopt_hash_buffer(const void *data, gsize len, ImgoptHash *hash_out);

/**
 * imgopt_hash_buffer_is:
 *
 * Returns: whether @len bytes of @data hash to @expected (the check that
 *   bytes are still, or again, the ones recorded).
 */
bool imgopt_hash_buffer_is(const void *data, gsize len,
			   const ImgoptHash *expected);

/**
 * imgopt_str_hash:
 * @key: a NUL-terminated string
 *
 * A #GHashFunc for string keys (with g_str_equal()): XXH3 of the bytes.
 * Paths are long and share long prefixes; g_str_hash() walks them a byte
 * at a time, which was a fifth of an unchanged `imgopt dupes` re-run.
 *
 * Returns: the hash of @key.
 */
guint imgopt_str_hash(gconstpointer key);

#endif /* IMGOPT_HASH_H */
