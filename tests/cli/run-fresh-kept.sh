# A fresh checkout of a blog whose posts imgopt rewrites at deploy time,
# with the variant folder restored from a cache and no manifest
# (docs/scale.md): the run encodes nothing, though some encodings made no
# file - a width where every encoding was heavier than the source (a
# photo saved at quality 10), a WebP no lighter than the JPEG under the
# default --link-format auto (grain), the source's own bytes linked in
# place of a copy (a 126-byte PNG).  The marks in the folder's
# .imgopt-kept/ say so (ondisk.h); without them each of those contents is
# encoded again; a mark that does not verify is not trusted, and written
# again right.
# no progress lines (a sanitizer build on a loaded machine is slow)
export IMGOPT_PROGRESS_INTERVAL_MS=3600000
mkdir -p site/_posts site/postimg
vips gaussnoise n.v 1200 800 --sigma 30 --mean 128 --seed 1
vips gaussblur n.v b.v 1.5
vips copy b.v "site/postimg/lost.jpg[Q=10,strip]"
vips gaussnoise g.v 1000 700 --sigma 25 --mean 128 --seed 2
vips copy g.v "site/postimg/grain.jpg[Q=90,strip]"
vips black k.v 100 60
vips linear k.v k2.v 1 200 --uchar
vips copy k2.v site/postimg/flat.png
printf -- '---\ntitle: kept\n---\n![lost](/postimg/lost.jpg)\n\n![grain](/postimg/grain.jpg)\n\n![flat](/postimg/flat.png)\n' \
	>site/_posts/2020-01-01-kept.md
cp -R site pristine
summary() { grep -E '"(encoded|reused|to_encode|variant_files_written)"'; }
(cd site && "$IMGOPT" run _posts postimg --jobs 1 >/dev/null)
echo "variant folder:"
(cd site/postimg/optimized && find . -type f | LC_ALL=C sort)
cat site/_posts/2020-01-01-kept.md
# checkout CI: the posts as committed, optimized/ from the cache
checkout() {
	rm -rf "$1"
	cp -R pristine "$1"
	cp -R site/postimg/optimized "$1/postimg/"
}
echo "a fresh checkout with the cached folder: check, run"
checkout ci
(cd ci && "$IMGOPT" check _posts postimg --json 2>/dev/null) | summary
(cd ci && "$IMGOPT" run _posts postimg --jobs 1 --json 2>/dev/null) | summary
diff -r -x .imgopt site ci && echo "posts and variants as the first run left them"
echo "the same without the marks:"
checkout bare
rm -r bare/postimg/optimized/.imgopt-kept
(cd bare && "$IMGOPT" run _posts postimg --jobs 1 --json 2>/dev/null) | summary
diff -r -x .imgopt site bare && echo "posts and variants as the first run left them"
echo "a mark edited:"
checkout edited
mark=$(cd site/postimg/optimized/.imgopt-kept && ls *.nowebp | head -1)
sed -i 's/ n=0/ n=1/' "edited/postimg/optimized/.imgopt-kept/$mark"
(cd edited && "$IMGOPT" run _posts postimg --jobs 1 --json 2>/dev/null) |
	summary
diff -r -x .imgopt site edited && echo "posts and variants as the first run left them"
