"""Checking a source's parser options, with a RecordError naming the option at fault.

Options come from the source's settings (JSON), so a number may arrive as a bool or a
string and a list as anything: each helper returns the value, or the default when it
is absent, or raises :class:`~smdr.parsers.base.RecordError` with a message
``option <key>: <value!r> is not ...``.
"""

from __future__ import annotations

import datetime as dt

from smdr.schema import Kind, Setting, gettext_noop

from .base import Options, RecordError

TRUE_WORDS = frozenset({"1", "yes", "true", "on", "y"})
FALSE_WORDS = frozenset({"0", "no", "false", "off", "n", ""})


def bool_option(options: Options, key: str, default: bool, words: bool = False) -> bool:
    """A true/false option; with ``words``, also "yes"/"no", "on"/"off", "1"/"0"..."""
    value = options.get(key, default)
    if isinstance(value, bool):
        return value
    if words and isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise RecordError(f"option {key}: {value!r} is not true or false")


def int_option(
    options: Options, key: str, default: int, low: int, high: int, unit: str = ""
) -> int:
    """A whole number from ``low`` to ``high`` (``unit``, e.g. "minutes", in the message)."""
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        of_unit = f" of {unit}" if unit else ""
        raise RecordError(
            f"option {key}: {value!r} is not a whole number{of_unit} from {low} to {high}"
        )
    return value


def digits_option(options: Options, key: str, default: int) -> int:
    """A count of digits, 1 to 32 (an extension number is at most 32 characters)."""
    return int_option(options, key, default, 1, 32)


def tolerance_option(options: Options, default_minutes: int, max_minutes: int) -> dt.timedelta:
    """``clock_tolerance_minutes``: how far the PBX's clock may run ahead of ours."""
    minutes = int_option(
        options, "clock_tolerance_minutes", default_minutes, 0, max_minutes, "minutes"
    )
    return dt.timedelta(minutes=minutes)


def choice_option(options: Options, key: str, default: str, choices: tuple[str, ...]) -> str:
    """One of ``choices``, as given."""
    value = options.get(key, default)
    if not isinstance(value, str) or value not in choices:
        raise RecordError(f"option {key}: {value!r} is not one of {', '.join(choices)}")
    return value


def contexts_option(
    options: Options, key: str, default: tuple[str, ...]
) -> tuple[frozenset[str], tuple[str, ...]]:
    """A list of dialplan context names as (exact names, prefixes of the ``name*`` entries)."""
    value = options.get(key, default)
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise RecordError(f"option {key}: {value!r} is not a list of dialplan context names")
    exact = frozenset(item for item in value if item and not item.endswith("*"))
    prefixes = tuple(item[:-1] for item in value if item.endswith("*"))
    return exact, prefixes


# Declarations of the options above, for the parsers' ``options`` schemas.


def digits_setting(default: int) -> Setting:
    return Setting(
        "max_extension_digits",
        Kind.INT,
        default,
        gettext_noop("Numbers this long or shorter are extensions, longer ones external."),
        low=1,
        high=32,
    )


def tolerance_setting(default_minutes: int, max_minutes: int) -> Setting:
    return Setting(
        "clock_tolerance_minutes",
        Kind.INT,
        default_minutes,
        gettext_noop("How far the PBX's clock may run ahead of ours, in minutes."),
        low=0,
        high=max_minutes,
    )


def contexts_setting(key: str, default: tuple[str, ...], help_text: str) -> Setting:
    return Setting(key, Kind.LIST, list(default), f"{help_text} (name* for a prefix).")
