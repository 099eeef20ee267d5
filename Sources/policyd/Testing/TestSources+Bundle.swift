import Engine

extension TestSources {
    /// A verified bundle's own tests: its modules and data as activation compiles them, its
    /// `test_*` rules, and its decision case files (YAML/JSON members with a `cases` list).
    /// Activation gates run these against the assembled policy (PolicyAssembler.runTests).
    /// `parsed`: the syntax trees of the bundle's modules by module name (`<bundle>/<path>`),
    /// when the caller parsed them already (activation, for the compiler); modules not in it
    /// are parsed here.
    init(bundle: LoadedBundle, parsed: [String: Module] = [:]) throws {
        self.init()
        // Named `<bundle>/<path>` as activation compiles them, so failures point at the bundle's file.
        modules = bundle.modules.map { RegoModule(name: bundle.name + "/" + $0.name, source: $0.source, regoVersion: $0.regoVersion) }
        data = bundle.data
        do { entrypoints = try DeclaredEntrypoint.parse(bundle.manifest, bundle: bundle.name) } catch {
            throw LoadError(description: "\(bundle.name)/.manifest: \(error)")
        }
        for m in modules { tests.append(contentsOf: parsed[m.name].map { RegoTest.discover(in: $0) } ?? RegoTest.discover(in: m)) }
        for f in bundle.files where Self.mayHoldCases(f.name) {
            let text = String(decoding: f.bytes, as: UTF8.self)
            let doc: Value
            do {
                doc = try StructuredText.parse(text, file: f.name)
            } catch {
                throw LoadError(description: "\(bundle.name)/\(f.name): \(error)")
            }
            if DecisionCase.isCaseDocument(doc) {
                cases.append(contentsOf: try DecisionCase.load(doc, file: "\(bundle.name)/\(f.name)", text: text))
            }
        }
    }

    /// YAML/JSON members other than data files and dotfiles: where case files live.
    static func mayHoldCases(_ name: String) -> Bool {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        return (name.hasSuffix(".json") || name.hasSuffix(".yaml") || name.hasSuffix(".yml"))
            && !["data.json", "data.yaml", "data.yml"].contains(base) && !base.hasPrefix(".")
    }

    /// Whether a bundle member is a decision case file (a YAML/JSON document with `cases`).
    /// `policyd bundle build` keeps these, so a built tarball carries its tests like its source.
    static func isCaseFile(_ f: BundleFile) -> Bool {
        guard mayHoldCases(f.name), let doc = try? StructuredText.parse(String(decoding: f.bytes, as: UTF8.self), file: f.name)
        else { return false }
        return DecisionCase.isCaseDocument(doc)
    }
}
