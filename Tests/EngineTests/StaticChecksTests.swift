import Foundation
import Testing
import Yams
@testable import Engine

@Suite struct StaticChecksTests {
    func errors(_ sources: [String], options: CompileOptions = CompileOptions()) throws -> [EngineError] {
        let modules = try sources.enumerated().map { try Parser.parseModule(name: "test-\($0.offset).rego", source: $0.element) }
        return StaticChecks.run(modules, options: options)
    }

    @Test func conflictingRuleKinds() throws {
        let e1 = try errors(["package x\np := 1\np contains 2"])
        #expect(e1.map(\.description) == ["test-0.rego:2: rego_type_error: conflicting rules data.x.p found"])
        let e2 = try errors(["package x\nf(x) := 1\nf := 2"])
        #expect(e2.first?.message == "conflicting rules data.x.f found")
        let e3 = try errors(["package x\np := 1\np.q := 2"])
        #expect(e3.first?.message == "rule data.x.p conflicts with:\n  rule data.x.p.q at test-0.rego:3")
        let e4 = try errors(["package x\ndefault p := 1\ndefault p := 2"])
        // OPA lists where the defaults are.
        #expect(e4.first?.message == "multiple default rules data.x.p found at test-0.rego:2, test-0.rego:3")
        #expect(try errors(["package x\np.a := 1\np.b := 2\nq[k] := 1 if some k in [1]"]).isEmpty)
    }

    @Test func undefinedFunctionsAndArity() throws {
        #expect(try errors(["package x\np if { x := foo(1) }"]).first?.message == "undefined function foo")
        #expect(try errors(["package x\nf(x) := 1\np if { x := f(1, 2) }"]).first?.message
            == "function data.x.f has arity 1, got 2 arguments")
        #expect(try errors(["package x\nf(x, y) := 1\np if { x := f(1) }"]).first?.message
            == "function data.x.f has arity 2, got 1 argument")
        // Calling a rule that is not a function (OPA: arity 0).
        #expect(try errors(["package x\ng := 1\np := g(1, 2)"]).first?.message
            == "function data.x.g has arity 0, got 2 arguments")
        let arity = try errors(["package x\np if { x := count(1, 2) }"])
        #expect(arity.first?.message.hasPrefix("count: arity mismatch\n\thave: (number, number, ???)\n\twant: (") == true)
        // An output argument at expression level is fine; so are imports and data refs.
        #expect(try errors([
            "package x\nimport data.lib\np if { count([1], n); lib.f(1); data.lib.f(2) }",
            "package lib\nf(x) := x",
        ]).isEmpty)
    }

    @Test func deprecatedBuiltinsOnlyInV1() throws {
        let e = try errors(["package x\np := count(set_diff({1}, {2}))\nq if any([true])"])
        #expect(e.map(\.message) == ["deprecated built-in function calls in expression: set_diff",
                                      "deprecated built-in function calls in expression: any"])
        #expect(e.allSatisfy { $0.code == .typeError })
        // v0 modules may still call them, unless they opt into v1 with `import rego.v1`.
        let v0 = try Parser.parseModule(name: "v0.rego", source: "package x\np { re_match(\"a\", \"a\") }", version: .v0)
        #expect(StaticChecks.run([v0]).isEmpty)
        let v0v1 = try Parser.parseModule(name: "v0.rego", source: "package x\nimport rego.v1\np if { re_match(\"a\", \"a\") }", version: .v0)
        #expect(StaticChecks.run([v0v1]).map(\.message) == ["deprecated built-in function calls in expression: re_match"])
        // A user function named like a deprecated builtin shadows it.
        #expect(try errors(["package x\nany(x) := 2\nq := any(1)"]).isEmpty)
        // OPA's deprecated stage runs last, only when every earlier check passed.
        #expect(try errors(["package x\nr if { re_match(\"a\", \"a\") }\ns if { x := 1; x := 2 }"]).map(\.message)
            == ["var x assigned above"])
        #expect(try errors(["package x\nr if { re_match(1, \"a\") }"]).map(\.message)
            == ["re_match: invalid argument(s)\n\thave: (number, string)\n\twant: (string, string, boolean)"])
    }

    @Test func refusedNetworkBuiltins() throws {
        let e = try errors(["package x\np if { http.send({\"method\": \"get\", \"url\": \"http://x\"}) }"])
        #expect(e.count == 1 && e[0].code == .typeError && e[0].message.contains("not allowed in the sidecar"))
        #expect(try errors(["package x\np if { http.send({}) }"], options: CompileOptions(allowNetworkBuiltins: true)).isEmpty)
        // Mocked with `with` (tests): allowed.
        #expect(try errors(["package x\nf(_) := {}\np if { q with http.send as f }\nq if { http.send({}) }"]).isEmpty)
    }

    @Test func builtinArgumentTypes() throws {
        let e = try errors(["package x\np if { x := concat(1, [\"a\"]) }"])
        #expect(e.first?.message == "concat: invalid argument(s)\n\thave: (number, array<string>, ???)\n\twant: (delimiter: string, collection: any<array[string], set[string]>, output: string)")
        #expect(try errors(["package x\np if { x := concat(\",\", input.xs); y := upper(x) }"]).isEmpty)
    }

    @Test func recursion() throws {
        let e = try errors(["package x\np if q\nq if r\nr if p"])
        #expect(e.map(\.message) == [
            "rule data.x.p is recursive: data.x.p -> data.x.q -> data.x.r -> data.x.p",
            "rule data.x.q is recursive: data.x.q -> data.x.r -> data.x.p -> data.x.q",
            "rule data.x.r is recursive: data.x.r -> data.x.p -> data.x.q -> data.x.r",
        ])
        #expect(e.allSatisfy { $0.code == .recursionError })
        let f = try errors(["package x\nf(n) := f(n - 1) if n > 0"])
        #expect(f.first?.message == "rule data.x.f is recursive: data.x.f -> data.x.f")
        // A local variable named like a rule is not a reference to it.
        #expect(try errors(["package x\np if { q := 1; q == 1 }\nq := 2"]).isEmpty)
    }

    /// No false positives: every conformance case that expects a result passes the checks
    /// (except cases calling builtins the sidecar refuses by design).
    @Test func corpusCasesPassChecks() throws {
        var failures: [String] = []
        for version in ["v1", "v0"] {
            let root = URL(fileURLWithPath: ParserCorpusTests.casesRoot).appendingPathComponent(version)
            guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in walker where url.pathExtension == "yaml" {
                let text = try String(contentsOf: url, encoding: .utf8)
                guard let doc = try Yams.load(yaml: text) as? [String: Any], let cases = doc["cases"] as? [[String: Any]] else { continue }
                for (i, c) in cases.enumerated() where c["want_error_code"] == nil && c["want_error"] == nil {
                    let sources = c["modules"] as? [String] ?? []
                    // The harness skips cases calling OPA's test-only builtin.
                    if sources.contains(where: { $0.contains("test.sleep(") }) { continue }
                    guard let modules = try? sources.enumerated().map({
                        try Parser.parseModule(name: "test-\($0.offset).rego", source: $0.element, version: version == "v0" ? .v0 : .v1)
                    }) else { continue }
                    let errs = StaticChecks.run(modules)
                    if !errs.isEmpty, !errs.allSatisfy({ $0.message.contains("not allowed in the sidecar") }) {
                        failures.append("\(url.lastPathComponent)#\(i) [\(version)]: \(errs[0])")
                    }
                }
            }
        }
        for f in failures.prefix(40) { print("CHECK FAIL \(f)") }
        #expect(failures.count == 0, "result-expecting cases failing the static checks")
    }
}
