#!/bin/sh
# Every ```yaml block of docs/*.md parses (yaml.safe_load): the CI and
# Kubernetes recipes of docs/scale.md are meant to be pasted.  Skipped
# (77) without python3's yaml module.
. "$(dirname "$0")/lib.sh" "$1"
python3 -c 'import yaml' 2>/dev/null || exit 77
python3 - docs/*.md <<'PY'
import re, sys, yaml
status = 0
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    for block in re.finditer(r"^```yaml\n(.*?)^```", text, re.S | re.M):
        line = text.count("\n", 0, block.start()) + 1
        try:
            yaml.safe_load(block.group(1))
        except yaml.YAMLError as e:
            print(f"{path}:{line}: not valid YAML: {e}")
            status = 1
sys.exit(status)
PY
