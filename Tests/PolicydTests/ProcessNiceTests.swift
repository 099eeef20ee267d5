import Foundation
import NIOConcurrencyHelpers
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
        let seen = NIOLockedValueBox<(own: Int32?, leader: Int32?)>((nil, nil))
        let done = DispatchSemaphore(value: 0)
        let t = Thread {
            _ = setpriority(BackgroundThread.prioProcess, 0, min(19, leader + 3))
            seen.withLockedValue { $0 = (ProcessNice.currentThread(), ProcessNice.leader()) }
            done.signal()
        }
        t.start()
        #expect(done.wait(timeout: .now() + 10) == .success)
        let result = seen.withLockedValue { $0 }
        #expect(result.own == min(19, leader + 3))
        #expect(result.leader == leader)
    }
}
