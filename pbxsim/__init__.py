"""Realistic PBX records, generated from a seed: one generator per PBX family.

Each generator takes ``count``, ``start``, ``end`` (aware), ``extensions``,
``time_zone`` and ``seed`` and yields records as the PBX prints them, without
framing. They feed the PBX simulator, the demo, the tests and the benchmarks.

:data:`GENERATORS` holds the families whose records any source of the family reads
with its default settings. The generic parser reads nothing without a column map, so
its generator is in :data:`GENERATORS_WITH_SETTINGS`, with the settings its records
need; :data:`ALL_GENERATORS` has both (the PBX simulator plays every one).
"""

from .alcatel_omnipcx import alcatel_omnipcx_records
from .asterisk_csv import asterisk_csv_records
from .avaya_cm import avaya_cm_records
from .avaya_ipoffice import ipoffice_records
from .cisco_cucm import cisco_cucm_records
from .ericsson_md110 import ericsson_md110_records
from .freeswitch_csv import freeswitch_csv_records
from .generic import EXAMPLE_SETTINGS, generic_records
from .grandstream_ucm import grandstream_ucm_records
from .mitel_5000 import mitel_5000_records
from .mitel_mivb import mitel_mivb_records
from .nec import nec_records
from .nec_neax import nec_neax_records
from .panasonic import panasonic_records
from .samsung_officeserv import samsung_officeserv_records
from .siemens_hipath import siemens_hipath_records
from .star_hash import star_hash_records
from .threecx import threecx_records
from .unify_openscape import unify_openscape_records
from .yeastar import yeastar_records

GENERATORS = {
    "mitel-5000": mitel_5000_records,
    "mitel-mivb": mitel_mivb_records,
    "avaya-ipoffice": ipoffice_records,
    "avaya-cm": avaya_cm_records,
    "siemens-hipath": siemens_hipath_records,
    "nec": nec_records,
    "panasonic": panasonic_records,
    "samsung-officeserv": samsung_officeserv_records,
    "asterisk-csv": asterisk_csv_records,
    "freeswitch-csv": freeswitch_csv_records,
    "cisco-cucm": cisco_cucm_records,
    "3cx": threecx_records,
    "ericsson-md110": ericsson_md110_records,
    "star-hash": star_hash_records,
    "nec-neax": nec_neax_records,
    "alcatel-omnipcx": alcatel_omnipcx_records,
    "unify-openscape": unify_openscape_records,
    "grandstream-ucm": grandstream_ucm_records,
    "yeastar": yeastar_records,
}
# Family -> (generator, the source settings its records need).
GENERATORS_WITH_SETTINGS = {"generic": (generic_records, EXAMPLE_SETTINGS)}
ALL_GENERATORS = GENERATORS | {
    family: generate for family, (generate, _) in GENERATORS_WITH_SETTINGS.items()
}


def source_settings(family: str) -> dict:
    """The settings a source of ``family`` needs to read its generator's records."""
    _, settings = GENERATORS_WITH_SETTINGS.get(family, (None, {}))
    return dict(settings)
