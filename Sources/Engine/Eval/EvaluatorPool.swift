// Per-evaluation state that is expensive to build from scratch (the slot array, the memo
// table) is kept in evaluators that a policy reuses: an evaluation takes one from the pool,
// resets it and gives it back, so a decision allocates none of it.

/// Rule-set and package values computed in one evaluation, by node id (a dense array that
/// grows to the highest id used). Only the entries set are cleared on reset.
struct MemoTable {
    private var entries: [Value??] = []
    private var touched: [Int] = []
    /// Defined values of lookups into number-keyed rules by their ground keys, the node's id
    /// first (NumberKeyedRules: OPA caches them by value, so a later `o[1.0]` reads `o[1]`'s).
    var numberKeyed: [[Value]: Value] = [:]

    @inline(__always)
    subscript(id: Int) -> Value?? {
        id < entries.count ? entries[id] : nil
    }

    /// Records `v` (nil: undefined) for node `id`.
    mutating func store(_ id: Int, _ v: Value?) {
        if id >= entries.count { grow(id) }
        if entries[id] == nil { touched.append(id) }
        entries[id] = .some(v)
    }

    /// Geometric growth: ids arrive in no particular order, so growing to each new highest id
    /// would copy the table again and again.
    @inline(never)
    private mutating func grow(_ id: Int) {
        entries.append(contentsOf: repeatElement(nil, count: max(id + 1, 2 * entries.count) - entries.count))
    }

    mutating func reset() {
        for id in touched { entries[id] = nil }
        touched.removeAll(keepingCapacity: true)
        if !numberKeyed.isEmpty { numberKeyed.removeAll() }
    }
}

/// A small free list of evaluators for one plan, shared by the threads evaluating it.
/// One evaluator waits in a lock-free slot (one atomic exchange to take it, one
/// compare-exchange to put it back): a daemon loop evaluating one request at a time never
/// touches the mutex, which guards the rest of the list (concurrent evaluations).
final class EvaluatorPool: @unchecked Sendable {
    /// A retained evaluator (`Unmanaged`), or nil.
    private let slot = Atomic<UnsafeMutableRawPointer?>(nil)
    private var free: [Evaluator] = []
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private let plan: Plan
    /// Evaluators kept for reuse; more concurrent evaluations allocate fresh ones.
    private let capacity = 16

    init(plan: Plan) {
        self.plan = plan
        lock = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        free.reserveCapacity(capacity)
    }

    deinit {
        if let p = slot.exchange(nil, ordering: .acquiring) { Unmanaged<Evaluator>.fromOpaque(p).release() }
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// An evaluator ready for one evaluation of `input`.
    func acquire(input: Value?, context: EvalContext, limits: EvalLimits) -> Evaluator {
        guard let ev = take() else { return Evaluator(plan: plan, input: input, context: context, limits: limits) }
        ev.begin(input: input, context: context, limits: limits)
        return ev
    }

    /// An evaluator ready for one evaluation of `input` in its own reused context at `nowNs`.
    func acquire(input: Value?, nowNs: Int64, limits: EvalLimits) -> Evaluator {
        guard let ev = take() else {
            return Evaluator(plan: plan, input: input, context: EvalContext(nowNs: nowNs), limits: limits, ownsContext: true)
        }
        ev.begin(input: input, nowNs: nowNs, limits: limits)
        return ev
    }

    /// Returns `ev` after a completed evaluation (one that threw is dropped instead, so no
    /// state of an interrupted evaluation can leak into the next).
    func release(_ ev: Evaluator) {
        ev.end()
        let p = Unmanaged.passRetained(ev).toOpaque()
        if slot.compareExchange(expected: nil, desired: p, ordering: .releasing).exchanged { return }
        Unmanaged<Evaluator>.fromOpaque(p).release()
        pthread_mutex_lock(lock)
        if free.count < capacity { free.append(ev) }
        pthread_mutex_unlock(lock)
    }

    /// A free evaluator: the slot's, else one from the list.
    @inline(__always)
    private func take() -> Evaluator? {
        if let p = slot.exchange(nil, ordering: .acquiring) { return Unmanaged<Evaluator>.fromOpaque(p).takeRetainedValue() }
        pthread_mutex_lock(lock)
        let ev = free.popLast()
        pthread_mutex_unlock(lock)
        return ev
    }
}

import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
