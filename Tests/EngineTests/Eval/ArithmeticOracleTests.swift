import Foundation
import Testing
@testable import Engine

/// Arithmetic and number text against OPA: every case of Fixtures/arithmetic-cases.txt was
/// evaluated by the real OPA as `r := json.marshal(EXPR)` (scripts/arithmetic-cases.py →
/// Fixtures/arithmetic-opa.json), so the expected strings are OPA's exact number text.
@Suite struct ArithmeticOracleTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let rego: String
        let marshal: String?
        let error: String?
        var description: String { name }
    }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/arithmetic-opa.json")
        guard let data = try? Data(contentsOf: url), case .array(let items)? = try? JSONReader.parse(bytes: data) else { return [] }
        return items.compactMap { item in
            guard case .string(let name)? = item["case"], case .string(let rego)? = item["rego"] else { return nil }
            var marshal: String?, error: String?
            if case .string(let m)? = item["marshal"] { marshal = m }
            if case .string(let e)? = item["error"] { error = e }
            guard marshal != nil || error != nil else { return nil }
            return Case(name: name, rego: rego, marshal: marshal, error: error)
        }
    }()

    @Test func fixtureIsPresent() {
        #expect(Self.cases.count > 150)
    }

    @Test func matchesOPA() {
        var failures = 0
        for c in Self.cases {
            let got: String
            do {
                let p = try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: c.rego, regoVersion: .v1)])
                let v = try p.evaluate(path: ["t", "r"], input: nil, context: EvalContext(strictBuiltinErrors: true))
                if case .string(let s)? = v { got = s } else { got = "<\(v.map { JSONWriter.string($0) } ?? "undefined")>" }
            } catch {
                got = "ERR \(error)"
            }
            if let want = c.marshal {
                if got != want { failures += 1; Issue.record("\(c.name): want \(want) got \(got)") }
            } else if let want = c.error {
                // OPA's message is "<builtin>: <text>"; ours carries the same text.
                let text = want.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? want
                if !(got.hasPrefix("ERR") && got.contains(text)) {
                    failures += 1
                    Issue.record("\(c.name): want error \(want) got \(got)")
                }
            }
        }
        #expect(failures == 0)
    }

    @Test func valueLayoutDidNotGrow() {
        // The wide case is boxed: a Value stays three words.
        #expect(MemoryLayout<Value>.size <= 24)
        #expect(MemoryLayout<Number>.size <= 9)
    }
}
