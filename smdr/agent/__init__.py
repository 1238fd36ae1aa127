"""The remote capture agent: runs on a PC beside a PBX, spools every record durably
and uploads it to the centre's ingest API (``python -m smdr.agent --config FILE``).

It imports nothing from Django and needs only the standard library (and pyserial for
a serial port), so a site installs the package without the server's dependencies.
See docs/agent.md.
"""
