// `rego.metadata.chain()` / `rego.metadata.rule()` depend only on the rule that contains the
// call, so inside a rule they lower to constants (no runtime cost). In a query there is no rule:
// they stay builtin calls, which fail as OPA's do.

extension Lowerer {
    /// The constant a metadata call stands for in the rule being lowered, or nil.
    func metadataConstant(_ name: String, argCount: Int) -> Value? {
        guard argCount == 0, let rule = currentRule else { return nil }
        switch name {
        case "rego.metadata.chain": return plan.annotations.chain(rule: rule, package: env.package)
        case "rego.metadata.rule": return plan.annotations.ruleMetadata(rule: rule)
        default: return nil
        }
    }
}
