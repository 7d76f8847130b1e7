# A link a Windows export broke across two lines, left broken (no file of
# its name exists): check and run report it on one line of text, its line
# break written as \n as scan writes it; --json keeps the real string.
cp -a "$FIXTURES/sites/demo" site
cd site
echo "-- scan (the reference form)"
"$IMGOPT" scan _posts postimg 2>/dev/null | grep broken || true
echo "-- check: stderr"
"$IMGOPT" check _posts postimg 2>&1 >/dev/null || echo "check: exit $?"
echo "-- run -q: stderr"
"$IMGOPT" run -q _posts postimg 2>&1 >/dev/null || echo "run: exit $?"
echo "-- check --json after the run (the repaired link above it is one line now): the url holds a real line break"
"$IMGOPT" check --json _posts postimg 2>/dev/null | perl -MJSON::PP -e 'local $/; my $d = decode_json(<STDIN>); for my $b (@{$d->{broken}}) { my $n = () = $b->{url} =~ /\n/g; print "$b->{post}:$b->{line}: $n line break(s)\n" }' || true
