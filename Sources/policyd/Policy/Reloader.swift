import Atomics
import Glibc
import Logging
import NIOConcurrencyHelpers

/// Runs reloads one at a time (SIGHUP, the admin op, start-up) and tells systemd and the log
/// about each: RELOADING=1 … READY=1 with a fresh STATUS=.
final class Reloader: AdminActions, Sendable {
    let source: any BundleSource
    let store: PolicyStore
    let notifier: SystemdNotifier
    let logger: Logger
    let counters: ServerCounters
    /// The reload thread's CPU class (`bundles.reload_priority`).
    let priority: BackgroundThread.Priority
    private let lock = NIOLock()
    private let lastSummary = NIOLockedValueBox<String>("not loaded")
    private let warnedPriority = ManagedAtomic(false)
    private let warnedEscalation = ManagedAtomic(false)

    init(source: any BundleSource, store: PolicyStore, notifier: SystemdNotifier, logger: Logger, counters: ServerCounters,
         priority: BackgroundThread.Priority = .batch)
    {
        self.priority = priority
        self.source = source
        self.store = store
        self.notifier = notifier
        self.logger = logger
        self.counters = counters
    }

    /// The first load, before READY=1 (no RELOADING=1).
    @discardableResult
    func initialLoad() -> ReloadOutcome { lock.withLock { load() } }

    /// Runs on a lower-priority thread of its own (BackgroundThread): compiling must not take
    /// the cores from the event loops; they only see the snapshot swap.
    func reload() -> ReloadOutcome {
        lock.withLock {
            notifier.reloading()
            let outcome = BackgroundThread.run(priority: priority) { load() }
            notifier.ready(status: statusLine())
            warnIfPriorityNotLowered()
            warnIfNotEscalated()
            return outcome
        }
    }

    func rollback() -> PolicySnapshot? {
        lock.withLock {
            // The signed source tracks what is served; let it roll back with the store.
            let rolled = (source as? SignedBundleSource).map { $0.rollbackToPrevious(store: store) } ?? store.rollback()
            guard let snap = rolled else { return nil }
            lastSummary.withLockedValue { $0 = "rolled back to \(snap.revisionSummary)" }
            logger.event(.bundleActivated, .notice, "rolled back to \(snap.revisionSummary)",
                         ["POLICYD_REVISION": .string(snap.revisionSummary)])
            notifier.status(statusLine())
            return snap
        }
    }

    /// Named rollback (signed bundle source only): RELOADING=1 … READY=1 around the swap.
    func rollback(bundle: String, revision: String) -> Result<PolicySnapshot, BundleError> {
        lock.withLock {
            guard let signed = source as? SignedBundleSource else {
                return .failure(BundleError(.activation, .unsupportedFeature, "rollback by revision needs the signed bundle source"))
            }
            notifier.reloading()
            // Revalidates and compiles the stored revision: in the background, as a reload.
            let result = BackgroundThread.run(priority: priority) { signed.rollback(name: bundle, revision: revision, store: store) }
            switch result {
            case .success(let r):
                lastSummary.withLockedValue { $0 = "rolled back \(bundle) to \(revision)" }
                log([r])
            case .failure(let e):
                lastSummary.withLockedValue { $0 = "rollback of \(bundle) to \(revision) refused: \(e)" }
                log([ReloadResult(bundle: bundle, ok: false, revision: revision, error: "rollback: \(e)", atNs: 0)])
            }
            notifier.ready(status: statusLine())
            return result.map { _ in store.snapshot }
        }
    }

    /// Once: the reload thread could not lower its priority, so compiles take CPU from serving.
    private func warnIfPriorityNotLowered() {
        let e = BackgroundThread.loweringError.load(ordering: .relaxed)
        guard e != 0, !warnedPriority.exchange(true, ordering: .relaxed) else { return }
        logger.warning("reload thread priority not lowered (\(String(cString: strerror(e)))): reloads compete with the event loops for the CPU; a seccomp filter denying setpriority/sched_setscheduler (systemd @resources) does this")
    }

    /// Once: an idle-class reload could not be raised to batch (it waits for idle CPU).
    private func warnIfNotEscalated() {
        let e = BackgroundThread.escalationError.load(ordering: .relaxed)
        guard e != 0, !warnedEscalation.exchange(true, ordering: .relaxed) else { return }
        logger.warning("reload_priority idle: a reload still running after \(BackgroundThread.escalateAfterMs) ms could not be raised to batch (\(String(cString: strerror(e)))): reloads wait for idle CPU; allow it with LimitNICE=+5 or use reload_priority: batch")
    }

    private func load() -> ReloadOutcome {
        let outcome = source.reload(into: store)
        lastSummary.withLockedValue { $0 = outcome.summary }
        log(outcome.results)
        return outcome
    }

    /// One journal entry per bundle result, activated or rejected (a burst can hold both).
    private func log(_ results: [ReloadResult]) {
        for r in results {
            if let removal = r.removal {
                let fields: Logger.Metadata = ["POLICYD_BUNDLE": .string(r.bundle), "POLICYD_REVISION": .string(r.revision ?? ""),
                                               "POLICYD_RESULT": .string(removal == .deactivated ? "removed" : "kept"),
                                               "POLICYD_REASON": .string(r.error ?? "")]
                logger.event(.bundleRemoved, removal == .deactivated ? .notice : .warning,
                             "bundle \(r.bundle): \(r.error ?? "")", fields)
            } else if r.ok {
                logger.event(.bundleActivated, .notice, "bundle \(r.bundle) activated, revision \(r.revision ?? "")",
                             ["POLICYD_BUNDLE": .string(r.bundle), "POLICYD_REVISION": .string(r.revision ?? ""),
                              "POLICYD_RESULT": "activated"])
            } else {
                // Bundle errors read "stage: reason: message (file:line)".
                let parts = (r.error ?? "").split(separator: ":", maxSplits: 2).map { $0.trimmingCharacters(in: .whitespaces) }
                var fields: Logger.Metadata = ["POLICYD_BUNDLE": .string(r.bundle), "POLICYD_REVISION": .string(r.revision ?? ""),
                                               "POLICYD_RESULT": "rejected", "POLICYD_REASON": .string(r.error ?? "")]
                if parts.count == 3, BundleError.Stage(rawValue: parts[0]) != nil {
                    fields["POLICYD_STAGE"] = .string(parts[0])
                    fields["POLICYD_REASON_CODE"] = .string(parts[1])
                }
                logger.event(.bundleRejected, .error, "bundle \(r.bundle) rejected: \(r.error ?? "")", fields)
            }
        }
    }

    /// One line for STATUS=: what is served, how many decisions, the last reload result.
    func statusLine() -> String {
        let snap = store.snapshot
        let serving = snap.policy == nil ? "no policy (denying all)" : "serving \(snap.revisionSummary)"
        let last = lastSummary.withLockedValue { $0 }
        return "\(serving); \(counters.decisions) decisions; last reload: \(String(last.prefix(200)))"
    }
}
