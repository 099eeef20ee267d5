import Engine

/// The daemon's decision sink for the audit log: turns each `DecisionEvent` into a
/// `DecisionRecord` and queues it on the writer (never blocks the request's event loop).
struct DecisionLogSink: DecisionSink {
    let writer: DecisionLogWriter
    /// `labels` in every record (OPA puts the instance id and version there).
    let labels: [(String, String)]

    init(writer: DecisionLogWriter, labels: [(String, String)] = []) {
        self.writer = writer
        self.labels = labels
    }

    func wants(_ verdict: Verdict, failed: Bool) -> Bool {
        writer.wants(allow: verdict == .allow, failed: failed)
    }

    /// The file takes the request's input bytes as they are unless masking must edit them.
    var wantsInputJSON: Bool { writer.writesFile && !writer.masks }

    func record(_ e: DecisionEvent) {
        writer.record(Self.record(from: e, labels: labels))
    }

    static func record(from e: DecisionEvent, labels: [(String, String)] = []) -> DecisionRecord {
        var failure: DecisionRecord.Failure?
        if let code = e.outcome.error {
            failure = .init(code: code, message: e.errorMessage ?? e.outcome.reasons.first ?? code)
        }
        return DecisionRecord(
            decisionID: e.decisionID, timestampNs: e.timestampNs, path: e.path,
            decision: e.outcome.verdict.rawValue, reasons: e.outcome.reasons, rules: e.outcome.rules,
            input: e.inputJSON == nil ? e.input : nil, inputJSON: e.inputJSON, result: e.result,
            bundles: e.bundles.values.map { (name: $0.name, revision: $0.revision) },
            peer: .init(pid: e.peer.pid, uid: e.peer.uid, gid: e.peer.gid),
            evalNs: e.evalNs, handlerNs: e.handlerNs, error: failure, labels: labels)
    }
}
