# A POSTS folder that does not exist is fatal (exit 3) with a clear message.
mkdir img
"$IMGOPT" scan nope img
