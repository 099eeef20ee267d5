import Foundation
import Testing
@testable import Engine

/// Replays builtin calls whose answers were recorded from the real OPA
/// (scripts/oracle-cases.py → Fixtures/oracle-cases.json) and checks each builtin gives the same
/// result, undefined, or error (kind and message).
@Suite struct OracleCaseTests {
    struct Case {
        let file: String
        let name: String
        let args: [Value]
        let expected: Expected
    }

    enum Expected {
        case result(Value)
        case undefined
        case error(code: String, message: String)
    }

    static let fixtureDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static let cases: [Case] = {
        guard let data = try? Data(contentsOf: fixtureDir.appendingPathComponent("oracle-cases.json")),
              case .array(let items)? = try? JSONReader.parse(bytes: data) else { return [] }
        return items.compactMap { item -> Case? in
            guard case .string(let file)? = item["file"], case .string(let name)? = item["name"],
                  case .array(let args)? = item["args"] else { return nil }
            let expected: Expected
            if let r = item["result"] {
                expected = .result(r)
            } else if let e = item["error"], case .string(let code)? = e["code"], case .string(let msg)? = e["message"] {
                expected = .error(code: code, message: msg)
            } else {
                expected = .undefined
            }
            return Case(file: file, name: name, args: args.map(decodeSets), expected: expected)
        }
    }()

    /// `{"$set": [...]}` in the fixture stands for a set, `{"$obj": [[k, v], ...]}` for an object
    /// with keys of any type.
    static func decodeSets(_ v: Value) -> Value {
        switch v {
        case .array(let a): return .array(a.map(decodeSets))
        case .object(let o):
            if o.count == 1, case .array(let items)? = o["$set"] { return .set(SetValue(items.map(decodeSets))) }
            if o.count == 1, case .array(let items)? = o["$obj"] {
                return .object(ObjectValue(pairs: items.compactMap { p -> (Value, Value)? in
                    guard case .array(let kv) = p, kv.count == 2 else { return nil }
                    return (decodeSets(kv[0]), decodeSets(kv[1]))
                }))
            }
            return .object(ObjectValue(pairs: o.pairs.map { ($0.0, decodeSets($0.1)) }))
        default: return v
        }
    }

    static var files: [String] { Array(Set(cases.map(\.file))).sorted() }

    @Test func fixtureIsPresent() {
        #expect(Self.cases.count > 100)
    }

    @Test(arguments: files)
    func matchesOPA(file: String) throws {
        for c in Self.cases where c.file == file {
            let label = "\(c.name)(\(c.args.map(RegoFormatter.format).joined(separator: ", ")))"
            guard let builtin = BuiltinRegistry.lookup(c.name) else {
                Issue.record("\(c.name) is not registered")
                continue
            }
            var got: Expected
            do {
                if let v = try builtin.implementation(Arguments(c.args), EvalContext()) {
                    // OPA's JSON output turns sets into arrays; compare the same way.
                    got = .result(try JSONReader.parse(JSONWriter.string(v)))
                } else {
                    got = .undefined
                }
            } catch let e as BuiltinError {
                got = .error(code: e.code?.rawValue ?? (e.kind == .type ? "eval_type_error" : "eval_builtin_error"), message: e.message)
            }
            switch (c.expected, got) {
            case (.result(let a), .result(let b)):
                #expect(a == b, "\(label): want \(JSONWriter.string(a)) got \(JSONWriter.string(b))")
            case (.undefined, .undefined): break
            case (.error(let code, let msg), .error(let gcode, let gmsg)):
                #expect(code == gcode && msg == gmsg, "\(label): want \(code) \(msg) got \(gcode) \(gmsg)")
            default:
                Issue.record("\(label): want \(c.expected) got \(got)")
            }
        }
    }
}
