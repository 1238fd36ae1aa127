"""Rate plans. Tariffs (destinations, rates, time bands) arrive with the rating issue."""

from django.core.validators import RegexValidator
from django.db import models

currency_validator = RegexValidator(r"^[A-Z]{3}$", "Use an ISO 4217 code such as ARS or USD.")


class RatePlan(models.Model):
    """A carrier contract's price list; sites and prepaid accounts are priced by one."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    currency = models.CharField(
        max_length=3, validators=[currency_validator], help_text="ISO 4217 code, e.g. ARS."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
