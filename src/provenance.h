/*
 * provenance.h: what a variant file says it was made from and with.
 *
 * Every variant imgopt encodes carries one short line of text, its
 * provenance:
 *
 *   imgopt:v1 src=<32 hex: source hash> set=<16 hex> w=<width> f=<format>
 *   n=<variant files of the encoding that made this one>
 *
 * (one line; `set` is the first 16 hex digits of the XXH3-128 of the
 * settings fingerprint; `n` is informative only: a run makes the widths
 * its pages link, so a content's files may come from several encodings,
 * and each file is verified and reused on its own, see ondisk.h), stored
 * where each format keeps a comment: a JPEG
 * COM segment right after SOI (as jpeg-recompress marks its output), a PNG
 * tEXt chunk (keyword "imgopt") right after IHDR, a GIF comment extension
 * right after the global colour table.  All three sit in the first bytes
 * of the file, so a reader needs the header only (IMGOPT_PROVENANCE_HEAD
 * bytes).  A WebP variant carries it in an "IMGO" chunk at the end of the
 * file, where the container puts unknown chunks (a simple VP8 or VP8L
 * file becomes an extended one, with a VP8X header of the same canvas):
 * its reader needs the last IMGOPT_PROVENANCE_TAIL bytes.  AVIF
 * variants, and a variant that is its source's own bytes, carry none.
 *
 * With it, a variant file found on disk without the manifest row that
 * made it (a fresh checkout with a cached variant folder, the outputs of
 * `imgopt build --shard` merged) is verified and reused instead of being
 * encoded again (see the writer in recompress.c).
 *
 * Everything here is pure: bytes in, bytes or facts out; no file, no
 * global state.  tests/fuzz_probe.c fuzzes the reader and the stamper.
 *
 * Thread-safety: reentrant.
 */
#ifndef IMGOPT_PROVENANCE_H
#define IMGOPT_PROVENANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h> /* GBytes */

#include "imgopt/types.h"

/* The bytes of a file's start that hold its provenance, if it has one: a
 * GIF's global colour table (768 bytes) and header come first. */
#define IMGOPT_PROVENANCE_HEAD 1024

/* The longest provenance line accepted (it is about 90 bytes). */
#define IMGOPT_PROVENANCE_MAX 200

/* The bytes of a WebP file's end that hold its provenance chunk. */
#define IMGOPT_PROVENANCE_TAIL (IMGOPT_PROVENANCE_MAX + 8)

/** What a provenance line says. */
typedef struct {
	ImgoptHash source;   /* the source content's hash */
	char settings[17];   /* 16 hex digits of the settings' hash */
	uint32_t width;      /* the variant's width */
	ImgoptFormat format; /* the variant's format */
	uint32_t n_variants; /* the variant files of the encoding that made
				it (informative) */
} ImgoptProvenance;

/**
 * imgopt_provenance_settings_id:
 * @fingerprint: imgopt_settings_fingerprint()'s text
 * @id_out: (out caller-allocates): 17 bytes: 16 hex digits and a NUL
 */
void imgopt_provenance_settings_id(const char *fingerprint, char *id_out);

/**
 * imgopt_provenance_format:
 *
 * Returns: (transfer full): the provenance line of @prov (no newline).
 */
char *imgopt_provenance_format(const ImgoptProvenance *prov);

/**
 * imgopt_provenance_parse:
 * @line: a NUL-terminated line
 * @prov_out: (out caller-allocates): what it says
 *
 * Returns: true if @line is a well-formed provenance line, every field
 *   present once, in order; false otherwise (@prov_out undefined).
 */
bool imgopt_provenance_parse(const char *line, ImgoptProvenance *prov_out);

/**
 * imgopt_provenance_stamp:
 * @format: the format of @data (JPEG, PNG, GIF or WebP)
 * @data: @len: a whole encoded file
 * @line: the provenance line (shorter than IMGOPT_PROVENANCE_MAX)
 *
 * Returns: (transfer full) (nullable): a copy of the file with @line
 *   inserted (see the top of this header), or NULL if the format carries
 *   no provenance or @data does not start as that format should.
 */
GBytes *imgopt_provenance_stamp(ImgoptFormat format, const void *data,
				size_t len, const char *line);

/**
 * imgopt_provenance_read:
 * @data: the first @len bytes of a file (IMGOPT_PROVENANCE_HEAD is enough
 *   for what imgopt_provenance_stamp() writes)
 *
 * Looks for a provenance line where a JPEG, PNG or GIF header keeps
 * comments, before the first image data.  Never reads past @len; time
 * linear in @len.
 *
 * Returns: (transfer full) (nullable): the line, or NULL if there is none
 *   within @data.
 */
char *imgopt_provenance_read(const void *data, size_t len);

/**
 * imgopt_provenance_read_tail:
 * @data: the last @len bytes of a WebP file (IMGOPT_PROVENANCE_TAIL is
 *   enough)
 *
 * Looks for the "IMGO" chunk imgopt_provenance_stamp() puts at the end of
 * a WebP file.  Never reads past @len.
 *
 * Returns: (transfer full) (nullable): the line, or NULL.
 */
char *imgopt_provenance_read_tail(const void *data, size_t len);

/**
 * imgopt_provenance_ends_whole:
 * @format: the file's format, as its header says
 * @head: @head_len: the file's first bytes (8 are enough)
 * @tail: @tail_len: its last bytes (12 are enough)
 * @size: its size in bytes
 *
 * Whether the file ends where a whole file of @format does (a JPEG with
 * EOI, a PNG with IEND, a GIF with its trailer, a WebP where its RIFF
 * header says): a file cut short by an interrupted copy keeps its header
 * and its provenance, but not its end.
 *
 * Returns: true if it does (always for other formats).
 */
bool imgopt_provenance_ends_whole(ImgoptFormat format, const void *head,
				  size_t head_len, const void *tail,
				  size_t tail_len, uint64_t size);

#endif /* IMGOPT_PROVENANCE_H */
