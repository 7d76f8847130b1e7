# A bad value in imgopt.conf: the error names the file, the line and the
# key, on stderr, and the exit status is 2 (a usage error), even where
# the command line gives the option too; a command ignores the keys of
# options it does not have; a good file sets defaults the command line
# overrides (the widths of the variants a dry run would write).
mkdir -p site/_posts site/img
echo 'title: t' > site/_config.yml
printf "![a](/img/a.jpg)\n" > site/_posts/2020-01-01-a.md
vips gaussnoise site/img/a.jpg 1000 200
cd site
printf '# imgopt settings\n[sizes]\nwidths = 480;12x\n' > imgopt.conf
"$IMGOPT" check _posts img || echo "exit $?"
printf '[output]\nsrcset = maybe\n' > imgopt.conf
"$IMGOPT" check _posts img || echo "exit $?"
printf '[output]\nquality = 0\n' > imgopt.conf
"$IMGOPT" check _posts img --quality 50 || echo "exit $?"
"$IMGOPT" scan _posts img > /dev/null && echo "scan has no --quality: ok"
printf '[sizes]\nwidths = 300;600\n' > imgopt.conf
"$IMGOPT" run -n --link-format original _posts img | sed -n 's/^would write: .*-\([0-9]*\)\.[a-z]*$/width \1/p'
"$IMGOPT" run -n --link-format original --widths 200 _posts img | sed -n 's/^would write: .*-\([0-9]*\)\.[a-z]*$/width \1/p'
