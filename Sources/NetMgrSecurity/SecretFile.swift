import Glibc

/// Why a secret file (a private key, the line switch key) was not read.
public struct SecretFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        /// The file has permission bits for group or others (`mode` is the whole permission part, e.g. 0o644).
        case accessibleByOthers(mode: UInt32)
        /// open/fstat/read failed with this errno.
        case cannotRead(errno: Int32)
        case notRegularFile
        case tooLarge(limit: Int)
    }

    public var path: String
    /// What the file holds, for the message: "private key", "line switch key".
    public var what: String
    public var problem: Problem

    public init(path: String, what: String, problem: Problem) {
        self.path = path
        self.what = what
        self.problem = problem
    }

    /// `pki/node-a-key.pem: private key is readable by group or others (mode 0644); chmod 600 it`
    public var description: String {
        switch problem {
        case .accessibleByOthers(let mode):
            let octal = "0" + String(mode & 0o7777, radix: 8)
            let how = mode & 0o044 != 0 ? "readable" : "accessible"
            return "\(path): \(what) is \(how) by group or others (mode \(octal)); chmod 600 it"
        case .cannotRead(let code):
            let reason = code == ENOENT ? "does not exist" : String(cString: strerror(code))
            return "\(path): cannot read the \(what): \(reason)"
        case .notRegularFile:
            return "\(path): the \(what) is not a regular file"
        case .tooLarge(let limit):
            return "\(path): the \(what) is larger than \(limit) bytes; is it the right file?"
        }
    }
}

/// Files that hold secrets: read only if no group or other permission bit is set (0600 or 0400).
public enum SecretFile {
    /// The largest secret file read (a PEM key chain is a few KiB).
    public static let sizeLimit = 1 << 20

    /// Reads the whole file at `path`, refusing it when its mode has any group or other bit
    /// (the check is made on the opened file, so a rename between check and read changes nothing).
    /// `what` names the content in error messages ("private key", "line switch key").
    public static func read(path: String, what: String = "private key") throws(SecretFileError) -> [UInt8] {
        let result: Result<[UInt8], SecretFileError>
        do throws(PlainFile.Failure) {
            result = try PlainFile.read(path: path, limit: sizeLimit) { (info: stat) throws(SecretFileError) in
                guard info.st_mode & 0o077 == 0 else {
                    throw SecretFileError(path: path, what: what, problem: .accessibleByOthers(mode: UInt32(info.st_mode & 0o7777)))
                }
            }
        } catch {
            switch error {
            case .system(let code): throw SecretFileError(path: path, what: what, problem: .cannotRead(errno: code))
            case .notRegularFile: throw SecretFileError(path: path, what: what, problem: .notRegularFile)
            case .tooLarge: throw SecretFileError(path: path, what: what, problem: .tooLarge(limit: sizeLimit))
            }
        }
        return try result.get()
    }
}
