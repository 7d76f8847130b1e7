# A post with two hard links is not rewritten (the atomic replace would
# split them): reported as an error, exit 1.  A read-only one is
# rewritten, keeps its mode, and a note says so (the mode bits decide:
# tests run as root, where a write would not fail).  Issue 15, item 11h
# and 11i.
mkdir -p site/_posts site/img
echo 'title: t' > site/_config.yml
cp "$SHARED/badimages/ljt__testorig.jpg" site/img/ok.jpg
for p in a b c; do printf '![](/img/ok.jpg)\n' > site/_posts/2020-01-01-$p.md; done
ln site/_posts/2020-01-01-a.md linked.md
chmod 0444 site/_posts/2020-01-01-b.md
cd site
"$IMGOPT" -n _posts img | grep -E '^(would rewrite|posts)' || echo "dry run: exit $?"
"$IMGOPT" _posts img > ../out || echo "run: exit $?"
grep -E '^posts' ../out
cat _posts/2020-01-01-a.md _posts/2020-01-01-b.md
stat -c '%h %a %n' _posts/2020-01-01-a.md _posts/2020-01-01-b.md
grep -c optimized _posts/2020-01-01-b.md _posts/2020-01-01-c.md
printf '![](/img/ok.jpg)\n' > _posts/2020-01-01-d.md
chmod 0444 _posts/2020-01-01-d.md
"$IMGOPT" _posts img --json 2>/dev/null | grep -A5 '"notices"' || true
