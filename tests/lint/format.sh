#!/bin/sh
# Formatting follows .clang-format (tabs, Stroustrup braces, 80 columns).
. "$(dirname "$0")/lib.sh" "$1"
command -v clang-format >/dev/null || { echo "clang-format not installed"; exit 1; }
clang-format --dry-run -Werror $(c_files include src tests tools)
