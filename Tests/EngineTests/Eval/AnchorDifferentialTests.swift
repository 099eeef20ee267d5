import Foundation
import Testing
@testable import Engine

/// Differential test against OPA: every anchor policy case (1,000 inputs each, answers recorded
/// from OPA's Go engine) must evaluate to exactly OPA's answer.
@Suite struct AnchorDifferentialTests {
    static let root = "/work/shared/bench/anchor_policies"

    struct Anchor {
        var name: String
        var policy: CompiledPolicy
        var path: [String]
        var cases: [(input: Value, expected: Value?)]
    }

    static func loadAnchors() throws -> [Anchor] {
        let manifest = try JSONReader.parse(bytes: Data(contentsOf: URL(fileURLWithPath: "\(root)/manifest.json")))
        guard case .array(let entries)? = manifest["cases"] else { return [] }
        var out: [Anchor] = []
        for e in entries {
            guard let name = e["name"]?.stringValue, let policyFile = e["policy"]?.stringValue,
                  let query = e["query"]?.stringValue else { continue }
            let source = try String(contentsOfFile: "\(root)/\(policyFile)", encoding: .utf8)
            var data: Value = .emptyObject
            if let df = e["data"]?.stringValue {
                data = try JSONReader.parse(bytes: Data(contentsOf: URL(fileURLWithPath: "\(root)/\(df)")))
            }
            let policy = try CompiledPolicy.compile(modules: [RegoModule(name: policyFile, source: source)], data: data)
            var cases: [(Value, Value?)] = []
            if let cf = e["cases"]?.stringValue {
                let text = try String(contentsOfFile: "\(root)/\(cf)", encoding: .utf8)
                for line in text.split(separator: "\n") where !line.isEmpty {
                    let c = try JSONReader.parse(String(line))
                    cases.append((c["input"] ?? .null, c["expected"]))
                }
            }
            let path = query.split(separator: ".").dropFirst().map(String.init)
            out.append(Anchor(name: name, policy: policy, path: path, cases: cases))
        }
        return out
    }

    @Test func everyAnchorCaseMatchesOPA() throws {
        let anchors = try Self.loadAnchors()
        #expect(anchors.count >= 5)
        var total = 0
        var mismatches: [String] = []
        for a in anchors {
            for (i, c) in a.cases.enumerated() {
                total += 1
                // A fixed clock: none of the anchors reads time.now_ns, but keep runs reproducible.
                let ctx = EvalContext(nowNs: 1_700_000_000_000_000_000)
                let got = try a.policy.evaluate(path: a.path, input: c.input, context: ctx)
                // OPA's answers are JSON (sets as sorted arrays): compare in that form.
                if got.map({ JSONWriter.string($0) }) != c.expected.map({ JSONWriter.string($0) }) {
                    mismatches.append("\(a.name)#\(i): expected \(c.expected.map { JSONWriter.string($0) } ?? "undefined"), got \(got.map { JSONWriter.string($0) } ?? "undefined")")
                }
            }
        }
        #expect(total >= 5000)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches of \(total):\n\(mismatches.prefix(20).joined(separator: "\n"))")
    }

    @Test func emptyPolicyIsDefined() throws {
        let anchors = try Self.loadAnchors()
        let empty = try #require(anchors.first { $0.name == "z_empty" })
        let v = try empty.policy.evaluate(path: empty.path, input: .emptyObject, context: EvalContext())
        #expect(v != nil)
    }
}
