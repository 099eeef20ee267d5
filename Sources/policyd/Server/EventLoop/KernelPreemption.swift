import Foundation

/// The running kernel's preemption model, as far as it can be read without privileges.
///
/// The loop sends an answer and takes the peeked request bytes off the socket in one system call
/// (`EpollLoop.sendConsuming`) only where that call runs to its end before the woken client gets
/// the CPU: with preemption `none` or `lazy` a task woken inside a system call (a fair-class
/// task, as clients are) runs at the return to user space at the earliest. With `voluntary` or
/// `full`, the client woken by the send may run at the receive's first preemption point (its
/// mutex), read its answer, send again and sleep, and the receive then wakes it for nothing on
/// every request, worse than the bulk consume.
enum KernelPreemption: String {
    case none, voluntary, full, lazy

    /// Read once: the loops ask when they start.
    static let current: KernelPreemption? = detect()

    /// True where one system call for the send and the consume wakes the client once.
    static var sendConsumeIsAtomic: Bool { current == KernelPreemption.none || current == .lazy }

    /// In order: the mode a PREEMPT_DYNAMIC kernel runs now (debugfs, root only), `preempt=` on
    /// the command line, then the kernel's build configuration (a dynamic kernel's default).
    static func detect() -> KernelPreemption? {
        if let s = text("/sys/kernel/debug/sched/preempt"), let m = fromDebugfs(s) { return m }
        if let s = text("/proc/cmdline"), let m = fromCommandLine(s) { return m }
        if let s = configText(), let m = fromConfig(s) { return m }
        return nil
    }

    /// "none voluntary (full) lazy": the selected mode is in parentheses.
    static func fromDebugfs(_ s: String) -> KernelPreemption? {
        guard let open = s.firstIndex(of: "("), let close = s[open...].firstIndex(of: ")") else { return nil }
        return KernelPreemption(rawValue: String(s[s.index(after: open)..<close]))
    }

    static func fromCommandLine(_ s: String) -> KernelPreemption? {
        for word in s.split(whereSeparator: { $0 == " " || $0 == "\n" }) where word.hasPrefix("preempt=") {
            return KernelPreemption(rawValue: String(word.dropFirst("preempt=".count)))
        }
        return nil
    }

    static func fromConfig(_ s: String) -> KernelPreemption? {
        var model: KernelPreemption?
        for line in s.split(separator: "\n") {
            switch line {
            case "CONFIG_PREEMPT_RT=y": return .full
            case "CONFIG_PREEMPT_NONE=y": model = KernelPreemption.none
            case "CONFIG_PREEMPT_VOLUNTARY=y": model = .voluntary
            case "CONFIG_PREEMPT=y": model = .full
            case "CONFIG_PREEMPT_LAZY=y": model = .lazy
            default: break
            }
        }
        return model
    }

    private static func text(_ path: String) -> String? {
        guard let d = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: d, as: UTF8.self)
    }

    /// /proc/config.gz (CONFIG_IKCONFIG_PROC), else /boot/config-<release>.
    private static func configText() -> String? {
        if let d = FileManager.default.contents(atPath: "/proc/config.gz"),
           let inflater = try? GzipInflater(compressed: [UInt8](d), limit: 16 << 20),
           let bytes = try? inflater.read(16 << 20)
        {
            return String(decoding: bytes, as: UTF8.self)
        }
        var u = utsname()
        uname(&u)
        let release = withUnsafeBytes(of: u.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        return text("/boot/config-" + release)
    }
}
