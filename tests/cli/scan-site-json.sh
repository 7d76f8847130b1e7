# The site of scan-site, as JSON: every referrer with its kind, every
# reference with its referrer kind and role (site_root is replaced by a
# placeholder: it is a temporary folder).
mkdir -p site/_posts site/img site/_layouts site/css site/_data site/pwa/icons
printf 'title: t\nheader-img: img/bg.jpg # the home page\n' > site/_config.yml
for f in img/a.png img/bg.jpg img/icon.png pwa/icons/1.png; do printf 'P' > site/$f; done
printf '![a](/img/a.png)\n' > site/_posts/2020-01-01-a.md
cat > site/_layouts/default.html <<'HTML'
<img src="/img/icon.png">
<img src="{{ site.baseurl }}/{{ page.header-img }}">
HTML
printf 'body { background: url("../img/bg.jpg") } /* url(x.png) */\n' > site/css/site.css
printf "const files = ['./img/a.png', './img/missing.png']; // 'c.png'\n" > site/sw.js
printf '{"icons": [{"src": "icons/1.png", "sizes": "1x1"}]}\n' > site/pwa/manifest.json
cd site
status=0
"$IMGOPT" scan --json _posts img > ../out.json || status=$?
sed "s|\"site_root\" : \".*\"|\"site_root\" : \"SITE\"|" ../out.json
exit $status
