#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stack room for recursion whose depth the input decides (Go's text/template allows 100000
/// nested template calls; OPA's goroutines grow their stacks to 1 GB). Code that recurses notes
/// the stack address where it starts (`floor(below:)`), asks `hasRoom` on its way down and,
/// once it has used its `budget` of the calling thread's stack, starts over with `run` on a
/// thread of its own with a large stack. The budget is far below what any evaluation thread
/// has (8 MiB on the daemon's event loops, 512 MiB under `policyd eval`).
enum DeepStack {
    /// Stack a recursion may use on the calling thread.
    static let budget: UInt = 1 << 20
    /// Stack kept unused at the end of a thread started by `run`.
    static let reserve: UInt = 1 << 20

    /// The lowest address a recursion starting here may reach on the calling thread.
    static func floor(below start: UInt, budget: UInt = DeepStack.budget) -> UInt {
        start > budget ? start - budget : 0
    }

    /// True while the caller's frame lies above `floor`.
    static func hasRoom(_ floor: UInt) -> Bool { currentAddress() > floor }

    /// An address in the caller's frame (stacks grow down on every platform we run on).
    @inline(never)
    static func currentAddress() -> UInt {
        var marker: UInt8 = 0
        return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
    }

    /// Runs `body` on a new thread with a stack of `bytes` (reserved, touched only as used) and
    /// waits for it; nil when no such thread can be created.
    static func run<T>(stackBytes bytes: Int, _ body: () -> T) -> T? {
        #if os(Linux)
        var result: T?
        let started = withoutActuallyEscaping(body) { escaping -> Bool in
            let job = Job { result = escaping() }
            var attr = pthread_attr_t()
            pthread_attr_init(&attr)
            defer { pthread_attr_destroy(&attr) }
            guard pthread_attr_setstacksize(&attr, bytes) == 0 else { return false }
            var thread = pthread_t()
            let context = Unmanaged.passRetained(job).toOpaque()
            guard pthread_create(&thread, &attr, { raw in
                Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue().body()
                return nil
            }, context) == 0 else {
                Unmanaged<Job>.fromOpaque(context).release()
                return false
            }
            pthread_join(thread, nil)
            return true
        }
        return started ? result : nil
        #else
        return nil
        #endif
    }

    /// The work handed to the thread (joined before `run` returns, so borrowing is safe).
    private final class Job {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
}
