"""Fetch a served trial page and its JSON, and print what a patient sees (the end of `make demo`)."""

from __future__ import annotations

import json
import sys
import urllib.request
from html.parser import HTMLParser

SKIP = {"script", "style", "nav", "footer", "button"}
BLOCK = {"p", "h1", "h2", "h3", "li", "dt", "dd", "div", "section", "tr", "br"}


class Text(HTMLParser):
    """The page's visible text, one block per line; the radio buttons shown as ( )."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = [""]
        self.skipping = 1  # until <main>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.skipping -= 1
        elif tag in SKIP:
            self.skipping += 1
        elif tag in BLOCK:
            self.lines.append("")
        elif tag == "input" and dict(attrs).get("type") == "radio":
            self.lines[-1] += "  ( )"

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.skipping += 1
        elif tag in SKIP:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.lines[-1] += " ".join(("x" + data + "x").split())[1:-1]  # inner spaces kept as one


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as r:  # a loopback URL from the demo
        body: bytes = r.read()
        return body


def main(base: str, trial: str, max_lines: int = 90) -> None:
    page = Text()
    page.feed(get(f"{base}/trials/{trial}").decode())
    lines = [" ".join(line.split()) for line in page.lines if line.strip()]
    print(f"--- {base}/trials/{trial} ({min(max_lines, len(lines))} of {len(lines)} lines) ---")
    print("\n".join(lines[:max_lines]))
    similar = Text()
    similar.feed(get(f"{base}/trials/{trial}/similar").decode())
    print(f"--- similar trials, as the page loads them ({base}/trials/{trial}/similar) ---")
    print("\n".join(" ".join(x.split()) for x in similar.lines if x.strip())[:1500])
    record = json.loads(get(f"{base}/api/trials/{trial}"))
    keys = ("nct_id", "overall_status", "enrollment", "completion_date", "lead_sponsor")
    print(f"--- {base}/api/trials/{trial} ---")
    print(json.dumps({k: record[k] for k in keys}, ensure_ascii=False))
    print("sources:", ", ".join(s["source"] for s in record["sources"]))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
