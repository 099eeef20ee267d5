import Engine
import Foundation
import Testing

@testable import policyd

/// The repository's example packs (config/examples), found from this file's location.
let examplesDir: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path + "/config/examples"
}()

/// What real OPA answers for the behavry pack (checked with config/examples/check-with-oracle.py),
/// written out so the runner can be tested apart from our engine.
let behavryByOracle = TablePolicy(answers: [
    "behavry/authz_test": { _ in nil },
    "behavry/authz": { input in
        let role = input?["agent"]?["role"]?.stringValue
        let action = input?["action"]?.stringValue ?? ""
        let path = input?["resource"]?["path"]?.stringValue ?? ""
        let grants: [String: Set<String>] = [
            "admin": ["read", "write", "delete", "deploy"], "developer": ["read", "write", "delete"], "viewer": ["read"],
        ]
        var deny: [Value] = []
        var escalate: [Value] = []
        let permitted = role.flatMap { grants[$0]?.contains(action) } ?? false
        if let role, grants[role] != nil {
            if !permitted { deny.append(.string("role \(role) may not \(action)")) }
        } else {
            deny.append(.string("unknown role \"\(role ?? "")\""))
        }
        if action == "write" && path.hasPrefix("/prod/") { deny.append(.string("writes under /prod/ are denied: \(path)")) }
        if action == "delete" && permitted { escalate.append(.string("delete of \(path) needs approval")) }
        return ["allow": .bool(permitted), "deny": .set(SetValue(deny)), "escalate": .set(SetValue(escalate))]
    },
])

/// Test rules of the behavry pack all true, as OPA evaluates them.
func behavryTests(passing: Bool) -> TablePolicy {
    var answers = behavryByOracle.answers
    for name in ["test_developer_reads", "test_viewer_cannot_write", "test_prod_write_denied_even_for_admin",
                 "test_staging_write_allowed", "test_delete_escalates", "test_viewer_delete_denied_not_escalated",
                 "test_unknown_role", "test_missing_agent"]
    {
        answers["behavry/authz_test/" + name] = { _ in .true }
    }
    if !passing { answers["behavry/authz_test/test_unknown_role"] = { _ in .false } }
    return TablePolicy(answers: answers)
}

func runner(_ policy: TablePolicy) -> PolicyTestRunner {
    PolicyTestRunner(mapping: DaemonDecisionMapping.mapping(), compile: { _, _ in policy })
}

@Suite struct DecisionsTestRunnerTests {
    @Test func discoversTestsAndCasesInTheExamplePacks() throws {
        let behavry = try TestSources.load(paths: [examplesDir + "/behavry"])
        #expect(behavry.modules.count == 2)
        #expect(behavry.tests.count == 8)
        #expect(behavry.tests.first?.fullName == "data.behavry.authz_test.test_developer_reads")
        #expect(behavry.tests.first?.line == 13)
        #expect(behavry.cases.count == 6)
        #expect(behavry.cases.allSatisfy { $0.path == "behavry/authz" })
        #expect(behavry.modules.allSatisfy { $0.regoVersion == .v1 })

        let agentcy = try TestSources.load(paths: [examplesDir + "/agentcy"])
        #expect(agentcy.modules.allSatisfy { $0.regoVersion == .v0 })   // from the manifest's rego_version
        #expect(agentcy.tests.count == 13 && agentcy.cases.count == 9)

        let safety = try TestSources.load(paths: [examplesDir + "/agent-safety"])
        #expect(safety.tests.count == 14 && safety.cases.count == 9)

        // All packs at once: each file takes its Rego version from its own bundle's manifest.
        let all = try TestSources.load(paths: [examplesDir])
        #expect(all.tests.count == 35 && all.cases.count == 24)
        #expect(all.modules.filter { $0.regoVersion == .v0 }.map(\.name).allSatisfy { $0.contains("/agentcy/") })
        #expect(all.modules.filter { $0.regoVersion == .v0 }.count == 5)
    }

    @Test func examplePackPasses() throws {
        let sources = try TestSources.load(paths: [examplesDir + "/behavry"])
        let report = runner(behavryTests(passing: true)).run(sources)
        #expect(report.passed)
        #expect(report.count(.pass) == 14)
        let text = report.text(verbose: false)
        #expect(text.hasSuffix("PASS: 14/14\n"))
        #expect(report.json["passed"] == .true)
    }

    @Test func deliberatelyFailingCopyFails() throws {
        let dir = DecisionsTempDir()
        try FileManager.default.copyItem(atPath: examplesDir + "/behavry", toPath: dir.file("behavry"))
        // Break one case's expectation: the prod write is a deny, not an allow.
        let casesPath = dir.file("behavry/cases.yaml")
        var cases = try String(contentsOfFile: casesPath, encoding: .utf8)
        cases = cases.replacingOccurrences(of: "    expect:\n      decision: deny\n      reasons: [\"writes under",
                                           with: "    expect:\n      decision: allow\n      reasons: [\"writes under")
        try cases.write(toFile: casesPath, atomically: true, encoding: .utf8)
        let sources = try TestSources.load(paths: [dir.file("behavry")])
        let report = runner(behavryTests(passing: false)).run(sources)
        #expect(!report.passed)
        #expect(report.count(.fail) == 2 && report.count(.pass) == 12)
        let text = report.text(verbose: true)
        #expect(text.contains("data.behavry.authz_test.test_unknown_role (line 43): FAIL"))
        #expect(text.contains("  value: false"))
        #expect(text.contains("case \"write under /prod/ is denied even for admin\" (line 11): FAIL"))
        #expect(text.contains(#"  expected: allow ["writes under /prod/ are denied: /prod/db.yaml"]"#))
        #expect(text.contains(#"  actual:   deny ["writes under /prod/ are denied: /prod/db.yaml"] rules=["behavry.authz.deny"]"#))
        #expect(text.contains("PASS: 12/14\nFAIL: 2/14\n"))
    }

    @Test func runFilterAndErrors() throws {
        let sources = try TestSources.load(paths: [examplesDir + "/behavry"])
        let only = runner(behavryTests(passing: true)).run(sources, filter: "prod")
        #expect(only.results.map(\.name) == ["data.behavry.authz_test.test_prod_write_denied_even_for_admin",
                                              "write under /prod/ is denied even for admin"])
        // A test that raises an error is reported as ERROR, not as a pass.
        var answers = behavryTests(passing: true).answers
        answers["behavry/authz_test/test_delete_escalates"] = nil
        let failing = TablePolicy(answers: answers)
        let throwing = PolicyTestRunner(mapping: DaemonDecisionMapping.mapping(), compile: { _, _ in ThrowingPolicy(inner: failing) })
        let r = throwing.run(sources, filter: "test_delete")
        #expect(r.count(.error) == 1 && !r.passed)
        #expect(r.text(verbose: false).contains("ERROR: 1/1"))
        let bad = runner(behavryTests(passing: true)).run(sources, filter: "(")
        #expect(!bad.errors.isEmpty && !bad.passed)
    }

    @Test func daemonMappingFailsClosed() {
        let m = DaemonDecisionMapping.mapping()
        #expect(m("a/b", nil, nil) == MappedDecision(decision: "deny", reasons: ["policy decision undefined: data.a.b"]))
        #expect(m("a/b", ["allow": true, "deny": .set(SetValue(["z", "a"]))], nil).reasons == ["a", "z"])
        #expect(m("a/b", ["allow": true, "escalate": .set(SetValue(["x"]))], nil).decision == "escalate")
        #expect(m("a/b", ["allow": true], nil) == MappedDecision(decision: "allow", rules: ["a.b.allow"]))
        #expect(m("a/b", ["allow": false], nil) == MappedDecision(decision: "deny", reasons: ["no rule allowed this request"]))
        #expect(m("a/b", nil, EngineError(.evalConflictError, "x")).decision == "deny")
        var c = Configuration()
        c.entrypoints = [.init(path: ["a", "b"], defaultDecision: .allow)]
        #expect(DaemonDecisionMapping.mapping(config: c)("a/b", ["allow": false], nil).decision == "allow")
    }
}

/// Evaluation errors instead of undefined for missing answers.
struct ThrowingPolicy: PolicyEvaluating {
    let inner: TablePolicy
    func evaluate(path: [String], input: Value?, context: EvalContext, limits: EvalLimits) throws(EngineError) -> Value? {
        guard inner.answers[path.joined(separator: "/")] != nil else {
            throw EngineError(.evalBuiltinError, "boom")
        }
        return try inner.evaluate(path: path, input: input, context: context, limits: limits)
    }
}

@Suite struct DecisionsReplayTests {
    @Test func replayShowsChangedDecisions() async throws {
        let dir = DecisionsTempDir()
        let path = dir.file("decisions.jsonl")
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: path, maxBytes: 1 << 20, maxFiles: 2))
        let gen = DecisionIDGenerator()
        let inputs: [Value] = [
            ["agent": ["role": "developer"], "action": "read", "resource": ["path": "/staging/a"]],
            ["agent": ["role": "developer"], "action": "write", "resource": ["path": "/prod/a"]],
            ["agent": ["role": "developer"], "action": "delete", "resource": ["path": "/staging/b"]],
            ["agent": ["role": "viewer"], "action": "write", "resource": ["path": "/staging/c"]],
        ]
        // Log what the current policy decided.
        var ids: [String] = []
        for input in inputs {
            let doc = try behavryByOracle.evaluate(path: ["behavry", "authz"], input: input, context: EvalContext(),
                                                   limits: .default)
            let d = DaemonDecisionMapping.mapping()("behavry/authz", doc, nil)
            let id = gen.next()
            ids.append(id)
            writer.record(DecisionRecord(decisionID: id, timestampNs: 1_795_000_000_000_000_000, path: "behavry/authz",
                                         decision: d.decision, reasons: d.reasons, rules: d.rules, input: input,
                                         result: doc))
        }
        await writer.close()

        // Candidate: deletes no longer escalate, viewers may write.
        var answers = behavryByOracle.answers
        let old = behavryByOracle.answers["behavry/authz"]!
        answers["behavry/authz"] = { input in
            guard case .object(var o)? = old(input) else { return nil }
            o = o.inserting("escalate", .emptySet)
            if input?["agent"]?["role"] == "viewer" {
                o = o.inserting("deny", .emptySet).inserting("allow", .true)
            }
            return .object(o)
        }
        let (records, unreadable) = try DecisionLogReader(path: path).lastRecords(nil)
        #expect(records.count == 4 && unreadable == 0)
        let report = DecisionReplayer(policy: TablePolicy(answers: answers), mapping: DaemonDecisionMapping.mapping())
            .replay(records)
        #expect(report.replayed == 4 && report.unchanged == 2)
        #expect(report.changes.map(\.record.decisionID) == [ids[2], ids[3]])
        #expect(report.transitions == ["escalate → allow": 1, "deny → allow": 1])
        let text = ReplayCommand.render(report, unreadable: 0)
        #expect(text.contains(#"\#(ids[2]) behavry/authz: escalate ["delete of /staging/b needs approval"] rules=["behavry.authz.escalate"] → allow rules=["behavry.authz.allow"]"#))
        #expect(text.contains("replayed 4, changed 2, unchanged 2"))
    }
}

@Suite struct DecisionsBundleTestSourcesTests {
    /// The bundles team's activation gate: a loaded (verified) bundle's tests and cases.
    @Test func loadedBundleYieldsItsTestsAndCases() throws {
        var v = VerificationConfig()
        v.allowUnsigned = true
        for (pack, tests, cases, version) in [("behavry", 8, 6, RegoVersion.v1), ("agentcy", 13, 9, .v0),
                                               ("agent-safety", 14, 9, .v1)]
        {
            let loaded = try BundleReader.load(path: examplesDir + "/" + pack, name: pack, config: v)
            let sources = try TestSources(bundle: loaded)
            #expect(sources.tests.count == tests)
            #expect(sources.cases.count == cases)
            #expect(sources.modules.allSatisfy { $0.regoVersion == version })
        }
        let loaded = try BundleReader.load(path: examplesDir + "/behavry", name: "behavry", config: v)
        let report = runner(behavryTests(passing: true)).run(try TestSources(bundle: loaded))
        #expect(report.passed && report.count(.pass) == 14)
        #expect(try TestSources(bundle: loaded).entrypoints.map(\.key) == ["behavry/authz"])
    }

    /// `policyd bundle build` keeps decision case files: a built tarball carries the same tests
    /// as its source directory (for activation's gate and the `test` admin op).
    @Test func builtTarballKeepsItsCaseFiles() throws {
        var v = VerificationConfig()
        v.allowUnsigned = true
        let bytes = try BundleBuilder.build(directory: examplesDir + "/agentcy", revision: nil, signing: nil)
        let files = try BundleArchive.readTarball(bytes: bytes, limits: .default)
        #expect(files.map(\.name).contains("cases.json"))
        let sources = try TestSources(bundle: try BundleReader.load(files: files, name: "agentcy", config: v))
        #expect(sources.tests.count == 13 && sources.cases.count == 9)
        #expect(sources.entrypoints.first { $0.key == "agentcy" }?.defaultDecision == .allow)
    }
}

@Suite struct DecisionsTestSourcesDataTests {
    @Test func dataLandsAtItsPathInsideItsBundle() throws {
        let dir = DecisionsTempDir()
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir.file("b1/acme/config"), withIntermediateDirectories: true)
        try #"{"revision":"1"}"#.write(toFile: dir.file("b1/.manifest"), atomically: true, encoding: .utf8)
        try #"{"limit": 3}"#.write(toFile: dir.file("b1/acme/config/data.json"), atomically: true, encoding: .utf8)
        try "top: true\n".write(toFile: dir.file("data.yaml"), atomically: true, encoding: .utf8)
        let s = try TestSources.load(paths: [dir.path])
        #expect(s.data == ["acme": ["config": ["limit": 3]], "top": true])
    }
}

@Suite struct DecisionsReplayRootsTests {
    @Test func entrypointsUnderRoots() {
        #expect(ReplayCommand.path("behavry/authz", isUnder: "behavry"))
        #expect(ReplayCommand.path("behavry/authz", isUnder: "behavry/authz"))
        #expect(!ReplayCommand.path("behavry/authz", isUnder: "behav"))
        #expect(!ReplayCommand.path("behavry", isUnder: "behavry/authz"))
    }
}

@Suite struct DecisionsTestDiscoveryTests {
    @Test func parserFindsTestsNotFunctionsOrStrings() {
        let src = """
            package a.b_test
            import rego.v1

            test_one if { true }
            test_one if { false }   # second definition: same test
              test_indented if true
            test_fn(x) := x         # a function, not a test
            todo_test_later if { false }
            s := `
            test_in_raw_string if true
            `
            """
        let found = RegoTest.discover(in: RegoModule(name: "t.rego", source: src))
        #expect(found.map(\.name) == ["test_one", "test_indented", "todo_test_later"])
        #expect(found.map(\.line) == [4, 6, 8])
        #expect(found.allSatisfy { $0.package == ["a", "b_test"] })
        #expect(found.map(\.skip) == [false, false, true])
        // Unparsable modules still list their tests (the compile error is reported separately).
        let broken = RegoTest.discover(in: RegoModule(name: "b.rego", source: "package p\ntest_x if {\n"))
        #expect(broken.map(\.name) == ["test_x"])
    }
}
