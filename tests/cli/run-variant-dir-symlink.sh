# A variant folder, or its marks folder (.imgopt-kept, ondisk.h), that
# is a symlink leading out of the site (a repository may hold one):
# neither run nor build writes through it (exit 3, the error says which
# path); nothing appears outside, and no post changes.
mkdir -p site/_posts site/postimg outside
vips gaussnoise n.v 1200 800 --sigma 30 --mean 128 --seed 1
vips copy n.v "site/postimg/photo.jpg[Q=90,strip]"
printf -- '---\ntitle: t\n---\n![p](/postimg/photo.jpg)\n' \
	>site/_posts/2020-01-01-t.md
cp -R site before
ln -s ../../outside site/postimg/optimized
cd site
"$IMGOPT" run _posts postimg -q || echo "run: exit $?"
"$IMGOPT" build _posts postimg -q || echo "build: exit $?"
cd ..
ls -A outside | wc -l
diff -r before/_posts site/_posts && echo "posts as they were"
echo "the marks folder:"
rm site/postimg/optimized
mkdir site/postimg/optimized
ln -s ../../../outside site/postimg/optimized/.imgopt-kept
vips copy n.v "site/postimg/photo.jpg[Q=10,strip]"
cd site
"$IMGOPT" run _posts postimg -q || echo "run: exit $?"
cd ..
ls -A outside | wc -l
diff -r before/_posts site/_posts && echo "posts as they were"
