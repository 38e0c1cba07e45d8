"""A watch's Atom feed (RFC 4287): its newest entries across runs, written atomically."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree as ET

from indexer import __version__
from indexer.store.watches import FeedEntry, Watch

NS = "http://www.w3.org/2005/Atom"


# Characters XML 1.0 does not allow at all, even escaped (§2.2): ElementTree writes them as they are,
# and one control character in a registry title makes the whole feed unreadable to every reader.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def feed_id(watch: Watch) -> str:
    """The same for every run of a watch; a watch removed and added again is another feed."""
    return f"tag:trialscout,{watch.created_at[:10]}:watch/{quote(watch.name, safe='')}/{watch.created_at}"


def render(watch: Watch, entries: Sequence[FeedEntry], updated: str) -> bytes:
    """ElementTree escapes every text, so registry titles cannot break the feed."""
    ET.register_namespace("", NS)
    feed = ET.Element(f"{{{NS}}}feed")

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{NS}}}{tag}", {k: xml_text(v) for k, v in attrs.items()})
        el.text = xml_text(text) if text is not None else None
        return el

    sub(feed, "id", feed_id(watch))
    sub(feed, "title", f"Trialscout watch: {watch.name}")
    sub(feed, "subtitle", "Trials entering, changing and leaving a saved search")
    # The feed changed when its newest entry did; a run that found nothing leaves it as it was.
    sub(feed, "updated", max((e.updated for e in entries), default=updated))
    sub(sub(feed, "author"), "name", "Trialscout")
    sub(feed, "generator", "Trialscout", version=__version__)
    for e in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", e.entry_id)
        sub(entry, "title", e.title)
        sub(entry, "updated", e.updated)
        sub(entry, "category", term=e.kind)
        if e.link:
            sub(entry, "link", rel="alternate", type="text/html", href=e.link)
        sub(entry, "summary", e.summary)
        sub(entry, "content", "\n".join([e.summary, *e.lines]), type="text")
    ET.indent(feed)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body + b"\n"


def write_atomic(path: Path, body: bytes) -> None:
    """Readers see the old feed or the new one, never half of one (temporary file, then rename)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a feed is meant to be read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
