import Foundation

/// The nice value the process was started with (systemd `Nice=`, `nice -n`), as the kernel
/// keeps it for the thread-group leader. Linux keeps nice per thread and a new thread takes its
/// creator's: threads started from a Swift-concurrency (libdispatch) worker begin at that
/// worker's nice 0, not the process's, so the event loops read the leader's value and take it.
enum ProcessNice {
    /// Field 19 of `/proc/self/stat` (the leader's nice); nil when it cannot be read.
    static func leader() -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // After "pid (comm)" the fields run from 3 (state); nice is field 19.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 16, let nice = Int32(fields[16]) else { return nil }
        return nice
    }

    /// The calling thread's nice value (nil on error).
    static func currentThread() -> Int32? {
        errno = 0
        let nice = getpriority(BackgroundThread.prioProcess, 0)  // `who` 0 is the calling thread
        return errno == 0 ? nice : nil
    }
}
