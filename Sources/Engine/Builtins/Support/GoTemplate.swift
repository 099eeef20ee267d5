/// Go's text/template as strings.render_template uses it (OPA parses the template as
/// "template" with Go's builtin functions and executes it on the variables decoded from JSON):
/// lexer (GoTemplateLexer.swift), parser (GoTemplateParse.swift), values (GoTemplateValue.swift),
/// execution (GoTemplateExec.swift) and functions (GoTemplateFuncs.swift). Errors carry Go's
/// texts, positions and node contexts; Go's "<no value>" shows as "<undefined>", as in OPA.
/// Not reproduced: complex constants, methods of json.Number, Go's exact capacity of decoded
/// arrays beyond 256 elements (seen only by `slice` past the length), and template recursion
/// deeper than GoTemplate.maxDepth (reported with Go's depth error).
struct GoTemplate {
    struct Failure: Error { let message: String }

    let trees: [String: [Node]]
    let source: [UInt8]

    init(_ text: String) throws(Failure) {
        var parser = Parser(text)
        trees = try parser.parse()
        source = Array(text.utf8)
    }

    func execute(_ data: Value) throws(Failure) -> String {
        let root = GV(data)
        var exec = Exec(source: source, trees: trees, vars: [("$", root)])
        do {
            try exec.walk(root, trees["template"] ?? [])
        } catch {
            if case .fail(let f) = error { throw f }
        }
        return exec.out.replacingOccurrences(of: "<no value>", with: "<undefined>")
    }
}
