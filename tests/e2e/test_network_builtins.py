"""Network builtins: the daemon refuses policies calling http.send / net.lookup_ip_addr with a
clear reason (and keeps serving the last good policy); providers.aws.sign_req, a pure function,
is accepted; `policyd eval` runs network builtins like `opa eval` unless told not to."""
import json
import subprocess

from conftest import BIN


def _drop(tmp, name, source):
    path = tmp / "bundles" / "example" / "behavry" / name
    path.write_text(source)
    return path


def test_daemon_refuses_network_builtins(daemon, tmp):
    daemon.engine_ready()
    cases = [
        ("http.send", 'package behavry.net_http\nimport rego.v1\np if { http.send({"method": "get", "url": "http://127.0.0.1:1"}) }\n',
         "makes decisions depend on remote HTTP servers"),
        ("net.lookup_ip_addr", 'package behavry.net_dns\nimport rego.v1\np if { net.lookup_ip_addr("localhost") }\n',
         "makes decisions depend on DNS"),
    ]
    with daemon.client() as c:
        for builtin, source, why in cases:
            path = _drop(tmp, "net.rego", source)
            assert c.reload()["status"] == "rejected"
            err = c.status()["bundles"]["example"]["last_error"]
            assert f"{builtin}: not allowed in the sidecar ({why})" in err, err
            assert c.decide({"tool": "fs.read"}).decision == "allow"  # last good policy still served
            path.unlink()


def test_daemon_accepts_aws_signing(daemon, tmp):
    daemon.engine_ready()
    _drop(tmp, "sign.rego", 'package behavry.sign\nimport rego.v1\n'
          'signed := providers.aws.sign_req({"method": "get", "url": "http://example.com"}, '
          '{"aws_access_key": "A", "aws_secret_access_key": "S", "aws_service": "s3", "aws_region": "us-east-1"}, 0)\n')
    manifest = tmp / "bundles" / "example" / ".manifest"
    if manifest.exists():
        manifest.write_text(manifest.read_text().replace("example-1", "example-2"))
    with daemon.client() as c:
        assert c.reload()["status"] == "ok"


def _eval(*args):
    p = subprocess.run([str(BIN), "eval", *args], capture_output=True, text=True, timeout=60)
    return json.loads(p.stdout)


def test_eval_runs_network_builtins_unless_denied():
    out = _eval("x := net.lookup_ip_addr(\"127.0.0.1\")")
    assert out["result"][0]["bindings"]["x"] == ["127.0.0.1"]
    out = _eval("--deny-network-builtins", "x := net.lookup_ip_addr(\"127.0.0.1\")")
    assert "not allowed in the sidecar (makes decisions depend on DNS)" in out["errors"][0]["message"]


def _serve_tls(tmp):
    """A local HTTPS server (self-signed certificate for 127.0.0.1) answering JSON."""
    import http.server
    import shutil
    import ssl
    import threading

    import pytest

    if not shutil.which("openssl"):
        pytest.skip("openssl CLI not installed")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"path": self.path}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, cert


def test_eval_http_send_https(tmp):
    server, cert = _serve_tls(tmp)
    try:
        url = f"https://127.0.0.1:{server.server_address[1]}/x?q=1"
        out = _eval(f'x := http.send({{"method": "get", "url": "{url}", "tls_ca_cert_file": "{cert}"}})')
        x = out["result"][0]["bindings"]["x"]
        assert x["status_code"] == 200 and x["body"] == {"path": "/x?q=1"}
        # Unknown authority: OPA's (Go's) wording.
        out = _eval(f'x := http.send({{"method": "get", "url": "{url}"}})')
        assert out["errors"][0]["message"] == (
            f'http.send: Get "{url}": tls: failed to verify certificate: x509: certificate signed by unknown authority')
        out = _eval(f'x := http.send({{"method": "get", "url": "{url}", "tls_insecure_skip_verify": true}}).status_code')
        assert out["result"][0]["bindings"]["x"] == 200
    finally:
        server.shutdown()
