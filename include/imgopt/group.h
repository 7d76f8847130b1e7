/*
 * group.h: stage 3, assets → duplicate groups.
 *
 * A duplicate group is a set of two or more files whose bytes are
 * identical.  Equal hashes only nominate: imgopt_group_nominate() gathers
 * files with the same XXH3-128 hash and size, and imgopt_group_confirm()
 * keeps a group only after its bytes were compared, splitting it if the
 * comparison disagrees with the hash (a collision).  The comparison itself
 * is I/O and is passed in as a function, so this module stays pure.
 *
 * The canonical copy of a group (the one a deduplicated site keeps) is
 * chosen by, in order:
 *   1. the most references from posts (each reference counts, so a file
 *      used twice in one post beats a file used once);
 *   2. the shortest path (in bytes, relative to the site root);
 *   3. the oldest modification time;
 *   4. the smallest path in byte order (so the choice is always unique).
 *
 * Empty files are never grouped: they are all "equal" and carry nothing.
 *
 * Ownership: returned arrays own their groups; a group owns its members.
 * Thread-safety: reentrant; the pipeline calls it from one thread.
 */
#ifndef IMGOPT_GROUP_H
#define IMGOPT_GROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* GPtrArray, GHashTable, GError */

#include "imgopt/types.h"

/** One file of a group. */
typedef struct {
	char *path;       /* relative to the site root */
	uint64_t size;    /* bytes */
	int64_t mtime_ns; /* modification time, for the canonical rule */
	guint n_refs;     /* references from posts resolving to it */
} ImgoptGroupMember;

/** A set of files nominated (or confirmed) as byte-identical. */
typedef struct {
	ImgoptHash hash;    /* the members' common hash */
	uint64_t bytes;     /* size of one copy */
	GPtrArray *members; /* (element-type ImgoptGroupMember) by path */
	guint canonical;    /* index in @members of the canonical copy */
} ImgoptGroup;

/** Frees @group (nullable) and its members. */
void imgopt_group_free(ImgoptGroup *group);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptGroup, imgopt_group_free)

/**
 * imgopt_group_get_canonical:
 *
 * Returns: (transfer none): the canonical member of @group.
 */
const ImgoptGroupMember *imgopt_group_get_canonical(const ImgoptGroup *group);

/**
 * imgopt_group_reclaimable:
 *
 * Returns: the bytes freed by keeping only the canonical copy.
 */
uint64_t imgopt_group_reclaimable(const ImgoptGroup *group);

/**
 * imgopt_group_choose_canonical:
 * @members: (element-type ImgoptGroupMember): at least one member
 *
 * Returns: the index of the canonical member by the rule above.
 */
guint imgopt_group_choose_canonical(const GPtrArray *members);

/**
 * imgopt_group_nominate:
 * @assets: (element-type ImgoptAsset): hashed assets (has_hash true);
 *   others and empty files are ignored
 * @ref_counts: (nullable): path → reference count (GUINT_TO_POINTER);
 *   a path absent from it has no references
 *
 * Groups @assets by (hash, size).
 *
 * Returns: (transfer full) (element-type ImgoptGroup): the groups of two
 *   or more members, canonical chosen, sorted by canonical path.
 */
GPtrArray *imgopt_group_nominate(const GPtrArray *assets,
				 GHashTable *ref_counts);

/**
 * ImgoptBytesEqualFunc:
 * @a: @b: two member paths
 * @equal_out: (out): whether their bytes are identical
 * @user_data: what imgopt_group_confirm() was given
 *
 * Returns: true if the comparison ran; false if it could not (@b could
 *   not be read, say), in which case @b is left out of every group.  The
 *   function reports such failures itself.
 */
typedef bool (*ImgoptBytesEqualFunc)(const char *a, const char *b,
				     bool *equal_out, void *user_data);

/**
 * imgopt_group_confirm:
 * @nominated: (element-type ImgoptGroup): from imgopt_group_nominate()
 * @equal: compares two files' bytes
 * @user_data: passed to @equal
 *
 * Compares each member with the first member of each class found so far
 * in its group (members in path order), so a group whose hashes all agree
 * with the bytes costs one comparison per member beyond the first.
 * Members that differ form their own classes; classes of one are dropped.
 *
 * Returns: (transfer full) (element-type ImgoptGroup): the confirmed
 *   groups, canonical chosen again, sorted by canonical path.
 */
GPtrArray *imgopt_group_confirm(const GPtrArray *nominated,
				ImgoptBytesEqualFunc equal, void *user_data);

/**
 * imgopt_group_confirm_jobs:
 * @nominated: (element-type ImgoptGroup): from imgopt_group_nominate()
 * @equal: compares two files' bytes; called from up to @jobs threads at
 *   once (for different groups), so it must be thread-safe
 * @user_data: passed to @equal
 * @jobs: threads (below 2: the calling thread alone)
 *
 * imgopt_group_confirm() with the groups spread over @jobs threads: the
 * same comparisons, the same result.
 *
 * Returns: (transfer full) (element-type ImgoptGroup): as
 *   imgopt_group_confirm().
 */
GPtrArray *imgopt_group_confirm_jobs(const GPtrArray *nominated,
				     ImgoptBytesEqualFunc equal,
				     void *user_data, int jobs);

#endif /* IMGOPT_GROUP_H */
