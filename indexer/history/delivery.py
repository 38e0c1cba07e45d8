"""Delivering watch runs: a feed, a mail over SMTP and a JSON POST to a webhook, each failing loudly."""

from __future__ import annotations

import json
import logging
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from indexer.config import USER_AGENT, Settings
from indexer.history import feed, report
from indexer.history.watches import Watches, WatchRun

log = logging.getLogger(__name__)


class DeliveryError(RuntimeError):
    """A feed, mail or webhook could not be delivered; the run stays to be repeated."""


def mail_address(text: str) -> str:
    """`text` if it is one mail address (name@domain, or "Name <name@domain>"); else ValueError saying so.
    Checked when it is given: the SMTP server is asked only on a run with news, and a cron job's
    typo would pass every quiet night unseen."""
    pairs = getaddresses([text])
    addr = pairs[0][1] if len(pairs) == 1 else ""
    try:
        parsed = Address(addr_spec=addr) if addr in (text, *_bracketed(text)) else None
    except (ValueError, IndexError, HeaderParseError):  # the parser's ways of refusing an addr-spec
        parsed = None
    if parsed is None or not parsed.username or not parsed.domain:
        raise ValueError(f"{text!r} is not a mail address (name@example.org)")
    return text


def _bracketed(text: str) -> tuple[str, ...]:
    inner = text.rpartition("<")[2]
    return (inner[:-1],) if text.endswith(">") and "<" in text else ()


def send_mail(settings: Settings, to: list[str], subject: str, body: str) -> None:
    """One plain-text mail through the configured SMTP server (TRIALS_SMTP_*)."""
    msg = EmailMessage()
    sender = settings.mail_from or f"trialscout@{socket.getfqdn()}"
    msg["From"], msg["To"], msg["Subject"] = sender, ", ".join(to), subject
    msg["Date"], msg["Message-ID"] = formatdate(localtime=True), make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(body)
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    mode = settings.smtp_tls
    try:
        smtp: smtplib.SMTP
        if mode == "ssl":
            smtp = smtplib.SMTP_SSL(
                settings.smtp_host,
                settings.smtp_port,
                timeout=settings.smtp_timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
        with smtp:
            smtp.ehlo()
            encrypted = mode == "ssl"
            if mode == "starttls" or (mode == "auto" and smtp.has_extn("starttls")):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
                encrypted = True
            if settings.smtp_user:
                if not encrypted and mode != "none":
                    raise DeliveryError(
                        f"the SMTP server {where} offers no TLS, so the password was not sent; "
                        "set TRIALS_SMTP_TLS=ssl, or TRIALS_SMTP_TLS=none to send it in clear"
                    )
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(msg)
    except DeliveryError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"the SMTP server {where} refused the login; check TRIALS_SMTP_USER/_PASSWORD") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(exc.recipients)
        raise DeliveryError(f"the SMTP server {where} refused the recipient {refused}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(
            f"could not send the mail through {where} ({exc.__class__.__name__}: {exc}); "
            "check TRIALS_SMTP_HOST/_PORT/_TLS"
        ) from exc
    log.info("mailed %d recipients through %s", len(to), where)


def redact(url: str) -> str:
    """A webhook address often carries a secret in its path or query: show scheme and host only."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}/…"


def post_json(url: str, payload: dict[str, Any], *, timeout: float, retries: int, retry_delay: float) -> int:
    """POST `payload`; retry connection failures, timeouts, 429 and 5xx with backoff. Returns the status."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", "User-Agent": USER_AGENT}
    )
    problem = ""
    for attempt in range(retries + 1):
        wait = retry_delay * 2**attempt
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code}"
            if exc.code != 429 and exc.code < 500:
                raise DeliveryError(f"the webhook {redact(url)} refused the POST: {problem}") from exc
            after = exc.headers.get("Retry-After", "")
            if after.isdigit():
                wait = max(wait, min(float(after), 60.0))  # honour the server, within reason for cron
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            problem = f"{reason.__class__.__name__}: {reason}" if isinstance(reason, BaseException) else str(reason)
        if attempt < retries:
            log.warning("webhook %s: %s; retrying in %.1f s", redact(url), problem, wait)
            time.sleep(wait)
    raise DeliveryError(f"the webhook {redact(url)} failed {retries + 1} times (last: {problem})")


def feed_body(watches: Watches, run: WatchRun) -> bytes:
    """The watch's Atom feed as it will be once `run` is remembered (`watch run --atom`, the web app)."""
    return feed.render(run.watch, watches.feed_entries(run, watches.catalog.settings.feed_entries), run.ran_at)


def deliver(
    watches: Watches,
    runs: Sequence[WatchRun],
    *,
    feeds: Mapping[str, Path],
    mail_to: Sequence[str] = (),
    webhook: str | None = None,
) -> None:
    """Feeds first (rewriting one is harmless), then mail and webhook, those only when a run found something.

    Raises DeliveryError at the first failure; the caller then does not remember the runs."""
    settings = watches.catalog.settings
    for run in runs:
        path = feeds.get(run.name)
        if path is None:
            continue
        body = feed_body(watches, run)
        try:
            feed.write_atomic(path, body)
        except OSError as exc:
            raise DeliveryError(f"could not write the feed {path}: {exc.strerror or exc}") from exc
    news = [r for r in runs if r.has_news]
    if news and mail_to:
        counts = [f"{r.name}: {len(r.new_matches)} new, {len(r.changed)} changed, {len(r.left)} left" for r in news]
        send_mail(settings, list(mail_to), "Trialscout watches: " + "; ".join(counts), report.mail_text(news))
    if news and webhook:
        post_json(
            webhook,
            {"source": "trialscout", "runs": [r.to_dict() for r in news]},
            timeout=settings.webhook_timeout,
            retries=settings.webhook_retries,
            retry_delay=settings.webhook_retry_delay,
        )


def run_and_deliver(
    watches: Watches,
    names: Sequence[str],
    *,
    feeds: Mapping[str, Path],
    mail_to: Sequence[str] = (),
    webhook: str | None = None,
    dry_run: bool = False,
) -> list[WatchRun]:
    """Run these watches, deliver what they found, and remember the runs once delivered.

    One run of a watch at a time: a run that starts while another run of the same watch is under way
    (overlapping cron jobs) waits for it to be remembered, then reports only what happened since; it
    gives up after TRIALS_LOCK_TIMEOUT with StoreBusy. A dry run neither delivers nor remembers, and
    waits for nothing. Raises DeliveryError (nothing remembered: the next run reports the same again).
    """
    if dry_run:
        return [watches.run(n) for n in names]
    with watches.exclusive(names):
        runs = [watches.run(n) for n in names]
        deliver(watches, runs, feeds=feeds, mail_to=mail_to, webhook=webhook)
        watches.remember(runs, watches.catalog.settings.feed_entries)
    return runs
