"""journald logging: a standalone systemd-journald, the daemon's entries read back with
journalctl -o json, with their fields."""
import json
import os
import socket
import subprocess
import time

import pytest

from conftest import Daemon

JOURNALD = "/lib/systemd/systemd-journald"
JOURNAL_SOCKET = "/run/systemd/journal/socket"

IDS = {
    "started": "e6599a895f124b5ea1392ec2040fe609",
    "stopping": "94915cc16e9a48e391fa9fc323334139",
    "activated": "05fae12878f147fbbd300a92247ff308",
    "rejected": "97dc5e734bcd48e3a862bcdf01db1eea",
    "decision": "c97aaeaea96f478ca97fa6e3d25ee906",
    "protocol": "cadaacfb868e48a1abf83d9929c8b7ee",
}


def journal_accepts() -> bool:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.sendto(b"MESSAGE=policyd e2e probe\nPRIORITY=7\n", JOURNAL_SOCKET)
        return True
    except OSError:
        return False
    finally:
        s.close()


@pytest.fixture(scope="module")
def journald():
    if not os.path.exists(JOURNALD) or os.geteuid() != 0:
        pytest.skip("needs root and systemd-journald")
    proc = None
    if not journal_accepts():
        proc = subprocess.Popen([JOURNALD], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not journal_accepts():
            assert time.monotonic() < deadline, "journald did not come up"
            time.sleep(0.05)
    yield
    if proc is not None:
        proc.terminate()
        proc.wait(10)


def entries(d: Daemon) -> list[dict]:
    """The daemon's journal entries. By _PID and from its start on: the journal outlives test
    runs and PIDs wrap (pid_max is 32768 here), so an earlier process may have had this PID."""
    subprocess.run(["journalctl", "--sync"], check=False, capture_output=True, timeout=30)
    out = subprocess.run(["journalctl", "-o", "json", "--no-pager", f"_PID={d.pid}"], capture_output=True,
                         text=True, timeout=30)
    es = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
    return [e for e in es if int(e.get("__REALTIME_TIMESTAMP", "0")) >= d.started_realtime_us]


def test_entries_with_fields(journald, tmp):
    d = Daemon(tmp, log_target="journal").start()
    try:
        d.engine_ready()
        with d.client() as c:
            dec = c.decide({"tool": "fs.read"})
            c.request({"op": "nope"})
        rc, _ = d.stop()
        assert rc == 0
        deadline = time.monotonic() + 10
        while True:
            es = entries(d)
            by_id = {}
            for e in es:
                by_id.setdefault(e.get("MESSAGE_ID"), []).append(e)
            if IDS["stopping"] in by_id or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        for kind in ["started", "decision", "stopping"]:
            assert IDS[kind] in by_id, (kind, es)
        for e in es:
            assert e["SYSLOG_IDENTIFIER"] == "policyd"
            assert e["PRIORITY"] in list("01234567")
            assert e["CODE_FILE"].startswith("policyd/") and e["CODE_LINE"].isdigit() and e["CODE_FUNC"]
        d_entry = by_id[IDS["decision"]][0]
        assert d_entry["POLICYD_DECISION_ID"] == dec.decision_id
        assert d_entry["POLICYD_RESULT"] == dec.decision
        assert d_entry["POLICYD_PEER_UID"] == str(os.getuid())
        assert int(d_entry["POLICYD_PEER_PID"]) > 0
        assert "POLICYD_LATENCY_US" in d_entry and "POLICYD_REVISION" in d_entry
        assert by_id[IDS["started"]][0]["PRIORITY"] == "5"
        bundle_event = by_id[IDS["activated"]][0]
        assert bundle_event["POLICYD_BUNDLE"] == "example" and bundle_event["POLICYD_REVISION"] == "example-1"
        # No journal → nothing went to stderr except what the journal refused.
        assert "policyd started" not in d.log_text()
    finally:
        d.close()


def test_stderr_target_is_readable(tmp):
    d = Daemon(tmp, log_target="stderr").start()
    try:
        d.stop()
        text = d.log_text()
        assert "policyd started on activated socket" in text
        assert "stopping on SIGTERM" in text
    finally:
        d.close()
