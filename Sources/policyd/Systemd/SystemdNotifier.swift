import CSystemd
import Glibc

/// sd_notify messages to the service manager. Every call is a no-op when NOTIFY_SOCKET is not
/// set (not started by systemd), so the daemon calls them unconditionally.
struct SystemdNotifier: Sendable {
    /// READY=1 (after start-up, and after each reload) with the current STATUS=.
    func ready(status: String) { send("READY=1\nSTATUS=\(Self.oneLine(status))") }

    /// RELOADING=1 with MONOTONIC_USEC (systemd ≥ 253 needs it for notify-reload; 252 ignores it).
    func reloading() {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let usec = UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
        send("RELOADING=1\nMONOTONIC_USEC=\(usec)")
    }

    func stopping() { send("STOPPING=1") }
    func status(_ text: String) { send("STATUS=\(Self.oneLine(text))") }
    func watchdog() { send("WATCHDOG=1") }

    /// The watchdog interval to ping at (half of WATCHDOG_USEC), when the watchdog applies to us.
    static func watchdogInterval() -> UInt64? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return usec / 2
    }

    private func send(_ message: String) {
        _ = sd_notify(0, message)
    }

    private static func oneLine(_ s: String) -> String {
        String(s.map { $0 == "\n" ? " " : $0 })
    }
}
