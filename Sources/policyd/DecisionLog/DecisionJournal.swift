import Logging

/// Decision entries for the journal, with the fields POLICYD_DECISION, POLICYD_ENTRYPOINT,
/// POLICYD_REVISION, POLICYD_LATENCY_US, POLICYD_PEER_PID/UID, POLICYD_DECISION_ID, …: sent
/// through swift-log (the daemon's journald handler turns metadata into native fields), or,
/// when the daemon logs to the journal, encoded straight into native-protocol datagrams
/// (`DecisionJournalEntry`) with the same fields and sent in batches (`JournalSocket`).
///
/// Every deny and escalate (and every error) is logged; allows are sampled at
/// `sampleAllow` (0 = none, 1 = all). Sampling is a deterministic stride, not a coin toss, so
/// the logged share is exact and tests can count it.
public struct DecisionJournal {
    /// Stable MESSAGE_ID for decision entries (`journalctl MESSAGE_ID=…` finds them all).
    static let messageID = EventKind.decision.rawValue

    public let logger: Logger
    public let sampleAllow: Double
    /// Entries beyond this rate are counted, not sent (nil: no limit).
    let rateLimit: JournalRateLimit?
    private var allowsSeen: UInt64 = 0

    init(logger: Logger, sampleAllow: Double, rateLimit: JournalRateLimit? = nil) {
        self.logger = logger
        self.sampleAllow = min(1, max(0, sampleAllow))
        self.rateLimit = rateLimit
    }

    /// Whether this record goes to the journal (advances the allow sampler).
    public mutating func shouldLog(_ r: DecisionRecord) -> Bool {
        if r.decision != "allow" || r.error != nil { return true }
        guard sampleAllow > 0 else { return false }
        allowsSeen &+= 1
        return Self.sampled(allowsSeen, rate: sampleAllow)
    }

    /// Whether the `n`-th allow (from 1) is logged at `rate`: an exact stride.
    static func sampled(_ n: UInt64, rate: Double) -> Bool {
        (Double(n) * rate).rounded(.down) > (Double(n - 1) * rate).rounded(.down)
    }

    public mutating func emit(_ r: DecisionRecord) {
        guard shouldLog(r), Self.level(r) >= logger.logLevel else { return }
        if let rateLimit, !rateLimit.admit(nowNs: r.timestampNs) { return rateLimit.countSuppressed(1) }
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
