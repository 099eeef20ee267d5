/// `# METADATA` errors (malformed or misplaced blocks, redeclared package/document/subpackages
/// blocks). OPA only processes annotations when some module calls `rego.metadata.chain()` or
/// `rego.metadata.rule()`; otherwise the blocks are plain comments and never fail a compile.
enum AnnotationsCheck {
    static func run(_ modules: [Module], calls: CallSites) -> [EngineError] {
        guard calls.sites.contains(where: { $0.call.name == "rego.metadata.chain" || $0.call.name == "rego.metadata.rule" })
        else { return [] }
        let parseErrors = modules.flatMap(\.annotationErrors)
        if !parseErrors.isEmpty { return parseErrors }
        return AnnotationSet(modules).errors
    }
}
