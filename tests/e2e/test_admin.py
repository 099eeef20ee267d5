"""Admin operations are authorised by the peer's uid (SO_PEERCRED)."""
import os
import socket

import pytest

from conftest import frame, read_frame

NOBODY = 65534


def ask_as(uid: int, path: str, request: dict) -> dict:
    """Connects from a child process running as `uid` and returns the response."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setgid(uid)
            os.setuid(uid)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            s.sendall(frame(request))
            import json
            os.write(w, json.dumps(read_frame(s)).encode())
        except BaseException as e:  # noqa: BLE001
            os.write(w, json.dumps({"child_error": repr(e)}).encode())
        finally:
            os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.waitpid(pid, 0)
    import json
    return json.loads(data)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to connect as another uid")
def test_admin_ops_forbidden_for_other_uids(daemon):
    os.chmod(daemon.tmp, 0o755)  # mkdtemp makes it 0700
    os.chmod(daemon.sock_path, 0o666)
    for op in ["reload", "rollback"]:
        r = ask_as(NOBODY, daemon.sock_path, {"id": op, "op": op})
        assert r["id"] == op
        assert r["error"]["code"] == "forbidden"
    # Ordinary operations are open to them.
    assert ask_as(NOBODY, daemon.sock_path, {"id": 1, "op": "health"})["status"] in ("ok", "no_policy")
    log = daemon.log_text()
    assert "refused admin op reload" in log and f"POLICYD_PEER_UID={NOBODY}" in log


@pytest.mark.skipif(os.geteuid() != 0, reason="root peer")
def test_root_may_reload(daemon):
    with daemon.client() as c:
        r = c.reload()
        daemon.engine_ready()
        assert r["status"] == "ok" and r["bundles"] == {"example": "example-1"}
    assert "admin op reload" in daemon.log_text()


def test_rejected_drop_keeps_serving_degraded(daemon, tmp):
    daemon.engine_ready()
    bad = tmp / "bundles" / "example" / "broken.rego"
    bad.write_text("package broken\nthis is not rego (\n")
    with daemon.client() as c:
        assert c.reload()["status"] == "rejected"
        h = c.health()
        assert h["status"] == "degraded" and h["bundles"] == {"example": "example-1"}
        assert c.decide({"tool": "fs.read"}).decision == "allow"  # last good policy still served
        assert c.status()["bundles"]["example"]["last_error"]
        # A new valid drop (next revision) is activated and clears the degraded state.
        bad.unlink()
        manifest = tmp / "bundles" / "example" / ".manifest"
        manifest.write_text(manifest.read_text().replace("example-1", "example-2"))
        assert c.reload()["status"] == "ok"
        h = c.health()
        assert h["status"] == "ok" and h["bundles"] == {"example": "example-2"}
