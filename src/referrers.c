/*
 * referrers.c: which text files of a site can name an image, and what
 * each is to the generator (see referrers.h).
 *
 * One walk of the site root through fsio's walker; folders are pruned as
 * the walk meets them (the build output, dot folders, dependencies,
 * imgopt's variants, what the config excludes, Jekyll's unread `_`
 * folders), files are classified by their folder and their extension
 * alone: nothing is opened but the root's config, read once for its
 * collections.
 */
#include "imgopt/referrers.h"

#include <string.h>

#include "imgopt/observer.h"
#include "imgopt/scan.h"

#include "fsio.h"
#include "site_gen.h"

void
imgopt_referrer_free(ImgoptReferrer *referrer)
{
	if (referrer == NULL)
		return;
	g_free(referrer->path);
	g_free(referrer);
}

/* ---- classifying ------------------------------------------------------ */

static bool
has_ext(const char *name, const char *const *exts)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL)
		return false;
	for (guint i = 0; exts[i] != NULL; i++)
		if (g_ascii_strcasecmp(dot + 1, exts[i]) == 0)
			return true;
	return false;
}

static const char *const page_exts[] = {"md",     "markdown", "html", "htm",
					"liquid", "ejs",      "njk",  "swig",
					"pug",    "hbs",      NULL};
static const char *const post_exts[] = {"md", "markdown", "html", NULL};
static const char *const data_exts[] = {"yml", "yaml", "toml", "json",
					"csv", "tsv",  NULL};
static const char *const style_exts[] = {"css",  "scss", "sass",
					 "less", "styl", NULL};
static const char *const script_exts[] = {"js", "mjs", "cjs", NULL};
static const char *const json_exts[] = {"json", "webmanifest", NULL};
static const char *const feed_exts[] = {"xml", "rss", "atom", NULL};
/* documentation a person reads in the repository (the name guard's) */
static const char *const doc_exts[] = {"txt", "rst",     "adoc",
				       "org", "textile", NULL};

/* Whether a component of @path's folder is one of @names. */
static bool
in_folder(const char *path, const char *const *names)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);

	for (guint i = 0; parts[i] != NULL && parts[i + 1] != NULL; i++)
		if (g_strv_contains(names, parts[i]))
			return true;
	return false;
}

static bool
is_config(const char *path)
{
	const char *name = strrchr(path, '/');

	name = name != NULL ? name + 1 : path;
	return (g_str_has_prefix(name, "_config") &&
		has_ext(name, (const char *const[]){"yml", "yaml", NULL})) ||
	       strcmp(name, "hugo.toml") == 0 ||
	       strcmp(name, "hugo.yaml") == 0 ||
	       strcmp(name, "config.toml") == 0 ||
	       (strcmp(name, "config.yaml") == 0 && strchr(path, '/') == NULL);
}

static bool
classify_page(const char *path, ImgoptReferrerKind *kind_out)
{
	static const char *const includes[] = {"_includes", "partials",
					       "shortcodes", NULL};
	static const char *const layouts[] = {"_layouts", "layouts", "layout",
					      NULL};

	if (in_folder(path, includes))
		*kind_out = IMGOPT_REFERRER_INCLUDE;
	else if (in_folder(path, layouts))
		*kind_out = IMGOPT_REFERRER_LAYOUT;
	else
		*kind_out = IMGOPT_REFERRER_PAGE;
	return true;
}

bool
imgopt_referrers_kind_of(const ImgoptSite *site, const char *path,
			 ImgoptReferrerKind *kind_out)
{
	static const char *const data_dirs[] = {"_data", "data", NULL};
	const char *posts = imgopt_site_get_posts_dir(site);

	g_return_val_if_fail(path != NULL && kind_out != NULL, false);
	if (has_ext(path, post_exts) && imgopt_fs_is_below(posts, path)) {
		*kind_out = IMGOPT_REFERRER_POST;
		return true;
	}
	if (has_ext(path, page_exts))
		return classify_page(path, kind_out);
	if (is_config(path))
		*kind_out = IMGOPT_REFERRER_CONFIG;
	else if (has_ext(path, data_exts) &&
		 (in_folder(path, data_dirs) || !has_ext(path, json_exts)))
		*kind_out = IMGOPT_REFERRER_DATA;
	else if (has_ext(path, style_exts))
		*kind_out = IMGOPT_REFERRER_STYLESHEET;
	else if (has_ext(path, script_exts))
		*kind_out = IMGOPT_REFERRER_SCRIPT;
	else if (has_ext(path, json_exts))
		*kind_out = IMGOPT_REFERRER_JSON;
	else if (has_ext(path, feed_exts))
		*kind_out = IMGOPT_REFERRER_FEED;
	else
		return false;
	return true;
}

/* ---- walking ---------------------------------------------------------- */

typedef struct {
	const ImgoptSite *site;
	char *output_dir;       /* IMAGES/IMGOPT_OUTPUT_DIR */
	bool is_public_output;  /* `public/` is a build output (Hugo, Hexo) */
	GPtrArray *collections; /* (element-type utf8) "_name" folders the
				   config declares */
	bool is_every_text;     /* also what the generator does not publish
				   (README, docs, excluded files, `_`
				   folders): the name guard's files */
	GPtrArray *hexo_dirs;   /* a Hexo site's folders it reads (source_dir,
				   themes/<theme>), else NULL */
} Walk;

static void
walk_clear(Walk *w)
{
	g_clear_pointer(&w->output_dir, g_free);
	g_clear_pointer(&w->collections, g_ptr_array_unref);
	g_clear_pointer(&w->hexo_dirs, g_ptr_array_unref);
}

/* Whether Hexo reads @rel: one of @dirs, inside one, or on the way to
 * one.  Hexo builds from those alone, the root's `_config.yml` aside. */
static bool
is_read_by_hexo(const GPtrArray *dirs, const char *rel)
{
	for (guint i = 0; i < dirs->len; i++) {
		const char *dir = g_ptr_array_index(dirs, i);

		if (strcmp(rel, dir) == 0 || imgopt_fs_is_below(dir, rel) ||
		    imgopt_fs_is_below(rel, dir))
			return true;
	}
	return false;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Walk, walk_clear)

/* Jekyll reads these `_` folders; it skips every other one. */
static const char *const read_underscore_dirs[] = {
	"_posts", "_drafts", "_layouts", "_includes", "_data", "_sass", NULL,
};

static bool
is_read_underscore_dir(const Walk *w, const char *name)
{
	return g_strv_contains(read_underscore_dirs, name) ||
	       g_ptr_array_find_with_equal_func(w->collections, name,
						g_str_equal, NULL);
}

static bool
keep_dir(const Walk *w, const char *rel, const char *name)
{
	bool is_top = strchr(rel, '/') == NULL;

	if (name[0] == '.' || strcmp(name, "node_modules") == 0 ||
	    strcmp(name, "vendor") == 0 || strcmp(rel, w->output_dir) == 0)
		return false;
	if (is_top && (strcmp(name, "_site") == 0 ||
		       (w->is_public_output && strcmp(name, "public") == 0)))
		return false;
	if (w->is_every_text)
		return true;
	if (w->hexo_dirs != NULL && !is_read_by_hexo(w->hexo_dirs, rel))
		return false;
	if (name[0] == '_' &&
	    !imgopt_fs_is_below(rel, imgopt_site_get_posts_dir(w->site)) &&
	    strcmp(rel, imgopt_site_get_posts_dir(w->site)) != 0 &&
	    !is_read_underscore_dir(w, name))
		return false;
	return !imgopt_site_is_excluded(w->site, rel);
}

static bool
keep_entry(const char *rel, const char *name, bool is_dir, void *user_data)
{
	const Walk *w = user_data;
	ImgoptReferrerKind kind;

	if (is_dir)
		return keep_dir(w, rel, name);
	if (w->is_every_text)
		return imgopt_referrers_kind_of(w->site, rel, &kind) ||
		       has_ext(rel, doc_exts);
	if (w->hexo_dirs != NULL && strchr(rel, '/') == NULL && !is_config(rel))
		return false;
	return !imgopt_site_is_excluded(w->site, rel) &&
	       imgopt_referrers_kind_of(w->site, rel, &kind);
}

/* One line of the `collections:` block: the collection it names (the key
 * of a map entry at @indent, or a list item), else NULL. */
static char *
collection_of(const char *line, int *indent_io)
{
	int indent = (int)strspn(line, " ");
	const char *item = line + indent;

	if (g_str_has_prefix(item, "- "))
		return g_strstrip(g_strdup(item + 2));
	if (*indent_io < 0)
		*indent_io = indent;
	const char *colon = strchr(item, ':');
	if (indent != *indent_io || colon == NULL || colon == item)
		return NULL; /* a collection's own settings */
	return g_strndup(item, (gsize)(colon - item));
}

/* The collections `_config.yml` declares, as their "_name" folders. */
static GPtrArray *
read_collections(const char *root)
{
	g_autofree char *path = g_build_filename(root, "_config.yml", NULL);
	g_autofree char *text = NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	bool is_inside = false;
	int indent = -1;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return out;
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		const char *text_start = *l + strspn(*l, " \t");

		g_strchomp(*l);
		if (*text_start == '\0' || *text_start == '#')
			continue;
		if (!is_inside) {
			is_inside = g_str_has_prefix(*l, "collections:");
			continue;
		}
		if (**l != ' ' && **l != '-')
			break;
		g_autofree char *name = collection_of(*l, &indent);
		if (name != NULL && *name != '\0')
			g_ptr_array_add(out, g_strconcat("_", name, NULL));
	}
	return out;
}

static bool
root_has(const char *root, const char *name)
{
	g_autofree char *path = g_build_filename(root, name, NULL);

	return g_file_test(path, G_FILE_TEST_EXISTS);
}

GPtrArray *
imgopt_referrers_list(const ImgoptSite *site, GError **error)
{
	return imgopt_referrers_list_all(site, NULL, error);
}

/* Adds to @skipped (nullable) a referrer that is no regular file. */
static void
add_skipped(GPtrArray *skipped, const char *path, guint type)
{
	if (skipped == NULL)
		return;
	g_autofree char *msg = g_strdup_printf(
		"%s: not scanned: %s", path,
		type == IMGOPT_FS_SYMLINK
			? "a symbolic link (not followed)"
			: "not a regular file (FIFO, socket or device)");
	g_ptr_array_add(skipped, imgopt_problem_new(path, msg));
}

/* The walk of imgopt_referrers_list_all() (@is_every_text false) and of
 * imgopt_referrers_list_texts() (true). */
static GPtrArray *
walk_referrers(const ImgoptSite *site, bool is_every_text, GPtrArray *skipped,
	       GError **error)
{
	const char *root = imgopt_site_get_root(site);
	g_auto(Walk) w = {site, NULL, false, NULL, is_every_text, NULL};
	g_autoptr(GPtrArray) types = NULL;

	w.output_dir = imgopt_fs_join(imgopt_site_get_images_dir(site),
				      IMGOPT_OUTPUT_DIR);
	w.is_public_output =
		root_has(root, "hugo.toml") || root_has(root, "config.toml") ||
		root_has(root, "hugo.yaml") || root_has(root, "scaffolds") ||
		(root_has(root, "_config.yml") && root_has(root, "source"));
	w.collections = read_collections(root);
	if (imgopt_site_get_generator(site) == IMGOPT_GENERATOR_HEXO)
		w.hexo_dirs = imgopt_hexo_read_dirs(root);
	g_autoptr(GPtrArray) found = imgopt_fs_walk_dir(
		root, "", keep_entry, &w, &types, NULL, error);
	if (found == NULL)
		return NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_referrer_free);
	for (guint i = 0; i < found->len; i++) {
		ImgoptReferrerKind kind = IMGOPT_REFERRER_PAGE;
		const char *path = g_ptr_array_index(found, i);
		guint type = GPOINTER_TO_UINT(g_ptr_array_index(types, i));

		if (!imgopt_referrers_kind_of(site, path, &kind) &&
		    !is_every_text)
			continue;
		if (type != IMGOPT_FS_REGULAR) {
			add_skipped(skipped, path, type);
			continue;
		}
		ImgoptReferrer *r = g_new0(ImgoptReferrer, 1);
		r->path = g_strdup(path);
		r->kind = kind;
		g_ptr_array_add(out, r);
	}
	return out;
}

GPtrArray *
imgopt_referrers_list_all(const ImgoptSite *site, GPtrArray *skipped,
			  GError **error)
{
	g_return_val_if_fail(site != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	return walk_referrers(site, false, skipped, error);
}

GPtrArray *
imgopt_referrers_list_texts(const ImgoptSite *site, GError **error)
{
	g_return_val_if_fail(site != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	return walk_referrers(site, true, NULL, error);
}

GPtrArray *
imgopt_referrers_scan_text(const ImgoptSite *site, ImgoptReferrerKind kind,
			   const char *path, const char *text, gsize len,
			   GError **error)
{
	g_return_val_if_fail(site != NULL, NULL);

	const ImgoptScanOptions opts = {imgopt_site_get_dialect(site),
					imgopt_site_get_generator(site) ==
						IMGOPT_GENERATOR_HUGO};
	return imgopt_scan_referrer(kind, &opts, path, text, len, error);
}

GPtrArray *
imgopt_referrers_scan(const ImgoptSite *site, const ImgoptReferrer *referrer,
		      GError **error)
{
	g_return_val_if_fail(site != NULL && referrer != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	g_autofree char *abs =
		imgopt_fs_join(imgopt_site_get_root(site), referrer->path);
	g_autofree char *text = NULL;
	gsize len = 0;

	if (!g_file_get_contents(abs, &text, &len, error)) {
		g_prefix_error(error, "cannot read '%s': ", referrer->path);
		return NULL;
	}
	g_autoptr(GPtrArray) refs = imgopt_referrers_scan_text(
		site, referrer->kind, referrer->path, text, len, error);
	if (refs == NULL) {
		g_prefix_error(error, "cannot scan '%s': ", referrer->path);
		return NULL;
	}
	/* a path a template computes resolves as an expression (pinned) */
	for (guint i = 0; i < refs->len; i++)
		imgopt_site_resolve_ref(site, g_ptr_array_index(refs, i));
	return g_steal_pointer(&refs);
}

GPtrArray *
imgopt_referrers_list_scope(const ImgoptSite *site, bool only_posts,
			    GPtrArray *skipped, GError **error)
{
	g_return_val_if_fail(site != NULL, NULL);

	if (!only_posts)
		return imgopt_referrers_list_all(site, skipped, error);
	g_autoptr(GPtrArray) posts = imgopt_site_list_posts(site, error);
	if (posts == NULL)
		return NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)imgopt_referrer_free);
	for (guint i = 0; i < posts->len; i++) {
		ImgoptReferrer *r = g_new0(ImgoptReferrer, 1);

		r->path = g_strdup(g_ptr_array_index(posts, i));
		r->kind = IMGOPT_REFERRER_POST;
		g_ptr_array_add(out, r);
	}
	return out;
}
