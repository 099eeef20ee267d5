import Engine

/// An entrypoint a bundle declares in its manifest, so the bundle carries how it is meant to be
/// read (allow-list or deny-list style) and which request kinds it serves:
///
///     "metadata": {"policyd": {"entrypoints": {
///         "agentcy": {"default": "allow"},
///         "agentcy/main": {"default": "deny", "kinds": ["agentcy_request"]}}}}
///
/// The config's `entrypoints` always win (EntrypointDefaults).
struct DeclaredEntrypoint: Sendable, Equatable {
    var path: [String]
    var defaultDecision: Configuration.Entrypoint.Default?
    var kinds: [String] = []
    var bundle: String

    var key: String { path.joined(separator: "/") }

    /// The declarations of one bundle's manifest. A declared path must lie under one of the
    /// bundle's roots: a bundle speaks only for the documents it owns.
    static func parse(_ manifest: BundleManifest, bundle: String) throws(BundleError) -> [DeclaredEntrypoint] {
        func fail(_ m: String) -> BundleError { BundleError(.manifest, .badManifest, m, file: ".manifest") }
        guard let section = manifest.metadata?["policyd"]?["entrypoints"], section != .null else { return [] }
        guard case .object(let o) = section else { throw fail("metadata.policyd.entrypoints must be a map of entrypoint path to settings") }
        var out: [DeclaredEntrypoint] = []
        for (k, v) in o.pairs {
            guard let text = k.stringValue, let path = Configuration.parsePath(text) else {
                throw fail("metadata.policyd.entrypoints: invalid entrypoint path \(k)")
            }
            guard case .object(let settings) = v else { throw fail("metadata.policyd.entrypoints.\(text) must be a map") }
            var d = DeclaredEntrypoint(path: path, defaultDecision: nil, bundle: bundle)
            for (sk, sv) in settings.pairs {
                switch sk.stringValue {
                case "default":
                    guard let s = sv.stringValue, let def = Configuration.Entrypoint.Default(rawValue: s) else {
                        throw fail("metadata.policyd.entrypoints.\(text).default must be allow or deny")
                    }
                    d.defaultDecision = def
                case "kinds":
                    guard let list = sv.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                        throw fail("metadata.policyd.entrypoints.\(text).kinds must be a list of strings")
                    }
                    d.kinds = list.compactMap(\.stringValue)
                default:
                    throw fail("metadata.policyd.entrypoints.\(text): unknown key \(sk)")
                }
            }
            let owned = manifest.roots.contains { root in
                root.isEmpty || Array(path.prefix(root.split(separator: "/").count)) == root.split(separator: "/").map(String.init)
            }
            guard owned else {
                throw fail("metadata.policyd.entrypoints: \(text) is outside the bundle's roots \(manifest.roots)")
            }
            out.append(d)
        }
        return out
    }

    /// Every declaration of a set of bundles served together; two bundles may not claim the
    /// same entrypoint or route the same kind.
    static func collect(_ bundles: [LoadedBundle]) throws(BundleError) -> [DeclaredEntrypoint] {
        var all: [DeclaredEntrypoint] = []
        var byPath: [String: String] = [:]
        var byKind: [String: String] = [:]
        for b in bundles.sorted(by: { $0.name < $1.name }) {
            for d in try parse(b.manifest, bundle: b.name) {
                if let other = byPath[d.key], other != b.name {
                    throw BundleError(.manifest, .badManifest, "entrypoint \(d.key) is declared by bundles \(other) and \(b.name)", file: ".manifest")
                }
                byPath[d.key] = b.name
                for k in d.kinds {
                    if let other = byKind[k], other != d.key {
                        throw BundleError(.manifest, .badManifest, "request kind \(k) is routed to both \(other) and \(d.key) by bundle manifests", file: ".manifest")
                    }
                    byKind[k] = d.key
                }
                all.append(d)
            }
        }
        return all
    }
}

/// How an entrypoint is read when nothing in its document decides (its `default`) and which
/// request kinds route to it: the config's `entrypoints` first, then the declarations of the
/// bundles being served, else `deny`.
struct EntrypointDefaults: Sendable {
    var configured: [Configuration.Entrypoint]
    var declared: [String: DeclaredEntrypoint]

    init(config: Configuration = Configuration(), declared: [DeclaredEntrypoint] = []) {
        configured = config.entrypoints
        self.declared = Dictionary(declared.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The same config with other bundles' declarations.
    func declaring(_ list: [DeclaredEntrypoint]) -> EntrypointDefaults {
        var copy = self
        copy.declared = Dictionary(list.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        return copy
    }

    func defaultDecision(_ path: [String]) -> Configuration.Entrypoint.Default {
        if let c = configured.first(where: { $0.path == path })?.configuredDefault { return c }
        return declared[path.joined(separator: "/")]?.defaultDecision ?? .deny
    }

    func path(forKind kind: String) -> [String]? {
        if let c = configured.first(where: { $0.kinds.contains(kind) }) { return c.path }
        return declared.values.filter { $0.kinds.contains(kind) }.map(\.path).min { $0.joined(separator: "/") < $1.joined(separator: "/") }
    }
}
