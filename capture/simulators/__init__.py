"""Realistic PBX records, generated from a seed: one generator per PBX family.

Each generator takes ``count``, ``start``, ``end`` (aware), ``extensions``,
``time_zone`` and ``seed`` and yields records as the PBX prints them, without
framing. They feed the PBX simulator, the demo, the tests and the benchmarks.
"""

from .avaya_ipoffice import ipoffice_records
from .nec import nec_records
from .panasonic import panasonic_records
from .samsung_officeserv import samsung_officeserv_records

GENERATORS = {
    "avaya-ipoffice": ipoffice_records,
    "nec": nec_records,
    "panasonic": panasonic_records,
    "samsung-officeserv": samsung_officeserv_records,
}
