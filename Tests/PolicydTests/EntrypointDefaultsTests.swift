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
