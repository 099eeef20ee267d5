"""limits.idle_timeout_ms: a connection that sends nothing for that long is closed; one that
keeps talking, or whose responses are still being written, is not."""
import time

from conftest import BASE_CONFIG, Daemon, frame, read_frame

IDLE_MS = 600


def start(tmp):
    cfg = BASE_CONFIG.format(tmp=tmp, max_frame=1 << 20) + f"limits:\n  idle_timeout_ms: {IDLE_MS}\n"
    return Daemon(tmp, config_text=cfg).start()


def test_idle_connection_is_closed_busy_one_is_not(tmp):
    d = start(tmp)
    try:
        idle, busy = d.raw(), d.raw()
        for s in (idle, busy):
            s.sendall(frame({"id": 1, "op": "health"}))
            assert read_frame(s)["id"] == 1
        # The busy connection sends a request every 200 ms for 3 idle periods.
        deadline = time.monotonic() + 3 * IDLE_MS / 1000
        n = 1
        while time.monotonic() < deadline:
            time.sleep(0.2)
            n += 1
            busy.sendall(frame({"id": n, "op": "health"}))
            assert read_frame(busy)["id"] == n
        # The idle one was closed by the daemon (EOF, no frame).
        idle.settimeout(5)
        assert read_frame(idle) is None
        busy.close()
        # The daemon still serves new connections.
        s = d.raw()
        s.sendall(frame({"id": "after", "op": "health"}))
        assert read_frame(s)["id"] == "after"
    finally:
        d.close()


def test_connection_with_unread_responses_is_not_closed(tmp):
    """Requests in flight (answers the peer has not read yet) keep a connection open past the
    idle timeout; every answer arrives once the peer reads."""
    d = start(tmp)
    try:
        s = d.raw()
        n = 4000  # ~1 MB of answers: more than the socket buffers hold
        s.sendall(b"".join(frame({"id": i, "op": "health"}) for i in range(n)))
        time.sleep(3 * IDLE_MS / 1000)
        s.settimeout(10)
        got = [read_frame(s) for _ in range(n)]
        assert [r["id"] for r in got] == list(range(n))
        # Now it is idle: closed after the timeout.
        assert read_frame(s) is None
    finally:
        d.close()


def test_default_keeps_quiet_connections(daemon):
    s = daemon.raw()
    time.sleep(1.5)
    s.sendall(frame({"id": "late", "op": "health"}))
    assert read_frame(s)["id"] == "late"
