# The bundled demo blog: `imgopt -n` prints every post's diff and the
# variant files it would write, and changes nothing; check exits 1 before
# and after the run (the demo keeps one unrepairable two-line link), a
# second run changes nothing, and undo restores the posts byte for byte.
cp -a "$FIXTURES/sites/demo" site
cd site
find . -type f | LC_ALL=C sort | xargs md5sum > ../before
"$IMGOPT" -n _posts postimg >../dry 2>/dev/null || echo "dry run: exit $?"
grep -v '^time:' ../dry
find . -type f | LC_ALL=C sort | xargs md5sum | cmp - ../before
"$IMGOPT" check _posts postimg >/dev/null 2>&1 || echo "check before: exit $?"
"$IMGOPT" _posts postimg -q 2>/dev/null || echo "run: exit $?"
find _posts postimg -type f | LC_ALL=C sort | xargs md5sum > ../after
"$IMGOPT" run _posts postimg --json 2>/dev/null | grep -E '"(posts_changed|encoded|variant_files_written)"' || true
find _posts postimg -type f | LC_ALL=C sort | xargs md5sum | cmp - ../after
"$IMGOPT" undo _posts postimg
grep _posts ../before | md5sum -c --quiet -
