import Atomics
import CEpoll
import Foundation
import NIOConcurrencyHelpers

/// Something registered on an `EpollLoop` (a connection, the listener). The loop finds it again
/// from the event's data word (an unretained pointer), so dispatch is one virtual call.
class EpollSource {
    /// Called on the loop's thread with the epoll event bits.
    func ready(_ events: UInt32) {}
}

/// One socket-serving thread with its own epoll set: the daemon's replacement for NIO's event
/// loop on the decision path (epoll_wait → read → respond → write, nothing in between). Other
/// threads talk to it only through `execute` (a locked task list + an eventfd wake-up).
/// Everything else (connections, their buffers) is touched by the loop's thread alone.
final class EpollLoop: @unchecked Sendable {
    static let readable = UInt32(POLICYD_EPOLLIN)
    static let writable = UInt32(POLICYD_EPOLLOUT)
    /// EPOLLET (1 << 31; not importable as a C enum constant): connections are edge-triggered,
    /// because a connection that peeks keeps read bytes queued (`Connection`), which would
    /// keep a level-triggered fd readable.
    static let edgeTriggered: UInt32 = 1 << 31
    /// The peer shut its write side: with edge triggering, the end of input is then read in
    /// the same batch as the bytes before it (no later edge would report it).
    static let peerClosed = UInt32(POLICYD_EPOLLRDHUP)

    let index: Int
    let settings: ConnectionSettings
    private let epfd: Int32
    private let wakeFD: Int32
    /// Ticks every `tickNs` when an idle timeout is configured (-1 otherwise).
    private let timerFD: Int32
    private let inbox = NIOLockedValueBox<Inbox>(Inbox())
    private struct Inbox {
        var tasks: [@Sendable (EpollLoop) -> Void] = []
        var stopped = false
    }

    // Loop thread only.
    private var connections: [UInt64: Connection] = [:]
    private var nextID: UInt64 = 1
    /// Closed during this batch of events: kept alive until the batch ends, because a later
    /// event of the same batch may still point at them.
    @exclusivity(unchecked) private var retired: [EpollSource] = []
    private var draining = false
    @exclusivity(unchecked) private var running = true
    /// Idle-timeout clock: counts timer ticks. A connection stamps it when it reads, so the
    /// decision path reads no clock and epoll_wait arms no timeout.
    @exclusivity(unchecked) private(set) var tick: UInt64 = 0
    /// Ticks with no activity after which a connection is idle: it is then closed between
    /// idle_timeout and idle_timeout + one tick (a tick is a quarter of it, 5 ms to 1 s).
    let idleTicks: UInt64
    private let exited = ManagedAtomic<Bool>(false)
    /// This loop's request and verdict counts (only this thread counts into them).
    let counts: RequestCounts
    /// Connections holding request bytes they have read (peeked) and answered but not yet
    /// taken off their socket (`Connection.consumeRead`), and the timer that takes them off
    /// when the client sends nothing more for a while (armed while any wait).
    @exclusivity(unchecked) private var unconsumed: [Connection] = []
    private let consumeFD: Int32
    @exclusivity(unchecked) private var consumeArmed = false
    /// Connections whose bulk consume waits until this loop has nothing to read
    /// (`Connection.consumeAt`): epoll_wait then polls once without blocking first.
    @exclusivity(unchecked) private var idleConsumes: [Connection] = []
    // How long read bytes may stay queued on a quiet connection is `settings.consumeDelayNs`
    // (10 ms; see `Connection.consumeRead`): each tick costs a timer interrupt and a wake-up;
    // at steady load the bulk threshold consumes, and only a client whose small send buffer
    // fills waits for the tick.
    /// Scratch space the consumed bytes are copied into (they were read already).
    let discard = UnsafeMutableRawPointer.allocate(byteCount: 16 * 1024, alignment: 16)
    static let discardBytes = 16 * 1024
    /// This loop's io_uring for `sendConsuming` and the joint sends (`flushDeferredSends`), set up
    /// when the thread starts (nil: not wanted, or the kernel refused it; the connections then
    /// consume in bulk, `Connection.consumeAt`, and send one by one).
    @exclusivity(unchecked) private var ring: UnsafeMutablePointer<policyd_uring>?
    /// Sends that took peeked bytes off their socket too (read on the loop's thread; tests).
    @exclusivity(unchecked) private(set) var sendConsumes = 0
    /// This epoll batch holds events of several connections: their answers wait in
    /// `deferredSends` and go out together when the batch ends (`flushDeferredSends`).
    @exclusivity(unchecked) private(set) var defersSends = false
    @exclusivity(unchecked) private var deferredSends: [Connection] = []
    @exclusivity(unchecked) private var readySends: [Connection] = []
    /// The joint send's arguments and results (reused; `policyd_uring_batch_max` entries).
    private let sendBatch = SendBatch()
    private final class SendBatch {
        let count = Int(policyd_uring_batch_max)
        let fds: UnsafeMutablePointer<Int32>
        let bufs: UnsafeMutablePointer<UnsafeRawPointer?>
        let lens: UnsafeMutablePointer<UInt32>
        let results: UnsafeMutablePointer<Int>
        init() {
            fds = .allocate(capacity: count)
            bufs = .allocate(capacity: count)
            lens = .allocate(capacity: count)
            results = .allocate(capacity: count)
        }
        deinit {
            fds.deallocate()
            bufs.deallocate()
            lens.deallocate()
            results.deallocate()
        }
    }
    /// io_uring submissions that carried the answers of several connections (tests).
    @exclusivity(unchecked) private(set) var batchedSends = 0

    init(index: Int, settings: ConnectionSettings) throws {
        self.index = index
        self.settings = settings
        counts = settings.responder.counters.makeShard()
        epfd = epoll_create1(Int32(POLICYD_EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(POLICYD_EFD_FLAGS))
        consumeFD = timerfd_create(CLOCK_MONOTONIC, Int32(POLICYD_TFD_FLAGS))
        guard epfd >= 0, wakeFD >= 0, consumeFD >= 0 else { throw ServerError.io("epoll/eventfd/timerfd", errno) }
        var ev = epoll_event()
        ev.events = Self.readable
        ev.data.u64 = 0
        guard epoll_ctl(epfd, EPOLL_CTL_ADD, wakeFD, &ev) == 0 else { throw ServerError.io("epoll_ctl", errno) }
        ev.data.u64 = 2
        guard epoll_ctl(epfd, EPOLL_CTL_ADD, consumeFD, &ev) == 0 else { throw ServerError.io("epoll_ctl", errno) }
        if let idle = settings.idleTimeoutNs {
            let tickNs = min(max(idle / 4, 5_000_000), 1_000_000_000)
            idleTicks = (idle + tickNs - 1) / tickNs
            timerFD = timerfd_create(CLOCK_MONOTONIC, Int32(POLICYD_TFD_FLAGS))
            let interval = timespec(tv_sec: Int(tickNs / 1_000_000_000), tv_nsec: Int(tickNs % 1_000_000_000))
            var spec = itimerspec(it_interval: interval, it_value: interval)
            ev.data.u64 = 1
            guard timerFD >= 0, timerfd_settime(timerFD, 0, &spec, nil) == 0,
                  epoll_ctl(epfd, EPOLL_CTL_ADD, timerFD, &ev) == 0
            else { throw ServerError.io("timerfd", errno) }
        } else {
            idleTicks = 0
            timerFD = -1
        }
    }

    deinit {
        close(epfd)
        close(wakeFD)
        close(consumeFD)
        if timerFD >= 0 { close(timerFD) }
        discard.deallocate()
        if let ring {
            policyd_uring_close(ring)
            ring.deallocate()
        }
    }

    /// Starts the loop's thread (8 MiB of stack, as NIO's threads had: evaluation recurses).
    func start() {
        let t = Thread { [self] in
            _ = policyd_pthread_setname_np(pthread_self(), "policyd-loop-\(index)")
            if let nice = settings.loopNice {
                applyNice(nice, what: "loop_nice \(nice)")
            } else if let nice = ProcessNice.leader(), nice != ProcessNice.currentThread() {
                // No loop_nice: the loops run at the process's own nice value (`Nice=`).
                applyNice(nice, what: "the process's nice value \(nice)")
            }
            if settings.consumeWithSend || settings.batchSends {
                // Set up (and self-tested) by the thread that submits to it: io_uring keeps
                // state per submitting thread. Set up by the creating thread instead, test
                // threads that had submitted once saw later blocking sends stall for seconds
                // (observed in ConnectionTests, not analysed further).
                let r = UnsafeMutablePointer<policyd_uring>.allocate(capacity: 1)
                if policyd_uring_init(r) == 0 { ring = r } else { r.deallocate() }
            }
            run()
        }
        t.stackSize = 8 << 20
        t.start()
    }

    /// `loop_nice`, else the process's nice value: this thread's nice value (Linux keeps it per
    /// thread; `who` 0 is the caller).
    /// On a CPU shared with the clients, the scheduler's wakeup preemption lets a client woken
    /// by our read (its socket's write space) or send take the CPU mid-request whenever the loop
    /// has used more CPU than the client; a lower nice keeps the loop eligible, so it finishes
    /// the request first (docs/performance.md, "Socket path, session 9"). Lowering it below the
    /// current value needs CAP_SYS_NICE or RLIMIT_NICE (systemd `LimitNICE=`); a refusal is
    /// logged once per loop and the loop runs as created.
    private func applyNice(_ nice: Int32, what: String) {
        if setpriority(BackgroundThread.prioProcess, 0, nice) != 0 {
            let e = errno
            settings.responder.logger.warning(
                "\(what) not applied to policyd-loop-\(index): \(String(cString: strerror(e))) (needs CAP_SYS_NICE or LimitNICE=\(nice))")
        }
    }

    /// Runs `task` on the loop's thread (from any thread). False when the loop has stopped.
    @discardableResult
    func execute(_ task: @escaping @Sendable (EpollLoop) -> Void) -> Bool {
        let wake = inbox.withLockedValue { box -> Bool? in
            if box.stopped { return nil }
            box.tasks.append(task)
            return box.tasks.count == 1  // otherwise a wake-up is already on its way
        }
        guard let wake else { return false }
        if wake {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
        return true
    }

    /// Asks the loop to stop after the tasks queued before this call; later `execute`s fail.
    func stop() {
        execute { $0.running = false }
        inbox.withLockedValue { $0.stopped = true }
    }

    var hasExited: Bool { exited.load(ordering: .acquiring) }

    // MARK: registration (loop thread)

    func add(_ fd: Int32, _ source: EpollSource, events: UInt32) -> Bool {
        var ev = epoll_event()
        ev.events = events
        ev.data.u64 = UInt64(UInt(bitPattern: Unmanaged.passUnretained(source).toOpaque()))
        return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0
    }

    func modify(_ fd: Int32, _ source: EpollSource, events: UInt32) {
        var ev = epoll_event()
        ev.events = events
        ev.data.u64 = UInt64(UInt(bitPattern: Unmanaged.passUnretained(source).toOpaque()))
        _ = epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev)
    }

    func remove(_ fd: Int32) {
        var ev = epoll_event()
        _ = epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &ev)
    }

    /// Takes an accepted, non-blocking connection fd into this loop.
    func adopt(_ fd: Int32) {
        let c = Connection(fd: fd, id: nextID, loop: self)
        nextID &+= 1
        connections[c.id] = c
        c.start()
        if draining { c.drain() }
    }

    func connection(_ id: UInt64) -> Connection? { connections[id] }

    /// A connection closed: forget it (kept alive until the current batch ends).
    func retire(_ c: Connection) {
        // Kept first: the event being handled borrows `c` (no retain), so the table's
        // reference may be the last one.
        retired.append(c)
        connections.removeValue(forKey: c.id)
    }

    /// Shutdown: every connection answers what it has read (an admin op in flight included), then closes.
    func drainAll() {
        draining = true
        for c in Array(connections.values) { c.drain() }
    }

    /// Drain timeout: close whatever is still open.
    func closeAll() {
        for c in Array(connections.values) { c.closeNow() }
    }

    var openConnections: Int { connections.count }

    // MARK: the loop

    private func run() {
        let capacity = 64
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer {
            events.deallocate()
            exited.store(true, ordering: .releasing)
        }
        while running {
            let n = policyd_epoll_wait(epfd, events, Int32(capacity), idleConsumes.isEmpty ? -1 : 0)
            if n < 0 {
                if n == -EINTR { continue }
                break
            }
            if n == 0 {  // only from the non-blocking poll: nothing to read, so consume now
                for c in idleConsumes { c.consumeIdle() }
                idleConsumes.removeAll(keepingCapacity: true)
                continue
            }
            var ticked = false
            if ring != nil && settings.batchSends && n > 1 {
                var sources = 0
                for i in 0..<Int(n) where events[i].data.u64 > 2 { sources += 1 }
                defersSends = sources > 1
            }
            for i in 0..<Int(n) {
                let data = events[i].data.u64
                if data > 2 {
                    let p = UnsafeRawPointer(bitPattern: UInt(data))!
                    // Borrowed, not retained: the loop keeps its sources alive (a source closed
                    // during this batch waits in `retired` until the batch ends), so the call
                    // needs no retain/release pair per event.
                    let bits = events[i].events
                    Unmanaged<EpollSource>.fromOpaque(p)._withUnsafeGuaranteedRef { $0.ready(bits) }
                } else if data == 0 {
                    runTasks()
                } else if data == 2 {
                    consumeQuiet()
                } else {
                    ticked = true
                }
            }
            if defersSends {
                defersSends = false
                flushDeferredSends()
            }
            // After the batch's reads: bytes that arrived while this thread was not running
            // count as activity before a connection is judged idle.
            if ticked { sweepIdle() }
            if !retired.isEmpty { retired.removeAll(keepingCapacity: true) }
        }
    }

    /// `c` holds read bytes still queued on its socket: they are taken off at the next tick of
    /// the consume timer at the latest (armed now if it is not running).
    func consumeLater(_ c: Connection) {
        unconsumed.append(c)
        guard !consumeArmed else { return }
        consumeArmed = true
        let ns = settings.consumeDelayNs
        let d = timespec(tv_sec: ns / 1_000_000_000, tv_nsec: ns % 1_000_000_000)
        var spec = itimerspec(it_interval: d, it_value: d)
        _ = timerfd_settime(consumeFD, 0, &spec, nil)
    }

    /// This loop has its io_uring (tests).
    var hasRing: Bool { ring != nil }

    /// Connections can send and consume in one system call (`sendConsuming`; loop thread).
    var sendsConsuming: Bool { ring != nil && settings.consumeWithSend }

    /// `c` answered requests of this batch (`defersSends`): its answers go out at the batch's end.
    func deferSend(_ c: Connection) {
        deferredSends.append(c)
    }

    /// The end of a batch that answered several connections: their answers go out in one
    /// io_uring submission (up to `policyd_uring_batch_max` per call). Sent one by one, the
    /// first send wakes the client, which on a CPU shared with this loop takes it at once (the
    /// answers of the batch's other connections then wait behind that switch), and every send
    /// is a system call of its own; together, the client is woken once and finds all of them
    /// (docs/performance.md, "Socket path, session 13").
    private func flushDeferredSends() {
        // Nothing defers while this runs (`defersSends` is off): the list is read in place.
        defer {
            deferredSends.removeAll(keepingCapacity: true)
            readySends.removeAll(keepingCapacity: true)
        }
        let maxBatch = Int(policyd_uring_batch_max)
        var at = 0
        while at < deferredSends.count {
            let end = min(at + maxBatch, deferredSends.count)
            readySends.removeAll(keepingCapacity: true)
            for c in deferredSends[at..<end] {
                // Written meanwhile (an early write, a close): only the flag to settle.
                if c.hasDeferredSend { readySends.append(c) } else { c.sendDeferred(result: nil) }
            }
            at = end
            let ready = readySends
            guard ready.count > 1, let ring else {
                for c in ready { c.sendDeferred(result: nil) }
                continue
            }
            let b = sendBatch
            for (i, c) in ready.enumerated() {
                // The answers stay where they are until the submission returns (every SEND
                // completes inline: non-blocking sockets), and nothing touches them meanwhile.
                let out = c.deferredBytes
                b.fds[i] = c.fd
                b.bufs[i] = out.baseAddress
                b.lens[i] = UInt32(min(out.count, Int(Int32.max)))
            }
            let results = b.results
            let rc = policyd_uring_send_batch(ring, UInt32(ready.count), b.fds, b.bufs, b.lens, results)
            if rc >= 0 { batchedSends &+= 1 }
            if rc != 0 && rc != -EAGAIN && rc != -EINTR {
                policyd_uring_close(ring)
                ring.deallocate()
                self.ring = nil
            }
            for (i, c) in ready.enumerated() { c.sendDeferred(result: rc >= 0 ? results[i] : nil) }
        }
    }

    /// Sends `out` on `fd` and takes `consume` bytes (already peeked) off it, in ONE system call:
    /// a client blocked in read is woken once, by whichever comes first, and finds its answer;
    /// done apart, the consume would wake it again for nothing (uring.h, `KernelPreemption`).
    /// Returns the send's and the receive's results (a count or -errno), or nil when nothing was
    /// submitted (the caller then sends the plain way). A ring that fails is given up.
    func sendConsuming(_ fd: Int32, _ out: UnsafeRawBufferPointer, consume: Int) -> (sent: Int, consumed: Int)? {
        guard let ring else { return nil }
        var sent = 0, consumed = 0
        let rc = policyd_uring_send_consume(ring, fd, out.baseAddress, UInt32(min(out.count, Int(Int32.max))), discard,
                                            UInt32(min(consume, Self.discardBytes)), &sent, &consumed)
        if rc >= 0 { sendConsumes &+= 1 }
        if rc != 0 && rc != -EAGAIN && rc != -EINTR {
            policyd_uring_close(ring)
            ring.deallocate()
            self.ring = nil
        }
        return rc >= 0 ? (sent, consumed) : nil
    }

    /// `c`'s bulk consume runs when epoll_wait next finds nothing to do (before the loop
    /// blocks): its client has then not sent again, so it is not asleep waiting for an answer
    /// and freeing its buffers wakes nobody.
    func consumeWhenIdle(_ c: Connection) {
        idleConsumes.append(c)
    }

    /// The consume timer's tick: every waiting connection takes its read bytes off its socket
    /// (so a client blocked on a full send buffer goes on). The timer keeps ticking while
    /// connections keep adding bytes, and stops after a tick with none.
    private func consumeQuiet() {
        var expirations: UInt64 = 0
        _ = read(consumeFD, &expirations, 8)
        if unconsumed.isEmpty {
            consumeArmed = false
            var spec = itimerspec()
            _ = timerfd_settime(consumeFD, 0, &spec, nil)
            return
        }
        for c in unconsumed { c.consumeTick() }
        unconsumed.removeAll(keepingCapacity: true)
    }

    /// A timer tick: close the connections idle for `idleTicks` ticks.
    private func sweepIdle() {
        var expirations: UInt64 = 0
        _ = read(timerFD, &expirations, 8)
        tick &+= max(expirations, 1)
        for c in Array(connections.values) { c.checkIdle(tick: tick) }
    }

    private func runTasks() {
        var count: UInt64 = 0
        _ = read(wakeFD, &count, 8)
        let tasks = inbox.withLockedValue { box -> [@Sendable (EpollLoop) -> Void] in
            let t = box.tasks
            box.tasks.removeAll(keepingCapacity: true)
            return t
        }
        for t in tasks { t(self) }
    }

}

enum ServerError: Error, CustomStringConvertible {
    case io(String, Int32)
    var description: String {
        switch self {
        case .io(let what, let e): return "\(what): \(String(cString: strerror(e)))"
        }
    }
}
