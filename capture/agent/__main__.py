"""``python -m capture.agent [run|status|resend] --config FILE``: the same program as
``python -m smdr.agent`` (see :mod:`smdr.agent.__main__`)."""

import sys

from smdr.agent.__main__ import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m capture.agent"))
