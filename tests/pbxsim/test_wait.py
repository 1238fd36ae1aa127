"""``pbxsim.wait``: make run's wait for its simulated PBX."""

import socket

from pbxsim.wait import wait_for_port


def test_it_returns_once_a_port_listens_and_gives_up_after_its_time():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert wait_for_port(port, 5)
    assert not wait_for_port(port, 0.5)  # closed now: nobody listens
