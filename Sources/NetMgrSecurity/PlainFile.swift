import Glibc

/// Reads small files (certificates, keys) with a size limit, refusing what is not a regular file.
enum PlainFile {
    enum Failure: Error {
        case system(errno: Int32)
        case notRegularFile
        case tooLarge

        func reason(limit: Int) -> String {
            switch self {
            case .system(let code): code == ENOENT ? "does not exist" : String(cString: strerror(code))
            case .notRegularFile: "not a regular file"
            case .tooLarge: "larger than \(limit) bytes"
            }
        }
    }

    /// Opens `path` (without waiting on a FIFO), runs `check` on its fstat, then reads it whole.
    static func read<E: Error>(path: String, limit: Int, check: (stat) throws(E) -> Void) throws(Failure) -> Result<[UInt8], E> {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .system(errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system(errno: errno) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .notRegularFile }
        do throws(E) {
            try check(info)
        } catch {
            return .failure(error)
        }
        guard info.st_size <= limit else { throw .tooLarge }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
        var count = 0
        while count < bytes.count {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { throw .system(errno: errno) }
            if got == 0 { break }
            count += got
            if count > limit { throw .tooLarge }
            if count == bytes.count { bytes.append(contentsOf: repeatElement(0, count: 4096)) }
        }
        return .success(Array(bytes[..<count]))
    }
}
