"""Watch results as an Atom feed (RFC 4287), so a researcher can follow a watch in any feed reader."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from indexer.history.watches import WatchRun

NS = "http://www.w3.org/2005/Atom"
TRIAL_URL = "https://clinicaltrials.gov/study/{}"


def _entry(feed: ET.Element, entry_id: str, title: str, updated: str, link: str, summary: str) -> None:
    e = ET.SubElement(feed, "entry")
    ET.SubElement(e, "id").text = entry_id
    ET.SubElement(e, "title").text = title
    ET.SubElement(e, "updated").text = updated
    ET.SubElement(e, "link", href=link)
    ET.SubElement(e, "summary").text = summary


def render(run: WatchRun) -> bytes:
    """ElementTree escapes every text, so registry titles cannot break the feed."""
    feed = ET.Element("feed", xmlns=NS)
    ET.SubElement(feed, "id").text = f"urn:trialscout:watch:{run.name}"
    ET.SubElement(feed, "title").text = f"Trialscout watch: {run.name}"
    ET.SubElement(feed, "updated").text = run.ran_at
    author = ET.SubElement(feed, "author")
    ET.SubElement(author, "name").text = "Trialscout"
    for r in run.new_matches:
        _entry(
            feed,
            f"urn:trialscout:watch:{run.name}:new:{r.nct_id}",
            f"New match: {r.nct_id} {r.brief_title or ''}",
            run.ran_at,
            TRIAL_URL.format(r.nct_id),
            f"Status {r.overall_status or 'unknown'}",
        )
    for nct_id, events in run.changed.items():
        for e in events:
            _entry(
                feed,
                f"urn:trialscout:event:{e['id']}",
                f"{nct_id}: {e['summary']}",
                e["recorded_at"],
                TRIAL_URL.format(nct_id),
                f"{run.titles.get(nct_id) or nct_id}. {e['summary']} (registry date {e['date']})",
            )
    ET.indent(feed)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body
