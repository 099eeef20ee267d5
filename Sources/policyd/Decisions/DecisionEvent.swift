import Engine

/// One decision, as handed to decision sinks (the decision log, the journal, metrics). Built
/// once per decide request after the response is written.
struct DecisionEvent: Sendable {
    var decisionID: String
    /// The request's `id`, echoed.
    var requestID: Value?
    var path: String
    var input: Value?
    var outcome: DecisionOutcome
    /// bundle name → revision of the snapshot that decided.
    var bundles: [String: BundleInfo]
    var timestampNs: Int64
    var evalNs: Int64
    var peer: PeerCredentials
    /// The entrypoint document (nil: undefined or failed), for the decision log's audit trail.
    var result: Value? = nil
    /// Evaluation error text when the decision failed closed because evaluation failed.
    var errorMessage: String? = nil
    /// Whole handler time (parse + evaluate + respond), when measured.
    var handlerNs: Int64? = nil
    /// `input` as compact JSON text (the request's own bytes without whitespace), when a sink
    /// asked for it (`wantsInputJSON`) and the request was read by the fast parser.
    var inputJSON: String? = nil
    /// Generation of the snapshot that decided (-1: unknown); `bundles` is the same for equal
    /// generations, so per-snapshot fragments can be cached by it.
    var snapshotGeneration = -1
}

/// The request's `input` as the frame holds it, for a sink that copies it into its output
/// (`wantsInputJSON`): valid only during the `record` call it is passed to. The request parser
/// has validated it (JSON, UTF-8), so copying the bytes gives the text `inputJSON` would hold.
struct RawInput {
    let bytes: UnsafeRawBufferPointer
    /// No whitespace between tokens (else the copy drops it).
    let isCompact: Bool
}

/// Pieces of a decision as its response encoded them (JSON, the bytes a decision-log line
/// holds for them): the decision id (a string literal), the reasons and the rules (arrays).
/// Valid only during the `record` call they are passed to.
struct EncodedDecision {
    let id: UnsafeRawBufferPointer
    let reasons: UnsafeRawBufferPointer
    let rules: UnsafeRawBufferPointer
}

/// A decision as the request path holds it right after writing the response, for the decision
/// log to write its line and journal entry without a `DecisionEvent` (no id string, no copies
/// or retains of the outcome, bundles and route per decision). Only trivial values: pointers
/// into the response and the request, valid only during the call they are passed to.
struct DecisionFacts {
    /// The decision id (a JSON string literal), reasons and rules as the response encoded them.
    var encoded: EncodedDecision
    /// The entrypoint's path as a JSON string literal.
    var pathJSON: UnsafeRawBufferPointer
    /// The request's input bytes (nil: no input, or none at hand as JSON).
    var rawInput: RawInput?
    var verdict: Verdict
    var timestampNs: Int64
    var evalNs: Int64
    var handlerNs: Int64?
    var peer: PeerCredentials
    /// Generation of the snapshot that decided (-1: unknown), for per-snapshot fragments.
    var snapshotGeneration: Int

    /// The decision id's characters (the string literal without its quotes; ids need no escapes).
    var idText: UnsafeRawBufferPointer {
        guard encoded.id.count >= 2 else { return encoded.id }
        return UnsafeRawBufferPointer(rebasing: encoded.id[1..<(encoded.id.count - 1)])
    }
}

/// Where decision events go. `record` is called on the request's event loop: it must not
/// block (queue and return).
protocol DecisionSink: Sendable {
    func record(_ event: DecisionEvent)
    /// Whether `record` would keep a decision with this verdict (cheap, no side effects): the
    /// request path builds no event when no sink wants it. The answer must be fixed for the
    /// sink's lifetime (it follows configuration): callers ask once (`WantedOutcomes`).
    func wants(_ verdict: Verdict, failed: Bool) -> Bool
    /// Whether this sink uses the input's JSON text (then the request path passes the
    /// input's bytes as `RawInput`).
    var wantsInputJSON: Bool { get }
    /// Whether this sink reads `DecisionEvent.input` (the parsed value). When no sink does,
    /// the request path parses only the input the policy can observe (input projection) and
    /// hands sinks `input == nil`; the default is the safe answer.
    var usesInputValue: Bool { get }
    /// `record` on behalf of a connection: a sink may stage its work in the connection's
    /// `batch` (e.g. serialised lines) and hand it on in `flush`, once per read batch.
    /// `rawInput` (when given) is the event's input as JSON bytes, valid during the call only.
    /// `encoded`: the event's id, reasons and rules as the response encoded them.
    func record(_ event: DecisionEvent, rawInput: RawInput?, encoded: EncodedDecision?, batch: inout DecisionBatch)
    func flush(_ batch: inout DecisionBatch)
}

/// Per-connection staging for sinks (owned by the connection, used on its event loop only).
struct DecisionBatch {
    /// Serialised decision-log lines (each ending in a newline), copied into the writer's
    /// staging block at `flush` (the buffer stays with the connection).
    var lines = LineBuffer()
    /// Decisions staged (lines, or journal entries without the file).
    var count = 0
    /// Records among them that the journal may log.
    var journal: [DecisionRecord] = []
    /// Journal entries encoded as datagrams (a writer with `encodesJournal`), and their ends.
    var datagrams: [UInt8] = []
    var datagramEnds: [Int] = []
    /// Journal entries the journal's rate limit refused, not yet handed to the writer.
    var journalSuppressed = 0
    /// Buffer capacity a connection keeps between batches.
    static let keptCapacity = 64 * 1024
    /// Line pieces that repeat on a connection.
    struct Fragments {
        var peer: PeerCredentials?
        var peerJSON: [UInt8] = []
        var bundlesGeneration = -1
        var bundlesJSON: [UInt8] = []
        var second = RFC3339.Second()
        /// What follows the input/result on every line of this connection: the bundles (when
        /// the snapshot has any), the peer and the metrics' first key, one copy per line.
        var tailJSON: [UInt8] = []
        var tailHasBundles = false
        /// The journal's POLICYD_REVISION for `revisionGeneration`'s snapshot.
        var revisionGeneration = -1
        var revision: [UInt8] = []
    }
    var fragments = Fragments()
}

extension DecisionSink {
    func wants(_ verdict: Verdict, failed: Bool) -> Bool { true }
    var wantsInputJSON: Bool { false }
    var usesInputValue: Bool { true }
    func record(_ event: DecisionEvent, rawInput: RawInput?, encoded: EncodedDecision?, batch: inout DecisionBatch) {
        record(event)
    }
    func flush(_ batch: inout DecisionBatch) {}
    /// Without the response's encoded pieces (tests, tools).
    func record(_ event: DecisionEvent, rawInput: RawInput?, batch: inout DecisionBatch) {
        record(event, rawInput: rawInput, encoded: nil, batch: &batch)
    }
}

/// A sink's `wants` answers for every (verdict, failed) pair, asked once: one bit each, so the
/// request path tests a bit instead of calling through an existential per decision.
struct WantedOutcomes: Sendable, Equatable {
    private var bits: UInt8 = 0

    init(_ sink: some DecisionSink) {
        for v in [Verdict.allow, .deny, .escalate] {
            for failed in [false, true] where sink.wants(v, failed: failed) { bits |= Self.bit(v, failed: failed) }
        }
    }

    /// What any of several sinks wants.
    init(union: [WantedOutcomes]) { bits = union.reduce(0) { $0 | $1.bits } }

    func contains(_ verdict: Verdict, failed: Bool) -> Bool { bits & Self.bit(verdict, failed: failed) != 0 }
    var isEmpty: Bool { bits == 0 }

    private static func bit(_ v: Verdict, failed: Bool) -> UInt8 {
        let i: UInt8 = switch v { case .allow: 0; case .deny: 1; case .escalate: 2 }
        return 1 << (i * 2 + (failed ? 1 : 0))
    }
}

/// Fans one event out to several sinks. What each sink wants is asked once, here. Sinks are
/// reached by index, after the wanted check: binding each (existential) sink to a variable
/// copied it, retaining every field of every sink per decision, wanted or not. A class, so
/// the request path's copy of it (an existential) is one retain.
final class DecisionSinks: DecisionSink {
    let sinks: [any DecisionSink]
    private let wanted: [WantedOutcomes]
    private let any: WantedOutcomes
    let wantsInputJSON: Bool
    let usesInputValue: Bool

    init(sinks: [any DecisionSink]) {
        self.sinks = sinks
        wanted = sinks.map { WantedOutcomes($0) }
        wantsInputJSON = sinks.contains { $0.wantsInputJSON }
        usesInputValue = sinks.contains { $0.usesInputValue }
        any = WantedOutcomes(union: wanted)
    }

    func record(_ event: DecisionEvent) {
        let failed = event.outcome.error != nil
        for i in sinks.indices where wanted[i].contains(event.outcome.verdict, failed: failed) { sinks[i].record(event) }
    }
    func wants(_ verdict: Verdict, failed: Bool) -> Bool { any.contains(verdict, failed: failed) }
    func record(_ event: DecisionEvent, rawInput: RawInput?, encoded: EncodedDecision?, batch: inout DecisionBatch) {
        let failed = event.outcome.error != nil
        for i in sinks.indices where wanted[i].contains(event.outcome.verdict, failed: failed) {
            sinks[i].record(event, rawInput: rawInput, encoded: encoded, batch: &batch)
        }
    }
    func flush(_ batch: inout DecisionBatch) {
        for i in sinks.indices { sinks[i].flush(&batch) }
    }
}

extension DecisionSinks {
    /// `sink` split for the request path: the decision log when it takes `DecisionFacts` (no
    /// event per decision), and the sinks that take events (nil: none).
    static func split(_ sink: (any DecisionSink)?) -> (facts: DecisionLogSink?, events: (any DecisionSink)?) {
        if let log = sink as? DecisionLogSink, log.takesFacts { return (log, nil) }
        guard let all = sink as? DecisionSinks,
              let i = all.sinks.firstIndex(where: { ($0 as? DecisionLogSink)?.takesFacts == true })
        else { return (nil, sink) }
        var others = all.sinks
        let log = others.remove(at: i) as? DecisionLogSink
        return (log, others.isEmpty ? nil : others.count == 1 ? others[0] : DecisionSinks(sinks: others))
    }
}
