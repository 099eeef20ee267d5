"""policyd client (Python standard library only).

    from policyd_client import PolicyClient
    with PolicyClient("/run/policyd/policyd.sock") as c:
        d = c.decide({"tool": "fs.read", "args": {"path": "/tmp/x"}})
        if d.decision != "allow": ...

Frames are a 4-byte big-endian length followed by one UTF-8 JSON object (docs/protocol.md).
Responses arrive in request order, so `batch` pipelines many requests on one connection.
"""
from __future__ import annotations

import json
import socket
import struct
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable

__all__ = [
    "PolicyClient", "Decision", "PolicydError", "ConnectError", "TimeoutError_",
    "ConnectionClosed", "BadResponse", "ServerError", "encode_frame",
]

MAX_RESPONSE_BYTES = 64 << 20


class PolicydError(Exception):
    """Base class of every error this client raises."""


class ConnectError(PolicydError):
    """The socket could not be reached."""


class TimeoutError_(PolicydError):
    """No response within the timeout (the connection is dropped and re-opened on next use)."""


class ConnectionClosed(PolicydError):
    """The daemon closed the connection before answering."""


class BadResponse(PolicydError):
    """The daemon's bytes were not a valid frame/JSON object."""


class ServerError(PolicydError):
    """The daemon answered with {"error": {"code", "message"}}."""

    def __init__(self, code: str, message: str, response: dict):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.response = response


@dataclass
class Decision:
    decision: str
    reasons: list = field(default_factory=list)
    decision_id: str = ""
    bundles: dict = field(default_factory=dict)
    path: str = ""
    eval_ns: int = 0
    rules: list = field(default_factory=list)
    error: str | None = None
    raw: dict = field(default_factory=dict)

    @classmethod
    def from_response(cls, r: dict) -> "Decision":
        if r.get("decision") not in ("allow", "deny", "escalate"):
            raise BadResponse(f"not a decision: {r!r}")
        return cls(decision=r["decision"], reasons=r.get("reasons", []), decision_id=r.get("decision_id", ""),
                   bundles=r.get("bundles", {}), path=r.get("path", ""), eval_ns=r.get("eval_ns", 0),
                   rules=r.get("rules", []), error=r.get("error"), raw=r)

    @property
    def allowed(self) -> bool:
        return self.decision == "allow"


def encode_frame(obj_or_bytes: Any) -> bytes:
    body = obj_or_bytes if isinstance(obj_or_bytes, (bytes, bytearray)) else \
        json.dumps(obj_or_bytes, separators=(",", ":")).encode()
    return struct.pack(">I", len(body)) + bytes(body)


class PolicyClient:
    def __init__(self, socket_path: str, timeout: float = 5.0):
        self.socket_path = socket_path
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._buf = b""
        self._next_id = 0

    # connection management -------------------------------------------------------------
    def connect(self) -> "PolicyClient":
        if self._sock is None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(self.timeout)
            try:
                s.connect(self.socket_path)
            except OSError as e:
                s.close()
                raise ConnectError(f"{self.socket_path}: {e}") from e
            self._sock, self._buf = s, b""
        return self

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock, self._buf = None, b""

    def __enter__(self) -> "PolicyClient":
        return self.connect()

    def __exit__(self, *exc) -> None:
        self.close()

    # raw requests ----------------------------------------------------------------------
    def batch(self, requests: Iterable[dict]) -> list[dict]:
        """Sends every request before reading any response (pipelining); returns responses
        in order. Error responses are returned, not raised."""
        requests = list(requests)
        self.connect()
        payload = b"".join(encode_frame(r) for r in requests)
        # Send from a second thread while this one reads: the daemon stops reading a connection
        # whose responses are not being consumed, so writing everything first could deadlock.
        send_error: list = []

        def send() -> None:
            try:
                self._sock.sendall(payload)
            except OSError as e:
                send_error.append(e)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        try:
            out = [self._read_response() for _ in requests]
            sender.join(self.timeout)
            return out
        except socket.timeout as e:
            self.close()
            raise TimeoutError_(f"no response within {self.timeout}s") from e
        except (BrokenPipeError, ConnectionResetError) as e:
            self.close()
            raise ConnectionClosed(str(e)) from e
        except PolicydError:
            self.close()
            raise

    def request(self, req: dict) -> dict:
        """One request; reconnects once if the previous connection was dropped."""
        try:
            return self.batch([req])[0]
        except ConnectionClosed:
            return self.batch([req])[0]

    def _read_exact(self, n: int) -> bytes:
        while len(self._buf) < n:
            chunk = self._sock.recv(max(65536, n - len(self._buf)))
            if not chunk:
                raise ConnectionClosed("connection closed by policyd")
            self._buf += chunk
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def _read_response(self) -> dict:
        (n,) = struct.unpack(">I", self._read_exact(4))
        if n == 0 or n > MAX_RESPONSE_BYTES:
            raise BadResponse(f"invalid frame length {n}")
        try:
            obj = json.loads(self._read_exact(n).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise BadResponse(str(e)) from e
        if not isinstance(obj, dict):
            raise BadResponse("response is not a JSON object")
        return obj

    @staticmethod
    def _check(r: dict) -> dict:
        if isinstance(r.get("error"), dict):
            e = r["error"]
            raise ServerError(e.get("code", "unknown"), e.get("message", ""), r)
        return r

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    # typed calls -----------------------------------------------------------------------
    def decide(self, input: Any, path: str | None = None, kind: str | None = None) -> Decision:
        req = {"id": self._id(), "op": "decide", "input": input}
        if path is not None:
            req["path"] = path
        if kind is not None:
            req["kind"] = kind
        return Decision.from_response(self._check(self.request(req)))

    def decide_batch(self, inputs: Iterable[Any], path: str | None = None) -> list[Decision]:
        reqs = []
        for i in inputs:
            r = {"id": self._id(), "op": "decide", "input": i}
            if path is not None:
                r["path"] = path
            reqs.append(r)
        return [Decision.from_response(self._check(r)) for r in self.batch(reqs)]

    def eval(self, path: str, input: Any = None) -> Any:
        req = {"id": self._id(), "op": "eval", "path": path}
        if input is not None:
            req["input"] = input
        return self._check(self.request(req)).get("result")

    def health(self) -> dict:
        return self._check(self.request({"id": self._id(), "op": "health"}))

    def status(self) -> dict:
        return self._check(self.request({"id": self._id(), "op": "status"}))

    def reload(self) -> dict:
        return self._check(self.request({"id": self._id(), "op": "reload"}))

    def rollback(self) -> dict:
        return self._check(self.request({"id": self._id(), "op": "rollback"}))

    def test(self, candidate: str | None = None, unsigned: bool = False, bundle: str | None = None) -> dict:
        """The `test` admin op: runs a candidate bundle's (an absolute path to a .tar.gz or a
        directory, verified like a drop) or the drops' own tests and case files. Answers
        {"passed", "results", "errors", "summary", "bundles"}; a candidate that fails
        verification raises ServerError("bundle_rejected") (its `response` has stage/reason)."""
        req: dict = {"id": self._id(), "op": "test"}
        if candidate is not None:
            req["candidate"] = candidate
        if unsigned:
            req["unsigned"] = True
        if bundle is not None:
            req["bundle"] = bundle
        return self._check(self.request(req))
