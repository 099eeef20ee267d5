/// A call to a function that returns nothing (`print`) used as a value: `r := print(1)`,
/// `[print(1)]`, `count(print(1))` → `print(1) used as value` (rego_type_error). OPA checks this
/// right after rewriting local variables, before rule conflicts.
enum VoidCallCheck {
    static func run(_ calls: CallSites) -> [EngineError] {
        var errors: [EngineError] = []
        for site in calls.sites where !site.exprLevel {
            guard case .builtin(_, let decl?) = site.callee, decl.result == nil else { continue }
            // OPA prints the rewritten call: local variables carry generated names there
            // (`print(__local0__)`); policyd prints the source names.
            errors.append(EngineError(.typeError, "\(RefText.term(Term(.call(site.call), location: site.call.location))) used as value",
                                      location: site.call.location))
        }
        return errors
    }
}
