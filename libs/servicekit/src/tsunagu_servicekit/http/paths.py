"""Ids in paths: a segment that is an id matches only a UUID.

So a literal route beside an id route (``POST /cases/search`` beside ``GET /cases/{case_id}``) is
never taken for an id: another method on it answers 405 with its ``Allow``, not a validation
problem about a malformed id. A segment that is no UUID matches no route (404). The value stays
text; the operation's own parameter type still validates it.

    @router.get(f"/cases/{{case_id:{ID}}}")
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

__all__ = ["ID"]

ID = "tsunagu_id"
"""The path convertor of ids: ``f"/cases/{{case_id:{ID}}}"``."""


class _IdSegment(Convertor[str]):
    regex = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


# Starlette keeps convertors in one registry per process; registering the same one again is harmless.
register_url_convertor(ID, _IdSegment())
