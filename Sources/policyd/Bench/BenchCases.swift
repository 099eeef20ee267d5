import Engine
import Foundation

/// One benchmark case from the anchor manifest: a policy, a query path, optional data, and
/// inputs (as JSON text, the way a sidecar receives them) with OPA's expected answers.
struct BenchCase {
    let name: String
    let modules: [RegoModule]
    /// `data.agents.rbac.decision` → ["agents", "rbac", "decision"].
    let path: [String]
    let dataText: [UInt8]?
    let inputs: [[UInt8]]
    /// nil = the expected answer is undefined.
    let expected: [Value?]
}

enum BenchCaseError: Error, CustomStringConvertible {
    case notFound(String)
    case bad(String)
    var description: String {
        switch self {
        case .notFound(let s): return "bench cases not found: \(s)"
        case .bad(let s): return "bad bench case: \(s)"
        }
    }
}

enum BenchCases {
    static let undefinedMarker = "<undefined>"

    /// The anchor policies: $POLICYD_BENCH_CASES, else ../shared/bench/anchor_policies beside the
    /// repository (found from the working directory or from the executable's location in
    /// .build/<config>/), else /work/shared/bench/anchor_policies.
    static func defaultDirectory() -> String {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["POLICYD_BENCH_CASES"] { candidates.append(env) }
        let cwd = FileManager.default.currentDirectoryPath
        candidates.append(cwd + "/../shared/bench/anchor_policies")
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        // .build/release/policyd → repo = three levels up.
        let repo = exe.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(repo.path + "/../shared/bench/anchor_policies")
        candidates.append("/work/shared/bench/anchor_policies")
        for c in candidates where FileManager.default.fileExists(atPath: c + "/manifest.json") {
            return URL(fileURLWithPath: c).standardizedFileURL.path
        }
        return candidates.last!
    }

    static func readBytes(_ path: String) throws -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: path) else { throw BenchCaseError.notFound(path) }
        return [UInt8](d)
    }

    /// Loads the manifest's cases (all, or those named in `only`). The constant-rule case
    /// `z_empty` becomes two cases, "z_empty {}" and "z_empty ~300B input" (a_rbac's inputs),
    /// named as anchor_bench.py names them.
    static func load(directory dir: String, only: [String] = []) throws -> [BenchCase] {
        let manifest = try JSONReader.parse(bytes: readBytes(dir + "/manifest.json"))
        guard case .array(let entries)? = manifest["cases"] else { throw BenchCaseError.bad("manifest has no cases") }
        var result: [BenchCase] = []
        var rbacInputs: [[UInt8]] = []
        for entry in entries {
            guard let name = entry["name"]?.stringValue,
                  let policy = entry["policy"]?.stringValue, let query = entry["query"]?.stringValue
            else { throw BenchCaseError.bad("entry without name/policy/query") }
            let source = String(decoding: try readBytes(dir + "/" + policy), as: UTF8.self)
            let modules = [RegoModule(name: policy, source: source)]
            var path = query.split(separator: ".").map(String.init)
            if path.first == "data" { path.removeFirst() }
            let dataText = try entry["data"]?.stringValue.map { try readBytes(dir + "/" + $0) }
            var inputs: [[UInt8]] = []
            var expected: [Value?] = []
            if let casesFile = entry["cases"]?.stringValue {
                let text = try readBytes(dir + "/" + casesFile)
                for line in text.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
                    let row = try JSONReader.parse(bytes: Array(line))
                    guard let input = row["input"], let exp = row["expected"] else {
                        throw BenchCaseError.bad("\(casesFile): row without input/expected")
                    }
                    // The input as compact JSON text: what a client would send.
                    inputs.append(Array(JSONWriter.string(input).utf8))
                    expected.append(exp == .string(undefinedMarker) ? nil : exp)
                }
            }
            if name == "a_rbac" { rbacInputs = inputs }
            if inputs.isEmpty {
                // Constant rule: {} input, and the realistic ~300 B inputs of case (a).
                let want: Value? = .bool(true)
                let variants: [(String, [[UInt8]])] = [("z_empty {}", [Array("{}".utf8)]), ("z_empty ~300B input", rbacInputs)]
                for (vname, ins) in variants where !ins.isEmpty && selected(vname, only) {
                    result.append(BenchCase(name: vname, modules: modules, path: path, dataText: dataText,
                                            inputs: ins, expected: Array(repeating: want, count: ins.count)))
                }
            } else if selected(name, only) {
                result.append(BenchCase(name: name, modules: modules, path: path, dataText: dataText,
                                        inputs: inputs, expected: expected))
            }
        }
        if result.isEmpty { throw BenchCaseError.notFound("no case matches \(only) in \(dir)") }
        return result
    }

    private static func selected(_ name: String, _ only: [String]) -> Bool {
        only.isEmpty || only.contains { name == $0 || name.hasPrefix($0 + " ") }
    }

    /// Rego results as OPA's JSON shows them: sets become (sorted) arrays.
    static func normalize(_ v: Value) -> Value {
        switch v {
        case .set(let s): return .array(s.elements.map(normalize))
        case .array(let a): return .array(a.map(normalize))
        case .object(let o): return .object(ObjectValue(pairs: o.pairs.map { ($0.0, normalize($0.1)) }))
        default: return v
        }
    }

    static func matches(_ got: Value?, _ want: Value?) -> Bool {
        switch (got, want) {
        case (nil, nil): return true
        case (let g?, let w?): return normalize(g) == normalize(w)
        default: return false
        }
    }
}
