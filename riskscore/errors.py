"""Exceptions shared across riskscore: one type per kind of failure a caller may handle.

A lookup that finds nothing raises `NotFound`, not a bare KeyError from a dict deep inside a
call, so a command can catch exactly "that name/id/date does not exist" without also swallowing
programming errors. It subclasses KeyError so handlers written as `except KeyError` keep
working while callers move over.
"""

from __future__ import annotations


class NotFound(KeyError):
    """A table, column, country, date or id that was asked for does not exist."""

    def __str__(self) -> str:
        # KeyError's str() is the repr of its argument (quotes and all); a message reads better
        return str(self.args[0]) if self.args else "not found"
