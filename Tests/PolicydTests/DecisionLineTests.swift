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

    /// The request's own input bytes (compact or spaced) give the line `inputJSON` gives.
    @Test func rawInputBytesGiveTheSameLine() {
        let one = ["b1": BundleInfo(name: "b1", revision: "r1", activatedAtNs: 0)]
        let compact = #"{"k":[1,2.50],"s":"a b\" \\ c","u":"ü"}"#
        let spaced = " {\n \"k\" : [ 1 , 2.50 ] ,\t\"s\": \"a b\\\" \\\\ c\", \"u\":\"ü\" } "
        let expected = DecisionLogSink.record(from: event(.deny, input: nil, inputJSON: compact, bundles: one)).jsonLine + "\n"
        for (text, isCompact) in [(compact, true), (spaced, false)] {
            var cache = DecisionBatch.Fragments()
            var line: [UInt8] = []
            Array(text.utf8).withUnsafeBytes { bytes in
                DecisionLine.append(event(.deny, input: ["ignored": true], bundles: one),
                                    rawInput: RawInput(bytes: bytes, isCompact: isCompact),
                                    labelsJSON: [], to: &line, cache: &cache)
            }
            #expect(String(decoding: line, as: UTF8.self) == expected)
        }
    }

    /// The id, reasons and rules copied as the response encoded them give the same line.
    @Test func responseEncodedPiecesGiveTheSameLine() {
        let one = ["b1": BundleInfo(name: "b1", revision: "r1", activatedAtNs: 0)]
        for e in [event(.deny, bundles: one), event(.allow, error: "eval_error", bundles: [:])] {
            var plain: [UInt8] = []
            var cache = DecisionBatch.Fragments()
            DecisionLine.append(e, labelsJSON: [], to: &plain, cache: &cache)
            let id = JSONWriter.data(.string(e.decisionID))
            let reasons = JSONWriter.data(.array(e.outcome.reasons.map { .string($0) }))
            let rules = JSONWriter.data(.array(e.outcome.rules.map { .string($0) }))
            var copied: [UInt8] = []
            var cache2 = DecisionBatch.Fragments()
            id.withUnsafeBytes { i in
                reasons.withUnsafeBytes { rs in
                    rules.withUnsafeBytes { ru in
                        DecisionLine.append(e, encoded: EncodedDecision(id: i, reasons: rs, rules: ru), labelsJSON: [],
                                            to: &copied, cache: &cache2)
                    }
                }
            }
            #expect(String(decoding: copied, as: UTF8.self) == String(decoding: plain, as: UTF8.self))
        }
    }

    @Test func decimalsMatchStringDescription() {
        for v: Int64 in [0, 7, -7, 10, 1234, -1_000_000, Int64.max, Int64.min] {
            var out: [UInt8] = []
            DecisionLine.decimal(v, &out)
            #expect(String(decoding: out, as: UTF8.self) == String(v))
        }
    }

    /// The per-second cache gives `format`'s text across second, day and year boundaries and
    /// at the ends of Int64 (where secs × 10⁹ overflows and it falls back).
    /// One connection's cache across varied decisions (peers, bundles appearing and going,
    /// fractions with and without trailing zeros, unicode and escapes in every string), each
    /// line compared with the record's: the cached tail and the fraction digits stay exact.
    @Test func variedDecisionsOnOneCacheMatchTheRecordLine() {
        let one = ["b1": BundleInfo(name: "b1", revision: "r1", activatedAtNs: 0)]
        let two = ["ü/b": BundleInfo(name: "ü/b", revision: "\u{1}\t\"", activatedAtNs: 0),
                   "a": BundleInfo(name: "a", revision: "😀", activatedAtNs: 0)]
        let peers = [PeerCredentials(pid: 42, uid: 1000, gid: 7), PeerCredentials(pid: 1, uid: 0, gid: 0),
                     PeerCredentials(pid: 2_147_483_647, uid: 4_294_967_295, gid: 65534)]
        let fractions: [Int64] = [0, 1, 10, 100_000_000, 999_999_999, 123_456_789, 120_000_000, 5, 90, 900_000_001]
        let paths = ["a/b", "ü/ß/\u{7f}", "q\"uo\\te", "tab\there", "😀/x"]
        var k = 0
        for labels in [[], [("v", "1"), ("ü", "\u{0}")]] as [[(String, String)]] {
            var cache = DecisionBatch.Fragments()
            for (bi, bundles) in [one, [:], two, one, [:]].enumerated() {
                for peer in peers {
                    for frac in fractions {
                        k += 1
                        let verdict: Verdict = [.allow, .deny, .escalate][k % 3]
                        let error: String? = k % 4 == 0 ? "eval_error" : nil
                        var e = DecisionEvent(
                            decisionID: "01KAB5X00000000000000000\(k % 10)\(k % 7)", requestID: 1, path: paths[k % paths.count],
                            input: k % 5 == 0 ? nil : ["k": .string("v\u{2028}\(k)"), "ü": [1, 2.5, "\"\n"]],
                            outcome: DecisionOutcome(verdict: verdict, reasons: k % 2 == 0 ? [] : ["r \"q\"", "ü\n2"],
                                                     rules: ["a.b.deny", "\u{1f}"], error: error),
                            bundles: bundles, timestampNs: 1_763_791_234_000_000_000 + Int64(k % 3) * 1_000_000_000 + frac,
                            evalNs: Int64(k) * 997, peer: peer,
                            result: error == nil ? (k % 2 == 0 ? .string("s\u{0}ü") : ["deny": .set(SetValue(["x"]))]) : nil,
                            errorMessage: error.map { "failed: \"\($0)\"" }, handlerNs: k % 3 == 0 ? nil : Int64(k) * 100_003)
                        e.inputJSON = k % 5 == 0 ? #"{"raw":"\u00fc"}"# : nil
                        e.snapshotGeneration = bi
                        var line: [UInt8] = []
                        DecisionLine.append(e, labelsJSON: DecisionLine.labelsJSON(labels), to: &line, cache: &cache)
                        let expected = DecisionLogSink.record(from: e, labels: labels).jsonLine + "\n"
                        #expect(String(decoding: line, as: UTF8.self) == expected, "\(k)")
                    }
                }
            }
        }
    }

    @Test func cachedSecondMatchesFormat() {
        var second = RFC3339.Second()
        let base: Int64 = 1_798_761_599_000_000_000  // 2026-12-31T23:59:59Z
        var instants: [Int64] = [0, 1, -1, -1_500_000_000, Int64.max, Int64.min + 1]
        for k: Int64 in 0..<40 { instants.append(base + k * 123_456_789) }
        for ns in instants + instants.reversed() {
            var out: [UInt8] = []
            RFC3339.append(ns: ns, to: &out, second: &second)
            #expect(String(decoding: out, as: UTF8.self) == RFC3339.format(ns: ns), "\(ns)")
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
