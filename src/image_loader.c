/*
 * image_loader.c: the libvips adapter's libimgopt side (image.h maps the
 * adapter's files): image.h's functions, each a call through the table
 * of the libvips module (image_api.h says why), which is loaded on the
 * first call that needs it.  Most forwarders are generated from
 * image_api.h's list; the few that run without the module are written
 * out.
 *
 * The module is looked for, in order, in $IMGOPT_MODULE_DIR (the test
 * suite sets it), beside the running executable (a build tree) and in
 * the directory it was installed to (IMGOPT_MODULE_DIR from meson).  A
 * module of another version is refused: the table's layout is private.
 */
#include <gmodule.h>

#include "imgopt/error.h"

#include "image_api.h"

#define MODULE_NAME "imgopt-vips"

static char *loader_argv0;
static const ImgoptImageApi *loaded_api;
static char *load_failure; /* why the module could not be loaded */

/* Returns: (transfer full): where the module may be, most specific first. */
static GPtrArray *
module_candidates(void)
{
	GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
	const char *env = g_getenv("IMGOPT_MODULE_DIR");
	g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);

	if (env != NULL && *env != '\0')
		g_ptr_array_add(dirs, g_strdup(env));
	if (exe != NULL)
		g_ptr_array_add(dirs, g_path_get_dirname(exe));
	g_ptr_array_add(dirs, g_strdup(IMGOPT_MODULE_DIR));
	return dirs;
}

/* Opens MODULE_NAME in @dir; on failure appends the reason to @why. */
static const ImgoptImageApi *
open_module(const char *dir, GString *why)
{
	g_autofree char *path =
		g_build_filename(dir, MODULE_NAME "." G_MODULE_SUFFIX, NULL);
	GModule *module = NULL;
	gpointer table = NULL;

	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_string_append_printf(why, "; %s: not found", path);
		return NULL;
	}
	module = g_module_open(path, G_MODULE_BIND_LOCAL);
	if (module == NULL) {
		g_string_append_printf(why, "; %s", g_module_error());
		return NULL;
	}
	if (!g_module_symbol(module, IMGOPT_IMAGE_API_SYMBOL, &table) ||
	    table == NULL ||
	    g_strcmp0(((const ImgoptImageApi *)table)->version,
		      IMGOPT_VERSION) != 0) {
		g_string_append_printf(why,
				       "; %s: not an imgopt %s image module",
				       path, IMGOPT_VERSION);
		g_module_close(module);
		return NULL;
	}
	g_module_make_resident(module);
	return table;
}

static gpointer
load_module(G_GNUC_UNUSED gpointer data)
{
	g_autoptr(GPtrArray) dirs = module_candidates();
	g_autoptr(GString) why = g_string_new(NULL);
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < dirs->len && loaded_api == NULL; i++)
		loaded_api = open_module(g_ptr_array_index(dirs, i), why);
	if (loaded_api == NULL) {
		load_failure = g_strdup(why->str + 2);
		return NULL;
	}
	if (!loaded_api->vips_init(loader_argv0, &error)) {
		load_failure = g_strdup(error->message);
		loaded_api = NULL;
	}
	return NULL;
}

/* Returns: the module's table, or NULL with @error set (nullable). */
static const ImgoptImageApi *
api(GError **error)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, load_module, NULL);
	if (loaded_api == NULL)
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSUPPORTED,
			    "cannot load the image module (%s): %s",
			    MODULE_NAME, load_failure);
	return loaded_api;
}

/* For the functions that take a picture: one exists, so the module does. */
static const ImgoptImageApi *
api_loaded(void)
{
	g_assert(loaded_api != NULL);
	return loaded_api;
}

bool
imgopt_vips_init(const char *argv0, GError **error)
{
	g_return_val_if_fail(error == NULL || *error == NULL, false);
	if (loader_argv0 == NULL)
		loader_argv0 = g_strdup(argv0 != NULL ? argv0 : "imgopt");
	return true;
}

void
imgopt_vips_shutdown(void)
{
	if (loaded_api != NULL)
		loaded_api->vips_shutdown();
}

void
imgopt_vips_set_concurrency(int n_threads)
{
	const ImgoptImageApi *table = api(NULL);

	/* Without the module, the first load reports why. */
	if (table != NULL)
		table->vips_set_concurrency(n_threads);
}

void
imgopt_vips_thread_done(void)
{
	if (loaded_api != NULL)
		loaded_api->vips_thread_done();
}

const char *
imgopt_vips_version(void)
{
	const ImgoptImageApi *table = api(NULL);

	return table != NULL ? table->vips_version() : "unavailable";
}

/* The functions that take bytes: the module is loaded first. */
#define FORWARD_LOADING(ret, name, params, args, fail)                         \
	ret imgopt_##name params                                               \
	{                                                                      \
		const ImgoptImageApi *table = api(error);                      \
                                                                               \
		return table != NULL ? table->name args : fail;                \
	}

IMGOPT_IMAGE_LOADING_OPS(FORWARD_LOADING)

/* The functions that take a picture: one exists, so the module does. */
#define FORWARD_PICTURE(ret, name, params, args)                               \
	ret imgopt_##name params                                               \
	{                                                                      \
		return api_loaded()->name args;                                \
	}

IMGOPT_IMAGE_PICTURE_OPS(FORWARD_PICTURE)

void
imgopt_picture_free(ImgoptPicture *picture)
{
	if (picture != NULL)
		api_loaded()->picture_free(picture);
}
