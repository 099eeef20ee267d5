import Engine

/// The inputs a Rego test evaluates with (`… with input as <term>`), so a failing test can show
/// them (`policyd test`, the `test` admin op): the term's source text, and its value computed by
/// compiling it as a rule next to the test (same package and imports) once a test has failed.
public struct TestInput: Sendable, Equatable {
    /// The term's source text (filled in when the test has failed: finding it costs parses).
    public var text: String = ""
    public var line: Int
    var start: SourceLocation
    /// Where the next `with` of the same expression starts, if any.
    var stop: SourceLocation?
}

enum TestInputs {
    /// Every `with input as …` in a test rule's body (and else branches), in source order.
    static func find(in rule: Rule) -> [TestInput] {
        var out: [TestInput] = []
        func visit(_ body: Body) {
            for expr in body {
                for (i, w) in expr.with.enumerated() {
                    guard case .ref(let r) = w.target.value, r.headVariable == "input", r.parts.isEmpty else { continue }
                    let next = i + 1 < expr.with.count ? expr.with[i + 1].location : nil
                    out.append(TestInput(line: w.value.location.row, start: w.value.location, stop: next))
                }
            }
        }
        visit(rule.body)
        for e in rule.elseChain { visit(e.body) }
        return out
    }

    /// The text of the term starting at `start`: the shortest run of source (up to the next
    /// `with` on the same line, else whole lines, trailing braces trimmed) that parses as a term.
    static func sourceText(_ lines: [String], from start: SourceLocation, stopAt next: SourceLocation?,
                           version: RegoVersion) -> String? {
        guard start.row >= 1, start.row <= lines.count else { return nil }
        let first = Array(lines[start.row - 1].utf8)
        guard start.col >= 1, start.col <= first.count else { return nil }
        var end = first.count
        if let next, next.row == start.row, next.col > start.col { end = next.col - 1 }
        var text = String(decoding: first[(start.col - 1)..<end], as: UTF8.self)
        var extraLimitReached = next?.row == start.row
        for extra in 0..<20 where !extraLimitReached || extra == 0 {
            if extra > 0 {
                let row = start.row + extra
                guard row <= lines.count else { break }
                var line = lines[row - 1]
                // The next `with` of the same expression ends this term.
                if let next, next.row == row, next.col >= 1 {
                    line = String(decoding: Array(line.utf8).prefix(next.col - 1), as: UTF8.self)
                }
                text += "\n" + line
                if let next, next.row == row { extraLimitReached = true }
            }
            var candidate = Substring(text)
            // A one-line rule `test_x if { … with input as {…} }` ends in the rule's brace.
            while true {
                let trimmed = candidate.trimmingCharacters(in: .whitespacesAndNewlines)
                if !trimmed.isEmpty, parses(trimmed, version: version) { return trimmed }
                guard let last = candidate.lastIndex(where: { $0 == "}" || $0 == ")" || $0 == "]" }) else { break }
                candidate = candidate[..<last]
            }
        }
        return nil
    }

    static func parses(_ term: String, version: RegoVersion) -> Bool {
        (try? Parser.parseModule(name: "input.rego", source: "package p\n__policyd_input := \(term)\n", version: version)) != nil
            && !term.hasSuffix("with") && !term.contains("\nwith ")
    }

    /// A failed test's inputs with their text and values: each text compiled as a rule in the test's package
    /// (with its module's imports) next to the sources, and evaluated. nil where that fails
    /// (the term uses the test body's local variables, say).
    static func resolve(_ test: RegoTest, modules: [RegoModule], data: Value,
                        compile: PolicyTestRunner.Compiler) -> [(input: TestInput, value: Value?)] {
        guard !test.inputs.isEmpty, let module = modules.first(where: { $0.name == test.file }) else { return [] }
        let lines = module.source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var inputs: [TestInput] = []
        for var input in test.inputs {
            // The same input asserted several times is shown once.
            guard let text = sourceText(lines, from: input.start, stopAt: input.stop, version: module.regoVersion),
                  !inputs.contains(where: { $0.text == text }) else { continue }
            input.text = text
            inputs.append(input)
        }
        let imports = module.source.split(separator: "\n").filter { $0.hasPrefix("import ") }.joined(separator: "\n")
        var results: [(input: TestInput, value: Value?)] = []
        for (i, input) in inputs.enumerated() {
            let name = "__policyd_input_\(i)"
            let extra = RegoModule(name: module.name + "#input\(i)",
                                   source: "package \(test.package.joined(separator: "."))\n\(imports)\n\(name) := \(input.text)\n",
                                   regoVersion: module.regoVersion)
            let value: Value?
            if let policy = try? compile(modules + [extra], data) {
                value = try? policy.evaluate(path: test.package + [name], input: nil, context: EvalContext(), limits: .default)
            } else {
                value = nil
            }
            results.append((input, value))
        }
        return results
    }
}
