#if canImport(Glibc)
import Glibc
#endif
import Atomics
import Dispatch
import Foundation

/// Runs a reload's work (read, verify, compile and test bundles, activate) on a thread of its
/// own at a lower CPU priority, and waits for it. The event loops keep the cores while a
/// bundle compiles: under full load the compile takes a little longer instead of pausing
/// decisions for the length of a compile (`SCHED_BATCH`: no wake-up preemption of the loops;
/// nice +5: about a third of a busy loop's share, all of a core when idle). Not lower: a reload
/// costs ~2.7 ms of CPU (a_rbac; half of it the history's writes), and at nice +10 reloads
/// every 50 ms under full load fell behind and coalesced (~50 instead of ~90 swaps in 5 s).
/// Only the swap itself (one atomic store) is seen by the serving threads.
///
/// A fresh thread per reload (reloads are rare; creating a thread costs tens of µs): an idle
/// daemon keeps no thread for it, and nobody needs to restore a priority (raising it back
/// would need CAP_SYS_NICE).
enum BackgroundThread {
    /// The reload thread's CPU class (`bundles.reload_priority`).
    enum Priority: String, Sendable {
        /// `SCHED_BATCH`, nice +5: a reload always progresses, with a small share of a busy core.
        case batch
        /// `SCHED_IDLE` (nice +5 kept): a reload runs only on CPU the serving threads leave
        /// (every wake-up of theirs preempts it). Raised to `batch` after `escalateAfterMs` so a
        /// saturated daemon still takes new policy in bounded time (needs RLIMIT_NICE ≥ 15, i.e.
        /// `LimitNICE=+5`, or CAP_SYS_NICE: leaving SCHED_IDLE counts as raising a priority).
        case idle
    }

    /// Added to the caller's nice value.
    static let niceIncrement: Int32 = 5
    /// An idle-class reload still running after this long is raised to batch.
    static let escalateAfterMs = 250
    /// Compiling is recursive (parser, compiler): the main thread's usual 8 MiB.
    static let stackBytes = 8 << 20

    private final class Job: @unchecked Sendable {
        let priority: Priority
        let body: () -> Void
        init(_ priority: Priority, _ body: @escaping () -> Void) {
            self.priority = priority
            self.body = body
        }
    }

    /// `body`'s result, computed on a lower-priority thread (on the caller's own thread when
    /// no thread can be created).
    static func run<T>(priority: Priority = .batch, escalateAfterMs: Int = escalateAfterMs, _ body: () -> T) -> T {
        var result: T?
        withoutActuallyEscaping(body) { body in
            let done = DispatchSemaphore(value: 0)
            let job = Job(priority) {
                result = body()
                done.signal()
            }
            let context = Unmanaged.passRetained(job).toOpaque()
            var attr = pthread_attr_t()
            pthread_attr_init(&attr)
            defer { pthread_attr_destroy(&attr) }
            pthread_attr_setstacksize(&attr, stackBytes)
            var thread = pthread_t()
            let rc = pthread_create(&thread, &attr, { raw in
                let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
                BackgroundThread.lowerPriority(job.priority)
                job.body()
                return nil
            }, context)
            if rc != 0 {
                Unmanaged<Job>.fromOpaque(context).release()
                job.body()
                return
            }
            if priority == .idle, done.wait(timeout: .now() + .milliseconds(escalateAfterMs)) == .timedOut {
                var param = sched_param(sched_priority: 0)
                let e = pthread_setschedparam(thread, schedBatch, &param)
                escalationError.store(e == ESRCH ? 0 : e, ordering: .relaxed)
            }
            pthread_join(thread, nil)
        }
        return result!
    }

    /// The last failed raise of an idle-class reload to batch (0: none): without RLIMIT_NICE or
    /// CAP_SYS_NICE that reload waits for idle CPU. The Reloader says so once.
    static let escalationError = ManagedAtomic<Int32>(0)

    /// errno of the last reload thread's failed attempt to lower its priority (0: lowered). A
    /// seccomp filter denying `setpriority`/`sched_setscheduler` (systemd's `@resources` set)
    /// makes reloads compete with the event loops as equals; the Reloader says so once.
    static let loweringError = ManagedAtomic<Int32>(0)

    /// Makes the calling thread a background one (best effort: failures leave it as it was and
    /// are recorded in `loweringError`). The nice value first: SCHED_IDLE ignores it, but it is
    /// what the thread keeps when raised to batch.
    static func lowerPriority(_ priority: Priority = .batch) {
        Thread.current.name = "policyd-reload"
        var failure: Int32 = 0
        // Linux keeps the nice value per thread; `who` 0 is the calling thread.
        errno = 0
        let current = getpriority(prioProcess, 0)
        if errno == 0 {
            if setpriority(prioProcess, 0, min(19, current + niceIncrement)) != 0 { failure = errno }
        } else {
            failure = errno
        }
        var param = sched_param(sched_priority: 0)
        if sched_setscheduler(0, priority == .idle ? schedIdle : schedBatch, &param) != 0, failure == 0 { failure = errno }
        loweringError.store(failure, ordering: .relaxed)
    }

    /// Linux's SCHED_IDLE (a GNU extension, like SCHED_BATCH).
    static let schedIdle: Int32 = 5

    /// Linux's SCHED_BATCH (not exported by Swift's Glibc module: a GNU extension).
    static let schedBatch: Int32 = 3

    /// PRIO_PROCESS as Glibc's setpriority takes it (an enum in the C header).
    static let prioProcess = __priority_which_t(PRIO_PROCESS.rawValue)
}
