"""End-to-end harness: the real daemon binary, started under systemd-socket-activate, with a
datagram NOTIFY_SOCKET the tests read, talked to through the real socket."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("POLICYD_BIN", ROOT / ".build" / "debug" / "policyd"))
sys.path.insert(0, str(ROOT / "clients" / "python"))

from policyd_client import PolicyClient  # noqa: E402

BASE_CONFIG = """\
socket:
  path: {tmp}/bound.sock
state_dir: {tmp}/state
bundles:
  dir: {tmp}/bundles
  allow_unsigned: true
default_path: behavry/authz
entrypoints:
  behavry/authz:
    default: deny
    kinds: [tool_call]
  agentcy:
    default: allow
    kinds: [connector_call]
max_frame_bytes: {max_frame}
log:
  target: stderr
  level: info
  decisions: true
"""


class Daemon:
    """One policyd process. `start()` returns once READY=1 has been received."""

    def __init__(self, tmp: Path, *, max_frame: int = 1 << 20, extra_env: dict | None = None,
                 log_target: str = "stderr", activate: bool = True, config_text: str | None = None,
                 extra_args: list | None = None):
        self.tmp = tmp
        self.sock_path = str(tmp / "policyd.sock")
        self.notify_path = str(tmp / "notify.sock")
        self.config_path = tmp / "policyd.yaml"
        self.log_path = tmp / "daemon.log"
        self.extra_env = extra_env or {}
        self.log_target = log_target
        self.activate = activate
        self.extra_args = extra_args or []
        (tmp / "state").mkdir(exist_ok=True)
        if not (tmp / "bundles").exists():
            shutil.copytree(ROOT / "config" / "bundles", tmp / "bundles")
        self.config_path.write_text(config_text or BASE_CONFIG.format(tmp=tmp, max_frame=max_frame))
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.notify_path)
        self.messages: list[str] = []
        self.proc: subprocess.Popen | None = None
        self.first: socket.socket | None = None

    # lifecycle --------------------------------------------------------------------------
    def start(self, timeout: float = 30.0) -> "Daemon":
        serve = [str(BIN), "serve", "--config", str(self.config_path), "--log-target", self.log_target,
                 *self.extra_args]
        env_args = []
        for k, v in {"NOTIFY_SOCKET": self.notify_path, **self.extra_env}.items():
            env_args += ["-E", f"{k}={v}"]
        if self.activate:
            cmd = ["systemd-socket-activate", "-l", self.sock_path, "--fdname=decisions", *env_args, *serve]
            env = os.environ.copy()
        else:
            cmd = serve + ["--socket", self.sock_path]
            env = {**os.environ, "NOTIFY_SOCKET": self.notify_path, **self.extra_env}
        self.log = open(self.log_path, "wb")
        # Wall clock (µs) before the process exists: its journal entries are at or after it.
        self.started_realtime_us = time.time_ns() // 1000
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.sock_path):
            assert self.proc.poll() is None, self.log_text()
            assert time.monotonic() < deadline, "socket never appeared"
            time.sleep(0.02)
        if self.activate:
            # systemd-socket-activate execs the daemon only on the first connection.
            # The file appears at bind(), a moment before listen(): retry until accepted.
            while True:
                self.first = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    self.first.connect(self.sock_path)
                    break
                except ConnectionRefusedError:
                    self.first.close()
                    assert time.monotonic() < deadline, "socket never accepted"
                    time.sleep(0.02)
        self.wait_for("READY=1", timeout)
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_for(self, line: str, timeout: float = 10.0) -> str:
        """Reads notifications until one contains `line` (as one of its KEY=VALUE lines)."""
        deadline = time.monotonic() + timeout
        for m in self.messages:
            if line in m.split("\n"):
                return m
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {line!r} in {self.messages}\n{self.log_text()}")
            self.notify.settimeout(left)
            try:
                data = self.notify.recv(65536).decode()
            except socket.timeout:
                continue
            self.messages.append(data)
            if line in data.split("\n"):
                return data

    def drain_notifications(self, settle: float = 0.1) -> None:
        self.notify.settimeout(settle)
        try:
            while True:
                self.messages.append(self.notify.recv(65536).decode())
        except socket.timeout:
            pass

    def signal(self, sig: int) -> None:
        os.kill(self.pid, sig)

    def stop(self, timeout: float = 10.0) -> tuple[int, float]:
        """SIGTERM; returns (exit code, seconds taken)."""
        if self.proc.poll() is not None:
            return self.proc.returncode, 0.0
        t0 = time.monotonic()
        self.signal(signal.SIGTERM)
        rc = self.proc.wait(timeout)
        return rc, time.monotonic() - t0

    def close(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.first:
            self.first.close()
        self.notify.close()
        if hasattr(self, "log"):
            self.log.close()

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    # talking ----------------------------------------------------------------------------
    def client(self, timeout: float = 10.0) -> PolicyClient:
        return PolicyClient(self.sock_path, timeout=timeout).connect()

    def raw(self) -> socket.socket:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(self.sock_path)
        return s

    def engine_ready(self) -> bool:
        """Asserts the daemon serves a compiled policy (health "ok"). Tests call it before relying
        on real decisions, so a bundle that stopped compiling fails them instead of skipping."""
        with self.client() as c:
            status = c.health()["status"]
        assert status == "ok", f"daemon has no compiled policy (health {status}):\n{self.log_text()}"
        return True

    def query(self, *args: str) -> list[dict]:
        """Runs `policyd query` (the Swift PolicyClient) and returns the printed responses."""
        out = subprocess.run([str(BIN), "query", "--socket", self.sock_path, *args], capture_output=True,
                             text=True, timeout=60)
        assert out.returncode in (0, 2), out.stderr
        return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def read_frame(s: socket.socket) -> dict | None:
    """One response frame from a raw socket, or None at EOF."""
    buf = b""
    while len(buf) < 4:
        chunk = s.recv(4 - len(buf))
        if not chunk:
            return None
        buf += chunk
    (n,) = struct.unpack(">I", buf)
    body = b""
    while len(body) < n:
        chunk = s.recv(n - len(body))
        if not chunk:
            raise AssertionError("truncated response")
        body += chunk
    return json.loads(body)


def frame(obj) -> bytes:
    body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return struct.pack(">I", len(body)) + body


@pytest.fixture
def tmp():
    d = Path(tempfile.mkdtemp(prefix="policyd-e2e-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def daemon(tmp):
    d = Daemon(tmp).start()
    yield d
    d.close()
