/*
 * config.h: imgopt.conf, the site's own configuration, and finding POSTS
 * and IMAGES in a site root.
 *
 * imgopt.conf is an INI file (GKeyFile syntax) at the site root.  Every
 * key is the long name of a command-line option and sets its default:
 *
 *   [imgopt]
 *   posts = _posts
 *   images = postimg
 *   [sizes]
 *   widths = 480;960;1600
 *   display-width = 960
 *   [output]
 *   formats = jpeg;webp
 *   quality = 80
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
 * `;` or `,`.
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

/** What a site's own configuration says that imgopt uses. */
typedef struct {
	char *baseurl;      /* "/blog" (Jekyll baseurl, the path of Hugo's
			       baseURL), or NULL */
	GPtrArray *exclude; /* (element-type utf8) Jekyll's exclude list */
	char *content_dir;  /* Hugo contentDir ("content"), or NULL */
	char *static_dir;   /* Hugo staticDir ("static"), or NULL */
} ImgoptSiteConfig;

/** Frees @config (nullable). */
void imgopt_site_config_free(ImgoptSiteConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImgoptSiteConfig, imgopt_site_config_free)

/**
 * imgopt_site_config_read:
 * @root: the site root
 *
 * Reads `_config.yml` (or `_config.yaml`), then `hugo.toml` (or
 * `config.toml`), the simple way: top-level `key: value` / `key = "value"`
 * lines and a flow (`[a, b]`) or block (`- a`) list for exclude.  Missing
 * or unreadable files give empty fields.
 *
 * Returns: (transfer full): what was found (never NULL).
 */
ImgoptSiteConfig *imgopt_site_config_read(const char *root);

/**
 * imgopt_config_is_excluded:
 * @exclude: (element-type utf8): Jekyll-style exclude entries
 * @path: a path relative to the site root
 *
 * Returns: true if an entry names @path or a folder holding it, or
 *   matches it as a glob (`*.tmp`, `_posts/drafts/x*`).
 */
bool imgopt_config_is_excluded(const GPtrArray *exclude, const char *path);

/**
 * imgopt_config_detect_dirs:
 * @root: a site root
 * @posts_out: (out) (transfer full): POSTS, relative to @root
 * @images_out: (out) (transfer full): IMAGES, relative to @root
 * @error: return location for a #GError
 *
 * Finds POSTS and IMAGES for a command given neither (the rule of
 * docs/configuration.md): POSTS is the first folder that exists of
 * `_posts` (Jekyll), `source/_posts` (Hexo), Hugo's contentDir or
 * `content`; IMAGES is, of the folders the posts' local references
 * resolve into, the one holding the most referenced files, counted by
 * their first path component (two for `static/`, `source/`, `assets/`);
 * ties go to the first in byte order.
 *
 * Returns: true, or false with @error set (G_FILE_ERROR_NOENT) if there
 *   is no posts folder or no post references a local image.
 */
bool imgopt_config_detect_dirs(const char *root, char **posts_out,
			       char **images_out, GError **error);

#endif /* IMGOPT_CONFIG_H */
