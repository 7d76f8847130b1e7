# scan reads the whole site: config, layout, stylesheet, data, a service
# worker and a web app manifest name images too.  Pinned references (script
# and JSON strings, a Liquid-computed path) are always listed; the layout's
# broken link makes the exit status 1, the script's missing image does not
# (pinned).  --only-posts, and only-posts = true in imgopt.conf, keep the
# posts alone.
mkdir -p site/_posts site/img site/_layouts site/css site/_data site/pwa/icons
printf 'title: t\nheader-img: img/bg.jpg # the home page\n' > site/_config.yml
for f in img/a.png img/bg.jpg img/icon.png pwa/icons/1.png; do printf 'P' > site/$f; done
printf '![a](/img/a.png)\n' > site/_posts/2020-01-01-a.md
cat > site/_layouts/default.html <<'HTML'
<img src="/img/icon.png">
<img src="{{ site.baseurl }}/{{ page.header-img }}">
<img src="/img/gone.png">
HTML
printf 'body { background: url("../img/bg.jpg") } /* url(x.png) */\n' > site/css/site.css
printf -- '- name: A\n  photo: img/a.png\n' > site/_data/team.yml
printf "const files = ['./img/a.png', './img/missing.png']; // 'c.png'\n" > site/sw.js
printf '{"icons": [{"src": "icons/1.png", "sizes": "1x1"}]}\n' > site/pwa/manifest.json
cd site
echo "-- scan"
"$IMGOPT" scan _posts img || echo "scan: exit $?"
echo "-- scan --verbose"
"$IMGOPT" scan --verbose _posts img || echo "scan: exit $?"
echo "-- scan --only-posts"
"$IMGOPT" scan --only-posts _posts img || echo "scan: exit $?"
echo "-- only-posts = true in imgopt.conf"
printf '[imgopt]\nonly-posts = true\n' > imgopt.conf
"$IMGOPT" scan _posts img || echo "scan: exit $?"
echo "-- only-posts = maybe: a usage error"
printf '[imgopt]\nonly-posts = maybe\n' > imgopt.conf
"$IMGOPT" scan _posts img 2>&1 || echo "scan: exit $?"
