# In a site root, `imgopt CMD` without POSTS and IMAGES finds them: posts
# in _posts, images in the folder most referenced images live in (here
# postimg, not img); imgopt.conf's posts/images win over detection.
"$GENBLOG" --posts=4 --images=10 --seed=9 --out=blog --truth=truth.json >/dev/null
cd blog
here=$(dirname "$0")
"$IMGOPT" scan --json | perl -MJSON::PP -e 'local $/; my $d = decode_json(<STDIN>); print "scan: $d->{summary}{posts} posts, $d->{summary}{references} references\n"'
"$IMGOPT" check > ../out || echo "check: exit $?"
perl "$here/normalize.pl" < ../out
mkdir other && printf 'x\n' > other/a.md
printf '[imgopt]\nposts = other\nimages = img\n' > imgopt.conf
"$IMGOPT" scan || echo "scan: exit $?"
