import CEpoll
import Foundation
import Logging
import NIOCore
import NIOPosix
import Wire

/// One client connection on an `EpollLoop`. Each readable event reads what is there into a
/// reused buffer, splits it into frames in place and answers every complete frame synchronously,
/// in order (pipelined requests get their answers in request order); the body is handed to the
/// responder as a pointer into the read buffer. Answers are appended to one reused outgoing
/// buffer and written with one send(2) when the read batch ends (earlier past 64 KiB).
///
/// Back-pressure: when the peer does not read its answers (short write), the rest is kept,
/// EPOLLOUT armed and reading stops until it is written, so memory per connection stays bounded.
///
/// Slow admin ops (`reload`, `rollback`, `test`) run on the admin pool so they never stall the
/// other connections of this loop. Meanwhile reading pauses and the frames already read behind
/// the op wait in the read buffer; its answer is posted back to the loop, written, and those
/// frames are answered after it: per-connection order holds.
final class Connection: EpollSource {
    let fd: Int32
    let id: UInt64
    private unowned(unsafe) let loop: EpollLoop  // the loop keeps its connections
    private let responder: Responder
    private let settings: ConnectionSettings
    // The mutable state below is touched by the loop's thread only, never re-entrantly: its
    // accesses skip Swift's dynamic exclusivity check (swift_beginAccess + a TLS lookup per
    // `inout` or modify of a class property, ~0.7 % of the loop thread's samples per request).
    @exclusivity(unchecked) private var peer = PeerCredentials.unknown
    @exclusivity(unchecked) private var isAdmin = false
    @exclusivity(unchecked) private var state = ConnectionState()
    /// Answers not written yet: this batch's, or the unsent rest of a short write.
    @exclusivity(unchecked) private var out: ByteBuffer
    /// Read buffer: bytes `inStart..<inEnd` are read but not answered (a partial frame, or
    /// frames behind an admin op).
    @exclusivity(unchecked) private var inBuf: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var inCap: Int
    @exclusivity(unchecked) private var inStart = 0
    @exclusivity(unchecked) private var inEnd = 0
    /// The epoll events this fd is registered for (0: not in the epoll set).
    @exclusivity(unchecked) private var registered: UInt32 = 0
    @exclusivity(unchecked) private var counted = false
    /// An admin op of this connection runs on the pool.
    @exclusivity(unchecked) private var adminBusy = false
    /// The peer shut its write side (read returned 0).
    @exclusivity(unchecked) private var inputClosed = false
    /// Close once everything read is answered and written (drain, end of input during an admin op).
    @exclusivity(unchecked) private var closeWhenIdle = false
    /// No more requests are answered; the socket closes once `out` is written.
    @exclusivity(unchecked) private var closing = false
    @exclusivity(unchecked) private(set) var closed = false
    /// Bytes arrived or answers were pending at this loop tick (for the idle timeout).
    @exclusivity(unchecked) private var lastActivity: UInt64 = 0
    /// Requests are read with MSG_PEEK at the socket's peek offset (SO_PEEK_OFF) and taken off
    /// the socket later, in bulk (`consumeRead`): see `consumeAt`.
    @exclusivity(unchecked) private var peeks = false
    /// Bytes read (peeked) and not yet taken off the socket.
    @exclusivity(unchecked) private var unconsumed = 0
    /// This connection is on its loop's list for the consume timer (until the tick).
    @exclusivity(unchecked) private var consumeQueued = false
    /// This connection is on its loop's list of bulk consumes for when it is idle.
    @exclusivity(unchecked) private var idleQueued = false
    /// Frames answered so far, and consecutive read batches that held exactly one frame (a
    /// client that waits for each answer before it sends again).
    @exclusivity(unchecked) private var framesAnswered = 0
    @exclusivity(unchecked) private var syncStreak = 0
    /// This batch's answers wait for the loop's joint send at the end of its epoll batch
    /// (`EpollLoop.deferSend`); the epoll registration is settled after it.
    @exclusivity(unchecked) private var sendIsDeferred = false

    private static let initialReadBytes = 16 * 1024
    /// Beyond this many buffered answer bytes, write before the read batch ends.
    private static let writeEarlyBytes = 64 * 1024
    /// Read at most this many times per readable event (fairness between connections).
    private static let readsPerEvent = 8
    /// Read bytes left queued on the socket before they are taken off it.
    ///
    /// Why: taking a request's bytes off an AF_UNIX socket frees its buffer, which is charged
    /// to the client's socket, and that wakes every task waiting on the client's socket: a
    /// client blocked in `read` for its answer wakes, finds nothing, and sleeps again. On a
    /// CPU shared with the client that spurious wake-up often preempts the daemon mid-request
    /// (two extra context switches, and the client's CPU per request grows). Peeking leaves
    /// the buffers queued; they are freed in bulk once `consumeAt` bytes are pending, or at
    /// the loop's consume tick when the client sends nothing more (so a client whose small
    /// send buffer is full of them is never left waiting for more than a tick). The bytes
    /// stay charged to the client's send buffer meanwhile: a few KiB, well below its default
    /// (~208 KiB).
    ///
    /// When: a bulk consume frees the buffers while the client is asleep in `read` would wake
    /// it once, spuriously, and the request in flight pays for it. Right after an answer is
    /// sent the client is awake (the answer woke it), unless it has already run, sent its next
    /// request and gone back to sleep: on one CPU it usually takes the CPU at our send. So the
    /// bulk consume waits for a moment when the loop has nothing to read (`EpollLoop`:
    /// `consumeWhenIdle`, checked with a non-blocking epoll_wait before the loop would block),
    /// i.e. when the client has not sent again and is not waiting for us; at `consumeNowAt`
    /// pending bytes it runs at once, whatever the client does. Idle moments are rare on one
    /// CPU (the client usually takes the CPU at our send), so this cap sets the p99 there: at
    /// 8 / 4 KiB and without the idle consume, one-CPU p99 read 2.21–2.30 / 1.83–1.91 /
    /// 1.68–1.92× the floor at p50 1.25–1.42 / 1.26–1.42 / 1.43–1.74× (interleaved A/B, lead,
    /// session 11). docs/performance.md, "Socket path, session 10" and "Socket path, session 11".
    ///
    /// Where the loop can send and receive in one system call (`EpollLoop.sendConsuming`: an
    /// io_uring, on kernels that do not preempt inside it), the bulk consume instead goes with
    /// the answer's send once `consumeAt` bytes are pending: the client is woken once, by the
    /// call that also queues its answer, so no moment has to be waited for and nothing wakes it
    /// for nothing (the idle list and the cap then stay unused). Not with every answer: that
    /// call costs ~1 µs more than a plain send. "Socket path, session 12".
    static let consumeAt = 2048
    static let consumeNowAt = 2 * consumeAt
    /// Peeking is for clients that wait for each answer (after this many read batches in a
    /// row of one read and one frame). A pipelining client's requests arrive several per
    /// read: peeking them would only add the later bulk read, and each peek walks the
    /// kernel's queue past the buffers not yet taken off (more of them, and colder, under
    /// pipelining); it reads plainly, and its first batch of several frames or reads (a large
    /// request) ends any peeking.
    static let syncBatches = 4
    /// Added to every registration: edge-triggered (peeked bytes stay queued, so the fd would
    /// stay readable), and told when the peer shuts its side.
    private static let edgeEvents = EpollLoop.edgeTriggered | EpollLoop.peerClosed

    init(fd: Int32, id: UInt64, loop: EpollLoop) {
        self.fd = fd
        self.id = id
        self.loop = loop
        settings = loop.settings
        responder = settings.responder
        out = ByteBuffer()
        out.reserveCapacity(1024)
        state.counts = loop.counts
        inCap = Self.initialReadBytes
        inBuf = UnsafeMutableRawPointer.allocate(byteCount: inCap, alignment: 16)
    }

    deinit {
        inBuf.deallocate()
    }

    /// Registers with the loop; answers `overloaded` and closes when over `max_connections`.
    func start() {
        let counters = responder.counters
        let live = counters.connections.wrappingIncrementThenLoad(ordering: .relaxed)
        counted = true
        counters.connectionsTotal.wrappingIncrement(ordering: .relaxed)
        peer = PeerCredentials.read(fd: fd)
        isAdmin = peer.uid == 0 || settings.adminUIDs.contains(peer.uid)
        var offset: Int32 = 0
        peeks = settings.peekRequests && setsockopt(fd, SOL_SOCKET, Int32(POLICYD_SO_PEEK_OFF), &offset, socklen_t(MemoryLayout<Int32>.size)) == 0
        lastActivity = loop.tick
        if live > settings.maxConnections {
            counters.rejectedConnections.wrappingIncrement(ordering: .relaxed)
            Frame.write(ResponseWriter.error(id: nil, code: WireErrorCode.overloaded.rawValue,
                                             message: "too many connections (limit \(settings.maxConnections))"),
                        into: &out)
            closeAfterWrites()
        }
        updateInterest()
    }

    override func ready(_ events: UInt32) {
        if closed { return }
        if out.readableBytes > 0 {
            flushOut()
        } else if wantsRead {
            var waited = readBatch(toEnd: events & (EpollLoop.peerClosed | UInt32(POLICYD_EPOLLHUP)) != 0)
            // A client that waits for each answer has often sent its next request by the time our
            // send returns (on a CPU it shares with us, it runs at our send): read that now rather
            // than through one more epoll_wait. Bounded, so the loop's other connections wait at
            // most `followUps` requests; tried while it pays (`followUpScore`).
            var left = Self.followUps
            while waited && left > 0 && (followUpScore > 0 || framesAnswered & 15 == 0) {
                left -= 1
                let before = framesAnswered
                waited = readBatch()
                if framesAnswered != before {
                    if followUpScore < 3 { followUpScore += 1 }
                } else if followUpScore > 0 {
                    followUpScore -= 1
                }
            }
        } else if events & UInt32(POLICYD_EPOLLHUP | POLICYD_EPOLLERR) != 0 {
            closeNow()
        }
        updateInterest()
    }

    private var wantsRead: Bool { !adminBusy && !closing && !inputClosed && !closeWhenIdle }

    /// Reads tried right after answering a waiting client, before going back to epoll (`ready`).
    static let followUps = 4
    /// How well those reads have been finding a request (0–3; at 0 one is tried every 16 answers).
    @exclusivity(unchecked) private var followUpScore = 1

    /// Reads what is available (a few reads at most), answers every complete frame, then writes
    /// the answers and hands the batch's decisions to the sinks.
    /// `toEnd`: the peer closed its side; read on past a short read, up to the end of input.
    /// True when the batch was one peeked request of a client that waits for each answer, fully
    /// answered (its next request may follow at once).
    @discardableResult
    private func readBatch(toEnd: Bool = false) -> Bool {
        var reads = 0
        let framesBefore = framesAnswered
        let peeking = peeks && syncStreak >= Self.syncBatches
        let flags = peeking ? Int32(POLICYD_MSG_PEEK) : 0
        while wantsRead && !closed {
            if inEnd == inCap { makeRoom() }
            let space = inCap - inEnd
            let n = Int(policyd_recv_flags(fd, inBuf + inEnd, space, flags))
            if n > 0 {
                inEnd += n
                if peeking { unconsumed += n }
                answerFrames()
                reads += 1
                // A short read emptied the socket: no second read just to see EAGAIN (new
                // bytes arriving after it raise a new edge).
                if n < space && !toEnd { break }
                if reads >= Self.readsPerEvent {
                    // Edge-triggered: bytes left on the socket raise no new event; re-arming
                    // reports the fd again if it is still readable.
                    if registered != 0 { loop.modify(fd, self, events: registered | Self.edgeEvents) }
                    break
                }
            } else if n == 0 {
                inputClosed = true
            } else if n == -Int(EINTR) {
                continue
            } else if n == -Int(EAGAIN) || n == -Int(EWOULDBLOCK) {
                break
            } else {
                closeNow()  // the peer vanished: only this connection is affected
                return false
            }
        }
        lastActivity = loop.tick
        if !peeking && loop.defersSends && out.readableBytes > 0 && !closing && !closed {
            // The batch answers other connections too: one submission for all (`EpollLoop.flushDeferredSends`).
            if !sendIsDeferred {
                sendIsDeferred = true
                loop.deferSend(self)
            }
        } else {
            // The bulk consume goes with this answer's send where the loop can (`consumeAt`).
            flushOut(consuming: peeking && unconsumed >= Self.consumeAt)
        }
        responder.flushDecisions(&state)
        let frames = framesAnswered - framesBefore
        if frames == 1 && reads == 1 {
            if syncStreak < Self.syncBatches { syncStreak += 1 }
        } else if frames > 1 || reads > 1 {
            // Pipelined requests, or a request too large for one read: read plainly.
            syncStreak = 0
        }
        if unconsumed > 0 && !closed {
            if syncStreak < Self.syncBatches || inEnd > inStart || unconsumed >= Self.consumeNowAt {
                // Not waiting for each answer (any more), or bytes of a request still arriving
                // (its client is sending, not waiting for an answer, and may be blocked on a send
                // buffer they fill), or the cap: off at once.
                consumeRead()
            } else if unconsumed >= Self.consumeAt && !idleQueued {
                idleQueued = true
                loop.consumeWhenIdle(self)
            }
            if unconsumed > 0 && !consumeQueued {
                consumeQueued = true
                loop.consumeLater(self)
            }
        }
        if inputClosed && !closed {
            // End of input: everything read has been answered (unless an admin op still runs).
            if adminBusy { closeWhenIdle = true } else { closeAfterWrites() }
        }
        return peeking && frames == 1 && reads == 1 && !closed && wantsRead && out.readableBytes == 0 && inStart == inEnd
    }

    /// Takes the bytes read so far off the socket (they are in the read buffer already): the
    /// client's buffers are freed, with at most one wake-up of the client for all of them.
    func consumeRead() {
        guard !closed else { return }
        while unconsumed > 0 {
            let n = Int(policyd_recv(fd, loop.discard, min(unconsumed, EpollLoop.discardBytes)))
            if n > 0 {
                unconsumed -= n
            } else if n == -Int(EINTR) {
                continue
            } else {
                // Cannot happen for bytes already peeked; an error means the socket is gone.
                unconsumed = 0
                return
            }
        }
    }

    /// The loop's consume tick: whatever is still queued comes off.
    func consumeTick() {
        consumeQueued = false
        consumeRead()
    }

    /// The loop has nothing to read: the bulk consume (`consumeAt`).
    func consumeIdle() {
        idleQueued = false
        consumeRead()
    }

    /// Room at the end of the read buffer: move the unanswered bytes to the front, or grow
    /// (only a partial frame remains after answering, so growth is bounded by max_frame_bytes).
    private func makeRoom() {
        if inStart > 0 {
            memmove(inBuf, inBuf + inStart, inEnd - inStart)
            inEnd -= inStart
            inStart = 0
            return
        }
        let bigger = inCap * 2
        let b = UnsafeMutableRawPointer.allocate(byteCount: bigger, alignment: 16)
        b.copyMemory(from: inBuf, byteCount: inEnd)
        inBuf.deallocate()
        inBuf = b
        inCap = bigger
    }

    /// Answers the complete frames in the read buffer, in order; stops at a partial frame, an
    /// admin op handed to the pool, or a bad header.
    private func answerFrames() {
        while !adminBusy && !closing && !closed && inEnd - inStart >= Frame.headerBytes {
            let p = inBuf + inStart
            let length = Int(UInt32(bigEndian: p.loadUnaligned(as: UInt32.self)))
            if length == 0 || length > settings.maxFrameBytes {
                inStart = inEnd
                refuseFrame(length: length)
                break
            }
            guard inEnd - inStart - Frame.headerBytes >= length else { break }
            inStart += Frame.headerBytes + length
            framesAnswered &+= 1
            process(UnsafeRawBufferPointer(start: p + Frame.headerBytes, count: length))
        }
        if inStart == inEnd {
            inStart = 0
            inEnd = 0
            if inCap > 4 * Self.initialReadBytes {  // a large frame grew it: start small again
                inBuf.deallocate()
                inCap = Self.initialReadBytes
                inBuf = UnsafeMutableRawPointer.allocate(byteCount: inCap, alignment: 16)
            }
        }
    }

    /// Answers one frame body (or starts its admin op on the pool).
    private func process(_ body: UnsafeRawBufferPointer) {
        if let pool = settings.adminPool {
            if let slow = responder.respondOrDefer(to: body, peer: peer, isAdmin: isAdmin, into: &out, state: &state) {
                return startAdmin(slow, pool: pool)
            }
        } else {
            responder.respond(to: body, peer: peer, isAdmin: isAdmin, into: &out, state: &state)
        }
        if out.readableBytes >= Self.writeEarlyBytes { flushOut() }
    }

    /// A header announced length 0 or more than `max_frame_bytes`: the body is never read; the
    /// connection gets one error and is closed.
    private func refuseFrame(length n: Int) {
        responder.counters.protocolErrors.wrappingIncrement(ordering: .relaxed)
        let (code, message) = n == 0
            ? (WireErrorCode.badRequest, "empty frame (length 0)")
            : (WireErrorCode.frameTooLarge, "frame of \(n) bytes exceeds max_frame_bytes")
        responder.logger.event(.protocolError, .info, "closing connection: \(message)",
                               ["POLICYD_ERROR": .string(code.rawValue), "POLICYD_PEER_PID": "\(peer.pid)",
                                "POLICYD_PEER_UID": "\(peer.uid)"])
        Frame.write(ResponseWriter.error(id: nil, code: code.rawValue, message: message), into: &out)
        closeAfterWrites()
    }

    // MARK: admin ops

    /// Writes the answers so far, pauses reading and runs `op` on the pool; its answer comes
    /// back through the loop's task list (`adminDone`).
    private func startAdmin(_ op: Responder.DeferredOp, pool: NIOThreadPool) {
        adminBusy = true
        flushOut()
        let loop = self.loop, id = self.id
        pool.submit { work in
            let response: [UInt8]
            if case .active = work {
                response = op.run()
            } else {  // the pool stopped before running it (shutdown)
                response = ResponseWriter.error(id: op.id, code: WireErrorCode.overloaded.rawValue,
                                                message: "policyd is shutting down; admin op not run")
            }
            loop.execute { $0.connection(id)?.adminDone(response) }
        }
    }

    /// The admin op's answer: write it, then answer the frames that waited behind it.
    func adminDone(_ response: [UInt8]) {
        adminBusy = false
        guard !closed, !closing else { return }
        Frame.write(response, into: &out)
        answerFrames()
        lastActivity = loop.tick
        flushOut()
        responder.flushDecisions(&state)
        if !adminBusy && !closed && (closeWhenIdle || inputClosed) { closeAfterWrites() }
        updateInterest()
    }

    // MARK: writing and closing

    /// Writes the buffered answers (one send for all of them). A short write keeps the rest
    /// for EPOLLOUT; once everything is written the buffer is reused.
    /// `consuming`: the peeked request bytes come off the socket in the same system call as the
    /// send where the loop can (`EpollLoop.sendConsuming`); otherwise, or for what is left, the
    /// bulk consume in `readBatch` takes them (`consumeAt`).
    private func flushOut(consuming: Bool = false) {
        if consuming && unconsumed > 0 && out.readableBytes > 0 && loop.sendsConsuming,
           let (sent, consumed) = out.withUnsafeReadableBytes({ loop.sendConsuming(fd, $0, consume: unconsumed) })
        {
            if consumed > 0 { unconsumed -= consumed }
            if sent >= 0 {
                out.moveReaderIndex(forwardBy: sent)
            } else if sent == -Int(EAGAIN) || sent == -Int(EWOULDBLOCK) {
                return
            } else if sent != -Int(EINTR) {
                closeNow()
                return
            }
        }
        while out.readableBytes > 0 {
            let n = Int(out.withUnsafeReadableBytes { policyd_send(fd, $0.baseAddress, $0.count, Int32(POLICYD_MSG_NOSIGNAL)) })
            if n >= 0 {
                out.moveReaderIndex(forwardBy: n)
            } else if n == -Int(EINTR) {
                continue
            } else if n == -Int(EAGAIN) || n == -Int(EWOULDBLOCK) {
                return
            } else {
                closeNow()
                return
            }
        }
        // Reuse the buffer unless a huge answer grew it (then start small again).
        if out.capacity > Self.writeEarlyBytes * 2 {
            out = ByteBuffer()
            out.reserveCapacity(1024)
        } else {
            out.clear()
        }
        if closing { closeNow() }
    }

    /// Answers wait for the loop's joint send (`EpollLoop.flushDeferredSends`).
    var hasDeferredSend: Bool { sendIsDeferred && !closed && out.readableBytes > 0 }

    /// The answers waiting for the joint send. Valid until `out` next changes: the loop submits
    /// them and calls `sendDeferred` before anything else runs on this connection.
    var deferredBytes: UnsafeRawBufferPointer { out.withUnsafeReadableBytes { $0 } }

    /// The joint send's result for this connection (a count or -errno; nil: not submitted).
    /// What is left (a short write, a send that failed) goes the plain way, which keeps it for
    /// EPOLLOUT or closes on a real error, as for any send.
    func sendDeferred(result: Int?) {
        guard sendIsDeferred else { return }
        sendIsDeferred = false
        guard !closed else { return }
        if let n = result, n > 0 { out.moveReaderIndex(forwardBy: min(n, out.readableBytes)) }
        flushOut()
        updateInterest()
    }

    /// No more requests: close once the answers so far are written.
    private func closeAfterWrites() {
        guard !closing, !closed else { return }
        closing = true
        responder.flushDecisions(&state)
        flushOut()
    }

    /// Shutdown: answer what is already read (and what the socket holds now), then close; an
    /// admin op in flight is answered first.
    func drain() {
        guard !closed, !closing else { return }
        if !adminBusy && !inputClosed { readBatch() }
        closeWhenIdle = true
        if !adminBusy { closeAfterWrites() }
        updateInterest()
    }

    func closeNow() {
        guard !closed else { return }
        // What was read comes off the socket first, as without peeking: closing an AF_UNIX
        // socket with bytes still queued resets the peer's connection (ECONNRESET instead of
        // end of input after the last answer).
        if unconsumed > 0 { consumeRead() }
        closed = true
        closing = true
        close(fd)  // also takes it out of the epoll set
        registered = 0
        responder.flushDecisions(&state)
        if counted { responder.counters.connections.wrappingDecrement(ordering: .relaxed) }
        counted = false
        loop.retire(self)
    }

    /// EPOLLIN while requests may be read, EPOLLOUT while answers wait; nothing (out of the set,
    /// so a hang-up cannot spin the loop) while an admin op holds the connection's order.
    private func updateInterest() {
        guard !closed, !sendIsDeferred else { return }
        let want: UInt32 = out.readableBytes > 0 ? EpollLoop.writable : (wantsRead ? EpollLoop.readable : 0)
        if want == registered { return }
        if want == 0 {
            loop.remove(fd)
        } else if registered == 0 {
            if !loop.add(fd, self, events: want | Self.edgeEvents) { return closeNow() }
        } else {
            loop.modify(fd, self, events: want | Self.edgeEvents)
        }
        registered = want
    }

    /// Closes the connection when nothing arrived for the idle timeout and no answer is still
    /// waiting to be written (a peer slow to read its answers has requests in flight: not idle).
    func checkIdle(tick: UInt64) {
        guard let timeout = settings.idleTimeoutNs, !closing, !closed else { return }
        // Activity at tick T happened before tick T + 1: idle for at least (tick - T - 1) ticks.
        guard tick &- lastActivity > loop.idleTicks else { return }
        if out.readableBytes == 0 && !adminBusy {
            responder.logger.debug("closing connection idle for \(timeout / 1_000_000) ms",
                                   metadata: ["POLICYD_PEER_PID": "\(peer.pid)", "POLICYD_PEER_UID": "\(peer.uid)"])
            closeNow()
            return
        }
        lastActivity = tick
    }
}
