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
    private let lock = NIOLock()
    private let lastSummary = NIOLockedValueBox<String>("not loaded")

    init(source: any BundleSource, store: PolicyStore, notifier: SystemdNotifier, logger: Logger, counters: ServerCounters) {
        self.source = source
        self.store = store
        self.notifier = notifier
        self.logger = logger
        self.counters = counters
    }

    /// The first load, before READY=1 (no RELOADING=1).
    @discardableResult
    func initialLoad() -> ReloadOutcome { lock.withLock { load() } }

    func reload() -> ReloadOutcome {
        lock.withLock {
            notifier.reloading()
            let outcome = load()
            notifier.ready(status: statusLine())
            return outcome
        }
    }

    func rollback() -> PolicySnapshot? {
        lock.withLock {
            guard let snap = store.rollback() else { return nil }
            lastSummary.withLockedValue { $0 = "rolled back to \(snap.revisionSummary)" }
            logger.event(.bundleActivated, .notice, "rolled back to \(snap.revisionSummary)",
                         ["POLICYD_REVISION": .string(snap.revisionSummary)])
            notifier.status(statusLine())
            return snap
        }
    }

    private func load() -> ReloadOutcome {
        let outcome = source.reload(into: store)
        lastSummary.withLockedValue { $0 = outcome.summary }
        if outcome.activated {
            for r in outcome.results {
                logger.event(.bundleActivated, .notice, "bundle \(r.bundle) activated, revision \(r.revision ?? "")",
                             ["POLICYD_BUNDLE": .string(r.bundle), "POLICYD_REVISION": .string(r.revision ?? "")])
            }
        } else {
            for r in outcome.results {
                logger.event(.bundleRejected, .error, "bundle \(r.bundle) rejected: \(r.error ?? "")",
                             ["POLICYD_BUNDLE": .string(r.bundle), "POLICYD_REVISION": .string(r.revision ?? ""),
                              "POLICYD_REASON": .string(r.error ?? "")])
            }
        }
        return outcome
    }

    /// One line for STATUS=: what is served, how many decisions, the last reload result.
    func statusLine() -> String {
        let snap = store.snapshot
        let serving = snap.policy == nil ? "no policy (denying all)" : "serving \(snap.revisionSummary)"
        let last = lastSummary.withLockedValue { $0 }
        return "\(serving); \(counters.decisions) decisions; last reload: \(String(last.prefix(200)))"
    }
}
