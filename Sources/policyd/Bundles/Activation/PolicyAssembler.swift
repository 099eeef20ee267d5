import Engine

/// Turns a set of verified bundles into one compiled policy, and proves it before it may
/// serve: every module compiles (with its manifest's Rego version), every bundle's own
/// `test_*` rules evaluate to true, and every smoke case in the manifests gives its expected
/// value. Runs off the serving path.
enum PolicyAssembler {
    /// Modules are named `<bundle>/<path>` so compile errors point at the bundle and file.
    static func moduleName(_ bundle: String, _ file: String) -> String { bundle + "/" + file }

    static func assemble(_ bundles: [LoadedBundle], options: CompileOptions = CompileOptions()) throws(BundleError)
        -> CompiledPolicy
    {
        var modules: [RegoModule] = []
        var data: Value = .emptyObject
        var system = ObjectBuilder()
        for b in bundles.sorted(by: { $0.name < $1.name }) {
            for m in b.modules {
                modules.append(RegoModule(name: moduleName(b.name, m.name), source: m.source, regoVersion: m.regoVersion))
            }
            data = try BundleReader.insert(b.data, at: [][...], into: data, file: b.name)
            system[.string(b.name)] = ["manifest": b.manifest.value]
        }
        // OPA exposes manifests (and metadata) at data.system.bundles.<name>.manifest.
        data = try BundleReader.insert(["bundles": .object(system.build())], at: ["system"][...], into: data, file: "system")

        let policy: CompiledPolicy
        do { policy = try CompiledPolicy.compile(modules: modules, data: data, options: options) } catch {
            throw compileError(error, bundles: bundles)
        }
        for b in bundles { try runTests(b, policy: policy) }
        for b in bundles { try runSmoke(b, policy: policy) }
        return policy
    }

    /// The first engine error with its location; the message lists all of them.
    static func compileError(_ errors: EngineErrors, bundles: [LoadedBundle]) -> BundleError {
        let first = errors.errors.first
        let message = errors.errors.map(\.description).joined(separator: "; ")
        return BundleError(.compile, .compileError, message, file: first?.location?.file, line: first?.location?.row)
    }

    /// Test rules: rule heads `test_…` at the start of a line (how tests are written), evaluated
    /// as `data.<package>.<name>`; each must be exactly `true`.
    static func testRules(_ source: String) -> [(name: String, line: Int)] {
        var out: [(String, Int)] = []
        var seen = Set<String>()
        for (i, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where line.hasPrefix("test_") {
            let name = String(line.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
            if seen.insert(name).inserted { out.append((name, i + 1)) }
        }
        return out
    }

    static func runTests(_ b: LoadedBundle, policy: CompiledPolicy) throws(BundleError) {
        for m in b.modules {
            guard let package = b.packages[m.name] else { continue }
            for (name, line) in testRules(m.source) {
                let file = moduleName(b.name, m.name)
                let value: Value?
                do { value = try policy.evaluate(path: package + [name], input: nil, context: EvalContext()) } catch {
                    throw BundleError(.tests, .testFailed, "\(package.joined(separator: ".")).\(name) errored: \(error)", file: file, line: line)
                }
                guard value == .true else {
                    throw BundleError(.tests, .testFailed,
                                      "\(package.joined(separator: ".")).\(name) failed (\(value.map { "got \($0)" } ?? "undefined"))",
                                      file: file, line: line)
                }
            }
        }
    }

    /// Smoke cases: manifest `metadata.policyd.smoke = [{"path": "a/b", "input": …, "expect": …}]`.
    static func runSmoke(_ b: LoadedBundle, policy: CompiledPolicy) throws(BundleError) {
        guard let cases = b.manifest.metadata?["policyd"]?["smoke"] else { return }
        guard let list = cases.arrayValue else {
            throw BundleError(.smoke, .smokeFailed, "metadata.policyd.smoke must be an array", file: ".manifest")
        }
        for (i, c) in list.enumerated() {
            guard let pathText = c["path"]?.stringValue, let path = Configuration.parsePath(pathText), let expect = c["expect"] else {
                throw BundleError(.smoke, .smokeFailed, "smoke case \(i) needs path and expect", file: ".manifest")
            }
            let got: Value?
            do { got = try policy.evaluate(path: path, input: c["input"], context: EvalContext()) } catch {
                throw BundleError(.smoke, .smokeFailed, "smoke case \(i) (\(pathText)) errored: \(error)", file: ".manifest")
            }
            guard got == expect else {
                throw BundleError(.smoke, .smokeFailed,
                                  "smoke case \(i) (\(pathText)): expected \(expect), got \(got.map { "\($0)" } ?? "undefined")",
                                  file: ".manifest")
            }
        }
    }
}
