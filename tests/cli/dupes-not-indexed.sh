# A symlink and a FIFO under IMAGES are not indexed: each is reported once,
# its message starting with its path, on stderr and in --json (issue 15,
# item 11b: the message used to be "not indexed: ..." with no path).
mkdir -p site/_posts site/img
echo 'title: t' > site/_config.yml
cp "$SHARED/badimages/ljt__testorig.jpg" site/img/ok.jpg
ln -s ok.jpg site/img/link.jpg
mkfifo site/img/pipe.png
printf '![](/img/ok.jpg)\n' > site/_posts/2020-01-01-a.md
cd site
"$IMGOPT" dupes _posts img >/dev/null || echo "dupes: exit $?"
"$IMGOPT" dupes --json _posts img 2>/dev/null | grep -A9 '"skipped" : \[' || true
