import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Decision ids: ULID-shaped, 26 Crockford base32 characters = 48-bit Unix time in ms followed
/// by 80 bits that start random and count up within one millisecond.
///
/// Ids from one generator are strictly increasing (as strings and as bytes), even when many
/// threads ask at once or the wall clock steps back: the generator never goes below the last
/// time it used, and bumps the 80-bit tail when the millisecond has not changed. So sorting a
/// decision log by id sorts it by time, and `log show ID` can stop early.
public final class DecisionIDGenerator: Sendable {
    private struct State {
        var lastMs: UInt64 = 0
        var hi: UInt16 = 0   // top 16 of the 80 tail bits
        var lo: UInt64 = 0   // low 64 of the 80 tail bits
    }
    private let state = Mutex(State())
    private let clock: @Sendable () -> UInt64

    /// `clockMs` is for tests (fixed or backwards clocks); the default reads CLOCK_REALTIME.
    public init(clockMs: (@Sendable () -> UInt64)? = nil) {
        self.clock = clockMs ?? DecisionIDGenerator.wallClockMs
    }

    public static let shared = DecisionIDGenerator()

    public func next() -> String {
        let now = clock()
        let (ms, hi, lo) = state.withLock { s -> (UInt64, UInt16, UInt64) in
            if now > s.lastMs {
                s.lastMs = now
                var rng = SystemRandomNumberGenerator()
                // Leave headroom in the top bit so increments within one ms cannot overflow.
                s.hi = UInt16.random(in: 0...0x7FFF, using: &rng)
                s.lo = rng.next()
            } else {
                s.lo &+= 1
                if s.lo == 0 { s.hi &+= 1 }
            }
            return (s.lastMs, s.hi, s.lo)
        }
        return DecisionIDGenerator.encode(ms: ms, hi: hi, lo: lo)
    }

    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// 48 + 80 = 128 bits → 26 characters of 5 bits (the first character carries 3 bits).
    static func encode(ms: UInt64, hi: UInt16, lo: UInt64) -> String {
        String(unsafeUninitializedCapacity: 26) { out in
            write(ms: ms, hi: hi, lo: lo, to: out.baseAddress!)
            return 26
        }
    }

    /// Writes the 26 characters of an id to `p` (the response writer puts them straight into
    /// its buffer).
    static func write(ms: UInt64, hi: UInt16, lo: UInt64, to p: UnsafeMutablePointer<UInt8>) {
        // The alphabet as a static string: read in place, no lazy global (`alphabet` is a
        // `static let` array: a `swift_once` check on every decision's id).
        let alphabetText: StaticString = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
        let a = alphabetText.utf8Start
        var t = ms & 0xFFFF_FFFF_FFFF
        for i in stride(from: 9, through: 0, by: -1) {
            p[i] = a[Int(t & 31)]
            t >>= 5
        }
        // 80 tail bits = hi (16) ++ lo (64), 16 characters.
        var l = lo
        var h = UInt64(hi)
        for i in stride(from: 25, through: 10, by: -1) {
            p[i] = a[Int(l & 31)]
            l = (l >> 5) | ((h & 31) << 59)
            h >>= 5
        }
    }

    /// The millisecond timestamp encoded in an id, or nil if it is not one of ours.
    public static func timestampMs(of id: String) -> UInt64? {
        let u = Array(id.utf8)
        guard u.count == 26 else { return nil }
        var t: UInt64 = 0
        for c in u[0..<10] {
            guard let v = alphabet.firstIndex(of: c) else { return nil }
            t = (t << 5) | UInt64(v)
        }
        return t
    }

    @Sendable static func wallClockMs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }
}
