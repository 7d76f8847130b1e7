# On a site never run, check plans what run would do: a reference whose
# content is still to encode counts as to rewrite, so check and run -n
# report the same posts and references (issue 15, item 11e: check said
# "0 to rewrite" where run -n showed them).
cp -a "$FIXTURES/sites/demo" site
cd site
"$IMGOPT" check _posts postimg 2>/dev/null | grep -E '^(would rewrite|posts|references):' || true
"$IMGOPT" -n _posts postimg 2>/dev/null | grep -E '^(would rewrite|posts|references):' || true
"$IMGOPT" check --json _posts postimg 2>/dev/null | grep -E '"(posts_changed|references_rewritten|to_encode)"' || true
