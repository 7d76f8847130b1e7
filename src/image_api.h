/*
 * image_api.h: the table of functions the libvips module exports.
 *
 * libvips pulls in about a hundred shared libraries; relocating them
 * costs every process some 70 ms before main() on this kind of machine,
 * which is most of what `imgopt check`, `dupes` or `scan` on an
 * unchanged site cost.  So image.c is built into a loadable module
 * (imgopt-vips.so) rather than into libimgopt, and image_loader.c defines
 * the functions of image.h as thin calls through this table, loading the
 * module on first use.  Commands that decode no image never map libvips.
 *
 * The table lists every function of image.h; a function added there is
 * added here, in image_table.c and in image_loader.c.
 */
#ifndef IMGOPT_IMAGE_API_H
#define IMGOPT_IMAGE_API_H

#include "image.h"

/* The exported symbol holding the table, found with g_module_symbol(). */
#define IMGOPT_IMAGE_API_SYMBOL "imgopt_image_api"

/** The functions of image.h, as the module implements them. */
typedef struct {
	const char *version; /* IMGOPT_VERSION of the module's build */
	bool (*vips_init)(const char *argv0, GError **error);
	void (*vips_shutdown)(void);
	void (*vips_set_concurrency)(int n_threads);
	void (*vips_thread_done)(void);
	const char *(*vips_version)(void);
	bool (*vips_probe)(const void *data, gsize len, uint64_t max_pixels,
			   ImgoptImageInfo *info_out, GError **error);
	ImgoptPicture *(*picture_load)(const void *data, gsize len,
				       const ImgoptImageInfo *info,
				       uint32_t width, GError **error);
	ImgoptPicture *(*picture_decode)(const void *data, gsize len,
					 GError **error);
	ImgoptPicture *(*picture_shrink)(const ImgoptPicture *picture,
					 uint32_t width, GError **error);
	void (*picture_free)(ImgoptPicture *picture);
	uint32_t (*picture_get_width)(const ImgoptPicture *picture);
	uint32_t (*picture_get_height)(const ImgoptPicture *picture);
	uint32_t (*picture_get_n_frames)(const ImgoptPicture *picture);
	int (*picture_get_bands)(const ImgoptPicture *picture);
	bool (*picture_is_srgb8)(const ImgoptPicture *picture);
	const uint8_t *(*picture_get_pixels)(const ImgoptPicture *picture,
					     gsize *stride_out);
	bool (*picture_get_mean)(const ImgoptPicture *picture, int left,
				 int top, int width, int height,
				 double *mean_out, GError **error);
	bool (*picture_wants_full_chroma)(const ImgoptPicture *picture);
	GBytes *(*picture_encode)(const ImgoptPicture *picture,
				  const ImgoptEncodeOptions *options,
				  GError **error);
	bool (*picture_ssim)(const ImgoptPicture *reference, GBytes *encoded,
			     double *ssim_out, GError **error);
} ImgoptImageApi;

#endif /* IMGOPT_IMAGE_API_H */
