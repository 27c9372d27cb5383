"""Tsunagu intake: consultations and cases of Tokyo's hikikomori support programme.

Run it with ``python -m tsunagu_intake`` (``tsunagu up`` does, through the ``tsunagu.services``
entry point). ``app.build_runtime`` is the composition root.
"""
