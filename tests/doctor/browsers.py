"""Run every case of a stage in one real browser, through the doctor's sessions.

The differential suite drives the browsers the way ``wsgicors check --browser``
does (:mod:`wsgicors.doctor.live`): a page on the other origin (served by the
stage's own server for Chromium and Firefox, by the session's proxy for WebKit)
runs every case with ``fetch()`` in a single script, and the console entries
(Chromium's over the DevTools protocol, Firefox's over WebDriver BiDi, WebKit's from
MiniBrowser's stderr) are collected with it. A ``console.info`` marker before each
case ties WebKit's console lines, which do not all name a URL, to their case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from wsgicors.doctor.live import Entry, Session, executable
from wsgicors.doctor.vocabulary import Browser

__all__ = ["MARKER", "Run", "executable", "run_cases"]

#: What the script logs (``console.info``) before each case, followed by its name.
MARKER = "WSGICORS-CASE "

# One fetch() per case, in order, each with its own time limit.
SCRIPT = """(async (cases, base, MARKER) => {
  const results = {};
  for (const c of cases) {
    console.info(MARKER + c.name);
    const init = {method: c.method, headers: c.headers, cache: "no-store",
                  credentials: c.credentials ? "include" : "same-origin",
                  signal: AbortSignal.timeout(8000)};
    try {
      const r = await fetch(base + c.name, init);
      const readable = c.probe.filter(name => r.headers.get(name) !== null);
      results[c.name] = {verdict: "allowed", status: r.status, readable: readable};
    } catch (e) {
      // WebKit rejects a timed-out fetch with AbortError, the others with TimeoutError.
      const late = e.name === "TimeoutError" || e.name === "AbortError";
      results[c.name] = {verdict: late ? "timeout" : "blocked"};
    }
  }
  return results;
})"""


@dataclass
class Run:
    """What one browser did: results per case, and every console entry."""

    version: str
    results: dict[str, Any] = field(default_factory=dict)
    console: list[Entry] = field(default_factory=list)


def run_cases(browser: Browser, origin: str, base: str, cases: list[dict[str, Any]],
              timeout: float) -> Run:
    """Fetch ``base + name`` for each case from a page on *origin* in *browser*."""
    with Session(browser, 60) as session:
        session.open(origin, served=True)
        arguments = ", ".join(json.dumps(value) for value in (cases, base, MARKER))
        results = session.evaluate(f"{SCRIPT}({arguments})", timeout)
        session.settle()
        return Run(session.version, results, list(session.console))
