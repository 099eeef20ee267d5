import NIOCore

/// Decision ids for one connection, in `DecisionIDGenerator`'s format (26-character ULID:
/// 48-bit ms timestamp + 80-bit tail, random at each new millisecond, incremented within one),
/// written straight into the response buffer.
///
/// Why not the shared generator: it is a mutex touched by every event loop on every decision
/// (contended on 2 loops: futex syscalls) and draws from the kernel (`getrandom`) at each new
/// millisecond. Here the state is the connection's own (no lock) and the random tail comes from
/// a generator seeded once per connection from the system's. Ids stay unique (80 random bits
/// per connection and millisecond, incremented within it), strictly increasing per connection,
/// and sort by time at millisecond resolution across connections (as ULIDs from separate
/// generators do).
struct ConnectionDecisionIDs {
    private var lastMs: UInt64 = 0
    private var hi: UInt16 = 0
    private var lo: UInt64 = 0
    /// splitmix64 state (seeded from the system generator).
    private var seed: UInt64
    /// Set for one-off requests outside a connection (`Responder.respond(to:peer:isAdmin:)`):
    /// ids then come from the process-wide generator, so successive calls stay ordered.
    private let shared: DecisionIDGenerator?

    init() {
        var g = SystemRandomNumberGenerator()
        seed = g.next()
        shared = nil
    }

    init(shared: DecisionIDGenerator) {
        seed = 0
        self.shared = shared
    }

    private mutating func random() -> UInt64 {
        seed &+= 0x9E37_79B9_7F4A_7C15
        var z = seed
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next id's parts for a decision made at `ms` (wall clock, ms since the epoch).
    mutating func next(ms: UInt64) -> (ms: UInt64, hi: UInt16, lo: UInt64) {
        if ms > lastMs {
            lastMs = ms
            // Headroom in the top bit so increments within one ms cannot overflow.
            hi = UInt16(truncatingIfNeeded: random()) & 0x7FFF
            lo = random()
        } else {
            lo &+= 1
            if lo == 0 { hi &+= 1 }
        }
        return (lastMs, hi, lo)
    }

    /// Appends the next id as a JSON string literal (quotes included) and returns where its 26
    /// characters start in `out`.
    mutating func writeNext(ms: UInt64, into out: inout ByteBuffer) -> Int {
        if let shared {
            out.writeInteger(UInt8(ascii: "\""))
            let start = out.writerIndex
            out.writeString(shared.next())
            out.writeInteger(UInt8(ascii: "\""))
            return start
        }
        let (t0, hi, lo) = next(ms: ms)
        let start = out.writerIndex + 1
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: 28) { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            p[0] = UInt8(ascii: "\"")
            DecisionIDGenerator.write(ms: t0, hi: hi, lo: lo, to: p + 1)
            p[27] = UInt8(ascii: "\"")
            return 28
        }
        return start
    }

    /// The same into a response being written through `w` (28 bytes); returns where the id's
    /// 26 characters start in `w`.
    mutating func writeNext(ms: UInt64, to w: inout ByteCursor) -> Int {
        let start = w.count + 1
        w.append(UInt8(ascii: "\""))
        if let shared {
            var id = shared.next()
            id.withUTF8 { w.append(UnsafeRawBufferPointer($0)) }
        } else {
            let (t0, hi, lo) = next(ms: ms)
            DecisionIDGenerator.write(ms: t0, hi: hi, lo: lo, to: w.base + w.count)
            w.skip(26)
        }
        w.append(UInt8(ascii: "\""))
        return start
    }
}
