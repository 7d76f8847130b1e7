#!/bin/sh
# Installs the browser and schema tests' npm packages (playwright-core,
# ajv) exactly as package-lock.json pins them.  Needs node and npm
# (Debian: nodejs, npm); the browser itself is Debian's chromium.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
