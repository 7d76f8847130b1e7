# A manifest that is not a database: check works on a scratch copy of it,
# but its error names the user's manifest, not the copy; exit 3.
mkdir -p site/_posts site/img site/.imgopt
echo 'title: t' > site/_config.yml
printf '\n' > site/_posts/2020-01-01-a.md
printf 'not a database, only bytes %0100d\n' 0 > site/.imgopt/manifest.db
cd site
"$IMGOPT" check _posts img 2>&1 | sed "s|$PWD/||g" || true
"$IMGOPT" check _posts img 2>/dev/null || echo "exit $?"
