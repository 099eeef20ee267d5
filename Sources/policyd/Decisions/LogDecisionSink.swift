import Engine
import Logging

/// Logs each decision (journal entry with MESSAGE_ID "decision") at info when `log.decisions`
/// is on, else at debug. The fields are the decision journal's (DecisionLog/DecisionJournal:
/// POLICYD_DECISION, POLICYD_ENTRYPOINT, POLICYD_REVISION, POLICYD_LATENCY_US,
/// POLICYD_PEER_PID/UID, POLICYD_DECISION_ID, POLICYD_REASON, POLICYD_RULES, POLICYD_ERROR), so
/// `journalctl POLICYD_DECISION=deny` finds every deny whichever of the two logged it.
/// POLICYD_RESULT repeats the decision for older queries. The full decision log is a separate sink.
struct LogDecisionSink: DecisionSink {
    let logger: Logger
    let level: Logger.Level

    func wants(_ verdict: Verdict, failed: Bool) -> Bool { level >= logger.logLevel }
    /// The journal fields name no input.
    var usesInputValue: Bool { false }

    func record(_ e: DecisionEvent) {
        guard level >= logger.logLevel else { return }
        var m: Logger.Metadata = [
            "POLICYD_DECISION_ID": .string(e.decisionID),
            "POLICYD_DECISION": .string(e.outcome.verdict.rawValue),
            "POLICYD_RESULT": .string(e.outcome.verdict.rawValue),
            "POLICYD_ENTRYPOINT": .string(e.path),
            "POLICYD_REVISION": .string(Self.revisions(e.bundles)),
            "POLICYD_PEER_PID": "\(e.peer.pid)",
            "POLICYD_PEER_UID": "\(e.peer.uid)",
            "POLICYD_LATENCY_US": "\(e.evalNs / 1000)",
        ]
        if !e.outcome.reasons.isEmpty { m["POLICYD_REASON"] = .string(e.outcome.reasons.joined(separator: "; ")) }
        if !e.outcome.rules.isEmpty { m["POLICYD_RULES"] = .string(e.outcome.rules.joined(separator: ",")) }
        if let code = e.outcome.error { m["POLICYD_ERROR"] = .string("\(code): \(e.errorMessage ?? e.outcome.reasons.first ?? "")") }
        logger.event(.decision, level, "decision \(e.outcome.verdict.rawValue) for \(e.path)", m)
    }

    /// As the decision log writes them: the revision alone for one bundle, else
    /// `name=revision` pairs sorted by name.
    static func revisions(_ bundles: [String: BundleInfo]) -> String {
        if bundles.count == 1, let only = bundles.values.first { return only.revision }
        return bundles.values.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            .map { "\($0.name)=\($0.revision)" }.joined(separator: ",")
    }
}
