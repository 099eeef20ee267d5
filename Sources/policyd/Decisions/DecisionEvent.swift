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
}

/// Where decision events go. `record` is called on the request's event loop: it must not
/// block (queue and return).
protocol DecisionSink: Sendable {
    func record(_ event: DecisionEvent)
}

/// Fans one event out to several sinks.
struct DecisionSinks: DecisionSink {
    var sinks: [any DecisionSink]
    func record(_ event: DecisionEvent) { for s in sinks { s.record(event) } }
}
