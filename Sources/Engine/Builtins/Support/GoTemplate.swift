/// Go's text/template as strings.render_template uses it (OPA parses the template as
/// "template" with Go's builtin functions and executes it on the variables decoded from JSON):
/// lexer (GoTemplateLexer.swift), parser (GoTemplateParse.swift), values (GoTemplateValue.swift),
/// execution (GoTemplateExec.swift) and functions (GoTemplateFuncs.swift). Errors carry Go's
/// texts, positions and node contexts; Go's "<no value>" shows as "<undefined>", as in OPA.
/// Not reproduced: complex constants, methods of json.Number, Go's exact capacity of decoded
/// arrays beyond 256 elements (seen only by `slice` past the length). Template recursion goes to
/// Go's depth (100000): a template that outgrows its thread's stack is run again on a thread
/// with a stack sized for that depth (DeepStack).
struct GoTemplate {
    struct Failure: Error { let message: String }

    let trees: [String: [Node]]
    let source: [UInt8]

    init(_ text: String) throws(Failure) {
        var parser = Parser(text)
        trees = try parser.parse()
        source = Array(text.utf8)
    }

    /// Stack for a run that outgrew its thread's: room for maxDepth nested invocations (a debug
    /// build touched about 370 MB recursing to the limit; release builds not measured). Should a
    /// template still run short, it fails with an error rather than overflowing.
    static let deepStackBytes: UInt = 2 << 30

    func execute(_ data: Value) throws(Failure) -> String {
        var outcome = run(data, budget: DeepStack.budget)
        if case .outOfStack = outcome {
            // Out of stack on this thread: start over on one with room for Go's whole depth.
            let bytes = GoTemplate.deepStackBytes
            outcome = DeepStack.run(stackBytes: Int(bytes)) { run(data, budget: bytes - DeepStack.reserve) } ?? .outOfStack
        }
        switch outcome {
        case .done(let out): return out
        case .failed(let f): throw f
        case .outOfStack: throw Failure(message: "template: template: recursion too deep for the available stack")
        }
    }

    private enum Outcome { case done(String), failed(Failure), outOfStack }

    private func run(_ data: Value, budget: UInt) -> Outcome {
        let root = GV(data)
        var exec = Exec(source: source, trees: trees, vars: [("$", root)])
        exec.stackFloor = DeepStack.floor(below: DeepStack.currentAddress(), budget: budget)
        do {
            try exec.walk(root, trees["template"] ?? [])
        } catch {
            switch error {
            case .fail(let f): return .failed(f)
            case .outOfStack: return .outOfStack
            case .breakLoop, .continueLoop: break
            }
        }
        return .done(exec.out.replacingOccurrences(of: "<no value>", with: "<undefined>"))
    }
}
