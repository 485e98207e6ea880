"""Executed notebooks as standalone, accessible HTML pages (code hidden).

The ``cohort`` nbconvert template (``templates/cohort``, extending ``basic``)
with one small stylesheet, a contents list of the report's sections, and print
rules that repeat table headers, number the pages and print the edition's
marking. One exporter per worker process.
"""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

__all__ = ["css", "exporter", "to_html"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"


def css() -> str:
    """The one stylesheet of reports and the index."""
    return (_TEMPLATES / "cohort" / "cohort.css").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def exporter():
    """The HTML exporter, built once per worker process (building one costs ~2 s)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="cohort",
        extra_template_basedirs=[str(_TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
    )


_H2 = re.compile(r"<h2(?P<attrs>[^>]*)>(?P<text>.*?)</h2>", re.S)


def _contents(body: str) -> str:
    """Give every section heading an id and put a contents list after the report's header."""
    items: list[tuple[str, str]] = []

    def named(m: re.Match) -> str:
        attrs, text = m.group("attrs"), m.group("text")
        plain = html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
        found = re.search(r"id=[\"']([^\"']+)[\"']", attrs)
        ident = found.group(1) if found else "section-" + re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
        if not found:
            attrs += f" id='{ident}'"
        items.append((ident, plain))
        return f"<h2{attrs}>{text}</h2>"

    body = _H2.sub(named, body)
    if not items:
        return body
    nav = ("<nav class='cohort-contents' aria-label='Contents'><h2>Contents</h2><ol>"
           + "".join(f"<li><a href='#{html.escape(i)}'>{html.escape(t)}</a></li>" for i, t in items)
           + "</ol></nav>")
    at = body.find("</header>")
    return body[: at + 9] + nav + body[at + 9:] if at >= 0 else nav + body


def to_html(nb, title: str, *, marking: str = "", running: str = "") -> str:
    """Render an executed notebook as a standalone, accessible HTML page, code hidden.

    The page uses the ``cohort`` nbconvert template (extending ``basic``) with
    one stylesheet, a contents list of the report's sections, and print rules
    that repeat table headers, number the pages and print ``marking`` (the
    edition) at the top and ``running`` (report, authority, period, produced-on
    date) at the foot of every page.
    """
    resources = {"cohort": {"title": title, "css": css(), "marking": marking, "running": running}}
    body, _ = exporter().from_notebook_node(nb, resources=resources)
    return _contents(body)


