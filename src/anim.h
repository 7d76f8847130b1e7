/*
 * anim.h: an animation's timing as browsers play it, for the animated
 * WebP made of an animated GIF (recompress.c): what the GIF's blocks say
 * (gif.h) in the units and rules of a WebP, what a WebP's ANIM and ANMF
 * chunks say (read here, without decoding a pixel), and whether the two
 * play the same.
 *
 * The rules (Chromium, Firefox and Safari alike; docs/imgopt.1 says them
 * to users):
 *   - a frame of 10 ms or less, in a GIF (delay 0 or 1 centisecond) or in
 *     a WebP, is shown for 100 ms; any other frame for its delay, which a
 *     WebP holds in milliseconds (24 bits) and a GIF in centiseconds, so
 *     every GIF delay has its exact WebP duration;
 *   - a GIF without a NETSCAPE2.0 block plays once; its loop count 0
 *     plays forever, and a count n plays n + 1 times (the repeats after
 *     the first); a WebP's ANIM loop count is the number of plays, 0
 *     forever, at most 65535: a GIF whose n is 65535 has no WebP twin.
 * libwebp stores a frame that does not change the picture once, with its
 * duration added to the previous frame's: the pictures shown at every
 * moment are the same, so timelines are compared, not frame lists
 * (imgopt_anim_same_timeline()).
 *
 * Pure: no I/O, no foreign library.
 * Ownership: ImgoptAnimTiming owns its array; clear it with
 * imgopt_anim_timing_clear().
 */
#ifndef IMGOPT_ANIM_H
#define IMGOPT_ANIM_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h> /* GArray, GError */

#include "gif.h"

/* The largest loop count a WebP's ANIM chunk holds (16 bits). */
#define IMGOPT_ANIM_MAX_PLAYS 65535u

/** How an animation plays in a browser. */
typedef struct {
	GArray *durations; /* uint32_t, ms as shown (10 ms or less: 100),
			      one per stored frame */
	uint32_t plays;    /* times played; 0 = forever */
	bool is_still;     /* a WebP without animation (one picture) */
} ImgoptAnimTiming;

/**
 * imgopt_anim_timing_from_gif:
 * @gif: what imgopt_gif_read_info() read
 * @timing_out: (out caller-allocates): filled either way; clear it with
 *   imgopt_anim_timing_clear()
 *
 * Returns: whether a WebP can play @gif exactly as a browser plays it
 *   (false: a loop count of 65535, or no frame).
 */
bool imgopt_anim_timing_from_gif(const ImgoptGifInfo *gif,
				 ImgoptAnimTiming *timing_out);

/**
 * imgopt_anim_timing_from_webp:
 * @data: @len: a WebP file's bytes
 * @timing_out: (out caller-allocates): filled on success; clear it with
 *   imgopt_anim_timing_clear() either way
 * @error: return location for a #GError
 *
 * Reads the RIFF chunks: VP8X, ANIM (loop count) and every ANMF
 * (duration).  A simple (VP8 or VP8L) or unanimated extended file is a
 * still: is_still, no durations.
 *
 * Returns: true, or false with @error set (IMGOPT_ERROR_DECODE) if the
 *   RIFF structure is broken or an animation lacks its ANIM chunk or
 *   frames.
 */
bool imgopt_anim_timing_from_webp(const void *data, gsize len,
				  ImgoptAnimTiming *timing_out, GError **error);

/**
 * imgopt_anim_same_timeline:
 * @source: the animation a browser plays today
 * @made: its re-encoding
 *
 * Whether @made shows a new frame only when @source does, each stored
 * frame of @made lasting exactly as long as the run of @source's frames
 * it stands for, with the same number of plays.  A still @made matches
 * (libwebp writes one only when no frame changes the picture).
 *
 * Returns: true if a browser plays them on the same clock.
 */
bool imgopt_anim_same_timeline(const ImgoptAnimTiming *source,
			       const ImgoptAnimTiming *made);

/** Frees what @timing owns. */
void imgopt_anim_timing_clear(ImgoptAnimTiming *timing);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ImgoptAnimTiming, imgopt_anim_timing_clear)

#endif /* IMGOPT_ANIM_H */
