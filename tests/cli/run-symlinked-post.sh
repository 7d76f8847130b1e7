# A post that is a symbolic link is not followed: scan and dupes report it
# once as skipped, run and check as a note, on stderr and in --json (issue 15,
# item 11g: it used to be skipped without a word).
mkdir -p site/_posts site/img
echo 'title: t' > site/_config.yml
cp "$SHARED/badimages/ljt__testorig.jpg" site/img/ok.jpg
printf '![](/img/ok.jpg)\n' > site/real.md
ln -s ../real.md site/_posts/2020-01-01-a.md
printf '![](/img/ok.jpg)\n' > site/_posts/2020-01-02-b.md
cd site
"$IMGOPT" scan _posts img >/dev/null || echo "scan: exit $?"
"$IMGOPT" scan --json _posts img 2>/dev/null | grep -A5 '"skipped" : \[' || true
"$IMGOPT" dupes _posts img >/dev/null || echo "dupes: exit $?"
"$IMGOPT" dupes --json _posts img 2>/dev/null | grep -A5 '"skipped" : \[' || true
"$IMGOPT" check _posts img >/dev/null || echo "check: exit $?"
"$IMGOPT" run --json _posts img 2>/dev/null | grep -A5 '"notices"' || true
