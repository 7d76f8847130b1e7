# A variant file pages link, gone (deleted by hand, a clean checkout, a
# cache restore that missed optimized/), is made again by the next run
# from its source still in the site: byte for byte as it was, the links
# and the posts unchanged, exit 0, a note for each; the run after it
# encodes nothing.  Check says that run makes it again (exit 1: work),
# and does not call the link broken; scan, which reports the site as it
# is, calls it broken and says that run makes it again.  Jekyll (with its
# manifest, then a fresh one), Hexo (post asset folders, the theme's folder) and Hugo (a
# bundle's own folder, a copy placed in a second bundle, static/).  A
# variant whose source is gone too stays a broken link and says why.

# at DIR ARGS...: imgopt ARGS in DIR: its exit code, images line and
# notes or broken links (variant hashes masked: Hugo's images are noise)
at() {
	d=$1
	shift
	status=0
	(cd "$d" && "$IMGOPT" "$@") >out 2>err || status=$?
	echo "$1: exit $status"
	grep -h -E '^images:|note:|broken' out err |
		sed -E 's/[0-9a-f]{16}-/HASH-/g' || true
}
# gone DIR FILE...: DIR kept as it is in ./before, then FILE... deleted
gone() {
	d=$1
	shift
	rm -rf before
	cp -R "$d" before
	for f in "$@"; do rm "$d/$f"; done
	echo "deleted $#"
}
# same DIR: DIR holds what ./before does (but the manifest), byte for byte
same() {
	diff -r -x .imgopt before "$1" && echo "$1: variants and posts as they were"
}
# (the marks of what no file was made for are not variants: ondisk.h)
variants() { (cd "$1" && find . -path '*/optimized/*' ! -path '*/.imgopt-kept/*' -type f | sort); }
# weighs: what the pages weigh after the last `at` run (its image bytes)
weighs() { sed -n 's/^image bytes: .*-> //p' out; }
# as_heavy DIR WEIGHT: the pages weigh WEIGHT still.  Under auto a file
# made again must not be linked in a WebP the first run had made and
# left, heavier (a 6.7 kB WebP at 960 px in place of a 3.5 kB JPEG at
# 1000 px, the JPEG lost at 960 px): the pages would gain bytes.
as_heavy() {
	[ "$(weighs)" = "$2" ] && echo "$1: the pages weigh $2 as before"
}

echo "== Jekyll"
cp -R "$FIXTURES/sites/rewrite-basic/input" jekyll
# The one broken link, so that a clean run exits 0.
perl -0777 -pi -e 's/!\[\]\(2020-01-03\s+Windows.*?missing\.jpg\)//s' \
	jekyll/_posts/2020-01-03-windows.md
at jekyll run _posts postimg >/dev/null
weight=$(weighs)
gone jekyll $(variants jekyll)
at jekyll check _posts postimg
at jekyll run _posts postimg
same jekyll
as_heavy jekyll "$weight"
echo "-- one JPEG alone, whose content's WebP at 960 px is heavier"
gone jekyll "postimg/optimized/d2c8d3158cc85a3e-1000.jpg"
at jekyll scan _posts postimg
at jekyll run _posts postimg
same jekyll
as_heavy jekyll "$weight"
at jekyll run _posts postimg
echo "-- a fresh manifest"
rm -rf jekyll/.imgopt
gone jekyll postimg/optimized/5a4acfe89e062ca3-1000.jpg \
	postimg/optimized/73ee4fd4f1b2426f-960.webp
at jekyll run _posts postimg
same jekyll
as_heavy jekyll "$weight"
echo "-- its source gone too"
mv jekyll/postimg/photo.jpg photo.jpg
gone jekyll postimg/optimized/5a4acfe89e062ca3-1000.jpg
at jekyll check _posts postimg
at jekyll run _posts postimg
echo "-- the source back"
mv photo.jpg jekyll/postimg/photo.jpg
at jekyll run _posts postimg
cmp jekyll/postimg/optimized/5a4acfe89e062ca3-1000.jpg \
	before/postimg/optimized/5a4acfe89e062ca3-1000.jpg && echo "the same bytes"
echo "-- a fresh manifest, a JPEG whose content has no other file"
# (its WebP, made and left unlinked, counts in its provenance all the same)
rm -rf jekyll/.imgopt
gone jekyll postimg/optimized/d2c8d3158cc85a3e-1000.jpg
at jekyll run _posts postimg
same jekyll
as_heavy jekyll "$weight"

echo "== Hexo"
cp -R "$FIXTURES/hexo-site" hexo
at hexo run >/dev/null
gone hexo $(variants hexo)
at hexo check
at hexo run
same hexo
at hexo run

echo "== Hugo"
cp -R "$FIXTURES/hugo-site" hugo
vips gaussnoise small.v 640 400 --sigma 20
vips copy small.v hugo/content/posts/bundle/diagram.png
for f in static/img/cover.jpg static/img/shared.jpg static/img/card.jpg \
	static/img/wide.jpg content/posts/bundle/photo.jpg; do
	vips gaussnoise noise.v 1200 800 --sigma 30
	vips copy noise.v "hugo/$f[Q=95]"
done
mkdir hugo/content/posts/other
cp hugo/content/posts/bundle/photo.jpg hugo/content/posts/other/pic.jpg
printf -- '---\ntitle: other\n---\n\n![a](pic.jpg)\n' \
	>hugo/content/posts/other/index.md
at hugo run >/dev/null
gone hugo $(variants hugo)
at hugo check
at hugo run
same hugo
at hugo run
echo "-- the placed copy alone"
gone hugo $(cd hugo && ls content/posts/other/optimized/*.jpg)
at hugo run
same hugo
