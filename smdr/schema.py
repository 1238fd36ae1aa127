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


# What SettingsError says, as templates the centre translates (see SettingsError).
NOT_TEXT = gettext_noop("%(key)s: %(value)s is not text")
NOT_BOOL = gettext_noop("%(key)s: %(value)s is not true or false")
NOT_CHOICE = gettext_noop("%(key)s: %(value)s is not one of %(choices)s")
NOT_ZONE = gettext_noop(
    "%(key)s: %(value)s is not a known zone (an IANA name such as America/Bogota;"
    " on Windows: pip install tzdata)"
)
NOT_LIST = gettext_noop("%(key)s: %(value)s is not a list of text")
NOT_MAPPING = gettext_noop("%(key)s: %(value)s is not a JSON object")
# By (whole number, has a lower bound, has an upper bound).
NOT_NUMBER = {
    (True, False, False): gettext_noop("%(key)s: %(value)s is not a whole number"),
    (True, True, False): gettext_noop(
        "%(key)s: %(value)s is not a whole number of at least %(low)s"
    ),
    (True, False, True): gettext_noop(
        "%(key)s: %(value)s is not a whole number of at most %(high)s"
    ),
    (True, True, True): gettext_noop(
        "%(key)s: %(value)s is not a whole number from %(low)s to %(high)s"
    ),
    (False, False, False): gettext_noop("%(key)s: %(value)s is not a number"),
    (False, True, False): gettext_noop("%(key)s: %(value)s is not a number of at least %(low)s"),
    (False, False, True): gettext_noop("%(key)s: %(value)s is not a number of at most %(high)s"),
    (False, True, True): gettext_noop(
        "%(key)s: %(value)s is not a number from %(low)s to %(high)s"
    ),
}
UNKNOWN_KEY = gettext_noop("unknown key %(key)s; known: %(known)s")
REQUIRED = gettext_noop("%(key)s: required")
REQUIRED_HELP = gettext_noop("%(key)s: required (%(help)s)")


class SettingsError(ValueError):
    """Settings that cannot be used; ``key`` is the setting at fault.

    ``template`` (marked with :func:`gettext_noop`) and ``params`` make the message, so
    that the centre can show it translated: ``gettext(template) % params``; ``str()`` of
    the error is the English message. A ``help`` param is a setting's help text, itself
    marked for translation.
    """

    def __init__(self, key: str, template: str, params: Mapping[str, object] | None = None):
        self.key = key
        self.template = template
        self.params = dict(params or {})
        super().__init__(template % self.params if params else template)


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
            params = {"key": self.key, "value": shown, "choices": ", ".join(self.choices)}
            if self.low is not None:
                params["low"] = f"{self.low:g}"
            if self.high is not None:
                params["high"] = f"{self.high:g}"
            raise SettingsError(self.key, problem, params)

    def _problem(self, value: object) -> str:
        """The template of what is wrong with ``value`` (empty: nothing)."""
        if self.kind in (Kind.TEXT, Kind.SECRET):
            return "" if isinstance(value, str) else NOT_TEXT
        if self.kind in (Kind.INT, Kind.FLOAT):
            return self._number_problem(value)
        if self.kind == Kind.BOOL:
            if isinstance(value, bool):
                return ""
            if self.words and isinstance(value, str) and value.strip().lower() in _WORDS:
                return ""
            return NOT_BOOL
        if self.kind == Kind.CHOICE:
            if isinstance(value, str) and value in self.choices:
                return ""
            return NOT_CHOICE
        if self.kind == Kind.TIME_ZONE:
            if _is_zone(value):
                return ""
            return NOT_ZONE
        if self.kind == Kind.LIST:
            if self.text_ok and isinstance(value, str):
                return ""
            if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
                return ""
            return NOT_LIST
        return "" if isinstance(value, dict) else NOT_MAPPING  # MAPPING

    def _number_problem(self, value: object) -> str:
        whole = self.kind == Kind.INT
        refusal = NOT_NUMBER[whole, self.low is not None, self.high is not None]
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
                raise SettingsError(key, UNKNOWN_KEY, {"key": repr(key), "known": known})
            if value is None and not setting.required:
                continue  # JSON null: the default
            setting.check(value)
        if not partial:
            for setting in self.settings:
                if setting.required and values.get(setting.key) in (None, ""):
                    if setting.help:
                        params = {"key": setting.key, "help": setting.help}
                        raise SettingsError(setting.key, REQUIRED_HELP, params)
                    raise SettingsError(setting.key, REQUIRED, {"key": setting.key})
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
