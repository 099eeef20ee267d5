import Engine

extension TestSources {
    /// A verified bundle's own tests: its modules and data as activation compiles them, its
    /// `test_*` rules, and its decision case files (YAML/JSON members with a `cases` list).
    /// For activation gates: `PolicyTestRunner(...).run(TestSources(bundle: loaded)).passed`.
    init(bundle: LoadedBundle) throws {
        self.init()
        modules = bundle.modules
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
