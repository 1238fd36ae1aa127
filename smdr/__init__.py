"""Everything about reading a PBX that needs no server: framers, transports, the capture
loop, the parsers (one module per family under :mod:`smdr.parsers`) and the remote agent
(``python -m smdr.agent``).

It imports nothing from Django nor from the server's apps, and needs only the standard
library and pyserial, so a remote site installs it alone (``agent/pyproject.toml``); the
server imports it like any library.
"""
