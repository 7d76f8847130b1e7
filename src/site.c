/*
 * site.c: the site root, the post list, and resolving references.
 *
 * Resolving turns the URL a post wrote into a file of the site, in four
 * steps (site.h lists the rules a user sees):
 *
 *   url ──▶ strip_liquid ──▶ classify_scheme ──▶ clean_path ──▶ candidates
 *           {{site.baseurl}}  REMOTE / OUTSIDE    ?#, baseurl,   site root,
 *           {{ "x" | … }}     (file:, C:, \\)     %XX, \ → /     post folder,
 *                                                                asset folder
 *                                                      │ none
 *                                                      ▼
 *                                                   repair (by name)
 *
 * Path safety works in two layers, and neither opens a file:
 *   - lexical: the decoded path is joined to its base folder and folded
 *     with imgopt_fs_normalize(), which refuses a `..` climbing above the
 *     site root.  Decoding comes first, so `%2e%2e` and `..%2f` are seen as
 *     the `..` they are; `\` becomes `/` first, so `..\..\x` is too.
 *   - physical: an existing candidate is passed through realpath(), and
 *     the symlink-free result must still lie under the (symlink-free) site
 *     root; only then is it stat()ed to check it is a regular file.  So a
 *     symlink, or a symlinked folder, leading out gives OUTSIDE, and a
 *     FIFO or device is never opened.
 *
 * The name index maps a file name to the files of IMAGES that have it; the
 * strings are borrowed from the sorted `images` array, so each list is
 * sorted too.
 */
#include "imgopt/config.h"
#include "imgopt/layout.h"
#include "imgopt/recompress.h"
#include "imgopt/error.h"
#include "imgopt/scan.h"
#include "imgopt/site.h"

#include "fsio.h"
#include "hash.h"
#include "site_gen.h"

#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

struct ImgoptSite {
	char *root;          /* absolute, symlink-free */
	char *posts_dir;     /* POSTS relative to root, "" for root */
	char *images_dir;    /* IMAGES relative to root, "" for root */
	char *output_dir;    /* IMAGES/IMGOPT_OUTPUT_DIR relative to root */
	char *baseurl;       /* "/blog", or NULL */
	GPtrArray *web_dirs; /* (element-type utf8) where `/x` is looked up */
	GPtrArray *images;   /* (element-type utf8) files under IMAGES, listed
				on first use (index_once()) */
	GHashTable *by_name; /* name → GPtrArray of paths from images */
	gsize is_indexed;    /* g_once_init_enter() guard of both */
	GPtrArray *exclude;  /* (element-type utf8) Jekyll's exclude list */
	ImgoptScanDialect dialect; /* how its Markdown renders */
	ImgoptGenerator generator; /* what builds it */
	bool renders_raw_html;     /* its Markdown keeps raw HTML */
	char *content_dir;         /* Hugo: its contentDir ("content") */
	GPtrArray *static_dirs;    /* (element-type utf8) Hugo: its staticDir
				      folders ("static"), whether they exist
				      or not; empty for other generators */
	ImgoptSiteVariantDirFunc variant_dir_func; /* tests: decides
						      variant_dir, or NULL */
	void *variant_dir_data;                    /* its user data */
	GHashTable *entries; /* path → struct stat: a walk's, or NULL
				(imgopt_site_set_entries()) */
};

/* Folders a static-site generator publishes at `/` besides the root. */
static const char *const web_dir_names[] = {"static", "source"};

/* Folders never scanned, wherever they are (besides dot-folders). */
static const char *const skipped_dirs[] = {"_site", "node_modules"};

/* ---- opening ---------------------------------------------------------- */

static char *
real_dir(const char *path, GError **error)
{
	g_autofree char *real = imgopt_fs_realpath(path, error);

	if (real == NULL)
		return NULL;
	if (!g_file_test(real, G_FILE_TEST_IS_DIR)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR,
			    "'%s' is not a folder", path);
		return NULL;
	}
	return g_steal_pointer(&real);
}

static bool
is_inside(const char *root, const char *path)
{
	g_autofree char *rel = imgopt_fs_relative(root, path);

	return rel != NULL;
}

/* The deepest folder holding both absolute paths @a and @b. */
static char *
common_ancestor(const char *a, const char *b)
{
	size_t n = 0;

	for (size_t i = 0; a[i] != '\0' && a[i] == b[i]; i++)
		if (a[i] == '/')
			n = i;
	/* Both may be the same folder, or one may contain the other. */
	size_t la = strlen(a), lb = strlen(b);
	if (strncmp(a, b, MIN(la, lb)) == 0 &&
	    (la == lb || (la < lb ? b[la] : a[lb]) == '/'))
		n = MIN(la, lb);
	return n == 0 ? g_strdup("/") : g_strndup(a, n);
}

static char *
find_root(const char *posts, const char *images)
{
	g_autofree char *dir = g_strdup(posts);

	for (;;) {
		if (imgopt_layout_is_site_root(dir) && is_inside(dir, images))
			return g_steal_pointer(&dir);
		if (strcmp(dir, "/") == 0)
			break;
		char *parent = g_path_get_dirname(dir);
		g_free(dir);
		dir = parent;
	}
	return common_ancestor(posts, images);
}

/* Looks at the paths as given (absolute, but symlinks not followed): a
 * symlinked POSTS or IMAGES must not move the root out of the site whose
 * config sits beside it; where the symlink leads is set_dirs()' to
 * check. */
static char *
detect_root(const char *posts_as_given, const char *images_as_given,
	    GError **error)
{
	g_autofree char *posts = g_canonicalize_filename(posts_as_given, NULL);
	g_autofree char *images =
		g_canonicalize_filename(images_as_given, NULL);
	g_autofree char *found = find_root(posts, images);

	return real_dir(found, error);
}

static char *
relative_to_root(const char *root, const char *real, const char *as_given,
		 GError **error)
{
	char *rel = imgopt_fs_relative(root, real);

	g_autofree char *logical = g_canonicalize_filename(as_given, NULL);

	if (rel == NULL && strcmp(logical, real) != 0)
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE,
			    "'%s' leads to '%s', outside the site root '%s' "
			    "(a symlink): imgopt does not write outside the "
			    "site",
			    as_given, real, root);
	else if (rel == NULL)
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE,
			    "'%s' is not inside the site root '%s'", as_given,
			    root);
	return rel;
}

/* The value of a `baseurl:` line as a "/path" prefix, or NULL. */
static char *
parse_baseurl(const char *line)
{
	g_autofree char *value =
		g_strstrip(g_strdup(line + strlen("baseurl:")));
	char *v = value;

	if (*v == '"' || *v == '\'') {
		char *end = strchr(v + 1, *v);

		if (end == NULL)
			return NULL;
		*end = '\0';
		v++;
	}
	else {
		char *comment = strstr(v, " #");

		if (comment != NULL)
			*comment = '\0';
	}
	g_strstrip(v);
	while (*v != '\0' && v[strlen(v) - 1] == '/')
		v[strlen(v) - 1] = '\0';
	while (*v == '/')
		v++;
	if (*v == '\0' || strstr(v, "://") != NULL || strstr(v, "{{") != NULL)
		return NULL;
	return g_strconcat("/", v, NULL);
}

/* The lines of the root's `_config.yml` (or `_config.yaml`), or NULL if
 * it has neither or they cannot be read. */
static char **
jekyll_config_lines(const char *root)
{
	static const char *const jekyll_configs[] = {"_config.yml",
						     "_config.yaml"};

	for (size_t i = 0; i < G_N_ELEMENTS(jekyll_configs); i++) {
		g_autofree char *path =
			g_build_filename(root, jekyll_configs[i], NULL);
		g_autofree char *text = NULL;

		if (g_file_test(path, G_FILE_TEST_IS_REGULAR) &&
		    g_file_get_contents(path, &text, NULL, NULL))
			return g_strsplit(text, "\n", -1);
	}
	return NULL;
}

/*
 * Reads the site's `baseurl` the simple way: the first line starting with
 * `baseurl:` in the root's `_config.yml`/`_config.yaml`.  A config that
 * cannot be read simply has no baseurl.
 */
static char *
read_baseurl(const char *root)
{
	g_auto(GStrv) lines = jekyll_config_lines(root);

	for (char **l = lines; l != NULL && *l != NULL; l++)
		if (g_str_has_prefix(*l, "baseurl:"))
			return parse_baseurl(*l);
	return NULL;
}

/* The renderer of a Jekyll site's Markdown: kramdown, its default,
 * unless a `markdown:` line names another (read the simple way, as the
 * baseurl); CommonMark for any other site. */
static ImgoptScanDialect
read_dialect(const char *root)
{
	g_auto(GStrv) lines = jekyll_config_lines(root);

	if (lines == NULL)
		return IMGOPT_SCAN_COMMONMARK;
	for (char **l = lines; *l != NULL; l++) {
		if (!g_str_has_prefix(*l, "markdown:"))
			continue;
		g_autofree char *v = g_strdup(*l + strlen("markdown:"));
		char *hash = strstr(v, " #");
		if (hash != NULL)
			*hash = '\0';
		g_strstrip(v);
		if (v[0] != '\0' && g_ascii_strcasecmp(v, "kramdown") != 0)
			return IMGOPT_SCAN_COMMONMARK;
	}
	return IMGOPT_SCAN_KRAMDOWN;
}

/* What a directory walk of the site keeps (imgopt_fs_walk_dir() filter). */
typedef struct {
	const ImgoptSite *site;
	bool is_post_walk; /* keep only post files (else every file) */
} WalkFilter;

static bool
is_skipped_dir(const WalkFilter *f, const char *rel, const char *name)
{
	if (name[0] == '.')
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(skipped_dirs); i++)
		if (strcmp(name, skipped_dirs[i]) == 0)
			return true;
	/* Hexo: variants live in each post asset folder's and each published
	 * folder's own IMGOPT_OUTPUT_DIR too (site_hexo.c) */
	if (f->site->generator == IMGOPT_GENERATOR_HEXO &&
	    strcmp(name, IMGOPT_OUTPUT_DIR) == 0)
		return true;
	return strcmp(rel, f->site->output_dir) == 0;
}

static bool
is_post_name(const char *name)
{
	g_autofree char *lower = g_ascii_strdown(name, -1);

	return g_str_has_suffix(lower, ".md") ||
	       g_str_has_suffix(lower, ".markdown") ||
	       g_str_has_suffix(lower, ".html");
}

static bool
keep_entry(const char *rel, const char *name, bool is_dir, void *user_data)
{
	const WalkFilter *f = user_data;

	if (is_dir)
		return !is_skipped_dir(f, rel, name);
	return !f->is_post_walk || is_post_name(name);
}

/*
 * Walks @dir (relative to the root) and returns its regular files,
 * relative to the root, sorted.
 */
static GPtrArray *
walk_site(const ImgoptSite *site, const char *dir, bool is_post_walk,
	  GError **error)
{
	WalkFilter f = {site, is_post_walk};
	g_autoptr(GPtrArray) types = NULL;
	g_autoptr(GPtrArray) found = imgopt_fs_walk_dir(
		site->root, dir, keep_entry, &f, &types, NULL, error);

	if (found == NULL)
		return NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < found->len; i++)
		if (GPOINTER_TO_UINT(g_ptr_array_index(types, i)) ==
		    IMGOPT_FS_REGULAR)
			g_ptr_array_add(out, g_steal_pointer(&found->pdata[i]));
	return out;
}

static void
index_images(ImgoptSite *site)
{
	g_autoptr(GError) error = NULL;

	site->images = walk_site(site, site->images_dir, false, &error);
	if (site->images == NULL) {
		/* It could be listed when the site was opened. */
		g_debug("site: %s", error->message);
		site->images = g_ptr_array_new_with_free_func(g_free);
	}
	site->by_name =
		g_hash_table_new_full(imgopt_str_hash, g_str_equal, NULL,
				      (GDestroyNotify)g_ptr_array_unref);
	for (guint i = 0; i < site->images->len; i++) {
		char *path = g_ptr_array_index(site->images, i);
		char *slash = strrchr(path, '/');
		char *name = slash != NULL ? slash + 1 : path;
		GPtrArray *same = g_hash_table_lookup(site->by_name, name);

		if (same == NULL) {
			same = g_ptr_array_new();
			g_hash_table_insert(site->by_name, name, same);
		}
		g_ptr_array_add(same, path);
	}
}

/* The name index is built on first use, by whichever thread needs it
 * first: commands that resolve nothing (a memo's replay) never list
 * IMAGES for it. */
static void
index_once(const ImgoptSite *site)
{
	ImgoptSite *s = (ImgoptSite *)site;

	if (g_once_init_enter(&s->is_indexed)) {
		index_images(s);
		g_once_init_leave(&s->is_indexed, 1);
	}
}

/* Whether IMAGES can be listed, so that the index built later can. */
static bool
check_images(const ImgoptSite *site, GError **error)
{
	g_autofree char *abs =
		g_build_filename(site->root, site->images_dir, NULL);
	g_autoptr(GDir) dir = g_dir_open(abs, 0, error);

	return dir != NULL;
}

/* Where `/x` is looked up.  Hugo publishes its static folders at `/`
 * and the files of its content folder at their path below it, and
 * nothing of the root itself: those that exist, in that order.  Hexo:
 * the root, then its source_dir and theme's source (site_hexo.c).  Other
 * generators: the root, then `static/` and `source/` if they exist. */
static void
find_web_dirs(ImgoptSite *site)
{
	const bool is_hugo = site->generator == IMGOPT_GENERATOR_HUGO;
	g_autoptr(GPtrArray) names = g_ptr_array_new();

	site->web_dirs = g_ptr_array_new_with_free_func(g_free);
	if (site->generator == IMGOPT_GENERATOR_HEXO) {
		g_ptr_array_add(site->web_dirs, g_strdup(""));
		imgopt_hexo_add_web_dirs(site->root, site->web_dirs);
		return;
	}
	if (!is_hugo)
		g_ptr_array_add(site->web_dirs, g_strdup(""));
	for (guint i = 0; is_hugo && i < site->static_dirs->len; i++)
		g_ptr_array_add(names, g_ptr_array_index(site->static_dirs, i));
	if (is_hugo)
		g_ptr_array_add(names, site->content_dir);
	for (size_t i = 0; !is_hugo && i < G_N_ELEMENTS(web_dir_names); i++)
		g_ptr_array_add(names, (char *)web_dir_names[i]);
	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		g_autofree char *abs = g_build_filename(site->root, name, NULL);

		if (imgopt_fs_is_inside_root(name) &&
		    g_file_test(abs, G_FILE_TEST_IS_DIR))
			g_ptr_array_add(site->web_dirs, g_strdup(name));
	}
}

/* Fills @site's relative folders from the absolute ones. */
static bool
set_dirs(ImgoptSite *site, const char *posts, const char *posts_as_given,
	 const char *images, const char *images_as_given, GError **error)
{
	site->posts_dir =
		relative_to_root(site->root, posts, posts_as_given, error);
	if (site->posts_dir == NULL)
		return false;
	site->images_dir =
		relative_to_root(site->root, images, images_as_given, error);
	if (site->images_dir == NULL)
		return false;
	site->output_dir = *site->images_dir
				   ? g_build_filename(site->images_dir,
						      IMGOPT_OUTPUT_DIR, NULL)
				   : g_strdup(IMGOPT_OUTPUT_DIR);
	return true;
}

/* What layout.c reads of the site's own config: Jekyll's exclude list
 * (posts matching it are not listed), Hugo's baseURL when no Jekyll
 * baseurl was found, and Hugo's content and static folders. */
static void
apply_site_config(ImgoptSite *site)
{
	g_autoptr(ImgoptSiteLayout) sc = imgopt_site_layout_read(site->root);

	if (site->baseurl == NULL)
		site->baseurl = g_steal_pointer(&sc->baseurl);
	site->exclude = g_steal_pointer(&sc->exclude);
	site->static_dirs = g_ptr_array_new_with_free_func(g_free);
	site->renders_raw_html =
		site->generator != IMGOPT_GENERATOR_HUGO || sc->hugo_raw_html;
	if (site->generator != IMGOPT_GENERATOR_HUGO)
		return;
	site->content_dir = sc->content_dir != NULL
				    ? g_steal_pointer(&sc->content_dir)
				    : g_strdup("content");
	for (guint i = 0; i < sc->static_dirs->len; i++)
		g_ptr_array_add(
			site->static_dirs,
			g_strdup(g_ptr_array_index(sc->static_dirs, i)));
	if (site->static_dirs->len == 0)
		g_ptr_array_add(site->static_dirs, g_strdup("static"));
	/* a theme's static folder is published at `/` too, under the
	 * site's own (which wins where both hold a file) */
	for (guint i = 0; i < sc->themes->len; i++)
		g_ptr_array_add(site->static_dirs,
				g_strdup_printf("themes/%s/static",
						(char *)g_ptr_array_index(
							sc->themes, i)));
}

/* Why POSTS and IMAGES may not both be @dir (relative to the root), or
 * NULL if they may: the variants go to @dir/IMGOPT_OUTPUT_DIR and posts
 * link them there, so @dir must be published at its own path.  Jekyll
 * and Hexo publish no folder whose name starts with `_`.  Hugo's content
 * folder may be both: a bundle's variants live in the bundle
 * (site_hugo.c), published beside its page. */
static char *
same_dir_problem(const ImgoptSite *site, const char *dir)
{
	g_auto(GStrv) parts = g_strsplit(dir, "/", -1);

	if (site->generator == IMGOPT_GENERATOR_HUGO)
		return NULL;
	for (guint i = 0; parts[i] != NULL; i++)
		if (parts[i][0] == '_')
			return g_strdup_printf(
				"'%s' is not published by Jekyll or Hexo (a "
				"folder starting with '_')",
				dir);
	return NULL;
}

/* imgopt's own folder at the root (manifest, lock, trash: manifest.h,
 * prune.h) must not lead out of the site, or every command writing its
 * state would write outside the site. */
static bool
check_state_dir(const ImgoptSite *site, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (imgopt_fs_check_site_path(site->root, ".imgopt", &local))
		return true;
	g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE,
		    "%s: imgopt keeps its manifest and trash in the site "
		    "root '%s'",
		    local->message, site->root);
	return false;
}

/* POSTS equal to IMAGES only where that folder is published as it is. */
static bool
check_same_dir(const ImgoptSite *site, GError **error)
{
	if (strcmp(site->posts_dir, site->images_dir) != 0)
		return true;
	g_autofree char *why = same_dir_problem(site, site->posts_dir);
	if (why == NULL)
		return true;
	g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		    "POSTS and IMAGES are the same folder, and %s: links to "
		    "its variants would be broken; give as IMAGES the folder "
		    "the posts' images are served from (e.g. assets/img or "
		    "static/img)",
		    why);
	return false;
}

ImgoptSite *
imgopt_site_open(const char *posts_dir, const char *images_dir,
		 const char *site_root, GError **error)
{
	g_return_val_if_fail(posts_dir != NULL, NULL);
	g_return_val_if_fail(images_dir != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	g_autofree char *posts = real_dir(posts_dir, error);
	if (posts == NULL)
		return NULL;
	g_autofree char *images = real_dir(images_dir, error);
	if (images == NULL)
		return NULL;
	g_autofree char *root =
		site_root != NULL ? real_dir(site_root, error)
				  : detect_root(posts_dir, images_dir, error);
	if (root == NULL)
		return NULL;

	g_autoptr(ImgoptSite) site = g_new0(ImgoptSite, 1);
	site->root = g_steal_pointer(&root);
	site->generator = imgopt_layout_generator(site->root);
	if (!set_dirs(site, posts, posts_dir, images, images_dir, error) ||
	    !check_same_dir(site, error) || !check_state_dir(site, error))
		return NULL;
	site->baseurl = read_baseurl(site->root);
	site->dialect = read_dialect(site->root);
	apply_site_config(site);
	find_web_dirs(site);
	if (!check_images(site, error))
		return NULL;
	return g_steal_pointer(&site);
}

void
imgopt_site_free(ImgoptSite *site)
{
	if (site == NULL)
		return;
	g_clear_pointer(&site->by_name, g_hash_table_unref);
	g_clear_pointer(&site->images, g_ptr_array_unref);
	g_clear_pointer(&site->web_dirs, g_ptr_array_unref);
	g_free(site->root);
	g_free(site->posts_dir);
	g_free(site->images_dir);
	g_free(site->output_dir);
	g_free(site->baseurl);
	g_clear_pointer(&site->exclude, g_ptr_array_unref);
	g_free(site->content_dir);
	g_clear_pointer(&site->static_dirs, g_ptr_array_unref);
	g_clear_pointer(&site->entries, g_hash_table_unref);
	g_free(site);
}

void
imgopt_site_set_entries(ImgoptSite *site, GHashTable *entries)
{
	g_return_if_fail(site != NULL);
	g_clear_pointer(&site->entries, g_hash_table_unref);
	site->entries = entries;
}

const struct stat *
imgopt_site_lookup_entry(const ImgoptSite *site, const char *rel)
{
	g_return_val_if_fail(site != NULL && rel != NULL, NULL);
	return site->entries != NULL ? g_hash_table_lookup(site->entries, rel)
				     : NULL;
}

const char *
imgopt_site_get_root(const ImgoptSite *site)
{
	g_return_val_if_fail(site != NULL, NULL);
	return site->root;
}

const char *
imgopt_site_get_posts_dir(const ImgoptSite *site)
{
	g_return_val_if_fail(site != NULL, NULL);
	return site->posts_dir;
}

const char *
imgopt_site_get_images_dir(const ImgoptSite *site)
{
	g_return_val_if_fail(site != NULL, NULL);
	return site->images_dir;
}

const char *
imgopt_site_get_baseurl(const ImgoptSite *site)
{
	g_return_val_if_fail(site != NULL, NULL);
	return site->baseurl;
}

char *
imgopt_site_describe(const ImgoptSite *site)
{
	g_return_val_if_fail(site != NULL, NULL);

	GString *out = g_string_new(NULL);

	g_string_append_printf(out, "root=%s\nposts=%s\nimages=%s\n",
			       site->root, site->posts_dir, site->images_dir);
	g_string_append_printf(out, "baseurl=%s\n",
			       site->baseurl != NULL ? site->baseurl : "");
	for (guint i = 0; i < site->web_dirs->len; i++)
		g_string_append_printf(
			out, "web_dir=%s\n",
			(char *)g_ptr_array_index(site->web_dirs, i));
	for (guint i = 0; site->exclude != NULL && i < site->exclude->len; i++)
		g_string_append_printf(
			out, "exclude=%s\n",
			(char *)g_ptr_array_index(site->exclude, i));
	return g_string_free(out, FALSE);
}

const GPtrArray *
imgopt_site_get_images(const ImgoptSite *site)
{
	g_return_val_if_fail(site != NULL, NULL);
	index_once(site);
	return site->images;
}

const GPtrArray *
imgopt_site_lookup_name(const ImgoptSite *site, const char *name)
{
	g_return_val_if_fail(site != NULL, NULL);
	g_return_val_if_fail(name != NULL, NULL);
	index_once(site);
	return g_hash_table_lookup(site->by_name, name);
}

bool
imgopt_site_is_excluded(const ImgoptSite *site, const char *path)
{
	g_return_val_if_fail(site != NULL && path != NULL, false);

	return imgopt_layout_is_excluded(site->exclude, path);
}

GPtrArray *
imgopt_site_list_posts(const ImgoptSite *site, GError **error)
{
	g_return_val_if_fail(site != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	GPtrArray *posts = walk_site(site, site->posts_dir, true, error);

	for (guint i = posts != NULL ? posts->len : 0; i > 0; i--)
		if (imgopt_layout_is_excluded(site->exclude,
					      g_ptr_array_index(posts, i - 1)))
			g_ptr_array_remove_index(posts, i - 1);
	return posts;
}

/* ---- resolving -------------------------------------------------------- */

/* A reference on its way from URL to file. */
typedef struct {
	char *path;        /* the URL, then the cleaned path */
	bool is_site_path; /* relative to the site root (`/x`, Liquid) */
} Dest;

static void
dest_clear(Dest *d)
{
	g_clear_pointer(&d->path, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Dest, dest_clear)

static void
set_result(ImgoptRef *ref, ImgoptRefStatus status, char *resolved,
	   char *message)
{
	ref->status = status;
	g_free(ref->resolved);
	ref->resolved = resolved;
	g_free(ref->message);
	ref->message = message;
}

/* @s without its spaces: "prepend: site.baseurl" → "prepend:site.baseurl". */
static char *
squeeze(const char *s, size_t len)
{
	GString *out = g_string_sized_new(len);

	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isspace(s[i]))
			g_string_append_c(out, s[i]);
	return g_string_free(out, FALSE);
}

/* Whether every filter of "| a | b" (maybe none) only adds the site URL. */
static bool
is_url_filter_chain(const char *filters)
{
	static const char *const known[] = {
		"relative_url",
		"absolute_url",
		"prepend:site.baseurl",
		"prepend:site.url",
	};
	g_auto(GStrv) parts = g_strsplit(filters, "|", -1);

	for (char **p = parts; *p != NULL; p++) {
		bool is_known = false;

		if (p == parts) {
			if (**p != '\0') /* something between string and "|" */
				return false;
			continue;
		}
		for (size_t i = 0; i < G_N_ELEMENTS(known); i++)
			is_known = is_known || strcmp(*p, known[i]) == 0;
		if (!is_known)
			return false;
	}
	return true;
}

/*
 * One `{{ … }}` at the start of @d: a site-URL variable is dropped, a
 * quoted string under URL filters is replaced by the string.  Returns
 * false if the expression is something else.
 */
static bool
strip_one_liquid(Dest *d, const char *end)
{
	size_t inner_len = (size_t)(end - d->path) - 2;
	g_autofree char *inner = squeeze(d->path + 2, inner_len);
	const char *after = end + 2;
	char quote = inner[0];

	if (strcmp(inner, "site.baseurl") == 0 ||
	    strcmp(inner, "site.url") == 0) {
		char *rest = g_strdup(after);

		g_free(d->path);
		d->path = rest;
		return true;
	}
	if (quote != '"' && quote != '\'')
		return false;
	/* Quotes are found in the original text: the string may hold spaces. */
	const char *open = strchr(d->path + 2, quote);
	const char *close = strchr(open + 1, quote);
	if (close == NULL || close > end)
		return false;
	g_autofree char *filters =
		squeeze(close + 1, (size_t)(end - close - 1));
	if (!is_url_filter_chain(filters))
		return false;
	char *value = g_strdup_printf("%.*s%s", (int)(close - open - 1),
				      open + 1, after);
	g_free(d->path);
	d->path = value;
	return true;
}

/*
 * Removes the Liquid prefixes a Jekyll post keeps as written.  Returns
 * false (with *why_out set) for a template expression we cannot evaluate.
 */
static bool
strip_liquid(Dest *d, char **why_out)
{
	while (g_str_has_prefix(d->path, "{{")) {
		const char *end = strstr(d->path, "}}");

		if (end == NULL || !strip_one_liquid(d, end)) {
			*why_out = g_strdup("a template expression imgopt "
					    "cannot evaluate");
			return false;
		}
		d->is_site_path = true;
	}
	if (strstr(d->path, "{{") != NULL || strstr(d->path, "{%") != NULL) {
		*why_out = g_strdup(
			"a template expression imgopt cannot evaluate");
		return false;
	}
	return true;
}

/* Whether @s holds a closed Liquid `{{ … }}` or `{% … %}`. */
static bool
is_closed_liquid(const char *s)
{
	const char *o = strstr(s, "{{"), *t = strstr(s, "{%");

	return (o != NULL && strstr(o + 2, "}}") != NULL) ||
	       (t != NULL && strstr(t + 2, "%}") != NULL);
}

/*
 * The scheme decides before any path work: a URL with a host or a
 * non-file scheme is someone else's; `file:`, `C:` and `\\server` name
 * file system paths, which a post never may.
 */
static ImgoptRefStatus
classify_scheme(const char *path, char **why_out)
{
	if (g_str_has_prefix(path, "\\\\")) {
		*why_out =
			g_strdup("a Windows network path is not a site path");
		return IMGOPT_REF_STATUS_OUTSIDE;
	}
	if (g_str_has_prefix(path, "//"))
		return IMGOPT_REF_STATUS_REMOTE;

	const char *scheme = g_uri_peek_scheme(path); /* interned */
	if (scheme == NULL)
		return IMGOPT_REF_STATUS_UNRESOLVED;
	if (strlen(scheme) == 1) {
		*why_out = g_strdup("a Windows drive path is not a site path");
		return IMGOPT_REF_STATUS_OUTSIDE;
	}
	if (strcmp(scheme, "file") == 0) {
		*why_out = g_strdup("a file: URL is not a site path");
		return IMGOPT_REF_STATUS_OUTSIDE;
	}
	return IMGOPT_REF_STATUS_REMOTE;
}

/*
 * Turns what is left of the URL into a relative path with `/` separators:
 * cuts `?query` and `#fragment` (before decoding, so `%23` stays part of
 * the name), drops the site's literal baseurl, decodes `%XX` (a malformed
 * escape is taken literally, as a browser would send it) and turns `\`
 * into `/`.  Returns false with *why_out set if the decoded path names a
 * Windows drive.
 */
static bool
clean_path(const ImgoptSite *site, Dest *d, char **why_out)
{
	d->path[strcspn(d->path, "?#")] = '\0';
	if (d->path[0] == '/' && site->baseurl != NULL &&
	    g_str_has_prefix(d->path, site->baseurl)) {
		size_t n = strlen(site->baseurl);

		if (d->path[n] == '/' || d->path[n] == '\0') {
			memmove(d->path, d->path + n, strlen(d->path + n) + 1);
			d->is_site_path = true;
		}
	}
	char *decoded = g_uri_unescape_string(d->path, NULL);
	if (decoded != NULL) {
		g_free(d->path);
		d->path = decoded;
	}
	g_strdelimit(d->path, "\\", '/');
	if (g_ascii_isalpha(d->path[0]) && d->path[1] == ':' &&
	    (d->path[2] == '/' || d->path[2] == '\0')) {
		*why_out = g_strdup("a Windows drive path is not a site path");
		return false;
	}
	if (d->path[0] == '/')
		d->is_site_path = true;
	return true;
}

/* The folder of @post ("" at the root). */
static char *
post_folder(const char *post)
{
	const char *slash = post != NULL ? strrchr(post, '/') : NULL;

	return slash != NULL ? g_strndup(post, (size_t)(slash - post))
			     : g_strdup("");
}

/*
 * The Hexo post asset folder: the post's path without its extension.
 * NULL for a Hugo page bundle (`index.md`, `_index.md`), whose assets are
 * in the post's own folder.
 */
static char *
asset_folder(const char *post)
{
	if (post == NULL)
		return NULL;
	const char *slash = strrchr(post, '/');
	const char *name = slash != NULL ? slash + 1 : post;
	const char *dot = strrchr(name, '.');
	size_t stem = dot != NULL && dot != name ? (size_t)(dot - name)
						 : strlen(name);

	if ((stem == 5 && strncmp(name, "index", 5) == 0) ||
	    (stem == 6 && strncmp(name, "_index", 6) == 0))
		return NULL;
	return g_strndup(post, (size_t)(name - post) + stem);
}

/*
 * The folder a stylesheet's url()s are relative to: its own, but for a
 * Sass or Less source kept out of the published site (`_sass/`, `less/`
 * …), whose output folder is unknown, the root's `css/` if it exists,
 * else the root.
 */
static char *
stylesheet_folder(const ImgoptSite *site, const char *path)
{
	static const char *const sources[] = {"_sass", "_scss", "_less", "sass",
					      "scss",  "less",  NULL};
	g_autofree char *top = g_strndup(path, strcspn(path, "/"));
	g_autofree char *css = g_build_filename(site->root, "css", NULL);

	if (g_str_has_suffix(path, ".css") || path[strlen(top)] == '\0' ||
	    !g_strv_contains(sources, top))
		return post_folder(path);
	return g_strdup(g_file_test(css, G_FILE_TEST_IS_DIR) ? "css" : "");
}

/* A front matter, config or data value is a site path: the root, or for
 * Hugo (whose templates pass it to relURL or absURL) what is published
 * at `/`. */
static void
add_site_path_bases(const ImgoptSite *site, GPtrArray *bases)
{
	if (site->generator != IMGOPT_GENERATOR_HUGO) {
		g_ptr_array_add(bases, g_strdup(""));
		return;
	}
	for (guint i = 0; i < site->web_dirs->len; i++)
		g_ptr_array_add(bases,
				g_strdup(g_ptr_array_index(site->web_dirs, i)));
}

/* The folders a stylesheet's, data file's or script's reference is looked
 * up in (see site.h). */
static void
add_file_bases(const ImgoptSite *site, const ImgoptRef *ref, GPtrArray *bases)
{
	const char *path = ref->post != NULL ? ref->post : "";

	if (ref->kind == IMGOPT_REF_CSS) {
		g_ptr_array_add(bases, stylesheet_folder(site, path));
		return;
	}
	if (ref->kind == IMGOPT_REF_DATA)
		add_site_path_bases(site, bases);
	g_ptr_array_add(bases, post_folder(path));
	if (ref->kind == IMGOPT_REF_STRING)
		g_ptr_array_add(bases, g_strdup(""));
}

/* Whether @post is a page of a Hugo site's content folder. */
static bool
is_hugo_page(const ImgoptSite *site, const char *post)
{
	return site->content_dir != NULL && post != NULL &&
	       imgopt_fs_is_below(site->content_dir, post);
}

/* A Hugo page that is no bundle (`content/posts/a.md`) is published at
 * `/posts/a/`: a relative path from it names what Hugo publishes there,
 * from @page_dir (`content/posts/a`, transfer full) or from the same
 * path in a static folder. */
static void
add_hugo_page_bases(const ImgoptSite *site, char *page_dir, GPtrArray *bases)
{
	const char *below = page_dir + strlen(site->content_dir) + 1;

	g_ptr_array_add(bases, page_dir);
	for (guint i = 0; i < site->static_dirs->len; i++)
		g_ptr_array_add(
			bases,
			imgopt_fs_join(g_ptr_array_index(site->static_dirs, i),
				       below));
}

/* The folders to look in, in order (see site.h). */
static GPtrArray *
candidate_bases(const ImgoptSite *site, const ImgoptRef *ref, const Dest *d)
{
	GPtrArray *bases = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *post_dir = post_folder(ref->post);
	char *asset_dir = asset_folder(ref->post);

	if (d->is_site_path) {
		for (guint i = 0; i < site->web_dirs->len; i++)
			g_ptr_array_add(bases, g_strdup(g_ptr_array_index(
						       site->web_dirs, i)));
		g_free(asset_dir);
		return bases;
	}
	if (ref->kind == IMGOPT_REF_CSS || ref->kind == IMGOPT_REF_DATA ||
	    ref->kind == IMGOPT_REF_STRING) {
		g_free(asset_dir);
		add_file_bases(site, ref, bases);
		return bases;
	}
	if (ref->kind == IMGOPT_REF_LIQUID_TAG) {
		g_ptr_array_add(bases, asset_dir != NULL
					       ? asset_dir
					       : g_steal_pointer(&post_dir));
		return bases;
	}
	if (ref->kind == IMGOPT_REF_FRONT_MATTER)
		add_site_path_bases(site, bases);
	if (asset_dir != NULL && is_hugo_page(site, ref->post)) {
		add_hugo_page_bases(site, asset_dir, bases);
		return bases;
	}
	g_ptr_array_add(bases, g_steal_pointer(&post_dir));
	if (asset_dir != NULL)
		g_ptr_array_add(bases, asset_dir);
	return bases;
}

/* What the file system holds at one candidate. */
typedef enum {
	CANDIDATE_MISSING, /* nothing */
	CANDIDATE_FOUND,   /* a regular file inside the root */
	CANDIDATE_ESCAPES, /* exists, but its real path is outside the root */
	CANDIDATE_SPECIAL, /* a folder, FIFO, device or socket */
} CandidateState;

/* What @mode is, for a message: "a FIFO". */
static const char *
describe_mode(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a folder";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "a device";
}

/*
 * Checks @rel (normalised, relative to the root) without opening it: the
 * real path first, so a symlink leading out is caught before stat() looks
 * at its target.
 */
static CandidateState
check_candidate(const ImgoptSite *site, const char *rel, mode_t *mode_out)
{
	if (*rel == '\0')
		return CANDIDATE_MISSING;
	/* A regular file the walk met through real folders: its lstat() is
	 * its stat(), and it is inside. */
	const struct stat *walked = imgopt_site_lookup_entry(site, rel);
	if (walked != NULL && S_ISREG(walked->st_mode)) {
		*mode_out = walked->st_mode;
		return CANDIDATE_FOUND;
	}
	GStatBuf st;
	g_autofree char *real =
		imgopt_fs_realpath_below(site->root, rel, &st, NULL);

	if (real == NULL)
		return CANDIDATE_MISSING;
	if (!is_inside(site->root, real))
		return CANDIDATE_ESCAPES;
	/* Met no symlink: its lstat() is its stat(). */
	if (st.st_mode == 0 && g_stat(real, &st) != 0)
		return CANDIDATE_MISSING;
	*mode_out = st.st_mode;
	return S_ISREG(st.st_mode) ? CANDIDATE_FOUND : CANDIDATE_SPECIAL;
}

static void set_resultf(ImgoptRef *ref, ImgoptRefStatus status, char *resolved,
			const char *format, ...) G_GNUC_PRINTF(4, 5);

/* Sets the outcome; @resolved is transfer full; the message is made valid
 * UTF-8, since URLs may decode to anything and messages end up in JSON. */
static void
set_resultf(ImgoptRef *ref, ImgoptRefStatus status, char *resolved,
	    const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	g_autofree char *message = g_strdup_vprintf(format, ap);
	va_end(ap);
	set_result(ref, status, resolved, g_utf8_make_valid(message, -1));
}

/* Returns true if a candidate decided the outcome: OK, OUTSIDE, or BROKEN
 * because what is there is no regular file (a FIFO named `.jpg`).  Each
 * path checked is added to @looked_at (nullable). */
static bool
resolve_candidates(const ImgoptSite *site, ImgoptRef *ref, const Dest *d,
		   GPtrArray *looked_at)
{
	g_autoptr(GPtrArray) bases = candidate_bases(site, ref, d);
	g_autofree char *special = NULL; /* the first candidate that exists
					    but is no regular file */
	mode_t special_mode = 0;

	for (guint i = 0; i < bases->len; i++) {
		const char *base = g_ptr_array_index(bases, i);
		g_autofree char *joined = g_strconcat(base, "/", d->path, NULL);
		g_autofree char *rel = imgopt_fs_normalize(joined);

		if (rel == NULL) {
			set_resultf(ref, IMGOPT_REF_STATUS_OUTSIDE, NULL,
				    "'%s' climbs above the site root", d->path);
			return true;
		}
		mode_t mode = 0;

		if (looked_at != NULL)
			g_ptr_array_add(looked_at, g_strdup(rel));
		switch (check_candidate(site, rel, &mode)) {
		case CANDIDATE_FOUND:
			set_result(ref, IMGOPT_REF_STATUS_OK,
				   g_steal_pointer(&rel), NULL);
			return true;
		case CANDIDATE_ESCAPES:
			set_resultf(ref, IMGOPT_REF_STATUS_OUTSIDE, NULL,
				    "'%s' leads outside the site root through "
				    "a symlink",
				    rel);
			return true;
		case CANDIDATE_SPECIAL:
			if (special == NULL) {
				special = g_steal_pointer(&rel);
				special_mode = mode;
			}
			break;
		case CANDIDATE_MISSING:
			break;
		}
	}
	if (special == NULL)
		return false;
	set_resultf(ref, IMGOPT_REF_STATUS_BROKEN, NULL,
		    "'%s' is %s, not an image file", special,
		    describe_mode(special_mode));
	return true;
}

/*
 * A reference no candidate matched: repaired only when exactly one file
 * fits.  Today the fit is by name (the URL's last component, looked up in
 * the IMAGES index).  Repair by content (the file whose hash the manifest
 * recorded for this URL on an earlier run) belongs here, before the
 * BROKEN verdict, under the same exactly-one rule.
 */
/* Whether @name is a variant file's (imgopt_variant_file_name()). */
static bool
is_variant_name(const char *name)
{
	ImgoptHash hash;
	uint32_t width = 0;
	ImgoptFormat format = IMGOPT_FORMAT_UNKNOWN;

	return imgopt_variant_parse_file_name(name, &hash, &width, &format);
}

static void
repair(const ImgoptSite *site, ImgoptRef *ref, const Dest *d)
{
	const char *slash = strrchr(d->path, '/');
	const char *name = slash != NULL ? slash + 1 : d->path;
	const GPtrArray *same = imgopt_site_lookup_name(site, name);
	const char *note =
		ref->is_multiline ? "; link broken across lines" : "";

	if (*name == '\0')
		set_resultf(ref, IMGOPT_REF_STATUS_BROKEN, NULL,
			    "'%s' names no file%s", d->path, note);
	else if (same != NULL && same->len == 1)
		set_resultf(ref, IMGOPT_REF_STATUS_REPAIRED,
			    g_strdup(g_ptr_array_index(same, 0)),
			    "repaired by name%s", note);
	else if (same != NULL)
		set_resultf(ref, IMGOPT_REF_STATUS_BROKEN, NULL,
			    "%u files named '%s': ambiguous%s", same->len, name,
			    note);
	else if (is_variant_name(name))
		set_resultf(ref, IMGOPT_REF_STATUS_BROKEN, NULL,
			    "no file named '%s': a variant imgopt made, gone; "
			    "'imgopt run' makes it again from its source if "
			    "that is still in the site%s",
			    name, note);
	else if (*site->images_dir == '\0')
		set_resultf(ref, IMGOPT_REF_STATUS_BROKEN, NULL,
			    "no file named '%s' in the site%s", name, note);
	else
		set_resultf(ref, IMGOPT_REF_STATUS_BROKEN, NULL,
			    "no file named '%s' under %s/%s", name,
			    site->images_dir, note);
}

void
imgopt_site_resolve_ref(const ImgoptSite *site, ImgoptRef *ref)
{
	imgopt_site_resolve_ref_watched(site, ref, NULL);
}

void
imgopt_site_resolve_ref_watched(const ImgoptSite *site, ImgoptRef *ref,
				GPtrArray *looked_at)
{
	g_return_if_fail(site != NULL);
	g_return_if_fail(ref != NULL);

	g_auto(Dest)
		d = {g_strstrip(g_strdup(ref->url ? ref->url : "")), false};
	g_autofree char *why = NULL;
	ImgoptRefStatus status = IMGOPT_REF_STATUS_UNRESOLVED;

	if (!strip_liquid(&d, &why)) {
		/* a whole expression computes the path: pinned, left as
		 * written; a `{{` never closed is a typo */
		bool is_expr = is_closed_liquid(d.path);
		set_result(ref,
			   is_expr ? IMGOPT_REF_STATUS_EXPRESSION
				   : IMGOPT_REF_STATUS_BROKEN,
			   NULL, g_steal_pointer(&why));
		return;
	}
	if (strstr(d.path, "#{") != NULL || strstr(d.path, "@{") != NULL ||
	    strstr(d.path, "${") != NULL) {
		/* Sass, Less or a script template computes the rest */
		set_result(ref, IMGOPT_REF_STATUS_EXPRESSION, NULL,
			   g_strdup("computed by a template when the site is "
				    "built"));
		return;
	}
	status = classify_scheme(d.path, &why);
	if (status != IMGOPT_REF_STATUS_UNRESOLVED) {
		set_result(ref, status, NULL, g_steal_pointer(&why));
		return;
	}
	if (!clean_path(site, &d, &why)) {
		set_result(ref, IMGOPT_REF_STATUS_OUTSIDE, NULL,
			   g_steal_pointer(&why));
		return;
	}
	if (*d.path == '\0') {
		set_result(ref, IMGOPT_REF_STATUS_BROKEN, NULL,
			   g_strdup("empty destination"));
		return;
	}
	if (!resolve_candidates(site, ref, &d, looked_at))
		repair(site, ref, &d);
}

bool
imgopt_site_is_computed_url(const char *url)
{
	g_auto(Dest) d = {g_strstrip(g_strdup(url != NULL ? url : "")), false};
	g_autofree char *why = NULL;

	return !strip_liquid(&d, &why) ||
	       (strstr(d.path, "#{") != NULL || strstr(d.path, "@{") != NULL ||
		strstr(d.path, "${") != NULL);
}

/* ---- posts ------------------------------------------------------------ */

/*
 * The absolute path of @post, refused when it climbs out of the root or
 * is a symlink leading out.  A post that does not exist passes: reading it
 * reports that.
 */
static char *
post_abs_path(const ImgoptSite *site, const char *post, GError **error)
{
	g_autofree char *norm =
		post[0] != '/' ? imgopt_fs_normalize(post) : NULL;

	if (norm == NULL) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE,
			    "post '%s' is not inside the site root", post);
		return NULL;
	}
	g_autofree char *abs = g_build_filename(site->root, norm, NULL);
	g_autofree char *real = imgopt_fs_realpath(abs, NULL);
	if (real != NULL && !is_inside(site->root, real)) {
		g_set_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE,
			    "post '%s' leads outside the site root through a "
			    "symlink",
			    post);
		return NULL;
	}
	return g_steal_pointer(&abs);
}

ImgoptScanDialect
imgopt_site_get_dialect(const ImgoptSite *site)
{
	g_return_val_if_fail(site != NULL, IMGOPT_SCAN_COMMONMARK);

	return site->dialect;
}

GPtrArray *
imgopt_site_scan_text(const ImgoptSite *site, const char *post,
		      const char *text, gsize len, GError **error)
{
	g_return_val_if_fail(site != NULL, NULL);

	const ImgoptScanOptions opts = {
		site->dialect, site->generator == IMGOPT_GENERATOR_HUGO};
	return imgopt_scan_text_full(post, text, len, &opts, error);
}

GPtrArray *
imgopt_site_scan_post(const ImgoptSite *site, const char *post, GError **error)
{
	g_return_val_if_fail(site != NULL, NULL);
	g_return_val_if_fail(post != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	g_autofree char *abs = post_abs_path(site, post, error);
	g_autofree char *text = NULL;
	gsize len = 0;

	if (abs == NULL)
		return NULL;
	if (!g_file_get_contents(abs, &text, &len, error)) {
		g_prefix_error(error, "cannot read post '%s': ", post);
		return NULL;
	}
	g_autoptr(GPtrArray) refs =
		imgopt_site_scan_text(site, post, text, len, error);
	if (refs == NULL) {
		g_prefix_error(error, "cannot scan post '%s': ", post);
		return NULL;
	}
	for (guint i = 0; i < refs->len; i++)
		imgopt_site_resolve_ref(site, g_ptr_array_index(refs, i));
	return g_steal_pointer(&refs);
}

/* ---- where variants live, where files are published ---- */

const GPtrArray *
imgopt_site_get_web_dirs(const ImgoptSite *site)
{
	return site->web_dirs;
}

const char *
imgopt_site_get_content_dir(const ImgoptSite *site)
{
	return site->content_dir;
}

const GPtrArray *
imgopt_site_get_static_dirs(const ImgoptSite *site)
{
	return site->static_dirs;
}

ImgoptGenerator
imgopt_site_get_generator(const ImgoptSite *site)
{
	g_return_val_if_fail(site != NULL, IMGOPT_GENERATOR_JEKYLL);
	return site->generator;
}

char *
imgopt_site_variant_dir(const ImgoptSite *site, const ImgoptRef *ref)
{
	g_return_val_if_fail(site != NULL && ref != NULL, NULL);

	if (site->variant_dir_func != NULL)
		return site->variant_dir_func(ref, site->variant_dir_data);
	switch (site->generator) {
	case IMGOPT_GENERATOR_HUGO:
		return imgopt_hugo_variant_dir(site, ref);
	case IMGOPT_GENERATOR_HEXO:
		return imgopt_hexo_variant_dir(site, ref);
	case IMGOPT_GENERATOR_JEKYLL:
	default:
		return g_strdup(site->output_dir);
	}
}

char *
imgopt_site_url_path(const ImgoptSite *site, const char *path)
{
	g_return_val_if_fail(site != NULL && path != NULL, NULL);

	switch (site->generator) {
	case IMGOPT_GENERATOR_HUGO:
		return imgopt_hugo_url_path(site, path);
	case IMGOPT_GENERATOR_HEXO:
		return imgopt_hexo_url_path(site, path);
	case IMGOPT_GENERATOR_JEKYLL:
	default:
		return g_strdup(path);
	}
}

void
imgopt_site_set_variant_dir_func(ImgoptSite *site,
				 ImgoptSiteVariantDirFunc func, void *user_data)
{
	g_return_if_fail(site != NULL);

	site->variant_dir_func = func;
	site->variant_dir_data = user_data;
}

bool
imgopt_site_renders_raw_html(const ImgoptSite *site)
{
	g_return_val_if_fail(site != NULL, true);
	return site->renders_raw_html;
}
