"""Free TCP ports for the servers tests and benchmarks start (standard library only, no side
effects, so that bench/ can use it without the test harness).

A port is chosen at random outside the kernel's ephemeral range: a port from the kernel's own
choice (bind to port 0) lies in that range, so any outgoing connection made before the server
binds it (another server of the same test dialling its peers, or a test running beside this one)
could take it, and the server then fails with "address in use". One process is never handed the
same port twice. Two processes choosing the same port at the same moment is the race left
(1 in ~20 000)."""

import random
import socket

_handed_out = set()
_random = random.SystemRandom()  # not the module's generator, which a test may seed


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
        return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


def free_port(host="127.0.0.1"):
    """A TCP port free right now on host, for a server started next (see the module's doc).
    Raises OSError when none is found."""
    lo, hi = _ephemeral_range()
    first, last = (10000, lo - 1) if lo > 12000 else (hi + 1, 65535)
    for _ in range(500):
        port = _random.randint(first, last)
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise OSError("no free TCP port on %s in %d-%d" % (host, first, last))
