import Atomics
import Engine
import NIOConcurrencyHelpers

/// Holds the snapshot being served.
///
/// Reads are lock-free (`ManagedAtomic` load with a strong reference), one per request; writers
/// (reload, rollback) are serialised by a lock and swap the reference atomically. The previous
/// snapshot is kept for `rollback` and freed once the last in-flight request releases it.
final class PolicyStore: Sendable {
    private let current: ManagedAtomic<PolicySnapshot>
    private let writer = NIOLockedValueBox<State>(State())

    private struct State {
        var previous: PolicySnapshot?
        var generation = 0
    }

    init(initial: PolicySnapshot = .empty) {
        current = ManagedAtomic(initial)
    }

    /// Bumped after each snapshot is stored: a reader that holds the snapshot it loaded with
    /// serial N may keep using it while `serial` still reads N (`ConnectionState.snapshot`).
    private let serialCounter = ManagedAtomic<Int>(0)

    /// The snapshot a request should use: call once per request.
    @inline(__always)
    var snapshot: PolicySnapshot { current.load(ordering: .acquiring) }

    /// Changes whenever `snapshot` does (read before loading the snapshot it goes with).
    @inline(__always)
    var serial: Int { serialCounter.load(ordering: .acquiring) }

    /// Stores `next` (the writer's lock held), then moves `serial` on.
    private func publish(_ next: PolicySnapshot) {
        current.store(next, ordering: .releasing)
        serialCounter.wrappingIncrement(ordering: .releasing)
    }

    /// Makes `policy` (built from `bundles`) the served policy. `results` records each bundle's
    /// load attempt; results for bundles not mentioned are kept.
    @discardableResult
    func activate(policy: CompiledPolicy, bundles: [String: BundleInfo], results: [ReloadResult]) -> PolicySnapshot {
        writer.withLockedValue { st in
            let old = current.load(ordering: .acquiring)
            st.generation += 1
            let next = PolicySnapshot(policy: policy, bundles: bundles, lastResults: merged(old.lastResults, results),
                                      loadError: nil, generation: st.generation)
            if old.policy != nil { st.previous = old }
            publish(next)
            return next
        }
    }

    /// Records load attempts without changing what is served: a rejected drop keeps the last
    /// good policy (with none, the store stays empty and requests fail closed), and a drop that
    /// is again the bundle being served clears that bundle's last error.
    @discardableResult
    func recordFailure(_ results: [ReloadResult], loadError: String) -> PolicySnapshot {
        record(results, loadError: loadError)
    }

    @discardableResult
    func record(_ results: [ReloadResult], loadError: String? = nil) -> PolicySnapshot {
        writer.withLockedValue { st in
            let old = current.load(ordering: .acquiring)
            let next = PolicySnapshot(policy: old.policy, bundles: old.bundles,
                                      lastResults: merged(old.lastResults, results),
                                      loadError: old.policy == nil ? (loadError ?? old.loadError) : nil,
                                      generation: old.generation)
            publish(next)
            return next
        }
    }

    /// Goes back to the snapshot served before the last activation. Returns nil when there is none.
    func rollback() -> PolicySnapshot? {
        writer.withLockedValue { st in
            guard let prev = st.previous else { return nil }
            let old = current.load(ordering: .acquiring)
            st.generation += 1
            let next = PolicySnapshot(policy: prev.policy, bundles: prev.bundles, lastResults: old.lastResults,
                                      loadError: nil, generation: st.generation)
            st.previous = old.policy != nil ? old : nil
            publish(next)
            return next
        }
    }

    private func merged(_ old: [String: ReloadResult], _ new: [ReloadResult]) -> [String: ReloadResult] {
        var out = old
        for r in new { out[r.bundle] = r }
        return out
    }
}

extension PolicySnapshot: AtomicReference {}
