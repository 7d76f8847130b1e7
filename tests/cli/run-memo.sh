# The memo of run and check (issue 18, item 2): a run or check that
# changed nothing and would change nothing is stored; an unchanged re-run
# prints it again, byte for byte, with its exit code, after one walk of
# the site, recording no run; a post edited, a variant deleted, an image
# added or an undo make the next one do the job and say what it finds
# (a variant deleted: made again).
# The imgopt-DEBUG lines (stdout) say which it did.
cp -a "$FIXTURES/sites/rewrite-basic/input" site
cd site
# JPEG links only: the memo is the subject (under auto, the run after an
# image is added stores at once, and undo leaves one post to rewrite, not
# two: not analysed yet)
printf '[output]\nlink-format = original\n' >imgopt.conf
# The one broken link, so that a clean check exits 0.
perl -0777 -pi -e 's/!\[\]\(2020-01-03\s+Windows.*?missing\.jpg\)//s' _posts/2020-01-03-windows.md
memo() { sed -n 's/.*imgopt-DEBUG: [0-9:.]*: \(memo: .*\)/\1/p' "$1"; }
# imgopt ARGS...: its exit code and what the memo did; stdout in ../out
# (without the debug lines), stderr in ../err
imgopt() {
	status=0
	G_MESSAGES_DEBUG=imgopt "$IMGOPT" "$@" >../raw 2>../err || status=$?
	grep -v 'imgopt-DEBUG' ../raw >../out || true
	echo "$*: exit $status; $(memo ../raw | tr '\n' ' ')"
}
imgopt run _posts postimg
imgopt run _posts postimg
cp ../out ../stored
imgopt run _posts postimg
cmp ../out ../stored && echo "replayed the stored output"
grep '^imgopt: nothing changed' ../err | sed 's/of .*:/of DATE:/'
imgopt check _posts postimg
imgopt check _posts postimg
imgopt check _posts postimg --json
imgopt check _posts postimg --json
grep '"ok"' ../out
imgopt run -n _posts postimg
imgopt run -n _posts postimg
echo "== a post edited"
printf '\n![again](/postimg/photo.jpg)\n' >>_posts/2020-01-01-crlf.md
imgopt check _posts postimg
grep '^posts:' ../out
imgopt run _posts postimg -q
imgopt run _posts postimg
imgopt check _posts postimg
echo "== a variant deleted"
# A post links it and its source is still there: check counts it to
# encode (exit 1) and says that run makes it again, as long as it is
# gone; run makes it again, byte for byte, the posts unchanged, and the
# next run encodes nothing (then is stored, then replayed).
v=postimg/optimized/$(ls postimg/optimized | head -1)
cp "$v" ../variant
cp -a _posts ../posts
rm "$v"
imgopt check _posts postimg
grep '^images:' ../out
grep 'note:' ../err
imgopt check _posts postimg
imgopt run _posts postimg
grep '^images:' ../out
grep 'note:' ../err
cmp "$v" ../variant && echo "made again, byte for byte"
diff -r ../posts _posts && echo "posts unchanged"
imgopt run _posts postimg
grep '^images:' ../out
imgopt run _posts postimg
imgopt check _posts postimg
imgopt check _posts postimg
echo "== an image added"
cp postimg/small.png postimg/new.png
imgopt run _posts postimg
grep '^images:' ../out
imgopt run _posts postimg
echo "== undo"
"$IMGOPT" undo _posts postimg >/dev/null 2>&1
imgopt check _posts postimg
grep '^posts:' ../out
