import Foundation

/// Monotonic nanoseconds (CLOCK_MONOTONIC), the clock every benchmark times with.
@inline(__always)
func benchNowNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Percentiles of a set of per-operation latencies (nanoseconds).
struct LatencyStats {
    let count: Int
    let p50: Double
    let p99: Double
    let p999: Double
    let mean: Double
    let max: Double

    init(_ samples: [UInt64]) {
        let s = samples.sorted()
        count = s.count
        func pct(_ p: Double) -> Double {
            guard !s.isEmpty else { return 0 }
            let i = Swift.min(s.count - 1, Int((Double(s.count) * p / 100.0).rounded(.down)))
            return Double(s[i])
        }
        p50 = pct(50)
        p99 = pct(99)
        p999 = pct(99.9)
        mean = s.isEmpty ? 0 : Double(s.reduce(0, &+)) / Double(s.count)
        max = Double(s.last ?? 0)
    }

    var p50Us: Double { p50 / 1e3 }
    var p99Us: Double { p99 / 1e3 }
    var p999Us: Double { p999 / 1e3 }
    /// Decisions per second of one thread: 1 / mean.
    var perSecond: Double { mean > 0 ? 1e9 / mean : 0 }
}

/// Resident set size of this process in MiB (from /proc/self/status VmRSS / VmHWM).
enum ProcMemory {
    /// A kB field of /proc/PID/status, in MiB.
    static func statusField(_ name: String, pid: Int32? = nil) -> Double? {
        statusNumber(name, pid: pid).map { $0 / 1024.0 }
    }

    /// The number in a /proc/PID/status field (`Threads`, or kB for the memory fields).
    static func statusNumber(_ name: String, pid: Int32? = nil) -> Double? {
        let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if parts.count >= 2, let n = Double(parts[1]) { return n }
        }
        return nil
    }
    static func rssMiB(pid: Int32? = nil) -> Double { statusField("VmRSS", pid: pid) ?? 0 }
    static func hwmMiB(pid: Int32? = nil) -> Double { statusField("VmHWM", pid: pid) ?? 0 }
}

/// Formats a Double for tables: 3 significant-ish digits.
func benchFmt(_ x: Double) -> String {
    if x >= 100 { return String(format: "%.0f", x) }
    if x >= 10 { return String(format: "%.1f", x) }
    return String(format: "%.2f", x)
}

/// glibc's malloc_trim (not in the Glibc module map): return freed heap to the OS before an
/// RSS reading, as a GC would.
@_silgen_name("malloc_trim")
func benchMallocTrim(_ pad: Int) -> Int32
