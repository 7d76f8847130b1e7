# A tiny site: one ok, one remote, one broken reference; the broken one is
# listed with post:line and the exit status is 1.
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
"$IMGOPT" scan _posts img
