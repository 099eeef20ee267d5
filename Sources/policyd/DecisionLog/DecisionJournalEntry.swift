import Engine

/// A decision's journal entry as one native-protocol datagram (`JournalNative`), written into a
/// reused buffer: the fields `DecisionJournal.emit` gives swift-log's journald handler
/// (`DecisionJournal.metadata` sorted by name, then MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and
/// CODE_FILE/LINE/FUNC), without the metadata dictionary, the strings and the `strdup` per
/// field that path costs. DecisionJournalEntryTests holds the two to the same fields.
enum DecisionJournalEntry {
    /// What one entry says; strings are borrowed for the call.
    struct Fields {
        var decision: String
        var path: String
        var decisionID: String
        var latencyUs: Int64?
        var peer: (pid: Int32, uid: UInt32)?
        var reasons: [String]
        var rules: [String]
        var error: (code: String, message: String)?
    }

    /// Appends the datagram; `revision` is `DecisionRecord.revisionSummary`'s bytes.
    static func append(_ f: Fields, revision: [UInt8], to out: inout [UInt8]) {
        out.append(contentsOf: messageIDField)
        JournalNative.plainField("POLICYD_DECISION", f.decision.utf8, &out)
        JournalNative.plainField("POLICYD_DECISION_ID", f.decisionID.utf8, &out)
        JournalNative.field("POLICYD_ENTRYPOINT", f.path, &out)
        if let e = f.error {
            let start = JournalNative.beginField("POLICYD_ERROR", &out)
            out.append(contentsOf: e.code.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: e.message.utf8)
            JournalNative.endField(valueStart: start, &out)
        }
        if let us = f.latencyUs { JournalNative.decimalField("POLICYD_LATENCY_US", us, &out) }
        if let p = f.peer {
            JournalNative.decimalField("POLICYD_PEER_PID", Int64(p.pid), &out)
            JournalNative.decimalField("POLICYD_PEER_UID", Int64(p.uid), &out)
        }
        if !f.reasons.isEmpty { JournalNative.joinedField("POLICYD_REASON", f.reasons, separator: "; ", &out) }
        let start = JournalNative.beginField("POLICYD_REVISION", &out)
        out.append(contentsOf: revision)
        JournalNative.endField(valueStart: start, &out)
        if !f.rules.isEmpty { JournalNative.joinedField("POLICYD_RULES", f.rules, separator: ",", &out) }
        // MESSAGE as DecisionJournal.message builds it.
        let m = JournalNative.beginField("MESSAGE", &out)
        out.append(contentsOf: f.decision.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: f.path.utf8)
        if !f.reasons.isEmpty {
            out.append(contentsOf: ": ".utf8)
            JournalNative.appendJoined(f.reasons, separator: "; ", &out)
        }
        if let e = f.error {
            out.append(contentsOf: " [".utf8)
            out.append(contentsOf: e.code.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: e.message.utf8)
            out.append(UInt8(ascii: "]"))
        }
        JournalNative.endField(valueStart: m, &out)
        let priority = JournalLogHandler.priority(f.error != nil ? .warning : f.decision == "allow" ? .info : .notice)
        JournalNative.decimalField("PRIORITY", Int64(priority), &out)
        out.append(contentsOf: trailer)
    }

    /// The entry of a record (the writer thread's path: masked records, journal-only writers).
    static func append(_ r: DecisionRecord, to out: inout [UInt8]) {
        let f = Fields(decision: r.decision, path: r.path, decisionID: r.decisionID, latencyUs: r.latencyUs,
                       peer: r.peer.map { ($0.pid, $0.uid) }, reasons: r.reasons, rules: r.rules,
                       error: r.error.map { ($0.code, $0.message) })
        append(f, revision: Array(r.revisionSummary.utf8), to: &out)
    }

    /// The entry of an event (the request path), with the same values `DecisionLogSink.record(from:)`
    /// would give the record; `revision` comes from the connection's per-snapshot cache.
    static func append(_ e: DecisionEvent, revision: [UInt8], to out: inout [UInt8]) {
        var error: (String, String)?
        if let code = e.outcome.error { error = (code, e.errorMessage ?? e.outcome.reasons.first ?? code) }
        let f = Fields(decision: e.outcome.verdict.rawValue, path: e.path, decisionID: e.decisionID,
                       latencyUs: (e.handlerNs ?? e.evalNs) / 1000, peer: (e.peer.pid, e.peer.uid),
                       reasons: e.outcome.reasons, rules: e.outcome.rules, error: error)
        append(f, revision: revision, to: &out)
    }

    /// `DecisionRecord.revisionSummary` of an event's bundles.
    static func revision(_ bundles: [String: BundleInfo]) -> [UInt8] {
        if bundles.count == 1, let only = bundles.values.first { return Array(only.revision.utf8) }
        var b: [UInt8] = []
        for (i, info) in bundles.values.sorted(by: { regoStringsCompare($0.name, $1.name) < 0 }).enumerated() {
            if i > 0 { b.append(UInt8(ascii: ",")) }
            b.append(contentsOf: info.name.utf8)
            b.append(UInt8(ascii: "="))
            b.append(contentsOf: info.revision.utf8)
        }
        return b
    }

    private static let messageIDField = Array("MESSAGE_ID=\(DecisionJournal.messageID)\n".utf8)
    /// The fields every entry ends with (the handler's, for a call from here).
    private static let trailer: [UInt8] = location()

    private static func location(file: String = #fileID, function: String = #function, line: UInt = #line) -> [UInt8] {
        Array("SYSLOG_IDENTIFIER=policyd\nCODE_FILE=\(file)\nCODE_LINE=\(line)\nCODE_FUNC=\(function)\n".utf8)
    }
}
