# A Hugo site whose variants live in several folders (static/img/optimized,
# a page bundle's own, a copy placed in a second bundle): a fresh checkout
# (no .imgopt) with those folders restored encodes nothing and comes out
# as the first run left the site, and the run after it has nothing to
# reuse (the first recorded what it reused); a placed copy cut short is
# replaced.  (A copy kept counts as written, as place.c reports it.)  The
# folders restored hold 7 variant files and 4 marks (.imgopt-kept/).
cp -R "$FIXTURES/hugo-site" site
cd site
vips gaussnoise ../small.v 640 400 --sigma 20
vips copy ../small.v content/posts/bundle/diagram.png
for f in static/img/cover.jpg static/img/shared.jpg static/img/card.jpg \
	static/img/wide.jpg content/posts/bundle/photo.jpg; do
	vips gaussnoise ../noise.v 1200 800 --sigma 30
	vips copy ../noise.v "$f[Q=95]"
done
mkdir content/posts/other
cp content/posts/bundle/photo.jpg content/posts/other/pic.jpg
printf -- '---\ntitle: other\n---\n\n![a](pic.jpg)\n' \
	>content/posts/other/index.md
cd ..
cp -R site fresh
summary() {
	"$IMGOPT" run --json 2>/dev/null |
		grep -E '"(encoded|reused|variant_files_written)"'
}
(cd site && summary)
find site -path '*/optimized/*' -type f | sed 's|^site/||' | sort >variants
grep -c . variants
for f in $(cat variants); do
	mkdir -p "fresh/$(dirname "$f")"
	cp "site/$f" "fresh/$f"
done
cp -R fresh cut
echo "fresh checkout:"
(cd fresh && summary)
diff -r -x .imgopt site fresh
echo "and the run after it:"
(cd fresh && summary)
echo "a placed copy cut short:"
copy=$(grep other/optimized variants)
head -c 1000 "cut/$copy" >short && mv short "cut/$copy"
(cd cut && summary)
diff -r -x .imgopt site cut
