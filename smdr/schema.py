"""Declared settings: what a transport or a parser reads from a source's settings.

Each transport (:mod:`smdr.transports`) and each parser family (``Parser.options``)
declares the keys it reads as a :class:`Schema`; the union of the two, with the keys
every source has (:data:`COMMON`), is what a source's settings may hold. The centre
(model, API, admin form) and the agent's TOML check settings through the same schema,
so an unknown or mistyped key is refused where it is written, naming it, rather than
ignored where it is read. Pure Python: the agent uses this module too.

The schema checks kinds, ranges and choices; a parser still checks what only it
understands (a column map's fields, a template's variables) when it is built.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Kind:
    """The kinds of value a setting holds (a form field is chosen by kind)."""

    TEXT: Final = "text"
    SECRET: Final = "secret"  # noqa: S105 (a kind's name): text, shown masked
    INT: Final = "int"
    FLOAT: Final = "float"
    BOOL: Final = "bool"
    CHOICE: Final = "choice"
    TIME_ZONE: Final = "time zone"
    LIST: Final = "list"  # a list of strings
    MAPPING: Final = "mapping"  # a JSON object


KINDS: Final = (
    Kind.TEXT,
    Kind.SECRET,
    Kind.INT,
    Kind.FLOAT,
    Kind.BOOL,
    Kind.CHOICE,
    Kind.TIME_ZONE,
    Kind.LIST,
    Kind.MAPPING,
)
_WORDS: Final = frozenset({"1", "0", "yes", "no", "true", "false", "on", "off", "y", "n", ""})


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation (``makemessages`` finds it); the centre
    translates it where it shows it (the Source form's help texts)."""
    return message


class SettingsError(ValueError):
    """Settings that cannot be used; ``key`` is the setting at fault."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


@dataclasses.dataclass(frozen=True, slots=True)
class Setting:
    """One key: its kind, default (``None``: none), help text and limits.

    ``low``/``high`` bound numbers; ``choices`` lists a choice's values; a ``LIST``
    with ``text_ok`` also takes one string (a template); a ``BOOL`` with ``words``
    also takes "yes"/"no", "on"/"off"...
    """

    key: str
    kind: str
    default: object = None
    help: str = ""
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    required: bool = False
    text_ok: bool = False
    words: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"setting {self.key}: unknown kind {self.kind!r}")

    def check(self, value: object) -> None:
        """Raise :class:`SettingsError` unless ``value`` is of this setting's kind."""
        problem = self._problem(value)
        if problem:
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            raise SettingsError(self.key, f"{self.key}: {shown} {problem}")

    def _problem(self, value: object) -> str:
        if self.kind in (Kind.TEXT, Kind.SECRET):
            return "" if isinstance(value, str) else "is not text"
        if self.kind in (Kind.INT, Kind.FLOAT):
            return self._number_problem(value)
        if self.kind == Kind.BOOL:
            if isinstance(value, bool):
                return ""
            if self.words and isinstance(value, str) and value.strip().lower() in _WORDS:
                return ""
            return "is not true or false"
        if self.kind == Kind.CHOICE:
            if isinstance(value, str) and value in self.choices:
                return ""
            return f"is not one of {', '.join(self.choices)}"
        if self.kind == Kind.TIME_ZONE:
            if _is_zone(value):
                return ""
            return (
                "is not a known zone (an IANA name such as America/Bogota;"
                " on Windows: pip install tzdata)"
            )
        if self.kind == Kind.LIST:
            if self.text_ok and isinstance(value, str):
                return ""
            if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
                return ""
            return "is not a list of text"
        return "" if isinstance(value, dict) else "is not a JSON object"  # MAPPING

    def _number_problem(self, value: object) -> str:
        whole = self.kind == Kind.INT
        refusal = f"is not {'a whole number' if whole else 'a number'}"
        if self.low is not None or self.high is not None:
            refusal += f" {_bounds(self.low, self.high)}"
        number: float
        if isinstance(value, bool):
            return refusal
        if isinstance(value, int) or (isinstance(value, float) and not whole):
            number = value
        elif isinstance(value, str):  # JSON from a form or an old API client: "1752"
            try:
                number = int(value) if whole else float(value)
            except ValueError:
                return refusal
        else:
            return refusal
        if not math.isfinite(number):
            return refusal
        if (self.low is not None and number < self.low) or (
            self.high is not None and number > self.high
        ):
            return refusal
        return ""


def _bounds(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"from {low:g} to {high:g}"
    return f"of at least {low:g}" if low is not None else f"of at most {high:g}"


def _is_zone(value: object) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclasses.dataclass(frozen=True, slots=True)
class Schema:
    """The settings a transport or parser reads; ``a | b`` is both (``a``'s first)."""

    settings: tuple[Setting, ...] = ()

    def __or__(self, other: Schema) -> Schema:
        known = set(self.keys())
        return Schema(self.settings + tuple(s for s in other.settings if s.key not in known))

    def keys(self) -> tuple[str, ...]:
        return tuple(setting.key for setting in self.settings)

    def get(self, key: str) -> Setting | None:
        return next((setting for setting in self.settings if setting.key == key), None)

    def validate(self, values: Mapping[str, object], *, partial: bool = False) -> dict[str, object]:
        """``values`` checked: a copy, or :class:`SettingsError` naming the first bad key.

        Unknown keys are refused with the list of known ones; a required key must be
        present and not empty (``partial`` skips that check, for a preview).
        """
        for key, value in values.items():
            setting = self.get(key)
            if setting is None:
                known = ", ".join(self.keys()) or "none"
                raise SettingsError(key, f"unknown key {key!r}; known: {known}")
            if value is None and not setting.required:
                continue  # JSON null: the default
            setting.check(value)
        if not partial:
            for setting in self.settings:
                if setting.required and values.get(setting.key) in (None, ""):
                    help_text = f" ({setting.help})" if setting.help else ""
                    raise SettingsError(setting.key, f"{setting.key}: required{help_text}")
        return dict(values)


def schema(*settings: Setting | Iterable[Setting]) -> Schema:
    """A schema from settings and groups of settings, in order."""
    flat: list[Setting] = []
    for item in settings:
        flat.extend([item] if isinstance(item, Setting) else item)
    return Schema(tuple(flat))


# Keys every source may hold, whatever its transport and family.
COMMON: Final = schema(
    Setting(
        "time_zone",
        Kind.TIME_ZONE,
        help=gettext_noop("The PBX clock's zone, when it is not the site's (IANA name)."),
    ),
    Setting(
        "raw_log_dir",
        Kind.TEXT,
        help=gettext_noop("A folder where every record received is also written, one file a day."),
    ),
    Setting(
        "reconnect_initial",
        Kind.FLOAT,
        10,
        gettext_noop("Seconds to wait before the first reconnection."),
        low=0.001,
        high=86400,
    ),
    Setting(
        "reconnect_factor",
        Kind.FLOAT,
        1.5,
        gettext_noop("How much longer each following wait is."),
        low=1,
        high=10,
    ),
    Setting(
        "reconnect_max",
        Kind.FLOAT,
        300,
        gettext_noop("The longest wait between reconnections, in seconds."),
        low=0.001,
        high=86400,
    ),
)
