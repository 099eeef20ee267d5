import Logging

/// Decision entries for the journal, sent through swift-log so the daemon's journald handler
/// turns metadata into native fields (POLICYD_DECISION, POLICYD_ENTRYPOINT, POLICYD_REVISION,
/// POLICYD_LATENCY_US, POLICYD_PEER_PID/UID, POLICYD_DECISION_ID, …).
///
/// Every deny and escalate (and every error) is logged; allows are sampled at
/// `sampleAllow` (0 = none, 1 = all). Sampling is a deterministic stride, not a coin toss, so
/// the logged share is exact and tests can count it.
public struct DecisionJournal {
    /// Stable MESSAGE_ID for decision entries (`journalctl MESSAGE_ID=…` finds them all).
    static let messageID = EventKind.decision.rawValue

    public let logger: Logger
    public let sampleAllow: Double
    private var allowsSeen: UInt64 = 0

    public init(logger: Logger, sampleAllow: Double) {
        self.logger = logger
        self.sampleAllow = min(1, max(0, sampleAllow))
    }

    /// Whether this record goes to the journal (advances the allow sampler).
    public mutating func shouldLog(_ r: DecisionRecord) -> Bool {
        if r.decision != "allow" || r.error != nil { return true }
        guard sampleAllow > 0 else { return false }
        let before = (Double(allowsSeen) * sampleAllow).rounded(.down)
        allowsSeen &+= 1
        return (Double(allowsSeen) * sampleAllow).rounded(.down) > before
    }

    public mutating func emit(_ r: DecisionRecord) {
        guard shouldLog(r) else { return }
        logger.log(level: Self.level(r), Self.message(r), metadata: Self.metadata(r))
    }

    static func level(_ r: DecisionRecord) -> Logger.Level {
        if r.error != nil { return .warning }
        return r.decision == "allow" ? .info : .notice
    }

    static func message(_ r: DecisionRecord) -> Logger.Message {
        var text = "\(r.decision) \(r.path)"
        if !r.reasons.isEmpty { text += ": " + r.reasons.joined(separator: "; ") }
        if let e = r.error { text += " [\(e.code): \(e.message)]" }
        return Logger.Message(stringLiteral: text)
    }

    public static func metadata(_ r: DecisionRecord) -> Logger.Metadata {
        var m: Logger.Metadata = [
            "MESSAGE_ID": .string(messageID),
            "POLICYD_DECISION": .string(r.decision),
            "POLICYD_ENTRYPOINT": .string(r.path),
            "POLICYD_DECISION_ID": .string(r.decisionID),
            "POLICYD_REVISION": .string(r.revisionSummary),
        ]
        if let us = r.latencyUs { m["POLICYD_LATENCY_US"] = .string(String(us)) }
        if let p = r.peer {
            m["POLICYD_PEER_PID"] = .string(String(p.pid))
            m["POLICYD_PEER_UID"] = .string(String(p.uid))
        }
        if !r.reasons.isEmpty { m["POLICYD_REASON"] = .string(r.reasons.joined(separator: "; ")) }
        if !r.rules.isEmpty { m["POLICYD_RULES"] = .string(r.rules.joined(separator: ",")) }
        if let e = r.error { m["POLICYD_ERROR"] = .string("\(e.code): \(e.message)") }
        return m
    }
}
