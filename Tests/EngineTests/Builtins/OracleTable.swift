import XCTest
@testable import Engine

/// Table-driven builtin checks. Expected values were obtained from real OPA (the oracle):
/// a JSON value, "" for undefined, or "!code:message" for an error (eval_type_error /
/// eval_builtin_error, message without the builtin-name prefix). "!~code:text" means the message
/// must start with text (used where OPA's message embeds a third-party parser's detail).
enum OracleTable {
    typealias Row = (name: String, args: String, expected: String)

    static func check(_ rows: [Row], nowNs: Int64 = 0, file: StaticString = #filePath, line: UInt = #line) {
        for row in rows {
            guard let builtin = BuiltinRegistry.lookup(row.name) else {
                XCTFail("\(row.name) is not registered", file: file, line: line)
                continue
            }
            let args: [Value]
            do { args = try JSONReader.parse(row.args).arrayValue ?? [] } catch {
                XCTFail("bad args \(row.args)", file: file, line: line)
                continue
            }
            let context = EvalContext(nowNs: nowNs)
            let got: String
            do {
                if let v = try builtin.implementation(Arguments(args), context) {
                    got = JSONWriter.string(v)
                } else {
                    got = ""
                }
            } catch let e as BuiltinError {
                got = "!" + (e.kind == .type ? "eval_type_error" : "eval_builtin_error") + ":" + e.message
            } catch {
                got = "!unexpected:\(error)"
            }
            var want = row.expected
            if !want.isEmpty && !want.hasPrefix("!"), let v = try? JSONReader.parse(want) {
                want = JSONWriter.string(v)
            }
            if want.hasPrefix("!~") {
                XCTAssertTrue(got.hasPrefix("!" + want.dropFirst(2)), "\(row.name)(\(row.args)): \(got)", file: file, line: line)
                continue
            }
            XCTAssertEqual(got, want, "\(row.name)(\(row.args))", file: file, line: line)
        }
    }
}
