# Argentina, as Córdoba writes it: 3/12/2026 12:42 and 2.229,15 (Django's es_AR gives
# the rest). Only what differs from Django's module is here.
SHORT_DATE_FORMAT = "j/n/Y"
SHORT_DATETIME_FORMAT = "j/n/Y H:i"
DATETIME_FORMAT = "j/n/Y H:i"
# "diciembre de 2026", as Spanish writes a month (Django's es_AR has "diciembre 2026").
YEAR_MONTH_FORMAT = r"F \d\e Y"
