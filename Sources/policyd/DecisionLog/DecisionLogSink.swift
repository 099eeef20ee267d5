import Engine

/// The daemon's decision sink for the audit log: turns each `DecisionEvent` into a
/// `DecisionRecord` and queues it on the writer (never blocks the request's event loop).
/// A class: the request path reaches it through an existential, and copying a reference is one
/// retain where copying the struct retained each of its fields.
final class DecisionLogSink: DecisionSink {
    let writer: DecisionLogWriter
    /// `labels` in every record (OPA puts the instance id and version there).
    let labels: [(String, String)]
    private let labelsJSON: [UInt8]
    /// The writer's configuration, fixed at init (read per decision without going through
    /// the writer, an object every connection shares).
    private let linesToFile: Bool
    private let encodesJournal: Bool
    private let journalOnly: Bool
    /// The request path may hand decisions over as `DecisionFacts` (no event): unmasked lines,
    /// and journal entries encoded here (or no journal).
    let takesFacts: Bool

    init(writer: DecisionLogWriter, labels: [(String, String)] = []) {
        self.writer = writer
        self.labels = labels
        labelsJSON = DecisionLine.labelsJSON(labels)
        linesToFile = writer.writesFile && !writer.masks
        encodesJournal = writer.encodesJournal
        journalOnly = writer.encodesJournal && !writer.writesFile
        takesFacts = (linesToFile || journalOnly) && (writer.encodesJournal || !writer.hasJournal)
    }

    func wants(_ verdict: Verdict, failed: Bool) -> Bool {
        writer.wants(allow: verdict == .allow, failed: failed)
    }

    /// The file takes the request's input bytes as they are unless masking must edit them.
    var wantsInputJSON: Bool { writer.writesFile && !writer.masks }
    /// The value is read only to mask it for the file: unmasked lines copy the request's bytes
    /// (`inputJSON`) and the journal logs no input.
    var usesInputValue: Bool { writer.writesFile && writer.masks }

    /// Without masks, the line is serialised here, on the event loop that made the decision,
    /// into the connection's batch (temporaries freed at once, by the thread that allocated
    /// them); `flush` hands the batch's lines to the writer as one chunk, so the writer thread
    /// only writes, and no per-decision record crosses threads except those the journal keeps.
    /// So is the journal entry, when the writer sends entries as datagrams (`encodesJournal`).
    func record(_ e: DecisionEvent, rawInput: RawInput?, encoded: EncodedDecision?, batch: inout DecisionBatch) {
        let toFile = linesToFile
        guard toFile || journalOnly else { return record(e) }
        if toFile {
            DecisionLine.append(e, rawInput: rawInput, encoded: encoded, labelsJSON: labelsJSON, to: batch.lines,
                                cache: &batch.fragments)
            batch.count += 1
        }
        let allow = e.outcome.verdict == .allow, failed = e.outcome.error != nil
        if encodesJournal {
            // Refusals by the journal's rate limit are counted in the batch and handed over in
            // `flush` (the request path flushes a batch holding only refusals too): no shared
            // counter written per decision.
            guard writer.journalTakes(allow: allow, failed: failed, nowNs: e.timestampNs,
                                      suppressed: &batch.journalSuppressed) else { return }
            if batch.fragments.revisionGeneration != e.snapshotGeneration || e.snapshotGeneration < 0 {
                batch.fragments.revision = DecisionJournalEntry.revision(e.bundles)
                batch.fragments.revisionGeneration = e.snapshotGeneration
            }
            DecisionJournalEntry.append(e, revision: batch.fragments.revision, to: &batch.datagrams)
            batch.datagramEnds.append(batch.datagrams.count)
            if !toFile { batch.count += 1 }
        } else if writer.journalWants(allow: allow, failed: failed) {
            batch.journal.append(Self.record(from: e, labels: labels))
        }
    }

    /// `record` for a decision the request path describes without an event (`takesFacts`):
    /// the same line and journal entry, written from the response's bytes and borrowed values.
    /// `input` serves only when `f.rawInput` is nil; `errorMessage` is the evaluation's error text.
    func record(_ f: DecisionFacts, path: String, outcome: DecisionOutcome, errorMessage: String?, input: Value?,
                result: Value?, bundles: [String: BundleInfo], batch: inout DecisionBatch) {
        var error: (code: String, message: String)?
        if let code = outcome.error { error = (code, errorMessage ?? outcome.reasons.first ?? code) }
        if linesToFile {
            DecisionLine.append(f, input: input, inputJSON: nil, result: result, error: error, bundles: bundles,
                                labelsJSON: labelsJSON, to: batch.lines, cache: &batch.fragments)
            batch.count += 1
        }
        guard encodesJournal else { return }
        // Refusals: counted in the batch, handed over in `flush` (as above).
        guard writer.journalTakes(allow: f.verdict == .allow, failed: error != nil, nowNs: f.timestampNs,
                                  suppressed: &batch.journalSuppressed) else { return }
        if batch.fragments.revisionGeneration != f.snapshotGeneration || f.snapshotGeneration < 0 {
            batch.fragments.revision = DecisionJournalEntry.revision(bundles)
            batch.fragments.revisionGeneration = f.snapshotGeneration
        }
        // The journal keeps what `DecisionJournalEntry.append(_ e:…)` gives for the event.
        let fields = DecisionJournalEntry.Fields(
            decision: f.verdict.rawValue, path: path, decisionID: String(decoding: f.idText, as: UTF8.self),
            latencyUs: (f.handlerNs ?? f.evalNs) / 1000, peer: (f.peer.pid, f.peer.uid), reasons: outcome.reasons,
            rules: outcome.rules, error: error)
        DecisionJournalEntry.append(fields, revision: batch.fragments.revision, to: &batch.datagrams)
        batch.datagramEnds.append(batch.datagrams.count)
        if !linesToFile { batch.count += 1 }
    }

    func flush(_ batch: inout DecisionBatch) {
        if batch.journalSuppressed > 0 {
            writer.countSuppressed(batch.journalSuppressed)
            batch.journalSuppressed = 0
        }
        guard batch.count > 0 else { return }
        // The lines' buffer goes to the writer as it is (a spare one comes back).
        writer.record(lines: batch.lines, count: batch.count, journal: batch.journal, datagrams: batch.datagrams,
                      ends: batch.datagramEnds)
        batch.count = 0
        // Under load the journal's rate limit leaves these empty: no call into the array's
        // slow path per hand-over then (0.1-0.2 % of the loops' samples).
        if !batch.journal.isEmpty { batch.journal.removeAll(keepingCapacity: true) }
        if !batch.datagramEnds.isEmpty {
            batch.datagrams.removeAll(keepingCapacity: batch.datagrams.capacity <= DecisionBatch.keptCapacity)
            batch.datagramEnds.removeAll(keepingCapacity: true)
        }
    }

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
