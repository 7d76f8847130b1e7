# The name guard reads every text file a person may read in the site's
# repository, published or not: a README the config excludes, docs in a
# `_` folder Jekyll skips. Their images are no orphans; only the image
# nothing names goes to the trash.
mkdir -p site/_posts site/img site/_doc
printf 'title: t\nexclude: [README.md]\n' > site/_config.yml
printf '\n' > site/_posts/2020-01-01-a.md
printf '![screenshot](img/shot.png)\n' > site/README.md
printf 'See img/manual.png for the menu.\n' > site/_doc/Manual.md
printf 'AAAA' > site/img/shot.png
printf 'BBBBB' > site/img/manual.png
printf 'CCCCCC' > site/img/unused.png
cd site
"$IMGOPT" prune -v _posts img || echo "exit $?"
ls img
