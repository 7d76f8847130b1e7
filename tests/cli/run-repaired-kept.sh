# A reference repaired by name (a link broken across lines, as WeChat
# exports write them; a wrong folder) to an image no variant replaces (a
# GIF under --link-format original, which keeps GIFs as they are) is
# rewritten to name the file found: before, the page kept a broken image
# though imgopt knew the file.  A second run changes nothing, and scan
# then finds the link ok.
mkdir -p site/_posts site/postimg
echo 'title: t' > site/_config.yml
vips black g.v 40 30 --bands 3
vips linear g.v c.v 1 90
vips cast c.v u.v uchar
vips copy u.v site/postimg/anim.gif
printf -- '---\ntitle: p\n---\n\n![](2018-01-05\nfolder\\\\anim.gif)\n\n<img src="img/anim.gif" alt="a">\n' \
	> site/_posts/2020-01-01-p.md
cd site
"$IMGOPT" scan _posts postimg | grep -E 'repaired|references'
"$IMGOPT" run --link-format original _posts postimg 2>&1 | grep -E '^references|note'
cat _posts/2020-01-01-p.md
"$IMGOPT" run --link-format original _posts postimg 2>&1 | grep -E '^references|note'
"$IMGOPT" scan _posts postimg | tail -1
