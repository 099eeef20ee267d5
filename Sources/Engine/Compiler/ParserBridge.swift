/// The compiler's view of the syntax layer (parser and static checks), in one place.
enum ParserBridge {
    static func parseModule(_ m: RegoModule) throws(EngineErrors) -> Module {
        try Parser.parseModule(name: m.name, source: m.source, version: m.regoVersion)
    }

    /// The query and each top-level expression's source text.
    static func parseQuery(_ text: String) throws(EngineErrors) -> (body: Body, texts: [QuerySpan]) {
        let r = try Parser.parseQueryWithTexts(text)
        return (r.body, r.texts)
    }

    /// Static checks (conflicting rules, undefined functions, arity, recursion, types).
    static func check(_ modules: [Module], options: CompileOptions) -> [(CheckStage, EngineError)] {
        StaticChecks.staged(modules, options: options)
    }
}
