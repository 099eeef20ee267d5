// Time zones as Go's `time.LoadLocation` sees them: TZif files from the system tzdata
// (/usr/share/zoneinfo), transitions in a sorted array, and the POSIX TZ footer rule for instants
// after the last transition. Zones are loaded once and cached for the life of the process.

import Foundation

final class GoZone: @unchecked Sendable {
    struct ZoneType { let offset: Int; let isDST: Bool; let name: String }
    struct Period { let name: String; let offset: Int; let start: Int64; let end: Int64 }

    static let alpha = Int64.min
    static let omega = Int64.max

    let zoneName: String
    private let types: [ZoneType]
    private let transitions: [Int64]
    private let transitionType: [UInt8]
    private let extend: String
    private let firstZone: Int

    init(name: String, types: [ZoneType], transitions: [Int64], transitionType: [UInt8], extend: String) {
        self.zoneName = name
        self.types = types
        self.transitions = transitions
        self.transitionType = transitionType
        self.extend = extend
        self.firstZone = GoZone.firstZoneIndex(types, transitionType)
    }

    static let utc = GoZone(name: "UTC", types: [], transitions: [], transitionType: [], extend: "")

    static func fixed(name: String, offset: Int) -> GoZone {
        GoZone(name: name, types: [ZoneType(offset: offset, isDST: false, name: name)], transitions: [],
               transitionType: [], extend: "")
    }

    /// Go's Location.lookupFirstZone.
    private static func firstZoneIndex(_ types: [ZoneType], _ tx: [UInt8]) -> Int {
        if !tx.contains(0) { return 0 }
        if let first = tx.first, types[Int(first)].isDST {
            var zi = Int(first) - 1
            while zi >= 0 {
                if !types[zi].isDST { return zi }
                zi -= 1
            }
        }
        if let zi = types.firstIndex(where: { !$0.isDST }) { return zi }
        return 0
    }

    /// Go's Location.lookup: the zone period in effect at `sec` (Unix seconds).
    func lookup(_ sec: Int64) -> Period {
        if types.isEmpty { return Period(name: "UTC", offset: 0, start: GoZone.alpha, end: GoZone.omega) }
        if transitions.isEmpty || sec < transitions[0] {
            let z = types[firstZone]
            return Period(name: z.name, offset: z.offset, start: GoZone.alpha,
                          end: transitions.first ?? GoZone.omega)
        }
        var lo = 0, hi = transitions.count
        var end = GoZone.omega
        while hi - lo > 1 {
            let m = (lo + hi) >> 1
            let lim = transitions[m]
            if sec < lim { end = lim; hi = m } else { lo = m }
        }
        let z = types[Int(transitionType[lo])]
        let start = transitions[lo]
        if lo == transitions.count - 1 && !extend.isEmpty,
           let p = GoPosixTZ.evaluate(extend, lastTransition: start, sec: sec) {
            return p
        }
        return Period(name: z.name, offset: z.offset, start: start, end: end)
    }

    // MARK: Loading

    struct LoadError: Error { let message: String }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [String: GoZone] = [:]

    /// Go's time.LoadLocation ("" and "UTC" are UTC; "Local" is UTC here: the daemon runs in UTC).
    static func load(_ name: String) throws -> GoZone {
        if name.isEmpty || name == "UTC" || name == "Local" { return utc }
        lock.lock()
        if let z = cache[name] { lock.unlock(); return z }
        lock.unlock()
        // Opening a zone file whose name holds a NUL fails in the kernel call (EINVAL).
        if name.utf8.contains(0) { throw LoadError(message: "invalid argument") }
        if name.hasPrefix("/") || name.contains("..") || name.hasPrefix("\\") {  // Go checks the first byte only
            throw LoadError(message: "time: invalid location name")
        }
        let dirs = [ProcessInfo.processInfo.environment["ZONEINFO"], "/usr/share/zoneinfo", "/usr/share/lib/zoneinfo",
                    "/usr/lib/locale/TZ"].compactMap { $0 }
        // Go reports the first failure other than a missing file (a name component longer than
        // NAME_MAX is "file name too long", a directory "is a directory", a file that is not
        // TZif "malformed time zone information").
        var firstError: String? = nil
        for dir in dirs {
            let data: [UInt8]
            switch readZoneFile(dir + "/" + name) {
            case .success(let d): data = d
            case .failure(let e):
                if firstError == nil, let e = e.message { firstError = e }
                continue
            }
            guard let zone = parseTZif(data, name: name) else {
                if firstError == nil { firstError = "malformed time zone information" }
                continue
            }
            lock.lock()
            cache[name] = zone
            lock.unlock()
            return zone
        }
        throw LoadError(message: firstError ?? "unknown time zone \(name)")
    }

    /// A failed read: Go's text for the errno, nil for ENOENT (a missing file).
    struct ReadFailure: Error { let message: String? }

    /// Reads a zone file as Go's readFile does (open, then read to the end).
    static func readZoneFile(_ path: String) -> Result<[UInt8], ReadFailure> {
        func failure(_ e: Int32) -> ReadFailure {
            switch e {
            case ENOENT: return ReadFailure(message: nil)
            case ENAMETOOLONG: return ReadFailure(message: "file name too long")
            case ENOTDIR: return ReadFailure(message: "not a directory")
            case EISDIR: return ReadFailure(message: "is a directory")
            case EACCES: return ReadFailure(message: "permission denied")
            case ELOOP: return ReadFailure(message: "too many levels of symbolic links")
            default: return ReadFailure(message: String(cString: strerror(e)).lowercased())
            }
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return .failure(failure(errno)) }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
            if n < 0 { return .failure(failure(errno)) }
            if n == 0 { return .success(out) }
            out += buf[0..<n]
            if out.count > 10 << 20 { return .failure(ReadFailure(message: "is too large")) }
        }
    }

    /// Parses a TZif file (v1, or the 64-bit v2+ block and its footer).
    static func parseTZif(_ b: [UInt8], name: String) -> GoZone? {
        var p = 0
        func u32(_ at: Int) -> UInt32 {
            UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
        }
        func i64(_ at: Int) -> Int64 {
            var v: UInt64 = 0
            for i in 0..<8 { v = v << 8 | UInt64(b[at + i]) }
            return Int64(bitPattern: v)
        }
        func header(_ at: Int) -> (isut: Int, isstd: Int, leap: Int, time: Int, type: Int, char: Int)? {
            guard b.count >= at + 44, b[at] == 0x54, b[at + 1] == 0x5A, b[at + 2] == 0x69, b[at + 3] == 0x66 else {
                return nil
            }
            let c = (0..<6).map { Int(u32(at + 20 + 4 * $0)) }
            return (c[0], c[1], c[2], c[3], c[4], c[5])
        }
        guard let h1 = header(0) else { return nil }
        let version = b[4]
        var h = h1
        var timeSize = 4
        p = 44
        if version >= 0x32 {  // '2': skip the v1 block
            p += h1.time * 4 + h1.time + h1.type * 6 + h1.char + h1.leap * 8 + h1.isstd + h1.isut
            guard let h2 = header(p) else { return nil }
            h = h2
            timeSize = 8
            p += 44
        }
        let need = h.time * timeSize + h.time + h.type * 6 + h.char + h.leap * (timeSize + 4) + h.isstd + h.isut
        guard b.count >= p + need, h.type > 0 else { return nil }
        var transitions: [Int64] = []
        transitions.reserveCapacity(h.time)
        for i in 0..<h.time {
            transitions.append(timeSize == 8 ? i64(p + 8 * i) : Int64(Int32(bitPattern: u32(p + 4 * i))))
        }
        p += h.time * timeSize
        let idx = Array(b[p..<(p + h.time)])
        p += h.time
        var raw: [(Int, Bool, Int)] = []
        for i in 0..<h.type {
            let o = p + 6 * i
            raw.append((Int(Int32(bitPattern: u32(o))), b[o + 4] != 0, Int(b[o + 5])))
        }
        p += h.type * 6
        let chars = Array(b[p..<(p + h.char)])
        p += h.char + h.leap * (timeSize + 4) + h.isstd + h.isut
        let types = raw.map { r -> ZoneType in
            var e = r.2
            while e < chars.count && chars[e] != 0 { e += 1 }
            let nm = r.2 < chars.count ? String(decoding: chars[r.2..<e], as: UTF8.self) : ""
            return ZoneType(offset: r.0, isDST: r.1, name: nm)
        }
        guard idx.allSatisfy({ Int($0) < types.count }) else { return nil }
        var extend = ""
        if timeSize == 8, p < b.count, b[p] == 0x0A {
            var e = p + 1
            while e < b.count && b[e] != 0x0A { e += 1 }
            extend = String(decoding: b[(p + 1)..<e], as: UTF8.self)
        }
        // Like Go: a zone without transitions gets one at the dawn of time, so the footer rule applies.
        if transitions.isEmpty { return GoZone(name: name, types: types, transitions: [alpha], transitionType: [0], extend: extend) }
        return GoZone(name: name, types: types, transitions: transitions, transitionType: idx, extend: extend)
    }
}
