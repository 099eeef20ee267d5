"""`policyd test` and `policyd replay` from the command line, as a policy author runs them:
exit codes, file:line, -v details, --run, summaries, YAML and JSON case files, manifest-declared
entrypoint defaults (config wins), and replay's --last/--path/--verification-key."""
import json
import shutil
import subprocess

from conftest import BIN, ROOT

EXAMPLES = ROOT / "config" / "examples"


def run(*args):
    out = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, timeout=180)
    return out.returncode, out.stdout, out.stderr


def test_packs_pass_with_summary_and_exit_zero():
    rc, out, err = run("test", EXAMPLES / "behavry")
    assert rc == 0, out + err
    assert out == "PASS: 14/14\n"
    # JSON case files (the agentcy pack) run too, selected with --run.
    rc, out, _ = run("test", EXAMPLES / "agentcy", "--run", "prefix entrypoint", "-v")
    assert rc == 0
    assert 'case "prefix entrypoint agentcy: deny gathered from every package below it" (line' in out
    assert out.endswith("PASS: 2/2\n")
    rc, out, _ = run("test", EXAMPLES / "agentcy", "--format", "json")
    doc = json.loads(out)
    assert rc == 0 and doc["passed"] is True and doc["summary"]["total"] == 22


def test_failures_show_file_line_expected_actual_and_inputs(tmp):
    pack = tmp / "behavry"
    shutil.copytree(EXAMPLES / "behavry", pack)
    rego = pack / "behavry" / "authz.rego"
    rego.write_text(rego.read_text().replace('startswith(input.resource.path, "/prod/")',
                                             'startswith(input.resource.path, "/never/")'))
    rc, out, _ = run("test", pack)
    assert rc == 1
    assert out.startswith("FAILURES\n")
    assert f"data.behavry.authz_test.test_prod_write_denied_even_for_admin ({pack}/behavry/authz_test.rego:" in out
    assert f'case "write under /prod/ is denied even for admin" ({pack}/cases.yaml:11): FAIL' in out
    assert '  expected: deny ["writes under /prod/ are denied: /prod/db.yaml"]' in out
    assert '  actual:   allow rules=["behavry.authz.allow"]' in out
    assert '  input:    {"action":"write","agent":{"id":"a1","role":"admin"},"resource":{"path":"/prod/db.yaml"}}' in out
    # A failed Rego test shows what it evaluated with: the `with input as` term and its value.
    assert ('  input (line 24): call("admin", "write", "/prod/db.yaml") = '
            '{"action":"write","agent":{"id":"agent-7","role":"admin"},"resource":{"path":"/prod/db.yaml"}}') in out
    assert out.endswith("PASS: 11/14\nFAIL: 3/14\n")
    # -v lists every test, and the failing ones with their details.
    rc, out, _ = run("test", pack, "-v")
    assert rc == 1 and "data.behavry.authz_test.test_developer_reads (line 13): PASS" in out
    assert "  input:    " in out and "  value: " in out
    # --run keeps only the matching ones.
    rc, out, _ = run("test", pack, "--run", "staging")
    assert rc == 0 and out.endswith("PASS: 2/2\n"), out
    # A path that is no policy at all is an error, not an empty pass.
    rc, _, err = run("test", tmp / "notes.txt")
    assert rc == 2 and "no such file" in err
    (tmp / "notes.txt").write_text("hello")
    rc, _, err = run("test", tmp / "notes.txt")
    assert rc == 2 and "not a bundle" in err
    # Sources that do not compile: exit 2.
    rego.write_text("package behavry.authz\nallow if {\n")
    rc, out, err = run("test", pack)
    assert rc == 2


def test_manifest_declares_entrypoint_defaults_and_config_wins(tmp):
    pack = tmp / "deny-list"
    (pack / "shop").mkdir(parents=True)
    (pack / ".manifest").write_text(json.dumps({
        "revision": "1", "roots": ["shop"],
        "metadata": {"policyd": {"entrypoints": {"shop": {"default": "allow"}}}}}))
    (pack / "shop" / "policy.rego").write_text(
        'package shop.orders\nimport rego.v1\ndeny contains "refunds are closed" if input.action == "refund"\n')
    (pack / "cases.yaml").write_text(
        "path: shop\ncases:\n"
        "  - name: nothing objects\n    input: {action: buy}\n    expect: {decision: allow}\n"
        "  - name: refund denied\n    input: {action: refund}\n"
        "    expect: {decision: deny, reasons: [refunds are closed], rules: [shop.orders.deny]}\n")
    rc, out, err = run("test", pack)
    assert rc == 0, out + err
    # The config states deny for the entrypoint: it wins over the manifest.
    cfg = tmp / "policyd.yaml"
    cfg.write_text("entrypoints:\n  shop: {default: deny}\n")
    rc, out, _ = run("test", pack, "--config", cfg)
    assert rc == 1 and 'case "nothing objects"' in out and "actual:   deny [\"no rule allowed this request\"]" in out


def entry(i, path, decision, reasons, inp, rules=()):
    return json.dumps({"decision_id": f"01KAQ0000000000000000000{i:02d}", "timestamp": "2026-11-22T10:00:00Z",
                       "path": path, "decision": decision, "reasons": reasons, "rules": list(rules), "input": inp})


def test_replay_flags(tmp):
    log = tmp / "decisions.jsonl"
    admin_prod = {"agent": {"id": "a", "role": "admin"}, "action": "write", "resource": {"path": "/prod/x"}}
    dev_read = {"agent": {"id": "d", "role": "developer"}, "action": "read", "resource": {"path": "/staging/a"}}
    lines = [
        entry(1, "behavry/authz", "deny", ["writes under /prod/ are denied: /prod/x"], admin_prod, ["behavry.authz.deny"]),
        entry(2, "behavry/authz", "allow", [], dev_read, ["behavry.authz.allow"]),
        entry(3, "safety/baseline", "allow", [], {"tool": "read", "path": "/repo/README.md"}),
        entry(4, "behavry/authz", "deny", ["writes under /prod/ are denied: /prod/x"], admin_prod, ["behavry.authz.deny"]),
    ]
    log.write_text("\n".join(lines) + "\n")
    cand = tmp / "src"
    shutil.copytree(EXAMPLES / "behavry", cand)
    rego = cand / "behavry" / "authz.rego"
    rego.write_text(rego.read_text().replace('startswith(input.resource.path, "/prod/")',
                                             'startswith(input.resource.path, "/never/")'))

    rc, out, err = run("replay", "--bundle", cand, "--unsigned", "--log", log)
    assert rc == 0, err
    assert "01KAQ000000000000000000001 behavry/authz: deny" in out and "→ allow" in out
    assert "replayed 3, changed 2, unchanged 1" in out and "  deny → allow: 2" in out
    assert "(1 logged decisions are outside the candidate's roots" in out
    # --last N: only the newest N entries (of the candidate's roots).
    rc, out, _ = run("replay", "--bundle", cand, "--unsigned", "--log", log, "--last", "1")
    assert "replayed 1, changed 1," in out and "01KAQ000000000000000000004" in out and "000001 " not in out
    # --path: one entrypoint only.
    rc, out, _ = run("replay", "--bundle", cand, "--unsigned", "--log", log, "--path", "safety/baseline")
    assert "replayed 0, changed 0, unchanged 0" in out

    # A signed tarball checked with --verification-key; the wrong key is refused (exit 2).
    keys = tmp / "keys"
    keys.mkdir()
    for name in ("ci", "other"):
        subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-out", str(keys / f"{name}.pem")], check=True, capture_output=True)
        subprocess.run(["openssl", "pkey", "-in", str(keys / f"{name}.pem"), "-pubout", "-out",
                        str(keys / f"{name}.pub.pem")], check=True, capture_output=True)
    tarball = tmp / "behavry.tar.gz"
    rc, _, err = run("bundle", "build", cand, "--output", tarball, "--signing-key", keys / "ci.pem",
                     "--signing-alg", "ES256", "--keyid", "ci")
    assert rc == 0, err
    # `policyd test` runs a built tarball's tests and case files too (the signature is not its business).
    rc, out, err = run("test", tarball)
    assert rc == 1 and out.endswith("PASS: 11/14\nFAIL: 3/14\n"), out + err
    rc, out, err = run("replay", "--bundle", tarball, "--verification-key", keys / "ci.pub.pem",
                       "--verification-key-id", "ci", "--signing-alg", "ES256", "--log", log)
    assert rc == 0, err
    assert "signed by key ci" in out and "changed 2," in out
    rc, out, err = run("replay", "--bundle", tarball, "--verification-key", keys / "other.pub.pem",
                       "--verification-key-id", "ci", "--signing-alg", "ES256", "--log", log)
    assert rc == 2 and "signature" in err
    # Unsigned without --unsigned is refused.
    rc, _, err = run("replay", "--bundle", cand, "--log", log)
    assert rc == 2 and "not signed" in err
    # With the production config (keys configured): a signed candidate verifies against its keys,
    # a draft directory needs --unsigned, and then replays.
    cfg = tmp / "policyd.yaml"
    cfg.write_text(f"keys:\n  ci: {{algorithm: ES256, key_file: {keys / 'ci.pub.pem'}}}\n"
                   f"bundles: {{signing: {{keyid: ci}}}}\ndecision_log: {{path: {log}}}\n")
    rc, out, err = run("replay", "--bundle", tarball, "--config", cfg)
    assert rc == 0 and "signed by key ci" in out, err
    rc, _, err = run("replay", "--bundle", cand, "--config", cfg)
    assert rc == 2 and "signatures" in err
    rc, out, err = run("replay", "--bundle", cand, "--config", cfg, "--unsigned")
    assert rc == 0 and ", unsigned" in out and "changed 2," in out, err


def test_eval_reads_input_from_stdin_pipes_and_process_substitution(tmp):
    """`-i -`, a FIFO (what `-i <(…)` hands over as /dev/fd/N) and a missing file, as with `opa eval`."""
    import os
    out = subprocess.run([str(BIN), "eval", "-i", "-", "input.a"], input='{"a": 2}',
                         capture_output=True, text=True, timeout=60)
    assert json.loads(out.stdout)["result"][0]["expressions"][0]["value"] == 2
    fifo = tmp / "in.fifo"
    os.mkfifo(fifo)
    p = subprocess.Popen([str(BIN), "eval", "-i", str(fifo), "input.a"], stdout=subprocess.PIPE, text=True)
    with open(fifo, "w") as f:
        f.write('{"a": 3}')
    assert json.loads(p.communicate(timeout=60)[0])["result"][0]["expressions"][0]["value"] == 3
    rc, out, _ = run("eval", "-i", tmp / "missing.json", "input.a")
    assert json.loads(out)["errors"][0]["message"].endswith("missing.json: No such file or directory")
