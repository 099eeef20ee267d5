import Engine

/// The daemon's decision mapping (Decisions/DecisionMapper.swift) as the test runner and replay
/// use it, so a case file or a replay answers exactly what a request would get: deny > escalate >
/// allow > the entrypoint's default (config, else the bundles' manifest declarations, else deny);
/// undefined results and evaluation errors fail closed.
enum DaemonDecisionMapping {
    /// Mapping with the entrypoint defaults of `config` (default deny when none is configured).
    static func mapping(config: Configuration = Configuration()) -> DecisionMapping {
        mapping(entrypoints: EntrypointDefaults(config: config))
    }

    static func mapping(entrypoints: EntrypointDefaults) -> DecisionMapping {
        { path, result, error in
            let segments = path.split(separator: "/").map(String.init)
            let outcome: DecisionOutcome
            if let error {
                outcome = DecisionMapper.failClosed(code: "eval_error", reason: "evaluation failed: \(error)")
            } else {
                outcome = DecisionMapper.map(result: result, path: segments,
                                             defaultDecision: entrypoints.defaultDecision(segments))
            }
            return MappedDecision(decision: outcome.verdict.rawValue, reasons: outcome.reasons, rules: outcome.rules)
        }
    }
}
