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
}

/// Where decision events go. `record` is called on the request's event loop: it must not
/// block (queue and return).
protocol DecisionSink: Sendable {
    func record(_ event: DecisionEvent)
    /// Whether `record` would keep a decision with this verdict (cheap, no side effects): the
    /// request path builds no event when no sink wants it.
    func wants(_ verdict: Verdict, failed: Bool) -> Bool
    /// Whether this sink uses `DecisionEvent.inputJSON` (then the request path copies the
    /// input's bytes for it).
    var wantsInputJSON: Bool { get }
}

extension DecisionSink {
    func wants(_ verdict: Verdict, failed: Bool) -> Bool { true }
    var wantsInputJSON: Bool { false }
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
}
