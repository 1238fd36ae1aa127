"""``python -m pbxsim.wait PORT [SECONDS]``: wait until something listens on
127.0.0.1:PORT (at most SECONDS, default 30), so that ``make run`` starts the capture
once its simulated PBX is up rather than beginning the demo with a source in error."""

import socket
import sys
import time


def wait_for_port(port: int, seconds: float = 30.0) -> bool:
    """Whether 127.0.0.1:``port`` accepted a connection within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


if __name__ == "__main__":
    port, seconds = int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    if not wait_for_port(port, seconds):
        print(f"nothing listens on 127.0.0.1:{port} after {seconds:g} s", file=sys.stderr)
