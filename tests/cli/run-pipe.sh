# Not on a terminal (a CI log): no bar; the plain progress lines (every
# 5 s, or every update with the test hook) go to stderr, the summary to
# stdout; --json keeps stdout one JSON document; --quiet prints nothing.
"$GENBLOG" --posts=5 --images=12 --seed=5 --out=blog --truth=truth.json >/dev/null
cd blog
here=$(dirname "$0")
"$IMGOPT" check _posts postimg > ../out 2> ../err || echo "check: exit $?"
echo "-- check: stdout"; perl "$here/normalize.pl" < ../out
echo "-- check: stderr (nothing but the broken link: a short run has no progress line)"; cat ../err
IMGOPT_PROGRESS_INTERVAL_MS=0 "$IMGOPT" run --json _posts postimg > ../json 2> ../err || echo "run --json: exit $?"
echo "-- run --json: stdout parses"; perl -MJSON::PP -e 'local $/; my $d = decode_json(<STDIN>); print "posts $d->{summary}{posts}, groups $d->{summary}{duplicate_groups}\n"' < ../json
echo "-- run --json: stderr"; perl "$here/normalize.pl" < ../err
"$IMGOPT" run -q _posts postimg > ../out 2> ../err || echo "run -q: exit $?"
echo "-- run -q: stdout and stderr"; cat ../out ../err
