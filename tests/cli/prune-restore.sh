# prune moves the files to .imgopt/trash/RUN/, restore puts them back.
mkdir -p site/_posts site/img
echo 'title: t' > site/_config.yml
printf 'AAAA' > site/img/a.png
printf 'AAAA' > site/img/copy.png
printf 'BBBBB' > site/img/orphan.jpg
printf '![](/img/a.png)\n' > site/_posts/2020-01-01-a.md
cd site
"$IMGOPT" prune -v _posts img
find img .imgopt/trash -type f | LC_ALL=C sort
"$IMGOPT" restore -v _posts img
find img -type f | LC_ALL=C sort
"$IMGOPT" restore _posts img
