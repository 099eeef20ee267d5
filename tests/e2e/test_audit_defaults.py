"""Audit-trail defaults and `make run`: the decision log is on by default at
<state_dir>/decisions.jsonl, `policyd log tail -f` follows it across rotation without losing
entries, and the development config (config/policyd.dev.yaml, what `make run` serves) serves the
example packs."""
import json
import os
import signal
import subprocess
import time

from conftest import BIN, ROOT


def test_decision_log_is_on_by_default_in_the_state_dir(daemon, tmp):
    # conftest's config has no decision_log section at all.
    assert "decision_log" not in daemon.config_path.read_text()
    daemon.engine_ready()
    with daemon.client() as c:
        ids = [c.decide({"tool": t}).decision_id for t in ("fs.read", "shell.exec")]
    rc, _ = daemon.stop()
    assert rc == 0
    lines = (tmp / "state" / "decisions.jsonl").read_text().splitlines()
    assert [json.loads(l)["decision_id"] for l in lines] == ids
    out = subprocess.run([str(BIN), "log", "show", ids[1], "--config", str(daemon.config_path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and json.loads(out.stdout)["decision"] == "deny"
    out = subprocess.run([str(BIN), "log", "show", "01NOSUCHDECISION", "--config", str(daemon.config_path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "no decision 01NOSUCHDECISION" in out.stderr
    out = subprocess.run([str(BIN), "log", "tail", "-n", "5", "--summary", "--config", str(daemon.config_path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.splitlines()[-1].startswith(ids[1] + " ")
    assert "deny behavry/authz — shell.exec is never allowed" in out.stdout


def line(i):
    return json.dumps({"decision_id": f"01KAQ{i:021d}", "timestamp": "2026-11-22T10:00:00Z",
                       "path": "behavry/authz", "decision": "allow", "reasons": []})


class Lines:
    """Lines of a process's stdout read with a deadline (a lost entry must fail the test, not
    hang it); unbuffered, so select() sees every byte that has arrived."""

    def __init__(self, p):
        self.fd, self.buf = p.stdout.fileno(), b""

    def read(self, n, timeout=10.0):
        import select
        deadline = time.monotonic() + timeout
        while self.buf.count(b"\n") < n and time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
            if ready:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    break
                self.buf += chunk
        lines = self.buf.split(b"\n")
        got, self.buf = lines[:n], b"\n".join(lines[n:])
        return [l.decode() for l in got if l]


def test_log_tail_follows_across_rotation(tmp):
    log = tmp / "decisions.jsonl"
    log.write_text(line(0) + "\n")
    p = subprocess.Popen([str(BIN), "log", "tail", "-f", "-n", "1", "--log", str(log)],
                         stdout=subprocess.PIPE)
    out = Lines(p)
    try:
        assert out.read(1) == [line(0)]
        # Entries appended, then rotated away at once (no poll in between), then a new live file:
        # what was written before the rotation must still be printed, in order.
        with open(log, "a") as f:
            f.write(line(1) + "\n" + line(2) + "\n")
        os.rename(log, str(log) + ".1")
        log.write_text(line(3) + "\n")
        assert out.read(3) == [line(1), line(2), line(3)]
        with open(log, "a") as f:
            f.write(line(4) + "\n")
        assert out.read(1) == [line(4)]
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(10)


def test_make_run_config_serves_the_example_packs(tmp):
    # `make run` = release build + `policyd serve --config config/policyd.dev.yaml` from the
    # repository root; the config's paths are relative, so run it from a directory that has the
    # repository's config/ (a symlink) and gets its own run/.
    (tmp / "config").symlink_to(ROOT / "config")
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID")}
    p = subprocess.Popen([str(BIN), "serve", "--config", "config/policyd.dev.yaml"], cwd=tmp, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        sock = tmp / "run" / "policyd.sock"
        deadline = time.monotonic() + 60
        from policyd_client import PolicyClient
        while True:
            assert p.poll() is None, p.stderr.read()
            if sock.exists():
                try:
                    with PolicyClient(str(sock), timeout=10).connect() as c:
                        if c.health()["status"] == "ok":
                            break
                except OSError:
                    pass
            assert time.monotonic() < deadline, "dev daemon never became healthy"
            time.sleep(0.1)
        with PolicyClient(str(sock), timeout=10).connect() as c:
            assert set(c.status()["bundles"]) == {"behavry", "agentcy", "agent-safety"}
            b = c.request({"kind": "tool_call", "input": {"agent": {"id": "a", "role": "admin"}, "action": "write",
                                                          "resource": {"path": "/prod/db.yaml"}}})
            assert b["decision"] == "deny" and b["path"] == "behavry/authz"
            a = c.request({"kind": "agentcy_request", "input": {"user": {"id": "u", "role": "member"},
                                                                "request_id": "r", "tool": {"name": "git.push"}}})
            assert a["decision"] == "escalate" and a["path"] == "agentcy/main"
            s = c.request({"kind": "agent_tool_call", "input": {"tool": "read", "path": "/repo/.env"}})
            assert s["decision"] == "deny" and s["path"] == "safety/baseline"
            # The prefix entrypoint, deny-list style by the agentcy manifest's declaration.
            d = c.request({"path": "agentcy", "input": {"user": {"id": "u", "role": "member"}, "request_id": "r",
                                                        "tool": {"name": "fs.read"}}})
            assert d["decision"] == "allow"
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(30) == 0
    entries = (tmp / "run" / "state" / "decisions.jsonl").read_text().splitlines()
    assert len(entries) == 4
