#!/usr/bin/env python3
"""Checks the links of the built book (mdBook's HTML output) without the network.

Every relative link of every page must name a file that the build produced, and every
`#anchor` (on the same page or another) must be an element id of its target page. Links with
a scheme (https:, mailto:) are not fetched: CI has no network, and a dead external link is not
a broken book. Exit 1 with one line per broken link, 0 when every link resolves.

Usage: check-book-links.py BOOK_HTML_DIR
"""

import html.parser
import pathlib
import sys
import urllib.parse


class Page(html.parser.HTMLParser):
    """The ids and the outgoing links of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        # mdBook's own chrome (theme files, search index) is not what this check is for.
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def parse(path):
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    root = pathlib.Path(sys.argv[1]).resolve()
    pages = {p: parse(p) for p in sorted(root.rglob("*.html"))}
    if not pages:
        print(f"no HTML pages under {root}: build the book first", file=sys.stderr)
        return 2
    broken = []
    checked = 0
    for path, page in pages.items():
        for href in page.links:
            url = urllib.parse.urlsplit(href)
            if url.scheme or url.netloc:
                continue
            checked += 1
            target = path if not url.path else (path.parent / urllib.parse.unquote(url.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            rel = path.relative_to(root)
            if root not in target.parents and target != root:
                broken.append(f"{rel}: {href} points outside the book")
                continue
            if not target.exists():
                broken.append(f"{rel}: {href} names a missing page")
                continue
            if url.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if urllib.parse.unquote(url.fragment) not in ids:
                    broken.append(f"{rel}: {href} names a missing anchor")
    for line in broken:
        print(line)
    print(f"book links: {checked} checked, {len(broken)} broken", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
