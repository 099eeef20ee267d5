import Engine

/// Turns a set of verified bundles into one compiled policy, and proves it before it may
/// serve: every module compiles (with its manifest's Rego version), every bundle's own tests
/// pass (`test_*` rules and case files, as `policyd test` runs them), and every smoke case in the manifests gives its expected
/// value. Runs off the serving path.
enum PolicyAssembler {
    /// Modules are named `<bundle>/<path>` so compile errors point at the bundle and file.
    static func moduleName(_ bundle: String, _ file: String) -> String { bundle + "/" + file }

    /// `entrypoints` holds the config's entrypoint settings; the bundles' manifest declarations
    /// are added here, so case files are judged with the defaults the daemon will serve them with.
    /// `checks` (the daemon's) skips parsing and static checks when the modules are the ones
    /// last checked (a data-only update); compiling, tests and smoke cases always run.
    static func assemble(_ bundles: [LoadedBundle], options: CompileOptions = CompileOptions(),
                         entrypoints: EntrypointDefaults = EntrypointDefaults(),
                         checks: CheckedModulesCache? = nil) throws(BundleError)
        -> CompiledPolicy
    {
        let mapping = DaemonDecisionMapping.mapping(entrypoints: entrypoints.declaring(try DeclaredEntrypoint.collect(bundles)))
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

        // Parsed once: the compiler and test discovery share the syntax trees.
        let policy: CompiledPolicy
        var parsedByName: [String: Module] = [:]
        do {
            let checked: CheckedModules
            if let known = checks?.lookup(modules, options: options) {
                checked = known
            } else {
                checked = try CompiledPolicy.check(CompiledPolicy.parse(modules), options: options)
                checks?.store(modules, checked)
            }
            // The daemon evaluates prepared data paths only, never ad-hoc queries.
            policy = try CompiledPolicy.compile(checked: checked, data: data, queryTypes: false)
            parsedByName.reserveCapacity(checked.modules.count)
            for (m, p) in zip(modules, checked.modules) { parsedByName[m.name] = p }
        } catch {
            throw compileError(error, bundles: bundles)
        }
        for b in bundles { try runTests(b, policy: policy, mapping: mapping, parsed: parsedByName) }
        for b in bundles { try runSmoke(b, policy: policy) }
        return policy
    }

    /// The first engine error with its location; the message lists all of them.
    static func compileError(_ errors: EngineErrors, bundles: [LoadedBundle]) -> BundleError {
        let first = errors.errors.first
        let message = errors.errors.map(\.description).joined(separator: "; ")
        return BundleError(.compile, .compileError, message, file: first?.location?.file, line: first?.location?.row)
    }

    /// A bundle's own tests (its `test_*` rules and decision case files, found and run by the
    /// same PolicyTestRunner as `policyd test`) against the assembled policy; the first failure
    /// refuses the set, with its file:line.
    static func runTests(_ b: LoadedBundle, policy: CompiledPolicy, mapping: @escaping DecisionMapping,
                         parsed: [String: Module] = [:]) throws(BundleError) {
        let sources: TestSources
        do { sources = try TestSources(bundle: b, parsed: parsed) } catch {
            throw BundleError(.tests, .testFailed, "cannot load tests: \(error)", file: b.name)
        }
        if sources.tests.isEmpty && sources.cases.isEmpty { return }
        let report = PolicyTestRunner(mapping: mapping).run(sources, against: policy)
        if let error = report.errors.first { throw BundleError(.tests, .testFailed, error, file: b.name) }
        guard let bad = report.results.first(where: { $0.status == .fail || $0.status == .error }) else { return }
        throw BundleError(.tests, .testFailed, failureText(bad), file: bad.file, line: bad.line)
    }

    static func failureText(_ r: TestResult) -> String {
        if r.status == .error { return "\(r.name) errored: \(r.message ?? "")" }
        if r.kind == .rego { return "\(r.name) failed (\(r.actual.map { "got \($0)" } ?? "undefined"))" }
        let got = r.got.map { "\($0.decision) \($0.reasons)" } ?? "nothing"
        let want = r.expected.map { "\($0.decision)" } ?? "?"
        return "case \(r.name) failed: expected \(want), got \(got)"
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
