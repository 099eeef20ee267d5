import Engine
import Foundation
import Testing

@testable import policyd

/// The test runner and replay on our real Rego engine (CompiledPolicy), with the example packs.
@Suite struct DecisionsEngineTests {
    let runner = PolicyTestRunner(mapping: DaemonDecisionMapping.mapping())

    @Test(arguments: [("behavry", 14), ("agentcy", 22), ("agent-safety", 23)])
    func examplePackPassesOnTheEngine(pack: String, count: Int) throws {
        let report = runner.run(try TestSources.load(paths: [examplesDir + "/" + pack]))
        #expect(report.errors.isEmpty)
        #expect(report.passed)
        #expect(report.count(.pass) == count)
        #expect(report.text(verbose: false) == "PASS: \(count)/\(count)\n")
    }

    @Test func brokenCopyFailsWithFileAndLine() throws {
        let dir = DecisionsTempDir()
        try FileManager.default.copyItem(atPath: examplesDir + "/behavry", toPath: dir.file("behavry"))
        let rego = dir.file("behavry/behavry/authz.rego")
        let src = try String(contentsOfFile: rego, encoding: .utf8)
        // Developers lose the right to delete: one test and one case must notice.
        try src.replacingOccurrences(of: #""developer": {"read", "write", "delete"},"#, with: #""developer": {"read", "write"},"#)
            .write(toFile: rego, atomically: true, encoding: .utf8)
        let report = runner.run(try TestSources.load(paths: [dir.file("behavry")]))
        #expect(!report.passed)
        #expect(report.results.filter { $0.status == .fail }.map(\.name)
            == ["data.behavry.authz_test.test_delete_escalates", "developer delete escalates"])
        let text = report.text(verbose: false)
        #expect(text.contains("data.behavry.authz_test.test_delete_escalates (\(dir.file("behavry/behavry/authz_test.rego")):33): FAIL"))
        #expect(text.contains(#"  actual:   deny ["role developer may not delete"] rules=["behavry.authz.deny"]"#))
        #expect(text.hasSuffix("PASS: 12/14\nFAIL: 2/14\n"))
    }

    @Test func compileErrorsAreReportedNotPassed() throws {
        let dir = DecisionsTempDir()
        try "package broken\n\np if {\n".write(toFile: dir.file("broken.rego"), atomically: true, encoding: .utf8)
        let report = runner.run(try TestSources.load(paths: [dir.path]))
        #expect(!report.passed)
        #expect(report.errors.first?.contains("rego_parse_error") == true)
    }

    @Test func replayOnTheEngineShowsChangedDecisions() async throws {
        let dir = DecisionsTempDir()
        // The log the current pack would have produced.
        let current = try TestSources.load(paths: [examplesDir + "/behavry"])
        let live = try CompiledPolicy.compile(modules: current.modules, data: current.data)
        let path = dir.file("decisions.jsonl")
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: path, maxBytes: 1 << 20, maxFiles: 2))
        let gen = DecisionIDGenerator()
        let mapping = DaemonDecisionMapping.mapping()
        var ids: [String] = []
        for c in current.cases {
            let doc = try live.evaluate(path: c.pathSegments, input: c.input, context: EvalContext())
            let d = mapping(c.path, doc, nil)
            let id = gen.next()
            ids.append(id)
            writer.record(DecisionRecord(decisionID: id, timestampNs: EvalContext.wallClockNs(), path: c.path,
                                         decision: d.decision, reasons: d.reasons, rules: d.rules, input: c.input,
                                         result: doc))
        }
        await writer.close()

        // Candidate: production writes are no longer special.
        try FileManager.default.copyItem(atPath: examplesDir + "/behavry", toPath: dir.file("candidate"))
        let rego = dir.file("candidate/behavry/authz.rego")
        let src = try String(contentsOfFile: rego, encoding: .utf8)
        try src.replacingOccurrences(of: #"startswith(input.resource.path, "/prod/")"#,
                                     with: #"startswith(input.resource.path, "/never/")"#)
            .write(toFile: rego, atomically: true, encoding: .utf8)
        let candidate = try TestSources.load(paths: [dir.file("candidate")])
        let policy = try CompiledPolicy.compile(modules: candidate.modules, data: candidate.data)
        let (records, _) = try DecisionLogReader(path: path).lastRecords(nil)
        let report = DecisionReplayer(policy: policy, mapping: mapping).replay(records)
        #expect(report.replayed == 6)
        // "write under /prod/" flips to allow; the viewer's write stays denied with one reason fewer.
        #expect(report.changes.map(\.record.decisionID) == [ids[2], ids[4]])
        #expect(report.changes.map(\.new.decision) == ["allow", "deny"])
        #expect(report.changes[1].new.reasons == ["role viewer may not write"])
        #expect(report.transitions == ["deny → allow": 1, "deny → deny": 1])
    }
}
