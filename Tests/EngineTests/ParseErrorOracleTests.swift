import Foundation
import Testing
@testable import Engine

/// Malformed modules (minimised from scripts/parse-fuzz.py disagreements) with OPA's parse
/// errors recorded by `scripts/parse-fuzz.py --record Fixtures/parse-error-cases.jsonl` into
/// Fixtures/parse-error-opa.json: every error, in order, as `file:row: code: message` with the
/// source line and caret OPA appends, or "ok".
@Suite struct ParseErrorOracleTests {
    struct Case: CustomStringConvertible {
        let note: String
        let module: String
        let opa: String
        var description: String { note }
    }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/parse-error-opa.json")
        guard let data = try? Data(contentsOf: url), case .array(let items)? = try? JSONReader.parse(bytes: data) else {
            return []
        }
        return items.compactMap { item -> Case? in
            guard case .string(let note)? = item["note"], case .string(let module)? = item["module"],
                  case .string(let opa)? = item["opa"] else { return nil }
            return Case(note: note, module: module, opa: opa)
        }
    }()

    @Test func fixtureIsPresent() {
        #expect(Self.cases.count >= 50)
    }

    @Test(arguments: cases)
    func matchesOPA(_ c: Case) {
        let got: String
        do {
            _ = try Parser.parseModule(name: "test.rego", source: c.module)
            got = "ok"
        } catch {
            got = error.errors.map(\.description).joined(separator: "\n")
        }
        #expect(got == c.opa, "\(c.note)")
    }
}
