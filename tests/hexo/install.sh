#!/bin/sh
# Installs the Hexo test's npm packages (hexo, hexo-renderer-marked,
# hexo-renderer-ejs for the fixture theme's layouts) exactly as
# package-lock.json pins them.  Needs node and npm (Debian: nodejs, npm).
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
