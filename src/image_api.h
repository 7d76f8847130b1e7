/*
 * image_api.h: the libvips adapter's one list of functions (image.h maps
 * the adapter's files): the table the module exports, and how the loader
 * forwards each function.
 *
 * libvips pulls in about a hundred shared libraries; relocating them
 * costs every process some 70 ms before main() on this kind of machine,
 * which is most of what `imgopt check`, `dupes` or `scan` on an
 * unchanged site cost.  So image.c is built into a loadable module
 * (imgopt-vips.so) rather than into libimgopt, and image_loader.c defines
 * the functions of image.h as thin calls through this table, loading the
 * module on first use.  Commands that decode no image never map libvips.
 *
 * One list below names every function of image.h, with its parameters:
 * it makes the table's type (here), the table (image_table.c) and the
 * loader's forwarding functions (image_loader.c).  Adding an operation
 * is: declare and document it in image.h, implement it in image.c, and
 * add its line to the list that says how it is forwarded.  The compiler
 * checks the three against each other (a forwarder or table entry whose
 * types differ from image.h's prototype does not compile; a function
 * missing from the list does not link into libimgopt).
 */
#ifndef IMGOPT_IMAGE_API_H
#define IMGOPT_IMAGE_API_H

#include "image.h"

/* The exported symbol holding the table, found with g_module_symbol(). */
#define IMGOPT_IMAGE_API_SYMBOL "imgopt_image_api"

/*
 * The lists: X(return type, name, (parameters), (arguments)[, value when
 * the module cannot load]) for the function imgopt_<name>.
 */

/* Forwarded by hand in image_loader.c: they run before, without or
 * instead of the module (init only records argv0; free takes NULL). */
#define IMGOPT_IMAGE_OWN_OPS(X)                                                \
	X(bool, vips_init, (const char *argv0, GError **error),                \
	  (argv0, error))                                                      \
	X(void, vips_shutdown, (void), ())                                     \
	X(void, vips_set_concurrency, (int n_threads), (n_threads))            \
	X(void, vips_thread_done, (void), ())                                  \
	X(const char *, vips_version, (void), ())                              \
	X(void, picture_free, (ImgoptPicture * picture), (picture))

/* Given bytes, not a picture: they load the module on first use and
 * fail with its reason (their last parameter is `error`). */
#define IMGOPT_IMAGE_LOADING_OPS(X)                                            \
	X(bool, vips_probe,                                                    \
	  (const void *data, gsize len, uint64_t max_pixels,                   \
	   ImgoptImageInfo *info_out, GError **error),                         \
	  (data, len, max_pixels, info_out, error), false)                     \
	X(ImgoptPicture *, picture_load,                                       \
	  (const void *data, gsize len, const ImgoptImageInfo *info,           \
	   uint32_t width, GError **error),                                    \
	  (data, len, info, width, error), NULL)                               \
	X(ImgoptPicture *, picture_decode,                                     \
	  (const void *data, gsize len, GError **error), (data, len, error),   \
	  NULL)

/* Given a picture, which only a loaded module makes. */
#define IMGOPT_IMAGE_PICTURE_OPS(X)                                            \
	X(ImgoptPicture *, picture_shrink,                                     \
	  (const ImgoptPicture *picture, uint32_t width, GError **error),      \
	  (picture, width, error))                                             \
	X(uint32_t, picture_get_width, (const ImgoptPicture *picture),         \
	  (picture))                                                           \
	X(uint32_t, picture_get_height, (const ImgoptPicture *picture),        \
	  (picture))                                                           \
	X(uint32_t, picture_get_n_frames, (const ImgoptPicture *picture),      \
	  (picture))                                                           \
	X(int, picture_get_bands, (const ImgoptPicture *picture), (picture))   \
	X(bool, picture_is_srgb8, (const ImgoptPicture *picture), (picture))   \
	X(const uint8_t *, picture_get_pixels,                                 \
	  (const ImgoptPicture *picture, gsize *stride_out),                   \
	  (picture, stride_out))                                               \
	X(bool, picture_get_mean,                                              \
	  (const ImgoptPicture *picture, int left, int top, int width,         \
	   int height, double *mean_out, GError **error),                      \
	  (picture, left, top, width, height, mean_out, error))                \
	X(bool, picture_wants_full_chroma, (const ImgoptPicture *picture),     \
	  (picture))                                                           \
	X(GBytes *, picture_encode,                                            \
	  (const ImgoptPicture *picture, const ImgoptEncodeOptions *options,   \
	   GError **error),                                                    \
	  (picture, options, error))                                           \
	X(GBytes *, picture_encode_animated_webp,                              \
	  (const ImgoptPicture *picture, int quality, bool is_lossless,        \
	   GError **error),                                                    \
	  (picture, quality, is_lossless, error))                              \
	X(bool, picture_ssim,                                                  \
	  (const ImgoptPicture *reference, GBytes *encoded, double *ssim_out,  \
	   GError **error),                                                    \
	  (reference, encoded, ssim_out, error))                               \
	X(bool, picture_score,                                                 \
	  (const ImgoptPicture *reference, GBytes *encoded,                    \
	   ImgoptQualityScore *score_out, GError **error),                     \
	  (reference, encoded, score_out, error))

/* Every function of image.h. */
#define IMGOPT_IMAGE_OPS(X)                                                    \
	IMGOPT_IMAGE_OWN_OPS(X)                                                \
	IMGOPT_IMAGE_LOADING_OPS(X)                                            \
	IMGOPT_IMAGE_PICTURE_OPS(X)

#define IMGOPT_IMAGE_API_FIELD(ret, name, params, ...) ret(*name) params;

/** The functions of image.h, as the module implements them. */
typedef struct {
	const char *version; /* IMGOPT_VERSION of the module's build */
	IMGOPT_IMAGE_OPS(IMGOPT_IMAGE_API_FIELD)
} ImgoptImageApi;

#endif /* IMGOPT_IMAGE_API_H */
