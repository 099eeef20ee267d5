import Foundation
import Testing
@testable import Engine

/// Compares our JSON AST (what `rego.parse_module` returns) with OPA's for the modules in a golden
/// file made by scripts/opa-ast-golden.py. Uses the committed sample in Fixtures, or the file in
/// REGO_AST_GOLDEN (for the full corpus).
@Suite struct ParserASTGoldenTests {
    static var goldenPath: String {
        if let p = ProcessInfo.processInfo.environment["REGO_AST_GOLDEN"] { return p }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/opa-ast-golden.json").path
    }

    static func firstDifference(_ a: Value, _ b: Value, path: String) -> String {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            for (k, v) in x.pairs {
                guard let w = y[k] else { return "\(path).\(JSONWriter.string(k)) missing (want \(JSONWriter.string(v).prefix(200)))" }
                if v != w { return firstDifference(v, w, path: path + "." + (k.stringValue ?? "?")) }
            }
            for (k, v) in y.pairs where x[k] == nil { return "\(path).\(JSONWriter.string(k)) extra (got \(JSONWriter.string(v).prefix(200)))" }
            return path
        case (.array(let x), .array(let y)) where x.count == y.count:
            for (i, (v, w)) in zip(x, y).enumerated() where v != w { return firstDifference(v, w, path: path + "[\(i)]") }
            return path
        default:
            return "\(path): want \(JSONWriter.string(a).prefix(300)) got \(JSONWriter.string(b).prefix(300))"
        }
    }

    @Test func astMatchesOPA() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.goldenPath))
        let golden = try JSONReader.parse(bytes: data)
        guard case .array(let sources)? = golden.objectValue?[.string("sources")],
              case .object(let asts)? = golden.objectValue?[.string("asts")] else {
            Issue.record("bad golden file")
            return
        }
        var mismatches = 0
        for (i, src) in sources.enumerated() {
            guard let want = asts[.string(String(i))], let text = src.stringValue else { continue }
            let got: Value
            do {
                got = try Parser.parseModule(name: "x.rego", source: text).opaJSON
            } catch {
                mismatches += 1
                print("AST #\(i): parse error \(error)")
                continue
            }
            if got != want {
                mismatches += 1
                if mismatches <= 40 {
                    print("AST #\(i) differs at \(Self.firstDifference(want, got, path: ""))\n--- source\n\(text)")
                }
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(sources.count) modules differ from OPA's AST")
    }
}
