"""The printable page (`--output report.html`): one self-contained file, the recommendation
first in words, real headings, an answers table with header cells, every text escaped.
Its structure is checked with html.parser here; how it looks was checked in headless
Chromium by hand (see docs/fhir.md), never in the test suite.
"""

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from conftest import CALM_FLAGS, run_cli

from spinetriage import triage
from spinetriage.core.engine import Reason
from spinetriage.formats.html import to_html
from spinetriage.formats.report import LABELS
from spinetriage.rules.load import load_rules

RULES = load_rules()
DAY = date(2026, 11, 27)
VOID = {"meta", "br", "hr", "img", "input", "link", "source", "col", "area", "base", "wbr"}


class Page(HTMLParser):
    """Elements in document order with their attributes and their own text."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements = []  # [tag, attrs, text]
        self.stack = []
        self.doctype = None
        self.feed(text)
        self.close()

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        element = [tag, dict(attrs), ""]
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1][0] == tag, f"</{tag}> does not close {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        for element in self.stack:
            element[2] += data

    def all(self, tag):
        return [e for e in self.elements if e[0] == tag]

    def text(self):
        return self.all("body")[0][2]


def _answers_for(outcome):
    return next(c.answers for c in RULES.cases if c.expect == outcome and not c.answers.missing())


@pytest.mark.parametrize("outcome", [o.id for o in RULES.outcomes])
def test_every_outcome_page_has_the_recommendation_first_and_everything_a_clinician_needs(outcome):
    result = triage(_answers_for(outcome), RULES)
    page = Page(to_html(result, saved=DAY))
    assert page.doctype.lower() == "doctype html" and not page.stack
    assert page.all("html")[0][1]["lang"] == "en"
    headings = [e for e in page.elements if e[0] in ("h1", "h2", "h3")]
    assert headings[0][0] == "h1" and len(page.all("h1")) == 1
    h1 = " ".join(headings[0][2].split())
    assert h1 == f"{outcome.upper().replace('-', ' ')} {result.title}"  # words, not colour alone
    body = page.text()
    assert body.index(result.title) < body.index(result.reasons[0].text if result.reasons else "Why")
    for reason in result.reasons:
        assert reason.text in body and f"Source: {reason.source}" in body
    assert f"Phase: {result.phase}" in body
    assert result.steps[0] in body
    assert "Call the emergency number at once if you have" in [h[2] for h in headings]
    assert result.safety_net["if_worse"] in body
    assert result.disclaimer in body
    assert "2026-11-27" in body and f"Rules version: {result.rules_version}" in body


def test_answers_are_a_table_with_column_and_row_header_cells():
    result = triage(_answers_for("physical-therapy"), RULES)
    page = Page(to_html(result, saved=DAY))
    ths = page.all("th")
    assert [(t[1].get("scope"), t[2]) for t in ths[:2]] == [("col", "Question"), ("col", "Your answer")]
    rows = [t[2] for t in ths if t[1].get("scope") == "row"]
    assert rows == [LABELS[k] for k, v in vars(result.answers).items() if k != "course" or v is not None]
    assert len(page.all("td")) == len(rows)
    assert page.all("caption")


def test_self_contained_no_scripts_links_or_fixed_widths_and_a_print_and_phone_style():
    text = to_html(triage(_answers_for("self-care"), RULES), saved=DAY)
    page = Page(text)
    tags = {e[0] for e in page.elements}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "a", "form"}
    for tag, attrs, _ in page.elements:
        assert not {"src", "href", "srcset", "action"} & set(attrs)
        assert not any(name.startswith("on") for name in attrs)
    css = page.all("style")[0][2]
    assert "@media print" in css and re.search(r"@media \(max-width: *\d+(\.\d+)?em\)", css)
    assert "@import" not in css and "url(" not in css
    assert not re.search(r"(?<![-\w])(min-)?width: *\d+px", css)  # no fixed widths: reflows at 200% zoom
    viewport = [m for m in page.all("meta") if m[1].get("name") == "viewport"]
    assert viewport and "width=device-width" in viewport[0][1]["content"]
    assert "http://" not in text and "https://" not in text


def test_every_text_is_escaped():
    result = triage(_answers_for("urgent"), RULES)
    evil = result.replace(
        title='<script>alert("t")</script> & co', advice="<img src=x onerror=alert(1)>",
        reasons=(Reason("r1", "urgent", "a <b>bold</b> claim", 'x" onmouseover="y'),),
        disclaimer="</footer><a href='http://evil.example'>click</a>")
    text = to_html(evil, saved=DAY)
    page = Page(text)
    tags = {e[0] for e in page.elements}
    assert not tags & {"script", "img", "b", "a"}
    body = page.text()
    for raw in ('<script>alert("t")</script> & co', "<img src=x onerror=alert(1)>", "a <b>bold</b> claim",
                'x" onmouseover="y', "</footer><a href='http://evil.example'>click</a>"):
        assert raw in body  # shown as text, exactly


def test_an_emergency_that_ended_the_questions_says_so_and_shows_what_was_not_asked():
    result = triage({"red_flags": ["saddle-numbness"]}, RULES)
    page = Page(to_html(result, saved=DAY))
    body = page.text()
    assert "EMERGENCY" in page.all("h1")[0][2]
    assert "stopped early" in body and "not asked" in body


def test_output_html_writes_the_page_and_keeps_the_text_report_on_stdout(tmp_path):
    target = tmp_path / "report.html"
    proc = run_cli("ask", *CALM_FLAGS, "--output", str(target))
    assert proc.returncode == 0, proc.stderr
    assert "SELF CARE" in proc.stdout and "<html" not in proc.stdout
    page = Page(target.read_text(encoding="utf-8"))
    assert "SELF CARE" in page.all("h1")[0][2]
    again = run_cli("ask", *CALM_FLAGS, "--output", str(target))
    assert again.returncode == 2 and "--force" in again.stderr
