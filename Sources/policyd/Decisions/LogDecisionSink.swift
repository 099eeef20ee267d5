import Engine
import Logging

/// Logs each decision (journal entry with MESSAGE_ID "decision" and POLICYD_* fields) at info
/// when `log.decisions` is on, else at debug. The full decision log is a separate sink.
struct LogDecisionSink: DecisionSink {
    let logger: Logger
    let level: Logger.Level

    func wants(_ verdict: Verdict, failed: Bool) -> Bool { level >= logger.logLevel }

    func record(_ e: DecisionEvent) {
        guard level >= logger.logLevel else { return }
        logger.event(.decision, level, "decision \(e.outcome.verdict.rawValue) for \(e.path)", [
            "POLICYD_DECISION_ID": .string(e.decisionID),
            "POLICYD_RESULT": .string(e.outcome.verdict.rawValue),
            "POLICYD_PATH": .string(e.path),
            "POLICYD_REASON": .string(e.outcome.reasons.joined(separator: "; ")),
            "POLICYD_REVISION": .string(e.bundles.values.map { "\($0.name)@\($0.revision)" }.sorted().joined(separator: ",")),
            "POLICYD_PEER_PID": "\(e.peer.pid)",
            "POLICYD_PEER_UID": "\(e.peer.uid)",
            "POLICYD_LATENCY_US": "\(e.evalNs / 1000)",
        ])
    }
}
