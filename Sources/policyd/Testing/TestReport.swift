import Engine

/// The outcome of one Rego test or decision case.
public struct TestResult: Sendable {
    public enum Kind: String, Sendable { case rego, `case` }
    public enum Status: String, Sendable { case pass = "PASS", fail = "FAIL", error = "ERROR", skip = "SKIPPED" }

    public var kind: Kind
    public var name: String
    public var file: String
    public var line: Int
    public var status: Status
    public var durationNs: Int64 = 0
    /// Error text (status error, or a case whose evaluation failed).
    public var message: String?
    /// The value the test rule or the case's entrypoint produced (nil: undefined).
    public var actual: Value?
    public var input: Value?
    public var expected: MappedDecision?
    public var got: MappedDecision?
    public var prints: [String] = []
    /// A failed Rego test's `with input as …` terms and their values (nil: not computable).
    public var testInputs: [(input: TestInput, value: Value?)] = []

    init(kind: Kind, name: String, file: String, line: Int, status: Status) {
        self.kind = kind
        self.name = name
        self.file = file
        self.line = line
        self.status = status
    }

    public var location: String { "\(file):\(line)" }
}

/// All results of a run, plus load/compile errors that prevented running anything.
public struct TestReport: Sendable {
    public var results: [TestResult]
    public var errors: [String]

    public func count(_ s: TestResult.Status) -> Int { results.filter { $0.status == s }.count }

    /// True when nothing failed or errored (skips are fine) and everything compiled.
    public var passed: Bool { errors.isEmpty && count(.fail) == 0 && count(.error) == 0 }

    /// Human report in `opa test`'s shape: failures (with detail under -v), then a summary.
    public func text(verbose: Bool) -> String {
        var out = ""
        for e in errors { out += "error: \(e)\n" }
        guard errors.isEmpty else { return out }
        let bad = results.filter { $0.status == .fail || $0.status == .error }
        if !bad.isEmpty && !verbose {
            out += "FAILURES\n" + Self.rule
            for r in bad { out += line(r, withFile: true) + detail(r) }
            out += "\n"
        }
        // Like `opa test`: when everything passed, the quiet report is just the counts.
        let listAll = verbose || !bad.isEmpty
        out += (verbose || !listAll ? "" : "SUMMARY\n" + Self.rule)
        var lastFile = ""
        for r in results where listAll {
            if r.file != lastFile {
                if !lastFile.isEmpty { out += "\n" }
                out += "\(r.file):\n"
                lastFile = r.file
            }
            out += line(r)
            if verbose && (r.status == .fail || r.status == .error || !r.prints.isEmpty) { out += detail(r) }
        }
        if listAll { out += Self.rule }
        let total = results.count
        let pass = count(.pass)
        if pass > 0 || total == 0 { out += "PASS: \(pass)/\(total)\n" }
        if count(.fail) > 0 { out += "FAIL: \(count(.fail))/\(total)\n" }
        if count(.error) > 0 { out += "ERROR: \(count(.error))/\(total)\n" }
        if count(.skip) > 0 { out += "SKIPPED: \(count(.skip))/\(total)\n" }
        return out
    }

    static let rule = String(repeating: "-", count: 80) + "\n"

    private func line(_ r: TestResult, withFile: Bool = false) -> String {
        let label = r.kind == .rego ? r.name : "case \(r.name.debugDescription)"
        var s = "\(label) (\(withFile ? r.location : "line \(r.line)")): \(r.status.rawValue)"
        if r.status != .skip { s += " (\(Self.duration(r.durationNs)))" }
        return s + "\n"
    }

    private func detail(_ r: TestResult) -> String {
        var s = ""
        if let m = r.message { s += "  error: \(m)\n" }
        switch r.kind {
        case .rego:
            if r.status == .fail { s += "  value: \(r.actual.map { JSONWriter.string($0) } ?? "undefined")\n" }
            for (input, value) in r.testInputs {
                s += "  input (line \(input.line)): \(input.text)"
                if let value, JSONWriter.string(value) != input.text { s += " = \(JSONWriter.string(value))" }
                s += "\n"
            }
        case .case:
            if let e = r.expected, let g = r.got, r.status != .pass {
                s += "  expected: \(Self.describe(e))\n  actual:   \(Self.describe(g))\n"
                s += "  input:    \(r.input.map { JSONWriter.string($0) } ?? "none")\n"
                s += "  result:   \(r.actual.map { JSONWriter.string($0) } ?? "undefined")\n"
            }
        }
        for p in r.prints { s += "  print: \(p)\n" }
        return s
    }

    static func describe(_ d: MappedDecision) -> String {
        var s = d.decision
        if !d.reasons.isEmpty { s += " " + JSONWriter.string(.array(d.reasons.map(Value.string))) }
        if !d.rules.isEmpty { s += " rules=" + JSONWriter.string(.array(d.rules.map(Value.string))) }
        return s
    }

    static func duration(_ ns: Int64) -> String {
        if ns < 1_000 { return "\(ns)ns" }
        if ns < 1_000_000 { return "\(ns / 1_000)µs" }
        return "\(ns / 1_000_000)ms"
    }

    /// `{"passed": bool, "results": [...]}`: the daemon's `test` admin op and `policyd test --format json`.
    public var json: Value {
        var list: [Value] = []
        for r in results {
            var o: [String: Value] = [
                "kind": .string(r.kind.rawValue), "name": .string(r.name), "file": .string(r.file),
                "line": .int(r.line), "status": .string(r.status.rawValue.lowercased()),
                "duration_ns": .number(.int(Int(r.durationNs))),
            ]
            if let m = r.message { o["error"] = .string(m) }
            if r.status != .pass, let a = r.actual { o["value"] = a }
            if let e = r.expected { o["expected"] = Self.json(e) }
            if let g = r.got { o["actual"] = Self.json(g) }
            if !r.prints.isEmpty { o["prints"] = .array(r.prints.map(Value.string)) }
            if !r.testInputs.isEmpty {
                o["inputs"] = .array(r.testInputs.map { i in
                    var e: [String: Value] = ["line": .int(i.input.line), "expr": .string(i.input.text)]
                    if let v = i.value { e["value"] = v }
                    return .object(ObjectValue(e))
                })
            } else if r.kind == .case, r.status != .pass, let input = r.input {
                o["input"] = input
            }
            list.append(.object(ObjectValue(o)))
        }
        return .object(ObjectValue([
            "passed": .bool(passed), "results": .array(list),
            "errors": .array(errors.map(Value.string)),
            "summary": .object(ObjectValue([
                "total": .int(results.count), "pass": .int(count(.pass)), "fail": .int(count(.fail)),
                "error": .int(count(.error)), "skip": .int(count(.skip)),
            ])),
        ]))
    }

    static func json(_ d: MappedDecision) -> Value {
        .object(ObjectValue([
            "decision": .string(d.decision), "reasons": .array(d.reasons.map(Value.string)),
            "rules": .array(d.rules.map(Value.string)),
        ]))
    }
}
