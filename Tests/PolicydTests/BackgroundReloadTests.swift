import Engine
import Foundation
import Testing

@testable import policyd

/// Reload work runs on a thread of its own at a lower priority; swapped-out policies are freed
/// off the connection that held them last.
@Suite struct BackgroundReloadTests {
    @Test func runsOnAnotherThreadAtLowerPriorityAndReturnsTheResult() {
        let caller = pthread_self()
        errno = 0
        let callerNice = getpriority(BackgroundThread.prioProcess, 0)  // this thread's (Linux)
        let (thread, nice, policy, value) = BackgroundThread.run {
            (pthread_self(), getpriority(BackgroundThread.prioProcess, 0), sched_getscheduler(0), 6 * 7)
        }
        #expect(value == 42)
        #expect(pthread_equal(thread, caller) == 0)
        #expect(nice == min(19, callerNice + BackgroundThread.niceIncrement))
        #expect(policy == BackgroundThread.schedBatch)
        #expect(BackgroundThread.loweringError.load(ordering: .relaxed) == 0)  // nothing for the Reloader to warn about
        // The caller's own priority is untouched.
        #expect(getpriority(BackgroundThread.prioProcess, 0) == callerNice)
    }

    @Test func reloadsShareOneKeptThreadAndANestedRunDoesNotWaitForItself() {
        let first = BackgroundThread.run { pthread_self() }
        let (second, nested) = BackgroundThread.run { (pthread_self(), BackgroundThread.run { pthread_self() }) }
        #expect(pthread_equal(first, second) != 0)
        #expect(pthread_equal(second, nested) != 0)
    }

    @Test func idleReloadsRunAtSchedIdleAndAreRaisedToBatchWhenSlow() {
        errno = 0
        let callerNice = getpriority(BackgroundThread.prioProcess, 0)
        let (policy, nice) = BackgroundThread.run(priority: .idle) { (sched_getscheduler(0), getpriority(BackgroundThread.prioProcess, 0)) }
        #expect(policy == BackgroundThread.schedIdle)
        #expect(nice == min(19, callerNice + BackgroundThread.niceIncrement))
        // Still running after the escalation delay: raised to batch (leaving SCHED_IDLE needs
        // RLIMIT_NICE >= 15 or CAP_SYS_NICE, which a non-root test run may lack).
        let later = BackgroundThread.run(priority: .idle, escalateAfterMs: 10) { () -> Int32 in
            usleep(200_000)
            return sched_getscheduler(0)
        }
        if getuid() == 0 {
            #expect(later == BackgroundThread.schedBatch)
            #expect(BackgroundThread.escalationError.load(ordering: .relaxed) == 0)
        }
    }

    @Test func connectionLetsGoOfASwappedOutPolicy() async throws {
        func compile(_ v: Int) throws -> CompiledPolicy {
            try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: "package t\np := \(v)\n")])
        }
        let route = Route(segments: ["t", "p"], config: Configuration())
        var state = ConnectionState()
        weak var old: CompiledPolicy?
        do {
            let first = try compile(1)
            old = first
            #expect(try state.query(route, in: first).evaluate(input: nil, context: EvalContext(nowNs: 0)) == .int(1))
        }
        #expect(old != nil)  // held by the connection's prepared query only
        let second = try compile(2)
        #expect(try state.query(route, in: second).evaluate(input: nil, context: EvalContext(nowNs: 0)) == .int(2))
        // Handed to a background queue to be freed there: gone soon, not leaked. The queue runs
        // at background QoS, which a saturated machine (the whole suite in parallel) can starve
        // for seconds: wait up to 30 s (it returns as soon as the policy is gone).
        for _ in 0..<3000 where old != nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(old == nil)
    }
}
