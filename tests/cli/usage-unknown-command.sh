# A misspelt command names itself in the error and exits 2.
"$IMGOPT" scna posts img
