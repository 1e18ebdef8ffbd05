"""The report as one self-contained HTML page to print or bring to a clinician.

Pure: no terminal, no Rich. No scripts, no external fonts, images or links: one file with
inline CSS (a print style and a narrow-screen style). The recommendation comes first, in
words that do not rely on colour; every text is escaped.
"""

from __future__ import annotations

from datetime import date
from html import escape

from spinetriage._version import __version__
from spinetriage.core import i18n
from spinetriage.core.engine import Result
from spinetriage.core.i18n import _
from spinetriage.formats.report import (
    ENDED_EARLY,
    LIMITS_HEADING,
    NO_REASON,
    answer_text,
    headline,
    label,
    level,
    phase_words,
    sections,
    shown,
)

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { font-size: 100%; -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; padding: 1rem; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
       Arial, sans-serif; font-size: 1.0625rem; line-height: 1.55; color: #111; background: #fff;
       overflow-wrap: break-word; }
main { max-width: 44rem; margin: 0 auto; }
h1, h2 { line-height: 1.25; }
h1 { font-size: 1.6rem; margin: 0.25rem 0 0.75rem; }
h2 { font-size: 1.2rem; margin: 1.75rem 0 0.5rem; padding-bottom: 0.2rem; border-bottom: 1px solid #bbb; }
p, ul { margin: 0 0 0.75rem; }
ul { padding-left: 1.25rem; }
li { margin-bottom: 0.5rem; }
.meta { color: #444; font-size: 0.95rem; margin-bottom: 0.75rem; }
.recommendation { border: 0.35rem solid #333; border-radius: 0.5rem; padding: 1rem 1.25rem; margin: 0 0 1.5rem; }
.recommendation .kicker { margin: 0; font-size: 0.95rem; font-weight: 700; text-transform: uppercase;
                          letter-spacing: 0.05em; }
.recommendation .level { display: inline-block; padding: 0 0.4rem; margin-right: 0.25rem; border-radius: 0.25rem;
                         color: #fff; background: #333; }
.recommendation .advice { font-size: 1.1rem; margin-bottom: 0; }
.recommendation .ended { font-style: italic; margin: 0.75rem 0 0; }
.outcome-emergency { border-color: #a4000f; background: #fdeced; }
.outcome-emergency .level { background: #a4000f; }
.outcome-urgent { border-color: #9a4a00; background: #fff3e3; }
.outcome-urgent .level { background: #9a4a00; }
.outcome-doctor { border-color: #0b4f94; background: #e9f1fb; }
.outcome-doctor .level { background: #0b4f94; }
.outcome-physical-therapy { border-color: #4b2fa6; background: #f1edfc; }
.outcome-physical-therapy .level { background: #4b2fa6; }
.outcome-self-care { border-color: #1b6b2e; background: #ebf6ed; }
.outcome-self-care .level { background: #1b6b2e; }
.source { display: block; color: #444; font-size: 0.95rem; }
.safety { border-left: 0.3rem solid #a4000f; padding-left: 0.9rem; }
table { width: 100%; border-collapse: collapse; margin: 0.5rem 0 1rem; }
caption { text-align: left; color: #444; padding-bottom: 0.4rem; }
th, td { text-align: left; vertical-align: top; padding: 0.45rem 0.6rem; border: 1px solid #bbb; }
thead th { background: #eee; }
tbody th { width: 38%; font-weight: 600; }
.disclaimer { font-style: italic; margin-top: 1.5rem; }
footer { border-top: 1px solid #bbb; margin-top: 1.5rem; padding-top: 0.5rem; color: #333; font-size: 0.95rem; }
@media (max-width: 32em) {
  body { padding: 0.75rem; }
  h1 { font-size: 1.35rem; }
  .recommendation { padding: 0.75rem; }
  thead { display: none; }
  table, caption, tbody, tr, tbody th, tbody td { display: block; width: auto; }
  tr { border: 1px solid #bbb; margin-bottom: 0.5rem; }
  tbody th, tbody td { border: 0; }
  tbody th { padding-bottom: 0; }
}
@media print {
  @page { margin: 15mm; }
  body { padding: 0; font-size: 11pt; background: #fff; }
  main { max-width: none; }
  .recommendation, .level, thead th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .recommendation, li, tr { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; }
}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _bullets(items: tuple[str, ...] | list[str]) -> str:
    return "<ul>\n" + "".join(f"<li>{_e(b)}</li>\n" for b in items) + "</ul>\n"


def to_html(result: Result, *, saved: date | None = None) -> str:
    """The whole page: recommendation, why (with sources), phase, what to do, safety net,
    answers, disclaimer and date."""
    when = saved.isoformat() if saved else ""
    page = _("spinetriage report {date}").format(date=when) if when else _("spinetriage report")
    kicker = _("Recommendation")
    out = [
        "<!DOCTYPE html>\n",
        f'<html lang="{_e(i18n.current())}">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{_e(headline(result))} | {_e(page)}</title>\n",
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        f'<section class="recommendation outcome-{_e(result.outcome)}" aria-labelledby="recommendation">\n',
        f'<p class="kicker">{_e(kicker)}</p>\n',
        f'<h1 id="recommendation"><span class="level">{_e(level(result.outcome))}</span> {_e(result.title)}</h1>\n',
        f'<p class="advice">{_e(result.advice)}</p>\n',
    ]
    if result.ended_early:
        out.append(f'<p class="ended">{_e(_(ENDED_EARLY))}</p>\n')
    out.append("</section>\n")
    if when:
        meta = _("spinetriage report of {date}. Not a diagnosis: show it to the doctor or therapist you see.")
        out.append(f'<p class="meta">{_e(meta.format(date=when))}</p>\n')

    for sec in sections(result, phase_always=True):
        css = ' class="safety"' if sec.id in ("emergency-signs", "if-worse") else ""
        out.append(f'<section id="{_e(sec.id)}"{css}>\n<h2>{_e(sec.heading)}</h2>\n')
        if sec.id == "why":
            if result.reasons:
                out.append("<ul>\n")
                for r in result.reasons:
                    source = _("Source: {source} (rule {rule})").format(source=r.source, rule=r.rule)
                    out.append(f'<li>{_e(r.text)} <span class="source">{_e(source)}</span></li>\n')
                out.append("</ul>\n")
            else:
                out.append(f"<p>{_e(_(NO_REASON))}</p>\n")
        else:
            if sec.id == "phase" and result.phase:
                out.append(f"<p><strong>{_e(phase_words(result.phase))}</strong></p>\n")
            out += [f"<p>{_e(p)}</p>\n" for p in sec.paragraphs if p]
            if sec.bullets:
                out.append(_bullets(sec.bullets))
        out.append("</section>\n")

    heading = _("Your answers")
    out.append(f"<section>\n<h2>{_e(heading)}</h2>\n<table>\n")
    caption = (_("What you answered on {date}; “not asked” means the questions ended before it.").format(date=when)
               if when else _("What you answered; “not asked” means the questions ended before it."))
    out.append(f"<caption>{_e(caption)}</caption>\n")
    columns = _("Question"), _("Your answer")
    out.append(f'<thead><tr><th scope="col">{_e(columns[0])}</th>'
               f'<th scope="col">{_e(columns[1])}</th></tr></thead>\n<tbody>\n')
    for key, value in shown(result.answers):
        out.append(f'<tr><th scope="row">{_e(label(key))}</th><td>{_e(answer_text(key, value))}</td></tr>\n')
    out.append("</tbody>\n</table>\n</section>\n")
    if result.limits:
        out.append(f'<section id="limits">\n<h2>{_e(_(LIMITS_HEADING))}</h2>\n{_bullets(result.limits)}</section>\n')

    out.append("<footer>\n")
    out.append(f'<p class="disclaimer">{_e(result.disclaimer)}</p>\n')
    short = _("In short: {headline}").format(headline="\0")
    before, _sep, after = short.partition("\0")
    out.append(f"<p>{_e(before)}<strong>{_e(headline(result))}</strong>{_e(after)}</p>\n")
    facts = [_("Date: {date}").format(date=when)] if when else []
    facts += [_("Rules version: {version}").format(version=result.rules_version), f"spinetriage {__version__}"]
    out.append(f"<p>{_e(' · '.join(facts))}</p>\n")
    out.append("</footer>\n</main>\n</body>\n</html>\n")
    return "".join(out)
