/*
 * probe.h: what a file's header bytes say, before anything is decoded:
 * its format, width, height and frame count (for the index), and whether
 * it is safe to hand to libvips under the pixel limit (for the libvips
 * adapter).
 *
 * Everything here is pure: bytes in, facts or a GError out; no file, no
 * libvips, no global state (the GIF walk of the pixel limit goes through
 * the giflib adapter, gif.c, which is reentrant).  tests/fuzz_probe.c
 * fuzzes it.
 *
 * The header parser is a push parser (ImgoptProbe), so the index can feed
 * it the chunks it hashes, or windows read at the offsets it asks for,
 * without holding the file; imgopt_probe_buffer() is the one-shot form.
 *
 * Thread-safety: reentrant.
 */
#ifndef IMGOPT_PROBE_H
#define IMGOPT_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h> /* GError */

#include "imgopt/types.h"

/* The largest record the parser collects at once. */
#define IMGOPT_PROBE_RECORD 16

/* An animation may hold this many times the pixel limit in all its frames
 * together: libvips decodes frames one at a time, but a toilet roll of
 * thousands of full-screen frames is still a denial of service. */
#define IMGOPT_PROBE_ANIMATION_FACTOR 4

/** What a header says; 0 for what it does not tell. */
typedef struct {
	ImgoptFormat format; /* sniffed from the bytes */
	uint32_t width;      /* pixels */
	uint32_t height;     /* pixels */
	uint32_t n_frames;   /* 1 for stills; 0 unknown */
} ImgoptProbeFacts;

typedef struct ImgoptProbe ImgoptProbe;

/* Reads the record just collected and sets what comes next. */
typedef void (*ImgoptProbeStep)(ImgoptProbe *p);

/** A header parser in progress.  Fields are private to probe.c; the
 * struct is public so that a parser can live on the stack. */
struct ImgoptProbe {
	ImgoptProbeFacts facts;           /* what was learnt so far */
	ImgoptProbeStep step;             /* record handler; NULL = done */
	int state;                        /* the format's parser state */
	uint64_t skip;                    /* bytes to drop before collecting */
	uint8_t buf[IMGOPT_PROBE_RECORD]; /* the record being collected */
	size_t want;                      /* record length */
	size_t have;                      /* bytes of it collected so far */
	uint64_t aux;                     /* per-format scratch */
	uint8_t marker;                   /* JPEG: the segment's marker */
	bool is_animated;                 /* WebP: VP8X said ANIM */
	bool is_started;                  /* the first bytes were sniffed */
};

/** Makes @p a parser that has seen no byte. */
void imgopt_probe_init(ImgoptProbe *p);

/**
 * imgopt_probe_feed:
 * @data: @len: the next bytes of the file (the first call gets the first
 *   bytes, which choose the format: give it as much as is at hand)
 *
 * Parses as far as @data goes.  Bytes the parser asked to skip
 * (imgopt_probe_take_skip()) are not in @data when the caller seeks.
 */
void imgopt_probe_feed(ImgoptProbe *p, const uint8_t *data, size_t len);

/** Returns: true once the parser needs no more bytes. */
bool imgopt_probe_is_done(const ImgoptProbe *p);

/**
 * imgopt_probe_take_skip:
 *
 * Returns: how many bytes the parser would drop before it reads again,
 *   and forgets them: for a caller that seeks over them instead.
 */
uint64_t imgopt_probe_take_skip(ImgoptProbe *p);

/**
 * imgopt_probe_buffer:
 * @data: the first @len bytes of a file (the whole file, or any prefix)
 * @facts_out: (out caller-allocates): what the header says
 *
 * JPEG (first SOF), PNG (IHDR; acTL before IDAT for APNG frames), GIF
 * (logical screen; image descriptors counted by skipping sub-blocks, no
 * LZW), WebP (VP8, VP8L, VP8X; ANMF frames counted), AVIF (ftyp brand,
 * first ispe, best effort), SVG (`<svg` near the start; width/height
 * attributes if plain numbers), and BMP, ICO, TIFF as IMGOPT_FORMAT_OTHER.
 * Anything else is IMGOPT_FORMAT_UNKNOWN.  Never fails; time linear in
 * @len.
 */
void imgopt_probe_buffer(const void *data, size_t len,
			 ImgoptProbeFacts *facts_out);

/**
 * imgopt_probe_check_size:
 * @what: names the rectangle in the message ("an image")
 *
 * Returns: true if @width x @height is neither empty nor above @limit
 *   pixels; else false with @error set (IMGOPT_ERROR_DECODE for an empty
 *   one, IMGOPT_ERROR_UNSAFE for one too large).
 */
bool imgopt_probe_check_size(uint64_t width, uint64_t height, uint64_t limit,
			     const char *what, GError **error);

/**
 * imgopt_probe_check_frames:
 * @what: names the picture in the message ("an animation")
 *
 * Returns: true if @n_frames frames of @width x @height hold no more than
 *   IMGOPT_PROBE_ANIMATION_FACTOR times @limit pixels; else false with
 *   @error set (IMGOPT_ERROR_UNSAFE).
 */
bool imgopt_probe_check_frames(uint32_t width, uint32_t height,
			       uint32_t n_frames, uint64_t limit,
			       const char *what, GError **error);

/**
 * imgopt_probe_check_unsafe:
 * @data: @len: a whole file
 * @max_pixels: the largest frame accepted (width × height)
 *
 * The checks a decoder cannot safely make itself, made before it sees
 * the bytes: a GIF's logical screen, largest frame and whole animation
 * against the pixel limit (libvips' GIF loader allocates the screen while
 * reading the header), and a PNG's chunks against the file's length (a
 * chunk that claims gigabytes makes the PNG loader wait for them).  Other
 * formats pass.
 *
 * Returns: true, or false with @error set (IMGOPT_ERROR_DECODE for a
 *   malformed file, IMGOPT_ERROR_UNSAFE above the limit).
 */
bool imgopt_probe_check_unsafe(const void *data, size_t len,
			       uint64_t max_pixels, GError **error);

#endif /* IMGOPT_PROBE_H */
