# prune --dry-run prints the plan (what moves where, the bytes) and
# changes nothing: a referenced copy and its unreferenced duplicates, an
# orphan, a file outside IMAGES, a non-image and a variant are told apart.
mkdir -p site/_posts site/img/sub site/img/optimized site/other
echo 'title: t' > site/_config.yml
printf 'AAAA' > site/img/a.png
printf 'AAAA' > site/img/copy.png
printf 'AAAA' > site/img/sub/copy.png
printf 'BBBBB' > site/img/orphan.jpg
printf 'AAAA' > site/img/notes.txt
printf 'VV' > site/img/optimized/v.png
printf 'AAAA' > site/other/a.png
printf '![](/img/a.png)\n' > site/_posts/2020-01-01-a.md
cd site
find . -type f | LC_ALL=C sort > ../before
"$IMGOPT" prune --dry-run _posts img
find . -type f | LC_ALL=C sort > ../after
cmp ../before ../after
