"""Argument checks shared across the package (private)."""

from __future__ import annotations

from collections.abc import Iterable


def check_choice(name: str, value: object, choices: Iterable[object]) -> None:
    """Raise ``ValueError`` unless ``value`` is exactly one of ``choices``.

    No prefix or case-insensitive matching: a misspelt method must fail, not
    silently select another.

    Examples
    --------
    >>> check_choice("method", "wilson", ("wilson", "jeffreys"))
    >>> check_choice("method", "wils", ("wilson", "jeffreys"))
    Traceback (most recent call last):
    ...
    ValueError: method must be one of 'wilson', 'jeffreys'; got 'wils'
    """
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
