import Foundation
import Testing
import Yams
@testable import Engine

/// Parses every module of every OPA conformance case (v1 cases as Rego v1, v0 cases as v0).
/// Only cases that expect a parse error may fail to parse.
@Suite struct ParserCorpusTests {
    static let casesRoot = SharedFolder.path + "/conformance/opa-cases"

    struct Failure: CustomStringConvertible {
        var file: String
        var index: Int
        var error: String
        var description: String { "\(file)#\(index): \(error)" }
    }

    static func parseAll(version: String) throws -> (modules: Int, failures: [Failure]) {
        let root = URL(fileURLWithPath: casesRoot).appendingPathComponent(version)
        let fm = FileManager.default
        guard let walker = fm.enumerator(at: root, includingPropertiesForKeys: nil) else { return (0, []) }
        var files: [URL] = []
        for case let url as URL in walker where url.pathExtension == "yaml" { files.append(url) }
        files.sort { $0.path < $1.path }
        var count = 0
        var failures: [Failure] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            guard let doc = try Yams.load(yaml: text) as? [String: Any], let cases = doc["cases"] as? [[String: Any]] else { continue }
            for (i, c) in cases.enumerated() {
                let modules = c["modules"] as? [String] ?? []
                let wantsParseError = (c["want_error_code"] as? String) == "rego_parse_error"
                for (m, src) in modules.enumerated() {
                    count += 1
                    do {
                        _ = try Parser.parseModule(name: "test-\(m).rego", source: src, version: version == "v0" ? .v0 : .v1)
                    } catch {
                        if !wantsParseError {
                            failures.append(Failure(file: file.path.replacingOccurrences(of: casesRoot + "/", with: ""), index: i, error: error.description))
                        }
                    }
                }
            }
        }
        return (count, failures)
    }

    @Test func v1CorpusParses() throws {
        let (n, failures) = try Self.parseAll(version: "v1")
        #expect(n > 1500)
        for f in failures.prefix(60) { print("PARSE FAIL \(f)") }
        #expect(failures.count == 0, "\(failures.count) of \(n) v1 modules failed to parse")
    }

    @Test func v0CorpusParses() throws {
        let (n, failures) = try Self.parseAll(version: "v0")
        #expect(n > 1000)
        for f in failures.prefix(60) { print("PARSE FAIL \(f)") }
        #expect(failures.count == 0, "\(failures.count) of \(n) v0 modules failed to parse")
    }
}
