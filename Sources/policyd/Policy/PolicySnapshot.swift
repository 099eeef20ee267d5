import Engine

/// What a bundle contributed to the active policy.
struct BundleInfo: Sendable, Equatable {
    var name: String
    var revision: String
    /// Wall-clock activation time, nanoseconds since the epoch.
    var activatedAtNs: Int64
    /// Entrypoints the bundle's manifest declares (defaults, kinds); the config wins over them.
    var entrypoints: [DeclaredEntrypoint] = []
}

/// The outcome of the last attempt to (re)load one bundle.
struct ReloadResult: Sendable, Equatable {
    var bundle: String
    var ok: Bool
    var revision: String?
    var error: String?
    var atNs: Int64
    /// Set when the result is about a bundle whose drop was removed from the directory.
    var removal: Removal? = nil

    enum Removal: String, Sendable {
        /// The bundle no longer serves.
        case deactivated
        /// It still serves: it was the last bundle (or the others fail without it).
        case kept
    }
}

/// The policy being served, immutable. A request loads the current snapshot once and uses it
/// until its response is written, so a reload never changes a decision half-way.
final class PolicySnapshot: Sendable {
    /// nil: nothing could be loaded (every decision fails closed with `no_policy`).
    let policy: CompiledPolicy?
    let bundles: [String: BundleInfo]
    /// The last reload attempt per bundle, successful or not.
    let lastResults: [String: ReloadResult]
    /// Why there is no policy, when there is none.
    let loadError: String?
    /// Monotonically increasing activation number (0 = the empty start-up snapshot).
    let generation: Int
    /// The served bundles' manifest declarations by entrypoint path ("a/b"), and kind → path.
    let declaredEntrypoints: [String: DeclaredEntrypoint]
    let declaredKinds: [String: [String]]

    init(policy: CompiledPolicy?, bundles: [String: BundleInfo], lastResults: [String: ReloadResult],
         loadError: String?, generation: Int)
    {
        self.policy = policy
        self.bundles = bundles
        self.lastResults = lastResults
        self.loadError = loadError
        self.generation = generation
        var declared: [String: DeclaredEntrypoint] = [:]
        var kinds: [String: [String]] = [:]
        for d in bundles.values.sorted(by: { $0.name < $1.name }).flatMap(\.entrypoints) {
            if declared[d.key] == nil { declared[d.key] = d }
            for k in d.kinds where kinds[k] == nil { kinds[k] = d.path }
        }
        declaredEntrypoints = declared
        declaredKinds = kinds
    }

    /// The default of an entrypoint: the config's when it states one, else the bundle
    /// manifest's declaration, else deny. `key` is `path` joined with "/".
    func defaultDecision(_ path: [String], key: String, config: Configuration) -> Configuration.Entrypoint.Default {
        if let c = config.entrypoint(path).configuredDefault { return c }
        return declaredEntrypoints.isEmpty ? .deny : (declaredEntrypoints[key]?.defaultDecision ?? .deny)
    }

    /// A served bundle's manifest default for the entrypoint `key` ("a/b"), else deny. The
    /// config's own default is checked first by the caller (Route.configuredDefault).
    func declaredDefault(_ key: String) -> Configuration.Entrypoint.Default {
        declaredEntrypoints.isEmpty ? .deny : (declaredEntrypoints[key]?.defaultDecision ?? .deny)
    }

    /// The entrypoint a request `kind` routes to: the config's mapping, else a manifest's.
    func path(forKind kind: String, config: Configuration) -> [String]? {
        config.path(forKind: kind) ?? declaredKinds[kind]
    }

    static let empty = PolicySnapshot(policy: nil, bundles: [:], lastResults: [:],
                                      loadError: "no bundle loaded yet", generation: 0)

    /// True when the last attempt for some bundle failed while an older policy is still served.
    var degraded: Bool { policy != nil && lastResults.values.contains { !$0.ok } }

    /// "name@revision, …" for STATUS= and logs.
    var revisionSummary: String {
        bundles.values.sorted { $0.name < $1.name }.map { "\($0.name)@\($0.revision)" }.joined(separator: ",")
    }
}
