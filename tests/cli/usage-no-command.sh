# No command at all: usage on stderr, exit 2.
"$IMGOPT"
