"""Pipelined batches and many parallel connections."""
import threading
import time

from conftest import frame, read_frame


def test_python_pipelined_batch_keeps_order(daemon):
    with daemon.client(timeout=60) as c:
        reqs = []
        for i in range(3000):
            if i % 3 == 0:
                reqs.append({"id": i, "op": "health"})
            elif i % 3 == 1:
                reqs.append({"id": i, "input": {"tool": "fs.read", "n": i}})
            else:
                reqs.append({"id": f"s{i}", "op": "status"})
        t0 = time.monotonic()
        rs = c.batch(reqs)
        elapsed = time.monotonic() - t0
        assert [r["id"] for r in rs] == [r["id"] for r in reqs]
        assert all("decision" in r for r in rs[1::3])
        print(f"3000 pipelined requests in {elapsed:.3f}s")


def test_swift_client_pipelined_batch(daemon):
    rs = daemon.query("--repeat", "500", "--input", '{"tool":"fs.read"}')
    assert [r["id"] for r in rs] == list(range(1, 501))
    assert len({r["decision_id"] for r in rs}) == 500


def test_pipelined_raw_bytes_in_one_write(daemon):
    s = daemon.raw()
    s.sendall(b"".join(frame({"id": i, "input": {}}) for i in range(500)))
    assert [read_frame(s)["id"] for _ in range(500)] == list(range(500))
    s.close()


def test_many_parallel_connections(daemon):
    n_conn, per_conn = 64, 100
    errors, done = [], []
    ids = set()
    lock = threading.Lock()

    def worker(k):
        try:
            with daemon.client(timeout=60) as c:
                rs = c.batch([{"id": f"{k}-{i}", "input": {"tool": "fs.read"}} for i in range(per_conn)])
                assert [r["id"] for r in rs] == [f"{k}-{i}" for i in range(per_conn)]
                with lock:
                    ids.update(r["decision_id"] for r in rs)
                done.append(k)
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_conn)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    elapsed = time.monotonic() - t0
    assert not errors, errors[:3]
    assert len(done) == n_conn
    assert len(ids) == n_conn * per_conn  # decision ids unique across threads
    print(f"{n_conn}x{per_conn} decisions over parallel connections in {elapsed:.3f}s")
    with daemon.client() as c:
        counters = c.status()["counters"]
        assert counters["decisions"] >= n_conn * per_conn


def test_half_close_gets_every_answer_then_eof(daemon):
    import socket as _s
    s = daemon.raw()
    s.sendall(b"".join(frame({"id": i, "input": {"tool": "fs.read"}}) for i in range(300)))
    s.shutdown(_s.SHUT_WR)  # "no more requests"
    assert [read_frame(s)["id"] for _ in range(300)] == list(range(300))
    assert read_frame(s) is None
    s.close()
