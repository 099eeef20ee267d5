import Engine
import Foundation

/// What `policyd test PATH…` loads: every .rego file (policies and tests alike, as `opa test`
/// does), `data.json`/`data.yaml` documents placed at their directory's path (as in a bundle),
/// and decision case files (JSON/YAML with a `cases` list). A `.manifest` with
/// `"rego_version": 0` makes that tree's modules v0, like `--v0-compatible` does for all.
public struct TestSources: Sendable {
    public var modules: [RegoModule] = []
    public var data: Value = .emptyObject
    public var tests: [RegoTest] = []
    public var cases: [DecisionCase] = []
    /// Entrypoints the loaded bundles' manifests declare (`metadata.policyd.entrypoints`):
    /// cases are judged with these defaults unless the config states its own.
    var entrypoints: [DeclaredEntrypoint] = []

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    public init() {}

    public static func load(paths: [String], v0Compatible: Bool = false) throws -> TestSources {
        var s = TestSources()
        for root in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir) else {
                throw LoadError(description: "\(root): no such file or directory")
            }
            if isDir.boolValue {
                // A directory may hold several bundles (config/examples): each file belongs to
                // the nearest enclosing directory with a .manifest, which sets its Rego version
                // and where its data lands.
                for bundle in Set(try walk(root).map { bundleRoot(of: $0, under: root) }).sorted() {
                    s.entrypoints += try declaredEntrypoints(bundle.isEmpty ? root : root + "/" + bundle)
                }
                for rel in try walk(root) {
                    let bundle = bundleRoot(of: rel, under: root)
                    let v0 = v0Compatible || manifestSaysV0(bundle.isEmpty ? root : root + "/" + bundle)
                    let inBundle = bundle.isEmpty ? rel : String(rel.dropFirst(bundle.count + 1))
                    try s.add(file: root + "/" + rel, dataPath: dataPath(inBundle), v0: v0)
                }
            } else if root.hasSuffix(".tar.gz") {
                try s.add(tarball: root, v0: v0Compatible)
            } else {
                guard [".rego", ".json", ".yaml", ".yml"].contains(where: { root.hasSuffix($0) }) else {
                    throw LoadError(description: "\(root): not a bundle, .rego, or case/data file")
                }
                try s.add(file: root, dataPath: [], v0: v0Compatible)
            }
        }
        return s
    }

    /// A built bundle (`policyd bundle build`): its modules, data, tests and case files, read
    /// under the default limits. Testing does not vouch for its signature, so that is not checked
    /// here (`policyd bundle verify` and the daemon do).
    private mutating func add(tarball: String, v0: Bool) throws {
        let bundle: LoadedBundle
        do {
            let files = try BundleArchive.read(path: tarball).filter { $0.name != BundleSignatureVerifier.signaturesFile }
            var unsigned = VerificationConfig()
            unsigned.allowUnsigned = true
            bundle = try BundleReader.load(files: files, name: BundleNaming.name(forPath: tarball) ?? "bundle", config: unsigned)
        } catch {
            throw LoadError(description: "\(tarball): \(error)")
        }
        var b = try TestSources(bundle: bundle)
        if v0 { b.modules = b.modules.map { RegoModule(name: $0.name, source: $0.source, regoVersion: .v0) } }
        modules += b.modules
        tests += v0 ? b.modules.flatMap(RegoTest.discover) : b.tests
        cases += b.cases
        entrypoints += b.entrypoints
        data = try Self.merge(data, b.data, at: [], file: tarball)
    }

    private mutating func add(file: String, dataPath: [String], v0: Bool) throws {
        let name = (file as NSString).lastPathComponent
        if file.hasSuffix(".rego") {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let module = RegoModule(name: file, source: text, regoVersion: v0 ? .v0 : .v1)
            modules.append(module)
            tests.append(contentsOf: RegoTest.discover(in: module))
            return
        }
        guard file.hasSuffix(".json") || file.hasSuffix(".yaml") || file.hasSuffix(".yml") else { return }
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let doc: Value
        do {
            doc = try StructuredText.parse(text, file: file)
        } catch {
            throw LoadError(description: "\(file): \(error)")
        }
        if ["data.json", "data.yaml", "data.yml"].contains(name) {
            data = try Self.merge(data, doc, at: dataPath, file: file)
        } else if DecisionCase.isCaseDocument(doc) {
            cases.append(contentsOf: try DecisionCase.load(doc, file: file, text: text))
        }
    }

    /// Regular files under `root`, relative, sorted; hidden entries skipped (`.manifest` is read
    /// separately).
    static func walk(_ root: String) throws -> [String] {
        guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [String] = []
        while let rel = e.nextObject() as? String {
            if rel.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir), !isDir.boolValue {
                files.append(rel)
            }
        }
        return files.sorted()
    }

    /// The path (relative to `root`, "" for root itself) of the nearest directory above `rel`
    /// that has a .manifest; "" when none has.
    static func bundleRoot(of rel: String, under root: String) -> String {
        var dirs = rel.split(separator: "/").dropLast().map(String.init)
        while !dirs.isEmpty {
            let d = dirs.joined(separator: "/")
            if FileManager.default.fileExists(atPath: root + "/" + d + "/.manifest") { return d }
            dirs.removeLast()
        }
        return ""
    }

    static func dataPath(_ rel: String) -> [String] {
        Array(rel.split(separator: "/").dropLast().map(String.init))
    }

    /// The entrypoints a directory bundle's .manifest declares (none without a manifest).
    static func declaredEntrypoints(_ root: String) throws -> [DeclaredEntrypoint] {
        guard let data = FileManager.default.contents(atPath: root + "/.manifest") else { return [] }
        do {
            let manifest = try BundleManifest.parse(CanonicalJSON.parse([UInt8](data)))
            return try DeclaredEntrypoint.parse(manifest, bundle: (root as NSString).lastPathComponent)
        } catch {
            throw LoadError(description: "\(root)/.manifest: \(error)")
        }
    }

    static func manifestSaysV0(_ root: String) -> Bool {
        guard let text = try? String(contentsOfFile: root + "/.manifest", encoding: .utf8),
              let m = try? JSONReader.parse(text) else { return false }
        return m["rego_version"]?.numberValue?.exactInt == 0
    }

    static func merge(_ base: Value, _ doc: Value, at path: [String], file: String) throws -> Value {
        guard let head = path.first else {
            guard case .object(let a) = base, case .object(let b) = doc else {
                throw LoadError(description: "\(file): data must be an object")
            }
            var out = ObjectBuilder(a)
            for (k, v) in b.pairs {
                if let existing = a[k], existing.objectValue != nil, v.objectValue != nil {
                    out[k] = try merge(existing, v, at: [], file: file)
                } else if a[k] != nil {
                    throw LoadError(description: "\(file): data conflicts at \(k)")
                } else {
                    out[k] = v
                }
            }
            return .object(out.build())
        }
        let child = base[head] ?? .emptyObject
        guard case .object(let o) = base else { throw LoadError(description: "\(file): data conflicts at \(head)") }
        return .object(o.inserting(.string(head), try merge(child, doc, at: Array(path.dropFirst()), file: file)))
    }
}

/// A `test_*` rule found in a module: `data.<package>.<name>` is evaluated and must be true.
/// Rules named `todo_test_*` are reported as skipped, as `opa test` does.
public struct RegoTest: Sendable, Equatable {
    public var package: [String]
    public var name: String
    public var file: String
    public var line: Int
    public var skip: Bool
    /// `with input as …` terms in its body, shown when it fails (TestInputs).
    public var inputs: [TestInput] = []

    public var fullName: String { "data." + (package + [name]).joined(separator: ".") }

    /// Finds test rules with the Rego parser: complete rules (not functions) whose name starts
    /// with `test_` or `todo_test_`. Each name is reported once, at its first definition
    /// (several definitions of one test are one document). A module that does not parse falls
    /// back to a line scan; compiling it will report the syntax error anyway.
    public static func discover(in module: RegoModule) -> [RegoTest] {
        guard let parsed = try? Parser.parseModule(name: module.name, source: module.source,
                                                    version: module.regoVersion) else {
            return scan(module)
        }
        return discover(in: parsed)
    }

    /// The tests of a module already parsed (bundle activation parses each module once, for
    /// both the compiler and this).
    public static func discover(in parsed: Module) -> [RegoTest] {
        let package = parsed.package.segments
        var index: [String: Int] = [:]
        var out: [RegoTest] = []
        for rule in parsed.rules where rule.kind == .complete && rule.head.ref.parts.isEmpty {
            let name = rule.name
            let skip = name.hasPrefix("todo_test_")
            guard name.hasPrefix("test_") || skip else { continue }
            let inputs = TestInputs.find(in: rule)
            if let i = index[name] {
                out[i].inputs += inputs
                continue
            }
            index[name] = out.count
            out.append(RegoTest(package: package, name: name, file: parsed.file, line: rule.location.row, skip: skip,
                                inputs: inputs))
        }
        return out
    }

    /// Line-scan fallback: an identifier at the start of a line beginning with `test_`.
    static func scan(_ module: RegoModule) -> [RegoTest] {
        var package: [String] = []
        var seen: Set<String> = []
        var out: [RegoTest] = []
        var inRawString = false
        for (n, raw) in module.source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            // Skip the inside of multi-line raw strings (`...`).
            if line.filter({ $0 == "`" }).count % 2 == 1 { inRawString.toggle(); continue }
            if inRawString { continue }
            if line.hasPrefix("package ") {
                package = line.dropFirst(8).split(separator: "#")[0]
                    .trimmingCharacters(in: .whitespaces).split(separator: ".").map(String.init)
                continue
            }
            let skip = line.hasPrefix("todo_test_")
            guard line.hasPrefix("test_") || skip else { continue }
            let name = String(line.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
            guard !seen.contains(name), !package.isEmpty else { continue }
            seen.insert(name)
            out.append(RegoTest(package: package, name: name, file: module.name, line: n + 1, skip: skip))
        }
        return out
    }
}
