/*
 * gif.h: the giflib adapter (the only includer of <gif_lib.h>).
 *
 * imgopt uses giflib to read a GIF's structure without decoding a pixel:
 * the logical screen, each frame's rectangle and delay, and the loop
 * count.  That serves two purposes:
 *   - the pixel limit is checked from these numbers before libvips sees
 *     the file (a 35-byte GIF that claims 65535×65535 makes libvips ask
 *     for ~17 GB at once);
 *   - an encoded animated variant is checked against its source: same
 *     frame count, same delays, same loop count, or it is rejected.
 *
 * A lossless GIF re-write with giflib is deliberately not offered: giflib
 * re-encodes LZW with a plain encoder that does not compress better than
 * the encoders that wrote the originals, and dropping comment blocks saves
 * a few bytes at best, so the "original bytes" fallback is as good.
 *
 * Ownership: ImgoptGifInfo owns its delays array; clear it with
 * imgopt_gif_info_clear().
 * Thread-safety: reentrant; giflib keeps no global state in these calls.
 */
#ifndef IMGOPT_GIF_ADAPTER_H
#define IMGOPT_GIF_ADAPTER_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* GArray, GError */

/** What a GIF's blocks say, without decoding its pixels. */
typedef struct {
	uint32_t screen_width;     /* logical screen */
	uint32_t screen_height;    /* logical screen */
	uint32_t n_frames;         /* image descriptors seen */
	uint64_t max_frame_pixels; /* largest frame rectangle, w × h */
	int loop;                  /* NETSCAPE2.0 loop count: 0 = forever; -1 if
				      the block is absent (play once) */
	GArray *delays;            /* int, centiseconds, one per frame (0 when a
				      frame has no graphic control block) */
} ImgoptGifInfo;

/**
 * imgopt_gif_read_info:
 * @data: @len: the GIF file's bytes
 * @info_out: (out caller-allocates): filled on success; clear it with
 *   imgopt_gif_info_clear() either way
 * @error: return location for a #GError
 *
 * Walks the GIF's blocks, skipping image data.
 *
 * Returns: true, or false with @error set (IMGOPT_ERROR_DECODE with
 *   giflib's reason) if the blocks are malformed or there is no frame.
 */
bool imgopt_gif_read_info(const void *data, gsize len, ImgoptGifInfo *info_out,
			  GError **error);

/** Frees what @info owns (nullable fields are fine). */
void imgopt_gif_info_clear(ImgoptGifInfo *info);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ImgoptGifInfo, imgopt_gif_info_clear)

/**
 * imgopt_gif_same_timing:
 *
 * Returns: true if @a and @b have the same frame count and delays, and
 *   the same loop behaviour (an absent loop block and a count of 1 both
 *   mean "play once").
 */
bool imgopt_gif_same_timing(const ImgoptGifInfo *a, const ImgoptGifInfo *b);

/**
 * imgopt_gif_version:
 *
 * Returns: (transfer none): giflib's version, e.g. "5.2.1".
 */
const char *imgopt_gif_version(void);

#endif /* IMGOPT_GIF_ADAPTER_H */
