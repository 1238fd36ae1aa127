"""How many examples a property test tries: its own number, unless
``HYPOTHESIS_MAX_EXAMPLES`` asks for more (``HYPOTHESIS_MAX_EXAMPLES=5000`` for a long
hunt). A test's explicit ``max_examples`` wins over any profile, hence this."""

import os


def examples(default: int) -> int:
    return int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES") or default)
