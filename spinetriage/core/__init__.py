"""The core: what the answers are and how rules decide on them. Pure Python.

What lives here:
    vocabulary  each answer, its values and words; the red-flag ids in their tiers; the checklists
    parse       text to an answer's value (the one parser of flags, prompts, batch and the library)
    near        near misses: typography folded, lists in a cell, "did you mean" (English or Spanish)
    words       the words typed beside the ids, English and Spanish (yes/no, none, places, spread, course)
    answers     Answers, and AnswerParser, which reads a whole record into them
    ruleset     the compiled rules: outcomes, rules, cases; conditions evaluated and compiled
    engine      evaluate answers against a RuleSet: the outcome, its reasons, the safety net
    errors      every error with its exit code (ExitCode), and Problem (file:line:col: message)
    region      a region's emergency number and urgent-advice line put in a result's words; the locale's territory
    i18n        the language people are spoken to in: choosing it, reading its catalog, _() and N_()
    record      Frozen: the base of the small immutable records made at every start (Answers, Result)

May import: the standard library and ``spinetriage.core`` only: no Typer, Rich or PyYAML, no
terminal, and no file reading but one: ``i18n.use`` reads a compiled catalog shipped inside the
package (``spinetriage/data/locale``), as the standard ``gettext`` module does. Everything else in
spinetriage builds on it.
"""
