"""``tsunagu demo``: a synthetic, realistic fiscal year sent through the services' public APIs.

:mod:`.volumes` (how much), :mod:`.plan` and :mod:`.stories` (what happens when, by the seed alone),
:mod:`.actions` (what each step sends), :mod:`.execute` (the clock, the steps, the record that lets a
second run continue), :mod:`.command` (the command's output).
"""
