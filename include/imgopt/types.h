/*
 * types.h: the value types passed between pipeline stages.
 *
 * These are plain data structs.  Each owns its strings; a `_free` function
 * releases a heap-allocated value and accepts NULL, and each has a
 * g_autoptr cleanup.  Arrays of them are GPtrArrays created with the
 * matching free function, so the array owns its elements.
 *
 * Ownership default for this header: functions returning a pointer return
 * a new value (transfer full) unless stated otherwise.
 *
 * Thread-safety: values are not shared between threads; functions here are
 * reentrant.
 */
#ifndef IMGOPT_TYPES_H
#define IMGOPT_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* gsize, G_DEFINE_AUTOPTR_CLEANUP_FUNC */

/**
 * ImgoptHash:
 *
 * An XXH3-128 digest in canonical (big-endian) byte order, as `xxhsum -H2`
 * prints it.
 */
typedef struct {
	uint8_t bytes[16]; /* canonical big-endian digest */
} ImgoptHash;

/** Length of a hash in hex digits, without the terminating NUL. */
#define IMGOPT_HASH_HEX_LEN 32

/**
 * imgopt_hash_format:
 * @hash: the digest
 * @hex_out: (out caller-allocates): at least IMGOPT_HASH_HEX_LEN + 1 bytes
 *
 * Writes the 32 lowercase hex digits of @hash and a NUL into @hex_out.
 */
void imgopt_hash_format(const ImgoptHash *hash, char *hex_out);

/**
 * imgopt_hash_parse:
 * @hex: 32 hex digits (either case), NUL-terminated
 * @hash_out: (out): the digest
 *
 * Returns: true if @hex was a valid digest; false (and @hash_out untouched)
 *   otherwise.
 */
bool imgopt_hash_parse(const char *hex, ImgoptHash *hash_out);

/**
 * imgopt_hash_equal:
 *
 * Returns: true if @a and @b are the same digest.
 */
bool imgopt_hash_equal(const ImgoptHash *a, const ImgoptHash *b);

/**
 * ImgoptFormat:
 *
 * An image format, as sniffed from the bytes (never from the name).
 */
typedef enum {
	IMGOPT_FORMAT_UNKNOWN, /* not an image we recognise */
	IMGOPT_FORMAT_JPEG,
	IMGOPT_FORMAT_PNG,
	IMGOPT_FORMAT_GIF,
	IMGOPT_FORMAT_WEBP,
	IMGOPT_FORMAT_AVIF,
	IMGOPT_FORMAT_SVG,
	IMGOPT_FORMAT_OTHER, /* a known non-web image format (BMP, ICO, TIFF) */
} ImgoptFormat;

/**
 * imgopt_format_name:
 *
 * Returns: (transfer none): the lowercase name of @format ("jpeg", "gif"…).
 */
const char *imgopt_format_name(ImgoptFormat format);

/**
 * imgopt_format_is_recompressed:
 *
 * Returns: whether imgopt makes web-size variants of images in @format:
 *   JPEG, PNG, GIF, WebP and AVIF (not SVG, nor BMP, ICO, TIFF).
 */
bool imgopt_format_is_recompressed(ImgoptFormat format);

/**
 * ImgoptRefKind:
 *
 * Where in a file a reference was found.  The names are those of the
 * `scan --json` output.
 */
typedef enum {
	IMGOPT_REF_MARKDOWN,     /* ![alt](dest) */
	IMGOPT_REF_MARKDOWN_REF, /* ![alt][label] and its [label]: dest */
	IMGOPT_REF_HTML,         /* <img src>, <source src> */
	IMGOPT_REF_SRCSET,       /* one candidate of srcset="" */
	IMGOPT_REF_FRONT_MATTER, /* header-img:, image:, cover: … */
	IMGOPT_REF_STYLE,        /* url(...) inside style="" */
	IMGOPT_REF_LIQUID_TAG,   /* {% asset_img x.png %} */
	IMGOPT_REF_CSS,          /* url(...) in a stylesheet */
	IMGOPT_REF_DATA,         /* a value of a YAML, JSON or CSV data or
				    config file that names an image */
	IMGOPT_REF_STRING,       /* a string literal of a script or a JSON
				    file that names an image */
	IMGOPT_REF_SHORTCODE,    /* a Hugo shortcode's src= or image= (or an
				    image shortcode's first) parameter:
				    {{< figure src="x.png" >}} */
} ImgoptRefKind;

/**
 * imgopt_ref_kind_name:
 *
 * Returns: (transfer none): "markdown", "markdown-ref", "html", "srcset",
 *   "front-matter", "style", "liquid-tag", "css", "data", "string" or
 *   "shortcode".
 */
const char *imgopt_ref_kind_name(ImgoptRefKind kind);

/**
 * ImgoptRefStatus:
 *
 * What resolving a reference against the site found.
 */
typedef enum {
	IMGOPT_REF_STATUS_UNRESOLVED, /* scanned, not resolved yet */
	IMGOPT_REF_STATUS_OK,         /* points at an existing file */
	IMGOPT_REF_STATUS_REPAIRED,   /* broken as written; one file matches */
	IMGOPT_REF_STATUS_BROKEN,     /* no file, or several candidates */
	IMGOPT_REF_STATUS_REMOTE,     /* http:, https:, //host, data: … */
	IMGOPT_REF_STATUS_OUTSIDE,    /* leads outside the site root */
	IMGOPT_REF_STATUS_EXPRESSION, /* a Liquid expression computes the
					 path (`{{ page.header-img }}`):
					 pinned, neither ok nor broken */
} ImgoptRefStatus;

/**
 * imgopt_ref_status_name:
 *
 * Returns: (transfer none): "unresolved", "ok", "repaired", "broken",
 *   "remote", "outside" or "expression".
 */
const char *imgopt_ref_status_name(ImgoptRefStatus status);

/**
 * ImgoptReferrerKind:
 *
 * What a text file is to the generator, from its place and its name.  The
 * names are those of the `scan --json` output.
 */
typedef enum {
	IMGOPT_REFERRER_POST,       /* .md/.markdown/.html under POSTS */
	IMGOPT_REFERRER_PAGE,       /* any other page (.md, .markdown, .html) */
	IMGOPT_REFERRER_LAYOUT,     /* _layouts/, a theme's layout/ */
	IMGOPT_REFERRER_INCLUDE,    /* _includes/, layouts/partials/ */
	IMGOPT_REFERRER_DATA,       /* _data/ or data/: YAML, JSON, CSV */
	IMGOPT_REFERRER_CONFIG,     /* _config.yml, hugo.toml, config.toml */
	IMGOPT_REFERRER_STYLESHEET, /* .css, .scss, .sass, .less, .styl */
	IMGOPT_REFERRER_SCRIPT,     /* .js, .mjs, .cjs */
	IMGOPT_REFERRER_JSON,       /* .json, .webmanifest outside data */
	IMGOPT_REFERRER_FEED,       /* .xml, .rss, .atom templates */
} ImgoptReferrerKind;

/**
 * imgopt_referrer_kind_name:
 *
 * Returns: (transfer none): "post", "page", "layout", "include", "data",
 *   "config", "stylesheet", "script", "json" or "feed".
 */
const char *imgopt_referrer_kind_name(ImgoptReferrerKind kind);

/**
 * ImgoptRefRole:
 *
 * What imgopt may do with a reference.  The names are those of the
 * `scan --json` output.
 */
typedef enum {
	IMGOPT_REF_ROLE_REWRITABLE, /* rewritten like a post's link */
	IMGOPT_REF_ROLE_PINNED,     /* found, not rewritable exactly (a string
				       in a script or JSON, a Liquid
				       expression that computes a path): its
				       image is never rewritten nor removed */
} ImgoptRefRole;

/**
 * imgopt_ref_role_name:
 *
 * Returns: (transfer none): "rewritable" or "pinned".
 */
const char *imgopt_ref_role_name(ImgoptRefRole role);

/**
 * ImgoptRef:
 *
 * One image reference in one post.  The scanner fills the first group of
 * fields from the post text alone; resolving fills the second.
 *
 * The span (@offset, @length) is the destination exactly as written, in
 * bytes from the start of the post file (front matter and BOM included),
 * so a rewrite replaces exactly those bytes.  For a reference-style image
 * the span is the destination of its `[label]: dest` definition.
 *
 * The scanner also records the construct the span sits in, so a rewrite
 * can replace or extend it without parsing the post again: its span
 * (@construct_offset, @construct_length), an image's @title, and
 * for a `src` the end of its attribute and what the tag holds.  These
 * fields come from the scanner only: the manifest does not store them,
 * and a reference read back from it has them zero (planning a rewrite
 * scans the post's bytes again).
 */
typedef struct {
	char *post;         /* post path as given to the scanner */
	gsize line;         /* 1-based line of the span's first byte */
	gsize column;       /* 1-based byte column of the span's first byte */
	gsize offset;       /* byte offset of the destination in the file */
	gsize length;       /* byte length of the destination as written */
	ImgoptRefKind kind; /* where it was found */
	char *raw;          /* the @length bytes at @offset, verbatim */
	char *url;          /* destination with escapes and entities decoded;
			       Liquid prefixes kept as written */
	char *alt;          /* alt text for images (plain), or NULL */
	char *key;          /* front matter key path ("header-img",
			       "image.path"), or NULL */
	bool is_multiline;  /* destination broken across lines (an export
			       tool's damage, not CommonMark) */
	ImgoptReferrerKind referrer; /* the kind of file it is in */
	ImgoptRefRole role;          /* rewritable, or pinned */
	gsize construct_offset;      /* byte offset of the whole construct: the
					`![` of a Markdown image (where it is
					used, for a reference-style one), the `<`
					of the tag of an html, srcset or style
					reference; @offset for the other kinds */
	gsize construct_length;      /* its byte length (@length for the other
					kinds) */
	char *title;                 /* a Markdown image's title (for a
					reference-style one, its definition's),
					decoded, or NULL */
	gsize attr_end;     /* html: byte offset just past the src value
			       (after its closing quote, if quoted); 0 for
			       the other kinds */
	bool is_img_tag;    /* html kinds: the tag is a complete `<img …>` */
	bool has_srcset;    /* html kinds: the tag has a srcset attribute */
	bool has_sizes;     /* html kinds: the tag has a sizes attribute */
	bool has_width;     /* html kinds: the tag has a width attribute */
	bool is_shared_def; /* markdown-ref: a link (not an image) uses its
			       definition too */

	ImgoptRefStatus status; /* filled by resolving */
	char *resolved; /* resolved file relative to the site root, or NULL */
	char *message;  /* why broken/outside/repaired, or NULL */
} ImgoptRef;

/**
 * imgopt_ref_new:
 *
 * Returns: (transfer full): a zeroed reference, status UNRESOLVED.
 */
ImgoptRef *imgopt_ref_new(void);

/**
 * imgopt_ref_copy:
 *
 * Returns: (transfer full): a deep copy of @ref.
 */
ImgoptRef *imgopt_ref_copy(const ImgoptRef *ref);

/**
 * imgopt_ref_free:
 * @ref: (nullable): a reference
 *
 * Frees @ref and the strings it owns.
 */
void imgopt_ref_free(ImgoptRef *ref);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptRef, imgopt_ref_free)

/**
 * ImgoptAsset:
 *
 * One file as the index saw it: identity on disk, content hash, and what
 * its header says.  @path is relative to the site root.  @width, @height
 * and @n_frames are 0 when the header could not tell.
 */
typedef struct {
	char *path;          /* relative to the site root */
	uint64_t size;       /* bytes */
	int64_t mtime_ns;    /* modification time, ns since the epoch */
	uint64_t inode;      /* st_ino */
	uint64_t device;     /* st_dev */
	ImgoptHash hash;     /* XXH3-128 of the bytes (valid if has_hash) */
	bool has_hash;       /* false until the bytes were hashed */
	ImgoptFormat format; /* sniffed from the bytes */
	uint32_t width;      /* pixels, from the header; 0 if unknown */
	uint32_t height;     /* pixels, from the header; 0 if unknown */
	uint32_t n_frames;   /* 1 for stills, > 1 for animations; 0 unknown */
} ImgoptAsset;

/**
 * imgopt_asset_new:
 * @path: the path relative to the site root (copied)
 *
 * Returns: (transfer full): an asset with only @path set.
 */
ImgoptAsset *imgopt_asset_new(const char *path);

/**
 * imgopt_asset_copy:
 *
 * Returns: (transfer full): a deep copy of @asset.
 */
ImgoptAsset *imgopt_asset_copy(const ImgoptAsset *asset);

/**
 * imgopt_asset_free:
 * @asset: (nullable): an asset
 */
void imgopt_asset_free(ImgoptAsset *asset);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptAsset, imgopt_asset_free)

/**
 * imgopt_asset_path_cmp:
 *
 * A GCompareFunc for g_ptr_array_sort() of a list of ImgoptAsset: by
 * path, in byte order.
 */
int imgopt_asset_path_cmp(gconstpointer a, gconstpointer b);

/**
 * ImgoptVariant:
 *
 * One encoded web-size copy of a source content.  A variant is keyed by
 * the source's hash and the fingerprint of the settings that produced it
 * (quality, format options…): the same content with the same settings is
 * never encoded twice.
 */
typedef struct {
	ImgoptHash hash;     /* XXH3-128 of the source content */
	char *settings;      /* fingerprint of the encode settings */
	uint32_t width;      /* pixels */
	uint32_t height;     /* pixels */
	ImgoptFormat format; /* the variant's format */
	char *path;          /* the variant file, relative to the site root */
	uint64_t bytes;      /* size of the variant file */
	uint32_t n_frames;   /* frames kept (1 for stills): the source's, also
				for an animated WebP that stores a repeated
				frame once (anim.h) */
} ImgoptVariant;

/**
 * imgopt_variant_new:
 *
 * Returns: (transfer full): a zeroed variant.
 */
ImgoptVariant *imgopt_variant_new(void);

/**
 * imgopt_variant_copy:
 *
 * Returns: (transfer full): a deep copy of @variant.
 */
ImgoptVariant *imgopt_variant_copy(const ImgoptVariant *variant);

/**
 * imgopt_variant_free:
 * @variant: (nullable): a variant
 */
void imgopt_variant_free(ImgoptVariant *variant);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptVariant, imgopt_variant_free)

#endif /* IMGOPT_TYPES_H */
