import ArgumentParser
import Engine
import Foundation
import Yams

/// `policyd eval`: evaluates a query against Rego files and data, printing `opa eval`'s JSON.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a Rego query (like `opa eval`).",
        discussion: """
            Unlike the daemon, eval runs the network builtins (http.send, net.lookup_ip_addr) \
            as `opa eval` does; --deny-network-builtins refuses them as the daemon does.
            """
    )

    @Flag(name: .customLong("v0-compatible"), help: "Parse modules as Rego v0.")
    var v0Compatible = false

    @Flag(name: .customLong("strict-builtin-errors"), help: "Builtin errors abort evaluation.")
    var strictBuiltinErrors = false

    @Flag(name: .customLong("experimental-keywords"), help: "Accepted for compatibility (always on).")
    var experimentalKeywords = false

    @Flag(name: .customLong("deny-network-builtins"),
          help: "Refuse http.send and net.lookup_ip_addr as the daemon does (by default eval runs them, like `opa eval`).")
    var denyNetworkBuiltins = false

    @Option(name: [.customShort("d"), .customLong("data")], help: "Rego, JSON or YAML file or directory.")
    var data: [String] = []

    @Option(name: [.customShort("i"), .customLong("input")], help: "Input JSON (or YAML) file.")
    var input: String?

    @Option(name: [.customShort("f"), .customLong("format")], help: "json or pretty.")
    var format: String = "json"

    @Option(name: .customLong("batch"),
            help: "JSON-lines file of {\"query\", \"input\"?}: each is evaluated in turn and answered on one line (for the builtin fuzzer).")
    var batch: String?

    @Argument(help: "The query.")
    var query: String = ""

    func run() throws {
        // Deep policies recurse deeply: evaluate on a thread with a large stack.
        nonisolated(unsafe) var code: Int32 = 0
        let command = self
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            code = command.execute()
            done.signal()
        }
        thread.stackSize = 1 << 29
        thread.start()
        done.wait()
        if code != 0 { throw ExitCode(code) }
    }

    private func execute() -> Int32 {
        var modules: [RegoModule] = []
        var dataDoc: Value = .emptyObject
        do {
            for path in data {
                try EvalLoader.load(path, version: v0Compatible ? .v0 : .v1, modules: &modules, data: &dataDoc)
            }
        } catch {
            printErrors([EngineError(.compileError, "\(error)")])
            return 1
        }
        var inputValue: Value?
        if let input {
            do {
                inputValue = try EvalLoader.readDocument(input)
            } catch {
                printErrors([EngineError(.compileError, "input: \(error)")])
                return 1
            }
        }
        let policy: CompiledPolicy
        do {
            policy = try CompiledPolicy.compile(modules: modules, data: dataDoc,
                                                options: CompileOptions(allowNetworkBuiltins: !denyNetworkBuiltins))
        } catch {
            printErrors(error.errors)
            return 1
        }
        for w in policy.warnings { FileHandle.standardError.write(Data(("warning: " + w + "\n").utf8)) }
        if let batch { return runBatch(batch, policy: policy) }
        let ctx = EvalContext(strictBuiltinErrors: strictBuiltinErrors) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        // A developer tool, like `opa eval`: network builtins run unless refused explicitly.
        ctx.allowNetworkBuiltins = !denyNetworkBuiltins
        do {
            let result = try policy.query(query, input: inputValue, context: ctx)
            printResult(result)
            return 0
        } catch {
            printErrors(error.errors)
            return 1
        }
    }

    /// One query per input line, each with a fresh context; one JSON answer per output line,
    /// flushed, so a driver can tell which query a crash belongs to.
    private func runBatch(_ path: String, policy: CompiledPolicy) -> Int32 {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            printErrors([EngineError(.compileError, "batch: cannot read \(path)")])
            return 1
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard case .object(let req)? = try? JSONReader.parse(String(line)),
                  case .string(let q)? = req["query"] else {
                printErrors([EngineError(.compileError, "batch: bad line")])
                continue
            }
            let ctx = EvalContext(strictBuiltinErrors: strictBuiltinErrors) { _ in }
            ctx.allowNetworkBuiltins = !denyNetworkBuiltins
            do {
                printResult(try policy.query(q, input: req["input"], context: ctx), query: q)
            } catch {
                printErrors(error.errors)
            }
            fflush(nil)  // every stream: a driver reads answers as they come
        }
        return 0
    }

    private func output(_ v: Value) {
        let opts = format == "pretty" ? JSONWriter.Options(indent: "  ") : JSONWriter.Options()
        print(JSONWriter.string(v, options: opts))
    }

    private func printResult(_ r: QueryResult, query: String? = nil) {
        let query = query ?? self.query
        if r.rows.isEmpty {
            output(.emptyObject)
            return
        }
        let rows: [Value] = r.rows.map { row in
            let exprs: [Value] = row.expressions.enumerated().map { i, v in
                let span = i < r.expressionTexts.count ? r.expressionTexts[i] : nil
                return .object(ObjectValue([
                    "value": v, "text": .string(span?.text ?? query),
                    "location": .object(ObjectValue(["row": .int(span?.location.row ?? 1), "col": .int(span?.location.col ?? 1)])),
                ]))
            }
            var fields: [String: Value] = ["expressions": .array(exprs)]
            if !row.bindings.isEmpty {
                fields["bindings"] = .object(ObjectValue(pairs: row.bindings.map { (Value.string($0.0), $0.1) }))
            }
            return .object(ObjectValue(fields))
        }
        output(.object(ObjectValue(["result": .array(rows)])))
    }

    private func printErrors(_ errors: [EngineError]) {
        let list: [Value] = errors.map { e in
            var fields: [String: Value] = ["code": .string(e.code.rawValue), "message": .string(e.message)]
            if let l = e.location {
                fields["location"] = .object(ObjectValue(["file": .string(l.file), "row": .int(l.row), "col": .int(l.col)]))
            }
            if let d = e.detail {  // as `opa eval` prints a parse error's source line
                fields["details"] = .object(ObjectValue(["line": .string(d.line), "idx": .int(d.index)]))
            }
            return .object(ObjectValue(fields))
        }
        output(.object(ObjectValue(["errors": .array(list)])))
    }
}

/// Reads `-d` paths the way `opa eval` does: Rego files become modules; JSON/YAML files are
/// merged into `data` at their directory's path relative to the `-d` root.
enum EvalLoader {
    static func load(_ path: String, version: RegoVersion, modules: inout [RegoModule], data: inout Value) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw LoadError("\(path): no such file or directory")
        }
        if !isDir.boolValue {
            try loadFile(path, prefix: [], version: version, modules: &modules, data: &data)
            return
        }
        let root = URL(fileURLWithPath: path)
        guard let e = FileManager.default.enumerator(atPath: path) else { return }
        var files: [String] = []
        while let rel = e.nextObject() as? String { files.append(rel) }
        for rel in files.sorted() {
            let full = root.appendingPathComponent(rel).path
            var d: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: full, isDirectory: &d)
            if d.boolValue { continue }
            let prefix = rel.split(separator: "/").dropLast().map(String.init)
            try loadFile(full, prefix: prefix, version: version, modules: &modules, data: &data)
        }
    }

    private static func loadFile(_ path: String, prefix: [String], version: RegoVersion,
                                 modules: inout [RegoModule], data: inout Value) throws {
        if path.hasSuffix(".rego") {
            let text = String(decoding: try FileInput.read(path), as: UTF8.self)
            modules.append(RegoModule(name: path, source: text, regoVersion: version))
        } else if path.hasSuffix(".json") || path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
            var doc = try readDocument(path)
            for key in prefix.reversed() { doc = .object(ObjectValue(pairs: [(Value.string(key), doc)])) }
            data = merge(data, doc)
        }
    }

    static func readDocument(_ path: String) throws -> Value {
        let bytes = try FileInput.read(path)
        if path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
            let text = String(decoding: bytes, as: UTF8.self)
            return fromYAML(try Yams.load(yaml: text))
        }
        return try JSONReader.parse(bytes: bytes)
    }

    static func fromYAML(_ any: Any?) -> Value {
        switch any {
        case nil: return .null
        case let b as Bool: return .bool(b)
        case let i as Int: return .int(i)
        case let d as Double: return .double(d)
        case let s as String: return .string(s)
        case let a as [Any?]: return .array(a.map(fromYAML))
        case let m as [AnyHashable: Any?]:
            return .object(ObjectValue(pairs: m.map { (Value.string("\($0.key)"), fromYAML($0.value)) }))
        default: return .string("\(any!)")
        }
    }

    static func merge(_ a: Value, _ b: Value) -> Value {
        guard case .object(let x) = a, case .object(let y) = b else { return b }
        var out = ObjectBuilder(x)
        for (k, v) in y.pairs { out[k] = out[k].map { merge($0, v) } ?? v }
        return .object(out.build())
    }

    struct LoadError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }
}
