# --html naming something that is not a regular file (a FIFO here; the
# same for /dev/stdout) is written into, never replaced: an atomic
# rename would put a regular file in its place (/dev/null, as root).
mkdir -p site/_posts site/img
echo 'title: t' > site/_config.yml
printf '![](/img/a.png)\n' > site/_posts/2020-01-01-a.md
printf 'AAAA' > site/img/a.png
mkfifo page.html
cat page.html > got.html &
cd site
"$IMGOPT" report -q _posts img --html ../page.html || echo "exit $?"
wait
cd ..
[ -p page.html ] && echo "page.html is still a FIFO"
grep -c '</html>' got.html
