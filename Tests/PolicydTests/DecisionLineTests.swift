import Engine
import Testing
@testable import policyd

/// The decision-log line written straight from an event must be byte for byte the line of the
/// record the sink would build from it.
@Suite struct DecisionLineTests {
    func event(_ verdict: Verdict, error: String? = nil, input: Value? = ["a": 1], inputJSON: String? = nil,
               bundles: [String: BundleInfo], handlerNs: Int64? = 7, ts: Int64 = 1_763_791_234_567_890_000) -> DecisionEvent
    {
        var e = DecisionEvent(decisionID: "01KAB5X0000000000000000000", requestID: 1, path: "a/b", input: input,
                              outcome: DecisionOutcome(verdict: verdict, reasons: ["r \"q\"", "ü\n2"], rules: ["a.b.deny"],
                                                       error: error),
                              bundles: bundles, timestampNs: ts, evalNs: 1234, peer: PeerCredentials(pid: 42, uid: 1000, gid: 7),
                              result: error == nil ? ["deny": .set(SetValue(["x", "y"]))] : nil,
                              errorMessage: error.map { "failed: \($0)" }, handlerNs: handlerNs)
        e.inputJSON = inputJSON
        e.snapshotGeneration = bundles.count
        return e
    }

    @Test func matchesTheRecordLine() {
        let one = ["b1": BundleInfo(name: "b1", revision: "r1", activatedAtNs: 0)]
        let three = ["zeta": BundleInfo(name: "zeta", revision: "z", activatedAtNs: 0),
                     "Alpha": BundleInfo(name: "Alpha", revision: "a\"x", activatedAtNs: 0),
                     "beta": BundleInfo(name: "beta", revision: "", activatedAtNs: 0)]
        let events = [
            event(.deny, bundles: one),
            event(.allow, input: nil, bundles: [:], handlerNs: nil, ts: 1_763_791_234_000_000_000),
            event(.deny, error: "eval_error", input: nil, inputJSON: #"{"k":[1,2]}"#, bundles: three),
            event(.escalate, bundles: three, ts: -1_500_000_000),
        ]
        for labels in [[], [("version", "1.0"), ("host", "h\\1")]] as [[(String, String)]] {
            var cache = DecisionBatch.Fragments()
            for e in events {
                var line: [UInt8] = []
                DecisionLine.append(e, labelsJSON: DecisionLine.labelsJSON(labels), to: &line, cache: &cache)
                let expected = DecisionLogSink.record(from: e, labels: labels).jsonLine + "\n"
                #expect(String(decoding: line, as: UTF8.self) == expected)
            }
        }
    }

    @Test func timestampBytesMatchFormat() {
        for ns: Int64 in [0, 1, 1_763_791_234_567_890_000, 1_763_791_234_500_000_000, -1, Int64.max] {
            var out: [UInt8] = []
            RFC3339.append(ns: ns, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == RFC3339.format(ns: ns))
        }
    }
}
