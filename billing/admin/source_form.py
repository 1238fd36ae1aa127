"""The Source form's typed settings: one form field per key the source's transport and
family declare (smdr.schema), stored into the ``settings`` JSON.

The raw JSON stays on the form as the advanced field (lists and maps such as a
column map are written there); a typed field left empty keeps what the JSON says.
"""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from capture.models import PbxFamily, Source, Transport
from smdr.schema import Kind, Setting
from smdr.source_settings import settings_schema

PREFIX = "setting_"
# The fields whose choice decides the typed settings.
PICKED = ("transport", "family")
# Lists and maps have no simple widget: they are written in the JSON field.
JSON_ONLY = (Kind.LIST, Kind.MAPPING)


def setting_field(setting: Setting) -> forms.Field:
    """The form field of ``setting``: never required (empty keeps the JSON's value)."""
    # The schema's help texts are marked in smdr (gettext_noop) and translated here;
    # gettext("") would give the catalog's header, so an empty one stays empty.
    help = gettext(setting.help) if setting.help else ""
    help_text = help
    if setting.default not in (None, ""):
        help_text = _("%(help)s Default: %(default)s.") % {
            "help": help,
            "default": setting.default,
        }
    common = {"required": False, "label": setting.key, "help_text": help_text}
    if setting.kind == Kind.INT:
        return forms.IntegerField(min_value=setting.low, max_value=setting.high, **common)
    if setting.kind == Kind.FLOAT:
        return forms.FloatField(min_value=setting.low, max_value=setting.high, **common)
    if setting.kind == Kind.BOOL:
        return forms.NullBooleanField(**common)
    if setting.kind == Kind.CHOICE:
        return forms.ChoiceField(
            choices=[("", "-")] + [(choice, choice) for choice in setting.choices], **common
        )
    if setting.kind == Kind.SECRET:
        kept = _("%(help)s Left empty, the stored one is kept.") % {"help": help}
        return forms.CharField(
            widget=forms.PasswordInput(render_value=False),
            strip=False,
            **{**common, "help_text": kept},
        )
    return forms.CharField(**common)


class SourceAdminForm(forms.ModelForm):
    class Media:
        js = ["core/source_form.js"]

    class Meta:
        model = Source
        fields = [
            "site",
            "slug",
            "name",
            "family",
            "transport",
            "settings",
            "enabled",
            "silent_after_working",
            "silent_after",
        ]
        help_texts = {
            "settings": _(
                "Advanced: the settings as JSON. The typed fields above override it; lists"
                " and maps (column map, contexts) are written here."
            )
        }

    # The transport and family picked on the page, before saving (set by the admin).
    picked: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.update(self.picked)
        self.typed = self._typed_settings()
        stored = (self.instance.settings or {}) if self.instance else {}
        for setting in self.typed:
            field = setting_field(setting)
            if setting.kind != Kind.SECRET and setting.key in stored:
                field.initial = stored[setting.key]
            if setting.default not in (None, "") and setting.kind != Kind.BOOL:
                # Shown, not stored: a default saved into every source would stay
                # behind should the default change.
                field.widget.attrs["placeholder"] = str(setting.default)
            self.fields[PREFIX + setting.key] = field

    def _typed_settings(self) -> list[Setting]:
        """The settings of the transport and family chosen (posted, picked, or stored)."""
        chosen = {
            name: self.data.get(name) or self.initial.get(name) or getattr(self.instance, name, "")
            for name in PICKED
        }
        if chosen["transport"] not in Transport.values or chosen["family"] not in PbxFamily.values:
            return []
        stored = getattr(self.instance, "settings", None) or {}
        schema = settings_schema(chosen["transport"], chosen["family"], stored)
        return [setting for setting in schema.settings if setting.kind not in JSON_ONLY]

    def clean(self):
        cleaned = super().clean()
        settings = dict(cleaned.get("settings") or {})
        stored = (self.instance.settings or {}) if self.instance.pk else {}
        for setting in self.typed:
            value = cleaned.get(PREFIX + setting.key)
            if value in (None, ""):
                if setting.kind == Kind.SECRET and setting.key in stored:
                    settings.setdefault(setting.key, stored[setting.key])
                continue
            if setting.kind == Kind.FLOAT and float(value).is_integer():
                value = int(value)  # 10, as an operator writes it, not 10.0
            settings[setting.key] = value
        cleaned["settings"] = settings
        self.instance.settings = settings
        return cleaned
