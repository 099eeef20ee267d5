import Engine

/// Re-evaluates logged decisions under a candidate policy and reports the ones that would
/// change: "what would this bundle have answered to the traffic we actually saw?".
///
/// Each record is evaluated at its own entrypoint path with its logged input and with the clock
/// fixed at its logged timestamp, then mapped exactly as the daemon maps answers. A decision
/// counts as changed when the outcome or the set of reasons differs.
public struct DecisionReplayer: Sendable {
    public var policy: any PolicyEvaluating
    public var mapping: DecisionMapping
    public var limits: EvalLimits

    public init(policy: any PolicyEvaluating, mapping: @escaping DecisionMapping, limits: EvalLimits = .default) {
        self.policy = policy
        self.mapping = mapping
        self.limits = limits
    }

    public struct Change: Sendable {
        public var record: DecisionRecord
        public var new: MappedDecision
        /// The candidate failed to evaluate (the new decision is then the fail-closed one).
        public var error: String?
        /// The logged input had fields masked, so the replay may not be faithful.
        public var inputMasked: Bool

        public var old: MappedDecision {
            MappedDecision(decision: record.decision, reasons: record.reasons, rules: record.rules)
        }
    }

    public struct Report: Sendable {
        public var replayed = 0
        public var unchanged = 0
        public var changes: [Change] = []
        /// Entries skipped because they recorded no decision to compare with.
        public var skipped = 0
        /// old → new decision counts, e.g. "allow → deny": 3.
        public var transitions: [String: Int] {
            var t: [String: Int] = [:]
            for c in changes { t["\(c.old.decision) → \(c.new.decision)", default: 0] += 1 }
            return t
        }
    }

    public func replay(_ records: [DecisionRecord]) -> Report {
        var report = Report()
        for r in records {
            guard !r.decision.isEmpty, !r.path.isEmpty else {
                report.skipped += 1
                continue
            }
            report.replayed += 1
            let ctx = EvalContext(nowNs: r.timestampNs == 0 ? nil : r.timestampNs)
            var result: Value?
            var failure: EngineError?
            do {
                result = try policy.evaluate(path: r.path.split(separator: "/").map(String.init), input: r.input,
                                             context: ctx, limits: limits)
            } catch {
                failure = error
            }
            let new = mapping(r.path, result, failure)
            let same = new.decision == r.decision && new.reasons.sorted() == r.reasons.sorted()
            if same {
                report.unchanged += 1
            } else {
                let masked = r.erased.contains { $0.hasPrefix("/input") } || r.masked.contains { $0.hasPrefix("/input") }
                report.changes.append(Change(record: r, new: new, error: failure.map { "\($0)" }, inputMasked: masked))
            }
        }
        return report
    }
}
