# An image that cannot be encoded counts as failed in run's and run -n's
# summaries, never as "skipped (up to date)" (issue 15, item 11c).
mkdir -p site/_posts site/img
echo 'title: t' > site/_config.yml
cp "$SHARED/badimages/ljt__testorig.jpg" site/img/ok.jpg
cp "$SHARED/badimages/libvips__truncated.jpg" site/img/trunc.jpg
printf '![](/img/ok.jpg)\n![](/img/trunc.jpg)\n' > site/_posts/2020-01-01-a.md
cd site
"$IMGOPT" -n _posts img | grep '^images:' || echo "dry run: exit $?"
"$IMGOPT" _posts img | grep '^images:' || echo "run: exit $?"
"$IMGOPT" _posts img --json | grep -E '"(encoded|failed|skipped)"' || true
