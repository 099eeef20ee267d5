import Engine
import Logging
import Testing
@testable import policyd

/// The request path hands the decision log `DecisionFacts` (the response's bytes, no event):
/// the line and the journal entry must be byte for byte those of the event path.
@Suite struct DecisionFactsTests {
    func event(_ verdict: Verdict, error: String? = nil, input: Value?, result: Value?, handlerNs: Int64?,
               bundles: [String: BundleInfo]) -> DecisionEvent {
        var e = DecisionEvent(decisionID: "01KAB5X0000000000000000007", requestID: 1, path: "a/b \"c\"", input: input,
                              outcome: DecisionOutcome(verdict: verdict, reasons: verdict == .allow ? [] : ["r \"q\"", "ü\n2"],
                                                       rules: ["a.b.deny"], error: error),
                              bundles: bundles, timestampNs: 1_763_791_234_567_890_000, evalNs: 1234,
                              peer: PeerCredentials(pid: 42, uid: 1000, gid: 7), result: result,
                              errorMessage: error.map { "failed: \($0)" }, handlerNs: handlerNs)
        e.snapshotGeneration = 3
        return e
    }

    /// The facts the Responder would build for `e` (pieces encoded as the response encodes them).
    func withFacts(_ e: DecisionEvent, raw: RawInput?, _ body: (DecisionFacts) -> Void) {
        let id = JSONWriter.data(.string(e.decisionID))
        let reasons = JSONWriter.data(.array(e.outcome.reasons.map { .string($0) }))
        let rules = JSONWriter.data(.array(e.outcome.rules.map { .string($0) }))
        let path = JSONWriter.data(.string(e.path))
        id.withUnsafeBytes { i in
            reasons.withUnsafeBytes { rs in
                rules.withUnsafeBytes { ru in
                    path.withUnsafeBytes { p in
                        body(DecisionFacts(encoded: EncodedDecision(id: i, reasons: rs, rules: ru), pathJSON: p, rawInput: raw,
                                           verdict: e.outcome.verdict, timestampNs: e.timestampNs, evalNs: e.evalNs,
                                           handlerNs: e.handlerNs, peer: e.peer, snapshotGeneration: e.snapshotGeneration))
                    }
                }
            }
        }
    }

    @Test func factsGiveTheEventsLineAndJournalEntry() throws {
        let dir = DecisionsTempDir()
        let journald = try DecisionJournalEntryTests.FakeJournald(dir)
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: dir.file("d.jsonl"), maxBytes: 1 << 20, maxFiles: 2),
                                       journal: DecisionJournal(logger: DecisionsCapturedLogs().infoLogger, sampleAllow: 1),
                                       journalSocket: JournalSocket(path: journald.path))
        let sink = DecisionLogSink(writer: writer, labels: [("version", "t")])
        #expect(sink.takesFacts)
        let two = ["zeta": BundleInfo(name: "zeta", revision: "z", activatedAtNs: 0),
                   "Alpha": BundleInfo(name: "Alpha", revision: "a\"x", activatedAtNs: 0)]
        let input: Value = ["tool": "fs.write", "n": [1, 2]]
        let events = [
            event(.deny, input: input, result: ["deny": .set(SetValue(["x"]))], handlerNs: 9, bundles: two),
            event(.allow, input: nil, result: "allow", handlerNs: nil, bundles: [:]),
            event(.deny, error: "eval_error", input: input, result: nil, handlerNs: 5, bundles: two),
            event(.escalate, input: input, result: nil, handlerNs: 5, bundles: ["b": BundleInfo(name: "b", revision: "r", activatedAtNs: 0)]),
        ]
        for e in events {
            for raw in [nil, #"{"tool":"fs.write","n":[1,2]}"#, "{ \"tool\" : \"fs.write\",\n \"n\": [1, 2] }"] as [String?] {
                var byEvent = DecisionBatch(), byFacts = DecisionBatch()
                let bytes = Array((raw ?? "").utf8)
                bytes.withUnsafeBytes { b in
                    let rawInput = raw.map { RawInput(bytes: b, isCompact: !$0.contains(" ")) }
                    sink.record(e, rawInput: rawInput, encoded: nil, batch: &byEvent)
                    withFacts(e, raw: rawInput) { f in
                        sink.record(f, path: e.path, outcome: e.outcome, errorMessage: e.errorMessage, input: e.input,
                                    result: e.result, bundles: e.bundles, batch: &byFacts)
                    }
                }
                #expect(byFacts.count == byEvent.count)
                #expect(String(decoding: byFacts.lines.bytes, as: UTF8.self) == String(decoding: byEvent.lines.bytes, as: UTF8.self))
                #expect(byFacts.datagrams == byEvent.datagrams)
                #expect(byFacts.datagramEnds == byEvent.datagramEnds && byFacts.datagramEnds.count == 1)
            }
        }
    }

    /// The daemon's sinks: the decision log takes facts and leaves the fan-out; a masking log
    /// (its records need the input value) stays an event sink.
    @Test func splitTakesTheUnmaskedLogOut() throws {
        let dir = DecisionsTempDir()
        let logger = Logger(label: "test")
        let plain = DecisionLogSink(writer: DecisionLogWriter(
            file: try RotatingLogFile(path: dir.file("a.jsonl"), maxBytes: 1 << 20, maxFiles: 2)))
        let masked = DecisionLogSink(writer: DecisionLogWriter(
            file: try RotatingLogFile(path: dir.file("b.jsonl"), maxBytes: 1 << 20, maxFiles: 2),
            mask: [try MaskRule(pointer: "/input/x")]))
        let other = LogDecisionSink(logger: logger, level: .info)
        let split = DecisionSinks.split(DecisionSinks(sinks: [other, plain]))
        #expect(split.facts === plain)
        #expect(split.events is LogDecisionSink)
        #expect(DecisionSinks.split(plain).facts === plain && DecisionSinks.split(plain).events == nil)
        let m = DecisionSinks.split(DecisionSinks(sinks: [other, masked]))
        #expect(m.facts == nil && m.events is DecisionSinks)
        #expect(DecisionSinks.split(nil).facts == nil)
    }
}
