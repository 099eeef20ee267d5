/// The daemon's settings, read from one YAML file (config/policyd.yaml documents every key).
/// Defaults here are the production defaults; command-line flags override the file.
struct Configuration: Sendable, Equatable {
    struct Socket: Sendable, Equatable {
        var path = "/run/policyd/policyd.sock"
        /// Permission bits applied when policyd binds the socket itself (not when activated).
        var mode: UInt32 = 0o660
        /// Group name or numeric gid given to the socket file when policyd binds it.
        var group: String?
    }

    struct Bundles: Sendable, Equatable {
        var dir = "/var/lib/policyd/bundles"
        /// Development only: accept bundles without a signature.
        var allowUnsigned = false
        var maxBundleBytes = 64 << 20
        var maxFiles = 10_000
        var debounceMs = 250
        var keepLastGood = true
        /// Signature policy (OPA's `bundles.<name>.signing`, one block for all bundles).
        var signingKeyID: String?
        var signingScope: String?
        var excludeFiles: [String] = []
        /// Further read limits (see BundleLimits).
        var maxCompressedBytes = 32 << 20
        var maxFileBytes = 64 << 20
        var maxPathLength = 1_024
        /// Activations kept per bundle name in the state directory (for rollback).
        var history = 5
        /// The reload thread's CPU class (BackgroundThread.Priority).
        var reloadPriority = BackgroundThread.Priority.batch
    }

    struct Key: Sendable, Equatable {
        var algorithm: String
        var keyFile: String?
        var key: String?
        var scope: String?
    }

    struct Entrypoint: Sendable, Equatable {
        enum Default: String, Sendable { case allow, deny }
        var path: [String]
        /// The `default:` the config states (nil: not stated, so a bundle manifest's
        /// declaration applies, else deny; see Decisions/EntrypointDefaults.swift).
        var configuredDefault: Default?
        /// Request kinds routed to this entrypoint when a request names no path.
        var kinds: [String] = []

        init(path: [String], defaultDecision: Default? = nil, kinds: [String] = []) {
            self.path = path
            configuredDefault = defaultDecision
            self.kinds = kinds
        }

        /// The effective default when no bundle declares one: deny unless configured.
        var defaultDecision: Default {
            get { configuredDefault ?? .deny }
            set { configuredDefault = newValue }
        }
    }

    struct Limits: Sendable, Equatable {
        var maxConnections = 4096
        var maxJSONDepth = 512
        var evalTimeoutMs = 250
        var maxEvalSteps = 10_000_000
        var maxEvalDepth = 2_000
        /// A connection that sends nothing for this long (and has no response still being
        /// written) is closed; 0 = never.
        var idleTimeoutMs = 300_000
    }

    struct Log: Sendable, Equatable {
        enum Target: String, Sendable { case journal, stderr }
        var target: Target = .journal
        var level = "info"
        /// Log every decision (at debug level when false).
        var decisions = false
    }

    var socket = Socket()
    var stateDir = "/var/lib/policyd"
    var bundles = Bundles()
    var keys: [String: Key] = [:]
    var defaultPath: [String] = ["behavry", "authz"]
    var entrypoints: [Entrypoint] = []
    var adminUIDs: [UInt32] = [0]
    var maxFrameBytes = 1 << 20
    var threads = 0
    /// Nice value of the decision loop threads (`loop_nice`; nil: left as created, i.e. 0).
    var loopNice: Int?
    var limits = Limits()
    var log = Log()
    /// The audit trail (Sources/policyd/DecisionLog, parsed and checked by DecisionLogConfig).
    var decisionLog = DecisionLogConfig()

    /// The settings of the entrypoint at `path` (a default-deny one when not configured).
    func entrypoint(_ path: [String]) -> Entrypoint {
        entrypoints.first(where: { $0.path == path }) ?? Entrypoint(path: path)
    }

    /// The entrypoint a request `kind` maps to, if configured.
    func path(forKind kind: String) -> [String]? {
        entrypoints.first(where: { $0.kinds.contains(kind) })?.path
    }

    /// "behavry/authz", "behavry.authz" and "data.behavry.authz" all name data.behavry.authz.
    static func parsePath(_ text: String) -> [String]? {
        var parts = text.split(whereSeparator: { $0 == "/" || $0 == "." }).map(String.init)
        if parts.first == "data" { parts.removeFirst() }
        return parts.isEmpty ? nil : parts
    }
}

extension Configuration {
    /// Relative `key_file` paths name files next to the config file, wherever policyd runs from
    /// (systemd starts it in `/`).
    mutating func resolveKeyFiles(relativeTo directory: String) {
        for (id, var k) in keys {
            guard let f = k.keyFile, !f.isEmpty, !f.hasPrefix("/") else { continue }
            k.keyFile = directory + "/" + f
            keys[id] = k
        }
    }
}
