import Engine
import Foundation

extension Responder {
    /// The `test` admin op: runs every bundle's own Rego tests and case files, as
    /// `policyd test` would, and answers `{"passed": bool, "results": [...], "summary": {...}}`.
    /// It tests the bundle directories on disk (what a reload would activate), each bundle
    /// compiled on its own with its manifest's Rego version; `path` limits it to one bundle.
    func testBundles(_ r: Request) -> [UInt8] {
        let dir = config.bundles.dir
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { name in
                var isDir: ObjCBool = false
                return !name.hasPrefix(".")
                    && FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDir) && isDir.boolValue
            }.sorted()
        } catch {
            return ResponseWriter.error(id: r.id, code: "test_error", message: "cannot read \(dir): \(error)")
        }
        let only = r.path?.joined(separator: "/")
        let runner = PolicyTestRunner(mapping: DaemonDecisionMapping.mapping(config: config), limits: .default)
        var combined = TestReport(results: [], errors: [])
        for name in names where only == nil || only == name {
            do {
                let sources = try TestSources.load(paths: [dir + "/" + name])
                let report = runner.run(sources)
                combined.results += report.results
                combined.errors += report.errors.map { "\(name): \($0)" }
            } catch {
                combined.errors.append("\(name): \(error)")
            }
        }
        let doc = combined.json
        var w = ResponseWriter(id: r.id)
        for (k, v) in doc.objectValue?.pairs ?? ObjectValue().pairs {
            if let key = k.stringValue { w.value(key, v) }
        }
        return w.finish()
    }
}
