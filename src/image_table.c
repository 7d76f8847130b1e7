/*
 * image_table.c: the libvips adapter's module side of the table (image.h
 * maps the adapter's files): what imgopt-vips.so exports, image.c's
 * functions in the table image_loader.c calls through, generated from
 * image_api.h's list.  It is the module's only visible symbol.
 */
#include <gmodule.h>

#include "image_api.h"

#define TABLE_ENTRY(ret, name, ...) .name = imgopt_##name,

/* clang-format off */
G_MODULE_EXPORT const ImgoptImageApi imgopt_image_api = {
	.version = IMGOPT_VERSION,
	IMGOPT_IMAGE_OPS(TABLE_ENTRY)
};
/* clang-format on */
