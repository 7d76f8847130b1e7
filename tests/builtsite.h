/*
 * builtsite.h: what the pages of a built site (jekyll build, hugo, hexo
 * generate) show, for the real-client tests: every local image URL its
 * pages, feeds, stylesheets, scripts and JSON name, whether each exists,
 * the bytes of the images shown, and which of imgopt's variant files
 * nothing links.
 */
#ifndef BUILTSITE_H
#define BUILTSITE_H

#include <stdbool.h>

#include <glib.h>

/* What the built site names and shows. */
typedef struct {
	const char *out;      /* the built site */
	const char *site_url; /* URLs under it are local (feeds, og:image) */
	GHashTable *missing;  /* url → page, local images not in the output */
	GHashTable *shown;    /* distinct local images shown: path relative to
				 @out → its size */
	GHashTable *named;    /* every existing local image file named (shown
				 or a srcset/JS candidate), path relative
				 to @out */
	guint64 bytes;        /* bytes of every image shown, with repeats */
	guint n_urls;         /* local image URLs named, every kind */
	guint n_images;       /* local images shown (with repeats) */
	guint n_sources;      /* <source> tags */
	guint n_pictures;     /* <picture> tags holding a <source> */
	GHashTable *kept;     /* checksums of the originals imgopt keeps as
				 their own best variant (built_note_kept()),
				 or NULL */
} BuiltShown;

void built_shown_clear(BuiltShown *s);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(BuiltShown, built_shown_clear)

/* Everything the built site @out names (URLs starting with @site_url,
 * if not NULL, are local too).  Clear @s with built_shown_clear(). */
void built_collect(const char *out, const char *site_url, BuiltShown *s);

/* Asserts nothing the built site named before is missing after, it names
 * as many images, and the images its pages show weigh less. */
void built_compare(const BuiltShown *before, const BuiltShown *after);

/* Notes in @s the originals of the source site @site that imgopt keeps
 * as their own best variant: its manifest has, for their content, a
 * variant row without a file (a run writes no copy of a source). */
void built_note_kept(BuiltShown *s, const char *site);

/* Of the distinct raster images @s's pages show, how many come from a
 * variant folder (`optimized/`) of the output: a variant, or an original
 * whose very bytes are a variant's, or one built_note_kept() noted. */
void built_count_variants(const BuiltShown *s, guint *n_raster_out,
			  guint *n_variants_out);

/* The variant files of the source site @site (every file under a folder
 * named `optimized`, outside dot-folders, node_modules, and the build
 * outputs `_site`, `public`, `resources`) that are linked by nothing:
 * no file the built site @after names has their bytes, and no text file
 * of @site names them (a source link a page does not build, e.g. a
 * draft).  Paths relative to @site, sorted. */
GPtrArray *built_unlinked_variants(const char *site, const BuiltShown *after);

/* Asserts built_unlinked_variants() is empty, naming each file it lists
 * in a test message first. */
void built_assert_all_linked(const char *site, const BuiltShown *after);

#endif /* BUILTSITE_H */
