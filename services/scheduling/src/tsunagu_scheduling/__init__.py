"""Tsunagu scheduling: every appointment, session and meeting of Tokyo's hikikomori support programme.

Run it with ``python -m tsunagu_scheduling`` (``tsunagu up`` does, through the ``tsunagu.services``
entry point). ``app.build_runtime`` is the composition root.
"""
