"""Validators more than one app's models use."""

from django.core.validators import RegexValidator

currency_validator = RegexValidator(r"^[A-Z]{3}$", "Use an ISO 4217 code such as ARS or USD.")
