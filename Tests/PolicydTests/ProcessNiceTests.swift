import Foundation
import Testing
@testable import policyd

@Suite struct ProcessNiceTests {
    /// `getpriority(PRIO_PROCESS, getpid())` names the thread-group leader (its tid is the pid),
    /// whatever thread the test runs on: the value the loops take when `loop_nice` is unset.
    @Test func leaderNiceIsTheMainThreadsAsTheKernelReportsIt() throws {
        let leader = try #require(ProcessNice.leader())
        errno = 0
        let viaPid = getpriority(BackgroundThread.prioProcess, id_t(getpid()))
        #expect(errno == 0)
        #expect(leader == viaPid)
    }

    /// A thread that lowers its own priority changes its own nice value, not the leader's.
    @Test func aThreadsOwnNiceIsItsOwn() throws {
        let leader = try #require(ProcessNice.leader())
        let seen = LockedBox<(Int32?, Int32?)>((nil, nil))
        let t = Thread {
            _ = setpriority(BackgroundThread.prioProcess, 0, min(19, leader + 3))
            seen.set((ProcessNice.currentThread(), ProcessNice.leader()))
        }
        t.start()
        var waited = 0
        while seen.get().0 == nil && waited < 500 { usleep(10_000); waited += 1 }
        let (own, leaderSeen) = seen.get()
        #expect(own == min(19, leader + 3))
        #expect(leaderSeen == leader)
    }
}

/// A value shared with one other thread.
private final class LockedBox<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ value: T) { self.value = value }
    func get() -> T { lock.withLock { value } }
    func set(_ v: T) { lock.withLock { value = v } }
}
