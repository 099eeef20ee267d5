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

/// Where decision events go. `record` is called on the request's event loop: it must not
/// block (queue and return).
protocol DecisionSink: Sendable {
    func record(_ event: DecisionEvent)
    /// Whether `record` would keep a decision with this verdict (cheap, no side effects): the
    /// request path builds no event when no sink wants it.
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
    func record(_ event: DecisionEvent, rawInput: RawInput?, batch: inout DecisionBatch)
    func flush(_ batch: inout DecisionBatch)
}

/// Per-connection staging for sinks (owned by the connection, used on its event loop only).
struct DecisionBatch {
    /// Serialised decision-log lines (each ending in a newline) and how many.
    var lines: [UInt8] = []
    var count = 0
    /// Records among them that the journal may log.
    var journal: [DecisionRecord] = []
    /// Buffer capacity a connection keeps between batches.
    static let keptCapacity = 64 * 1024
    /// Line pieces that repeat on a connection.
    struct Fragments {
        var peer: PeerCredentials?
        var peerJSON: [UInt8] = []
        var bundlesGeneration = -1
        var bundlesJSON: [UInt8] = []
        var second = RFC3339.Second()
    }
    var fragments = Fragments()
}

extension DecisionSink {
    func wants(_ verdict: Verdict, failed: Bool) -> Bool { true }
    var wantsInputJSON: Bool { false }
    var usesInputValue: Bool { true }
    func record(_ event: DecisionEvent, rawInput: RawInput?, batch: inout DecisionBatch) { record(event) }
    func flush(_ batch: inout DecisionBatch) {}
}

/// Fans one event out to several sinks.
struct DecisionSinks: DecisionSink {
    var sinks: [any DecisionSink]
    func record(_ event: DecisionEvent) {
        for s in sinks where s.wants(event.outcome.verdict, failed: event.outcome.error != nil) { s.record(event) }
    }
    func wants(_ verdict: Verdict, failed: Bool) -> Bool {
        sinks.contains { $0.wants(verdict, failed: failed) }
    }
    var wantsInputJSON: Bool { sinks.contains { $0.wantsInputJSON } }
    var usesInputValue: Bool { sinks.contains { $0.usesInputValue } }
    func record(_ event: DecisionEvent, rawInput: RawInput?, batch: inout DecisionBatch) {
        for s in sinks where s.wants(event.outcome.verdict, failed: event.outcome.error != nil) {
            s.record(event, rawInput: rawInput, batch: &batch)
        }
    }
    func flush(_ batch: inout DecisionBatch) {
        for s in sinks { s.flush(&batch) }
    }
}
