import Engine

/// `.manifest`: revision, owned roots, Rego version(s) and free metadata (reference A.4).
struct BundleManifest: Sendable {
    var revision: String = ""
    /// Roots with leading/trailing `/` trimmed; `[""]` (everything) when absent.
    var roots: [String] = [""]
    /// 0 or 1; nil means the runtime default (v1).
    var regoVersion: Int? = nil
    /// Glob → version, in file order (the first matching glob wins).
    var fileRegoVersions: [(glob: String, version: Int)] = []
    var metadata: Value? = nil
    /// The manifest as a value (for `data.system.bundles.<name>.manifest` and `inspect`).
    var value: Value = .emptyObject

    static func parse(_ raw: RawJSON) throws(BundleError) -> BundleManifest {
        guard case .object(let members) = raw else {
            throw BundleError(.manifest, .badManifest, ".manifest must be a JSON object", file: ".manifest")
        }
        var m = BundleManifest()
        func fail(_ message: String) -> BundleError { BundleError(.manifest, .badManifest, message, file: ".manifest") }
        for (key, v) in members {
            switch key {
            case "revision":
                guard case .string(let s) = v else { throw fail("revision must be a string") }
                m.revision = s
            case "roots":
                if case .null = v { continue }
                guard case .array(let items) = v else { throw fail("roots must be an array of strings") }
                var roots: [String] = []
                for item in items {
                    guard case .string(let s) = item else { throw fail("roots must be an array of strings") }
                    roots.append(trimSlashes(s))
                }
                m.roots = roots
            case "rego_version":
                guard case .number(let text) = v, let n = Int(text), n == 0 || n == 1 else {
                    throw fail("unknown bundle rego-version")
                }
                m.regoVersion = n
            case "file_rego_versions":
                if case .null = v { continue }
                guard case .object(let globs) = v else { throw fail("file_rego_versions must be an object") }
                for (glob, gv) in globs {
                    guard case .number(let text) = gv, let n = Int(text), n == 0 || n == 1 else {
                        throw fail("unknown rego-version for file '\(glob)'")
                    }
                    m.fileRegoVersions.append((glob, n))
                }
            case "metadata":
                if case .null = v { continue }
                guard case .object = v else { throw fail("metadata must be an object") }
                m.metadata = CanonicalJSON.value(v)
            case "wasm":
                if case .array(let a) = v, !a.isEmpty { throw BundleError(.manifest, .unsupportedFeature, "wasm modules are not supported by policyd", file: ".manifest") }
            default:
                break  // OPA ignores unknown fields
            }
        }
        if m.roots.isEmpty { throw fail("manifest roots are empty: the bundle would own nothing") }
        m.value = CanonicalJSON.value(raw)
        return m
    }

    static func trimSlashes(_ s: String) -> String {
        var sub = Substring(s)
        while sub.hasPrefix("/") { sub = sub.dropFirst() }
        while sub.hasSuffix("/") { sub = sub.dropLast() }
        return String(sub)
    }

    /// Rego version of one module: the first `file_rego_versions` glob matching `/`+name, else
    /// `rego_version`, else v1.
    func regoVersion(forModule name: String) -> RegoVersion {
        let path = "/" + name
        for (glob, version) in fileRegoVersions where PathGlob(glob, dialect: .gobwas).matches(path) {
            return version == 0 ? .v0 : .v1
        }
        return regoVersion == 0 ? .v0 : .v1
    }

    /// The manifest as `opa build` writes it (compact JSON, OPA's field set).
    func encoded() -> [UInt8] {
        var members: [(String, RawJSON)] = [("revision", .string(revision)), ("roots", .array(roots.map { .string($0) }))]
        if let regoVersion { members.append(("rego_version", .number(String(regoVersion)))) }
        if !fileRegoVersions.isEmpty {
            members.append(("file_rego_versions", .object(fileRegoVersions.map { ($0.glob, .number(String($0.version))) })))
        }
        if let metadata { members.append(("metadata", rawJSON(metadata))) }
        return CanonicalJSON.canonicalBytes(.object(members))
    }
}

/// A Value back into RawJSON (numbers by their printed form).
func rawJSON(_ v: Value) -> RawJSON {
    switch v {
    case .null: return .null
    case .bool(let b): return .bool(b)
    case .number(let n): return .number(JSONWriter.string(.number(n)))
    case .string(let s): return .string(s)
    case .array(let a): return .array(a.map(rawJSON))
    case .set(let s): return .array(s.elements.map(rawJSON))
    case .object(let o):
        return .object(o.pairs.map { k, v in (k.stringValue ?? JSONWriter.string(k), rawJSON(v)) })
    }
}
