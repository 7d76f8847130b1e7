/*
 * config.h: imgopt.conf, imgopt's own configuration file.  What a site's
 * generator configures (baseurl, exclude) and where POSTS and IMAGES are
 * found is layout.h's.
 *
 * imgopt.conf is an INI file (GKeyFile syntax) at the site root.  Every
 * key is the long name of a command-line option and sets its default:
 *
 *   [imgopt]
 *   posts = _posts
 *   images = postimg
 *   only-posts = false
 *   [sizes]
 *   widths = 480;960;1600
 *   display-width = 960
 *   [output]
 *   formats = jpeg;webp
 *   quality = 80
 *   link-format = auto
 *   srcset = false
 *   [run]
 *   jobs = 0
 *   max-pixels = 100000000
 *
 * Group names only arrange the file: a key means the same in any group
 * (a key repeated later wins).  A command uses the keys naming its own
 * options and ignores the others, so one file serves every command.  The
 * command line wins over the file, the file over the defaults.  `posts`
 * and `images` (relative to the site root) are the POSTS and IMAGES of a
 * command given none; imgopt_config_load() refuses a `posts` or `images`
 * that is absolute or climbs out of the site root with `..`.  Lists take
 * `;` or `,`.  `only-posts = true` (the common option --only-posts) makes
 * the posts the only files that name images, as before imgopt read the
 * whole site (referrers.h); a boolean is true, false, yes, no, 1 or 0.
 *
 * The site's own configuration is read where it exists: Jekyll's
 * `_config.yml` (`baseurl`, `exclude`) and Hugo's `hugo.toml` or
 * `config.toml` (`baseURL`, `contentDir`, `staticDir`).
 *
 * Ownership: results are transfer full; getters return transfer none.
 * Thread-safety: a loaded config is read-only.
 */
#ifndef IMGOPT_CONFIG_H
#define IMGOPT_CONFIG_H

#include <stdbool.h>
#include <glib.h> /* GError, GPtrArray */

/** The config file's name, at the site root. */
#define IMGOPT_CONFIG_NAME "imgopt.conf"

/** A loaded imgopt.conf.  Opaque. */
typedef struct ImgoptConfig ImgoptConfig;

/**
 * imgopt_config_load:
 * @path: the file
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the config, or NULL with @error set
 *   (IMGOPT_ERROR_PARSE, "FILE:LINE: …") if it cannot be read or parsed,
 *   or if its `posts` or `images` lies outside the site root.
 */
ImgoptConfig *imgopt_config_load(const char *path, GError **error);

/** Frees @config (nullable). */
void imgopt_config_free(ImgoptConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptConfig, imgopt_config_free)

/**
 * imgopt_config_find:
 * @start: a folder (POSTS, or the current folder)
 *
 * Looks for IMGOPT_CONFIG_NAME in @start and its parents, stopping at
 * the first folder holding a site configuration (`_config.yml`,
 * `hugo.toml`, `config.toml` …): the site root.
 *
 * Returns: (transfer full) (nullable): the file's path, or NULL.
 */
char *imgopt_config_find(const char *start);

/** Returns: (transfer none): the file the config was loaded from. */
const char *imgopt_config_get_path(const ImgoptConfig *config);

/**
 * imgopt_config_get:
 * @key: an option's long name ("widths")
 * @line_out: (out) (optional): the line it is set on, 1-based
 *
 * Returns: (transfer none) (nullable): the key's value (the last one set,
 *   in any group), lists joined with `,`; NULL if it is not set.
 */
const char *imgopt_config_get(const ImgoptConfig *config, const char *key,
			      int *line_out);

/**
 * imgopt_config_check_value:
 * @key: an option's long name
 * @value: its text
 * @error: return location for a #GError
 *
 * Checks the values whose meaning the core knows, as the command line's
 * are checked: imgopt_settings_check_value().  Other keys pass.
 *
 * Returns: true, or false with @error set (IMGOPT_ERROR_PARSE) saying
 *   what is wrong with @value, e.g. "'12x' is not a width".
 */
bool imgopt_config_check_value(const char *key, const char *value,
			       GError **error);

#endif /* IMGOPT_CONFIG_H */
