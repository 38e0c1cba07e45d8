"""The readable, one-trial view of `trials show`."""

from __future__ import annotations

import textwrap
from typing import Any

import click

from indexer.freshness import freshness
from indexer.geo.distance import km
from indexer.history.removal import notice
from indexer.record import Contact, Criterion, Location, TrialRecord
from indexer.store.removals import Removal
from search_cli.output import phase_text, status_text


def _age(years: float | None) -> str:
    if years is None:
        return "no limit"
    if years < 1:
        return f"{round(years * 12)} months"
    return f"{years:g} years"


def _yes_no(value: bool | None) -> str:
    return "?" if value is None else "yes" if value else "no"


def _criteria(items: tuple[Criterion, ...], depth: int = 0) -> list[str]:
    lines: list[str] = []
    for i, c in enumerate(items, 1):
        marker = f"{i}." if depth == 0 else "-"
        indent = "  " * (depth + 1)
        lines.extend(
            textwrap.wrap(
                c.text, 96, initial_indent=f"{indent}{marker} ", subsequent_indent=indent + " " * (len(marker) + 1)
            )
            or [indent + marker]
        )
        lines.extend(_criteria(c.children, depth + 1))
    return lines


def contact_line(c: Contact) -> str:
    """ "Xia Zhang (contact), +86 152 ..., ext 12, x@y.org" ."""
    role = (c.role or "").replace("_", " ").lower()
    phone = c.phone + (f" ext {c.phone_ext}" if c.phone_ext else "") if c.phone else None
    parts = [f"{c.name or '(no name)'}" + (f" ({role})" if role else ""), phone, c.email, c.affiliation]
    return ", ".join(p for p in parts if p)


def site_line(loc: Location, distance_km: float | None = None) -> str:
    place = ", ".join(x for x in (loc.facility, loc.city, loc.state, loc.zip, loc.country) if x)
    extra = [status_text(loc.status)] if loc.status else []
    if distance_km is not None:
        extra.append(f"{distance_km:.0f} km")
    return place + (f"  [{'; '.join(extra)}]" if extra else "")


def _take_part(r: TrialRecord, near: tuple[float, float] | None, max_sites: int | None, gone: str | None) -> list[str]:
    """Who to contact and where: central contacts, officials, then sites (nearest first with `near`)."""
    out = [
        "",
        click.style("How to take part", bold=True),
        f"  Status: {status_text(r.overall_status)}, {freshness(r).summary()}",
        *([f"  {gone}"] if gone else []),
    ]
    for label, people in (("Contacts", r.central_contacts), ("Responsible", r.overall_officials)):
        if people:
            out.append(f"  {label}:")
            out += [f"    {contact_line(c)}" for c in people]
    if not (r.central_contacts or r.overall_officials or any(loc.contacts for loc in r.locations)):
        out.append(f"  No contact given by the registry; see {r.source_url or 'the registry page'}")
    sites = [
        (loc, None if near is None or loc.lat is None or loc.lon is None else km(*near, loc.lat, loc.lon))
        for loc in r.locations
    ]
    if near is not None:
        sites.sort(key=lambda s: (s[1] is None, s[1] or 0.0))
    if sites:
        out.append(f"  Sites ({len(sites)}{', nearest first' if near else ''}):")
        for loc, dist in sites[:max_sites]:
            out.append(f"    {site_line(loc, dist)}")
            out += [f"      {contact_line(c)}" for c in loc.contacts]
        if max_sites is not None and len(sites) > max_sites:
            out.append(f"    … and {len(sites) - max_sites} more (--all-sites lists them; --near orders them)")
    return out


def render(
    r: TrialRecord,
    max_sites: int | None = 10,
    near: tuple[float, float] | None = None,
    removal: Removal | None = None,
) -> str:
    """`removal`: the registry no longer lists the trial, said under the title and with the status."""
    e = r.eligibility
    gone = notice(removal.date) if removal else None
    out = [click.style(f"{r.nct_id}  {r.brief_title or ''}", bold=True)]
    if r.official_title and r.official_title != r.brief_title:
        out.append(textwrap.fill(r.official_title, 100))
    if gone:
        out.append(click.style(gone, fg="yellow", bold=True))
    ids = [i for i in (r.org_study_id, *r.secondary_ids, *r.nct_aliases) if i]
    field_rows = [
        ("Status", status_text(r.overall_status) + (f" (why stopped: {r.why_stopped})" if r.why_stopped else "")),
        ("Information", freshness(r).summary()),
        ("Other ids", ", ".join(ids)),
        ("Sponsor", r.lead_sponsor),
        ("Collaborators", ", ".join(r.collaborators)),
        ("Type / phase", " / ".join(x for x in ((r.study_type or "").lower(), phase_text(r.phases)) if x)),
        (
            "Enrollment",
            f"{r.enrollment}" + (f" ({r.enrollment_type.lower()})" if r.enrollment_type else "")
            if r.enrollment is not None
            else None,
        ),
        (
            "Dates",
            ", ".join(
                f"{k} {v}"
                for k, v in (
                    ("start", r.start_date),
                    ("primary completion", r.primary_completion_date),
                    ("completion", r.completion_date),
                    ("last update", r.last_update_posted),
                )
                if v
            ),
        ),
        ("Conditions", "; ".join(r.conditions)),
        ("MeSH", "; ".join((*r.condition_mesh, *r.intervention_mesh))),
        ("Keywords", "; ".join(r.keywords)),
        (
            "Interventions",
            "; ".join(
                f"{i.name}" + (f" ({', '.join(i.other_names)})" if i.other_names else "") for i in r.interventions
            ),
        ),
        (
            "Eligibility",
            f"ages {_age(e.min_age_years)} to {_age(e.max_age_years)}, sex {e.sex or '?'}, "
            f"healthy volunteers {_yes_no(e.healthy_volunteers)}",
        ),
        ("Source", f"{r.source} {r.source_url or ''} (fetched {r.fetched_at or '?'})"),
    ]
    out.append("")
    for label, value in field_rows:
        if value:
            out.append(textwrap.fill(value, 100, initial_indent=f"{label + ':':15}", subsequent_indent=" " * 15))
    if r.brief_summary:
        out += [
            "",
            click.style("Summary", bold=True),
            "\n\n".join(textwrap.fill(p, 100) for p in r.brief_summary.split("\n\n")),
        ]
    for title, items in (("Inclusion criteria", e.inclusion), ("Exclusion criteria", e.exclusion)):
        if items:
            out += ["", click.style(f"{title} ({len(items)})", bold=True), *_criteria(items)]
    out += _take_part(r, near, max_sites, gone)
    return "\n".join(out)


def render_sources(view: dict[str, Any]) -> str:
    """Where the shown values came from, and what the sources disagree on."""
    sources = view.get("sources") or []
    out = ["", click.style(f"Sources ({len(sources)})", bold=True)]
    for s in sources:
        out.append(
            f"  {s['source']:10} {s['url'] or ''}  (updated {s['last_update_posted'] or '?'}, "
            f"fetched {s['fetched_at'] or '?'})"
        )
    first = sources[0]["source"] if sources else ""
    filled = sorted(k for k, v in (view.get("provenance") or {}).items() if v != first)
    if filled:
        out.append(f"  filled in from other sources: {', '.join(filled)}")
    for d in view.get("disagreements") or []:
        values = "; ".join(f"{v['source']} says {v['value']} ({v['date'] or '?'})" for v in d["values"])
        out.append(click.style(f"  disagree on {d['field']}: ", fg="yellow") + values)
    return "\n".join(out)
