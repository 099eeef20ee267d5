import Engine
#if canImport(Glibc)
import Glibc
#endif

/// An entrypoint as requests name it, with what the decision mapping and the response need
/// computed once (per configured kind, per path a connection sends) instead of per request.
final class Route: Sendable {
    /// `["agents", "rbac", "decision"]` = data.agents.rbac.decision.
    let segments: [String]
    /// `agents/rbac/decision`, as responses and the decision log name it.
    let text: String
    /// `text` as a JSON string literal.
    let textJSON: [UInt8]
    /// `agents.rbac.decision`, as rule names start.
    let dotted: String
    let defaultDecision: Configuration.Entrypoint.Default
    /// The default the config states for this entrypoint (nil: the served bundles' manifest
    /// declarations decide, else deny; PolicySnapshot.declaredDefault).
    let configuredDefault: Configuration.Entrypoint.Default?
    /// `[dotted]` and `[dotted + ".allow"]`: the `rules` of a plain verdict and of a package's allow.
    let selfRules: [String]
    let allowRules: [String]
    /// `selfRules` as a JSON array (a response's `rules` for a plain verdict).
    let selfRulesJSON: [UInt8]

    init(segments: [String], config: Configuration) {
        self.segments = segments
        text = segments.joined(separator: "/")
        var w = JSONWriter(reserve: text.utf8.count + 2)
        w.writeString(text)
        textJSON = w.bytes
        dotted = segments.joined(separator: ".")
        configuredDefault = config.entrypoint(segments).configuredDefault
        defaultDecision = configuredDefault ?? .deny
        selfRules = [dotted]
        allowRules = [dotted + ".allow"]
        selfRulesJSON = JSONWriter.data(.array([.string(dotted)]))
    }
}

/// A connection's few routes, by the raw bytes of the request's `path` value (the JSON string
/// literal, quotes included): a hit costs a length check and a memcmp, no allocation. Small
/// and bounded (a client sending endless distinct paths just misses).
struct RouteCache {
    static let capacity = 16
    private var keys: [[UInt8]] = []
    private var routes: [Route] = []
    private var nextEvict = 0

    func lookup(_ raw: UnsafeRawBufferPointer) -> Route? {
        for i in keys.indices {
            let k = keys[i]
            if k.count == raw.count, k.withUnsafeBytes({ memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0 }) {
                return routes[i]
            }
        }
        return nil
    }

    mutating func insert(_ raw: UnsafeRawBufferPointer, _ route: Route) {
        if keys.count < Self.capacity {
            keys.append(Array(raw))
            routes.append(route)
        } else {
            keys[nextEvict] = Array(raw)
            routes[nextEvict] = route
            nextEvict = (nextEvict + 1) % Self.capacity
        }
    }
}

/// Per-connection state the responder reuses between requests (owned by the connection's
/// handler, used only on its event loop).
struct ConnectionState {
    var routes = RouteCache()
    /// The response bytes fixed per snapshot generation and route (`Responder.responseTail`),
    /// for the generation and route that last answered.
    var tailGeneration = -1
    var tailRoute: Route?
    var tail: [UInt8] = []
    /// This connection's decision ids.
    var ids = ConnectionDecisionIDs()
    /// What the sinks staged for the current read batch.
    var batch = DecisionBatch()
    /// Entrypoints resolved against the policy that last answered here (by route text), so a
    /// decision does not walk the data tree by name; a new policy (swap) starts a new table.
    private var preparedPolicy: CompiledPolicy?
    private var prepared: [String: PreparedQuery] = [:]
    /// Where this connection's decisions are counted: its event loop's own counts (nil: the
    /// shared ones, for calls outside a loop).
    var counts: RequestCounts?
    /// The snapshot this connection last served and the store's serial it was loaded at.
    private var snap: PolicySnapshot?
    private var snapSerial = -1

    init() {}

    /// The snapshot to serve a request with: the one last used, while the store has not
    /// published another (one plain load of the store's serial per request, instead of the
    /// atomic reference load, whose read-modify-writes and retain every event loop performs on
    /// the same cache lines).
    mutating func snapshot(_ store: PolicyStore) -> PolicySnapshot {
        let serial = store.serial
        if serial == snapSerial, let snap { return snap }
        // Load after reading the serial: the snapshot is at least as new as that serial's.
        let fresh = store.snapshot
        if var old = snap {
            snap = nil
            // The last reference to a snapshot the store has let go: freeing it (and maybe
            // its policy) is not the event loop's job.
            if old !== fresh, isKnownUniquelyReferenced(&old) { PolicyRetirement.release(old) }
        }
        snap = fresh
        snapSerial = serial
        return fresh
    }

    /// The route and query of the last call (a connection usually asks one entrypoint: no
    /// string hashing per decision).
    private var lastRoute: Route?
    private var lastQuery: PreparedQuery?

    mutating func query(_ route: Route, in policy: CompiledPolicy) -> PreparedQuery {
        if preparedPolicy === policy, lastRoute === route, let q = lastQuery { return q }
        if preparedPolicy !== policy {
            // Queries hold their policy: drop them first so the uniqueness check below sees
            // whether this connection holds the last reference.
            prepared.removeAll(keepingCapacity: true)
            lastRoute = nil
            lastQuery = nil
            // A connection idle across two swaps holds the last reference to a policy the
            // store has let go: freeing it (all its rules and data) is not the event loop's job.
            if var old = preparedPolicy {
                preparedPolicy = nil
                if isKnownUniquelyReferenced(&old) { PolicyRetirement.release(old) }
            }
            preparedPolicy = policy
        }
        let q: PreparedQuery
        if let hit = prepared[route.text] {
            q = hit
        } else {
            if prepared.count >= RouteCache.capacity { prepared.removeAll(keepingCapacity: true) }
            q = policy.prepare(path: route.segments)
            prepared[route.text] = q
        }
        lastRoute = route
        lastQuery = q
        return q
    }
}
