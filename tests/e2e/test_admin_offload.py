"""Slow admin ops (`test`, `reload`, `rollback`) run off the event loops: a `test` of a candidate
whose Rego test takes about a second must not stall decisions on other connections sharing the
loop (the daemon runs with ONE event loop thread here, so every connection shares it), while on
its own connection the frames pipelined behind it are still answered after it, in order, and a
SIGTERM drain still answers it before exiting."""
import os
import select
import signal
import time

import pytest

from conftest import BASE_CONFIG, Daemon, frame, read_frame

# A test rule that does a lot of work (about a second in a debug build).
SLOW_TEST = """\
package slow

test_busy if {
	n := count([x | some x in numbers.range(1, 150000); x % 7 == 0])
	n > 0
}
"""


@pytest.fixture
def one_loop(tmp):
    config = BASE_CONFIG.format(tmp=tmp, max_frame=1 << 20) + f"threads: 1\nadmin_uids: [{os.geteuid()}]\n"
    cand = tmp / "slow-candidate"
    (cand / "slow").mkdir(parents=True)
    (cand / "slow" / "slow_test.rego").write_text(SLOW_TEST)
    d = Daemon(tmp, config_text=config).start()
    assert d.engine_ready()
    yield d, {"op": "test", "candidate": str(cand), "unsigned": True}
    d.close()


def readable(s) -> bool:
    return bool(select.select([s], [], [], 0)[0])


def test_decisions_on_other_connections_are_answered_during_a_slow_test(one_loop):
    d, test_op = one_loop
    admin, agent = d.raw(), d.raw()
    admin.settimeout(120)
    # The admin pipelines a decision and a health check behind its test.
    t0 = time.monotonic()
    admin.sendall(frame({"id": "t", **test_op}) + frame({"id": "d", "input": {"tool": "fs.read"}})
                  + frame({"id": "h", "op": "health"}))
    # Decisions on the agent's connection (same event loop) while the admin's answer is pending.
    answered, latencies = 0, []
    while not readable(admin):
        s = time.monotonic()
        agent.sendall(frame({"id": answered, "input": {"tool": "fs.read"}}))
        r = read_frame(agent)
        latencies.append(time.monotonic() - s)
        assert r["id"] == answered and r["decision"] in ("allow", "deny", "escalate"), r
        if readable(admin):
            break  # answered after the test finished: not counted
        answered += 1
    first = read_frame(admin)
    test_s = time.monotonic() - t0
    rest = [read_frame(admin), read_frame(admin)]
    print(f"test op {test_s:.3f}s; {answered} decisions on another connection meanwhile, "
          f"max latency {max(latencies) * 1000:.1f} ms")
    # In order on the admin's connection: the test's answer, then the decision, then health.
    assert first["id"] == "t" and first["passed"] is True, first
    assert first["summary"]["pass"] == 1, first
    assert [r["id"] for r in rest] == ["d", "h"]
    assert "decision" in rest[0] and rest[1]["status"] == "ok"
    # With the test on the event loop, the agent's first decision waits for the whole test
    # (and is answered after it): none would count.
    assert answered >= 3, f"only {answered} decisions answered during the test op ({test_s:.3f}s)"
    admin.close()
    agent.close()


def test_pipelined_admin_ops_keep_order(one_loop):
    d, test_op = one_loop
    s = d.raw()
    s.settimeout(120)
    reqs = [{"id": 1, "input": {}}, {"id": 2, **test_op}, {"id": 3, "input": {}}, {"id": 4, "op": "reload"},
            {"id": 5, "op": "health"}, {"id": 6, "op": "nope"}, {"id": 7, **test_op}, {"id": 8, "input": {}}]
    s.sendall(b"".join(frame(r) for r in reqs))
    rs = [read_frame(s) for _ in reqs]
    assert [r["id"] for r in rs] == [r["id"] for r in reqs]
    assert rs[1]["passed"] is True and rs[6]["passed"] is True
    assert rs[3]["status"] == "ok" and rs[5]["error"]["code"] == "unknown_op"
    assert all("decision" in rs[i] for i in (0, 2, 7))
    s.close()


def test_sigterm_drain_answers_the_admin_op_in_flight(one_loop):
    d, test_op = one_loop
    s = d.raw()
    s.settimeout(60)
    s.sendall(frame({"id": "t", **test_op}) + frame({"id": "d", "input": {}}))
    time.sleep(0.2)  # the test op is running
    d.signal(signal.SIGTERM)
    first, second = read_frame(s), read_frame(s)
    assert first["id"] == "t" and first["passed"] is True, first
    assert second["id"] == "d" and "decision" in second
    assert read_frame(s) is None  # then closed
    assert d.proc.wait(30) == 0
    s.close()
