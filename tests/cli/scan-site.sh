# scan reads the whole site (whole-site.inc).  Pinned references (script
# and JSON strings, a Liquid-computed path) are always listed, and the
# script's missing image does not fail the scan (pinned); a broken link in
# the layout does (exit 1).  --only-posts, and only-posts = true in
# imgopt.conf, keep the posts alone.
. "$(dirname "$0")/whole-site.inc"
cd site
echo "-- scan"
"$IMGOPT" scan _posts img || echo "scan: exit $?"
echo "-- scan --verbose, the layout's link broken"
echo '<img src="/img/gone.png">' >> _layouts/default.html
"$IMGOPT" scan --verbose _posts img || echo "scan: exit $?"
echo "-- scan --only-posts"
"$IMGOPT" scan --only-posts _posts img || echo "scan: exit $?"
echo "-- only-posts = true in imgopt.conf"
printf '[imgopt]\nonly-posts = true\n' > imgopt.conf
"$IMGOPT" scan _posts img || echo "scan: exit $?"
echo "-- only-posts = maybe: a usage error"
printf '[imgopt]\nonly-posts = maybe\n' > imgopt.conf
"$IMGOPT" scan _posts img 2>&1 || echo "scan: exit $?"
