import Engine
import Foundation
import Yams

/// Development bundles: every subdirectory of `dir` is one unsigned bundle named after it,
/// holding `.rego` files, `data.json`/`data.yaml` files (merged at their directory's path, as
/// in OPA bundles) and an optional `.manifest` (`{"revision": "…", "rego_version": 0|1}`).
/// All bundles are compiled together into one policy. Nothing is verified: this is the
/// stand-in until the signed bundle pipeline (Sources/policyd/Bundles/) takes over the seam.
struct DevelopmentBundleSource: BundleSource {
    var dir: String
    /// `bundles.allow_unsigned`: without it nothing is loaded (this source verifies nothing).
    var allowUnsigned: Bool
    var options = CompileOptions()

    struct LoadedBundle {
        var name: String
        var revision: String
        var modules: [RegoModule]
        var data: Value
    }

    func reload(into store: PolicyStore) -> ReloadOutcome {
        let now = EvalContext.wallClockNs()
        guard allowUnsigned else {
            let msg = "unsigned development bundles are refused: set bundles.allow_unsigned: true (development only)"
            let r = ReloadResult(bundle: "*", ok: false, revision: nil, error: msg, atNs: now)
            store.recordFailure([r], loadError: msg)
            return ReloadOutcome(activated: false, summary: "rejected: \(msg)", results: [r])
        }
        let bundles: [LoadedBundle]
        do { bundles = try loadAll() } catch {
            let r = ReloadResult(bundle: "*", ok: false, revision: nil, error: "\(error)", atNs: now)
            store.recordFailure([r], loadError: "\(error)")
            return ReloadOutcome(activated: false, summary: "rejected: \(error)", results: [r])
        }
        if bundles.isEmpty {
            let msg = "no bundles in \(dir)"
            let r = ReloadResult(bundle: "*", ok: false, revision: nil, error: msg, atNs: now)
            store.recordFailure([r], loadError: msg)
            return ReloadOutcome(activated: false, summary: "rejected: \(msg)", results: [r])
        }
        var data = Value.emptyObject
        for b in bundles { data = Self.merge(data, b.data) }
        do {
            let policy = try CompiledPolicy.compile(modules: bundles.flatMap(\.modules), data: data, options: options)
            var infos: [String: BundleInfo] = [:]
            var results: [ReloadResult] = []
            for b in bundles {
                infos[b.name] = BundleInfo(name: b.name, revision: b.revision, activatedAtNs: now)
                results.append(ReloadResult(bundle: b.name, ok: true, revision: b.revision, error: nil, atNs: now))
            }
            let snap = store.activate(policy: policy, bundles: infos, results: results)
            return ReloadOutcome(activated: true, summary: "activated \(snap.revisionSummary)", results: results)
        } catch {
            let msg = error.errors.map { "\($0)" }.joined(separator: "; ")
            let results = bundles.map {
                ReloadResult(bundle: $0.name, ok: false, revision: $0.revision, error: msg, atNs: now)
            }
            store.recordFailure(results, loadError: msg)
            return ReloadOutcome(activated: false, summary: "rejected: \(msg)", results: results)
        }
    }

    func loadAll() throws -> [LoadedBundle] {
        let fm = FileManager.default
        let names = try fm.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") }.sorted()
        var out: [LoadedBundle] = []
        for name in names {
            var isDir: ObjCBool = false
            let root = (dir as NSString).appendingPathComponent(name)
            guard fm.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else { continue }
            out.append(try load(name: name, root: root))
        }
        return out
    }

    private func load(name: String, root: String) throws -> LoadedBundle {
        var revision = ""
        var regoVersion = RegoVersion.v1
        let manifestPath = (root as NSString).appendingPathComponent(".manifest")
        if let m = FileManager.default.contents(atPath: manifestPath) {
            let v = try JSONReader.parse(bytes: m)
            revision = v["revision"]?.stringValue ?? ""
            if let n = v["rego_version"]?.numberValue?.exactInt { regoVersion = n == 0 ? .v0 : .v1 }
        }
        var modules: [RegoModule] = []
        var data = Value.emptyObject
        let files = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).sorted()
        for rel in files {
            let full = (root as NSString).appendingPathComponent(rel)
            let base = (rel as NSString).lastPathComponent
            let dirParts = (rel as NSString).deletingLastPathComponent.split(separator: "/").map(String.init)
            if rel.hasSuffix(".rego") {
                guard let src = try? String(contentsOfFile: full, encoding: .utf8) else {
                    throw BundleLoadError("\(name)/\(rel): not UTF-8")
                }
                modules.append(RegoModule(name: "\(name)/\(rel)", source: src, regoVersion: regoVersion))
            } else if base == "data.json" || base == "data.yaml" || base == "data.yml" {
                guard let bytes = FileManager.default.contents(atPath: full) else { continue }
                let doc: Value
                do {
                    doc = base == "data.json"
                        ? try JSONReader.parse(bytes: bytes)
                        : Self.value(fromYAML: try Yams.load(yaml: String(decoding: bytes, as: UTF8.self)))
                } catch { throw BundleLoadError("\(name)/\(rel): \(error)") }
                var nested = doc
                for p in dirParts.reversed() { nested = .object(ObjectValue(pairs: [(.string(p), nested)])) }
                data = Self.merge(data, nested)
            }
        }
        return LoadedBundle(name: name, revision: revision, modules: modules, data: data)
    }

    /// Deep merge of objects; on any other clash the later value wins.
    static func merge(_ a: Value, _ b: Value) -> Value {
        guard case .object(let x) = a, case .object(let y) = b else { return b }
        var builder = ObjectBuilder(x)
        for (k, v) in y.pairs { builder[k] = builder[k].map { merge($0, v) } ?? v }
        return .object(builder.build())
    }

    static func value(fromYAML any: Any?) -> Value {
        switch any {
        case nil: return .null
        case let b as Bool: return .bool(b)
        case let i as Int: return .int(i)
        case let d as Double: return .double(d)
        case let s as String: return .string(s)
        case let a as [Any?]: return .array(a.map(value(fromYAML:)))
        case let m as [AnyHashable: Any?]:
            return .object(ObjectValue(pairs: m.map { (Value.string("\($0.key)"), value(fromYAML: $0.value)) }))
        default: return .string("\(any!)")
        }
    }
}

struct BundleLoadError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
