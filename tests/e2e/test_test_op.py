"""The `test` admin op over the socket for a candidate bundle: a real signed tarball (built and
signed with `policyd bundle build`), verified exactly like a drop with the daemon's keys, then
its Rego tests and case files run; a bad signature is a clear `bundle_rejected` error."""
import io
import os
import shutil
import subprocess
import tarfile

import pytest

from conftest import BIN, ROOT, Daemon
from policyd_client import ServerError

CONFIG = """\
state_dir: {tmp}/state
bundles:
  dir: {tmp}/bundles
  signing: {{keyid: ci}}
keys:
  ci: {{algorithm: ES256, key_file: {tmp}/keys/ci.pub.pem}}
admin_uids: [{uid}]
default_path: behavry/authz
log:
  target: stderr
  level: info
"""


def run(*args):
    out = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def keypair(dir, name):
    dir.mkdir(exist_ok=True)
    key, pub = dir / f"{name}.pem", dir / f"{name}.pub.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-out", str(key)], check=True, capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", str(key), "-pubout", "-out", str(pub)], check=True, capture_output=True)
    return key


def build(src, out, key):
    run("bundle", "build", src, "--output", out, "--signing-key", key, "--signing-alg", "ES256", "--keyid", "ci")
    return out


@pytest.fixture
def signed(tmp):
    key = keypair(tmp / "keys", "ci")
    other = keypair(tmp / "keys", "other")
    (tmp / "bundles").mkdir()
    build(ROOT / "config" / "examples" / "behavry", tmp / "bundles" / "behavry.tar.gz", key)
    d = Daemon(tmp, config_text=CONFIG.format(tmp=tmp, uid=os.geteuid())).start()
    yield d, key, other
    d.close()


def ask(d, req):
    with d.client() as c:
        return c.batch([req])[0]


def test_signed_candidate_tarball_runs_its_tests(signed, tmp):
    d, key, _ = signed
    assert d.engine_ready()
    cand = build(ROOT / "config" / "examples" / "behavry", tmp / "candidate.tar.gz", key)
    r = ask(d, {"id": 1, "op": "test", "candidate": str(cand)})
    assert "error" not in r, r
    assert r["passed"] is True and r["errors"] == []
    assert r["summary"] == {"total": 14, "pass": 14, "fail": 0, "error": 0, "skip": 0}
    assert r["bundles"] == {"candidate": {"revision": "behavry-2026.11.1", "signed_by": "ci"}}
    names = {x["name"] for x in r["results"]}
    assert "data.behavry.authz_test.test_delete_escalates" in names and "developer delete escalates" in names
    assert all(x["file"].startswith("candidate/") and x["line"] > 0 for x in r["results"])

    # Without a candidate: the drops in the bundle directory, verified the same way.
    r = ask(d, {"id": 2, "op": "test"})
    assert r["passed"] is True and r["bundles"] == {"behavry": {"revision": "behavry-2026.11.1", "signed_by": "ci"}}


def test_failing_candidate_reports_expected_versus_actual(signed, tmp):
    d, key, _ = signed
    src = tmp / "src"
    shutil.copytree(ROOT / "config" / "examples" / "behavry", src)
    rego = src / "behavry" / "authz.rego"
    rego.write_text(rego.read_text().replace('startswith(input.resource.path, "/prod/")',
                                             'startswith(input.resource.path, "/never/")'))
    cand = build(src, tmp / "behavry-next.tar.gz", key)
    r = ask(d, {"id": 3, "op": "test", "candidate": str(cand)})
    assert r["passed"] is False
    bad = {x["name"]: x for x in r["results"] if x["status"] == "fail"}
    case = bad["write under /prod/ is denied even for admin"]
    assert case["expected"]["decision"] == "deny" and case["actual"]["decision"] == "allow"
    assert "data.behavry.authz_test.test_prod_write_denied_even_for_admin" in bad
    # Testing it serves nothing: the daemon still denies /prod/ writes.
    with d.client() as c:
        got = c.request({"input": {"agent": {"role": "admin"}, "action": "write", "resource": {"path": "/prod/x"}}})
    assert got["decision"] == "deny"


def test_bad_signature_is_a_clear_error(signed, tmp):
    d, _, other = signed
    wrong = build(ROOT / "config" / "examples" / "behavry", tmp / "wrong-key.tar.gz", other)
    with d.client() as c:
        with pytest.raises(ServerError) as e:
            c.test(candidate=str(wrong))
        assert e.value.code == "bundle_rejected" and e.value.response["error"]["reason"] == "bad_signature"
        assert c.test(candidate=str(ROOT / "config" / "examples" / "behavry"), unsigned=True)["passed"] is True
    r = ask(d, {"id": 4, "op": "test", "candidate": str(wrong)})
    assert "passed" not in r
    assert r["error"]["code"] == "bundle_rejected"
    assert r["error"]["stage"] == "signature" and r["error"]["reason"] == "bad_signature", r
    assert "wrong-key" in r["error"]["message"]

    # A file changed after signing: the digests no longer match.
    good = build(ROOT / "config" / "examples" / "behavry", tmp / "good.tar.gz", signed[1])
    tampered = tmp / "tampered.tar.gz"
    with tarfile.open(good) as src, tarfile.open(tampered, "w:gz") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read() if m.isfile() else None
            if m.name.endswith("behavry/authz.rego"):
                data = data.replace(b'"/prod/"', b'"/never/"')
                m.size = len(data)
            dst.addfile(m, io.BytesIO(data) if data is not None else None)
    r = ask(d, {"id": 5, "op": "test", "candidate": str(tampered)})
    assert r["error"]["code"] == "bundle_rejected" and r["error"]["stage"] == "signature", r

    # Unsigned draft directory: refused like a drop (keys are configured) ...
    draft = ROOT / "config" / "examples" / "behavry"
    r = ask(d, {"id": 6, "op": "test", "candidate": str(draft)})
    assert r["error"]["code"] == "bundle_rejected" and r["error"]["reason"] == "signatures_missing", r
    # ... unless the admin asks for it explicitly.
    r = ask(d, {"id": 7, "op": "test", "candidate": str(draft), "unsigned": True})
    assert r["passed"] is True and r["bundles"] == {"behavry": {"revision": "behavry-2026.11.1", "signed_by": None}}
    # A relative path is refused (the daemon's working directory means nothing to the caller).
    r = ask(d, {"id": 8, "op": "test", "candidate": "candidate.tar.gz"})
    assert r["error"]["code"] == "bad_request"
