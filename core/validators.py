"""Validators more than one app's models use."""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

currency_validator = RegexValidator(r"^[A-Z]{3}$", _("Use an ISO 4217 code such as ARS or USD."))
