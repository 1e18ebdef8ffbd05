"""Batch: records in (JSON Lines, CSV, FHIR), one result line out for each, in order, whatever the
record holds.

What lives here:
    lines     reading a stream as lines in chunks, bounded, in linear time
    signs     emergency sign ids named in raw text, however written
    rescue    a line that cannot be read still gives its emergency
    jsonl     JSON Lines; ``csvfile``: CSV; ``fhir``: FHIR QuestionnaireResponses
    triage    one record into its line (``triage_record``), a block of lines
    run       the streaming run, its summary, and writing that never loses a line
    pool      ``--jobs``: the same run over worker processes, the same bytes out
    stopping  signals: stop with an unbroken prefix of the output, counted exactly

May import: ``spinetriage.core``, ``spinetriage.rules`` (loading), and ``spinetriage.formats.fhir``
(the Questionnaire the FHIR reader answers to). Never the command line, Typer or Rich.
"""
