#if canImport(Glibc)
import Glibc
#endif
import Atomics
import Dispatch
import Foundation
import NIOConcurrencyHelpers

/// Runs a reload's work (read, verify, compile and test bundles, activate) on a thread of its
/// own at a lower CPU priority, and waits for it. The event loops keep the cores while a
/// bundle compiles: under full load the compile takes a little longer instead of pausing
/// decisions for the length of a compile (`SCHED_BATCH`: no wake-up preemption of the loops;
/// nice +5: about a third of a busy loop's share, all of a core when idle). Not lower: a reload
/// costs ~2.7 ms of CPU (a_rbac; half of it the history's writes), and at nice +10 reloads
/// every 50 ms under full load fell behind and coalesced (~50 instead of ~90 swaps in 5 s).
/// Only the swap itself (one atomic store) is seen by the serving threads.
///
/// One thread, started with the first reload and kept: a thread per reload cost every swap a
/// clone, an 8 MiB stack mapped, faulted in and given back (`madvise`) and its thread-locals
/// torn down, all kernel work that the event loops cannot preempt on a kernel without
/// preemption. Its nice value is lowered once; its class (batch or idle) is set per job.
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
        /// The caller's closure (not really escaping): let go before `done` is signalled, so the
        /// caller's `withoutActuallyEscaping` finds it released once it has waited.
        private var body: (() -> Void)?
        let done = DispatchSemaphore(value: 0)
        init(_ priority: Priority, _ body: @escaping () -> Void) {
            self.priority = priority
            self.body = body
        }

        func run() {
            body?()
            body = nil
            done.signal()
        }
    }

    /// The reload thread and its queue (jobs run one at a time, in order).
    private final class Worker: @unchecked Sendable {
        private let queue = NIOLockedValueBox<[Job]>([])
        private let wake = DispatchSemaphore(value: 0)
        /// Written once, before the first job is queued.
        var thread = pthread_t()

        /// nil when no thread can be created (jobs then run on the caller's thread).
        static let shared: Worker? = {
            let worker = Worker()
            var attr = pthread_attr_t()
            pthread_attr_init(&attr)
            defer { pthread_attr_destroy(&attr) }
            pthread_attr_setstacksize(&attr, stackBytes)
            let context = Unmanaged.passRetained(worker).toOpaque()  // lives as long as the process
            guard pthread_create(&worker.thread, &attr, { raw in
                Unmanaged<Worker>.fromOpaque(raw!).takeUnretainedValue().loop()
                return nil
            }, context) == 0 else {
                Unmanaged<Worker>.fromOpaque(context).release()
                return nil
            }
            pthread_detach(worker.thread)
            return worker
        }()

        func submit(_ job: Job) {
            queue.withLockedValue { $0.append(job) }
            wake.signal()
        }

        private func loop() {
            let niceFailure = BackgroundThread.lowerNice()
            while true {
                wake.wait()
                guard let job = queue.withLockedValue({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
                let classFailure = BackgroundThread.setClass(job.priority)
                loweringError.store(niceFailure != 0 ? niceFailure : classFailure, ordering: .relaxed)
                job.run()
            }
        }
    }

    /// `body`'s result, computed on the reload thread (on the caller's own thread when no
    /// thread can be created).
    static func run<T>(priority: Priority = .batch, escalateAfterMs: Int = escalateAfterMs, _ body: () -> T) -> T {
        var result: T?
        withoutActuallyEscaping(body) { body in
            let job = Job(priority) { result = body() }
            // Called from a job (nothing does so today): queueing behind itself would deadlock.
            guard let worker = Worker.shared, pthread_equal(pthread_self(), worker.thread) == 0 else {
                job.run()
                return
            }
            worker.submit(job)
            if priority == .idle, job.done.wait(timeout: .now() + .milliseconds(escalateAfterMs)) == .timedOut {
                var param = sched_param(sched_priority: 0)
                let e = pthread_setschedparam(worker.thread, schedBatch, &param)
                escalationError.store(e, ordering: .relaxed)
                job.done.wait()
            } else if priority != .idle {
                job.done.wait()
            }
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

    /// Names the calling thread and lowers its nice value (Linux keeps it per thread); the
    /// errno of a failure, 0 when lowered. Once per thread: `setClass` only ever changes the class.
    static func lowerNice() -> Int32 {
        Thread.current.name = "policyd-reload"
        errno = 0
        let current = getpriority(prioProcess, 0)  // `who` 0 is the calling thread
        guard errno == 0 else { return errno }
        return setpriority(prioProcess, 0, min(19, current + niceIncrement)) == 0 ? 0 : errno
    }

    /// Puts the calling thread in `priority`'s class (best effort; the errno of a failure, else 0).
    /// SCHED_IDLE ignores the nice value; it is what the thread keeps when raised to batch.
    static func setClass(_ priority: Priority) -> Int32 {
        var param = sched_param(sched_priority: 0)
        return sched_setscheduler(0, priority == .idle ? schedIdle : schedBatch, &param) == 0 ? 0 : errno
    }

    /// Linux's SCHED_IDLE (a GNU extension, like SCHED_BATCH).
    static let schedIdle: Int32 = 5

    /// Linux's SCHED_BATCH (not exported by Swift's Glibc module: a GNU extension).
    static let schedBatch: Int32 = 3

    /// PRIO_PROCESS as Glibc's setpriority takes it (an enum in the C header).
    static let prioProcess = __priority_which_t(PRIO_PROCESS.rawValue)
}
