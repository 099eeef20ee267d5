"""systemd integration: socket activation, sd_notify sequence, reload, drain on SIGTERM,
watchdog, binding without activation, unit files."""
import os
import shutil
import signal
import socket
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import BIN, ROOT, Daemon, frame, read_frame


def test_notify_sequence_ready_status_reloading_stopping(tmp):
    d = Daemon(tmp).start()
    try:
        ready = d.wait_for("READY=1")
        assert any(l.startswith("STATUS=") for l in ready.split("\n"))
        with d.client() as c:
            c.decide({"tool": "fs.read"})
        d.signal(signal.SIGHUP)
        reloading = d.wait_for("RELOADING=1")
        assert any(l.startswith("MONOTONIC_USEC=") for l in reloading.split("\n"))
        # READY=1 again after the reload, with a fresh STATUS=.
        idx = d.messages.index(reloading)
        deadline = time.monotonic() + 10
        while not any("READY=1" in m.split("\n") for m in d.messages[idx + 1:]):
            assert time.monotonic() < deadline
            d.drain_notifications(0.2)
        rc, took = d.stop()
        d.wait_for("STOPPING=1")
        assert rc == 0 and took < 5
        kinds = []
        for m in d.messages:
            for line in m.split("\n"):
                if line in ("READY=1", "RELOADING=1", "STOPPING=1"):
                    kinds.append(line)
        assert kinds[:4] == ["READY=1", "RELOADING=1", "READY=1", "STOPPING=1"]
        status = [l for m in d.messages for l in m.split("\n") if l.startswith("STATUS=")]
        assert status and ("decisions" in status[-1])
    finally:
        d.close()


def test_status_line_tracks_decisions(tmp):
    d = Daemon(tmp).start()
    try:
        with d.client() as c:
            c.decide_batch([{"tool": "fs.read"}] * 7)
        deadline = time.monotonic() + 6
        while not any("7 decisions" in m for m in d.messages):
            assert time.monotonic() < deadline, d.messages
            d.drain_notifications(0.3)
    finally:
        d.close()


def test_watchdog_pings(tmp):
    d = Daemon(tmp, extra_env={"WATCHDOG_USEC": "400000"}).start()
    try:
        d.wait_for("WATCHDOG=1", 5)
        n = sum(m.count("WATCHDOG=1") for m in d.messages)
        time.sleep(1)
        d.drain_notifications(0.2)
        assert sum(m.count("WATCHDOG=1") for m in d.messages) > n
    finally:
        d.close()


def test_sigterm_drains_in_flight_requests(tmp):
    d = Daemon(tmp).start()
    try:
        s = d.raw()
        n = 5000
        s.sendall(b"".join(frame({"id": i, "op": "status"}) for i in range(n)))
        got = []
        first = read_frame(s)
        got.append(first["id"])
        rc_box = {}
        t = threading.Thread(target=lambda: rc_box.update(rc=d.stop()))
        t.start()
        while True:
            try:
                r = read_frame(s)
            except ConnectionResetError:
                # Requests the daemon had not read yet are dropped with the connection
                # (unix sockets report unread data at close as a reset).
                break
            if r is None:
                break
            got.append(r["id"])
        t.join(10)
        rc, took = rc_box["rc"]
        assert rc == 0 and took < 5, d.log_text()
        # Whatever was answered came whole and in order; nothing after the close.
        assert got == list(range(len(got)))
        assert "stopping on SIGTERM" in d.log_text()
    finally:
        d.close()


def test_bind_without_activation_mode_and_stale_socket(tmp):
    sock = tmp / "policyd.sock"
    # A stale socket file (nobody listening) is replaced.
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(sock))
    stale.close()
    d = Daemon(tmp, activate=False).start()
    try:
        assert stat.S_IMODE(os.stat(sock).st_mode) == 0o660
        with d.client() as c:
            assert c.health()["status"] in ("ok", "no_policy")
        # A second daemon must not steal a live socket.
        out = subprocess.run([str(BIN), "serve", "--config", str(d.config_path), "--socket", str(sock),
                              "--log-target", "stderr"], capture_output=True, text=True, timeout=30)
        assert out.returncode != 0
        assert "in use" in out.stderr
        with d.client() as c:
            assert c.health()["status"] in ("ok", "no_policy")
    finally:
        rc, _ = d.stop()
        assert rc == 0
        d.close()


def test_activated_socket_wins_over_socket_flag(tmp):
    d = Daemon(tmp, extra_args=["--socket", str(tmp / "flag.sock")]).start()
    try:
        assert not (tmp / "bound.sock").exists() and not (tmp / "flag.sock").exists()
        assert "socket-activated fd 3 (decisions)" in d.log_text()
    finally:
        d.close()


def test_unit_files_verify_cleanly(tmp):
    units = tmp / "units"
    units.mkdir()
    shutil.copy(ROOT / "systemd" / "policyd.socket", units)
    service = (ROOT / "systemd" / "policyd.service").read_text()
    assert "ExecStart=/usr/bin/policyd " in service
    (units / "policyd.service").write_text(service.replace("/usr/bin/policyd", str(BIN.resolve())))
    out = subprocess.run(["systemd-analyze", "verify", "--man=no", str(units / "policyd.socket"),
                          str(units / "policyd.service")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stderr == "", out.stderr
    for key in ["Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "WatchdogSec=", "StateDirectory=policyd",
                "NoNewPrivileges=yes", "ProtectSystem=strict", "RestrictAddressFamilies=AF_UNIX",
                "SystemCallFilter=@system-service", "MemoryDenyWriteExecute=yes"]:
        assert key in service
    assert not any(l.startswith("RuntimeDirectory=") for l in service.splitlines())
    # The reload thread's setpriority/sched_setscheduler must survive the @resources deny list:
    # systemd applies SystemCallFilter= lines in order, so the allow line comes after it.
    lines = service.splitlines()
    assert lines.index("SystemCallFilter=setpriority sched_setscheduler") > lines.index("SystemCallFilter=~@privileged @resources")
    sock = (ROOT / "systemd" / "policyd.socket").read_text()
    assert "ListenStream=/run/policyd/policyd.sock" in sock and "SocketMode=0660" in sock


def test_check_config(tmp):
    ok = subprocess.run([str(BIN), "check-config", str(ROOT / "config" / "policyd.yaml")], capture_output=True,
                        text=True)
    assert ok.returncode == 0, ok.stderr
    bad = tmp / "bad.yaml"
    bad.write_text("socket:\n  path: /x\n  colour: blue\nmax_frame_bytes: big\n")
    out = subprocess.run([str(BIN), "check-config", str(bad)], capture_output=True, text=True)
    assert out.returncode != 0
    assert "socket.colour (line 3): unknown key" in out.stderr
    assert "max_frame_bytes (line 4): expected an integer" in out.stderr
    h = subprocess.run([str(BIN), "--help"], capture_output=True, text=True)
    for sub in ["serve", "query", "check-config"]:
        assert sub in h.stdout


def test_sigterm_with_a_client_that_never_reads(tmp):
    d = Daemon(tmp).start()
    try:
        s = d.raw()
        s.setblocking(False)
        payload = b"".join(frame({"id": i, "op": "status"}) for i in range(20000))
        try:
            s.send(payload)  # as much as fits; the daemon soon stops reading this connection
        except BlockingIOError:
            pass
        time.sleep(0.5)
        rc, took = d.stop()
        assert rc == 0 and took < 5, (rc, took, d.log_text())
        s.close()
    finally:
        d.close()


def test_signals_right_after_start_are_handled(tmp):
    d = Daemon(tmp)
    d.start()
    try:
        # A burst of SIGHUPs: each is a reload, run one after the other; none kills the daemon.
        for _ in range(5):
            d.signal(signal.SIGHUP)
        d.wait_for("RELOADING=1")
        time.sleep(0.5)
        assert d.proc.poll() is None
        rc, took = d.stop()
        assert rc == 0 and took < 5
    finally:
        d.close()
