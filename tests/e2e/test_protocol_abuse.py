"""Bad and hostile clients: the daemon answers what it can, closes what it must, and keeps
serving everyone else throughout."""
import socket
import struct
import threading
import time

from conftest import frame, read_frame


def assert_still_serving(daemon):
    with daemon.client() as c:
        r = c.request({"id": "probe", "op": "health"})
        assert r["id"] == "probe" and r["status"] in ("ok", "no_policy")
    assert daemon.proc.poll() is None


def test_invalid_json_keeps_connection_usable(daemon):
    s = daemon.raw()
    s.sendall(frame(b"{not json") + frame({"id": 2, "op": "health"}))
    e = read_frame(s)
    assert e["error"]["code"] == "bad_json" and e["id"] is None
    assert read_frame(s)["id"] == 2
    s.close()


def test_invalid_utf8_and_non_objects(daemon):
    s = daemon.raw()
    s.sendall(frame(b'{"id":1,"input":"\xff\xfe"}') + frame(b"[1,2]") + frame(b'"str"')
              + frame(b'{"id":{"x":1}}') + frame(b'{"id":5,"op":"fly"}') + frame(b'{"id":6,"op":7}'))
    codes = [read_frame(s)["error"]["code"] for _ in range(6)]
    assert codes == ["bad_json", "bad_request", "bad_request", "bad_request", "unknown_op", "bad_request"]
    s.close()
    assert_still_serving(daemon)


def test_deeply_nested_json_does_not_crash(daemon):
    s = daemon.raw()
    deep = b'{"id":1,"input":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    s.sendall(frame(deep))
    assert read_frame(s)["error"]["code"] == "bad_json"
    deep_obj = b'{"id":2,"input":' + b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"}"
    s.sendall(frame(deep_obj))
    assert read_frame(s)["error"]["code"] == "bad_json"
    s.sendall(frame({"id": 3, "op": "health"}))
    assert read_frame(s)["id"] == 3
    s.close()


def test_zero_length_frame_closes(daemon):
    s = daemon.raw()
    s.sendall(struct.pack(">I", 0) + frame({"id": 1, "op": "health"}))
    e = read_frame(s)
    assert e["error"]["code"] == "bad_request"
    assert read_frame(s) is None  # closed, the following frame was never answered
    assert_still_serving(daemon)


def test_oversized_frame_answered_and_closed_without_reading_body(daemon):
    s = daemon.raw()
    s.sendall(struct.pack(">I", (1 << 20) + 1))  # header only: the body is never sent
    e = read_frame(s)
    assert e["error"]["code"] == "frame_too_large"
    assert read_frame(s) is None
    s2 = daemon.raw()
    s2.sendall(struct.pack(">I", 0xFFFFFFFF) + b"x" * 1000)
    assert read_frame(s2)["error"]["code"] == "frame_too_large"
    s2.close()
    # Exactly max_frame_bytes is still accepted (as bad_json, since it is just spaces + garbage).
    s3 = daemon.raw()
    s3.sendall(frame(b"{" + b" " * ((1 << 20) - 1)))
    assert read_frame(s3)["error"]["code"] == "bad_json"
    s3.close()
    assert_still_serving(daemon)


def test_truncated_frame_then_disconnect(daemon):
    s = daemon.raw()
    s.sendall(struct.pack(">I", 100) + b'{"id":1')
    s.close()
    s = daemon.raw()
    s.sendall(b"\x00\x00")  # half a header
    s.close()
    assert_still_serving(daemon)


def test_silent_clients_do_not_block_others(daemon):
    idle = [daemon.raw() for _ in range(20)]
    partial = daemon.raw()
    partial.sendall(struct.pack(">I", 50) + b'{"id":')  # and then nothing
    t0 = time.monotonic()
    assert_still_serving(daemon)
    assert time.monotonic() - t0 < 2
    for s in idle + [partial]:
        s.close()


def test_client_disconnects_mid_response(daemon):
    # Many big responses requested, then the client vanishes without reading.
    for _ in range(5):
        s = daemon.raw()
        payload = b"".join(frame({"id": i, "op": "status"}) for i in range(2000))
        s.sendall(payload)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST on close
        s.close()
    assert_still_serving(daemon)


def test_hostile_clients_in_parallel_with_good_ones(daemon):
    errors = []

    def good():
        try:
            with daemon.client() as c:
                for i in range(200):
                    assert c.request({"id": i, "op": "health"})["id"] == i
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    def bad():
        for _ in range(30):
            s = daemon.raw()
            s.sendall(struct.pack(">I", 1 << 30))
            s.close()
            s = daemon.raw()
            s.sendall(frame(b"\xff\xff") + struct.pack(">I", 10))
            s.close()

    threads = [threading.Thread(target=good) for _ in range(4)] + [threading.Thread(target=bad) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert_still_serving(daemon)


def test_connection_limit_answers_overloaded(tmp):
    from conftest import BASE_CONFIG, Daemon
    cfg = BASE_CONFIG.format(tmp=tmp, max_frame=1 << 20) + "limits:\n  max_connections: 3\n"
    d = Daemon(tmp, config_text=cfg).start()  # the harness' first connection is one of the 3
    try:
        held = [d.raw(), d.raw()]
        for s in held:
            s.sendall(frame({"op": "health"}))
            assert read_frame(s)["status"] in ("ok", "no_policy")
        extra = d.raw()
        e = read_frame(extra)
        assert e["error"]["code"] == "overloaded"
        assert read_frame(extra) is None
        held[0].close()
        time.sleep(0.2)
        s = d.raw()
        s.sendall(frame({"id": 9, "op": "health"}))
        assert read_frame(s)["id"] == 9
    finally:
        d.close()
