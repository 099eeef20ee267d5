import Engine
import Foundation
import Logging
import Testing
import Wire

@testable import policyd

/// Issue 4: "A bundle may declare its entrypoints and their defaults in its manifest metadata;
/// the config wins."
@Suite struct EntrypointDefaultsTests {
    func manifest(_ json: String) throws -> BundleManifest {
        try BundleManifest.parse(CanonicalJSON.parse(Array(json.utf8)))
    }

    static let agentcyManifest = #"""
        {"revision": "r1", "roots": ["agentcy"], "metadata": {"policyd": {"entrypoints": {
            "agentcy": {"default": "allow"},
            "agentcy/main": {"default": "deny", "kinds": ["agentcy_request"]}}}}}
        """#

    @Test func manifestDeclarationsAreParsedAndChecked() throws {
        let d = try DeclaredEntrypoint.parse(try manifest(Self.agentcyManifest), bundle: "agentcy")
        #expect(d.map(\.key).sorted() == ["agentcy", "agentcy/main"])
        #expect(d.first { $0.key == "agentcy" }?.defaultDecision == .allow)
        #expect(d.first { $0.key == "agentcy/main" }?.kinds == ["agentcy_request"])
        // Outside the bundle's roots, a bad default, an unknown key: refused like a bad manifest.
        for bad in [#"{"roots":["agentcy"],"metadata":{"policyd":{"entrypoints":{"behavry/authz":{"default":"allow"}}}}}"#,
                    #"{"roots":["agentcy"],"metadata":{"policyd":{"entrypoints":{"agentcy":{"default":"maybe"}}}}}"#,
                    #"{"roots":["agentcy"],"metadata":{"policyd":{"entrypoints":{"agentcy":{"defualt":"allow"}}}}}"#]
        {
            #expect(throws: BundleError.self) { try DeclaredEntrypoint.parse(try manifest(bad), bundle: "x") }
        }
        #expect(try DeclaredEntrypoint.parse(try manifest(#"{"revision":"x"}"#), bundle: "x").isEmpty)
    }

    @Test func configWinsThenManifestThenDeny() throws {
        let declared = try DeclaredEntrypoint.parse(try manifest(Self.agentcyManifest), bundle: "agentcy")
        #expect(EntrypointDefaults(declared: declared).defaultDecision(["agentcy"]) == .allow)
        #expect(EntrypointDefaults(declared: declared).defaultDecision(["other"]) == .deny)
        #expect(EntrypointDefaults(declared: declared).path(forKind: "agentcy_request") == ["agentcy", "main"])
        var c = Configuration()
        c.entrypoints = [.init(path: ["agentcy"], defaultDecision: .deny, kinds: ["agentcy_request"])]
        let both = EntrypointDefaults(config: c, declared: declared)
        #expect(both.defaultDecision(["agentcy"]) == .deny)
        #expect(both.path(forKind: "agentcy_request") == ["agentcy"])
        // An entry that only routes kinds states no default: the manifest's applies.
        c.entrypoints = [.init(path: ["agentcy"], kinds: ["k"])]
        #expect(EntrypointDefaults(config: c, declared: declared).defaultDecision(["agentcy"]) == .allow)
        // The mapping case files and replay use.
        let m = DaemonDecisionMapping.mapping(entrypoints: EntrypointDefaults(declared: declared))
        #expect(m("agentcy", ["connectors": ["deny": .emptySet]], nil).decision == "allow")
        #expect(m("agentcy/main", ["deny": .emptySet], nil).decision == "deny")
    }

    @Test func conflictingDeclarationsAcrossBundlesAreRefused() throws {
        func bundle(_ name: String, _ json: String) throws -> LoadedBundle {
            LoadedBundle(name: name, manifest: try manifest(json), data: .emptyObject, modules: [], packages: [:], files: [])
        }
        let a = try bundle("a", #"{"roots":["a"],"metadata":{"policyd":{"entrypoints":{"a":{"kinds":["k"]}}}}}"#)
        let b = try bundle("b", #"{"roots":["b"],"metadata":{"policyd":{"entrypoints":{"b":{"kinds":["k"]}}}}}"#)
        #expect(throws: BundleError.self) { try DeclaredEntrypoint.collect([a, b]) }
        #expect(try DeclaredEntrypoint.collect([a]).count == 1)
    }

    /// The daemon: a served bundle's declaration decides the default of its entrypoint and the
    /// kinds routed to it, unless the config states otherwise.
    @Test func responderUsesTheServedBundlesDeclarations() throws {
        let policy = try CompiledPolicy.compile(modules: [
            RegoModule(name: "a.rego", source: "package agentcy.connectors\nimport rego.v1\ndeny contains \"off\" if input.off\n"),
        ])
        let declared = try DeclaredEntrypoint.parse(try manifest(Self.agentcyManifest), bundle: "agentcy")
        let store = PolicyStore()
        store.activate(policy: policy, bundles: ["agentcy": BundleInfo(name: "agentcy", revision: "r1", activatedAtNs: 0, entrypoints: declared)],
                       results: [])
        func ask(_ config: Configuration, _ text: String) throws -> JSON {
            var t = text
            let r = Responder(store: store, config: config, logger: Logger(label: "test"))
            return try JSON.parse(t.withUTF8 { r.respond(to: UnsafeRawBufferPointer($0), peer: .unknown, isAdmin: false) })
        }
        let plain = Configuration()
        #expect(try ask(plain, #"{"path":"agentcy","input":{}}"#)["decision"] == "allow")
        #expect(try ask(plain, #"{"path":"agentcy","input":{"off":true}}"#)["decision"] == "deny")
        #expect(try ask(plain, #"{"kind":"agentcy_request","input":{}}"#)["path"] == "agentcy/main")
        var strict = Configuration()
        strict.entrypoints = [.init(path: ["agentcy"], defaultDecision: .deny)]
        let r = try ask(strict, #"{"path":"agentcy","input":{}}"#)
        #expect(r["decision"] == "deny")
        #expect(r["reasons"] == [.string(DecisionMapper.noRuleReason)])
    }
}

/// With `log.decisions: true` the server's own journal entries are the decision journal: they
/// carry the same fields as the sampled ones (POLICYD_DECISION, POLICYD_ENTRYPOINT, …).
@Suite struct LogDecisionSinkFieldsTests {
    @Test func serverDecisionEntriesUseTheDecisionJournalFields() {
        let logs = DecisionsCapturedLogs()
        let sink = LogDecisionSink(logger: logs.logger, level: .info)
        let outcome = DecisionOutcome(verdict: .deny, reasons: ["a", "b"], rules: ["x.deny"], error: nil)
        sink.record(DecisionEvent(decisionID: "01ID", requestID: nil, path: "x", input: nil, outcome: outcome,
                                  bundles: ["b": BundleInfo(name: "b", revision: "2", activatedAtNs: 0),
                                            "a": BundleInfo(name: "a", revision: "1", activatedAtNs: 0)],
                                  timestampNs: 0, evalNs: 5_000, peer: PeerCredentials(pid: 9, uid: 1000, gid: 1)))
        let m = logs.all.first?.metadata ?? [:]
        #expect(m["POLICYD_DECISION"] == "deny")
        #expect(m["POLICYD_ENTRYPOINT"] == "x")
        #expect(m["POLICYD_DECISION_ID"] == "01ID")
        #expect(m["POLICYD_REVISION"] == "a=1,b=2")
        #expect(m["POLICYD_REASON"] == "a; b")
        #expect(m["POLICYD_RULES"] == "x.deny")
        #expect(m["POLICYD_LATENCY_US"] == "5" && m["POLICYD_PEER_PID"] == "9" && m["POLICYD_PEER_UID"] == "1000")
        #expect(m["MESSAGE_ID"] == .string(DecisionJournal.messageID))
    }
}

/// Issue 4: "Evaluation errors and a missing policy decide deny with the error as reason and an
/// error code in the response, so a proxy never mistakes a failure for permission."
@Suite struct DecisionFailClosedTests {
    @Test func evaluationErrorIsADenyWithCodeAndReason() throws {
        let policy = try CompiledPolicy.compile(modules: [
            RegoModule(name: "t.rego", source: "package t\nimport rego.v1\nallow := true\nx := 1 if input.a\nx := 2 if input.b\n"),
        ])
        let store = PolicyStore()
        store.activate(policy: policy, bundles: ["t": BundleInfo(name: "t", revision: "1", activatedAtNs: 0)], results: [])
        let responder = Responder(store: store, config: Configuration(), logger: Logger(label: "test"))
        func ask(_ text: String) throws -> JSON {
            var t = text
            return try JSON.parse(t.withUTF8 { responder.respond(to: UnsafeRawBufferPointer($0), peer: .unknown, isAdmin: false) })
        }
        #expect(try ask(#"{"path":"t","input":{"a":true}}"#)["decision"] == "allow")
        let r = try ask(#"{"path":"t","input":{"a":true,"b":true}}"#)   // conflicting values for x
        #expect(r["decision"] == "deny")
        #expect(r["error"] == "eval_error")
        #expect(r["reasons"]?.arrayValue?.first?.stringValue?.hasPrefix("evaluation failed: ") == true)
        #expect(r["rules"] == [])
    }
}

/// Issue 4: "`-v` shows failing inputs" — for Rego tests too: the `with input as …` terms of a
/// failed test, with their values.
@Suite struct FailingTestInputsTests {
    @Test func failedTestsShowTheirInputs() throws {
        let dir = DecisionsTempDir()
        try "package t\nimport rego.v1\nallow if input.x == 0\n".write(toFile: dir.file("t.rego"), atomically: true, encoding: .utf8)
        try """
            package t_test
            import rego.v1
            import data.t
            test_a if { t.allow with input as {"x": 1} }
            test_b if {
            \tt.allow with input as {
            \t\t"x": 2,
            \t} with data.other as 1
            }
            test_c if {
            \tinp := {"x": 3}
            \tt.allow with input as inp
            }
            test_d if { t.allow with input as {"x": 0} }
            """.write(toFile: dir.file("t_test.rego"), atomically: true, encoding: .utf8)
        let sources = try TestSources.load(paths: [dir.path])
        #expect(sources.tests.map(\.inputs.count) == [1, 1, 1, 1])
        let report = PolicyTestRunner(mapping: DaemonDecisionMapping.mapping()).run(sources)
        let byName = Dictionary(uniqueKeysWithValues: report.results.map { ($0.name, $0) })
        let a = try #require(byName["data.t_test.test_a"])
        #expect(a.status == .fail)
        #expect(a.testInputs.map(\.input.text) == [#"{"x": 1}"#])
        #expect(a.testInputs.first?.value == ["x": 1])
        let b = try #require(byName["data.t_test.test_b"])
        #expect(b.testInputs.first?.input.line == 6)
        #expect(b.testInputs.first?.value == ["x": 2])
        // A local variable cannot be computed outside the test: its text is shown alone.
        let c = try #require(byName["data.t_test.test_c"])
        #expect(c.testInputs.map(\.input.text) == ["inp"] && c.testInputs.first?.value == nil)
        #expect(byName["data.t_test.test_d"]?.status == .pass && byName["data.t_test.test_d"]?.testInputs.isEmpty == true)
        let text = report.text(verbose: true)
        #expect(text.contains(#"  input (line 4): {"x": 1}"#))
        #expect(text.contains("  input (line 12): inp\n"))
        #expect(report.json["results"]?.arrayValue?.first { $0["name"] == "data.t_test.test_a" }?["inputs"]?[0]?["value"] == ["x": 1])
    }
}

/// Activation's test gate judges a bundle's case files with its own manifest declarations
/// (and the config over them), as the daemon will serve it.
@Suite struct ActivationUsesDeclaredDefaultsTests {
    @Test func caseFilesAreJudgedWithTheManifestDefaultsUnlessTheConfigSaysOtherwise() throws {
        let dir = DecisionsTempDir()
        try FileManager.default.createDirectory(atPath: dir.file("shop/shop"), withIntermediateDirectories: true)
        try #"{"revision":"1","roots":["shop"],"metadata":{"policyd":{"entrypoints":{"shop":{"default":"allow"}}}}}"#
            .write(toFile: dir.file("shop/.manifest"), atomically: true, encoding: .utf8)
        try "package shop.orders\nimport rego.v1\ndeny contains \"refunds are closed\" if input.action == \"refund\"\n"
            .write(toFile: dir.file("shop/shop/policy.rego"), atomically: true, encoding: .utf8)
        try "path: shop\ncases:\n  - name: nothing objects\n    input: {action: buy}\n    expect: {decision: allow}\n"
            .write(toFile: dir.file("shop/cases.yaml"), atomically: true, encoding: .utf8)
        var v = VerificationConfig()
        v.allowUnsigned = true
        let bundle = try BundleReader.load(path: dir.file("shop"), name: "shop", config: v)
        _ = try PolicyAssembler.assemble([bundle])
        var c = Configuration()
        c.entrypoints = [.init(path: ["shop"], defaultDecision: .deny)]
        #expect(throws: BundleError.self) { try PolicyAssembler.assemble([bundle], entrypoints: EntrypointDefaults(config: c)) }
    }
}
