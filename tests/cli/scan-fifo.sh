# A FIFO named like an image is no image: scan says what is there instead
# of "no file named", and never opens it (that would block); exit 1.
mkdir -p site/_posts site/img
echo 'title: t' > site/_config.yml
mkfifo site/img/x.jpg
mkdir site/img/folder.png
printf '![](/img/x.jpg) ![](/img/folder.png)\n' > site/_posts/2020-01-01-a.md
cd site
"$IMGOPT" scan _posts img || echo "exit $?"
