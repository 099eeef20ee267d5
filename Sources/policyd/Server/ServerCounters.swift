import Atomics

/// Process-wide counters for `status` and STATUS=. Relaxed atomics: they are statistics.
final class ServerCounters: Sendable {
    let connections = ManagedAtomic<Int>(0)
    let connectionsTotal = ManagedAtomic<Int>(0)
    let requests = ManagedAtomic<Int>(0)
    let allow = ManagedAtomic<Int>(0)
    let deny = ManagedAtomic<Int>(0)
    let escalate = ManagedAtomic<Int>(0)
    let failClosed = ManagedAtomic<Int>(0)
    let protocolErrors = ManagedAtomic<Int>(0)
    let rejectedConnections = ManagedAtomic<Int>(0)

    var decisions: Int {
        allow.load(ordering: .relaxed) + deny.load(ordering: .relaxed) + escalate.load(ordering: .relaxed)
    }

    func count(_ v: Verdict) {
        switch v {
        case .allow: allow.wrappingIncrement(ordering: .relaxed)
        case .deny: deny.wrappingIncrement(ordering: .relaxed)
        case .escalate: escalate.wrappingIncrement(ordering: .relaxed)
        }
    }

    var all: [(String, Int)] {
        [
            ("connections", connections.load(ordering: .relaxed)),
            ("connections_total", connectionsTotal.load(ordering: .relaxed)),
            ("requests", requests.load(ordering: .relaxed)),
            ("decisions", decisions),
            ("allow", allow.load(ordering: .relaxed)),
            ("deny", deny.load(ordering: .relaxed)),
            ("escalate", escalate.load(ordering: .relaxed)),
            ("fail_closed", failClosed.load(ordering: .relaxed)),
            ("protocol_errors", protocolErrors.load(ordering: .relaxed)),
            ("rejected_connections", rejectedConnections.load(ordering: .relaxed)),
        ]
    }
}
