import Foundation
import Testing
@testable import Engine

/// Disagreements with OPA found by scripts/rego-fuzz.py, minimised, with OPA's answers recorded
/// into Fixtures/fuzz-regressions.json (`scripts/rego-fuzz.py --record`). Compared as the
/// conformance harness does: rows as a set of binding objects; an error by code, message and
/// row, which must be among the errors policyd reports.
@Suite struct FuzzRegressionTests {
    struct Case: CustomStringConvertible {
        let name: String
        let source: String
        /// Further modules (`modules`: [{name, source}]), e.g. another package.
        let extra: [(name: String, source: String)]
        let query: String
        let input: Value?
        let data: Value
        let v0: Bool
        let want: Value
        var description: String { name }
    }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fuzz-regressions.json")
        guard let data = try? Data(contentsOf: url), case .array(let items)? = try? JSONReader.parse(bytes: data) else {
            return []
        }
        return items.compactMap { item -> Case? in
            guard case .string(let name)? = item["name"], case .string(let source)? = item["source"],
                  case .string(let query)? = item["query"], let want = item["want"] else { return nil }
            let input = item["input"].flatMap { $0 == .null ? nil : $0 }
            var extra: [(name: String, source: String)] = []
            if case .array(let ms)? = item["modules"] {
                for m in ms {
                    if case .string(let n)? = m["name"], case .string(let s)? = m["source"] { extra.append((n, s)) }
                }
            }
            return Case(name: name, source: source, extra: extra, query: query, input: input, data: item["data"] ?? .emptyObject,
                        v0: item["v0"] == .bool(true), want: want)
        }
    }()

    @Test func fixtureIsPresent() {
        #expect(Self.cases.count >= 10)
    }

    /// OPA's JSON output turns sets into arrays: compare the same way.
    static func asJSON(_ v: Value) -> Value { (try? JSONReader.parse(JSONWriter.string(v))) ?? v }

    /// policyd's rows (as OPA's JSON shows them) or its errors.
    static func run(_ c: Case) -> Result<[Value], EngineErrors> {
        let policy: CompiledPolicy
        do {
            policy = try CompiledPolicy.compile(
                modules: [RegoModule(name: "test-0.rego", source: c.source, regoVersion: c.v0 ? .v0 : .v1)]
                    + c.extra.map { RegoModule(name: $0.name, source: $0.source, regoVersion: c.v0 ? .v0 : .v1) },
                data: c.data)
        } catch {
            return .failure(error)
        }
        let result: QueryResult
        do {
            result = try policy.query(c.query, input: c.input, context: EvalContext(strictBuiltinErrors: true))
        } catch {
            return .failure(error)
        }
        return .success(result.rows.map { row in
            asJSON(.object(ObjectValue(pairs: row.bindings.map { (Value.string($0.0), $0.1) })))
        })
    }

    @Test(arguments: cases)
    func matchesOPA(_ c: Case) throws {
        let got = Self.run(c)
        if case .array(let rows)? = c.want["rows"] {
            switch got {
            case .success(let ours):
                #expect(Set(ours) == Set(rows), "\(c.name): want \(rows) got \(ours)")
            case .failure(let e):
                Issue.record("\(c.name): want \(rows), got error \(e)")
            }
        } else if let want = c.want["error"], case .string(let code)? = want["code"], case .string(let msg)? = want["message"] {
            // The oracle folds a parse error's source line and caret into its message.
            func text(_ e: EngineError) -> String { e.message + (e.detail?.lines.map { "\n\t" + $0 }.joined() ?? "") }
            switch got {
            case .success(let ours):
                Issue.record("\(c.name): want \(code): \(msg), got \(ours)")
            case .failure(let e):
                var row: Int?
                if case .number(let n)? = want["row"] { row = n.exactInt }
                let match = e.errors.contains { $0.code.rawValue == code && text($0) == msg && (row == nil || $0.location?.row == row) }
                #expect(match, "\(c.name): want \(code): \(msg) (row \(row.map(String.init) ?? "-")), got \(e)")
                // Cases recorded with `all_errors`: every error in OPA's order (compile stages,
                // sorting, the error limit), not only the first.
                if case .array(let all)? = c.want["errors"] {
                    let want = all.map { w -> String in
                        let row = if case .number(let n)? = w["row"] { n.exactInt ?? 0 } else { 0 }
                        return "\(w["code"]?.stringValue ?? ""):\(row): \(w["message"]?.stringValue ?? "")"
                    }
                    let ours = e.errors.map { "\($0.code.rawValue):\($0.location?.row ?? 0): \(text($0))" }
                    #expect(ours == want, "\(c.name): every error")
                }
            }
        } else {
            Issue.record("\(c.name): fixture has no want")
        }
    }
}
