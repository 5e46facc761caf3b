"""GET /_gateway/: a small server-rendered HTML page for people without Grafana.

It shows this worker's last minutes per team and operation (`gateway.recent`) and the drift report
as tables, and reloads itself every few seconds (`<meta http-equiv="refresh">`; no script, no
external asset, no build step). Every text from the config, the spec or the drift report is
escaped with `html.escape`. Nothing on it is a secret or a request value: the drift rows are
value-free and the sample request ids (client-chosen) are left out.

Who sees what is the drift report's rule: a team key sees its own rows and its own request drift
plus every response row; an admin key sees everything. A browser cannot add a bearer header to a
navigation, so besides `Authorization: Bearer <key>` and `X-Gateway-Key` the page accepts HTTP
Basic with the key as the password (any user name). Never a key in the URL. Without a valid key
a browser (Accept: text/html) gets a Basic challenge, so it prompts; an API client gets 401
problem+json.
"""

from __future__ import annotations

import base64
import binascii
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from html import escape
from typing import Any

from aiohttp import web

from gateway.credentials.inbound import KeyRing
from gateway.drift import DriftReport
from gateway.problems import ProblemError, ProblemKind, problem_response
from gateway.recent import RecentWindow

REFRESH_SECONDS = 5
REALM = "mlops-gateway"
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
STYLE = """
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #1d2430; }
h1 { font-size: 1.3em; margin-bottom: .2em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
p.meta { color: #5a6270; margin-top: 0; }
table { border-collapse: collapse; min-width: 40em; }
th, td { border: 1px solid #d0d5dc; padding: .3em .6em; text-align: left; }
th { background: #eef1f5; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.bad { color: #b00020; font-weight: 600; } code { font-size: .95em; }
"""


def _basic_password(headers: Mapping[str, str]) -> str | None:
    """The password of an `Authorization: Basic base64(user:password)` header, if well formed."""
    scheme, _, encoded = headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    _, colon, password = decoded.partition(":")
    return password if colon and password else None


def reader(keyring: KeyRing, headers: Mapping[str, str]) -> tuple[bool, str | None]:
    """(allowed, team): (True, None) for an admin key, (True, team) for a team key, else (False, None).
    The key may come as a bearer token, `X-Gateway-Key` or a Basic password."""
    password = _basic_password(headers)
    presented = {"Authorization": f"Bearer {password}"} if password else headers
    if keyring.is_admin(presented):
        return True, None
    team = keyring.identify(presented)
    return (True, team.name) if team is not None else (False, None)


def _cell(value: Any, numeric: bool = False, bad: bool = False) -> str:
    classes = " ".join(c for c, on in (("n", numeric), ("bad", bad)) if on)
    text = "&ndash;" if value is None else escape(str(value))
    return f'<td class="{classes}">{text}</td>' if classes else f"<td>{text}</td>"


def _table(headings: list[str], rows: list[str], empty: str) -> str:
    if not rows:
        return f"<p>{escape(empty)}</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _traffic(rows: list[dict[str, Any]], minutes: float) -> str:
    lines = [
        "<tr>"
        + _cell(r["team"])
        + _cell(r["operation"])
        + _cell(r["calls"], numeric=True)
        + _cell(r["client_errors"], numeric=True, bad=r["client_errors"] > 0)
        + _cell(r["server_errors"], numeric=True, bad=r["server_errors"] > 0)
        + _cell(r["p95_ms"], numeric=True)
        + "</tr>"
        for r in rows
    ]
    headings = ["team", "operation", "calls", "4xx", "5xx", "p95 (ms)"]
    return _table(headings, lines, f"No calls in the last {minutes:g} minutes.")


def _drift(report: dict[str, Any]) -> str:
    admin = report["scope"] == "all"
    lines = []
    for v in report["violations"]:
        teams = _cell(", ".join(v["teams"])) if admin else ""
        lines.append(
            "<tr>"
            + _cell(v["operation"])
            + _cell(v["direction"])
            + f"<td><code>{escape(v['location'] + v['pointer'])}</code></td>"
            + _cell(v["kind"])
            + _cell(v["expected"])
            + _cell(v["found"])
            + _cell(v["count"], numeric=True)
            + _cell(v["last_seen"])
            + teams
            + "</tr>"
        )
    headings = ["operation", "direction", "where", "kind", "expected", "found", "count", "last seen"]
    return _table(headings + ["teams"] * admin, lines, "No contract violations since start.")


def _undocumented(report: dict[str, Any]) -> str:
    admin = report["scope"] == "all"
    lines = [
        "<tr>"
        + _cell(call["upstream"])
        + _cell(call["method"])
        + f"<td><code>{escape(call['path'])}</code></td>"
        + _cell(call["count"], numeric=True)
        + _cell(call["last_seen"])
        + (_cell(", ".join(call["teams"])) if admin else "")
        + "</tr>"
        for call in report["undocumented"]
    ]
    headings = ["upstream", "method", "path shape", "count", "last seen"] + ["teams"] * admin
    return _table(headings, lines, "No undocumented calls forwarded since start.")


def render(
    team: str | None, traffic: list[dict[str, Any]], report: dict[str, Any], window: RecentWindow
) -> str:
    """The whole page for `team` (None: the admin view)."""
    who = "admin key: every team" if team is None else f"team {team}"
    minutes = window.window_seconds / 60
    updated = time.strftime("%H:%M:%S UTC", time.gmtime())
    dropped = report["dropped_rows"]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{REFRESH_SECONDS}">
<title>mlops-gateway status</title><style>{STYLE}</style></head>
<body>
<h1>mlops-gateway status</h1>
<p class="meta">{escape(who)} &middot; this worker (pid {os.getpid()}) only &middot; updated {updated},
refreshes every {REFRESH_SECONDS} s</p>
<h2>Last {minutes:g} minutes, this worker ({window.bucket_seconds} s buckets)</h2>
{_traffic(traffic, minutes)}
<h2>Contract drift since {escape(report["since"])} ({report["total"]} violations)</h2>
{_drift(report)}
<h2>Undocumented calls forwarded (<code>unlisted: forward</code>)</h2>
{_undocumented(report)}
<p class="meta">Rows dropped (budget full): request {dropped["request"]}, response {dropped["response"]},
undocumented {dropped["undocumented"]}.
Machine-readable: <code>GET /_gateway/violations</code> and <code>/metrics</code>.</p>
</body></html>
"""


def _unauthorized(request: web.BaseRequest) -> web.Response:
    if "text/html" in request.headers.get("Accept", ""):
        response = web.Response(
            text="<!doctype html><title>401</title><p>A gateway or admin key is needed.</p>",
            status=401,
            content_type="text/html",
        )
        response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    else:
        error = ProblemError(ProblemKind.UNAUTHENTICATED, "the status page needs a gateway or admin key")
        response = problem_response(error, instance=request.path, request_id=None)
        response.headers["WWW-Authenticate"] = f'Bearer realm="{REALM}"'
    response.headers.update(SECURITY_HEADERS)
    return response


def status_page(
    keyring: KeyRing, window: RecentWindow, drift: DriftReport
) -> Callable[[web.BaseRequest], Awaitable[web.Response]]:
    """The GET /_gateway/ handler."""

    async def handle(request: web.BaseRequest) -> web.Response:
        allowed, team = reader(keyring, request.headers)
        if not allowed:
            return _unauthorized(request)
        page = render(team, window.snapshot(team), drift.snapshot(team), window)
        response = web.Response(text=page, content_type="text/html", charset="utf-8")
        response.headers.update(SECURITY_HEADERS)
        return response

    return handle
