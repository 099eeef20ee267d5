"""The decision log end to end: the real daemon serving the example packs (config/examples),
every decision in the JSON-lines audit file with its input masked, nothing lost on SIGTERM, and
`policyd log show/tail` and `policyd replay` reading it back."""
import json
import re
import os
import shutil
import subprocess

from conftest import BIN, ROOT, Daemon

CONFIG = """\
state_dir: {tmp}/state
bundles:
  dir: {tmp}/bundles
  allow_unsigned: true
default_path: behavry/authz
entrypoints:
  behavry/authz: {{default: deny}}
  safety/baseline: {{default: deny, kinds: [agent_tool_call]}}
log:
  target: stderr
  level: info
decision_log:
  path: audit/decisions.jsonl
  max_bytes: 20000
  max_files: 3
  mask: [/input/secret, {{op: upsert, path: /input/agent/id, value: "***"}}]
"""


def run(*args):
    out = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, timeout=120)
    return out.returncode, out.stdout, out.stderr


def test_every_decision_is_logged_masked_and_flushed_on_sigterm(tmp):
    shutil.copytree(ROOT / "config" / "examples", tmp / "bundles",
                    ignore=shutil.ignore_patterns("*.py"))
    (tmp / "state" / "audit").mkdir(parents=True)
    d = Daemon(tmp, config_text=CONFIG.format(tmp=tmp)).start()
    try:
        assert d.engine_ready(), d.log_text()
        sent = []
        with d.client() as c:
            for i in range(200):
                action = ["read", "write", "delete"][i % 3]
                inp = {"agent": {"id": f"agent-{i}", "role": "developer"}, "action": action,
                       "resource": {"path": f"/prod/{i}" if i % 5 == 0 else f"/staging/{i}"},
                       "secret": f"hunter{i}"}
                r = c.request({"id": i, "input": inp})
                sent.append((r["decision_id"], r["decision"], r["reasons"]))
            r = c.request({"id": "s", "kind": "agent_tool_call",
                           "input": {"tool": "read", "path": "/repo/.env"}})
            sent.append((r["decision_id"], r["decision"], r["reasons"]))
        rc, _ = d.stop()
        assert rc == 0
    finally:
        d.close()

    log = tmp / "state" / "audit" / "decisions.jsonl"
    files = [log] + [log.with_name(log.name + f".{i}") for i in (1, 2)]
    assert all(f.exists() for f in files), "expected rotation into 3 files"
    assert not log.with_name(log.name + ".3").exists()
    entries = []
    for f in reversed(files):
        text = f.read_text()
        assert "hunter" not in text and "agent-1" not in text
        entries += [json.loads(line) for line in text.splitlines()]
    # Rotation keeps the newest entries, in order, ending with the last decision before SIGTERM.
    ids = [e["decision_id"] for e in entries]
    assert ids == [s[0] for s in sent][-len(ids):]
    assert ids == sorted(ids)
    for e, (_, decision, reasons) in zip(entries, sent[-len(ids):]):
        assert e["decision"] == decision and e["reasons"] == reasons
    last = entries[-1]
    assert last["path"] == "safety/baseline" and last["decision"] == "deny"
    assert last["bundles"]["agent-safety"] == {"revision": "agent-safety-baseline-1"}
    prod = next(e for e in entries if e["input"]["resource"]["path"].startswith("/prod/") and e["input"]["action"] == "write")
    assert prod["decision"] == "deny" and prod["erased"] == ["/input/secret"] and prod["masked"] == ["/input/agent/id"]
    assert prod["input"]["agent"]["id"] == "***" and "secret" not in prod["input"]
    assert prod["result"]["deny"] == [f"writes under /prod/ are denied: {prod['input']['resource']['path']}"]
    assert prod["peer"]["pid"] > 0 and prod["metrics"]["timer_server_handler_ns"] > 0

    config = tmp / "policyd.yaml"
    rc, out, _ = run("log", "show", prod["decision_id"], "--config", config)
    assert rc == 0 and json.loads(out)["decision_id"] == prod["decision_id"]
    rc, out, _ = run("log", "tail", "-n", "3", "--log", log)
    assert rc == 0 and [json.loads(l)["decision_id"] for l in out.splitlines()] == ids[-3:]

    # Replay under a candidate where /prod/ writes are no longer denied.
    cand = tmp / "candidate"
    shutil.copytree(ROOT / "config" / "examples" / "behavry", cand)
    rego = cand / "behavry" / "authz.rego"
    rego.write_text(rego.read_text().replace('startswith(input.resource.path, "/prod/")',
                                             'startswith(input.resource.path, "/never/")'))
    rc, out, err = run("replay", "--bundle", cand, "--unsigned", "--config", config)
    assert rc == 0, err
    changed = [e for e in entries if e["path"] == "behavry/authz" and e["input"]["action"] == "write"
               and e["input"]["resource"]["path"].startswith("/prod/")]
    assert f"changed {len(changed)}," in out
    assert "deny → allow" in out


from test_journal import IDS, entries, journald  # noqa: E402,F401  (journald is a fixture)

JOURNAL_CONFIG = """\
state_dir: {tmp}/state
bundles:
  dir: {tmp}/bundles
  allow_unsigned: true
default_path: behavry/authz
log:
  level: info
  decisions: false
decision_log:
  journal_sample_allow: 0.5
"""


def test_journal_gets_denies_escalates_and_sampled_allows(journald, tmp):
    shutil.copytree(ROOT / "config" / "examples", tmp / "bundles", ignore=shutil.ignore_patterns("*.py"))
    d = Daemon(tmp, log_target="journal", config_text=JOURNAL_CONFIG.format(tmp=tmp)).start()
    try:
        assert d.engine_ready(), d.log_text()
        dev = {"agent": {"role": "developer"}, "resource": {"path": "/staging/a"}}
        with d.client() as c:
            allows = [c.request({"input": {**dev, "action": "read"}}) for _ in range(4)]
            deny = c.request({"input": {**dev, "action": "write", "resource": {"path": "/prod/a"}}})
            esc = c.request({"input": {**dev, "action": "delete"}})
        assert [a["decision"] for a in allows] == ["allow"] * 4
        assert deny["decision"] == "deny" and esc["decision"] == "escalate"
        rc, _ = d.stop()
        assert rc == 0
    finally:
        d.close()
    import time
    deadline = time.monotonic() + 10
    while True:
        es = [e for e in entries(d) if e.get("MESSAGE_ID") == IDS["decision"]]
        if len(es) >= 4 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    by_decision = {}
    for e in es:
        by_decision.setdefault(e.get("POLICYD_DECISION"), []).append(e)
    assert len(by_decision.get("allow", [])) == 2, es          # half of the 4 allows
    (dn,) = by_decision["deny"]
    (en,) = by_decision["escalate"]
    assert dn["POLICYD_DECISION_ID"] == deny["decision_id"] and en["POLICYD_DECISION_ID"] == esc["decision_id"]
    assert dn["POLICYD_ENTRYPOINT"] == "behavry/authz"
    assert dn["POLICYD_REVISION"] == "agent-safety=agent-safety-baseline-1,agentcy=agentcy-starter-1,behavry=behavry-2026.11.1"
    assert dn["POLICYD_REASON"] == "writes under /prod/ are denied: /prod/a"
    assert int(dn["POLICYD_PEER_PID"]) > 0 and int(dn["POLICYD_LATENCY_US"]) >= 0
    assert dn["POLICYD_PEER_UID"] == str(os.geteuid())


LOAD_CONFIG = """\
state_dir: {tmp}/state
bundles:
  dir: {tmp}/bundles
  allow_unsigned: true
default_path: behavry/authz
log:
  level: info
  decisions: false
decision_log:
  max_bytes: 1000000
  max_files: 20
"""


def test_pipelined_load_every_decision_in_file_and_denies_in_journal(journald, tmp):
    """The production sinks (config/policyd.yaml: the file, written with O_DIRECT where the
    file system takes it, and the journal at level info) under pipelined load on several
    connections: every decision is in the file exactly once, as answered, across rotations;
    the journal has every deny and escalate (no allow) but those the daemon counts as not sent
    because journald was busy; the daemon reports 0 decisions dropped from the file."""
    import threading
    from conftest import frame, read_frame

    shutil.copytree(ROOT / "config" / "examples", tmp / "bundles", ignore=shutil.ignore_patterns("*.py"))
    d = Daemon(tmp, log_target="journal", config_text=LOAD_CONFIG.format(tmp=tmp)).start()
    conns, rounds, depth = 4, 25, 24
    answers = [[] for _ in range(conns)]
    errors = []

    def load(k):
        try:
            s = d.raw()
            for r in range(rounds):
                batch = []
                for j in range(depth):
                    i = (k * rounds + r) * depth + j
                    action = ["read", "write", "delete"][i % 3]
                    path = f"/prod/{i}" if i % 2 else f"/staging/{i}"
                    batch.append(frame({"input": {"agent": {"id": f"a{i}", "role": "developer"}, "action": action,
                                                  "resource": {"path": path}, "n": i}}))
                s.sendall(b"".join(batch))
                answers[k] += [read_frame(s) for _ in range(depth)]
            s.close()
        except Exception as e:  # reported below
            errors.append(e)

    try:
        assert d.engine_ready(), d.log_text()
        threads = [threading.Thread(target=load, args=(k,)) for k in range(conns)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        rc, _ = d.stop()
        assert rc == 0
    finally:
        d.close()

    sent = {a["decision_id"]: a["decision"] for answer in answers for a in answer}
    assert len(sent) == conns * rounds * depth
    assert set(sent.values()) == {"allow", "deny", "escalate"}
    log = tmp / "state" / "decisions.jsonl"
    # Oldest first: decisions.jsonl.N … .1, then the live file.
    files = sorted(log.parent.glob("decisions.jsonl.*"), key=lambda f: -int(f.suffix[1:])) + [log]
    assert len(files) > 1, "expected rotation"
    lines = [line for f in files for line in f.read_text().splitlines()]
    logged = [json.loads(line) for line in lines]
    ids = [e["decision_id"] for e in logged]
    assert len(ids) == len(set(ids)) == len(sent)
    assert {e["decision_id"]: e["decision"] for e in logged} == sent
    # Each connection's decisions are in the file in the order they were made.
    pos = {i: n for n, i in enumerate(ids)}
    for answer in answers:
        order = [pos[a["decision_id"]] for a in answer]
        assert order == sorted(order)

    es = [e for e in entries(d) if e.get("MESSAGE_ID") == IDS["decision"]]
    closed = [e["MESSAGE"] for e in entries(d) if e.get("MESSAGE", "").startswith("decision log closed")]
    assert closed, "no closing line"
    m = re.match(r"decision log closed: (\d+) written, (\d+) dropped, (\d+) journal entries not sent", closed[-1])
    assert m, closed[-1]
    written, dropped, not_sent = map(int, m.groups())
    assert (written, dropped) == (len(sent), 0)
    journaled = [e["POLICYD_DECISION_ID"] for e in es]
    kept = {i for i, v in sent.items() if v != "allow"}
    assert len(journaled) == len(set(journaled))
    assert set(journaled) <= kept
    assert len(journaled) + not_sent == len(kept)
    # How many journald takes depends on it (this VM's datagram queue holds 10 entries); the
    # rest must be counted, never silently lost.
    assert journaled, "no decision reached the journal"
