#!/usr/bin/env python3
"""lighter_pages.py SITE_DIR: what the pages of a built Jekyll site show.

Reads every .html page under SITE_DIR (a `_site`) and feed.xml, takes the
src of each <img> (the file a reader downloads: a WebP-capable browser
picking from a srcset the candidate for the src's width would fetch the
same file), resolves it to a file of SITE_DIR and prints one JSON object:
the bytes the pages show (an image counted once per page, as a browser's
cache does), per format, the images missing, the images feed.xml embeds
(and how many are missing), and the (page, src, file)
list in document order for the butteraugli comparison of lighter.sh.
"""
import html
import json
import os
import re
import sys
import urllib.parse

IMG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)",
                 re.I | re.S)


def sources(text):
    for m in IMG.finditer(text):
        yield m.group(1).strip("\"'")


def resolve(root, src):
    path = urllib.parse.urlparse(html.unescape(src)).path
    return os.path.join(root, urllib.parse.unquote(path).lstrip("/"))


def main():
    root = sys.argv[1]
    pages = []
    for d, _, names in os.walk(root):
        for n in names:
            if n.endswith(".html") or n == "feed.xml":
                pages.append(os.path.join(d, n))
    pages.sort()
    total, missing, shown, per_format = 0, 0, [], {}
    feed = {"images": 0, "missing": 0}
    for page in pages:
        with open(page, encoding="utf-8") as f:
            text = f.read()
        if page.endswith(".xml"):
            # the feed embeds the posts' HTML, escaped: checked, not counted
            for src in sources(html.unescape(text)):
                feed["images"] += 1
                feed["missing"] += not os.path.isfile(resolve(root, src))
            continue
        seen = set()
        for src in sources(text):
            path = resolve(root, src)
            rel = os.path.relpath(page, root)
            if not os.path.isfile(path):
                missing += 1
                shown.append([rel, src, None])
                continue
            shown.append([rel, src, os.path.relpath(path, root)])
            if path in seen:
                continue
            seen.add(path)
            size = os.path.getsize(path)
            total += size
            ext = path.rsplit(".", 1)[-1].lower()
            per_format[ext] = per_format.get(ext, 0) + size
    json.dump({"pages": len(pages), "bytes": total, "missing": missing,
               "images": len(shown), "per_format": per_format,
               "feed": feed,
               "shown": shown}, sys.stdout)


main()
