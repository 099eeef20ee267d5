import Foundation
import Testing
@testable import Engine

/// A fixture of Rego expressions answered by the real OPA as `r := json.marshal(EXPR)`
/// (scripts/arithmetic-cases.py writes Fixtures/<name>-opa.json): each case carries OPA's
/// exact result text, its error, or `undefined`. Shared by the number oracle suites.
struct OPAMarshalFixture {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let rego: String
        /// The marshalled result; nil when OPA's answer is undefined or an error.
        let marshal: String?
        let error: String?
        var description: String { name }
    }

    /// The cases of Fixtures/`file` (empty when the file is missing; suites check the count).
    static func load(_ file: String) -> [Case] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/\(file)")
        guard let data = try? Data(contentsOf: url), case .array(let items)? = try? JSONReader.parse(bytes: data) else { return [] }
        return items.compactMap { item in
            guard case .string(let name)? = item["case"], case .string(let rego)? = item["rego"] else { return nil }
            var marshal: String?, error: String?
            if case .string(let m)? = item["marshal"] { marshal = m }
            if case .string(let e)? = item["error"] { error = e }
            guard marshal != nil || error != nil || item["undefined"] != nil else { return nil }
            return Case(name: name, rego: rego, marshal: marshal, error: error)
        }
    }

    /// Evaluates every case with our engine and records each answer that differs from OPA's;
    /// returns how many differ.
    static func mismatches(_ cases: [Case]) -> Int {
        var failures = 0
        for c in cases {
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
            } else if got != "<undefined>" {
                failures += 1
                Issue.record("\(c.name): want undefined got \(got)")
            }
        }
        return failures
    }
}
