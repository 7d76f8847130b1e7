# scan needs exactly POSTS and IMAGES.
"$IMGOPT" scan onlyone
