/// `# METADATA` errors (malformed or misplaced blocks, redeclared package/document/subpackages
/// blocks). OPA only processes annotations when some module calls `rego.metadata.chain()` or
/// `rego.metadata.rule()`; otherwise the blocks are plain comments and never fail a compile.
enum AnnotationsCheck {
    static func run(_ modules: [Module]) -> [EngineError] {
        guard modules.contains(where: callsMetadata) else { return [] }
        let parseErrors = modules.flatMap(\.annotationErrors)
        if !parseErrors.isEmpty { return parseErrors }
        return AnnotationSet(modules).errors
    }

    private static func callsMetadata(_ m: Module) -> Bool {
        var found = false
        for rule in m.rules where !found {
            ASTWalk.calls(in: rule) { call, _ in
                if call.name == "rego.metadata.chain" || call.name == "rego.metadata.rule" { found = true }
            }
        }
        return found
    }
}
