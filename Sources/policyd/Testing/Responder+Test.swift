import Engine
import Foundation

extension Responder {
    /// The `test` admin op: runs a bundle's own Rego tests and case files, as `policyd test`
    /// would, and answers `{"passed": bool, "results": [...], "errors": [...], "summary": {...},
    /// "bundles": {name: {"revision": …, "signed_by": keyid|null}}}`.
    ///
    /// * `{"op":"test","candidate":"/abs/path/authz.tar.gz"}` tests a candidate that is not
    ///   served yet (a tarball or a directory). It is read and verified exactly like a drop
    ///   (BundleReader with the daemon's keys, signing settings and limits); a candidate that
    ///   fails verification gets an error frame `bundle_rejected` with the stage and reason.
    ///   `"unsigned": true` accepts an unsigned candidate (a draft directory) even when keys
    ///   are configured: the peer is an admin and asked for it explicitly; a signature that is
    ///   present is still verified.
    /// * Without `candidate`, every drop in the bundle directory (tarballs and directories) is
    ///   verified and tested the same way; `bundle` (or `path`) limits it to one name.
    ///
    /// Each bundle is compiled on its own with its manifest's Rego versions, and its case files
    /// are judged with the config's entrypoint defaults plus its own manifest declarations.
    func testBundles(_ r: Request) -> [UInt8] {
        let settings: BundleSettings
        do { settings = try BundleSettings.from(config) } catch {
            return ResponseWriter.error(id: r.id, code: "test_error", message: "bundle verification settings: \(error)")
        }
        var targets: [(name: String, path: String)] = []
        if let candidate = r.candidate {
            targets = [(BundleNaming.name(forPath: candidate) ?? "candidate", candidate)]
        } else {
            let dir = config.bundles.dir
            let entries: [String]
            do { entries = try FileManager.default.contentsOfDirectory(atPath: dir).sorted() } catch {
                return ResponseWriter.error(id: r.id, code: "test_error", message: "cannot read \(dir): \(error)")
            }
            let only = r.bundle ?? r.path?.joined(separator: "/")
            for entry in entries {
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: dir + "/" + entry, isDirectory: &isDir),
                      let name = BundleNaming.name(forEntry: entry, isDirectory: isDir.boolValue),
                      only == nil || only == name else { continue }
                targets.append((name, dir + "/" + entry))
            }
        }

        let base = EntrypointDefaults(config: config)
        var combined = TestReport(results: [], errors: [])
        var loaded: [LoadedBundle] = []
        for t in targets {
            let bundle: LoadedBundle
            do {
                bundle = try CandidateBundle.load(path: t.path, name: t.name, settings: settings, unsigned: r.unsigned)
            } catch {
                if r.candidate != nil { return Self.rejected(id: r.id, name: t.name, error) }
                combined.errors.append("\(t.name): \(error)")
                continue
            }
            loaded.append(bundle)
            do {
                let sources = try TestSources(bundle: bundle)
                let runner = PolicyTestRunner(mapping: DaemonDecisionMapping.mapping(entrypoints: base.declaring(sources.entrypoints)),
                                              limits: .default)
                let report = runner.run(sources)
                combined.results += report.results
                combined.errors += report.errors.map { "\(t.name): \($0)" }
            } catch {
                combined.errors.append("\(t.name): \(error)")
            }
        }
        if r.candidate == nil && targets.isEmpty {
            combined.errors.append("no bundle \(r.bundle ?? r.path?.joined(separator: "/") ?? "") in \(config.bundles.dir)")
        }
        var w = ResponseWriter(id: r.id)
        for (k, v) in combined.json.objectValue?.pairs ?? ObjectValue().pairs {
            if let key = k.stringValue { w.value(key, v) }
        }
        var bundles = ObjectBuilder()
        for b in loaded {
            bundles[.string(b.name)] = .object(ObjectValue([
                "revision": .string(b.revision), "signed_by": b.signature.map { .string($0.keyID) } ?? .null,
            ]))
        }
        w.value("bundles", .object(bundles.build()))
        return w.finish()
    }

    /// `{"error": {"code": "bundle_rejected", "message": …, "stage": …, "reason": …, "file": …}}`.
    static func rejected(id: Value?, name: String, _ e: BundleError) -> [UInt8] {
        var detail: [String: Value] = [
            "code": "bundle_rejected", "message": .string("candidate \(name) rejected: \(e)"),
            "stage": .string(e.stage.rawValue), "reason": .string(e.reason.rawValue),
        ]
        if let f = e.file { detail["file"] = .string(f) }
        if let l = e.line { detail["line"] = .int(l) }
        var w = ResponseWriter(id: id)
        w.value("error", .object(ObjectValue(detail)))
        return w.finish()
    }
}
