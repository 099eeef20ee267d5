import Dispatch
import Engine

/// Frees a compiled policy off the serving threads. A swap makes the store drop its reference
/// to the policy served two activations ago; the last reference can then be a connection's
/// prepared queries (a connection idle across the swaps), and freeing a large policy (every
/// rule, index and data value: milliseconds for megabytes of data) would stall that
/// connection's event loop. The caller hands over its reference instead of dropping it.
enum PolicyRetirement {
    static func release(_ policy: CompiledPolicy) {
        DispatchQueue.global(qos: .background).async { withExtendedLifetime(policy) {} }
    }

    /// The same for a snapshot (which holds its policy).
    static func release(_ snapshot: PolicySnapshot) {
        DispatchQueue.global(qos: .background).async { withExtendedLifetime(snapshot) {} }
    }
}
