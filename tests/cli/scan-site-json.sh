# The site of scan-site (whole-site.inc), as JSON: every referrer with its
# kind, every reference with its referrer kind and role (site_root is
# replaced by a placeholder: it is a temporary folder).  Exit 0: the one
# missing image is a script's, pinned.
. "$(dirname "$0")/whole-site.inc"
cd site
status=0
"$IMGOPT" scan --json _posts img > ../out.json || status=$?
sed "s|\"site_root\" : \".*\"|\"site_root\" : \"SITE\"|" ../out.json
exit $status
