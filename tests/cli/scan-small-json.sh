# The same tiny site as scan-small, as JSON (site_root is replaced by a
# placeholder: it is a temporary folder).  Exit 1: a reference is broken.
mkdir -p site/_posts site/img
echo 'title: t' > site/_config.yml
printf 'P' > site/img/a.png
cat > site/_posts/2020-01-01-a.md <<'MD'
---
header-img: img/a.png
---
![remote](https://example.com/x.png)

![missing](/img/missing.png)
MD
cd site
status=0
"$IMGOPT" scan --json _posts img > ../out.json || status=$?
sed "s|\"site_root\" : \".*\"|\"site_root\" : \"SITE\"|" ../out.json
exit $status
