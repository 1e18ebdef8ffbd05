"""Rules files: read a YAML rules file (or the shipped rules' snapshot), check every part of it,
and build the ``RuleSet`` (``spinetriage.core.ruleset``) the engine evaluates.

What lives here:
    load        load_rules: read, check, compile; where the shipped rules are
    snapshot    the shipped rules' checked, compiled form, used at start-up instead of the YAML
    source      where each piece of a document stands (lines and columns)
    yamlsrc     YAML text to a Source, with positions (the only module that imports PyYAML)
    checker     the document's structure; conditions and cases in their own modules
    conditions  answers, tests and values of a condition, and "only upwards"
    cases       the example cases' ids, answers and expected outcomes
    hints       a "did you mean" for a misspelt key or value
    safety      every emergency sign alone leads to emergency, every urgent sign to urgent
    examples    run the example cases through the engine; warnings for rules validate
    schema      the JSON Schema of a rules file
    diff        what a change from one rules file to another moves
    regions     the regions file (emergency numbers and urgent-advice lines), read and checked like rules
    texts       the rules' words in another language, from the file beside them (spine-pain.es.yaml)
    texts_checker  such a file checked against the rules it translates

May import: ``spinetriage.core``. Never the records, formats or command line, Typer or Rich.
Nothing is imported with the package itself: import the module you need.
"""
