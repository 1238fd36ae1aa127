# Brazil: 03/12/2026 12:42 and 2.229,15 (Django's pt_BR gives the rest).
DATETIME_FORMAT = "d/m/Y H:i"
