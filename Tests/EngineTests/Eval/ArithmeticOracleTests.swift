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

    @Test func equalNumbersHashAlikeAcrossCases() throws {
        // A result (.wide) equal to a short literal (.float), a big literal double (1e+21) equal
        // to an exact integer: equal, same hash, one set element.
        let half = try NumberMath.div(.int(1), .int(2))
        let third = try NumberMath.div(.int(1), .int(3))
        let pairs: [(Number, Number)] = [
            (half, Number.parse("0.5")!),
            (third, Number.parse("0.33333333333333333334")!),
            (Number.parse("1e21")!, Number.parse("1" + String(repeating: "0", count: 21))!),
            (Number.parse("1.5e3")!, .int(1500)),
        ]
        for (a, b) in pairs {
            #expect(a == b, "\(a) == \(b)")
            #expect(a.hashValue == b.hashValue, "hash \(a) \(b)")
            #expect(SetValue([.number(a), .number(b)]).count == 1)
        }
        #expect(third < Number.parse("0.33333333333333333335")!)
        #expect(Number.parse("0.1")! != Number.parse("0.10000000000000000001")!)
        #expect(third.description == "0.33333333333333333334")
    }

    @Test func valueLayoutDidNotGrow() {
        // The wide case is boxed: a Value stays three words.
        #expect(MemoryLayout<Value>.size <= 24)
        #expect(MemoryLayout<Number>.size <= 9)
    }
}
