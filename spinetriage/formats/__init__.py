"""What a result looks like for people and for machines, built from the core's ``Result``.

What lives here:
    report   the report's parts in reading order, and the Markdown and JSON reports
    html     the printable page (one self-contained HTML file)
    fhir     FHIR R4: the Questionnaire, the CodeSystem, a result as a Bundle
    schemas  the JSON Schemas of the JSON output and of batch lines (files in ``spinetriage/data``)

May import: ``spinetriage.core`` and ``spinetriage.rules`` (the shipped rules by default). Never
the command line, Typer or Rich: the terminal's text report is ``spinetriage.cli.render``.
"""
