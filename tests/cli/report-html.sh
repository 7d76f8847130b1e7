# imgopt report --html writes one self-contained page and says what it
# holds; --html is required; nothing else in the site changes.
"$GENBLOG" --posts=4 --images=10 --seed=9 --out=blog --truth=truth.json >/dev/null
cd blog
printf '\n![gone](/postimg/gone.jpeg)\n' >> _posts/2018-01-02-post-2.md
find . -type f | LC_ALL=C sort | xargs md5sum > ../before
"$IMGOPT" report _posts postimg || echo "exit $?"
"$IMGOPT" report _posts postimg --html ../r.html || echo "exit $?"
find . -type f | LC_ALL=C sort | xargs md5sum | cmp - ../before
echo "groups: $(grep -o '<section class="group">' ../r.html | wc -l)"
grep -o '<td class="where">[^<]*' ../r.html || echo "no broken link shown"
grep -Eo '(src|href)="(https?:)?//' ../r.html || echo "no external URL"
