"""Decisions through the socket, from the Python client and the Swift client (policyd query)."""
import pytest

from policyd_client import ServerError

# (input, path or None, expected decision, expected reasons, expected rules)
CASES = [
    ({"tool": "fs.read", "args": {"path": "/etc/hosts"}}, None, "allow", [], ["behavry.authz.allow"]),
    ({"tool": "shell.exec"}, None, "deny", ["shell.exec is never allowed"], ["behavry.authz.deny"]),
    ({"tool": "fs.write", "args": {"path": "/etc/passwd"}}, None, "escalate",
     ["write outside /tmp needs approval: /etc/passwd"], ["behavry.authz.escalate"]),
    ({"tool": "fs.write", "args": {"path": "/tmp/x"}}, None, "allow", [], ["behavry.authz.allow"]),
    ({"tool": "http.fetch", "args": {"host": "evil.example"}}, None, "deny",
     ["host evil.example is not on the allow list"], ["behavry.authz.network.deny"]),
    ({"tool": "unknown.tool"}, None, "deny", ["no rule allowed this request"], []),
    ({"connector": "slack"}, "agentcy", "allow", [], []),
    ({"connector": "legacy-crm"}, "agentcy", "deny", ["connector disabled"], ["agentcy.connectors.deny"]),
]


def test_response_shape_and_id_echo(daemon):
    with daemon.client() as c:
        for rid in ["abc", 17, 2.5, True, None]:
            r = c.request({"id": rid, "input": {"tool": "fs.read"}})
            assert r["id"] == rid
            assert r["decision"] in ("allow", "deny", "escalate")
            assert set(r) >= {"id", "decision", "reasons", "decision_id", "bundles", "path", "eval_ns", "rules"}
            assert r["path"] == "behavry/authz"
            assert r["reasons"] == sorted(r["reasons"])


def test_decides_with_the_example_bundle(daemon):
    # (Failing closed without any policy is covered by ResponderTests.)
    daemon.engine_ready()
    with daemon.client() as c:
        d = c.decide({"tool": "fs.read"})
        assert d.decision == "allow" and d.error is None
        assert d.bundles == {"example": "example-1"}


@pytest.mark.parametrize("inp,path,decision,reasons,rules", CASES)
def test_real_decisions_python(daemon, inp, path, decision, reasons, rules):
    daemon.engine_ready()
    with daemon.client() as c:
        d = c.decide(inp, path=path)
        assert (d.decision, d.reasons, d.rules, d.error) == (decision, reasons, rules, None)
        assert d.bundles == {"example": "example-1"}
        assert d.eval_ns > 0


def test_real_decisions_swift_client(daemon):
    daemon.engine_ready()
    import json
    for inp, path, decision, reasons, rules in CASES:
        args = ["--input", json.dumps(inp)] + (["--path", path] if path else [])
        (r,) = daemon.query(*args)
        assert (r["decision"], r["reasons"], r["rules"]) == (decision, reasons, rules)


def test_kind_routes_to_entrypoint(daemon):
    with daemon.client() as c:
        assert c.decide({"connector": "x"}, kind="connector_call").path == "agentcy"
        assert c.decide({"tool": "x"}, kind="tool_call").path == "behavry/authz"
        daemon.engine_ready()
        assert c.decide({"connector": "slack"}, kind="connector_call").decision == "allow"


def test_swift_client_query_health_status(daemon):
    (h,) = daemon.query("--op", "health")
    assert h["status"] == "ok"
    (s,) = daemon.query("--op", "status")
    assert "example" in s["bundles"]
    assert s["counters"]["connections_total"] >= 1
    (d,) = daemon.query("--input", '{"tool":"shell.exec"}')
    assert d["decision"] == "deny"


def test_eval_returns_raw_document(daemon):
    with daemon.client() as c:
        daemon.engine_ready()
        assert c.eval("behavry/config")["forbidden_tools"] == ["shell.exec", "process.kill"]
        assert c.eval("behavry/authz", {"tool": "shell.exec"})["deny"] == ["shell.exec is never allowed"]
        assert c.eval("no/such/package") is None


def test_undefined_entrypoint_fails_closed(daemon):
    daemon.engine_ready()
    with daemon.client() as c:
        d = c.decide({"tool": "fs.read"}, path="no/such/package")
        assert d.decision == "deny" and d.error == "undefined"
