import Engine

extension TestSources {
    /// A verified bundle's own tests: its modules and data as activation compiles them, its
    /// `test_*` rules, and its decision case files (YAML/JSON members with a `cases` list).
    /// Activation gates run these against the assembled policy (PolicyAssembler.runTests).
    init(bundle: LoadedBundle) throws {
        self.init()
        // Named `<bundle>/<path>` as activation compiles them, so failures point at the bundle's file.
        modules = bundle.modules.map { RegoModule(name: bundle.name + "/" + $0.name, source: $0.source, regoVersion: $0.regoVersion) }
        data = bundle.data
        for m in modules { tests.append(contentsOf: RegoTest.discover(in: m)) }
        for f in bundle.files {
            let base = f.name.split(separator: "/").last.map(String.init) ?? f.name
            guard f.name.hasSuffix(".json") || f.name.hasSuffix(".yaml") || f.name.hasSuffix(".yml"),
                  !["data.json", "data.yaml", "data.yml"].contains(base), !base.hasPrefix(".") else { continue }
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
}
