/*
 * test_site.c: the site root, the post list, resolving references, path
 * safety and repair by name, on tiny sites built in temporary folders; and
 * `imgopt scan` end to end on fixtures/sites/seed.
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "imgopt/imgopt.h"
#include "fsio.h" /* imgopt_fs_realpath */
#include "testutil.h"

/* ---- helpers ---------------------------------------------------------- */

/* A temporary folder holding a site under "site/" and, beside it, files
 * the site must never reach under "outside/". */
typedef struct {
	char *tmp;  /* the temporary folder */
	char *root; /* tmp/site, symlink-free */
} TmpSite;

static void
tmp_site_clear(TmpSite *t)
{
	if (t->tmp != NULL)
		tu_rmtree(t->tmp);
	g_clear_pointer(&t->tmp, g_free);
	g_clear_pointer(&t->root, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TmpSite, tmp_site_clear)

/* Path of @rel under the temporary folder. */
static char *
at(const TmpSite *t, const char *rel)
{
	return g_build_filename(t->tmp, rel, NULL);
}

/* Creates the files of the NULL-terminated list (contents "x"); a name
 * ending in `/` makes a folder. */
static void
make_files(const TmpSite *t, const char *const *rels)
{
	for (const char *const *r = rels; *r != NULL; r++) {
		g_autofree char *path = at(t, *r);

		if (g_str_has_suffix(*r, "/"))
			g_assert_cmpint(g_mkdir_with_parents(path, 0755), ==,
					0);
		else
			tu_write(path, "x");
	}
}

static void
make_symlink(const TmpSite *t, const char *target, const char *rel)
{
	g_autofree char *path = at(t, rel);

	g_assert_cmpint(symlink(target, path), ==, 0);
}

static void
tmp_site_init(TmpSite *t, const char *const *rels)
{
	t->tmp = tu_tmpdir();
	make_files(t, rels);
	g_autofree char *site = at(t, "site");
	g_autoptr(GError) error = NULL;
	t->root = imgopt_fs_realpath(site, &error);
	g_assert_no_error(error);
}

static ImgoptSite *
open_site(const TmpSite *t, const char *posts, const char *images,
	  const char *root)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *p = at(t, posts);
	g_autofree char *i = at(t, images);
	g_autofree char *r = root != NULL ? at(t, root) : NULL;
	ImgoptSite *site = imgopt_site_open(p, i, r, &error);

	g_assert_no_error(error);
	g_assert_nonnull(site);
	return site;
}

/* Resolves one hand-made reference; returns it for inspection. */
static ImgoptRef *
resolve(const ImgoptSite *site, const char *post, ImgoptRefKind kind,
	const char *url)
{
	ImgoptRef *ref = imgopt_ref_new();

	ref->post = g_strdup(post);
	ref->kind = kind;
	ref->url = g_strdup(url);
	ref->is_multiline = strchr(url, '\n') != NULL;
	imgopt_site_resolve_ref(site, ref);
	return ref;
}

/* Asserts that @url from @post resolves with @status to @resolved. */
static void
assert_resolves(const ImgoptSite *site, const char *post, ImgoptRefKind kind,
		const char *url, ImgoptRefStatus status, const char *resolved)
{
	g_autoptr(ImgoptRef) ref = resolve(site, post, kind, url);

	if (ref->status != status || g_strcmp0(ref->resolved, resolved) != 0)
		g_error("'%s' from %s: got %s %s (%s), want %s %s", url, post,
			imgopt_ref_status_name(ref->status),
			ref->resolved ? ref->resolved : "(null)",
			ref->message ? ref->message : "no message",
			imgopt_ref_status_name(status),
			resolved ? resolved : "(null)");
	/* Problems always say why; a clean OK or REMOTE says nothing. */
	if (status == IMGOPT_REF_STATUS_OK ||
	    status == IMGOPT_REF_STATUS_REMOTE)
		g_assert_null(ref->message);
	else
		g_assert_nonnull(ref->message);
}

static void
assert_ok(const ImgoptSite *site, const char *post, const char *url,
	  const char *resolved)
{
	assert_resolves(site, post, IMGOPT_REF_MARKDOWN, url,
			IMGOPT_REF_STATUS_OK, resolved);
}

static void
assert_outside(const ImgoptSite *site, const char *post, const char *url)
{
	assert_resolves(site, post, IMGOPT_REF_MARKDOWN, url,
			IMGOPT_REF_STATUS_OUTSIDE, NULL);
}

/* ---- the site root ---------------------------------------------------- */

static void
test_root_config(void)
{
	static const char *const files[] = {"site/_config.yml",
					    "site/_posts/a.md",
					    "site/postimg/a.png", NULL};
	g_auto(TmpSite) t = {0};

	tmp_site_init(&t, files);
	g_autoptr(ImgoptSite) site =
		open_site(&t, "site/_posts", "site/postimg", NULL);
	g_assert_cmpstr(imgopt_site_get_root(site), ==, t.root);
	g_assert_cmpstr(imgopt_site_get_posts_dir(site), ==, "_posts");
	g_assert_cmpstr(imgopt_site_get_images_dir(site), ==, "postimg");
}

/* A walk's entries (imgopt_site_set_entries()): a regular file there is
 * found without asking the disk; anything else is looked up on disk. */
static void
test_entries_resolve(void)
{
	static const char *const files[] = {"site/_config.yml",
					    "site/_posts/a.md",
					    "site/postimg/a.png", NULL};
	g_auto(TmpSite) t = {0};
	g_autoptr(GHashTable) entries =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	struct stat st = {0};

	tmp_site_init(&t, files);
	g_autoptr(ImgoptSite) site =
		open_site(&t, "site/_posts", "site/postimg", NULL);
	assert_resolves(site, "_posts/a.md", IMGOPT_REF_MARKDOWN,
			"/postimg/ghost.png", IMGOPT_REF_STATUS_BROKEN, NULL);
	st.st_mode = S_IFREG | 0644;
	g_hash_table_insert(entries, g_strdup("postimg/ghost.png"),
			    g_memdup2(&st, sizeof st));
	st.st_mode = S_IFLNK | 0777; /* not a regular file: the disk says */
	g_hash_table_insert(entries, g_strdup("postimg/a.png"),
			    g_memdup2(&st, sizeof st));
	imgopt_site_set_entries(site, g_steal_pointer(&entries));
	g_assert_nonnull(imgopt_site_lookup_entry(site, "postimg/ghost.png"));
	assert_ok(site, "_posts/a.md", "/postimg/ghost.png",
		  "postimg/ghost.png");
	assert_ok(site, "_posts/a.md", "/postimg/a.png", "postimg/a.png");
	imgopt_site_set_entries(site, NULL);
	g_assert_null(imgopt_site_lookup_entry(site, "postimg/ghost.png"));
	assert_resolves(site, "_posts/a.md", IMGOPT_REF_MARKDOWN,
			"/postimg/ghost.png", IMGOPT_REF_STATUS_BROKEN, NULL);
}

/* The nearest config wins, but only if it also holds IMAGES. */
static void
test_root_config_nearest(void)
{
	static const char *const files[] = {"site/_config.yml",
					    "site/hugo/hugo.toml",
					    "site/hugo/content/posts/a.md",
					    "site/hugo/static/img/a.png",
					    "site/theme/_config.yml",
					    "site/theme/_posts/b.md",
					    "site/img/b.png",
					    NULL};
	g_auto(TmpSite) t = {0};

	tmp_site_init(&t, files);
	g_autoptr(ImgoptSite) hugo = open_site(&t, "site/hugo/content/posts",
					       "site/hugo/static/img", NULL);
	g_autofree char *hugo_root = g_build_filename(t.root, "hugo", NULL);
	g_assert_cmpstr(imgopt_site_get_root(hugo), ==, hugo_root);
	g_assert_cmpstr(imgopt_site_get_posts_dir(hugo), ==, "content/posts");
	g_assert_cmpstr(imgopt_site_get_images_dir(hugo), ==, "static/img");

	g_autoptr(ImgoptSite) outer =
		open_site(&t, "site/theme/_posts", "site/img", NULL);
	g_assert_cmpstr(imgopt_site_get_root(outer), ==, t.root);
	g_assert_cmpstr(imgopt_site_get_posts_dir(outer), ==, "theme/_posts");
}

static void
test_root_fallback(void)
{
	static const char *const files[] = {"site/writing/posts/a.md",
					    "site/assets/img/a.png", NULL};
	g_auto(TmpSite) t = {0};

	tmp_site_init(&t, files);
	g_autoptr(ImgoptSite) site =
		open_site(&t, "site/writing/posts", "site/assets/img", NULL);
	g_assert_cmpstr(imgopt_site_get_root(site), ==, t.root);
	g_assert_cmpstr(imgopt_site_get_posts_dir(site), ==, "writing/posts");

	/* IMAGES inside POSTS: POSTS is the deepest common folder. */
	g_autoptr(ImgoptSite) nested =
		open_site(&t, "site/writing", "site/writing/posts", NULL);
	g_autofree char *writing = g_build_filename(t.root, "writing", NULL);
	g_assert_cmpstr(imgopt_site_get_root(nested), ==, writing);
	g_assert_cmpstr(imgopt_site_get_posts_dir(nested), ==, "");
	g_assert_cmpstr(imgopt_site_get_images_dir(nested), ==, "posts");
}

static void
test_root_explicit(void)
{
	static const char *const files[] = {
		"site/_config.yml", "site/blog/_posts/a.md",
		"site/blog/img/a.png", "site/other/_posts/b.md", NULL};
	g_auto(TmpSite) t = {0};
	g_autoptr(GError) error = NULL;

	tmp_site_init(&t, files);
	g_autoptr(ImgoptSite) site =
		open_site(&t, "site/blog/_posts", "site/blog/img", "site/blog");
	g_autofree char *blog = g_build_filename(t.root, "blog", NULL);
	g_assert_cmpstr(imgopt_site_get_root(site), ==, blog);
	g_assert_cmpstr(imgopt_site_get_posts_dir(site), ==, "_posts");

	/* POSTS outside the given root is refused. */
	g_autofree char *posts = at(&t, "site/other/_posts");
	g_autofree char *images = at(&t, "site/blog/img");
	g_autofree char *root = at(&t, "site/blog");
	g_autoptr(ImgoptSite) bad =
		imgopt_site_open(posts, images, root, &error);
	g_assert_null(bad);
	g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE);
	g_assert_nonnull(strstr(error->message, "other/_posts"));
}

/* Issue 15, item 5: POSTS equal to IMAGES is refused (a usage error)
 * where that folder is not published at its own path, so links to its
 * `optimized/` would be broken: a Jekyll/Hexo `_` folder; taken where it
 * is published as it is, and (issue 17) for Hugo's content folder, whose
 * bundles keep their own variants. */
static void
test_root_same_dir(void)
{
	static const char *const files[] = {"site/_config.yml",
					    "site/_posts/a.md",
					    "site/pages/a.html",
					    "hugo/hugo.toml",
					    "hugo/content/p/index.md",
					    "hugo/static/img/b.md",
					    NULL};
	static const char *const refused[] = {"site/_posts"};
	g_auto(TmpSite) t = {0};

	tmp_site_init(&t, files);
	for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *dir = at(&t, refused[i]);

		g_assert_null(imgopt_site_open(dir, dir, NULL, &error));
		g_assert_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
		g_assert_nonnull(strstr(error->message, "same folder"));
	}
	g_autoptr(ImgoptSite) pages =
		open_site(&t, "site/pages", "site/pages", NULL);
	g_assert_cmpstr(imgopt_site_get_images_dir(pages), ==, "pages");
	g_autoptr(ImgoptSite) content =
		open_site(&t, "hugo/content", "hugo/content", NULL);
	g_assert_cmpstr(imgopt_site_get_images_dir(content), ==, "content");
	g_autoptr(ImgoptSite) stat =
		open_site(&t, "hugo/static/img", "hugo/static/img", NULL);
	g_assert_cmpstr(imgopt_site_get_posts_dir(stat), ==, "static/img");
}

/* Issue 15, item 2: a symlinked IMAGES (or POSTS) leading out of the
 * site no longer moves the root to a folder above the site's config (the
 * posts were linked to `/ext/optimized/…` and the manifest went to the
 * parent): it is refused.  A symlink staying inside the site is
 * followed, with or without a site config. */
static void
test_root_symlinked_dirs(void)
{
	static const char *const files[] = {"site/_config.yml",
					    "site/_posts/a.md",
					    "site/assets/img/a.png",
					    "ext/b.png",
					    "extposts/b.md",
					    "bare/_posts/a.md",
					    NULL};
	static const char *const pairs[][2] = {
		{"site/_posts", "site/img"},
		{"site/posts", "site/assets/img"},
		{"bare/_posts", "bare/img"},
	};
	g_auto(TmpSite) t = {0};

	tmp_site_init(&t, files);
	make_symlink(&t, "../ext", "site/img");
	make_symlink(&t, "../extposts", "site/posts");
	make_symlink(&t, "../ext", "bare/img");
	make_symlink(&t, "assets/img", "site/inimg");
	for (size_t i = 0; i < G_N_ELEMENTS(pairs); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *posts = at(&t, pairs[i][0]);
		g_autofree char *images = at(&t, pairs[i][1]);

		g_assert_null(imgopt_site_open(posts, images, NULL, &error));
		g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE);
		g_assert_nonnull(strstr(error->message, "outside the site"));
	}
	g_autoptr(ImgoptSite) inside =
		open_site(&t, "site/_posts", "site/inimg", NULL);
	g_assert_cmpstr(imgopt_site_get_root(inside), ==, t.root);
	g_assert_cmpstr(imgopt_site_get_images_dir(inside), ==, "assets/img");

	/* imgopt's own folder leading out (manifest, lock, trash). */
	g_autoptr(GError) error = NULL;
	g_autofree char *posts = at(&t, "site/_posts");
	g_autofree char *images = at(&t, "site/assets/img");
	make_symlink(&t, "../ext", "site/.imgopt");
	g_assert_null(imgopt_site_open(posts, images, NULL, &error));
	g_assert_error(error, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE);
	g_assert_nonnull(strstr(error->message, "'.imgopt'"));
}

static void
test_root_errors(void)
{
	static const char *const files[] = {"site/_posts/a.md", "site/img/",
					    NULL};
	g_auto(TmpSite) t = {0};
	g_autoptr(GError) missing = NULL;
	g_autoptr(GError) notdir = NULL;

	tmp_site_init(&t, files);
	g_autofree char *nowhere = at(&t, "site/nowhere");
	g_autofree char *file = at(&t, "site/_posts/a.md");
	g_autofree char *images = at(&t, "site/img");
	g_assert_null(imgopt_site_open(nowhere, images, NULL, &missing));
	g_assert_error(missing, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_assert_nonnull(strstr(missing->message, "site/nowhere"));
	g_assert_null(imgopt_site_open(file, images, NULL, &notdir));
	g_assert_error(notdir, G_FILE_ERROR, G_FILE_ERROR_NOTDIR);
}

static void
test_baseurl(void)
{
	static const struct {
		const char *line; /* the config's baseurl line */
		const char *want; /* what the site reports */
	} cases[] = {
		{"baseurl: \"\"\n", NULL},
		{"baseurl: /\n", NULL},
		{"baseurl: \"/blog/\"\n", "/blog"},
		{"baseurl: 'blog'\n", "/blog"},
		{"baseurl: /a/b # comment\n", "/a/b"},
		{"url: x\n", NULL},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		static const char *const files[] = {"site/_posts/", "site/img/",
						    NULL};
		g_auto(TmpSite) t = {0};

		tmp_site_init(&t, files);
		g_autofree char *config = at(&t, "site/_config.yml");
		g_autofree char *text =
			g_strconcat("title: t\n", cases[i].line, NULL);
		tu_write(config, text);
		g_autoptr(ImgoptSite) site =
			open_site(&t, "site/_posts", "site/img", NULL);
		g_assert_cmpstr(imgopt_site_get_baseurl(site), ==,
				cases[i].want);
	}
}

/* ---- posts and images ------------------------------------------------- */

static void
test_posts_list(void)
{
	static const char *const files[] = {"site/_config.yml",
					    "site/a.md",
					    "site/b.markdown",
					    "site/c.html",
					    "site/D.HTML",
					    "site/e.txt",
					    "site/sub/deep/f.md",
					    "site/.hidden/g.md",
					    "site/.imgopt/h.md",
					    "site/_site/i.md",
					    "site/node_modules/pkg/j.md",
					    "site/img/optimized/k.md",
					    "site/img/keep.md",
					    "site/img/a.png",
					    NULL};
	static const char *const want[] = {
		"D.HTML",      "a.md",          "b.markdown", "c.html",
		"img/keep.md", "sub/deep/f.md", NULL};
	g_auto(TmpSite) t = {0};
	g_autoptr(GError) error = NULL;

	tmp_site_init(&t, files);
	make_symlink(&t, "a.md", "site/link.md");
	g_autoptr(ImgoptSite) site = open_site(&t, "site", "site/img", NULL);
	g_autoptr(GPtrArray) posts = imgopt_site_list_posts(site, &error);
	g_assert_no_error(error);
	g_ptr_array_add(posts, NULL);
	g_assert_cmpstrv((char **)posts->pdata, want);
}

static void
test_posts_relative_to_root(void)
{
	static const char *const files[] = {
		"site/_config.yml", "site/_posts/2020/b.md", "site/_posts/a.md",
		"site/img/", NULL};
	static const char *const want[] = {"_posts/2020/b.md", "_posts/a.md",
					   NULL};
	g_auto(TmpSite) t = {0};
	g_autoptr(GError) error = NULL;

	tmp_site_init(&t, files);
	g_autoptr(ImgoptSite) site =
		open_site(&t, "site/_posts", "site/img", NULL);
	g_autoptr(GPtrArray) posts = imgopt_site_list_posts(site, &error);
	g_assert_no_error(error);
	g_ptr_array_add(posts, NULL);
	g_assert_cmpstrv((char **)posts->pdata, want);
}

static void
test_images_index(void)
{
	static const char *const files[] = {
		"site/_config.yml",      "site/_posts/",
		"site/img/a.png",        "site/img/old/a.png",
		"site/img/b.png",        "site/img/optimized/c.png",
		"site/img/.cache/d.png", NULL};
	static const char *const want[] = {"img/a.png", "img/b.png",
					   "img/old/a.png", NULL};
	g_auto(TmpSite) t = {0};

	tmp_site_init(&t, files);
	make_symlink(&t, "b.png", "site/img/e.png");
	g_autoptr(ImgoptSite) site =
		open_site(&t, "site/_posts", "site/img", NULL);
	const GPtrArray *images = imgopt_site_get_images(site);
	g_autoptr(GPtrArray) copy = g_ptr_array_new();

	for (guint i = 0; i < images->len; i++)
		g_ptr_array_add(copy, g_ptr_array_index(images, i));
	g_ptr_array_add(copy, NULL);
	g_assert_cmpstrv((char **)copy->pdata, want);

	const GPtrArray *a = imgopt_site_lookup_name(site, "a.png");
	g_assert_nonnull(a);
	g_assert_cmpuint(a->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(a, 0), ==, "img/a.png");
	g_assert_cmpstr(g_ptr_array_index(a, 1), ==, "img/old/a.png");
	g_assert_null(imgopt_site_lookup_name(site, "c.png"));
	g_assert_null(imgopt_site_lookup_name(site, "d.png"));
	g_assert_null(imgopt_site_lookup_name(site, "e.png"));
}

/* ---- resolving -------------------------------------------------------- */

#define FOO "_posts/2020-01-01-foo.md"

/* A Jekyll site with a Hexo-style asset folder and a Hugo-style bundle. */
static const char *const resolve_files[] = {
	"site/_config.yml",
	"site/" FOO,
	"site/_posts/pic.png",
	"site/_posts/2020-01-01-foo/asset.png",
	"site/postimg/a.png",
	"site/postimg/南宁 图(1).png",
	"site/postimg/sp ace.png",
	"site/postimg/100%.png",
	"site/postimg/dir/",
	"site/img/header.jpg",
	"site/content/posts/bundle/index.md",
	"site/content/posts/bundle/cover.jpg",
	NULL};

static ImgoptSite *
open_resolve_site(TmpSite *t)
{
	tmp_site_init(t, resolve_files);
	return open_site(t, "site", "site/postimg", NULL);
}

static void
test_resolve_root_relative(void)
{
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_resolve_site(&t);

	assert_ok(site, FOO, "/postimg/a.png", "postimg/a.png");
	assert_ok(site, FOO, "/postimg/./x/../a.png", "postimg/a.png");
	/* A folder is not a file. */
	assert_resolves(site, FOO, IMGOPT_REF_MARKDOWN, "/postimg/dir",
			IMGOPT_REF_STATUS_BROKEN, NULL);
}

static void
test_resolve_post_relative(void)
{
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_resolve_site(&t);

	assert_ok(site, FOO, "pic.png", "_posts/pic.png");
	assert_ok(site, FOO, "./pic.png", "_posts/pic.png");
	assert_ok(site, FOO, "../postimg/a.png", "postimg/a.png");
	/* A relative path is not looked up at the site root. */
	assert_resolves(site, FOO, IMGOPT_REF_MARKDOWN, "img/header.jpg",
			IMGOPT_REF_STATUS_BROKEN, NULL);
	/* Every kind of body reference follows the same rule. */
	assert_resolves(site, FOO, IMGOPT_REF_HTML, "pic.png",
			IMGOPT_REF_STATUS_OK, "_posts/pic.png");
	assert_resolves(site, FOO, IMGOPT_REF_SRCSET, "pic.png",
			IMGOPT_REF_STATUS_OK, "_posts/pic.png");
}

static void
test_resolve_asset_folder(void)
{
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_resolve_site(&t);

	/* Hexo: _posts/2020-01-01-foo.md → _posts/2020-01-01-foo/. */
	assert_ok(site, FOO, "asset.png", "_posts/2020-01-01-foo/asset.png");
	assert_resolves(site, FOO, IMGOPT_REF_LIQUID_TAG, "asset.png",
			IMGOPT_REF_STATUS_OK,
			"_posts/2020-01-01-foo/asset.png");
	/* {% asset_img %} looks only in the asset folder. */
	assert_resolves(site, FOO, IMGOPT_REF_LIQUID_TAG, "pic.png",
			IMGOPT_REF_STATUS_BROKEN, NULL);
}

static void
test_resolve_hugo_bundle(void)
{
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_resolve_site(&t);
	const char *post = "content/posts/bundle/index.md";

	assert_ok(site, post, "cover.jpg", "content/posts/bundle/cover.jpg");
	assert_resolves(site, post, IMGOPT_REF_FRONT_MATTER, "cover.jpg",
			IMGOPT_REF_STATUS_OK, "content/posts/bundle/cover.jpg");
	assert_resolves(site, post, IMGOPT_REF_LIQUID_TAG, "cover.jpg",
			IMGOPT_REF_STATUS_OK, "content/posts/bundle/cover.jpg");
}

static void
test_resolve_hugo_static(void)
{
	static const char *const files[] = {
		"site/hugo.toml", "site/content/posts/a.md",
		"site/static/img/x.png", "site/x.png", NULL};
	g_auto(TmpSite) t = {0};

	tmp_site_init(&t, files);
	g_autoptr(ImgoptSite) site =
		open_site(&t, "site/content/posts", "site/static/img", NULL);
	/* Hugo serves static/ at `/`, and nothing of the root itself: the
	 * root's x.png is not what `/x.png` shows (issue 17): broken, and
	 * repaired by name from IMAGES. */
	assert_ok(site, "content/posts/a.md", "/img/x.png", "static/img/x.png");
	assert_resolves(site, "content/posts/a.md", IMGOPT_REF_MARKDOWN,
			"/x.png", IMGOPT_REF_STATUS_REPAIRED,
			"static/img/x.png");
}

static void
test_resolve_front_matter(void)
{
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_resolve_site(&t);

	assert_resolves(site, FOO, IMGOPT_REF_FRONT_MATTER, "img/header.jpg",
			IMGOPT_REF_STATUS_OK, "img/header.jpg");
	assert_resolves(site, FOO, IMGOPT_REF_FRONT_MATTER, "/img/header.jpg",
			IMGOPT_REF_STATUS_OK, "img/header.jpg");
	/* Then the post's folder and its asset folder. */
	assert_resolves(site, FOO, IMGOPT_REF_FRONT_MATTER, "pic.png",
			IMGOPT_REF_STATUS_OK, "_posts/pic.png");
	assert_resolves(site, FOO, IMGOPT_REF_FRONT_MATTER, "asset.png",
			IMGOPT_REF_STATUS_OK,
			"_posts/2020-01-01-foo/asset.png");
}

static void
test_resolve_liquid(void)
{
	static const char *const forms[] = {
		"{{site.baseurl}}/postimg/a.png",
		"{{ site.baseurl }}/postimg/a.png",
		"{{ site.url }}{{ site.baseurl }}/postimg/a.png",
		"{{site.url}}{{site.baseurl}}/postimg/a.png",
		"{{ \"/postimg/a.png\" | relative_url }}",
		"{{ '/postimg/a.png' | absolute_url }}",
		"{{ \"/postimg/a.png\" | prepend: site.baseurl }}",
		"{{ \"postimg/a.png\" | relative_url }}",
		"{{ site.baseurl }}postimg/a.png",
		"{{ \"/postimg/a.png\" }}",
	};
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_resolve_site(&t);

	for (size_t i = 0; i < G_N_ELEMENTS(forms); i++)
		assert_ok(site, FOO, forms[i], "postimg/a.png");
	assert_ok(site, FOO, "{{ \"/postimg/南宁 图(1).png\" | relative_url }}",
		  "postimg/南宁 图(1).png");
	/* Remote once the filter is applied. */
	assert_resolves(
		site, FOO, IMGOPT_REF_MARKDOWN,
		"{{ \"https://cdn.example.com/a.png\" | absolute_url }}",
		IMGOPT_REF_STATUS_REMOTE, NULL);
	/* Expressions imgopt cannot evaluate are pinned, not guessed nor
	 * broken (`{{ page.header-img }}` in a layout); an unclosed `{{`
	 * is a typo, broken. */
	static const char *const unknown[] = {
		"{{ page.image }}",
		"{{ \"/postimg/a.png\" | img_url }}",
		"/postimg/{{ page.slug }}.png",
		"{{ site.baseurl }}/{% if page.header-img %}{{ page.header-img "
		"}}{% else %}{{ site.header-img }}{% endif %}",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(unknown); i++)
		assert_resolves(site, FOO, IMGOPT_REF_MARKDOWN, unknown[i],
				IMGOPT_REF_STATUS_EXPRESSION, NULL);
	assert_resolves(site, FOO, IMGOPT_REF_MARKDOWN,
			"{{site.baseurl}/postimg/a.png",
			IMGOPT_REF_STATUS_BROKEN, NULL);
}

/* The number of references imgopt_site_scan_text() finds in a post
 * where kramdown and CommonMark differ. */
static guint
n_scanned(const ImgoptSite *site)
{
	static const char post[] = "<img src=\"a.png\">\n![b](b.png)\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) refs = imgopt_site_scan_text(
		site, "_posts/p.md", post, sizeof post - 1, &error);

	g_assert_no_error(error);
	return refs->len;
}

/* A Jekyll site scans as kramdown renders (its default, or named);
 * another `markdown:` or no Jekyll config, as CommonMark. */
static void
test_scan_dialect(void)
{
	static const struct {
		const char *config; /* _config.yml, or NULL for none */
		guint n_refs;
	} cases[] = {
		{"title: x\n", 2},
		{"markdown: kramdown # the default\n", 2},
		{"markdown: CommonMarkGhPages\n", 1},
		{NULL, 1},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		static const char *const files[] = {"site/_posts/", "site/img/",
						    NULL};
		g_auto(TmpSite) t = {0};

		tmp_site_init(&t, files);
		if (cases[i].config != NULL) {
			g_autofree char *config = at(&t, "site/_config.yml");
			tu_write(config, cases[i].config);
		}
		g_autoptr(ImgoptSite) site =
			open_site(&t, "site/_posts", "site/img", "site");
		g_assert_cmpuint(n_scanned(site), ==, cases[i].n_refs);
	}
}

static void
test_resolve_baseurl(void)
{
	g_auto(TmpSite) t = {0};

	tmp_site_init(&t, resolve_files);
	g_autofree char *config = at(&t, "site/_config.yml");
	tu_write(config, "baseurl: /blog\n");
	g_autoptr(ImgoptSite) site =
		open_site(&t, "site", "site/postimg", NULL);

	assert_ok(site, FOO, "/blog/postimg/a.png", "postimg/a.png");
	assert_ok(site, FOO, "{{ site.baseurl }}/postimg/a.png",
		  "postimg/a.png");
	assert_ok(site, FOO, "/postimg/a.png", "postimg/a.png");
	/* "/blogx" does not start with the "/blog" folder: repaired by name. */
	assert_resolves(site, FOO, IMGOPT_REF_MARKDOWN, "/blogx/postimg/a.png",
			IMGOPT_REF_STATUS_REPAIRED, "postimg/a.png");
}

static void
test_resolve_encoded_names(void)
{
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_resolve_site(&t);
	const char *want = "postimg/南宁 图(1).png";

	assert_ok(site, FOO, "/postimg/南宁 图(1).png", want);
	assert_ok(site, FOO, "/postimg/%E5%8D%97%E5%AE%81%20%E5%9B%BE(1).png",
		  want);
	assert_ok(site, FOO,
		  "/postimg/%e5%8d%97%e5%ae%81%20%e5%9b%be%281%29.png", want);
	assert_ok(site, FOO, "../postimg/%E5%8D%97%E5%AE%81 图(1).png", want);
	assert_ok(site, FOO, "/postimg/sp%20ace.png", "postimg/sp ace.png");
	assert_ok(site, FOO, "/postimg/sp ace.png", "postimg/sp ace.png");
	/* "%.p" is no escape: the name is taken literally. */
	assert_ok(site, FOO, "/postimg/100%.png", "postimg/100%.png");
	assert_ok(site, FOO, "/postimg/100%25.png", "postimg/100%.png");
}

static void
test_resolve_query_fragment(void)
{
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_resolve_site(&t);

	assert_ok(site, FOO, "/postimg/a.png?v=2", "postimg/a.png");
	assert_ok(site, FOO, "/postimg/a.png#top", "postimg/a.png");
	assert_ok(site, FOO, "/postimg/a.png?v=2&w=3#top", "postimg/a.png");
	assert_ok(site, FOO, "pic.png?raw=true", "_posts/pic.png");
	assert_resolves(site, FOO, IMGOPT_REF_MARKDOWN, "#top",
			IMGOPT_REF_STATUS_BROKEN, NULL);
}

static void
test_resolve_backslashes(void)
{
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_resolve_site(&t);

	assert_ok(site, FOO, "..\\postimg\\a.png", "postimg/a.png");
	assert_ok(site, FOO, "\\postimg\\a.png", "postimg/a.png");
	assert_ok(site, FOO, "2020-01-01-foo\\asset.png",
		  "_posts/2020-01-01-foo/asset.png");
	assert_ok(site, FOO, "/postimg%5ca.png", "postimg/a.png");
}

static void
test_resolve_remote(void)
{
	static const char *const urls[] = {
		"http://example.com/a.png",
		"https://example.com/a.png?x=1",
		"HTTPS://EXAMPLE.COM/A.PNG",
		"//cdn.example.com/a.png",
		"data:image/png;base64,iVBORw0KGgo=",
		"mailto:someone@example.com",
		"ftp://example.com/a.png",
	};
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_resolve_site(&t);

	for (size_t i = 0; i < G_N_ELEMENTS(urls); i++)
		assert_resolves(site, FOO, IMGOPT_REF_MARKDOWN, urls[i],
				IMGOPT_REF_STATUS_REMOTE, NULL);
}

/* Resolving may run on worker threads: same answers from several at once. */
static gpointer
resolve_many(gpointer data)
{
	const ImgoptSite *site = data;

	for (int i = 0; i < 200; i++) {
		g_autoptr(ImgoptRef) a =
			resolve(site, FOO, IMGOPT_REF_MARKDOWN,
				"{{ site.baseurl }}/postimg/a.png");
		g_autoptr(ImgoptRef) b =
			resolve(site, FOO, IMGOPT_REF_MARKDOWN, "gone/a.png");

		if (a->status != IMGOPT_REF_STATUS_OK ||
		    b->status != IMGOPT_REF_STATUS_REPAIRED)
			return GINT_TO_POINTER(1);
	}
	return GINT_TO_POINTER(0);
}

static void
test_resolve_threads(void)
{
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_resolve_site(&t);
	GThread *threads[4];

	for (size_t i = 0; i < G_N_ELEMENTS(threads); i++)
		threads[i] = g_thread_new("resolve", resolve_many, site);
	for (size_t i = 0; i < G_N_ELEMENTS(threads); i++)
		g_assert_cmpint(GPOINTER_TO_INT(g_thread_join(threads[i])), ==,
				0);
}

/* ---- path safety ------------------------------------------------------ */

/*
 * The site sits beside tmp/outside/, which holds FIFOs: opening one for
 * reading blocks until a writer comes, and none ever does, so a test that
 * finishes proves no resolution opened them.
 */
static ImgoptSite *
open_guarded_site(TmpSite *t)
{
	static const char *const files[] = {
		"site/_config.yml", "site/_posts/p.md", "site/postimg/a.png",
		"outside/", NULL};

	tmp_site_init(t, files);
	g_autofree char *outside = at(t, "outside");
	g_autofree char *fifo = at(t, "outside/secret.png");
	g_autofree char *passwd = at(t, "outside/passwd");
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	g_assert_cmpint(mkfifo(passwd, 0600), ==, 0);
	/* A file symlink and a folder symlink leading out, and a file
	 * symlink leading to a file inside. */
	make_symlink(t, fifo, "site/postimg/evil.png");
	make_symlink(t, "../../outside/secret.png",
		     "site/postimg/evil-rel.png");
	make_symlink(t, outside, "site/postimg/evildir");
	make_symlink(t, "a.png", "site/postimg/alias.png");
	make_symlink(t, "../postimg", "site/_posts/images");
	return open_site(t, "site/_posts", "site/postimg", NULL);
}

static void
test_safety_dotdot(void)
{
	static const char *const urls[] = {
		"../../outside/secret.png",
		"../../../../../../../../etc/passwd",
		"/../outside/secret.png",
		"/../../etc/passwd",
		"/postimg/../../outside/secret.png",
		"%2e%2e/%2e%2e/outside/secret.png",
		"%2E%2E/%2E%2E/outside/secret.png",
		"..%2f..%2foutside%2fsecret.png",
		"/..%2F..%2Foutside%2Fpasswd",
		"..\\..\\outside\\secret.png",
		"\\..\\..\\outside\\passwd",
		"{{ site.baseurl }}/../outside/secret.png",
		"../../outside/secret.png?x#y",
	};
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_guarded_site(&t);

	for (size_t i = 0; i < G_N_ELEMENTS(urls); i++)
		assert_outside(site, "_posts/p.md", urls[i]);
	g_autoptr(ImgoptRef) ref =
		resolve(site, "_posts/p.md", IMGOPT_REF_MARKDOWN,
			"%2e%2e/%2e%2e/outside/secret.png");
	g_assert_nonnull(strstr(ref->message, "climbs above the site root"));
}

static void
test_safety_filesystem_paths(void)
{
	static const char *const urls[] = {
		"file:///etc/passwd",
		"FILE:///etc/passwd",
		"C:\\Windows\\secret.png",
		"c:/Windows/secret.png",
		"C:",
		"\\\\server\\share\\secret.png",
	};
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_guarded_site(&t);

	for (size_t i = 0; i < G_N_ELEMENTS(urls); i++)
		assert_outside(site, "_posts/p.md", urls[i]);
	/* `/x` is a site path, never a file system path. */
	assert_resolves(site, "_posts/p.md", IMGOPT_REF_MARKDOWN, "/etc/passwd",
			IMGOPT_REF_STATUS_BROKEN, NULL);
	assert_resolves(site, "_posts/p.md", IMGOPT_REF_MARKDOWN,
			"/%43:/Windows/secret.png", IMGOPT_REF_STATUS_BROKEN,
			NULL);
}

static void
test_safety_symlinks(void)
{
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_guarded_site(&t);

	assert_outside(site, "_posts/p.md", "/postimg/evil.png");
	assert_outside(site, "_posts/p.md", "/postimg/evil-rel.png");
	assert_outside(site, "_posts/p.md", "/postimg/evildir/secret.png");
	assert_outside(site, "_posts/p.md", "../postimg/evildir/passwd");
	assert_outside(site, "_posts/p.md", "images/evildir/passwd");
	g_autoptr(ImgoptRef) ref = resolve(
		site, "_posts/p.md", IMGOPT_REF_MARKDOWN, "/postimg/evil.png");
	g_assert_nonnull(strstr(ref->message, "symlink"));

	/* Symlinks that stay inside are fine; the path as written is kept. */
	assert_ok(site, "_posts/p.md", "/postimg/alias.png",
		  "postimg/alias.png");
	assert_ok(site, "_posts/p.md", "images/a.png", "_posts/images/a.png");
	/* A missing file behind a folder symlink leading out is broken, and
	 * the outside name is not repaired from outside. */
	assert_resolves(site, "_posts/p.md", IMGOPT_REF_MARKDOWN,
			"/postimg/evildir/nothing.png",
			IMGOPT_REF_STATUS_BROKEN, NULL);
}

/* A FIFO inside the site is not a regular file: never opened either. */
static void
test_safety_special_files(void)
{
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_guarded_site(&t);
	g_autofree char *fifo = at(&t, "site/postimg/pipe.png");

	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	assert_resolves(site, "_posts/p.md", IMGOPT_REF_MARKDOWN,
			"/postimg/pipe.png", IMGOPT_REF_STATUS_BROKEN, NULL);
}

/* ---- repair ----------------------------------------------------------- */

static ImgoptSite *
open_repair_site(TmpSite *t)
{
	static const char *const files[] = {
		"site/_config.yml",
		"site/_posts/p.md",
		"site/postimg/uniq.jpeg",
		"site/postimg/dup.jpeg",
		"site/postimg/old/dup.jpeg",
		"site/postimg/old/only-old.jpeg",
		"site/postimg/optimized/variant.jpeg",
		"site/elsewhere/stray.jpeg",
		NULL};

	tmp_site_init(t, files);
	return open_site(t, "site/_posts", "site/postimg", NULL);
}

static void
test_repair_by_name(void)
{
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_repair_site(&t);
	const ImgoptRefStatus repaired = IMGOPT_REF_STATUS_REPAIRED;

	assert_resolves(site, "_posts/p.md", IMGOPT_REF_MARKDOWN,
			"/postimg/gone/uniq.jpeg", repaired,
			"postimg/uniq.jpeg");
	assert_resolves(site, "_posts/p.md", IMGOPT_REF_MARKDOWN, "uniq.jpeg",
			repaired, "postimg/uniq.jpeg");
	assert_resolves(site, "_posts/p.md", IMGOPT_REF_HTML,
			"D:%5Cexport%5Conly-old.jpeg",
			IMGOPT_REF_STATUS_OUTSIDE, NULL);
	assert_resolves(site, "_posts/p.md", IMGOPT_REF_HTML,
			"export\\only-old.jpeg", repaired,
			"postimg/old/only-old.jpeg");
	g_autoptr(ImgoptRef) ref = resolve(site, "_posts/p.md",
					   IMGOPT_REF_MARKDOWN, "x/uniq.jpeg");
	g_assert_cmpstr(ref->message, ==, "repaired by name");
}

static void
test_repair_ambiguous_or_missing(void)
{
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_repair_site(&t);
	g_autoptr(ImgoptRef) dup = resolve(
		site, "_posts/p.md", IMGOPT_REF_MARKDOWN, "/img/dup.jpeg");
	g_autoptr(ImgoptRef) none = resolve(site, "_posts/p.md",
					    IMGOPT_REF_MARKDOWN, "/img/x.jpeg");
	/* Outside IMAGES, and imgopt's own output, are not repair sources. */
	g_autoptr(ImgoptRef) stray = resolve(
		site, "_posts/p.md", IMGOPT_REF_MARKDOWN, "/img/stray.jpeg");
	g_autoptr(ImgoptRef) variant = resolve(
		site, "_posts/p.md", IMGOPT_REF_MARKDOWN, "/img/variant.jpeg");

	g_assert_cmpint(dup->status, ==, IMGOPT_REF_STATUS_BROKEN);
	g_assert_null(dup->resolved);
	g_assert_cmpstr(dup->message, ==,
			"2 files named 'dup.jpeg': ambiguous");
	g_assert_cmpint(none->status, ==, IMGOPT_REF_STATUS_BROKEN);
	g_assert_cmpstr(none->message, ==,
			"no file named 'x.jpeg' under postimg/");
	g_assert_cmpint(stray->status, ==, IMGOPT_REF_STATUS_BROKEN);
	g_assert_cmpint(variant->status, ==, IMGOPT_REF_STATUS_BROKEN);
	/* Its output is still a valid target when referenced directly. */
	assert_ok(site, "_posts/p.md", "/postimg/optimized/variant.jpeg",
		  "postimg/optimized/variant.jpeg");
}

static void
test_repair_multiline(void)
{
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_repair_site(&t);
	g_autoptr(ImgoptRef) ok =
		resolve(site, "_posts/p.md", IMGOPT_REF_MARKDOWN,
			"2020-07-14\n南宁创城\\uniq.jpeg");
	g_autoptr(ImgoptRef) dup =
		resolve(site, "_posts/p.md", IMGOPT_REF_MARKDOWN,
			"2020-07-14\n南宁创城\\dup.jpeg");
	g_autoptr(ImgoptRef) none =
		resolve(site, "_posts/p.md", IMGOPT_REF_MARKDOWN,
			"2020-07-14\n南宁创城\\x.jpeg");

	g_assert_cmpint(ok->status, ==, IMGOPT_REF_STATUS_REPAIRED);
	g_assert_cmpstr(ok->resolved, ==, "postimg/uniq.jpeg");
	g_assert_nonnull(strstr(ok->message, "across lines"));
	g_assert_cmpint(dup->status, ==, IMGOPT_REF_STATUS_BROKEN);
	g_assert_nonnull(strstr(dup->message, "ambiguous"));
	g_assert_cmpint(none->status, ==, IMGOPT_REF_STATUS_BROKEN);
	g_assert_nonnull(strstr(none->message, "no file named 'x.jpeg'"));
}

/* Resolving twice replaces the earlier outcome. */
static void
test_resolve_again(void)
{
	g_auto(TmpSite) t = {0};
	g_autoptr(ImgoptSite) site = open_repair_site(&t);
	g_autoptr(ImgoptRef) ref = resolve(site, "_posts/p.md",
					   IMGOPT_REF_MARKDOWN, "/img/x.jpeg");

	g_free(ref->url);
	ref->url = g_strdup("/postimg/uniq.jpeg");
	imgopt_site_resolve_ref(site, ref);
	g_assert_cmpint(ref->status, ==, IMGOPT_REF_STATUS_OK);
	g_assert_cmpstr(ref->resolved, ==, "postimg/uniq.jpeg");
	g_assert_null(ref->message);
}

/* ---- scanning posts --------------------------------------------------- */

static void
test_scan_post_unreadable(void)
{
	static const char *const files[] = {"site/_config.yml",
					    "site/_posts/dir.md/", "site/img/",
					    "outside/x.md", NULL};
	g_auto(TmpSite) t = {0};
	g_autoptr(GError) missing = NULL;
	g_autoptr(GError) dir = NULL;
	g_autoptr(GError) climbs = NULL;
	g_autoptr(GError) link = NULL;

	tmp_site_init(&t, files);
	make_symlink(&t, "../../outside/x.md", "site/_posts/link.md");
	g_autoptr(ImgoptSite) site =
		open_site(&t, "site/_posts", "site/img", NULL);

	g_assert_null(
		imgopt_site_scan_post(site, "_posts/missing.md", &missing));
	g_assert_error(missing, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_assert_nonnull(strstr(missing->message, "'_posts/missing.md'"));
	g_assert_null(imgopt_site_scan_post(site, "_posts/dir.md", &dir));
	g_assert_nonnull(dir);
	g_assert_nonnull(strstr(dir->message, "'_posts/dir.md'"));
	g_assert_null(imgopt_site_scan_post(site, "../outside/x.md", &climbs));
	g_assert_error(climbs, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE);
	g_assert_null(imgopt_site_scan_post(site, "_posts/link.md", &link));
	g_assert_error(link, IMGOPT_ERROR, IMGOPT_ERROR_UNSAFE);
}

static void
test_scan_post_resolves(void)
{
	static const char *const files[] = {"site/_config.yml",
					    "site/img/h.png",
					    "site/postimg/a.png", NULL};
	g_auto(TmpSite) t = {0};
	g_autoptr(GError) error = NULL;

	tmp_site_init(&t, files);
	g_autofree char *post = at(&t, "site/_posts/p.md");
	tu_write(post, "---\nheader-img: img/h.png\n---\n"
		       "![a]({{ site.baseurl }}/postimg/a.png) "
		       "![b](https://example.com/b.png)\n\n"
		       "![c](../../secret.png)\n");
	g_autoptr(ImgoptSite) site =
		open_site(&t, "site/_posts", "site/postimg", NULL);
	g_autoptr(GPtrArray) refs =
		imgopt_site_scan_post(site, "_posts/p.md", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(refs->len, ==, 4);

	static const struct {
		ImgoptRefStatus status; /* expected outcome */
		const char *resolved;   /* expected file */
	} want[] = {
		{IMGOPT_REF_STATUS_OK, "img/h.png"},
		{IMGOPT_REF_STATUS_OK, "postimg/a.png"},
		{IMGOPT_REF_STATUS_REMOTE, NULL},
		{IMGOPT_REF_STATUS_OUTSIDE, NULL},
	};
	for (guint i = 0; i < refs->len; i++) {
		const ImgoptRef *ref = g_ptr_array_index(refs, i);

		g_assert_cmpstr(ref->post, ==, "_posts/p.md");
		g_assert_cmpint(ref->status, ==, want[i].status);
		g_assert_cmpstr(ref->resolved, ==, want[i].resolved);
	}
}

/* ---- the seed blog, end to end ----------------------------------------- */

#define SEED_POST "_posts/2020-07-14-nanning-anti-fraud.md"
#define MEDIA "m6vdLvvo6W6uia2h4DXVHaGImxEiaYZIpm"

/* What fixtures/sites/seed/README.md promises, reference by reference. */
static const struct {
	gint64 line;          /* 1-based line of the destination */
	const char *kind;     /* "markdown", "front-matter" */
	const char *status;   /* expected status */
	const char *resolved; /* expected file; NULL: "postimg/" + the URL's
				 last component for an ok markdown link */
	bool is_multiline;    /* one of the five links broken across lines */
	const char *why;      /* part of the message, for broken ones */
} seed_refs[] = {
	{6, "front-matter", "ok", "img/the-first.png", false, NULL},
	{21, "markdown", "ok", NULL, false, NULL},
	{27, "markdown", "ok", NULL, false, NULL},
	{33, "markdown", "ok", NULL, false, NULL},
	{33, "markdown", "repaired",
	 "postimg/" MEDIA
	 "4EHGI7N1SjYfmibCly6ibAqqNrqJ4jBfz380Jwn5MpgicShdaEHCKGCzA.jpeg",
	 true, NULL},
	{34, "markdown", "repaired",
	 "postimg/old/" MEDIA
	 "uzLerE6ibc8ryop3M3cBibRjoKf1zQTAWGaQ7hTWfSDTp1ujfnYx6nEA.jpeg",
	 true, NULL},
	{43, "markdown", "ok", NULL, false, NULL},
	{43, "markdown", "broken", NULL, true, "no file named"},
	{46, "markdown", "ok", NULL, false, NULL},
	{46, "markdown", "broken", NULL, true, "2 files named"},
	{47, "markdown", "repaired",
	 "postimg/" MEDIA
	 "4wEYpiaHYYXRxBONKq9gCJicAekyiaCsCTfNo0LdXuAUnjxOGSkqK92fA.jpeg",
	 true, NULL},
	{51, "markdown", "ok", NULL, false, NULL},
	{56, "markdown", "ok", NULL, false, NULL},
	{57, "markdown", "ok", NULL, false, NULL},
	{58, "markdown", "ok", NULL, false, NULL},
};

/* A temporary copy of the seed site; returns the copy's root. */
static char *
copy_seed(char **tmp_out)
{
	g_autofree char *src = tu_fixture("sites", "seed", "input", NULL);

	*tmp_out = tu_tmpdir();
	char *dst = g_build_filename(*tmp_out, "site", NULL);
	tu_copytree(src, dst);
	return dst;
}

static void
check_seed_ref(JsonObject *ref, guint i, const char *text, gsize len)
{
	const char *url = json_object_get_string_member(ref, "url");
	const char *raw = json_object_get_string_member(ref, "raw");
	const char *resolved = json_object_get_string_member(ref, "resolved");
	gint64 offset = json_object_get_int_member(ref, "offset");
	gint64 length = json_object_get_int_member(ref, "length");

	g_assert_cmpstr(json_object_get_string_member(ref, "post"), ==,
			SEED_POST);
	g_assert_cmpint(json_object_get_int_member(ref, "line"), ==,
			seed_refs[i].line);
	g_assert_cmpstr(json_object_get_string_member(ref, "kind"), ==,
			seed_refs[i].kind);
	g_assert_cmpstr(json_object_get_string_member(ref, "status"), ==,
			seed_refs[i].status);
	g_assert_cmpint(strchr(url, '\n') != NULL, ==,
			seed_refs[i].is_multiline);
	/* The span is exactly the destination's bytes in the file. */
	g_assert_cmpint(offset, >=, 0);
	g_assert_cmpint(offset + length, <=, (gint64)len);
	g_assert_cmpint((gint64)strlen(raw), ==, length);
	g_assert_true(memcmp(text + offset, raw, (size_t)length) == 0);

	if (seed_refs[i].why != NULL)
		g_assert_nonnull(
			strstr(json_object_get_string_member(ref, "message"),
			       seed_refs[i].why));
	if (seed_refs[i].resolved != NULL)
		g_assert_cmpstr(resolved, ==, seed_refs[i].resolved);
	else if (strcmp(seed_refs[i].status, "ok") == 0)
		g_assert_cmpstr(resolved, ==,
				url + strlen("{{site.baseurl}}/"));
	else
		g_assert_null(resolved);
}

static void
check_seed_summary(JsonObject *summary)
{
	static const struct {
		const char *name; /* summary member */
		gint64 count;     /* expected value */
	} want[] = {
		{"posts", 1},    {"references", 15}, {"ok", 10},
		{"repaired", 3}, {"broken", 2},      {"remote", 0},
		{"outside", 0},  {"errors", 0},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
		g_assert_cmpint(
			json_object_get_int_member(summary, want[i].name), ==,
			want[i].count);
}

static void
test_seed_json(void)
{
	g_autofree char *tmp = NULL;
	g_autofree char *root = copy_seed(&tmp);
	g_autofree char *posts = g_build_filename(root, "_posts", NULL);
	g_autofree char *images = g_build_filename(root, "postimg", NULL);
	g_autofree char *post = g_build_filename(root, SEED_POST, NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *real_root = imgopt_fs_realpath(root, &error);
	const char *argv[] = {"imgopt", "scan", "--json", posts, images, NULL};
	int status = -1;
	gsize len = 0;
	g_autofree char *text = tu_read(post, &len);
	g_autoptr(JsonNode) node = tu_run_json(argv, &status);
	JsonObject *doc = json_node_get_object(node);

	g_assert_cmpint(status, ==, 1); /* broken references present */
	g_assert_cmpstr(json_object_get_string_member(doc, "site_root"), ==,
			real_root);
	JsonArray *post_list = json_object_get_array_member(doc, "posts");
	g_assert_cmpuint(json_array_get_length(post_list), ==, 1);
	g_assert_cmpstr(json_array_get_string_element(post_list, 0), ==,
			SEED_POST);
	JsonArray *refs = json_object_get_array_member(doc, "references");
	g_assert_cmpuint(json_array_get_length(refs), ==,
			 G_N_ELEMENTS(seed_refs));
	for (guint i = 0; i < json_array_get_length(refs); i++)
		check_seed_ref(json_array_get_object_element(refs, i), i, text,
			       len);
	check_seed_summary(json_object_get_object_member(doc, "summary"));
	tu_rmtree(tmp);
}

static void
test_seed_text(void)
{
	g_autofree char *tmp = NULL;
	g_autofree char *root = copy_seed(&tmp);
	g_autofree char *posts = g_build_filename(root, "_posts", NULL);
	g_autofree char *images = g_build_filename(root, "postimg", NULL);
	const char *argv[] = {"imgopt", "scan", posts, images, NULL};
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	int status = tu_run(argv, &out, &err);

	g_assert_cmpint(status, ==, 1);
	g_assert_nonnull(strstr(out, SEED_POST ":43: broken markdown"));
	g_assert_nonnull(strstr(out, SEED_POST ":46: broken markdown"));
	g_assert_nonnull(strstr(out, "ambiguous"));
	/* Only problems are listed without --verbose. */
	g_assert_null(strstr(out, ": repaired "));
	g_assert_null(strstr(out, ": ok "));
	/* the whole site: the post and the config */
	g_assert_true(g_str_has_suffix(
		out, "\n2 files (1 posts), 15 references: 10 ok, 3 repaired, "
		     "2 broken, 0 remote, 0 outside\n"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	/* --only-posts keeps the posts-only summary */
	const char *only[] = {"imgopt", "scan", "--only-posts",
			      posts,    images, NULL};
	g_assert_cmpint(tu_run(only, &out, &err), ==, 1);
	g_assert_true(g_str_has_suffix(
		out, "\n1 posts, 15 references: 10 ok, 3 repaired, 2 broken, "
		     "0 remote, 0 outside\n"));
	tu_rmtree(tmp);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/site/root/config", test_root_config);
	g_test_add_func("/site/root/config-nearest", test_root_config_nearest);
	g_test_add_func("/site/root/fallback", test_root_fallback);
	g_test_add_func("/site/root/explicit", test_root_explicit);
	g_test_add_func("/site/root/errors", test_root_errors);
	g_test_add_func("/site/root/same-dir", test_root_same_dir);
	g_test_add_func("/site/root/symlinked-dirs", test_root_symlinked_dirs);
	g_test_add_func("/site/root/baseurl", test_baseurl);
	g_test_add_func("/site/posts/list", test_posts_list);
	g_test_add_func("/site/posts/relative-to-root",
			test_posts_relative_to_root);
	g_test_add_func("/site/images/index", test_images_index);
	g_test_add_func("/site/resolve/root-relative",
			test_resolve_root_relative);
	g_test_add_func("/site/resolve/post-relative",
			test_resolve_post_relative);
	g_test_add_func("/site/resolve/asset-folder",
			test_resolve_asset_folder);
	g_test_add_func("/site/resolve/hugo-bundle", test_resolve_hugo_bundle);
	g_test_add_func("/site/resolve/hugo-static", test_resolve_hugo_static);
	g_test_add_func("/site/resolve/front-matter",
			test_resolve_front_matter);
	g_test_add_func("/site/resolve/liquid", test_resolve_liquid);
	g_test_add_func("/site/scan-dialect", test_scan_dialect);
	g_test_add_func("/site/resolve/baseurl", test_resolve_baseurl);
	g_test_add_func("/site/resolve/encoded-names",
			test_resolve_encoded_names);
	g_test_add_func("/site/resolve/query-fragment",
			test_resolve_query_fragment);
	g_test_add_func("/site/resolve/backslashes", test_resolve_backslashes);
	g_test_add_func("/site/resolve/remote", test_resolve_remote);
	g_test_add_func("/site/resolve/threads", test_resolve_threads);
	g_test_add_func("/site/resolve/again", test_resolve_again);
	g_test_add_func("/site/safety/dotdot", test_safety_dotdot);
	g_test_add_func("/site/safety/filesystem-paths",
			test_safety_filesystem_paths);
	g_test_add_func("/site/safety/symlinks", test_safety_symlinks);
	g_test_add_func("/site/safety/special-files",
			test_safety_special_files);
	g_test_add_func("/site/repair/by-name", test_repair_by_name);
	g_test_add_func("/site/repair/ambiguous-or-missing",
			test_repair_ambiguous_or_missing);
	g_test_add_func("/site/repair/multiline", test_repair_multiline);
	g_test_add_func("/site/scan-post/unreadable",
			test_scan_post_unreadable);
	g_test_add_func("/site/scan-post/resolves", test_scan_post_resolves);
	g_test_add_func("/site/seed/json", test_seed_json);
	g_test_add_func("/site/entries-resolve", test_entries_resolve);
	g_test_add_func("/site/seed/text", test_seed_text);
	return g_test_run();
}
