# A reference leaving the site root is counted as outside, not as broken,
# in check's and run's summaries (issue 15, item 11d).
mkdir -p site/_posts site/img
echo 'title: t' > site/_config.yml
printf '![](../../etc/x.jpg)\n' > site/_posts/2020-01-01-a.md
cd site
"$IMGOPT" check _posts img | grep '^references:' || echo "check: exit $?"
"$IMGOPT" run _posts img | grep '^references:' || echo "run: exit $?"
