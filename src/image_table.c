/*
 * image_table.c: what the libvips module (imgopt-vips.so) exports: the
 * table of image.c's functions that image_loader.c calls through.  It is
 * the module's only visible symbol.
 */
#include <gmodule.h>

#include "image_api.h"

G_MODULE_EXPORT const ImgoptImageApi imgopt_image_api = {
	.version = IMGOPT_VERSION,
	.vips_init = imgopt_vips_init,
	.vips_shutdown = imgopt_vips_shutdown,
	.vips_set_concurrency = imgopt_vips_set_concurrency,
	.vips_thread_done = imgopt_vips_thread_done,
	.vips_version = imgopt_vips_version,
	.vips_probe = imgopt_vips_probe,
	.picture_load = imgopt_picture_load,
	.picture_decode = imgopt_picture_decode,
	.picture_shrink = imgopt_picture_shrink,
	.picture_free = imgopt_picture_free,
	.picture_get_width = imgopt_picture_get_width,
	.picture_get_height = imgopt_picture_get_height,
	.picture_get_n_frames = imgopt_picture_get_n_frames,
	.picture_get_bands = imgopt_picture_get_bands,
	.picture_is_srgb8 = imgopt_picture_is_srgb8,
	.picture_get_pixels = imgopt_picture_get_pixels,
	.picture_get_mean = imgopt_picture_get_mean,
	.picture_wants_full_chroma = imgopt_picture_wants_full_chroma,
	.picture_encode = imgopt_picture_encode,
	.picture_ssim = imgopt_picture_ssim,
};
